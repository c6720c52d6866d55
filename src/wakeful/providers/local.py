"""The embedded offline model: llama.cpp in-process, no network, the default without API keys.

Generation runs in a worker thread so the event loop stays free; events cross back through a
queue. With tools, the reply is constrained by a grammar built from the tool schemas, so even a
135M model produces calls whose arguments match the schema. Usage reports KV-cache prefix reuse
as `cache_read`, which is what makes a stable prompt prefix cheap here too.
"""

from __future__ import annotations

import asyncio
import difflib
import importlib.util
import json
import os
import re
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from wakeful.core.config import Config
from wakeful.core.errors import ConfigError, ProviderError
from wakeful.core.events import Event, Stop, StopReason, TextDelta, ToolCall, UsageEvent
from wakeful.core.messages import TextBlock, ToolResultBlock
from wakeful.core.request import Request, SystemSegment, ToolSchema
from wakeful.core.settings import LocalSettings
from wakeful.core.tool_names import (
    BASH,
    DROPPED_NOTE,
    FILE_EDIT_TOOLS,
    PREREAD_CALL_PREFIX,
    READ_TOOLS,
    STILL_USED_NOTE,
    TASK_CHECK_NOTE,
    UNCHANGED_NOTE,
)
from wakeful.core.usage import Usage
from wakeful.providers.local_models import (
    ALIASES,
    INSTALL_HINT,
    MODELS,
    default_cache_dir,
    fallback_template,
    locate_model,
    model_spec,
)
from wakeful.providers.local_prompt import (
    LOCAL_TOOLS,
    ParsedReply,
    answer_prefix,
    call_schema,
    call_written_in_prose,
    chat_messages,
    choice_grammar,
    drop_unset_optionals,
    first_user_text,
    fixed_messages,
    local_tools,
    native_messages,
    native_tools,
    output_schema,
    parse_native,
    parse_reply,
    tool_instructions,
)
from wakeful.providers.request_log import RequestLog

if TYPE_CHECKING:
    from wakeful.providers.local_engine import EngineOptions, Generation, LlamaEngine

DEFAULT_MODEL = "smollm2-135m"
# Greedy decoding: a small model's best guess is its most likely token, and the same prompt
# gets the same reply. With the demo's second prompt, SmolLM2-135M answered "1234567890",
# "12345" or "PORT = 8080" at 0.2 depending on the folder's name, and the port every time at 0.
DEFAULT_TEMPERATURE = 0.0
DEFAULT_N_CTX = LocalSettings().n_ctx
# Enough for a ~6 KB file in one `write`; the context's free room caps it further.
DEFAULT_MAX_OUTPUT = LocalSettings().max_tokens
DEFAULT_ANSWER_TOKENS = LocalSettings().answer_tokens
# How llama.cpp's OpenMP threads wait at their barriers. "passive" sleeps instead of spinning:
# on a shared machine a spinning thread burns the time slice its partner needs (measured at load
# average 13 on 2 cores: a cached SmolLM2 reply took 19-34 s with libgomp's default spin and
# 1.4 s passive; a cold 1,300-token prompt 248 s and 47 s).
DEFAULT_OMP_WAIT_POLICY = "passive"
_DONE = object()
T = TypeVar("T")


def _llama_cpp_installed() -> bool:
    """Whether llama_cpp can be imported, found without importing it (no native code yet)."""
    try:
        return importlib.util.find_spec("llama_cpp") is not None
    except (ImportError, ValueError):
        return False


class LocalProvider:
    """Provider "local": a GGUF model run by llama.cpp inside this process."""

    name = "local"

    def __init__(
        self,
        model: str,
        model_path: Path,
        *,
        n_ctx: int = DEFAULT_N_CTX,
        threads: int = 0,
        seed: int = 42,
        repack: bool = False,
        tool_result_chars: int = 0,
        full_schemas: bool = False,
        max_output: int = DEFAULT_MAX_OUTPUT,
        tools: tuple[str, ...] | None = LOCAL_TOOLS,
        omp_wait_policy: str = DEFAULT_OMP_WAIT_POLICY,
        chat_template: str = "",
        prompt_cache_dir: Path | None = None,
        request_log: RequestLog | None = None,
        act_first: bool = True,
        preread: bool = True,
        answer_tokens: int = DEFAULT_ANSWER_TOKENS,
        examples: bool = True,
        task_checks: bool = True,
    ) -> None:
        if not _llama_cpp_installed():
            raise ConfigError("the local provider needs llama-cpp-python; " + INSTALL_HINT)
        self.model = model
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.threads = threads or os.cpu_count() or 1
        self.seed = seed
        self.repack = repack
        # About half the context in characters (~4 chars per token) for any one tool result.
        self.tool_result_chars = tool_result_chars or max(1000, n_ctx * 2)
        self.full_schemas = full_schemas
        # Cap each reply: a tiny model's ramble costs minutes on two cores; but a `write` of a
        # few kilobytes must fit, or it is cut into invalid JSON.
        self.max_output = max(1, max_output)
        # The tools this model is shown (None: all); see local_prompt.local_tools.
        self.tools = tools
        self.omp_wait_policy = omp_wait_policy
        self.chat_template = chat_template
        # Where the first prompt's KV cache is kept for the next run (None: not kept).
        self.prompt_cache_dir = prompt_cache_dir
        self.log = request_log or RequestLog(None)
        # A session's first reply must be a tool call: asked "which port does server.py use?",
        # Qwen2.5-Coder-1.5B wrote the grep it would run, invented its output and answered
        # 5000; SmolLM2 guesses too. A 1-request answer about a repository is a guess.
        self.act_first = act_first
        # The loop reads the files a task names before the first reply (loop.preread): asked
        # about utils.py, the coder model grepped it for an invented function name instead.
        self.reads_named_files = preread
        # The loop checks what a task visibly left undone before an answer ends it
        # (loop.task_checks): the coder model answered "Renamed ... everywhere" with the old
        # name still in two files.
        self.checks_tasks = task_checks
        # An answer's own budget: after a correct edit the coder model's closing words ran on
        # until the task timed out. A call keeps max_output (a long `write` must fit).
        self.answer_tokens = max(0, answer_tokens)
        # Worked examples before the task (local_examples), in the template's tool format.
        self.examples = examples
        self._engine: LlamaEngine | None = None
        self._engine_lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    @classmethod
    def from_config(cls, name: str, config: Config, log: RequestLog | None = None) -> LocalProvider:
        local = config.settings.local
        model_path = local.model_path
        if not model_path:
            name = model_spec(name or DEFAULT_MODEL).name
        cache_dir = local.cache_dir or None
        path = locate_model(
            name or DEFAULT_MODEL, model_path, Path(cache_dir) if cache_dir else None
        )
        if model_path and (not name or name in MODELS or name in ALIASES):
            # A file of the user's own: report it by its name, not the bundled default's.
            name = path.stem
        return cls(
            name,
            path,
            n_ctx=local.n_ctx,
            threads=local.threads,
            seed=local.seed,
            repack=local.repack,
            full_schemas=local.full_schemas,
            max_output=local.max_tokens,
            tools=_tools_setting(local.tools),
            omp_wait_policy=_wait_policy_setting(local.omp_wait_policy),
            chat_template=_template_setting(local.chat_template),
            prompt_cache_dir=(
                (Path(cache_dir).expanduser() if cache_dir else default_cache_dir().parent)
                / "prompts"
                if local.prompt_cache
                else None
            ),
            request_log=log,
            act_first=local.act_first,
            preread=local.preread,
            answer_tokens=local.answer_tokens,
            examples=local.examples,
            task_checks=local.task_checks,
        )

    def prefix_tokens(self, segments: list[SystemSegment], tools: list[ToolSchema]) -> int:
        """About how many tokens the fixed prompt takes as this model receives it.

        The model is shown its tool subset as short signatures (or the template's own tool
        list), not the full schemas other providers get, so compaction must size the prefix
        from this, not from the schemas.
        """
        system = "\n\n".join(seg.text for seg in segments if seg.text)
        shown = local_tools(list(tools), self.tools)
        if self._engine is not None and self._engine.template_source:
            from wakeful.providers.local_prompt import template_calls_tools

            if template_calls_tools(self._engine.template_source):
                # The template wraps the tool list in ~100 tokens of instructions.
                listed = json.dumps(native_tools(shown, self.full_schemas))
                return int((len(system) + len(listed) + 400) / 3.5)
        section = tool_instructions(shown, self.full_schemas) if shown else ""
        return int((len(system) + len(section)) / 3.5)

    # -- engine -------------------------------------------------------------------------

    def _options(self) -> EngineOptions:
        from wakeful.providers.local_engine import EngineOptions

        return EngineOptions(
            n_ctx=self.n_ctx,
            threads=self.threads,
            seed=self.seed,
            repack=self.repack,
            prompt_cache_dir=self.prompt_cache_dir,
        )

    @property
    def engine(self) -> LlamaEngine:
        """The loaded-once model; created on first use (loading happens in the worker)."""
        with self._engine_lock:
            if self._engine is None:
                apply_omp_wait_policy(self.omp_wait_policy, os.environ, sys.modules)
                try:
                    from wakeful.providers.local_engine import LlamaEngine
                except ImportError as exc:
                    raise ConfigError(
                        f"the local provider cannot import llama_cpp ({exc}); " + INSTALL_HINT
                    ) from None
                self._engine = LlamaEngine(
                    self.model_path,
                    fallback_template(self.model),
                    self._options(),
                    template=self.chat_template,
                )
            return self._engine

    def _model_thread(self) -> ThreadPoolExecutor:
        with self._engine_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="wakeful-local")
            return self._executor

    async def run_in_model_thread(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking model work on this provider's one model thread.

        One thread, always the same: llama.cpp's OpenMP pool belongs to the calling thread,
        and idle pools left behind by other threads spin and steal the CPU (measured: a cold
        1k-token prompt went from 3.5 s to 6-22 s on 2 cores when calls hopped threads).
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._model_thread(), lambda: fn(*args))

    async def load(self) -> float:
        """Load the model now instead of on the first request; returns seconds taken."""
        return await self.run_in_model_thread(self.engine.load)

    # -- the provider contract ----------------------------------------------------------

    def _format(self, request: Request, native: bool) -> _Format:
        """How this request is shown to the model and how its reply is constrained and read."""
        shown = local_tools(request.tools, self.tools, first_user_text(request))
        names = {t.name for t in shown}
        # Pushed to act on a task that asks for no change, a model may only look: pushed after
        # an answer to "Which file defines parse_date?", the coder model edited src/dates.py.
        task = first_user_text(request)
        pushed = (
            shown
            if asks_for_change(task)
            else [
                t for t in shown if t.name in READ_TOOLS or (t.name == BASH and asks_to_run(task))
            ]
        )
        # The task's first reply must act (tool_choice "required", for the first turn only).
        answer = not (self.act_first and shown and not _has_acted(request))
        # ... and on a task that asks for no change, that call may not edit or write: made to
        # act on "What is the timeout set in config.py?", the coder model edited it to 60.
        callable_ = (
            shown
            if answer or asks_for_change(first_user_text(request))
            else [t for t in shown if t.name not in FILE_EDIT_TOOLS] or shown
        )
        if native:
            from wakeful.providers.local_engine import (
                NATIVE_ANSWER_GRAMMAR,
                NATIVE_NUMBER_GRAMMAR,
                native_grammar,
            )

            return _Format(
                messages=native_messages(request, self.tool_result_chars, self.examples),
                tools=native_tools(shown, self.full_schemas) if shown else None,
                grammar=(
                    native_grammar(call_schema(callable_, self.full_schemas), answer)
                    if shown
                    else _choices_grammar(request)
                ),
                # Held to an answer: unconstrained, the coder model filled its whole budget
                # with invented `<tool_response>` turns.
                answer_only=NATIVE_ANSWER_GRAMMAR,
                parse=lambda text: drop_unset_optionals(parse_native(text, names), shown),
                native=True,
                act_only=(
                    native_grammar(call_schema(pushed, self.full_schemas), False)
                    if pushed and answer
                    else None
                ),
                complete=(lambda text: call_written_in_prose(text, names)) if shown else None,
                fixed=fixed_messages(request, self.examples),
                number_answer=NATIVE_NUMBER_GRAMMAR,
            )
        shown_request = request
        if shown != request.tools:
            from dataclasses import replace

            shown_request = replace(request, tools=shown)
        return _Format(
            messages=chat_messages(shown_request, self.tool_result_chars, self.full_schemas),
            tools=None,
            grammar=(
                output_schema(callable_, self.full_schemas, answer)
                if shown
                else _choices_grammar(request)
            ),
            answer_only=output_schema([]),
            parse=lambda text: drop_unset_optionals(parse_reply(text, names), shown),
            native=False,
            act_only=output_schema(pushed, self.full_schemas, False) if pushed and answer else None,
        )

    def _sampling(self, request: Request) -> Any:
        from wakeful.providers.local_engine import Sampling

        temperature = DEFAULT_TEMPERATURE if request.temperature is None else request.temperature
        if request.choices and not request.tools:
            # One of a few fixed answers: the likeliest, and no room to ramble on.
            longest = max(len(c) for c in request.choices)
            return Sampling(
                max_tokens=max(1, min(request.max_tokens, self.max_output, longest + 2)),
                temperature=0.0,
                repeat_penalty=1.0,
            )
        return Sampling(
            max_tokens=max(1, min(request.max_tokens, self.max_output)),
            answer_max_tokens=self.answer_tokens if request.tools else 0,
            temperature=float(temperature),
            # Plain text from a tiny model loops without a mild penalty; JSON must not be penalised.
            repeat_penalty=1.0 if request.tools else 1.1,
        )

    async def stream(self, request: Request) -> AsyncIterator[Event]:
        engine = self.engine
        sampling = self._sampling(request)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancel = threading.Event()
        body: dict[str, Any] = {
            "model": self.model,
            "model_path": str(self.model_path),
            "n_ctx": self.n_ctx,
            "seed": self.seed,
            "sampling": sampling.to_dict(),
        }

        def put(item: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        def on_prompt(prompt: str) -> None:
            body["prompt"] = prompt

        on_text = _AnswerStream(put, tools=bool(request.tools))
        box: dict[str, _Format] = {}

        def again(
            first: Generation, fmt: _Format, grammar: dict[str, Any] | str | None, shown: bool
        ) -> Generation:
            """Generate once more under `grammar`, after `first`. `shown`: the new text is
            streamed in place of the first's; otherwise the first stays and the new one (a
            call) is not shown as text."""
            if shown:
                on_text.reset()
            retry = engine.generate(
                fmt.messages,
                sampling,
                grammar,
                on_text if shown else (lambda piece: None),
                cancel.is_set,
                tools=fmt.tools,
            )
            return _combined(first, retry)

        def work() -> None:
            try:
                fmt = self._format(request, engine.calls_tools_natively)
                box["format"] = fmt
                on_text.native = fmt.native
                body["format"] = "native" if fmt.native else "json"
                body["tools"] = [
                    t.name for t in local_tools(request.tools, self.tools, first_user_text(request))
                ]
                if isinstance(fmt.grammar, str):
                    body["grammar"] = fmt.grammar
                else:
                    body["json_schema"] = fmt.grammar
                result = engine.generate(
                    fmt.messages,
                    sampling,
                    fmt.grammar,
                    on_text,
                    cancel.is_set,
                    on_prompt,
                    tools=fmt.tools,
                    complete=fmt.complete,
                    fixed=fmt.fixed,
                )
                if (
                    result.finish != "cancelled"
                    and fmt.grammar is not None
                    and _repeats_last_call(request, fmt.parse(result.text))
                ):
                    # A tiny model loops on the call it just made; the result is already in
                    # the conversation, so ask again with only the answer allowed.
                    body["repeated_call"] = result.text
                    result = again(result, fmt, fmt.answer_only, shown=True)
                elif (
                    result.finish != "cancelled"
                    and fmt.act_only is not None
                    and fmt.parse(result.text).tool is None
                    and (
                        (
                            _wants_action(request, fmt.parse(result.text).answer or result.text)
                            and not _announced_before(request)
                        )
                        or _change_still_due(request)
                        or _run_still_due(request)
                        or _check_unheeded(request)
                        or _echoes_last_result(
                            request, fmt.parse(result.text).answer or result.text
                        )
                    )
                ):
                    # "I will set case_insensitive and try again." is not an answer: a small
                    # model ends its task with the plan for its next step. Ask again, once,
                    # with a call required.
                    # What it said stays (it was streamed, and it is what the model is
                    # about to do); the call is not shown as text.
                    body["announced"] = result.text
                    result = again(result, fmt, fmt.act_only, shown=False)
                elif (
                    result.finish != "cancelled"
                    and fmt.number_answer is not None
                    and fmt.parse(result.text).tool is None
                    and _count_unanswered(request, fmt.parse(result.text).answer or result.text)
                ):
                    # Asked "How many tests pass?", the coder model answered "Failed
                    # test_four in tests/test_basic.py.": asked again, once, for a number.
                    body["unanswered"] = result.text
                    result = again(result, fmt, fmt.number_answer, shown=True)
                put(result)
            except BaseException as exc:  # delivered to the awaiting coroutine
                self.log.append(self.name, body, Usage(), error=str(exc))
                put(exc)
            finally:
                put(_DONE)

        worker = loop.run_in_executor(self._model_thread(), work)
        result: Generation | None = None
        try:
            while True:
                item = await queue.get()
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, str):
                    yield TextDelta(item)
                else:
                    result = item
            await worker
        finally:
            cancel.set()
        assert result is not None
        usage = Usage(
            input=result.prompt_tokens - result.cached_tokens,
            output=result.output_tokens,
            cache_read=result.cached_tokens,
        )
        async for event in self._finish(request, result, usage, on_text, box["format"]):
            yield event
        self.log.append(self.name, body, usage, reply=result.text)

    async def score_choices(self, request: Request) -> tuple[dict[str, float], Usage]:
        """The log-probability of each of `request.choices` as the whole reply (its first
        token), from one forward pass and no sampling: a yes/no question's margin, which
        a grammar-held answer throws away. Tool-less requests only."""
        if not request.choices or request.tools:
            raise ProviderError("local model: scoring needs choices and no tools")
        engine = self.engine
        body: dict[str, Any] = {
            "model": self.model,
            "model_path": str(self.model_path),
            "n_ctx": self.n_ctx,
            "score_choices": list(request.choices),
        }

        def work() -> tuple[dict[str, float], Generation]:
            fmt = self._format(request, engine.calls_tools_natively)
            body["prompt"] = engine.render(fmt.messages)
            return engine.choice_logprobs(fmt.messages, request.choices)

        try:
            scores, result = await self.run_in_model_thread(work)
        except BaseException as exc:
            self.log.append(self.name, body, Usage(), error=str(exc))
            raise
        usage = Usage(input=result.prompt_tokens - result.cached_tokens, output=0,
                      cache_read=result.cached_tokens)  # fmt: skip
        self.log.append(self.name, body, usage, reply=json.dumps(scores))
        return scores, usage

    async def _finish(
        self,
        request: Request,
        result: Generation,
        usage: Usage,
        on_text: _AnswerStream,
        fmt: _Format,
    ) -> AsyncIterator[Event]:
        reason: StopReason = "max_tokens" if result.finish == "length" else "end_turn"
        if request.tools:
            parsed = fmt.parse(result.text)
            if parsed.tool is not None:
                raw = result.text
                if parsed.arguments is not None:
                    raw = json.dumps(parsed.arguments, ensure_ascii=False)
                yield ToolCall(
                    id=f"call_{uuid.uuid4().hex[:16]}",
                    name=parsed.tool,
                    input=parsed.arguments,
                    raw_arguments=raw,
                )
                if parsed.arguments is not None:
                    reason = "tool_use"
            else:
                rest = on_text.remaining(parsed.answer if parsed.answer is not None else parsed.raw)
                if rest:
                    yield TextDelta(rest)
        yield UsageEvent(usage)
        yield Stop(reason)

    async def aclose(self) -> None:
        engine = self._engine
        if engine is not None:
            await self.run_in_model_thread(engine.close)
            self._engine = None
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False)


def _choices_grammar(request: Request) -> str | None:
    """The grammar that holds a tool-less reply to one of `request.choices`, if any."""
    return choice_grammar(request.choices) if request.choices else None


def _template_setting(value: str) -> str:
    """`local.chat_template`: a Jinja chat template file that replaces the GGUF's own."""
    if not value:
        return ""
    path = Path(str(value)).expanduser()
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(
            f"local.chat_template: cannot read {path} ({reason}); set it to a Jinja chat "
            "template file or leave it unset to use the model's own"
        ) from None


def _wait_policy_setting(raw: str) -> str:
    """`local.omp_wait_policy`: "passive" (default), "active", or "" for OpenMP's own default."""
    value = "" if raw is None else str(raw).strip().lower()
    if value not in ("passive", "active", ""):
        raise ConfigError(f'local.omp_wait_policy must be "passive", "active" or "", got {value!r}')
    return value


def apply_omp_wait_policy(policy: str, environ: Any, modules: dict[str, Any]) -> bool:
    """Set OMP_WAIT_POLICY for llama.cpp's OpenMP runtime before it loads; True if set.

    libgomp reads the variable once, when llama_cpp's libraries load, so it is set only while
    llama_cpp is not yet imported, and never over a value the user exported.
    """
    if not policy or "llama_cpp" in modules or environ.get("OMP_WAIT_POLICY"):
        return False
    environ["OMP_WAIT_POLICY"] = policy.upper()
    return True


def _tools_setting(value: str | tuple[str, ...]) -> tuple[str, ...] | None:
    """`local.tools`: the tool names a local model is shown, or "all"; default LOCAL_TOOLS."""
    if value == "":
        return LOCAL_TOOLS
    if value == "all":
        return None
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return value


@dataclass
class _Format:
    """One request as the model sees it: messages, tools for the template, the grammar (a
    JSON schema or GBNF), the answer-only grammar for a retry, and how to read the reply."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None
    grammar: dict[str, Any] | str | None
    answer_only: dict[str, Any] | str | None
    parse: Callable[[str], ParsedReply]
    native: bool
    # A call required: for a retry when an answer only announces what the model will do.
    act_only: dict[str, Any] | str | None = None
    # Whether the reply so far already holds the call that will be read (generation stops).
    complete: Callable[[str], bool] | None = None
    # How many leading messages are the same in every run (see native_messages).
    fixed: int = 0
    # An answer that opens with a number: for a retry when "How many ...?" got none.
    number_answer: dict[str, Any] | str | None = None


# A reply that only says what the model is about to do: "I will read it again", "Let's try
# again with ...", "I'll now edit ...". Checked at the start of a sentence; "let me know" is
# an answer's courtesy, not a plan.
_ANNOUNCES = re.compile(
    r"(?:^|[.!?:]\s+)(?:I understand[.!,]?\s+|Okay[.!,]?\s+|OK[.!,]?\s+)?"
    r"(?:I will|I'll|I am going to|I'm going to|I need to|Let's|Let me(?! know)|"
    r"Now,? I will|Next,? I will)\b",
    re.IGNORECASE,
)


# ... or that tells the reader to make a search: asked which file defines parse_date, after
# a glob found nothing, the coder model answered "Grep for parse_date in the repo."
_INSTRUCTS = re.compile(r"^(?:Grep|Glob|Search)\s+(?:for|the|in)\b", re.IGNORECASE)


def announces_action(text: str) -> bool:
    """Whether a reply announces a next step instead of taking it or answering."""
    return bool(_ANNOUNCES.search(text.strip()) or _INSTRUCTS.match(text.strip()))


# A reply that says a change was made: "I replaced ...", "I've fixed ...", "... has been
# updated". Shown seq.py, the coder model answered "I replaced the `len(xs)` with
# `len(xs) - 1`" without any call.
_CLAIMS = re.compile(
    r"\b(?:I|I've|I have|We|We've)\s+(?:now\s+|also\s+)?(?:replaced|changed|fixed|added|updated|"
    r"removed|renamed|modified|edited|created|wrote|written|deleted|corrected|bumped)\b|"
    r"\b(?:has|have) been (?:replaced|changed|fixed|added|updated|removed|renamed|modified|"
    r"edited|created|written|deleted|corrected|bumped)\b|"
    # ... or opens with the change as done: "Fixed greet in app.py: ...".
    r"(?:^|[.!?:]\s+)(?:Fixed|Added|Created|Renamed|Updated|Changed|Replaced|Removed|Edited|"
    r"Corrected|Bumped|Wrote|Deleted)\b|"
    # ... or hands the change to the user: "Here's the corrected code:", "you need to change".
    r"\b(?:corrected|updated|fixed|modified|revised)\s+(?:code|version|function|file|line)\b|"
    r"\bshould be (?:changed|replaced|updated)\b|"
    r"\byou (?:need|should|can|must) (?:to )?(?:change|replace|update|add|remove|fix|edit)\b",
    re.IGNORECASE,
)


def claims_change(text: str) -> bool:
    """Whether a reply says it changed something (true or not), or shows the user the change
    to make instead of making it."""
    return bool(_CLAIMS.search(text))


def _wants_action(request: Request, text: str) -> bool:
    """Whether a reply that is not a call should have been one: a plan ("I will ..."), or a
    change claimed while nothing in the task has changed a file."""
    return announces_action(text) or (claims_change(text) and not _changed_anything(request))


# An imperative that asks for a change, at the start of a sentence or after "then"/"and":
# "Fix the bug in app.py.", "Run pytest, then fix ...", "Add a function ...".
_ASKS_CHANGE = re.compile(
    r"(?:^|[.!?;:]\s+|\b(?:then|and|please)\s+)(?:fix|add|create|rename|bump|change|update|"
    r"remove|delete|write|make|implement|edit|replace|refactor|move|insert|append|turn|set|"
    r"enable|disable|switch|convert|rewrite|increase|decrease|record)\b",
    re.IGNORECASE,
)
# How many calls of its own a model may make on a task that asks for a change before an
# answer without any change is accepted as its last word.
MAX_CHANGE_PUSHES = 8
# How alike (difflib's ratio) an answer and a tool result must be for the answer to count as
# a restatement of the result.
ECHO_RATIO = 0.75


def asks_for_change(task: str) -> bool:
    """Whether the task's words ask for a change to be made (not a question about code)."""
    return bool(_ASKS_CHANGE.search(task.strip()))


_HOW_MANY = re.compile(r"\bhow many\b", re.IGNORECASE)
_NUMBER = re.compile(
    r"\b(?:\d+|zero|no|none|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b",
    re.IGNORECASE,
)


def _count_unanswered(request: Request, answer: str) -> bool:
    """Whether a question that asks "how many" got an answer with no number in it."""
    task = first_user_text(request)
    return bool(_HOW_MANY.search(task)) and not asks_for_change(task) and not _NUMBER.search(answer)


def _change_still_due(request: Request) -> bool:
    """A task that asks for a change, with nothing changed yet, and the model still within
    MAX_CHANGE_PUSHES calls: its answer is not the end. After reading app.py the coder model
    answered with the fix in prose ("It should return sum(xs) / len(xs)"), or after an edit
    refused for a wrong quote with "I copied the old_string from the file"."""
    return (
        asks_for_change(first_user_text(request))
        and (not _changed_anything(request) or _work_left(request))
        and _model_calls(request) < MAX_CHANGE_PUSHES
    )


# "Run the tests ...", "... and run it": the task asks for a command to be run.
_ASKS_RUN = re.compile(r"(?:^|[.!?;:,]\s+|\b(?:then|and|please)\s+)run\b", re.IGNORECASE)


def asks_to_run(task: str) -> bool:
    """Whether the task's words ask for something to be run (tests, a script)."""
    return bool(_ASKS_RUN.search(task.strip()))


def _run_still_due(request: Request) -> bool:
    """A task that asks for a run, with no command run by the model yet (within
    MAX_CHANGE_PUSHES calls): asked to "Create tests/test_app.py ..., and run it", the coder
    model wrote the test (which could not import greet) and answered without running it."""
    return (
        asks_to_run(first_user_text(request))
        and not any(
            b.name == BASH and not b.id.startswith(PREREAD_CALL_PREFIX)
            for m in request.messages
            if m.role == "assistant"
            for b in m.tool_uses
        )
        and _model_calls(request) < MAX_CHANGE_PUSHES
    )


def _check_unheeded(request: Request) -> bool:
    """Whether the loop's latest note says the task is not finished (loop.task_checks) and the
    model has made no call of its own since: told that calc was still in main.py, an answer
    would only restate the claim."""
    for message in reversed(request.messages):
        if message.role == "assistant" and any(
            not b.id.startswith(PREREAD_CALL_PREFIX) for b in message.tool_uses
        ):
            return False
        if message.role == "user" and any(
            isinstance(b, TextBlock) and b.text.startswith(TASK_CHECK_NOTE) for b in message.content
        ):
            return True
    return False


def _echoes_last_result(request: Request, text: str) -> bool:
    """Whether an answer only repeats the latest tool result, word for word or nearly (within
    MAX_CHANGE_PUSHES calls): asked which file defines parse_date, the coder model globbed
    for parse_date.py and answered with glob's "No files match ...", then with "I found no
    files matching ..."."""
    answer = " ".join(text.split()).lower()
    if len(answer) < 20 or _model_calls(request) >= MAX_CHANGE_PUSHES or _echoed_before(request):
        return False
    for message in reversed(request.messages):
        results = [b for b in message.content if isinstance(b, ToolResultBlock)]
        if results:
            return any(_restates(answer, " ".join(b.content.split()).lower()) for b in results)
        if message.role == "assistant":
            return False
    return False


def _echoed_before(request: Request) -> bool:
    """Whether an earlier turn already restated a tool result before its call (once per
    task: the second time, "... Without the glob, it matches src/dates.py." was the answer)."""
    results: list[str] = []
    for message in request.messages:
        if message.role == "assistant" and message.tool_uses and message.text.strip():
            said = " ".join(message.text.split()).lower()
            if len(said) >= 20 and any(_restates(said, r) for r in results):
                return True
        results = [
            " ".join(b.content.split()).lower()
            for b in message.content
            if isinstance(b, ToolResultBlock)
        ] or results
    return False


def _restates(answer: str, result: str) -> bool:
    if answer in result:
        return True
    if len(answer) < 40:
        return False
    return difflib.SequenceMatcher(None, answer, result, autojunk=False).ratio() >= ECHO_RATIO


def _work_left(request: Request) -> bool:
    """Whether the latest change made says part of it is still to do (a renamed name other
    files still use): told "calc is still used in: main.py", the coder model answered
    "Renamed calc everywhere", or grepped main.py and then answered so."""
    names = {b.id: b.name for m in request.messages if m.role == "assistant" for b in m.tool_uses}
    for message in reversed(request.messages):
        for block in message.content:
            if (
                isinstance(block, ToolResultBlock)
                and not block.is_error
                and names.get(block.tool_use_id) in FILE_EDIT_TOOLS
            ):
                return STILL_USED_NOTE in block.content or DROPPED_NOTE in block.content
    return False


def _model_calls(request: Request) -> int:
    """The tool calls the model itself made (the loop's preread excluded)."""
    return sum(
        1
        for m in request.messages
        if m.role == "assistant"
        for b in m.tool_uses
        if not b.id.startswith(PREREAD_CALL_PREFIX)
    )


def _changed_anything(request: Request) -> bool:
    """Whether a call that may change files (write, edit, bash) ran without an error, and
    is not an in-place edit that its result says changed nothing."""
    failed = {
        b.tool_use_id
        for m in request.messages
        for b in m.content
        if isinstance(b, ToolResultBlock) and (b.is_error or UNCHANGED_NOTE in b.content)
    }
    return any(
        b.name in FILE_EDIT_TOOLS or b.name == BASH
        for m in request.messages
        if m.role == "assistant"
        for b in m.tool_uses
        if b.id not in failed
    )


def _announced_before(request: Request) -> bool:
    """Whether an earlier turn was already a plan (or a claim) turned into a call (once per
    task: a model that only ever announces would otherwise be pushed round its loop to the
    turn limit)."""
    return any(
        m.role == "assistant"
        and m.tool_uses
        and (announces_action(m.text) or claims_change(m.text))
        for m in request.messages
    )


def _has_acted(request: Request) -> bool:
    """Whether the model already made a tool call in this conversation (so an answer may
    follow). The loop's own reads of the files a task names do not count: after them the
    coder model answered from the file, with a change it had not made ("Fixed greet in
    app.py") or a count it had not made."""
    return _model_calls(request) > 0


def _repeats_last_call(request: Request, parsed: ParsedReply) -> bool:
    """True if `parsed` is a call identical to one in the latest assistant turn."""
    if parsed.tool is None or parsed.arguments is None:
        return False
    for message in reversed(request.messages):
        if message.role == "assistant":
            return any(
                b.name == parsed.tool and b.input == parsed.arguments for b in message.tool_uses
            )
    return False


def _combined(first: Generation, second: Generation) -> Generation:
    """The second generation's reply, with the tokens of both passes counted."""
    second.prompt_tokens += first.prompt_tokens
    second.cached_tokens += first.cached_tokens
    second.output_tokens += first.output_tokens
    second.prompt_seconds += first.prompt_seconds
    second.generate_seconds += first.generate_seconds
    return second


class _AnswerStream:
    """Forwards model text to the stream: raw text without tools, else the decoded answer.

    With tools the model writes `{"answer": "..."}`; users should see the answer as it is
    generated, not the JSON around it, and never a tool call's JSON.
    """

    def __init__(self, put: Callable[[Any], None], tools: bool) -> None:
        self._put = put
        self._tools = tools
        self._raw: list[str] = []
        self.sent = ""
        # Text of an earlier reply was shown before a reset: the next text starts a paragraph.
        self._gap = False
        # In the template's own format an answer is plain text and a call starts with `<`.
        self.native = False

    def _emit(self, text: str) -> None:
        if text and self._gap:
            self._gap = False
            text = "\n\n" + text
        if text:
            self._put(text)

    def __call__(self, piece: str) -> None:
        if self.native and self._tools:
            self._raw.append(piece)
            raw = "".join(self._raw)
            if raw.lstrip().startswith("<") or raw.lstrip().startswith('{"name"'):
                return
            if not raw.strip() or (raw.lstrip().startswith("{") and len(raw.strip()) < 8):
                return  # not yet known whether this is a call
            self._emit(raw[len(self.sent) :])
            self.sent = raw
            return
        if not self._tools:
            self.sent += piece
            self._emit(piece)
            return
        self._raw.append(piece)
        decoded = answer_prefix("".join(self._raw))
        if decoded is not None and len(decoded) > len(self.sent):
            delta = decoded[len(self.sent) :]
            self.sent = decoded
            self._emit(delta)

    def reset(self) -> None:
        """Start over for a new reply. Text already streamed cannot be taken back: it stays,
        and the new reply's text follows it as a paragraph of its own."""
        if self.sent:
            self._gap = True
        self.sent = ""
        self._raw.clear()

    def remaining(self, full: str) -> str:
        """Text not yet streamed, given the final decoded reply."""
        rest = ""
        if not self._tools:
            rest = ""
        elif self.native and not self.sent:
            rest = full
        elif full.startswith(self.sent):
            rest = full[len(self.sent) :]
        if rest and self._gap:
            self._gap = False
            rest = "\n\n" + rest
        return rest
