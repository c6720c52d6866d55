from __future__ import annotations

import os
from pathlib import Path

from wakeful.tools.base import ToolContext
from wakeful.tools.read import ReadTool


async def test_numbers_lines_like_cat_n(ctx: ToolContext, ws: Path) -> None:
    (ws / "a.txt").write_text("alpha\nbeta\ngamma\n")
    r = await ReadTool().run({"path": "a.txt"}, ctx)
    assert not r.is_error
    assert r.content == "     1\talpha\n     2\tbeta\n     3\tgamma"


async def test_offset_and_limit_page_through(ctx: ToolContext, ws: Path) -> None:
    (ws / "n.txt").write_text("".join(f"line {i}\n" for i in range(1, 101)))
    r = await ReadTool().run({"path": "n.txt", "offset": 10, "limit": 3}, ctx)
    assert not r.is_error
    body, note = r.content.split("\n\n")
    assert body.splitlines() == ["    10\tline 10", "    11\tline 11", "    12\tline 12"]
    assert "lines 10-12 of 100" in note and "offset=13" in note
    last = await ReadTool().run({"path": "n.txt", "offset": "99"}, ctx)
    assert last.content.splitlines() == ["    99\tline 99", "   100\tline 100"]


async def test_counts_last_line_without_newline(ctx: ToolContext, ws: Path) -> None:
    (ws / "n.txt").write_text("a\nb\nc")
    r = await ReadTool().run({"path": "n.txt", "limit": 1}, ctx)
    assert "lines 1-1 of 3" in r.content


async def test_offset_past_end_is_an_error(ctx: ToolContext, ws: Path) -> None:
    (ws / "n.txt").write_text("a\nb\n")
    r = await ReadTool().run({"path": "n.txt", "offset": 5}, ctx)
    assert r.is_error and "has 2 lines" in r.content


async def test_empty_file(ctx: ToolContext, ws: Path) -> None:
    (ws / "e.txt").write_text("")
    r = await ReadTool().run({"path": "e.txt"}, ctx)
    assert not r.is_error and "empty" in r.content
    assert str(ws / "e.txt") in ctx.read_stamps


async def test_long_lines_are_cut_with_a_marker(ctx: ToolContext, ws: Path) -> None:
    (ws / "long.txt").write_text("x" * 5000 + "\nshort\n")
    r = await ReadTool().run({"path": "long.txt"}, ctx)
    first, second = r.content.splitlines()
    assert first == "     1\t" + "x" * 2000 + "... [line truncated: 3000 more chars]"
    assert second == "     2\tshort"


async def test_huge_single_line_keeps_numbering(ctx: ToolContext, ws: Path) -> None:
    (ws / "min.js").write_text("z" * 1_000_000 + "\nafter\n")
    r = await ReadTool().run({"path": "min.js"}, ctx)
    first, second = r.content.splitlines()
    assert first == "     1\t" + "z" * 2000 + "... [line truncated: about 998000 more chars]"
    assert second == "     2\tafter"
    r = await ReadTool().run({"path": "min.js", "offset": 2}, ctx)
    assert r.content == "     2\tafter"


async def test_window_is_capped_by_size(ctx: ToolContext, ws: Path) -> None:
    (ws / "big.txt").write_text(("y" * 1000 + "\n") * 600)  # ~600 KB, well over the window
    r = await ReadTool().run({"path": "big.txt"}, ctx)
    assert not r.is_error
    assert len(r.content) < 270 * 1024
    assert "size cap reached" in r.content
    shown = r.meta["last"]
    assert 200 < shown < 600 and f"offset={shown + 1}" in r.content


async def test_refuses_binary_and_non_utf8(ctx: ToolContext, ws: Path) -> None:
    (ws / "bin.dat").write_bytes(b"ELF\x00\x01\x02binary")
    r = await ReadTool().run({"path": "bin.dat"}, ctx)
    assert r.is_error and "binary" in r.content
    (ws / "latin.txt").write_bytes(b"caf\xe9\n")
    r = await ReadTool().run({"path": "latin.txt"}, ctx)
    assert r.is_error and "UTF-8" in r.content
    assert ctx.read_stamps == {}


async def test_missing_file_suggests_close_matches(ctx: ToolContext, ws: Path) -> None:
    (ws / "config.yaml").write_text("k: v\n")
    r = await ReadTool().run({"path": "config.yml"}, ctx)
    assert r.is_error
    assert "File not found" in r.content and str(ws / "config.yaml") in r.content


async def test_directory_is_refused(ctx: ToolContext, ws: Path) -> None:
    (ws / "d").mkdir()
    r = await ReadTool().run({"path": "d"}, ctx)
    assert r.is_error and "directory" in r.content
    os.mkfifo(ws / "pipe")
    r = await ReadTool().run({"path": "pipe"}, ctx)
    assert r.is_error and "not a regular file" in r.content


async def test_records_stamp_and_recent_files(ctx: ToolContext, ws: Path) -> None:
    a, b = ws / "a.txt", ws / "b.txt"
    a.write_text("1\n")
    b.write_text("2\n")
    tool = ReadTool()
    await tool.run({"path": "a.txt"}, ctx)
    await tool.run({"path": str(b)}, ctx)
    await tool.run({"path": "a.txt"}, ctx)
    st = os.stat(a)
    assert ctx.read_stamps[str(a)] == (st.st_mtime_ns, st.st_size)
    assert ctx.recent_files == [str(b), str(a)]


async def test_relative_paths_follow_ctx_cwd(ctx: ToolContext, ws: Path) -> None:
    (ws / "sub").mkdir()
    (ws / "sub" / "f.txt").write_text("inside\n")
    ctx.cwd = ws / "sub"
    r = await ReadTool().run({"path": "f.txt"}, ctx)
    assert r.content == "     1\tinside"


async def test_bad_arguments_are_error_results(ctx: ToolContext) -> None:
    tool = ReadTool()
    r = await tool.run({}, ctx)
    assert r.is_error and "missing required argument `path`" in r.content
    r = await tool.run({"path": "x", "offset": 0}, ctx)
    assert r.is_error and "at least 1" in r.content
    r = await tool.run({"path": "x", "limit": "lots"}, ctx)
    assert r.is_error and "`limit` must be an integer" in r.content
    r = await tool.run({"path": ["x"]}, ctx)
    assert r.is_error and "`path` must be a string" in r.content


def test_risk_declares_the_resolved_path(ctx: ToolContext, ws: Path) -> None:
    risk = ReadTool().risk({"path": "sub/../a.txt"}, ctx)
    assert risk.kind == "read" and risk.read_only
    assert risk.paths == (str(ws / "a.txt"),)
    assert ReadTool().risk({}, ctx).paths == ()
