"""What the local provider does to help a small model: the defects of issue 14, one test each.

Pure rendering and sizing; no model is loaded here (the model-backed checks are in
test_local_provider.py and test_local_coder.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.messages import Message, TextBlock, ToolResultBlock, ToolUseBlock
from wakeful.core.request import Request, SystemSegment, ToolSchema
from wakeful.providers.local_prompt import (
    LOCAL_TOOLS,
    call_schema,
    choice_grammar,
    local_tools,
    native_messages,
    native_tools,
    output_schema,
    parse_native,
    simplify_schema,
    template_calls_tools,
    tool_instructions,
)
from wakeful.tools.base import schema_of
from wakeful.tools.delegate import delegate_tools
from wakeful.tools.memory_tools import memory_tools
from wakeful.tools.registry import default_tools

TOOLS = [schema_of(t) for t in [*default_tools(), *memory_tools(), *delegate_tools(Config())]]
BY_NAME = {t.name: t for t in TOOLS}


def _branch(schema: dict, tool: str) -> dict:
    for branch in schema["anyOf"]:
        if branch["properties"].get("tool", {}).get("const") == tool:
            return branch["properties"]["arguments"]
    raise AssertionError(f"no branch for {tool}")


def test_the_edit_tools_optional_replace_all_can_be_written() -> None:
    # The edit tool's own error says "set replace_all to true": the grammar must allow it.
    args = _branch(output_schema([BY_NAME["edit"]]), "edit")
    assert args["properties"]["replace_all"] == {"type": "boolean"}
    assert "replace_all" not in args["required"]
    assert "replace_all?: boolean" in tool_instructions([BY_NAME["edit"]])


def test_every_array_in_the_grammar_is_bounded() -> None:
    def arrays(node: object) -> list[dict]:
        found = []
        if isinstance(node, dict):
            if node.get("type") == "array":
                found.append(node)
            for value in node.values():
                found += arrays(value)
        elif isinstance(node, list):
            for value in node:
                found += arrays(value)
        return found

    schema = output_schema(TOOLS)
    found = arrays(schema)
    assert found, "the real tools have array arguments (todo items)"
    assert all(isinstance(a.get("maxItems"), int) and a["maxItems"] <= 8 for a in found)
    # A tool's own tighter or looser bound is kept.
    assert simplify_schema({"type": "array", "maxItems": 3})["maxItems"] == 3
    assert simplify_schema({"type": "array", "minItems": 10})["maxItems"] == 10


def test_a_small_model_is_offered_the_tools_that_fit_the_task() -> None:
    names = {t.name for t in TOOLS}
    assert {"todo", "forget", "remember", "recall"} <= names  # the full set has them
    shown = {t.name for t in local_tools(TOOLS, LOCAL_TOOLS, "fix the bug in app.py")}
    assert shown == set(LOCAL_TOOLS)
    branches = {
        b["properties"]["tool"]["const"]
        for b in output_schema(local_tools(TOOLS, LOCAL_TOOLS))["anyOf"]
        if "tool" in b["properties"]
    }
    assert branches == set(LOCAL_TOOLS)
    # A task that names a tool gets it too; "all" (None) offers everything.
    remembered = local_tools(TOOLS, LOCAL_TOOLS, "Remember that the port is 8080")
    assert "remember" in {t.name for t in remembered}
    assert len(local_tools(TOOLS, None)) == len(TOOLS)
    # A restricted worker offered none of the defaults keeps its own tools.
    memory_only = [BY_NAME["recall"], BY_NAME["forget"]]
    assert local_tools(memory_only, LOCAL_TOOLS) == memory_only


def test_the_tools_request_array_is_not_changed() -> None:
    request = Request(model="m", tools=list(TOOLS), messages=[Message.user("fix it")])
    before = [t.name for t in request.tools]
    local_tools(request.tools, LOCAL_TOOLS, "fix it")
    assert [t.name for t in request.tools] == before


QWEN_LIKE = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}"
    "{% if tools %}<tools>{{ tools | tojson }}</tools>{% endif %}"
    "{% for c in m.tool_calls or [] %}<tool_call>{{ c.function | tojson }}</tool_call>"
    "{% endfor %}<|im_end|>\n{% endfor %}"
)


def test_native_format_uses_the_templates_roles_and_tool_calls() -> None:
    assert template_calls_tools(QWEN_LIKE)
    assert not template_calls_tools("{% for m in messages %}{{ m.content }}{% endfor %}")
    request = Request(
        model="m",
        system=[SystemSegment("core", "Be brief.")],
        tools=[BY_NAME["read"]],
        messages=[
            Message.user("read a.py"),
            Message("assistant", [ToolUseBlock("t1", "read", {"path": "a.py"})]),
            Message("user", [ToolResultBlock("t1", "x = 1\n")]),
            Message("assistant", [ToolUseBlock("t2", "read", {"path": "b.py"})]),
            Message("user", [ToolResultBlock("t2", "no such file", is_error=True)]),
        ],
    )
    out = native_messages(request)
    assert [m["role"] for m in out] == ["system", "user", "assistant", "tool", "assistant", "tool"]
    assert out[2]["tool_calls"] == [
        {"type": "function", "function": {"name": "read", "arguments": {"path": "a.py"}}}
    ]
    assert out[3]["content"] == "x = 1\n"
    assert out[5]["content"] == "Error: no such file"
    listed = native_tools([BY_NAME["edit"]])
    assert listed[0]["function"]["name"] == "edit"
    assert "replace_all" in listed[0]["function"]["parameters"]["properties"]
    assert call_schema([BY_NAME["read"]])["anyOf"][0]["properties"]["name"] == {"const": "read"}


def test_native_grammar_parses_and_cannot_open_an_answer_like_a_call() -> None:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is part of wakeful[local]")
    from llama_cpp import LlamaGrammar

    from wakeful.providers.local_engine import native_grammar

    grammar = native_grammar(call_schema([BY_NAME["read"], BY_NAME["edit"]]))
    assert grammar.startswith('root ::= "<tool_call>"')
    assert "answer ::= [^<`{" in grammar
    LlamaGrammar.from_string(grammar, verbose=False)  # llama.cpp accepts it


def test_an_answer_cannot_write_the_templates_turn_markers() -> None:
    # Qwen2.5-Coder-1.5B went on after "Let's try again." with an invented
    # "<tool_response>\ngrep -i ... </tool_response>" and a call as prose; asked which file
    # defines a function, it answered with invented `<edit path=...>`, `<write ...>` tags. An
    # answer may not contain "<" before a lower-case letter, "/" or "|" (a lone "<" as in
    # "a < b" stays possible), so an invented tag cannot start and the model ends instead.
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is part of wakeful[local]")
    from llama_cpp import LlamaGrammar

    from wakeful.providers.local_engine import NATIVE_ANSWER_GRAMMAR, native_grammar

    LlamaGrammar.from_string(NATIVE_ANSWER_GRAMMAR, verbose=False)  # the answer-only retry's
    grammar = native_grammar(call_schema([BY_NAME["read"]]))
    rule = next(line for line in grammar.splitlines() if line.startswith("answer ::="))
    assert rule == 'answer ::= [^<`{ \\t\\n] ([^<\\x00] | "<" [^a-z/|\\x00])* "<"?'


def test_native_replies_are_read_as_calls_or_answers() -> None:
    names = {"read", "edit"}
    call = parse_native(
        '<tool_call>\n{"name": "read", "arguments": {"path": "a.py"}}\n</tool_call>', names
    )
    assert (call.tool, call.arguments) == ("read", {"path": "a.py"})
    bare = parse_native('{"name": "read", "arguments": {"path": "a.py"}}', names)
    assert (bare.tool, bare.arguments) == ("read", {"path": "a.py"})
    cut = parse_native('<tool_call>\n{"name": "edit", "arguments": {"path": "a', names)
    assert (cut.tool, cut.arguments) == ("edit", None)
    fenced = parse_native('```json\n{"name": "read", "arguments": {"path": "a.py"}}\n```', names)
    assert (fenced.tool, fenced.arguments) == ("read", {"path": "a.py"})
    text = parse_native("The port is 8080.", names)
    assert (text.tool, text.answer) == (None, "The port is 8080.")


def test_compaction_sizes_the_prefix_the_local_model_receives(git_repo: Path) -> None:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is part of wakeful[local]")
    from wakeful.agents.runtime import RunOptions, open_runtime
    from wakeful.core.paths import Paths

    env = {"HOME": str(git_repo.parent / "home"), "XDG_DATA_HOME": str(git_repo.parent / "d")}
    paths = Paths.for_workspace(git_repo, env)
    runtime = open_runtime(paths, Config(), RunOptions(model="local"))
    try:
        compactor = runtime.agent.compactor
        assert compactor is not None
        prefix = runtime.agent.prefix
        assert len(prefix.tools) >= 10
        schemas = sum(len(json.dumps(t.input_schema)) + len(t.description) for t in prefix.tools)
        # What the full schemas would cost versus what the model is shown.
        assert compactor.prefix_tokens < 0.6 * (schemas / 3.5)
        assert compactor.settings.window >= 8192
        # One file read of ~2,000 tokens must not trigger compaction.
        messages = [
            Message.user("read app.py"),
            Message("assistant", [ToolUseBlock("t1", "read", {"path": "app.py"})]),
            Message("user", [ToolResultBlock("t1", "x = 1\n" * 1200)]),
        ]
        measured = compactor.estimate(messages)
        assert measured < compactor.settings.threshold * compactor.settings.window
    finally:
        import asyncio

        asyncio.run(runtime.close())


def test_coder_model_parts_that_do_not_hash_right_are_refused(tmp_path: Path) -> None:
    import hashlib
    from dataclasses import replace

    from wakeful.core.errors import ConfigError
    from wakeful.providers.local_models import QWEN_CODER, assemble_parts, verify_model_file

    good = [tmp_path / "p1.bin", tmp_path / "p2.bin"]
    good[0].write_bytes(b"GGUF" + b"a" * 100)
    good[1].write_bytes(b"b" * 50)
    whole = good[0].read_bytes() + good[1].read_bytes()
    spec = replace(QWEN_CODER, sha256=hashlib.sha256(whole).hexdigest(), size=len(whole))
    target = tmp_path / "cache" / "model.gguf"
    assemble_parts(spec, good, target)
    assert target.read_bytes() == whole
    verify_model_file(spec, target)
    # A part swapped for other bytes of the same size: refused, and nothing is left behind.
    good[1].write_bytes(b"c" * 50)
    other = tmp_path / "cache2" / "model.gguf"
    with pytest.raises(ConfigError, match="refusing to use .*SHA-256"):
        assemble_parts(spec, good, other)
    assert not other.exists() and list(other.parent.iterdir()) == []
    # A cached file changed after it was assembled: refused before it is loaded.
    target.write_bytes(whole[:-1] + b"X")
    with pytest.raises(ConfigError, match="refusing to use"):
        verify_model_file(spec, target)
    target.write_bytes(whole + b"X")
    with pytest.raises(ConfigError, match="bytes"):
        verify_model_file(spec, target)


def test_coder_model_missing_says_how_to_install_it() -> None:
    import importlib.metadata

    from wakeful.core.errors import ConfigError
    from wakeful.providers.local_models import QWEN_CODER, _part_files

    try:
        importlib.metadata.distribution(QWEN_CODER.parts[0])
    except importlib.metadata.PackageNotFoundError:
        with pytest.raises(ConfigError, match="make model-coder"):
            _part_files(QWEN_CODER)
    else:
        assert len(_part_files(QWEN_CODER)) == 22


def test_openmp_threads_wait_passively_unless_the_user_says_otherwise() -> None:
    # Spinning OpenMP threads starve each other on a shared machine (a cached SmolLM2 reply:
    # 19-34 s spinning, 1.4 s passive at load average 13 on 2 cores).
    from wakeful.providers.local import _wait_policy_setting, apply_omp_wait_policy

    env: dict[str, str] = {}
    assert apply_omp_wait_policy("passive", env, {}) and env == {"OMP_WAIT_POLICY": "PASSIVE"}
    mine = {"OMP_WAIT_POLICY": "ACTIVE"}
    assert not apply_omp_wait_policy("passive", mine, {})  # the user's own value wins
    assert mine == {"OMP_WAIT_POLICY": "ACTIVE"}
    late: dict[str, str] = {}
    assert not apply_omp_wait_policy("passive", late, {"llama_cpp": object()}) and not late
    assert not apply_omp_wait_policy("", late, {}) and not late
    assert _wait_policy_setting(Config().settings.local.omp_wait_policy) == "passive"
    with pytest.raises(Exception, match='omp_wait_policy must be "passive", "active" or ""'):
        _wait_policy_setting("spin")


@pytest.mark.slow  # a Python process that loads llama.cpp's library: over half a CPU second
def test_the_provider_sets_the_wait_policy_before_llama_cpp_loads(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    pytest.importorskip("llama_cpp")
    code = (
        "import os, sys\n"
        "from wakeful.core.config import Config\n"
        "from wakeful.providers.local import LocalProvider\n"
        "p = LocalProvider.from_config('smollm2-135m', Config())\n"
        "assert 'llama_cpp' not in sys.modules\n"
        "p.engine\n"
        "print(os.environ.get('OMP_WAIT_POLICY'), 'llama_cpp' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.stdout.split() == ["PASSIVE", "True"], out.stderr[-500:]


def test_a_native_call_written_after_prose_is_still_the_call() -> None:
    # Qwen2.5-Coder-1.5B, measured: prose, then the call as fenced JSON; read as an answer,
    # every benchmark task ended after its first request.
    names = {"grep", "read"}
    reply = (
        "To find out which port server.py uses, I'll use the `grep` function.\n\n```json\n"
        '{\n  "name": "grep",\n  "arguments": {"pattern": "PORT", "path": "server.py"}\n}\n```'
    )
    call = parse_native(reply, names)
    assert (call.tool, call.arguments) == ("grep", {"pattern": "PORT", "path": "server.py"})
    tagged = parse_native(
        'Reading it.\n<tool_call>\n{"name": "read", "arguments": {"path": "a.py"}}\n</tool_call>',
        names,
    )
    assert (tagged.tool, tagged.arguments) == ("read", {"path": "a.py"})
    # An unknown tool, a broken object or code that merely has a "name" key stay answers.
    for text in (
        'Use this: {"name": "rm", "arguments": {}}',
        'Almost: {"name": "read", "arguments": {"path": ',
        'config = {"name": "read", "arguments": "x"}',
    ):
        parsed = parse_native(text, names)
        assert parsed.tool is None and parsed.answer == text


def test_choice_grammar_quotes_what_it_lists() -> None:
    assert choice_grammar(("yes", "no", "yes")) == 'root ::= "yes" | "no"\n'
    assert choice_grammar(['say "hi"', "a\\b"]) == 'root ::= "say \\"hi\\"" | "a\\\\b"\n'
    with pytest.raises(ValueError):
        choice_grammar(())


def _formats(act_first: bool, messages: list[Message]) -> tuple[dict, str]:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is part of wakeful[local]")
    from wakeful.providers.local import LocalProvider

    provider = LocalProvider("m", Path("unused.gguf"), act_first=act_first)
    request = Request(model="m", system=[SystemSegment("core", "x")], tools=TOOLS)
    request.messages = messages
    as_json = provider._format(request, native=False).grammar
    native = provider._format(request, native=True).grammar
    assert isinstance(as_json, dict) and isinstance(native, str)
    return as_json, native


def test_a_sessions_first_reply_must_be_a_tool_call() -> None:
    # Asked "Which port does server.py use?", Qwen2.5-Coder-1.5B wrote the grep it would run,
    # invented its output and answered 5000, in one request: the grammar let it answer first.
    task = [Message.user("Which port does server.py use? Answer with the number.")]
    as_json, native = _formats(True, task)
    assert not any("answer" in b["properties"] for b in as_json["anyOf"])
    assert (
        native.splitlines()[0] == 'root ::= "<tool_call>" "\\n"? wakeful-call "\\n"? "</tool_call>"'
    )
    # Once it has acted, it may answer.
    acted = [
        *task,
        Message("assistant", [ToolUseBlock("t1", "read", {"path": "server.py"})]),
        Message("user", [ToolResultBlock("t1", "PORT = 8123\n")]),
    ]
    as_json, native = _formats(True, acted)
    assert any("answer" in b["properties"] for b in as_json["anyOf"])
    assert native.splitlines()[0].endswith(" | answer")
    # local.act_first = false leaves the first reply free.
    as_json, native = _formats(False, task)
    assert any("answer" in b["properties"] for b in as_json["anyOf"])
    assert native.splitlines()[0].endswith(" | answer")


def test_the_first_call_on_a_question_cannot_change_a_file() -> None:
    # Made to act first on "What is the timeout in seconds set in config.py?", the coder
    # model edited TIMEOUT_SECONDS from 45 to 60 and answered 60.
    question = [Message.user("What is the timeout in seconds set in config.py?")]
    as_json, native = _formats(True, question)
    offered = {b["properties"]["tool"]["const"] for b in as_json["anyOf"]}
    assert {"read", "grep", "glob", "bash"} <= offered
    assert not offered & {"edit", "write"}
    assert '\\"edit\\"' not in native and '\\"read\\"' in native
    # A task that asks for a change may start with one; after the first call, all tools.
    fix = [Message.user("Fix the timeout in config.py: it should be 60.")]
    as_json, native = _formats(True, fix)
    assert "edit" in {b["properties"]["tool"]["const"] for b in as_json["anyOf"]}
    assert '\\"edit\\"' in native
    acted = [
        *question,
        Message("assistant", [ToolUseBlock("t1", "read", {"path": "config.py"})]),
        Message("user", [ToolResultBlock("t1", "TIMEOUT_SECONDS = 45\n")]),
    ]
    as_json, native = _formats(True, acted)
    assert "edit" in {b["properties"].get("tool", {}).get("const") for b in as_json["anyOf"]}


def test_an_optional_integer_outside_its_bounds_is_left_to_the_tools_default() -> None:
    # llama.cpp's grammar converter ignores minimum/maximum: greedy SmolLM2 wrote offset=0
    # for read's 1-based offset.
    from wakeful.providers.local_prompt import ParsedReply, drop_unset_optionals

    read = BY_NAME["read"]
    bad = ParsedReply(tool="read", arguments={"path": "a.py", "offset": 0, "limit": 5})
    assert drop_unset_optionals(bad, [read]).arguments == {"path": "a.py", "limit": 5}
    good = ParsedReply(tool="read", arguments={"path": "a.py", "offset": 2})
    assert drop_unset_optionals(good, [read]) is good


class _ScriptedEngine:
    """Stands in for llama.cpp: replies in order and records the grammar of each call."""

    calls_tools_natively = True
    template_source = None

    def __init__(self, replies: list[str]) -> None:
        self.replies = replies
        self.grammars: list[object] = []
        self.texts: list[str] = []

    def generate(
        self,
        messages,
        sampling,
        grammar,
        on_text,
        cancelled,
        on_prompt=None,
        tools=None,
        complete=None,
        fixed=0,
    ):
        from wakeful.providers.local_engine import Generation

        self.grammars.append(grammar)
        reply = self.replies.pop(0)
        text = ""
        for i in range(0, len(reply), 7):  # streamed in pieces, as llama.cpp does
            piece = reply[i : i + 7]
            text += piece
            on_text(piece)
            # As LlamaEngine.generate: asked when a piece closes a brace.
            if complete is not None and "}" in piece and complete(text):
                break
        self.texts.append(text)
        return Generation(text=text, prompt_tokens=10, output_tokens=5)


async def _events(engine: _ScriptedEngine, messages: list[Message], tmp_path: Path) -> list:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is part of wakeful[local]")
    from wakeful.providers.local import LocalProvider

    provider = LocalProvider("m", Path("unused.gguf"))
    provider._engine = engine  # type: ignore[assignment]
    request = Request(model="m", system=[SystemSegment("core", "x")], tools=TOOLS)
    request.messages = messages
    return [event async for event in provider.stream(request)]


ACTED = [
    Message.user("What is the timeout in seconds set in config.py?"),
    Message("assistant", [ToolUseBlock("t1", "grep", {"pattern": "timeout"})]),
    Message("user", [ToolResultBlock("t1", "No matches (the search was case-sensitive).")]),
]


async def test_generation_stops_once_a_call_written_in_prose_is_complete(tmp_path: Path) -> None:
    # The coder model wrote its edit as fenced JSON after a sentence, then invented the
    # edit's result, a read and its output, until the task ran out of time (edit-json,
    # fix-import, tests-count: 400 CPU s each). Only the first call is read: stop there.
    from wakeful.core.events import ToolCall
    from wakeful.providers.local_prompt import call_written_in_prose

    call = '{"name": "edit", "arguments": {"path": "c.json", "old_string": "a", "new_string": "b"}}'
    invented = '\n```\nThe output is:\n```json\n{"name": "read", "arguments": {"path": "c.json"}}'
    reply = "I will change it.\n```json\n" + call + invented + "\n```\nDone." * 50
    engine = _ScriptedEngine([reply])
    events = await _events(engine, ACTED, tmp_path)
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert [(c.name, c.input) for c in calls] == [
        ("edit", {"path": "c.json", "old_string": "a", "new_string": "b"})
    ]
    written = "I will change it.\n```json\n" + call
    assert engine.texts[0].startswith(written) and len(engine.texts[0]) < len(written) + 7
    names = {"edit", "read"}
    assert not call_written_in_prose("I will change it.\n```json\n" + call[:-1], names)
    assert call_written_in_prose("I will change it.\n```json\n" + call, names)
    assert not call_written_in_prose('{"name": "nope", "arguments": {}}', names)
    assert not call_written_in_prose("<tool_call>\n" + call, names)  # ends by its grammar


async def test_an_answer_that_only_announces_the_next_step_is_asked_again_as_a_call(
    tmp_path: Path,
) -> None:
    # Qwen2.5-Coder-1.5B, after a grep without matches: "I will set the case_insensitive
    # parameter to true and try again." and the task ended there, unanswered.
    from wakeful.core.events import TextDelta, ToolCall
    from wakeful.providers.local import announces_action

    call = '<tool_call>\n{"name": "read", "arguments": {"path": "config.py"}}\n</tool_call>'
    engine = _ScriptedEngine(
        ["I will set the case_insensitive parameter to true and try again.", call]
    )
    events = await _events(engine, ACTED, tmp_path)
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert [(c.name, c.input) for c in calls] == [("read", {"path": "config.py"})]
    shown = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert shown == "I will set the case_insensitive parameter to true and try again."
    assert len(engine.grammars) == 2
    assert isinstance(engine.grammars[1], str) and "| answer" not in engine.grammars[1]
    # A real answer is left alone, and so is an answer's courtesy.
    engine = _ScriptedEngine(["The timeout is 45 seconds. Let me know if you need more."])
    events = await _events(engine, ACTED, tmp_path)
    assert len(engine.grammars) == 1 and not any(isinstance(e, ToolCall) for e in events)
    assert announces_action("I understand. Let's try again with case_insensitive set to true.")
    assert announces_action("I read the file. I will read it again and then edit it.")
    assert not announces_action("server.py uses port 8123.")
    assert announces_action("Grep for parse_date in the repo.")
    assert announces_action("Search the repository for parse_date.")
    assert not announces_action("src/dates.py defines it (grep for it to check).")


async def test_a_plan_is_turned_into_a_call_once_per_task(tmp_path: Path) -> None:
    # Asked again after every plan, the coder model edited data.txt with itself eleven times
    # until the turn limit: the second plan of a task is its answer.
    announced = [
        *ACTED,
        Message(
            "assistant",
            [
                TextBlock("I will search again, ignoring case."),
                ToolUseBlock("t2", "grep", {"pattern": "timeout", "case_insensitive": True}),
            ],
        ),
        Message("user", [ToolResultBlock("t2", "TIMEOUT_SECONDS = 45")]),
    ]
    engine = _ScriptedEngine(["I will now edit config.py to change it."])
    await _events(engine, announced, tmp_path)
    assert len(engine.grammars) == 1


async def test_a_repeated_call_after_streamed_prose_is_asked_again_for_the_answer(
    tmp_path: Path,
) -> None:
    # The coder model wrote a sentence, then the call it had just made; the retry for an
    # answer failed with "cannot take back streamed text" and the task ended in a traceback.
    from wakeful.core.events import TextDelta, ToolCall

    repeat = (
        "I found the timeout in config.py.\n"
        '<tool_call>\n{"name": "grep", "arguments": {"pattern": "timeout"}}\n</tool_call>'
    )
    engine = _ScriptedEngine([repeat, "The timeout is 45 seconds."])
    events = await _events(engine, ACTED, tmp_path)
    assert not any(isinstance(e, ToolCall) for e in events)
    shown = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert shown.startswith("I found the timeout in config.py.")
    assert shown.endswith("\n\nThe timeout is 45 seconds.")
    # The retry is held to an answer by a grammar: without one the coder model wrote invented
    # `<tool_response>` turns and calls for its whole 2,048-token budget (minutes of CPU).
    retry = engine.grammars[1]
    assert isinstance(retry, str) and retry.startswith("root ::= answer\n")
    assert "<tool_call>" not in retry


def test_optional_arguments_written_as_not_given_are_left_out() -> None:
    # Qwen2.5-Coder-1.5B fills every optional argument of the template's tool list:
    # grep(pattern, path, glob="", output_mode="content", case_insensitive=false, context=0).
    # What means "not given" is dropped, so the call (and the history the model copies from)
    # says only what was asked, and the tool's own defaults apply.
    from wakeful.providers.local_prompt import ParsedReply, drop_unset_optionals

    grep = BY_NAME["grep"]
    noisy = {
        "pattern": "PORT",
        "path": "server.py",
        "glob": "",
        "output_mode": "content",
        "case_insensitive": False,
        "context": 0,
    }
    parsed = drop_unset_optionals(ParsedReply(tool="grep", arguments=noisy), [grep])
    assert parsed.arguments == {"pattern": "PORT", "path": "server.py", "output_mode": "content"}
    # A required argument stays even when empty; a value that means something stays.
    kept = {"pattern": "", "case_insensitive": True, "context": 2, "glob": "*.py"}
    same = ParsedReply(tool="grep", arguments=kept)
    assert drop_unset_optionals(same, [grep]) is same
    edit = ParsedReply(
        tool="edit",
        arguments={"path": "a", "old_string": "x", "new_string": "", "replace_all": False},
    )
    assert drop_unset_optionals(edit, [BY_NAME["edit"]]).arguments == {
        "path": "a",
        "old_string": "x",
        "new_string": "",
    }
    # The bounds rule still applies: read's 1-based offset written as 0.
    read = ParsedReply(tool="read", arguments={"path": "a.py", "offset": 0})
    assert drop_unset_optionals(read, [BY_NAME["read"]]).arguments == {"path": "a.py"}
    # An optional boolean whose declared default is true keeps an explicit false.
    flag = ToolSchema(
        "t",
        "T.",
        {"type": "object", "properties": {"on": {"type": "boolean", "default": True}}},
    )
    off = ParsedReply(tool="t", arguments={"on": False})
    assert drop_unset_optionals(off, [flag]) is off


async def test_a_change_claimed_but_not_made_is_asked_again_as_a_call(tmp_path: Path) -> None:
    # Shown seq.py, the coder model answered "I replaced the `len(xs)` with `len(xs) - 1`"
    # without calling a tool, and the task ended there. While nothing in the task has changed
    # a file, a reply that claims a change is asked again with a call required (once).
    from wakeful.core.events import ToolCall
    from wakeful.providers.local import claims_change

    read = [
        Message.user("last() in seq.py raises IndexError. Make it return the last element."),
        Message("assistant", [ToolUseBlock("t1", "read", {"path": "seq.py"})]),
        Message("user", [ToolResultBlock("t1", "def last(xs):\n    return xs[len(xs)]\n")]),
    ]
    call = (
        '<tool_call>\n{"name": "edit", "arguments": {"path": "seq.py", '
        '"old_string": "xs[len(xs)]", "new_string": "xs[-1]"}}\n</tool_call>'
    )
    claim = "I replaced the `len(xs)` with `len(xs) - 1` to return the last element."
    engine = _ScriptedEngine([claim, call])
    events = await _events(engine, read, tmp_path)
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["edit"]
    assert len(engine.grammars) == 2 and "| answer" not in engine.grammars[1]
    # After a change was made, the same words are a summary, and stand.
    edited = [
        *read,
        Message("assistant", [ToolUseBlock("t2", "edit", {"path": "seq.py"})]),
        Message("user", [ToolResultBlock("t2", "Edited seq.py.")]),
    ]
    engine = _ScriptedEngine([claim])
    events = await _events(engine, edited, tmp_path)
    assert len(engine.grammars) == 1 and not any(isinstance(e, ToolCall) for e in events)
    assert claims_change("The function has been updated to add the numbers.")
    assert claims_change("I fixed the bug by changing - to +.")
    assert not claims_change("utils.py defines 3 functions.")
    # Shown app.py, it answered with the fix for the user to make: "Here's the corrected code:".
    assert claims_change("Here's the corrected code:\n\n```python\ndef greet(name): ...")
    assert claims_change("The line should be changed to `return a + b`.")
    assert not claims_change("The tests pass: 3 passed, 1 failed.")


def test_an_answer_is_cut_at_its_own_budget_but_a_call_is_not() -> None:
    # After a correct edit the coder model's closing answer ran on until the task's timeout
    # (240 s), and the fixed file counted for nothing. An answer (not a call) stops at
    # local.answer_tokens; a call keeps the whole reply budget, so a long `write` still fits.
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is part of wakeful[local]")
    from wakeful.providers.local import LocalProvider
    from wakeful.providers.local_engine import reply_is_answer

    assert reply_is_answer("The function now adds.")
    assert reply_is_answer('{"answer": "done')
    for call in ("<tool_call>\n{", '{"tool": "write", ', '{ "name": "read"', "{", "", "  "):
        assert not reply_is_answer(call), call
    provider = LocalProvider("m", Path("unused.gguf"), answer_tokens=300)
    request = Request(model="m", system=[SystemSegment("core", "x")], tools=TOOLS)
    sampling = provider._sampling(request)
    assert sampling.answer_max_tokens == 300 and sampling.max_tokens > 300
    assert sampling.to_dict()["answer_max_tokens"] == 300


PREREAD = [
    Message.user("check.py crashes. Fix the bug in app.py."),
    Message("assistant", [ToolUseBlock("preread_1", "read", {"path": "app.py"})]),
    Message("user", [ToolResultBlock("preread_1", 'def greet(name):\n    return "hi " + nme\n')]),
]
EDIT_CALL = (
    '<tool_call>\n{"name": "edit", "arguments": {"path": "app.py", '
    '"old_string": "+ nme", "new_string": "+ name"}}\n</tool_call>'
)


async def test_the_loops_own_reads_do_not_count_as_the_model_acting(tmp_path: Path) -> None:
    # After the loop read app.py for it, the coder model answered "Fixed greet in app.py"
    # without a call: the first reply of the model itself must still be a call.
    engine = _ScriptedEngine([EDIT_CALL])
    await _events(engine, PREREAD, tmp_path)
    assert isinstance(engine.grammars[0], str) and "| answer" not in engine.grammars[0]
    # Once the model has made a call of its own, it may answer.
    acted = [
        *PREREAD,
        Message("assistant", [ToolUseBlock("t1", "read", {"path": "check.py"})]),
        Message("user", [ToolResultBlock("t1", "import app\n")]),
        Message("assistant", [ToolUseBlock("t2", "edit", {"path": "app.py"})]),
        Message("user", [ToolResultBlock("t2", "Edited app.py.")]),
    ]
    engine = _ScriptedEngine(["Fixed."])
    await _events(engine, acted, tmp_path)
    assert isinstance(engine.grammars[0], str) and "| answer" in engine.grammars[0]


def _failed_edits(n: int) -> list[Message]:
    out = list(PREREAD)
    for i in range(n):
        out.append(Message("assistant", [ToolUseBlock(f"e{i}", "edit", {"path": "app.py"})]))
        out.append(Message("user", [ToolResultBlock(f"e{i}", "old_string not found", True)]))
    return out


async def test_a_task_that_asks_for_a_change_is_not_over_before_a_change(tmp_path: Path) -> None:
    # After an edit refused for a wrong quote, the coder model answered "I copied the
    # old_string from the file." and the bug stayed. The answer is asked again as a call,
    # even after the once-per-task plan retry was spent, while the model has made fewer than
    # MAX_CHANGE_PUSHES calls and nothing changed.
    from wakeful.core.events import ToolCall
    from wakeful.providers.local import MAX_CHANGE_PUSHES, asks_for_change

    engine = _ScriptedEngine(["I copied the old_string from the file.", EDIT_CALL])
    events = await _events(engine, _failed_edits(1), tmp_path)
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["edit"]
    assert len(engine.grammars) == 2 and "| answer" not in engine.grammars[1]
    # At the limit, the answer stands (no loop to the turn limit).
    engine = _ScriptedEngine(["I could not fix it."])
    events = await _events(engine, _failed_edits(MAX_CHANGE_PUSHES), tmp_path)
    assert len(engine.grammars) == 1 and not any(isinstance(e, ToolCall) for e in events)
    # A question is answered, never pushed to act.
    question = [Message.user("Which port does server.py use?"), *PREREAD[1:]]
    engine = _ScriptedEngine(["<tool_call>\n" + '{"name": "read", "arguments": {"path": "a"}}'])
    await _events(engine, question, tmp_path)
    engine = _ScriptedEngine(["8123"])
    asked = [
        *question,
        Message("assistant", [ToolUseBlock("t1", "grep", {"pattern": "PORT"})]),
        Message("user", [ToolResultBlock("t1", "PORT = 8123")]),
    ]
    events = await _events(engine, asked, tmp_path)
    assert len(engine.grammars) == 1 and not any(isinstance(e, ToolCall) for e in events)
    for task in (
        "check.py crashes. Fix the bug in app.py.",
        "A test fails. Run pytest, then fix the bug in mathx.py (not the tests).",
        "Add a function square(x) to mathx.py.",
        "Create tests/test_app.py with a test for greet, and run it.",
        "Please rename calc to total.",
    ):
        assert asks_for_change(task), task
    for task in (
        "Which port does server.py use?",
        "What is the timeout in seconds set in config.py?",
        "Run the tests with pytest. How many tests pass?",
        "How would you fix this bug?",
        "Why does the build make two copies?",
    ):
        assert not asks_for_change(task), task


def test_worked_examples_and_project_rules_come_with_the_task() -> None:
    from wakeful.providers import local_examples
    from wakeful.providers.local_prompt import fixed_messages

    rules = "# AGENTS.md\n\n# Rules\n\nEvery new Python file starts with `# License: MIT`."
    request = Request(
        model="m",
        system=[
            SystemSegment("core", "Be brief."),
            SystemSegment("instructions", "The repository is at /r.\n\n" + rules),
        ],
        tools=[BY_NAME["read"], BY_NAME["write"]],
        messages=[Message.user("Create util.py with shout(s).")],
    )
    plain = native_messages(request)
    assert [m["role"] for m in plain] == ["system", "system", "user"]
    assert plain[-1]["content"] == "Create util.py with shout(s)."
    shown = native_messages(request, examples=True)
    fixed = fixed_messages(request, examples=True)
    # The examples follow the core prompt, before the repository's own context: the part
    # every run shares ends there.
    assert shown[1]["content"] == local_examples.INTRO
    assert shown[fixed - 1]["content"] == local_examples.OUTRO
    assert shown[fixed]["content"].startswith("The repository is at /r.")
    assert fixed_messages(request) == 1
    # The rules, restated with the task itself.
    assert shown[-1]["content"] == (
        "Create util.py with shout(s).\n\nFollow the project's instructions in this task:\n" + rules
    )
    # No instruction file: nothing restated.
    bare = Request(
        model="m",
        system=[SystemSegment("core", "x"), SystemSegment("instructions", "The repository is.")],
        tools=[BY_NAME["read"]],
        messages=[Message.user("Fix a.py.")],
    )
    assert native_messages(bare, examples=True)[-1]["content"] == "Fix a.py."


async def test_a_rename_left_half_done_is_pushed_on(tmp_path: Path) -> None:
    from wakeful.core.events import ToolCall

    renamed = [
        Message.user("Rename calc to compute_total in shop.py and everywhere it is used."),
        Message("assistant", [ToolUseBlock("t1", "edit", {"path": "shop.py"})]),
        Message(
            "user",
            [ToolResultBlock("t1", "Edited in shop.py.\ncalc is still used in:\nmain.py:1:calc")],
        ),
    ]
    call = '<tool_call>\n{"name": "read", "arguments": {"path": "main.py"}}\n</tool_call>'
    engine = _ScriptedEngine(["Renamed calc everywhere.", call])
    events = await _events(engine, renamed, tmp_path)
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["read"]
    # The note stands until a later change: a grep in between does not end the rename.
    grepped = [
        *renamed,
        Message("assistant", [ToolUseBlock("t2", "grep", {"pattern": "calc"})]),
        Message("user", [ToolResultBlock("t2", "main.py:1:calc")]),
    ]
    engine = _ScriptedEngine(["Renamed calc everywhere.", call])
    events = await _events(engine, grepped, tmp_path)
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["read"]
    fixed = [
        *grepped,
        Message("assistant", [ToolUseBlock("t3", "write", {"path": "main.py"})]),
        Message("user", [ToolResultBlock("t3", "Updated main.py.")]),
    ]
    engine = _ScriptedEngine(["Renamed calc everywhere."])
    await _events(engine, fixed, tmp_path)
    assert len(engine.grammars) == 1
    # Without the note, the change made is the end.
    done = [*renamed[:2], Message("user", [ToolResultBlock("t1", "Edited in shop.py.")])]
    engine = _ScriptedEngine(["Renamed calc everywhere."])
    await _events(engine, done, tmp_path)
    assert len(engine.grammars) == 1


NOTHING_FOUND = "No files match '**/parse_date.py' under /r. glob matches file names only."
GLOBBED = [
    Message.user("Which file defines the function parse_date?"),
    Message("assistant", [ToolUseBlock("t1", "glob", {"pattern": "**/parse_date.py"})]),
    Message("user", [ToolResultBlock("t1", NOTHING_FOUND)]),
]
GREP_CALL = '<tool_call>\n{"name": "grep", "arguments": {"pattern": "parse_date"}}\n</tool_call>'


async def test_an_answer_that_repeats_the_tool_result_is_asked_again(tmp_path: Path) -> None:
    from wakeful.core.events import ToolCall

    nothing, globbed, call = NOTHING_FOUND, GLOBBED, GREP_CALL
    engine = _ScriptedEngine([nothing, call])
    events = await _events(engine, globbed, tmp_path)
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["grep"]
    # ... or nearly word for word.
    near = "I found no files matching '**/parse_date.py' under /r. glob matches names only."
    engine = _ScriptedEngine([near, call])
    events = await _events(engine, globbed, tmp_path)
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["grep"]
    # An answer drawn from the result, in the model's own words, stands.
    engine = _ScriptedEngine(["No file defines parse_date."])
    await _events(engine, globbed, tmp_path)
    assert len(engine.grammars) == 1


async def test_a_question_pushed_to_act_may_only_look_and_is_pushed_once(tmp_path: Path) -> None:
    # Pushed twice after "Which file defines parse_date?", the coder model edited
    # src/dates.py: on a task that asks for no change the pushed call is held to read, grep
    # and glob, and a restated result pushes once per task.
    nothing, globbed, call = NOTHING_FOUND, GLOBBED, GREP_CALL
    engine = _ScriptedEngine([nothing, call])
    await _events(engine, globbed, tmp_path)
    pushed = engine.grammars[1]
    assert isinstance(pushed, str)
    assert '\\"grep\\"' in pushed and '\\"edit\\"' not in pushed and '\\"bash\\"' not in pushed
    found = "No matches in files matching the glob. Without the glob, it matches src/dates.py."
    again = [
        *globbed[:2],
        Message("user", [ToolResultBlock("t1", nothing)]),
        Message(
            "assistant",
            [TextBlock(nothing), ToolUseBlock("t2", "grep", {"pattern": "parse_date"})],
        ),
        Message("user", [ToolResultBlock("t2", found)]),
    ]
    engine = _ScriptedEngine([found])
    await _events(engine, again, tmp_path)
    assert len(engine.grammars) == 1


def test_the_worked_examples_only_run_commands_auto_mode_allows(tmp_path: Path) -> None:
    # The examples checked a new function with `python -c 'import powers; ...'`, which auto
    # mode refuses (inline code): the coder model copied it to count functions, was refused,
    # and answered with the refusal. Every command an example runs must be one a headless
    # auto-mode run allows (read-only, or workspace code run in the sandbox).
    from wakeful.policy.shell import classify_command
    from wakeful.policy.types import Tier
    from wakeful.providers import local_examples

    commands = [
        call["function"]["arguments"]["command"]
        for message in local_examples.EXAMPLES
        for call in message.get("tool_calls", [])
        if call["function"]["name"] == "bash"
    ]
    assert commands
    for command in commands:
        tier = classify_command(command, tmp_path).tier
        assert tier in (Tier.READ_ONLY, Tier.WORKSPACE), (command, tier)


async def test_a_how_many_question_answered_without_a_number_is_asked_for_one(
    tmp_path: Path,
) -> None:
    from wakeful.core.events import TextDelta
    from wakeful.providers.local_engine import NATIVE_NUMBER_GRAMMAR

    llama_cpp = pytest.importorskip(
        "llama_cpp", reason="llama-cpp-python is part of wakeful[local]"
    )
    llama_cpp.LlamaGrammar.from_string(NATIVE_NUMBER_GRAMMAR, verbose=False)
    ran = [
        Message.user("Run the tests with pytest. How many tests pass?"),
        Message("assistant", [ToolUseBlock("t1", "bash", {"command": "pytest -q"})]),
        Message(
            "user",
            [ToolResultBlock("t1", "FAILED test_a.py::test_four\n1 failed, 3 passed", True)],
        ),
    ]
    engine = _ScriptedEngine(["Failed test_four in test_a.py.", "1 test failed, 3 passed."])
    events = await _events(engine, ran, tmp_path)
    assert engine.grammars[1] == NATIVE_NUMBER_GRAMMAR
    shown = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert shown.endswith("1 test failed, 3 passed.")
    # An answer with a number (or a number word) stands; so does one to another question.
    for answer, asked in (
        ("Three tests pass.", ran),
        ("3", ran),
        ("The tests ran.", [Message.user("Run the tests with pytest."), *ran[1:]]),
    ):
        engine = _ScriptedEngine([answer])
        await _events(engine, asked, tmp_path)
        assert len(engine.grammars) == 1, answer


async def test_a_write_that_dropped_a_definition_is_not_the_end(tmp_path: Path) -> None:
    from wakeful.core.events import ToolCall

    written = [
        Message.user("A test fails. Run pytest, then fix the bug in mathx.py (not the tests)."),
        Message("assistant", [ToolUseBlock("t1", "write", {"path": "mathx.py"})]),
        Message(
            "user",
            [
                ToolResultBlock(
                    "t1",
                    "Updated mathx.py (2 lines, 42 bytes).\n"
                    "Dropped by this write (defined before, not now): add. Write the whole ...",
                )
            ],
        ),
    ]
    call = '<tool_call>\n{"name": "read", "arguments": {"path": "mathx.py"}}\n</tool_call>'
    engine = _ScriptedEngine(["The test passed.", call])
    events = await _events(engine, written, tmp_path)
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["read"]


async def test_a_task_that_asks_for_a_run_is_not_over_before_a_command(tmp_path: Path) -> None:
    # "Create tests/test_app.py with a pytest test for greet in app.py, and run it.": the coder
    # model wrote a test that could not import greet and answered without running it.
    from wakeful.core.events import ToolCall
    from wakeful.providers.local import asks_to_run

    written = [
        Message.user("Create tests/test_app.py with a pytest test for greet, and run it."),
        Message("assistant", [ToolUseBlock("t1", "write", {"path": "tests/test_app.py"})]),
        Message("user", [ToolResultBlock("t1", "Created tests/test_app.py (5 lines).")]),
    ]
    call = '<tool_call>\n{"name": "bash", "arguments": {"command": "python -m pytest -q"}}\n</tool_call>'
    engine = _ScriptedEngine(["Created tests/test_app.py.", call])
    events = await _events(engine, written, tmp_path)
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["bash"]
    # Once a command ran, the answer stands.
    ran = [
        *written,
        Message("assistant", [ToolUseBlock("t2", "bash", {"command": "python -m pytest -q"})]),
        Message("user", [ToolResultBlock("t2", "1 passed\n[exit code 0]")]),
    ]
    engine = _ScriptedEngine(["Created tests/test_app.py; it passes."])
    await _events(engine, ran, tmp_path)
    assert len(engine.grammars) == 1
    # A question that asks for a run may be pushed to run a command (not to edit).
    engine = _ScriptedEngine(["3 pass.", call])
    asked = [
        Message.user("Run the tests with pytest. How many tests pass?"),
        Message("assistant", [ToolUseBlock("t1", "read", {"path": "tests/test_a.py"})]),
        Message("user", [ToolResultBlock("t1", "def test_one():\n    assert 1\n")]),
    ]
    events = await _events(engine, asked, tmp_path)
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["bash"]
    assert '\\"bash\\"' in engine.grammars[1] and '\\"edit\\"' not in engine.grammars[1]
    assert asks_to_run("Run pytest, then fix the bug.") and asks_to_run("Add it, and run it.")
    assert not asks_to_run("Which port does the server run on?")


async def test_an_in_place_edit_that_changed_nothing_is_not_a_change(tmp_path: Path) -> None:
    # The coder model ran `sed -i 's/debug: true/debug: false/' config.json` on a JSON file
    # that says `"debug": true`: exit code 0, no output, nothing changed, and "Turned debug
    # off in config.json." ended the task. The bash result says so, and the task goes on.
    from wakeful.core.events import ToolCall
    from wakeful.core.tool_names import UNCHANGED_NOTE
    from wakeful.providers.local import asks_for_change

    task = "Turn debug off in config.json."
    assert asks_for_change(task)
    sed = "sed -i 's/debug: true/debug: false/' config.json"
    unchanged = f"(no output)\n[exit code 0]\n[{UNCHANGED_NOTE}: config.json is exactly as before]"
    ran = [
        Message.user(task),
        Message("assistant", [ToolUseBlock("preread_1", "read", {"path": "config.json"})]),
        Message("user", [ToolResultBlock("preread_1", '{\n  "debug": true\n}\n')]),
        Message("assistant", [ToolUseBlock("b1", "bash", {"command": sed})]),
        Message("user", [ToolResultBlock("b1", unchanged)]),
    ]
    engine = _ScriptedEngine(["Turned debug off in config.json.", EDIT_CALL])
    events = await _events(engine, ran, tmp_path)
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["edit"]
    # The same command that did change the file is the change made.
    changed = [*ran[:-1], Message("user", [ToolResultBlock("b1", "(no output)\n[exit code 0]")])]
    engine = _ScriptedEngine(["Turned debug off in config.json."])
    events = await _events(engine, changed, tmp_path)
    assert len(engine.grammars) == 1 and not any(isinstance(e, ToolCall) for e in events)


def test_prose_said_before_a_call_is_not_shown_back_to_the_model() -> None:
    # Pushed from a plan to a call, the coder model's plan stays in the transcript as the
    # call's preface; shown back, it was copied: "Grep for parse_date in the repo." came
    # again as the answer after the grep had found src/dates.py, and "I read the file again
    # and copied the text exactly" opened each of seven alternating read and edit calls.
    request = Request(
        model="m",
        system=[SystemSegment("core", "Be brief.")],
        tools=[BY_NAME["grep"]],
        messages=[
            Message.user("Which file defines the function parse_date?"),
            Message(
                "assistant",
                [
                    TextBlock("Grep for parse_date in the repo."),
                    ToolUseBlock("t1", "grep", {"pattern": "parse_date"}),
                ],
            ),
            Message("user", [ToolResultBlock("t1", "src/dates.py")]),
            Message("assistant", [TextBlock("src/dates.py defines it.")]),
        ],
    )
    out = native_messages(request)
    assert [m["role"] for m in out] == ["system", "user", "assistant", "tool", "assistant"]
    assert out[2]["content"] == "" and out[2]["tool_calls"]
    assert "Grep for" not in json.dumps(out)
    # An answer (no call) is shown as it was said.
    assert out[4]["content"] == "src/dates.py defines it."


async def test_an_answer_to_the_loops_not_finished_note_is_asked_again_as_a_call(
    tmp_path: Path,
) -> None:
    # Told that calc was still in main.py (loop.task_checks), with main.py read for it, the
    # model must act on it: an answer there would only restate its claim.
    from wakeful.core.events import ToolCall
    from wakeful.core.tool_names import TASK_CHECK_NOTE

    task = "Rename calc to compute_total in shop.py and everywhere it is used."
    note = f"{TASK_CHECK_NOTE} the task renames calc to compute_total, and calc is still in ..."
    told = [
        Message.user(task),
        Message("assistant", [ToolUseBlock("t1", "write", {"path": "shop.py"})]),
        Message("user", [ToolResultBlock("t1", "Updated shop.py.")]),
        Message("assistant", [TextBlock("Renamed calc everywhere.")]),
        Message("user", [TextBlock(note)]),
        Message("assistant", [ToolUseBlock("preread_2", "read", {"path": "main.py"})]),
        Message("user", [ToolResultBlock("preread_2", "from shop import calc\n")]),
    ]
    call = '<tool_call>\n{"name": "read", "arguments": {"path": "main.py"}}\n</tool_call>'
    engine = _ScriptedEngine(["Renamed calc everywhere.", call])
    events = await _events(engine, told, tmp_path)
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["read"]
    # Once the model has acted on the note, its answer stands.
    acted = [
        *told,
        Message("assistant", [ToolUseBlock("t3", "write", {"path": "main.py"})]),
        Message("user", [ToolResultBlock("t3", "Updated main.py.")]),
    ]
    engine = _ScriptedEngine(["Renamed calc everywhere."])
    await _events(engine, acted, tmp_path)
    assert len(engine.grammars) == 1
