from __future__ import annotations

from pathlib import Path

from wakeful.core.messages import Message
from wakeful.core.request import ToolSchema
from wakeful.core.usage import Usage
from wakeful.prompt.ledger import CacheLedger, read_costs
from wakeful.prompt.prefix import build_prefix
from wakeful.prompt.system import core_prompt, project_instructions

T1 = ToolSchema("read", "Read a file", {"type": "object"})
T2 = ToolSchema("bash", "Run a command", {"type": "object"})


def test_tools_are_sorted_and_prefix_is_stable() -> None:
    a = build_prefix([T1, T2], "core", "inst", "mem")
    b = build_prefix([T2, T1], "core", "inst", "mem")
    assert [t.name for t in a.tools] == ["bash", "read"]
    assert a.fingerprints == b.fingerprints
    assert a == b


def test_core_prompt_has_nothing_volatile(tmp_path: Path) -> None:
    assert core_prompt() == core_prompt()
    assert str(tmp_path) not in core_prompt()  # the same bytes in every workspace
    (tmp_path / "AGENTS.md").write_text("use tabs")
    (tmp_path / "WAKEFUL.md").write_text("be brief")
    text = project_instructions(tmp_path)
    assert text.index("be brief") < text.index("use tabs")


def test_ledger_explains_breaks(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    ledger = CacheLedger(db)
    p1 = build_prefix([T1], "core", "", "mem")
    msgs = [Message.user("hi")]
    assert (
        ledger.record(
            "s", "main", "anthropic", "claude-sonnet-4-6", p1, msgs, Usage(10, 5, 0, 2000)
        ).cache_break
        is None
    )
    p2 = build_prefix([T1, T2], "core", "", "mem")
    e = ledger.record(
        "s", "main", "anthropic", "claude-sonnet-4-6", p2, msgs, Usage(10, 5, 0, 2000)
    )
    assert e.cache_break == "segment tools changed: tool bash added"
    p3 = build_prefix([T1, T2], "core", "", "other memory")
    e = ledger.record(
        "s", "main", "anthropic", "claude-sonnet-4-6", p3, msgs, Usage(10, 5, 0, 2000)
    )
    assert e.cache_break == "segment memory changed"
    e = ledger.record(
        "s",
        "main",
        "anthropic",
        "claude-sonnet-4-6",
        p3,
        [Message.user("rewritten")],
        Usage(10, 5, 0, 2000),
    )
    assert "conversation rewritten from message 0" in (e.cache_break or "")
    e = ledger.record(
        "s",
        "main",
        "anthropic",
        "claude-sonnet-4-6",
        p3,
        [Message.user("rewritten")],
        Usage(10, 5, 2000, 0),
    )
    assert e.cache_break is None
    ledger.record("s", "fork-1", "anthropic", "claude-sonnet-4-6", p3, msgs, Usage(1, 1, 100, 0))
    ledger.close()
    rows = {r.agent: r for r in read_costs(db, "s")}
    assert rows["main"].requests == 5 and rows["fork-1"].requests == 1
    assert rows["fork-1"].usage.cache_read == 100
    assert len(rows["main"].breaks) == 3
    assert rows["main"].cost > 0
