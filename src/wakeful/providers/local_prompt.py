"""Turn a neutral request into chat messages for a small embedded model, and read its reply.

A 135M model cannot follow a vendor tool-calling protocol, so tools are offered as a JSON
output format that the decoder is constrained to: either `{"tool": NAME, "arguments": {...}}`
with arguments matching that tool's (simplified) schema, or `{"answer": TEXT}`. Everything is
rendered deterministically from the request, so a growing conversation re-renders the same
prefix and llama.cpp can reuse its KV cache.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from wakeful.core.messages import Message, TextBlock, ToolResultBlock, ToolUseBlock
from wakeful.core.paths import INSTRUCTION_FILES
from wakeful.core.request import Request, ToolSchema
from wakeful.core.tool_names import LOCAL_MODEL_TOOLS
from wakeful.providers import local_examples

# Keywords that only document a schema; dropping them keeps the grammar small.
_DOC_KEYS = {"description", "title", "examples", "default", "$schema", "$id", "$comment"}
# Keywords the grammar converter handles, per JSON type.
_KEEP = {
    "string": {"enum", "const", "minLength", "maxLength"},
    "integer": {"enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
    "number": {"enum", "const"},
    "boolean": {"const"},
    "null": set(),
    "array": {"minItems", "maxItems"},
}
MAX_SCHEMA_DEPTH = 3
# Arrays without their own bound get this one: a small model otherwise writes list items (todo
# entries) until it runs out of tokens.
MAX_ARRAY_ITEMS = 8
# The tools a small local model is shown by default (see core.tool_names).
LOCAL_TOOLS = LOCAL_MODEL_TOOLS


def simplify_schema(schema: Any, root: dict[str, Any] | None = None, depth: int = 0) -> dict:
    """A grammar-friendly copy of a tool's input schema.

    Objects get `additionalProperties: false` (so the model cannot wander into invented keys),
    local `$ref`s are inlined, documentation keywords, `pattern` and `format` are dropped, and
    anything nested deeper than MAX_SCHEMA_DEPTH becomes "any JSON value".
    """
    if not isinstance(schema, dict):
        return {}
    root = schema if root is None else root
    if depth > MAX_SCHEMA_DEPTH:
        return {}
    if "$ref" in schema:
        target = _resolve_ref(root, schema["$ref"])
        return simplify_schema(target, root, depth + 1) if target is not None else {}
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            branches = [simplify_schema(b, root, depth + 1) for b in schema[key]]
            return {"anyOf": branches} if all(branches) else {}
    if "enum" in schema and "type" not in schema:
        return {"enum": list(schema["enum"])}
    if "const" in schema and "type" not in schema:
        return {"const": schema["const"]}
    kind = schema.get("type")
    if kind is None and "properties" in schema:
        kind = "object"
    if isinstance(kind, list):
        return {"type": [k for k in kind if isinstance(k, str)]}
    if kind == "object":
        props = schema.get("properties") or {}
        if not isinstance(props, dict) or not props:
            return {"type": "object"}
        out_props = {
            str(name): simplify_schema(sub, root, depth + 1) for name, sub in props.items()
        }
        required = [r for r in schema.get("required") or [] if r in out_props]
        return {
            "type": "object",
            "properties": out_props,
            "required": required,
            "additionalProperties": False,
        }
    if kind == "array":
        out: dict[str, Any] = {"type": "array"}
        items = simplify_schema(schema.get("items"), root, depth + 1)
        if items:  # "items": {} breaks the grammar converter; no items means any items
            out["items"] = items
        out.update({k: v for k, v in schema.items() if k in _KEEP["array"]})
        out.setdefault("maxItems", max(MAX_ARRAY_ITEMS, int(out.get("minItems", 0))))
        return out
    if isinstance(kind, str) and kind in _KEEP:
        out = {"type": kind}
        out.update({k: v for k, v in schema.items() if k in _KEEP[kind]})
        return out
    return {}


def _resolve_ref(root: dict[str, Any], ref: Any) -> dict[str, Any] | None:
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return None
    node: Any = root
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, dict) else None


def arguments_schema(tool: ToolSchema, full: bool = False) -> dict[str, Any]:
    """The schema a tool's arguments are constrained to.

    Optional arguments stay (a tool's own error may ask for one, e.g. edit's `replace_all`),
    except, unless `full`, optional non-integer numbers: a small model fills those with noise
    (timeout: -1e15) that the grammar cannot bound, and the tool's default is better.
    """
    args = simplify_schema(tool.input_schema) or {"type": "object"}
    required = args.get("required") or []
    props = args.get("properties")
    if not full and isinstance(props, dict):
        kept = {
            k: v
            for k, v in props.items()
            if k in required or not (isinstance(v, dict) and v.get("type") == "number")
        }
        if len(kept) != len(props):
            args = {**args, "properties": kept}
    return args


def local_tools(
    tools: list[ToolSchema], allowed: tuple[str, ...] | None, task: str = ""
) -> list[ToolSchema]:
    """The subset of `tools` a local model is offered: `allowed`, plus any tool the task names.

    `task` is the conversation's first user message, so the subset fits the task ("remember
    that ...", "delegate ...") and stays the same for the whole session. A request that offers
    none of `allowed` (a restricted worker) keeps all its tools. The request itself is never
    changed: only what this model is shown and constrained to is narrowed.
    """
    if allowed is None:
        return list(tools)
    words = set(re.findall(r"[a-z_]+", task.lower()))
    subset = [t for t in tools if t.name in allowed or t.name in words]
    if not any(t.name in allowed for t in subset):
        return list(tools)
    return subset


def first_user_text(request: Request) -> str:
    """The text of the conversation's first user message (the task), or ""."""
    for message in request.messages:
        if message.role == "user":
            return " ".join(b.text for b in message.content if isinstance(b, TextBlock))
    return ""


def output_schema(
    tools: list[ToolSchema], full: bool = False, answer: bool = True
) -> dict[str, Any]:
    """The JSON schema the reply is constrained to: one branch per tool, then (unless
    `answer` is false: a call is required) the answer."""
    branches: list[dict[str, Any]] = []
    for tool in tools:
        args = arguments_schema(tool, full)
        branches.append(
            {
                "type": "object",
                "properties": {"tool": {"const": tool.name}, "arguments": args},
                "required": ["tool", "arguments"],
                "additionalProperties": False,
            }
        )
    if answer or not branches:
        branches.append(
            {
                "type": "object",
                "properties": {"answer": {"type": "string"}},
                "required": ["answer"],
                "additionalProperties": False,
            }
        )
    return {"anyOf": branches}


def _type_name(schema: Any) -> str:
    if not isinstance(schema, dict):
        return "any"
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"][:6])
    if "const" in schema:
        return json.dumps(schema["const"])
    if "anyOf" in schema:
        return " | ".join(_type_name(b) for b in schema["anyOf"][:4])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    if kind == "array":
        return f"list of {_type_name(schema.get('items'))}" if schema.get("items") else "list"
    return str(kind or "any")


def signature(tool: ToolSchema, full: bool = False) -> str:
    """A tool as a call signature, e.g. `read(path: string, offset?: integer)`."""
    args = arguments_schema(tool, full)
    props = args.get("properties") or {}
    required = set(args.get("required") or [])
    params = ", ".join(
        f"{name}{'' if name in required else '?'}: {_type_name(sub)}" for name, sub in props.items()
    )
    return f"{tool.name}({params})"


def first_sentence(text: str, limit: int = 160) -> str:
    """The opening sentence of a description: enough for a small model, and short."""
    flat = " ".join(text.split())
    match = re.match(r"(.+?(?<!\be\.g)(?<!\bi\.e)[.!?])(\s|$)", flat)
    sentence = match.group(1) if match else flat
    return sentence if len(sentence) <= limit else sentence[: limit - 3].rstrip() + "..."


def tool_instructions(tools: list[ToolSchema], full: bool = False) -> str:
    """The system-prompt section that teaches the JSON reply format.

    Tools are listed as call signatures: with small models, concrete example calls get copied
    verbatim ("<path>"), while signatures let the user's own words fill the arguments.
    """
    lines = ["Tools:"]
    for tool in tools:
        desc = first_sentence(tool.description)
        sig = signature(tool, full)
        lines.append(f"- {sig}: {desc}" if desc else f"- {sig}")
    lines.append("")
    lines.append(
        'Reply with one JSON object: {"tool": NAME, "arguments": {ARGS}} to call a tool, '
        'or {"answer": TEXT} to answer.'
    )
    return "\n".join(lines)


def render_tool_call(block: ToolUseBlock) -> str:
    """An earlier tool call, written exactly as the model is asked to write one."""
    return json.dumps({"tool": block.name, "arguments": block.input}, ensure_ascii=False)


def _clip(text: str, limit: int) -> str:
    if limit <= 0 or len(text) <= limit:
        return text
    keep = max(0, limit - 60)
    return text[:keep] + f"\n[... {len(text) - keep} more characters not shown]"


def chat_messages(
    request: Request, tool_result_chars: int = 6000, full_schemas: bool = False
) -> list[dict[str, str]]:
    """Role/content pairs for the model's chat template.

    Tool results become user-visible text ("Result of read:" ...), clipped to
    `tool_result_chars` so one large file cannot overflow a small context, with the task
    restated after them (see `_message_text`). Consecutive turns of the same role are merged
    because small chat templates expect strict alternation.
    """
    core, context = split_system(request)
    section = tool_instructions(request.tools, full_schemas) if request.tools else ""
    system = "\n\n".join(p for p in (core, section, context) if p)
    out: list[dict[str, str]] = []
    if system:
        out.append({"role": "system", "content": system})
    names: dict[str, str] = {}
    task = _clip_task(first_user_text(request))
    for message in request.messages:
        content = _message_text(message, names, tool_result_chars, task)
        if not content:
            continue
        if out and out[-1]["role"] == message.role:
            out[-1]["content"] += "\n\n" + content
        else:
            out.append({"role": message.role, "content": content})
    return out


# How much of the task is restated after tool results.
TASK_RESTATE_CHARS = 300
_NUMBERED = re.compile(r"^ *\d+\t")


def _clip_task(task: str) -> str:
    flat = " ".join(task.split())
    return flat if len(flat) <= TASK_RESTATE_CHARS else flat[: TASK_RESTATE_CHARS - 3] + "..."


def unnumbered(text: str) -> str:
    """`read` output without its `cat -n` line numbers (other lines, e.g. notes, kept).

    A small model reads the numbers as content: asked for the port in a file numbered 1-5 it
    answers "123" or "100", and it copies them into `edit`'s old_string.
    """
    lines = text.split("\n")
    if not any(_NUMBERED.match(line) for line in lines):
        return text
    return "\n".join(_NUMBERED.sub("", line, count=1) for line in lines)


def _call_label(block: ToolUseBlock) -> str:
    """How a tool result is introduced: the tool and the file it was called on.

    "Result of read server.py:" rather than "Result of read:": told which file it is looking
    at, SmolLM2-135M answers the demo's question from it in every run measured (3 of 3 at
    temperature 0.2, where "Result of read:" gave "1234567890" or "12345")."""
    path = block.input.get("path") if isinstance(block.input, dict) else None
    if isinstance(path, str) and path and len(path) <= 120:
        return f"{block.name} {path}"
    return block.name


def _message_text(
    message: Message, names: dict[str, str], tool_result_chars: int, task: str = ""
) -> str:
    parts: list[str] = []
    results = False
    for block in message.content:
        if isinstance(block, TextBlock):
            if block.text:
                parts.append(block.text)
        elif isinstance(block, ToolUseBlock):
            names[block.id] = _call_label(block)
            parts.append(render_tool_call(block))
        elif isinstance(block, ToolResultBlock):
            results = True
            label = names.get(block.tool_use_id, "the tool")
            head = f"Error from {label}:" if block.is_error else f"Result of {label}:"
            content = block.content
            if label.split(" ", 1)[0] == "read" and not block.is_error:
                content = unnumbered(content)
            parts.append(f"{head}\n{_clip(content, tool_result_chars)}")
    if results and task:
        # A small model loses the question behind a file's contents: with the task restated
        # after the results, SmolLM2-135M answers "Port 8080" where it said "Hello, World!".
        # Every result message carries it, so earlier turns render the same (KV-cache prefix).
        parts.append(f"Task: {task}")
    return "\n\n".join(parts)


def split_system(request: Request) -> tuple[str, str]:
    """The system prompt as (core, context): the first segment (the core prompt, the same
    bytes in every repository) and the rest (where the repository is, its instructions, the
    memory snapshot).

    The tool list goes between them, so the core prompt and the tools form a prefix that is
    the same for every repository and every task: the KV cache kept on disk after one run
    (~1,100 tokens for the coder model, about a minute of CPU on two cores) serves the next
    run in another repository too. With the workspace named first, no two repositories shared
    more than a dozen tokens.
    """
    texts = [seg.text for seg in request.system if seg.text]
    if not texts:
        return "", ""
    return texts[0], "\n\n".join(texts[1:])


def template_calls_tools(template: str) -> bool:
    """Whether a chat template has its own tool-calling format (Qwen/Hermes `<tool_call>`)."""
    return "<tool_call>" in template and "tools" in template


def native_tools(tools: list[ToolSchema], full: bool = False) -> list[dict[str, Any]]:
    """Tools as chat templates take them (OpenAI function format), descriptions kept short."""
    return [
        {
            "type": "function",
            "function": {
                "name": t.name,
                "description": first_sentence(t.description, 200),
                "parameters": _described(t, full),
            },
        }
        for t in tools
    ]


def _described(tool: ToolSchema, full: bool) -> dict[str, Any]:
    """The constrained argument schema with each property's own description put back."""
    args = arguments_schema(tool, full)
    source = tool.input_schema.get("properties") if isinstance(tool.input_schema, dict) else None
    props = args.get("properties")
    if not isinstance(source, dict) or not isinstance(props, dict):
        return args
    described = {}
    for name, sub in props.items():
        doc = (
            source.get(name, {}).get("description") if isinstance(source.get(name), dict) else None
        )
        described[name] = {**sub, "description": first_sentence(doc, 120)} if doc else sub
    return {**args, "properties": described}


def call_schema(tools: list[ToolSchema], full: bool = False) -> dict[str, Any]:
    """The JSON inside a native `<tool_call>`: `{"name": NAME, "arguments": {...}}`."""
    return {
        "anyOf": [
            {
                "type": "object",
                "properties": {"name": {"const": t.name}, "arguments": arguments_schema(t, full)},
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
            for t in tools
        ]
    }


# Project instructions longer than this are not restated with the task (a small model's
# context is a few thousand tokens).
MAX_RESTATED_RULES = 1500
_RULES_HEADING = re.compile(
    "^# (?:" + "|".join(re.escape(n) for n in INSTRUCTION_FILES) + ")$", re.MULTILINE
)


def project_rules(request: Request) -> str:
    """The project's instruction files (AGENTS.md ...) as the system prompt holds them, or ""
    when there are none or they are too long to restate."""
    for segment in request.system:
        if segment.name != "instructions":
            continue
        found = _RULES_HEADING.search(segment.text)
        if found is None:
            return ""
        rules = segment.text[found.start() :].strip()
        return rules if len(rules) <= MAX_RESTATED_RULES else ""
    return ""


def fixed_messages(request: Request, examples: bool = False) -> int:
    """How many of native_messages' leading messages are the same for every repository and
    task: the core prompt (with the template's tool list) and the worked examples."""
    core, _ = split_system(request)
    if not core:
        return 0
    return 1 + (len(local_examples.EXAMPLES) + 2 if examples and request.tools else 0)


def native_messages(
    request: Request, tool_result_chars: int = 6000, examples: bool = False
) -> list[dict[str, Any]]:
    """Messages in the template's own tool format: assistant `tool_calls`, `tool` results.

    With `examples`, the worked examples of local_examples come after the core prompt (and
    the template's tool list), before the repository's context: part of the fixed prefix.
    """
    out: list[dict[str, Any]] = []
    core, context = split_system(request)
    if core:
        out.append({"role": "system", "content": core})
    if examples and request.tools:
        out.append({"role": "system", "content": local_examples.INTRO})
        out.extend(dict(m) for m in local_examples.EXAMPLES)
        out.append({"role": "system", "content": local_examples.OUTRO})
    if context:
        # After the template's tool list, so the core prompt and tools are one prefix shared
        # by every repository (see split_system).
        out.append({"role": "system", "content": context})
    rules = project_rules(request) if examples else ""
    for message in request.messages:
        texts = [b.text for b in message.content if isinstance(b, TextBlock) and b.text]
        if rules and message.role == "user" and texts:
            # Restated with the task itself: in the system context, the coder model created
            # a file without the header line AGENTS.md asks for.
            texts[-1] += f"\n\nFollow the project's instructions in this task:\n{rules}"
            rules = ""
        calls = [b for b in message.content if isinstance(b, ToolUseBlock)]
        results = [b for b in message.content if isinstance(b, ToolResultBlock)]
        for block in results:
            content = _clip(block.content, tool_result_chars)
            out.append(
                {"role": "tool", "content": f"Error: {content}" if block.is_error else content}
            )
        if message.role == "assistant":
            # Prose said before a call is not shown back: a plan turned into a call, or a
            # claim, was copied as the next preface or as the answer ("Grep for parse_date
            # in the repo." after the grep had found the file). The examples' calls have none.
            said = "" if calls else "\n\n".join(texts)
            entry: dict[str, Any] = {"role": "assistant", "content": said}
            if calls:
                entry["tool_calls"] = [
                    {"type": "function", "function": {"name": c.name, "arguments": c.input}}
                    for c in calls
                ]
            out.append(entry)
        elif texts:
            text = "\n\n".join(texts)
            if out and out[-1]["role"] == "user":
                out[-1]["content"] += "\n\n" + text
            else:
                out.append({"role": "user", "content": text})
    return out


_CALL = re.compile(r"^\s*(?:<tool_call>)?\s*(\{.*?\})\s*(?:</tool_call>)?\s*$", re.DOTALL)


_CALL_START = re.compile(r'(?:<tool_call>\s*)?\{\s*"name"\s*:')


def _call_in_prose(text: str, tool_names: set[str]) -> ParsedReply | None:
    """A call written after some prose: `I'll use grep ... ```json {"name": ...}````.

    The grammar lets an answer start with any words, and Qwen2.5-Coder-1.5B often explains
    first and then writes its call as a fenced JSON object; read as an answer, that ended
    every task of the benchmark after one request.
    """
    decoder = json.JSONDecoder()
    for match in _CALL_START.finditer(text):
        start = text.index("{", match.start())
        try:
            data, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        if (
            isinstance(data, dict)
            and data.get("name") in tool_names
            and isinstance(data.get("arguments"), dict)
        ):
            return ParsedReply(tool=data["name"], arguments=data["arguments"], raw=text)
    return None


def call_written_in_prose(text: str, tool_names: set[str]) -> bool:
    """Whether a reply that opened as prose has now written a whole call.

    Qwen2.5-Coder-1.5B writes its call as a fenced JSON object after a sentence and then goes
    on inventing the call's result and more calls, up to its whole budget (three benchmark
    tasks ran out of time that way). Only the first call is read, so generation can stop
    as soon as it is complete; a reply in the template's `<tool_call>` format ends itself.
    """
    if text.lstrip().startswith("<tool_call>"):
        return False
    return _call_in_prose(text, tool_names) is not None


def parse_native(text: str, tool_names: set[str]) -> ParsedReply:
    """Read a reply in the template's format: a `<tool_call>` with JSON, or plain text (in
    which a call written after some prose still counts as the call)."""
    stripped = re.sub(r"^```(?:json)?\s*|\s*```$", "", text.strip())
    if not stripped.startswith("<tool_call>") and not stripped.startswith('{"name"'):
        return _call_in_prose(text, tool_names) or ParsedReply(answer=text, raw=text)
    match = _CALL.match(stripped)
    data = None
    if match:
        try:
            data = json.loads(match.group(1))
        except json.JSONDecodeError:
            data = None
    if (
        isinstance(data, dict)
        and data.get("name") in tool_names
        and isinstance(data.get("arguments"), dict)
    ):
        return ParsedReply(tool=data["name"], arguments=data["arguments"], raw=text)
    name = re.search(r'"name"\s*:\s*"([^"\\]*)"', stripped)
    if name and name.group(1) in tool_names:
        return ParsedReply(tool=name.group(1), arguments=None, raw=text)
    return ParsedReply(raw=text)


def drop_unset_optionals(parsed: ParsedReply, tools: list[ToolSchema]) -> ParsedReply:
    """The call without the optional arguments it wrote as "not given".

    A small model fills every optional argument the template lists: Qwen2.5-Coder-1.5B
    wrote `grep(pattern, path, glob="", case_insensitive=false, context=0)` in every
    search. Dropped are: empty values ("", null, [], {}), a value equal to the schema's
    `default`, `false` for a boolean with no default of true, and an integer outside the
    schema's bounds, which llama.cpp's grammar converter cannot enforce (a greedy SmolLM2
    wrote `offset=0` for read's 1-based offset and got an error instead of the file).
    The tool's own default then applies, and the history the model copies from stays short.
    """
    if parsed.tool is None or parsed.arguments is None:
        return parsed
    tool = next((t for t in tools if t.name == parsed.tool), None)
    schema = tool.input_schema if tool is not None and isinstance(tool.input_schema, dict) else {}
    found = schema.get("properties")
    props: dict[str, Any] = found if isinstance(found, dict) else {}
    required = set(schema.get("required") or [])
    kept = {
        name: value
        for name, value in parsed.arguments.items()
        if name in required or not _unset(value, props.get(name))
    }
    if kept == parsed.arguments:
        return parsed
    return ParsedReply(tool=parsed.tool, arguments=kept, raw=parsed.raw)


def _unset(value: Any, sub: Any) -> bool:
    """Whether an optional argument's value means "not given" under its schema `sub`."""
    if value is None or (isinstance(value, (str, list, dict)) and not value):
        return True
    if not isinstance(sub, dict):
        return False
    if "default" in sub and value == sub["default"] and type(value) is type(sub["default"]):
        return True
    if value is False and sub.get("type") == "boolean":
        return sub.get("default", False) is False
    if sub.get("type") == "integer" and isinstance(value, int) and not isinstance(value, bool):
        low, high = sub.get("minimum"), sub.get("maximum")
        return (isinstance(low, int) and value < low) or (isinstance(high, int) and value > high)
    return False


@dataclass(frozen=True)
class ParsedReply:
    """What a constrained reply meant: a tool call, an answer, or neither (raw text)."""

    tool: str | None = None
    arguments: dict[str, Any] | None = None
    answer: str | None = None
    raw: str = ""


_TOOL_NAME = re.compile(r'^\s*\{\s*"tool"\s*:\s*"((?:[^"\\]|\\.)*)"')
_ANSWER_START = re.compile(r'^\s*\{\s*"answer"\s*:\s*"')


def parse_reply(text: str, tool_names: set[str]) -> ParsedReply:
    """Read a constrained reply; a reply cut short by max_tokens is recovered as far as it goes."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if isinstance(data, dict):
        if data.get("tool") in tool_names and isinstance(data.get("arguments"), dict):
            return ParsedReply(tool=data["tool"], arguments=data["arguments"], raw=text)
        if isinstance(data.get("answer"), str):
            return ParsedReply(answer=data["answer"], raw=text)
    match = _TOOL_NAME.match(text)
    if match:
        try:
            name = json.loads(f'"{match.group(1)}"')
        except json.JSONDecodeError:
            name = match.group(1)
        if name in tool_names:
            return ParsedReply(tool=name, arguments=None, raw=text)
    partial = answer_prefix(text)
    if partial is not None:
        return ParsedReply(answer=partial, raw=text)
    return ParsedReply(raw=text)


_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def answer_prefix(text: str) -> str | None:
    """The decoded part of the answer string generated so far, or None if this is not an answer.

    Stops before an incomplete escape, so streaming it never emits half a character.
    """
    match = _ANSWER_START.match(text)
    if not match:
        return None
    out: list[str] = []
    i = match.end()
    while i < len(text):
        ch = text[i]
        if ch == '"':
            break
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(text):
            break
        esc = text[i + 1]
        if esc == "u":
            digits = text[i + 2 : i + 6]
            if len(digits) < 4:
                break
            try:
                code = int(digits, 16)
            except ValueError:
                break
            i += 6
            if 0xD800 <= code < 0xDC00:  # high surrogate: needs its low half
                low = text[i : i + 6]
                if len(low) < 6:
                    break
                try:
                    low_code = int(low[2:], 16) if low.startswith("\\u") else -1
                except ValueError:
                    break
                if 0xDC00 <= low_code < 0xE000:
                    code = 0x10000 + ((code - 0xD800) << 10) + (low_code - 0xDC00)
                    i += 6
            out.append(chr(code))
            continue
        out.append(_ESCAPES.get(esc, esc))
        i += 2
    return "".join(out)


def choice_grammar(choices: tuple[str, ...] | list[str]) -> str:
    """GBNF for a reply that is exactly one of `choices` (see Request.choices)."""
    if not choices:
        raise ValueError("choice_grammar needs at least one choice")

    def literal(text: str) -> str:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'

    return "root ::= " + " | ".join(literal(c) for c in dict.fromkeys(choices)) + "\n"
