"""One loaded llama.cpp model: render, tokenize, reuse the KV-cache prefix, and generate.

This is the only module that imports llama_cpp, and it is imported lazily by the provider so
that `wakeful --help` never loads native code. Everything here blocks; the provider runs it in
a worker thread. llama.cpp is not re-entrant, so each engine serialises its work on a lock.
"""

from __future__ import annotations

import codecs
import ctypes
import hashlib
import json
import logging
import math
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import llama_cpp
from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from llama_cpp import Llama, LlamaGrammar
from llama_cpp.llama_grammar import json_schema_to_gbnf

from wakeful.core.errors import ConfigError, ProviderError

Finish = Literal["stop", "length", "cancelled"]
# llama-cpp-python prints llama.cpp's log lines at or above this logger's level to stderr.
_LLAMA_LOG = logging.getLogger("llama-cpp-python")


def _converts(schema: dict[str, Any]) -> bool:
    try:
        json_schema_to_gbnf(json.dumps(schema))
    except Exception:  # the converter raises KeyError/ValueError/... on schemas it cannot do
        return False
    return True


def _convertible(schema: dict[str, Any]) -> dict[str, Any]:
    """The reply schema, with any tool whose arguments the converter rejects loosened.

    One odd tool schema must not take the whole model down: its arguments become "any
    object" (still JSON, still that tool) and the other tools keep their exact grammar.
    """
    if _converts(schema):
        return schema
    branches = []
    for branch in schema.get("anyOf", []):
        if not _converts(branch):
            props = dict(branch.get("properties", {}))
            props["arguments"] = {"type": "object"}
            branch = {**branch, "properties": props}
        branches.append(branch)
    loosened = {"anyOf": branches}
    if not _converts(loosened):
        raise ProviderError(
            "local model: cannot build a grammar from the tool schemas; simplify the tools' "
            "input_schema or use another provider"
        )
    return loosened


def native_grammar(call: dict[str, Any], answer: bool = True) -> str:
    """GBNF for a reply in the template's own format: one `<tool_call>` whose JSON matches
    `call` (see local_prompt.call_schema), or (if `answer`) plain text that does not start
    like a call."""
    body = json_schema_to_gbnf(json.dumps(_convertible_call(call)))
    lines = []
    for line in body.splitlines():
        if line.startswith("root ::="):
            line = "wakeful-call ::=" + line[len("root ::=") :]
        lines.append(line)
    head = [
        'root ::= "<tool_call>" "\\n"? wakeful-call "\\n"? "</tool_call>"'
        + (" | answer" if answer else ""),
        ANSWER_RULE,
    ]
    return "\n".join(head + lines) + "\n"


# An answer may not open like a call written another way (a fenced or bare JSON object), nor
# write a tag (`<` before a lower-case letter, `/` or `|`): a small model invents a
# `<tool_response>` turn, or `<edit path=...>` tags, instead of ending its answer.
ANSWER_RULE = 'answer ::= [^<`{ \\t\\n] ([^<\\x00] | "<" [^a-z/|\\x00])* "<"?'
# A reply that must be an answer (a retry after a repeated call), in the template's format.
NATIVE_ANSWER_GRAMMAR = "root ::= answer\n" + ANSWER_RULE + "\n"
# An answer that opens with a number: asked "How many ...?", the coder model named the
# failing test instead of counting; held to a number first, it wrote "1 test failed, 3 passed".
NATIVE_NUMBER_GRAMMAR = 'root ::= [0-9] [0-9]* rest\nrest ::= ([^<\\x00] | "<" [^a-z/|\\x00])*\n'


def _convertible_call(call: dict[str, Any]) -> dict[str, Any]:
    if _converts(call):
        return call
    branches = []
    for branch in call.get("anyOf", []):
        if not _converts(branch):
            branch = {
                **branch,
                "properties": {**branch["properties"], "arguments": {"type": "object"}},
            }
        branches.append(branch)
    return {"anyOf": branches}


class _Llama(Llama):
    """Llama that can load without llama.cpp's "extra buffer types" (weight repacking).

    Repacking routes matrix products through the AMX kernels on CPUs that report AMX, and those
    segfault in the first decode on some machines (llama.cpp issue #20824, this VM included).
    llama-cpp-python does not expose the switch, so it is set as the model parameters are
    created, before the model loads.
    """

    def __init__(self, *args: Any, use_extra_bufts: bool = False, **kwargs: Any) -> None:
        self._use_extra_bufts = use_extra_bufts
        super().__init__(*args, **kwargs)

    @property
    def model_params(self) -> Any:
        return self._wakeful_model_params

    @model_params.setter
    def model_params(self, params: Any) -> None:
        if hasattr(params, "use_extra_bufts"):
            params.use_extra_bufts = self._use_extra_bufts
        self._wakeful_model_params = params


@dataclass(frozen=True)
class EngineOptions:
    n_ctx: int = 4096
    threads: int = 0
    seed: int = 42
    repack: bool = False
    # Where the KV cache of a process's first prompt is kept for the next process (None: off).
    prompt_cache_dir: Path | None = None


# A saved prompt state is loaded only if it covers at least this many of the prompt's tokens.
MIN_CACHED_PREFIX = 64
# Tokens at the end of the rendered fixed messages that a full prompt may render otherwise
# (the generation prompt "<|im_start|>assistant" that follows them when rendered alone).
FIXED_PREFIX_SLACK = 8


@dataclass(frozen=True)
class Sampling:
    max_tokens: int
    temperature: float = 0.2
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05
    repeat_penalty: float = 1.0
    # A reply that is an answer (not a call) stops here (0: only max_tokens applies).
    answer_max_tokens: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_k": self.top_k,
            "top_p": self.top_p,
            "min_p": self.min_p,
            "repeat_penalty": self.repeat_penalty,
            "answer_max_tokens": self.answer_max_tokens,
        }


_CALL_OPENING = re.compile(r'\s*(?:<|\{\s*(?:"(?!answer")|$))')


def reply_is_answer(text: str) -> bool:
    """Whether a reply generated so far is surely an answer: prose, or `{"answer": ...}`,
    not a `<tool_call>`, a `{"tool": ...}` / `{"name": ...}` call, or not yet known."""
    if not text.strip():
        return False
    return _CALL_OPENING.match(text) is None


@dataclass
class Generation:
    """Outcome of one generation, with the token counts usage is made of."""

    text: str = ""
    prompt_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    finish: Finish = "stop"
    load_seconds: float = 0.0
    prompt_seconds: float = 0.0
    generate_seconds: float = 0.0


class LlamaEngine:
    """A model file, loaded on first use and kept for the engine's lifetime."""

    def __init__(
        self,
        model_path: Path,
        fallback_template: str,
        options: EngineOptions,
        template: str = "",
    ) -> None:
        self.model_path = model_path
        self.options = options
        self._fallback_template = fallback_template
        # A chat template of the user's own (local.chat_template) replaces the GGUF's.
        self._template_override = template
        self._lock = threading.Lock()
        self._llm: _Llama | None = None
        self._template: Any = None
        self._bos_text = ""
        self.template_source = ""
        self._grammars: dict[str, LlamaGrammar] = {}
        self.load_seconds = 0.0
        # The on-disk prompt cache is read and written around this engine's first generation.
        self._first_generation = True
        self.disk_cached_tokens = 0
        # Asked by llama.cpp between the nodes of every compute graph; see _install_abort.
        self._cancelled: Callable[[], bool] | None = None
        self._abort_callback: Any = None
        self._log_level = logging.ERROR

    # -- loading ------------------------------------------------------------------------

    def _ensure_loaded(self) -> _Llama:
        if self._llm is not None:
            return self._llm
        threads = self.options.threads or os.cpu_count() or 1
        start = time.perf_counter()
        try:
            llm = _Llama(
                model_path=str(self.model_path),
                n_ctx=self.options.n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                seed=self.options.seed,
                use_extra_bufts=self.options.repack,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ConfigError(
                f"cannot load local model {self.model_path}: {exc}. Check that it is a GGUF "
                "file llama.cpp supports, or set local.model_path to another one."
            ) from None
        self.load_seconds = time.perf_counter() - start
        source = (
            self._template_override
            or llm.metadata.get("tokenizer.chat_template")
            or self._fallback_template
        )
        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        env.filters["tojson"] = lambda x, **kw: json.dumps(x, ensure_ascii=False)
        try:
            self._template = env.from_string(source)
        except TemplateError as exc:
            llm.close()
            raise ConfigError(
                f"the chat template of local model {self.model_path.name} does not parse "
                f"({exc}); fix local.chat_template or leave it unset"
            ) from None
        self.template_source = source
        self._install_abort(llm)
        bos = llm.token_bos()
        # Strip the template's BOS text only if the tokenizer adds that token itself: in
        # SmolLM2 the BOS token is `<|im_start|>` and is not added, so stripping it would
        # start every prompt mid-turn.
        if bos >= 0 and llm.tokenize(b"", add_bos=True, special=True)[:1] == [bos]:
            self._bos_text = llm.detokenize([bos], special=True).decode("utf-8", "replace")
        self._llm = llm
        return llm

    def _install_abort(self, llm: _Llama) -> None:
        """Let a cancelled run stop llama.cpp mid-computation.

        A prompt is evaluated in blocking calls of up to 512 tokens (tens of seconds for the
        coder model on two cores), deaf to SIGTERM and Ctrl-C, and the CLI waits for its model
        thread before exiting. llama.cpp asks this callback between the nodes of each compute
        graph (milliseconds apart) and abandons the batch when it returns true. Measured: no
        CPU cost (SmolLM2, 400-token prompt: 3.93 CPU s with the callback, 4.10 without).
        """

        def should_abort(_data: Any) -> bool:
            check = self._cancelled
            if check is None or not check():
                return False
            # llama.cpp reports the abandoned batch as an error on stderr; it is not one.
            _LLAMA_LOG.setLevel(logging.CRITICAL)
            return True

        self._log_level = _LLAMA_LOG.level  # as Llama() set it (verbose=False: errors only)
        self._abort_callback = llama_cpp.ggml_abort_callback(should_abort)
        llama_cpp.llama_set_abort_callback(llm.ctx, self._abort_callback, None)

    def load(self) -> float:
        """Load now (normally the first request does it); returns the seconds it took."""
        with self._lock:
            self._ensure_loaded()
        return self.load_seconds

    def close(self) -> None:
        with self._lock:
            if self._llm is not None:
                self._llm.close()
                self._llm = None
                self._grammars.clear()

    # -- prompt -------------------------------------------------------------------------

    def _render_locked(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
    ) -> str:
        self._ensure_loaded()
        text = self._template.render(
            messages=messages,
            tools=tools or None,
            add_generation_prompt=True,
            bos_token=self._bos_text,
            eos_token="",
        )
        # The tokenizer adds BOS itself when the model asks for it; do not add a second one.
        if self._bos_text and text.startswith(self._bos_text):
            text = text[len(self._bos_text) :]
        return text

    def render(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
    ) -> str:
        with self._lock:
            return self._render_locked(messages, tools)

    def prompt_tokens(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
    ) -> list[int]:
        """The tokens the model receives for `messages` (BOS included when the model adds it)."""
        with self._lock:
            llm = self._ensure_loaded()
            prompt = self._render_locked(messages, tools)
            return llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)

    @property
    def calls_tools_natively(self) -> bool:
        """Whether the model's own chat template has a tool-call format (loads the model)."""
        with self._lock:
            self._ensure_loaded()
        from wakeful.providers.local_prompt import template_calls_tools

        return template_calls_tools(self.template_source)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            llm = self._ensure_loaded()
            return len(llm.tokenize(text.encode("utf-8"), add_bos=True, special=True))

    def _grammar(self, schema: dict[str, Any] | str) -> LlamaGrammar:
        key = schema if isinstance(schema, str) else json.dumps(schema, sort_keys=True)
        grammar = self._grammars.get(key)
        if grammar is None:
            if isinstance(schema, str):
                grammar = LlamaGrammar.from_string(schema, verbose=False)
            else:
                grammar = LlamaGrammar.from_json_schema(
                    json.dumps(_convertible(schema)), verbose=False
                )
            if len(self._grammars) > 32:
                self._grammars.clear()
            self._grammars[key] = grammar
        return grammar

    @staticmethod
    def _reusable_prefix(llm: _Llama, tokens: list[int]) -> int:
        """Prompt tokens llama.cpp will take from its KV cache instead of evaluating.

        Mirrors Llama.generate: the longest common prefix with what the context holds, minus
        one when the whole prompt matches (one token is replayed to refresh the logits).
        """
        held = llm.n_tokens
        if held <= 0:
            return 0
        common = Llama.longest_token_prefix(llm.input_ids[:held].tolist(), tokens)
        if common == len(tokens):
            if held == len(tokens) and not getattr(llm, "_requires_eval", True):
                return len(tokens)
            return common - 1
        return common

    # -- scoring ------------------------------------------------------------------------

    def choice_logprobs(
        self, messages: list[dict[str, Any]], choices: tuple[str, ...]
    ) -> tuple[dict[str, float], Generation]:
        """The log-probability of each choice's first token as the reply to `messages`.

        One forward pass over the part of the prompt not already in the KV cache, no
        sampling: what a grammar-held one-token answer would be drawn from, with the
        margin between the answers kept. Choices must differ in their first token."""
        with self._lock:
            llm = self._ensure_loaded()
            prompt = self._render_locked(messages)
            tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
            if len(tokens) + 1 > self.options.n_ctx:
                raise ProviderError(
                    f"local model: the prompt is {len(tokens)} tokens but the context holds "
                    f"{self.options.n_ctx}; raise local.n_ctx"
                )
            firsts = [llm.tokenize(c.encode("utf-8"), add_bos=False, special=False)[:1]
                      for c in choices]  # fmt: skip
            if any(not f for f in firsts) or len({f[0] for f in firsts}) != len(choices):
                raise ProviderError(
                    f"local model: cannot score the answers {list(choices)}: each must start "
                    "with a token of its own"
                )
            start = time.perf_counter()
            held = llm.n_tokens
            common = (
                Llama.longest_token_prefix(llm.input_ids[:held].tolist(), tokens) if held else 0
            )
            common = min(common, len(tokens) - 1)  # at least one token to get logits from
            llm._ctx.kv_cache_seq_rm(-1, common, -1)
            llm.n_tokens = common
            try:
                llm.eval(tokens[common:])
            except RuntimeError:
                llm.n_tokens = 0  # a failed batch leaves the cache unknown: start over
                raise
            logits = llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1)
            row = [float(logits[f[0]]) for f in firsts]
            vocab = llama_cpp.llama_vocab_n_tokens(llama_cpp.llama_model_get_vocab(llm.model))
            top = max(float(logits[i]) for i in range(vocab))
            total = math.fsum(math.exp(float(logits[i]) - top) for i in range(vocab))
            log_total = top + math.log(total)
            result = Generation(
                prompt_tokens=len(tokens),
                cached_tokens=common,
                load_seconds=self.load_seconds,
                prompt_seconds=time.perf_counter() - start,
            )
            return {c: x - log_total for c, x in zip(choices, row, strict=True)}, result

    # -- generation ---------------------------------------------------------------------

    def generate(
        self,
        messages: list[dict[str, Any]],
        sampling: Sampling,
        schema: dict[str, Any] | str | None,
        on_text: Callable[[str], None],
        cancelled: Callable[[], bool],
        on_prompt: Callable[[str], None] | None = None,
        tools: list[dict[str, Any]] | None = None,
        complete: Callable[[str], bool] | None = None,
        fixed: int = 0,
    ) -> Generation:
        """Render, tokenize and generate, calling `on_text` with each decoded piece.

        `schema` is a JSON schema the reply must match, a GBNF grammar (a string), or None.
        `complete`, asked when a piece closes a brace, stops generation once the reply holds
        all that will be read of it. `fixed` is how many leading messages are the same in
        every run (the prompt kept on disk must cover them)."""
        with self._lock:
            llm = self._ensure_loaded()
            result = Generation(load_seconds=self.load_seconds)
            prompt = self._render_locked(messages, tools)
            if on_prompt is not None:
                on_prompt(prompt)
            tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
            result.prompt_tokens = len(tokens)
            room = self.options.n_ctx - len(tokens)
            if room < 8:
                raise ProviderError(
                    f"local model: the prompt is {len(tokens)} tokens but the context holds "
                    f"{self.options.n_ctx}; raise local.n_ctx, compact the conversation, or "
                    "start a new session"
                )
            max_tokens = max(1, min(sampling.max_tokens, room))
            grammar = self._grammar(schema) if schema is not None else None
            first_run = self._first_generation
            self._first_generation = False
            if first_run:
                self.disk_cached_tokens = self._load_prompt_state(llm, tokens)
            result.cached_tokens = self._reusable_prefix(llm, tokens)
            llm.set_seed(self.options.seed)
            vocab = llama_cpp.llama_model_get_vocab(llm.model)
            decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
            pieces: list[str] = []
            start = time.perf_counter()
            first_token_at: float | None = None
            finish: Finish = "length"
            self._cancelled = cancelled
            try:
                for token in llm.generate(
                    tokens,
                    top_k=sampling.top_k,
                    top_p=sampling.top_p,
                    min_p=sampling.min_p,
                    temp=sampling.temperature,
                    repeat_penalty=sampling.repeat_penalty,
                    grammar=grammar,
                ):
                    if first_token_at is None:
                        first_token_at = time.perf_counter()
                    if llama_cpp.llama_vocab_is_eog(vocab, token):
                        finish = "stop"
                        break
                    result.output_tokens += 1
                    piece = decoder.decode(llm.detokenize([token]))
                    if piece:
                        pieces.append(piece)
                        on_text(piece)
                        if complete is not None and "}" in piece and complete("".join(pieces)):
                            finish = "stop"
                            break
                    if result.output_tokens >= max_tokens:
                        break
                    if (
                        sampling.answer_max_tokens
                        and result.output_tokens >= sampling.answer_max_tokens
                        and reply_is_answer("".join(pieces))
                    ):
                        break  # an answer past its budget (a call keeps max_tokens)
                    if cancelled():
                        finish = "cancelled"
                        break
            except RuntimeError:
                # llama_decode returns 2 when the abort callback stopped it; eval() raises
                # before it counts the batch, so the next prompt re-evaluates from there.
                if not cancelled():
                    raise
                finish = "cancelled"
            finally:
                self._cancelled = None
                _LLAMA_LOG.setLevel(self._log_level)
            tail = decoder.decode(b"", final=True)
            if tail:
                pieces.append(tail)
                on_text(tail)
            end = time.perf_counter()
            first = first_token_at or end
            result.prompt_seconds = first - start
            result.generate_seconds = end - first
            result.text = "".join(pieces)
            result.finish = finish
            if (
                first_run
                and finish != "cancelled"
                and self._disk_cache_short(llm, messages[:fixed], tools, len(tokens))
            ):
                self._save_prompt_state(llm, len(tokens))
            return result

    # -- the prompt cache on disk -------------------------------------------------------
    # Every headless run is a new process, so without this each one evaluates the same fixed
    # prompt (system text and tools, ~1,300 tokens) from scratch: ~90 CPU seconds for the
    # 1.5B coder model on this machine. llama.cpp's own state file (KV cache and tokens, no
    # pickle) is kept per model file and context size; a later prompt that shares its prefix
    # loads it and evaluates only the rest. The file is replaced atomically, so concurrent
    # runs never read half of one; any file that does not load is ignored.

    def _disk_cache_short(
        self,
        llm: _Llama,
        fixed: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        prompt_tokens: int,
    ) -> bool:
        """Whether the prompt kept on disk missed part of what every run shares: the fixed
        messages when they are known (a saved prompt from before they changed, e.g. new
        worked examples, would otherwise be reused for its first part forever), else half
        of this prompt."""
        if not fixed:
            return self.disk_cached_tokens < prompt_tokens // 2
        text = self._render_locked(fixed, tools)
        shared = len(llm.tokenize(text.encode("utf-8"), add_bos=True, special=True))
        # The rendered prefix ends with the generation prompt, which the full prompt lacks.
        return self.disk_cached_tokens < shared - FIXED_PREFIX_SLACK

    def _prompt_state_path(self) -> Path | None:
        folder = self.options.prompt_cache_dir
        if folder is None:
            return None
        try:
            st = self.model_path.stat()
        except OSError:
            return None
        ident = f"{self.model_path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{self.options.n_ctx}"
        ident += f"|{getattr(llama_cpp, '__version__', '')}"
        digest = hashlib.sha256(ident.encode()).hexdigest()[:24]
        return Path(folder) / f"{self.model_path.stem}-{digest}.state"

    def _load_prompt_state(self, llm: _Llama, tokens: list[int]) -> int:
        """Load the saved state if it shares enough of `tokens`; returns the tokens reused."""
        path = self._prompt_state_path()
        if path is None or not path.is_file() or llm.n_tokens > 0:
            return 0
        capacity = self.options.n_ctx
        out = (llama_cpp.llama_token * capacity)()
        count = ctypes.c_size_t(0)
        try:
            ok = llama_cpp.llama_state_load_file(
                llm.ctx, str(path).encode(), out, capacity, ctypes.byref(count)
            )
        except Exception:  # a damaged or foreign file is a cache miss, never an error
            ok = False
        saved = list(out[: count.value]) if ok else []
        shared = Llama.longest_token_prefix(saved, tokens) if saved else 0
        if shared < MIN_CACHED_PREFIX:
            llm.reset()
            llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(llm.ctx), True)
            return 0
        llm.input_ids[: len(saved)] = saved
        llm.n_tokens = len(saved)
        llm._requires_eval = True
        return min(shared, len(tokens) - 1)

    def _save_prompt_state(self, llm: _Llama, prompt_tokens: int) -> None:
        """Keep the evaluated prompt's state for the next process (best effort)."""
        path = self._prompt_state_path()
        held = min(llm.n_tokens, prompt_tokens)
        if path is None or held < MIN_CACHED_PREFIX:
            return
        # Only the prompt: cut the generated tokens off the KV cache first.
        llama_cpp.llama_memory_seq_rm(llama_cpp.llama_get_memory(llm.ctx), -1, held, -1)
        llm.n_tokens = held
        ids = (llama_cpp.llama_token * held)(*llm.input_ids[:held].tolist())
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".state-")
            os.close(fd)
            try:
                if llama_cpp.llama_state_save_file(llm.ctx, tmp.encode(), ids, held):
                    os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except OSError:
            pass
