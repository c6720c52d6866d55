"""Anchor capture: spec parsing, normalisation, symbols, auto-anchoring."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.memory.anchors import (
    auto_anchor,
    capture_anchor,
    find_symbol,
    normalise_line,
    parse_anchor_spec,
    span_hash,
)
from wakeful.memory.types import AnchorError


def test_parse_anchor_spec() -> None:
    assert parse_anchor_spec("a/b.py") == ("a/b.py", None, None)
    assert parse_anchor_spec("a/b.py:7") == ("a/b.py", 7, 7)
    assert parse_anchor_spec("a/b.py:3-9") == ("a/b.py", 3, 9)
    with pytest.raises(AnchorError, match="START must not exceed END"):
        parse_anchor_spec("a.py:9-3")
    with pytest.raises(AnchorError):
        parse_anchor_spec("")


def test_normalisation_ignores_whitespace_only() -> None:
    assert normalise_line("  x =\t1  ") == "x = 1"
    assert span_hash(["x = 1"]) == span_hash([normalise_line("x  =  1")])
    assert span_hash(["x = 1"]) != span_hash(["x = 2"])


def test_python_symbols_via_ast_are_dotted() -> None:
    lines = ["class A:", "    @property", "    def b(self):", "        return 1", "", "x = 1"]
    assert find_symbol("m.py", lines, 4, 4) == "A.b"
    assert find_symbol("m.py", lines, 2, 2) == "A.b"  # decorators belong to the function
    assert find_symbol("m.py", lines, 6, 6) is None


def test_other_languages_by_definition_scan() -> None:
    go = ["package main", "", "func (s *Server) Listen(addr string) error {", "\treturn nil", "}"]
    assert find_symbol("s.go", go, 4, 4) == "Listen"
    rust = [
        "pub struct Config {",
        "    port: u16,",
        "}",
        "",
        "pub fn load() -> Config {",
        "    todo!()",
        "}",
    ]
    assert find_symbol("c.rs", rust, 2, 2) == "Config"
    assert find_symbol("c.rs", rust, 6, 6) == "load"
    ts = ["export const handler = async (req) => {", "  return req;", "};"]
    assert find_symbol("h.ts", ts, 2, 2) == "handler"


def test_capture_records_span_hash_symbol_and_context(workspace: Path) -> None:
    a = capture_anchor(workspace, "settings.py:9-10", commit="abc")
    assert (a.path, a.start_line, a.end_line, a.symbol, a.commit) == (
        "settings.py",
        9,
        10,
        "Server.listen",
        "abc",
    )
    assert len(a.line_hashes) == 2 and len(a.before) == 3 and len(a.after) == 3
    whole = capture_anchor(workspace, str(workspace / "util.js"))
    assert (whole.start_line, whole.end_line) == (1, 7)
    with pytest.raises(AnchorError, match="outside the workspace"):
        capture_anchor(workspace, "/etc/hostname")
    with pytest.raises(AnchorError, match="only 14 lines"):
        capture_anchor(workspace, "settings.py:40")


def test_auto_anchor_picks_the_line_the_text_talks_about(workspace: Path) -> None:
    found = auto_anchor(workspace, "settings.py", "The server listens on PORT 8080")
    assert found is not None
    anchor, score = found
    assert (anchor.start_line, anchor.end_line) == (3, 3) and score > 0
    assert auto_anchor(workspace, "settings.py", "zzz qqq", whole_file=False) is None
    whole = auto_anchor(workspace, "settings.py", "zzz qqq")
    assert whole is not None and whole[0].end_line == 14 and whole[1] == 0.0
