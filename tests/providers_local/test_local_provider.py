"""The local provider against the real bundled model (SmolLM2-135M via llama.cpp).

One provider is loaded per module (small context, short generations) so the file stays fast.
"""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path
from typing import Any

import pytest

from wakeful.core.config import Config
from wakeful.core.errors import ConfigError, ProviderError
from wakeful.core.events import Stop, TextDelta, ToolCall, UsageEvent
from wakeful.core.messages import Message, ToolResultBlock, ToolUseBlock
from wakeful.core.request import Request, SystemSegment, ToolSchema
from wakeful.providers.local import LocalProvider
from wakeful.providers.registry import resolve_provider
from wakeful.providers.request_log import RequestLog

pytest.importorskip("llama_cpp", reason="llama-cpp-python is part of wakeful[local]")

SYSTEM = [SystemSegment("core", "You are a coding assistant working in a software project.")]
READ = ToolSchema(
    "read",
    "Read a text file and return its lines numbered.",
    {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "File to read."},
            "offset": {"type": "integer", "minimum": 1},
        },
        "required": ["path"],
    },
)
BASH = ToolSchema(
    "bash",
    "Run a bash command and return its output.",
    {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
)
WRITE = ToolSchema(
    "write",
    "Write a whole file.",
    {
        "type": "object",
        "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
        "required": ["path", "content"],
    },
)
TOOLS = [BASH, READ, WRITE]


def validate(value: Any, schema: dict[str, Any]) -> list[str]:
    """The JSON-schema subset our tool schemas use; returns the problems found."""
    kinds = {
        "object": dict,
        "string": str,
        "integer": int,
        "number": (int, float),
        "boolean": bool,
        "array": list,
    }
    kind = schema.get("type")
    if kind and not isinstance(value, kinds[kind]):
        return [f"{value!r} is not {kind}"]
    problems: list[str] = []
    if kind == "object":
        props = schema.get("properties", {})
        problems += [f"missing {r}" for r in schema.get("required", []) if r not in value]
        for key, item in value.items():
            if key not in props:
                if schema.get("additionalProperties") is False:
                    problems.append(f"unexpected {key}")
                continue
            problems += validate(item, props[key])
    if kind == "integer" and "minimum" in schema and value < schema["minimum"]:
        problems.append(f"{value} < {schema['minimum']}")
    return problems


@pytest.fixture(scope="module")
def request_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("local") / "requests.jsonl"


@pytest.fixture(scope="module")
def provider(request_log: Path) -> LocalProvider:
    config = Config()
    config.set("local", "n_ctx", value=1024)
    config.set("local", "threads", value=2)
    return LocalProvider.from_config("smollm2-135m", config, RequestLog(request_log))


async def collect(provider: LocalProvider, request: Request) -> list[Any]:
    return [event async for event in provider.stream(request)]


def check_envelope(events: list[Any]) -> None:
    """Exactly one UsageEvent then one Stop, at the end."""
    assert isinstance(events[-1], Stop)
    assert isinstance(events[-2], UsageEvent)
    assert sum(isinstance(e, (Stop, UsageEvent)) for e in events) == 2


async def test_plain_text_answer_streams_and_counts_tokens(provider: LocalProvider) -> None:
    request = Request(
        model=provider.model,
        system=SYSTEM,
        messages=[Message.user("Say hello in one short sentence.")],
        max_tokens=24,
    )
    events = await collect(provider, request)
    check_envelope(events)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text.strip()
    usage = events[-2].usage
    assert 0 < usage.output <= 24
    assert usage.input > 10 and usage.cache_write == 0
    assert events[-1].reason in ("end_turn", "max_tokens")
    if usage.output == 24:
        assert events[-1].reason == "max_tokens"


async def test_constrained_tool_call_matches_the_tool_schema(provider: LocalProvider) -> None:
    request = Request(
        model=provider.model,
        system=SYSTEM,
        tools=TOOLS,
        messages=[Message.user("read the file hello.py")],
        max_tokens=32,
    )
    events = await collect(provider, request)
    check_envelope(events)
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert len(calls) == 1, events
    call = calls[0]
    assert call.name == "read"
    assert call.input is not None and isinstance(call.input.get("path"), str)
    assert validate(call.input, READ.input_schema) == []
    assert json.loads(call.raw_arguments) == call.input
    assert call.id.startswith("call_")
    assert events[-1].reason == "tool_use"
    assert not [e for e in events if isinstance(e, TextDelta)], "tool JSON leaked as text"


@pytest.mark.parametrize(
    "prompt", ["list the files here", "write hi into x.txt", "What is 2+2?", "show me setup.cfg"]
)
async def test_every_reply_with_tools_is_a_valid_call_or_an_answer(
    provider: LocalProvider, prompt: str
) -> None:
    request = Request(
        model=provider.model,
        system=SYSTEM,
        tools=TOOLS,
        messages=[Message.user(prompt)],
        max_tokens=40,
    )
    events = await collect(provider, request)
    check_envelope(events)
    calls = [e for e in events if isinstance(e, ToolCall)]
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    schemas = {t.name: t.input_schema for t in TOOLS}
    if events[-1].reason == "tool_use":
        assert len(calls) == 1 and not text
        assert validate(calls[0].input, schemas[calls[0].name]) == []
    else:
        # an answer: shown as plain text, never as the JSON around it
        assert not text.lstrip().startswith('{"answer"')


async def test_second_request_reuses_the_prefix_from_the_kv_cache(
    provider: LocalProvider, request_log: Path
) -> None:
    history = [
        Message.user("read the file hello.py"),
        Message("assistant", [ToolUseBlock("t1", "read", {"path": "hello.py"})]),
        Message("user", [ToolResultBlock("t1", "1\tprint('hello')")]),
    ]
    first = Request(model=provider.model, system=SYSTEM, tools=TOOLS, messages=history[:1])
    first.max_tokens = 24
    second = Request(model=provider.model, system=SYSTEM, tools=TOOLS, messages=history)
    second.max_tokens = 24
    u1 = (await collect(provider, first))[-2].usage
    u2 = (await collect(provider, second))[-2].usage
    assert u2.cache_read > 0
    # the whole first prompt (system, tools, first user turn) is shared with the second
    assert u2.cache_read >= u1.input + u1.cache_read - 1
    assert u2.input < u2.cache_read

    records = [json.loads(line) for line in request_log.read_text().splitlines()]
    last = records[-1]
    assert last["provider"] == "local"
    assert last["usage"] == u2.to_dict()
    prompt = last["request"]["prompt"]
    # read results reach a small model without their line numbers (issue: it read them as
    # content), and the task follows them
    assert "Result of read hello.py:\nprint('hello')" in prompt
    # greedy by default: the same prompt gets the same reply
    assert last["request"]["sampling"]["temperature"] == 0.0
    assert last["request"]["json_schema"]["anyOf"][1]["properties"]["tool"] == {"const": "read"}
    # input + cache_read is the whole prompt, counted with the model's tokenizer
    assert u2.input + u2.cache_read == provider.engine.count_tokens(prompt)


async def test_choices_hold_the_reply_to_one_of_them(
    provider: LocalProvider, request_log: Path
) -> None:
    # Left to itself SmolLM2 answers this in a sentence; with choices it can only pick one.
    choices = ("yes", "no")
    for question in (
        "Is Python a programming language? Explain your answer in detail.",
        "Write a poem about the sea.",
    ):
        request = Request(
            model=provider.model,
            system=SYSTEM,
            messages=[Message.user(question)],
            max_tokens=64,
            choices=choices,
        )
        events = await collect(provider, request)
        check_envelope(events)
        text = "".join(e.text for e in events if isinstance(e, TextDelta))
        assert text in choices
        assert events[-2].usage.output <= 4
    last = json.loads(request_log.read_text().splitlines()[-1])["request"]
    assert last["grammar"] == 'root ::= "yes" | "no"\n'
    assert last["sampling"]["temperature"] == 0.0


async def test_scored_choices_agree_with_the_grammar_held_answer(
    provider: LocalProvider, request_log: Path
) -> None:
    # The dream's judge reads the margin between "yes" and "no" instead of the one word a
    # grammar lets through: both come from the same next-token distribution.
    choices = ("yes", "no")
    asked = [
        Request(
            model=provider.model,
            system=SYSTEM,
            messages=[Message.user(f"{q} Answer yes or no.")],
            max_tokens=4,
            choices=choices,
        )
        for q in ("Is Python a programming language?", "Is the sea made of sand?")
    ]
    for request in asked:
        scores, usage = await provider.score_choices(request)
        assert set(scores) == set(choices)
        assert all(-50.0 < s < 0.0 for s in scores.values())
        assert sum(math.exp(s) for s in scores.values()) <= 1.0 + 1e-6
        assert usage.output == 0 and usage.input + usage.cache_read > 0
        text = "".join(e.text for e in await collect(provider, request) if isinstance(e, TextDelta))
        assert text == max(scores, key=lambda c: scores[c])
    # The second question shares the system prompt, read from the KV cache.
    again, usage = await provider.score_choices(asked[0])
    assert usage.cache_read > 0
    logged = [json.loads(line) for line in request_log.read_text().splitlines()]
    assert any(r["request"].get("score_choices") == ["yes", "no"] for r in logged)
    # Choices that start with the same token cannot be told apart by one forward pass.
    same_start = Request(
        model=provider.model, system=SYSTEM, messages=[Message.user("?")], choices=("no", "no way")
    )
    with pytest.raises(ProviderError, match="start"):
        await provider.score_choices(same_start)


async def test_the_call_just_made_is_not_repeated(
    provider: LocalProvider, request_log: Path
) -> None:
    """A tiny model copies the pattern of its own repeated calls (seen looping to max_turns);
    an identical repeat of the latest call is re-asked with only an answer allowed."""
    call = {"path": "hello.py"}
    messages = [Message.user("read the file hello.py")]
    for i in range(3):
        messages += [
            Message("assistant", [ToolUseBlock(f"t{i}", "read", call)]),
            Message("user", [ToolResultBlock(f"t{i}", "     1\tprint('hello, world')")]),
        ]
    request = Request(
        model=provider.model, system=SYSTEM, tools=TOOLS, messages=messages, max_tokens=32
    )
    events = await collect(provider, request)
    check_envelope(events)
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert not [c for c in calls if c.name == "read" and c.input == call]
    record = json.loads(request_log.read_text().splitlines()[-1])
    if "repeated_call" in record["request"]:
        assert json.loads(record["request"]["repeated_call"])["arguments"] == call
        assert not calls and events[-1].reason in ("end_turn", "max_tokens")
        assert "".join(e.text for e in events if isinstance(e, TextDelta)).strip()
        # both passes are counted: the retry re-reads the prompt from the cache
        usage = events[-2].usage
        assert usage.cache_read > usage.input


async def test_concurrent_streams_are_serialised_and_loop_stays_free(
    provider: LocalProvider,
) -> None:
    def request(text: str) -> Request:
        return Request(
            model=provider.model, system=SYSTEM, messages=[Message.user(text)], max_tokens=16
        )

    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    tick_task = asyncio.create_task(ticker())
    results = await asyncio.gather(
        collect(provider, request("Name a colour.")),
        collect(provider, request("Name a fruit.")),
        collect(provider, request("Name an animal.")),
    )
    done.set()
    await tick_task
    for events in results:
        check_envelope(events)
        assert events[-2].usage.output > 0
    assert ticks >= 5, "the event loop was blocked while the model ran"


async def test_abandoned_stream_does_not_wedge_the_model(provider: LocalProvider) -> None:
    request = Request(
        model=provider.model,
        system=SYSTEM,
        messages=[Message.user("Count from one to fifty in words.")],
        max_tokens=64,
    )
    stream = provider.stream(request)
    first = await stream.__anext__()
    assert isinstance(first, TextDelta)
    await stream.aclose()
    follow = Request(
        model=provider.model, system=SYSTEM, messages=[Message.user("Hi")], max_tokens=8
    )
    events = await asyncio.wait_for(collect(provider, follow), timeout=30)
    check_envelope(events)


async def test_prompt_longer_than_the_context_is_a_provider_error(
    provider: LocalProvider,
) -> None:
    request = Request(
        model=provider.model,
        system=SYSTEM,
        messages=[Message.user("word " * 2000)],
        max_tokens=8,
    )
    with pytest.raises(ProviderError, match="local.n_ctx"):
        await collect(provider, request)


def test_missing_model_file_names_the_setting(tmp_path: Path) -> None:
    config = Config()
    config.set("local", "model_path", value=str(tmp_path / "absent.gguf"))
    with pytest.raises(ConfigError) as info:
        LocalProvider.from_config("smollm2-135m", config)
    message = str(info.value)
    assert "absent.gguf" in message and "local.model_path" in message


def test_unknown_model_lists_the_bundled_ones() -> None:
    with pytest.raises(ConfigError, match="smollm2-135m, gemma3-270m"):
        LocalProvider.from_config("llama-70b", Config())


def test_registry_builds_the_local_provider_without_loading_the_model() -> None:
    provider = resolve_provider("local", Config())
    assert isinstance(provider, LocalProvider)
    assert provider.model == "smollm2-135m" and provider.name == "local"
    assert provider.model_path.suffix == ".gguf" and provider.model_path.is_file()
    assert provider._engine is None


def test_smollm2_prompt_starts_with_its_first_turn_marker(provider: LocalProvider) -> None:
    # SmolLM2's BOS token is `<|im_start|>` and the tokenizer does not add it: stripping it
    # from the rendered template started every prompt mid-turn ("system\n...").
    engine = provider.engine
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    assert engine.render(messages).startswith("<|im_start|>system\n")
    tokens = engine.prompt_tokens(messages)
    llm = engine._ensure_loaded()
    marker = llm.tokenize(b"<|im_start|>", add_bos=False, special=True)
    assert len(marker) == 1 and tokens[0] == marker[0]
    assert tokens.count(marker[0]) == 3  # system, user, and the assistant's turn to come


def test_replies_are_not_capped_at_512_tokens() -> None:
    # A `write` of a 2 KB file is ~600 tokens; a 512-token cap cut it into invalid JSON.
    provider = LocalProvider.from_config("smollm2-135m", Config())
    request = Request(model=provider.model, messages=[Message.user("x")], max_tokens=32000)
    assert provider._sampling(request).max_tokens >= 2048
    assert provider.n_ctx >= 8192


def test_a_model_file_of_the_users_own_is_reported_by_its_name(tmp_path: Path) -> None:
    bundled = LocalProvider.from_config("smollm2-135m", Config()).model_path
    mine = tmp_path / "my-model-q4.gguf"
    mine.symlink_to(bundled)
    config = Config()
    config.set("local", "model_path", value=str(mine))
    assert LocalProvider.from_config("", config).model == "my-model-q4"
    assert LocalProvider.from_config("smollm2-135m", config).model == "my-model-q4"
