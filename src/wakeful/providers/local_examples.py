"""Worked examples shown to a small embedded model before its task (data only).

Each example is a finished task from an invented repository, written as the turns the model
itself would produce in its template's own tool format: the calls it makes, what the tools
answer, and the short closing answer. A 1.5B model follows a demonstration far better than a
rule: told to "make exact edits", Qwen2.5-Coder-1.5B still wrote the fix in prose, edited the
wrong file or sent an edit whose new text equalled the old; told to count, it guessed.

The examples use files and names that appear in no benchmark task. They sit between the
tool list and the repository's own context, so they belong to the prefix that is the same in
every run and come from the on-disk KV cache after the first run (local_prompt.split_system).
"""

from __future__ import annotations

from typing import Any

INTRO = (
    "Four example tasks from another repository follow. They show how to work: act with "
    "tool calls, change files with edit or write (never show code instead of changing it), "
    "check the result, count with a command, then answer in one or two sentences."
)
OUTRO = "The examples are over. Your real task comes next, in a different repository."


def _call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "arguments": arguments}}


def _assistant(*calls: dict[str, Any], text: str = "") -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        message["tool_calls"] = list(calls)
    return message


def _tool(content: str) -> dict[str, Any]:
    return {"role": "tool", "content": content}


def _user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


EXAMPLES: tuple[dict[str, Any], ...] = (
    # 1. A bug fix: read, one exact edit whose new text differs, run the test, answer.
    _user("test_invoice.py fails. Fix the bug in invoice.py (not the test)."),
    _assistant(_call("read", path="invoice.py")),
    _tool(
        "     1\tdef subtotal(lines):\n"
        "     2\t    return sum(q * p for q, p in lines)\n"
        "     3\t\n"
        "     4\t\n"
        "     5\tdef with_tax(amount, rate):\n"
        "     6\t    return amount * rate\n"
    ),
    _assistant(
        _call(
            "edit",
            path="invoice.py",
            old_string="    return amount * rate",
            new_string="    return amount * (1 + rate)",
        )
    ),
    _tool(
        "Edited in invoice.py. Around line 6 it now reads:\n"
        "     5\tdef with_tax(amount, rate):\n"
        "     6\t    return amount * (1 + rate)\n"
    ),
    _assistant(_call("bash", command="python -m pytest -q test_invoice.py")),
    _tool("2 passed in 0.02s\n[exit code 0]"),
    _assistant(
        text="Fixed with_tax in invoice.py: it returned amount * rate instead of "
        "amount * (1 + rate). The tests pass."
    ),
    # 2. A question answered from a command's output, not from a guess.
    _user("How many classes does shapes.py define? Answer with the number."),
    _assistant(_call("bash", command="grep -c '^class ' shapes.py")),
    _tool("4\n[exit code 0]"),
    _assistant(text="4"),
    # 3. An addition to a file: the edit keeps the line it starts from and adds after it.
    _user("Add a function cube(x) to powers.py that returns x ** 3."),
    _assistant(_call("read", path="powers.py")),
    _tool("     1\tdef square(x):\n     2\t    return x * x\n"),
    _assistant(
        _call(
            "edit",
            path="powers.py",
            old_string="    return x * x",
            new_string="    return x * x\n\n\ndef cube(x):\n    return x ** 3",
        )
    ),
    _tool(
        "Edited in powers.py. Around line 2 it now reads:\n"
        "     1\tdef square(x):\n"
        "     2\t    return x * x\n"
        "     3\t\n"
        "     4\t\n"
        "     5\tdef cube(x):\n"
        "     6\t    return x ** 3\n"
    ),
    _assistant(_call("bash", command="python -m pytest -q")),
    _tool("3 passed in 0.03s\n[exit code 0]"),
    _assistant(text="Added cube(x) to powers.py after square; the tests pass."),
    # 4. A new file: write it whole, then run it.
    _user("Create report.py that prints the sum of 2, 3 and 4."),
    _assistant(_call("write", path="report.py", content="print(2 + 3 + 4)\n")),
    _tool("Created report.py (1 lines, 17 bytes)."),
    _assistant(_call("bash", command="python report.py")),
    _tool("9\n[exit code 0]"),
    _assistant(text="Created report.py; it prints 9."),
)
