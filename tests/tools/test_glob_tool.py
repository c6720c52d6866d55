from __future__ import annotations

import os
from pathlib import Path

from wakeful.tools.base import ToolContext
from wakeful.tools.glob import GlobTool


def make(ws: Path, rel: str, mtime: int = 1_700_000_000) -> Path:
    p = ws / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(rel + "\n")
    os.utime(p, (mtime, mtime))
    return p


async def test_recursive_pattern_newest_first(ctx: ToolContext, ws: Path) -> None:
    old = make(ws, "a/old.py", 1_600_000_000)
    new = make(ws, "b/c/new.py", 1_700_000_000)
    mid = make(ws, "mid.py", 1_650_000_000)
    make(ws, "notes.txt")
    r = await GlobTool().run({"pattern": "**/*.py"}, ctx)
    assert not r.is_error
    assert r.content.splitlines() == [str(new), str(mid), str(old)]


async def test_skips_git_and_wakeful(ctx: ToolContext, ws: Path) -> None:
    make(ws, ".git/hooks/pre-commit.py")
    make(ws, ".wakeful/x.py")
    make(ws, "sub/.git/y.py")
    keep = make(ws, ".github/ci.py")
    r = await GlobTool().run({"pattern": "**/*.py"}, ctx)
    assert r.content.splitlines() == [str(keep)]


async def test_top_level_pattern_and_hint(ctx: ToolContext, ws: Path) -> None:
    make(ws, "sub/deep.py")
    r = await GlobTool().run({"pattern": "*.py"}, ctx)
    assert not r.is_error and r.meta["count"] == 0
    assert "try `**/*.py`" in r.content
    top = make(ws, "top.py")
    r = await GlobTool().run({"pattern": "*.py"}, ctx)
    assert r.content.splitlines() == [str(top)]


async def test_path_prefix_braces_and_path_argument(ctx: ToolContext, ws: Path) -> None:
    a = make(ws, "src/pkg/a.ts", 1_600_000_000)
    b = make(ws, "src/pkg/sub/b.tsx", 1_700_000_000)
    make(ws, "other/c.ts")
    r = await GlobTool().run({"pattern": "src/**/*.{ts,tsx}"}, ctx)
    assert r.content.splitlines() == [str(b), str(a)]
    r = await GlobTool().run({"pattern": "*.ts", "path": "src/pkg"}, ctx)
    assert r.content.splitlines() == [str(a)]
    r = await GlobTool().run({"pattern": f"{ws}/src/pkg/?.ts"}, ctx)
    assert r.content.splitlines() == [str(a)]
    ctx.cwd = ws / "src"
    r = await GlobTool().run({"pattern": "pkg/sub/*"}, ctx)
    assert r.content.splitlines() == [str(b)]


async def test_caps_results_with_a_note(ctx: ToolContext, ws: Path) -> None:
    for i in range(7):
        make(ws, f"f{i}.txt", 1_600_000_000 + i)
    r = await GlobTool(max_results=3).run({"pattern": "*.txt"}, ctx)
    lines = r.content.splitlines()
    assert lines[:3] == [str(ws / f"f{i}.txt") for i in (6, 5, 4)]
    assert "showing the 3 newest of 7 matches" in r.content


async def test_errors(ctx: ToolContext, ws: Path) -> None:
    r = await GlobTool().run({"pattern": "*.py", "path": "missing"}, ctx)
    assert r.is_error and "Directory not found" in r.content
    make(ws, "file.txt")
    r = await GlobTool().run({"pattern": "*", "path": "file.txt"}, ctx)
    assert r.is_error and "not a directory" in r.content
    r = await GlobTool().run({"pattern": ""}, ctx)
    assert r.is_error


def test_risk(ctx: ToolContext, ws: Path) -> None:
    risk = GlobTool().risk({"pattern": "src/**/*.py"}, ctx)
    assert risk.kind == "read" and risk.read_only and risk.paths == (str(ws / "src"),)
    risk = GlobTool().risk({"pattern": "/etc/*.conf"}, ctx)
    assert risk.paths == ("/etc",)


async def test_a_file_named_for_a_function_points_to_grep(ctx: ToolContext, ws: Path) -> None:
    # Asked which file defines parse_date, the coder model globbed for parse_date.py and
    # answered "No files match".
    make(ws, "src/dates.py")
    r = await GlobTool().run({"pattern": "**/parse_date.py"}, ctx)
    assert "to find `parse_date` inside files, grep for it" in r.content
    r = await GlobTool().run({"pattern": "**/*.rs"}, ctx)
    assert "grep" not in r.content
