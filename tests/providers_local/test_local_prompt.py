"""Rendering and reply parsing for the local model: pure functions, no model needed."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wakeful.core.messages import Message, TextBlock, ToolResultBlock, ToolUseBlock
from wakeful.core.request import Request, SystemSegment, ToolSchema
from wakeful.providers.local_prompt import (
    answer_prefix,
    arguments_schema,
    chat_messages,
    first_sentence,
    output_schema,
    parse_reply,
    signature,
    simplify_schema,
    tool_instructions,
)

READ = ToolSchema(
    "read",
    "Read a text file. Use offset and limit to page.",
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
    "Run a command.",
    {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
)


def test_simplify_drops_documentation_and_closes_objects() -> None:
    out = simplify_schema(READ.input_schema)
    assert out == {
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "offset": {"type": "integer", "minimum": 1},
        },
        "required": ["path"],
        "additionalProperties": False,
    }


def test_simplify_inlines_refs_and_cuts_depth() -> None:
    schema = {
        "type": "object",
        "$defs": {"item": {"type": "object", "properties": {"x": {"type": "string"}}}},
        "properties": {
            "item": {"$ref": "#/$defs/item"},
            "deep": {
                "type": "object",
                "properties": {
                    "a": {
                        "type": "object",
                        "properties": {
                            "b": {"type": "object", "properties": {"c": {"type": "string"}}}
                        },
                    }
                },
            },
            "missing": {"$ref": "#/$defs/nope"},
            "choice": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "mode": {"type": "string", "enum": ["a", "b"], "pattern": "^[ab]$"},
        },
    }
    out = simplify_schema(schema)
    props = out["properties"]
    assert props["item"]["properties"] == {"x": {"type": "string"}}
    # depth 0 object -> deep (1) -> a (2) -> b (3) -> c (4): past the limit, any value
    assert props["deep"]["properties"]["a"]["properties"]["b"]["properties"]["c"] == {}
    assert props["missing"] == {}
    assert props["choice"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert props["mode"] == {"type": "string", "enum": ["a", "b"]}


def test_arguments_schema_keeps_optional_arguments_but_unbounded_numbers() -> None:
    assert set(arguments_schema(READ)["properties"]) == {"path", "offset"}
    assert signature(READ) == "read(path: string, offset?: integer)"
    timed = ToolSchema(
        "bash",
        "Run.",
        {
            "type": "object",
            "properties": {"command": {"type": "string"}, "timeout": {"type": "number"}},
            "required": ["command"],
        },
    )
    assert set(arguments_schema(timed)["properties"]) == {"command"}
    assert set(arguments_schema(timed, full=True)["properties"]) == {"command", "timeout"}


def test_output_schema_has_a_branch_per_tool_and_an_answer() -> None:
    schema = output_schema([BASH, READ])
    branches = schema["anyOf"]
    assert [b["properties"].get("tool", {}).get("const") for b in branches] == [
        "bash",
        "read",
        None,
    ]
    assert branches[1]["properties"]["arguments"]["required"] == ["path"]
    assert branches[2]["required"] == ["answer"]
    assert all(b["additionalProperties"] is False for b in branches)


def test_tool_instructions_are_short_and_name_every_tool() -> None:
    text = tool_instructions([BASH, READ])
    assert "- bash(command: string): Run a command." in text
    assert "- read(path: string, offset?: integer): Read a text file." in text
    assert '{"answer": TEXT}' in text
    assert first_sentence("One. Two.") == "One."
    # An abbreviation is not the end: glob's pattern was shown to the model as "Glob, e.g.".
    assert (
        first_sentence("Glob, e.g. `**/*.py` or `src/*.ts`.")
        == "Glob, e.g. `**/*.py` or `src/*.ts`."
    )
    assert first_sentence("Text, i.e. words. More.") == "Text, i.e. words."
    assert first_sentence("x" * 300).endswith("...")


def test_chat_messages_render_tools_results_and_merge_roles() -> None:
    request = Request(
        model="m",
        system=[SystemSegment("core", "Be brief."), SystemSegment("memory", "")],
        tools=[READ],
        messages=[
            Message.user("read hello.py"),
            Message("assistant", [ToolUseBlock("t1", "read", {"path": "hello.py"})]),
            Message("user", [ToolResultBlock("t1", "print('hi')\n" * 2000)]),
            Message("user", [TextBlock("and now?")]),
            Message("assistant", [ToolUseBlock("t2", "read", {"path": "nope.py"})]),
            Message("user", [ToolResultBlock("t2", "not found", is_error=True)]),
        ],
    )
    out = chat_messages(request, tool_result_chars=500)
    assert [m["role"] for m in out] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert out[0]["content"].startswith(
        "Be brief.\n\nTools:\n- read(path: string, offset?: integer)"
    )
    assert out[2]["content"] == '{"tool": "read", "arguments": {"path": "hello.py"}}'
    assert out[3]["content"].startswith("Result of read hello.py:\nprint('hi')")
    assert "more characters not shown" in out[3]["content"]
    assert len(out[3]["content"]) < 700
    assert out[3]["content"].endswith("Task: read hello.py\n\nand now?")
    assert out[5]["content"] == "Error from read nope.py:\nnot found\n\nTask: read hello.py"


def test_read_results_lose_their_line_numbers_and_the_task_follows_them() -> None:
    # The demo's conversation: SmolLM2 answered "Hello, World!" (or "123", reading the line
    # numbers) when the question sat above a numbered file.
    numbered = "     1\tPORT = 8080\n     2\t\n     3\tdef greet(name):\n(3 lines)"
    question = "Read server.py and tell me which port the server uses."
    request = Request(
        model="m",
        system=[SystemSegment("core", "Be brief.")],
        tools=[READ],
        messages=[
            Message.user(question),
            Message("assistant", [ToolUseBlock("t1", "read", {"path": "server.py"})]),
            Message("user", [ToolResultBlock("t1", numbered)]),
            Message("assistant", [ToolUseBlock("t2", "bash", {"command": "cat -n x"})]),
            Message("user", [ToolResultBlock("t2", "     1\tkept")]),
        ],
    )
    out = chat_messages(request)
    assert out[3]["content"] == (
        f"Result of read server.py:\nPORT = 8080\n\ndef greet(name):\n(3 lines)\n\nTask: {question}"
    )
    # Only read's own numbering goes; another tool's output is shown as it came.
    assert out[5]["content"].startswith("Result of bash:\n     1\tkept")
    long_task = Request(
        model="m",
        system=[],
        tools=[READ],
        messages=[
            Message.user("x " * 400),
            Message("assistant", [ToolUseBlock("t1", "read", {"path": "a"})]),
            Message("user", [ToolResultBlock("t1", "ok")]),
        ],
    )
    restated = chat_messages(long_task)[-1]["content"].split("Task: ")[1]
    assert len(restated) == 300 and restated.endswith("...")


def test_rendering_is_deterministic_so_the_prefix_is_stable() -> None:
    def build(n: int) -> Request:
        msgs = [Message.user("hello")]
        if n > 1:
            msgs += [Message.assistant("hi"), Message.user("again")]
        return Request(model="m", system=[SystemSegment("core", "S")], tools=[READ], messages=msgs)

    short, long = chat_messages(build(1)), chat_messages(build(2))
    assert long[: len(short)] == short


def test_parse_reply_tool_answer_and_truncation() -> None:
    names = {"read", "bash"}
    ok = parse_reply('{"tool": "read", "arguments": {"path": "a.py"}}', names)
    assert (ok.tool, ok.arguments) == ("read", {"path": "a.py"})
    cut = parse_reply('{"tool": "bash", "arguments": {"command": "ls -', names)
    assert (cut.tool, cut.arguments) == ("bash", None)
    answer = parse_reply('{"answer": "four"}', names)
    assert answer.answer == "four" and answer.tool is None
    partial = parse_reply('{ "answer": "it is fo', names)
    assert partial.answer == "it is fo"
    unknown = parse_reply('{"tool": "rm", "arguments": {}}', names)
    assert unknown.tool is None and unknown.answer is None


def test_answer_prefix_stops_before_incomplete_escapes() -> None:
    assert answer_prefix('{"answer": "a\\') == "a"
    assert answer_prefix('{"answer": "a\\u00') == "a"
    assert answer_prefix('{"answer": "a\\u00e9b"') == "a\u00e9b"
    assert answer_prefix('{"answer": "line\\nnext" }') == "line\nnext"
    assert answer_prefix('{"tool": "x"}') is None


@pytest.mark.slow  # about 3 CPU s: every prefix of a hundred encoded texts
@given(st.text(max_size=40))
def test_answer_prefix_decodes_every_json_prefix(text: str) -> None:
    encoded = json.dumps({"answer": text})
    assert answer_prefix(encoded) == text
    for cut in range(len(encoded)):
        got = answer_prefix(encoded[:cut])
        if got is not None:
            assert text.startswith(got)


NESTED = ToolSchema(
    "delegate",
    "Hand tasks to sub-agents.",
    {
        "type": "object",
        "properties": {
            "tasks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "prompt": {"type": "string"},
                        "tools": {"type": "array", "items": {"type": "string"}},
                        "meta": {"type": "object", "properties": {"x": {"type": "object"}}},
                    },
                    "required": ["prompt"],
                },
            }
        },
        "required": ["tasks"],
    },
)


def test_reply_schema_converts_to_a_grammar_for_nested_tools() -> None:
    gbnf = pytest.importorskip("llama_cpp.llama_grammar").json_schema_to_gbnf
    schema = output_schema([BASH, NESTED, READ], full=True)
    items = schema["anyOf"][1]["properties"]["arguments"]["properties"]["tasks"]["items"]
    assert "items" not in items["properties"]["tools"]  # cut at the depth limit: any items
    assert "root ::=" in gbnf(json.dumps(schema))


def test_a_tool_the_converter_rejects_is_loosened_not_fatal() -> None:
    engine = pytest.importorskip("wakeful.providers.local_engine")
    bad = {
        "type": "object",
        "properties": {
            "tool": {"const": "odd"},
            "arguments": {"type": "object", "properties": {"xs": {"type": "array", "items": {}}}},
        },
        "required": ["tool", "arguments"],
    }
    schema = {"anyOf": [bad, output_schema([READ])["anyOf"][0]]}
    fixed = engine._convertible(schema)
    assert fixed["anyOf"][0]["properties"]["arguments"] == {"type": "object"}
    assert fixed["anyOf"][1] == schema["anyOf"][1]
