from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from wakeful.tools.base import ToolContext
from wakeful.tools.grep import GrepTool

# Without ripgrep (a developer machine) the rg backend is skipped; CI installs it and must
# run both, so there a missing rg fails.
HAVE_RG = shutil.which("rg") is not None or bool(os.environ.get("CI"))
BACKENDS = [
    pytest.param("rg", marks=pytest.mark.skipif(not HAVE_RG, reason="ripgrep not installed")),
    "python",
]


def grep_tool(backend: str, **kw: int) -> GrepTool:
    tool = GrepTool(use_rg=backend == "rg", **kw)
    assert (tool.rg is not None) == (backend == "rg")
    return tool


@pytest.fixture
def tree(ws: Path) -> Path:
    files = {
        "alpha.txt": "one\ntwo foo\nthree\nfour\nfive\nsix\nFOO seven\n",
        "src/app.py": "import os\n\ndef foo():\n    return 'foo'\n",
        "src/lib/util.py": "# nothing here\n",
        "src/lib/web.ts": "export const foo = 1;\n",
        ".hidden/conf.txt": "foo hidden\n",
        ".git/objects.txt": "foo in git\n",
        ".wakeful/state.txt": "foo in state\n",
    }
    for rel, text in files.items():
        p = ws / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    (ws / "blob.bin").write_bytes(b"foo\x00\x01\x02")
    return ws


@pytest.mark.skipif(not HAVE_RG, reason="ripgrep not installed (CI installs it)")
def test_ripgrep_is_installed() -> None:
    assert shutil.which("rg"), "install ripgrep (apt-get install -y ripgrep) to test the rg path"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_files_with_matches(backend: str, ctx: ToolContext, tree: Path) -> None:
    r = await grep_tool(backend).run({"pattern": "foo"}, ctx)
    assert not r.is_error and r.meta["backend"] == backend
    assert r.content.splitlines() == [
        ".hidden/conf.txt",
        "alpha.txt",
        "src/app.py",
        "src/lib/web.ts",
    ]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_count_and_case_insensitive(backend: str, ctx: ToolContext, tree: Path) -> None:
    tool = grep_tool(backend)
    r = await tool.run({"pattern": "foo", "output_mode": "count", "path": "alpha.txt"}, ctx)
    assert r.content == "alpha.txt:1"
    r = await tool.run(
        {"pattern": "foo", "output_mode": "count", "case_insensitive": True, "glob": "*.txt"},
        ctx,
    )
    assert r.content.splitlines() == [".hidden/conf.txt:1", "alpha.txt:2"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_content_with_context(backend: str, ctx: ToolContext, tree: Path) -> None:
    r = await grep_tool(backend).run(
        {
            "pattern": "foo",
            "output_mode": "content",
            "context": 1,
            "case_insensitive": True,
            "path": "alpha.txt",
        },
        ctx,
    )
    assert r.content.splitlines() == [
        "alpha.txt-1-one",
        "alpha.txt:2:two foo",
        "alpha.txt-3-three",
        "--",
        "alpha.txt-6-six",
        "alpha.txt:7:FOO seven",
    ]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_content_across_files_with_glob(backend: str, ctx: ToolContext, tree: Path) -> None:
    r = await grep_tool(backend).run(
        {"pattern": r"foo\b", "output_mode": "content", "glob": "src/**/*.{py,ts}"}, ctx
    )
    assert r.content.splitlines() == [
        "src/app.py:3:def foo():",
        "src/app.py:4:    return 'foo'",
        "src/lib/web.ts:1:export const foo = 1;",
    ]


async def test_backends_agree(ctx: ToolContext, tree: Path) -> None:
    for args in (
        {"pattern": "o", "output_mode": "content", "context": 2},
        {"pattern": "[a-z]+ foo", "output_mode": "count"},
        {"pattern": "^\\s+return", "output_mode": "content"},
        # Patterns whose meaning is line-local: the fallback's whole-text prefilter must
        # not change what they match.
        {"pattern": "\\Atwo", "output_mode": "content"},
        {"pattern": "foo\\s*$", "output_mode": "content"},
        {"pattern": "t[^x]*e$", "output_mode": "files_with_matches"},
    ):
        rg = await grep_tool("rg").run(args, ctx)
        py = await grep_tool("python").run(args, ctx)
        assert rg.meta["files"] > 0, args
        assert rg.content == py.content, args


@pytest.mark.parametrize("backend", BACKENDS)
async def test_no_match_and_bad_regex(backend: str, ctx: ToolContext, tree: Path) -> None:
    tool = grep_tool(backend)
    r = await tool.run({"pattern": "zzz_absent"}, ctx)
    assert not r.is_error and r.content.startswith("No matches for 'zzz_absent'")
    # A small model took "no matches" for "not set" and guessed: the message says what to try.
    assert "(ignoring case too). Search for a shorter pattern or another word" in r.content
    r = await tool.run({"pattern": "zzz_absent", "case_insensitive": True}, ctx)
    assert "ignoring case" not in r.content
    r = await tool.run({"pattern": "foo(", "output_mode": "content"}, ctx)
    assert r.is_error and "grep failed" in r.content
    r = await tool.run({"pattern": "zzz_absent", "path": "nowhere"}, ctx)
    assert not r.is_error and r.content.startswith("Path not found: nowhere. Searched . instead:")


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_search_of_a_missing_path_searches_its_nearest_folder(
    backend: str, ctx: ToolContext, tree: Path
) -> None:
    # Asked which file defines parse_date, the coder model searched an invented
    # src/main/java/com/example/MyClass.java, was told "Path not found", and made up an answer.
    # The search runs from the nearest folder that exists (inside the workspace), labelled.
    tool = grep_tool(backend)
    r = await tool.run({"pattern": "def foo", "path": "src/main/java/Foo.java"}, ctx)
    assert not r.is_error
    assert r.content.startswith("Path not found: src/main/java/Foo.java. Searched src instead:")
    assert r.content.endswith("\nsrc/app.py")
    # Outside the workspace nothing is searched in its place.
    r = await tool.run({"pattern": "foo", "path": "/nonexistent-dir/x.py"}, ctx)
    assert r.is_error and "Path not found" in r.content


async def test_rg_falls_back_for_lookaround(ctx: ToolContext, tree: Path) -> None:
    r = await grep_tool("rg").run({"pattern": "(?<=two )foo", "output_mode": "content"}, ctx)
    assert not r.is_error and r.meta["backend"] == "python"
    assert r.content == "alpha.txt:2:two foo"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_output_is_capped(backend: str, ctx: ToolContext, ws: Path) -> None:
    (ws / "many.txt").write_text("".join(f"match number {i}\n" for i in range(500)))
    r = await grep_tool(backend, output_cap=300).run(
        {"pattern": "match", "output_mode": "content"}, ctx
    )
    assert len(r.content) < 500
    assert r.content.startswith("many.txt:1:match number 0\n")
    assert "[results truncated" in r.content


@pytest.mark.parametrize("backend", BACKENDS)
async def test_long_lines_are_clipped(backend: str, ctx: ToolContext, ws: Path) -> None:
    (ws / "min.js").write_text("foo" + "x" * 3000 + "\n")
    r = await grep_tool(backend).run({"pattern": "foo", "output_mode": "content"}, ctx)
    assert r.content.startswith("min.js:1:foo") and "[line truncated: 2503 more chars]" in r.content


async def test_argument_errors(ctx: ToolContext) -> None:
    tool = GrepTool()
    r = await tool.run({"pattern": "x", "output_mode": "lines"}, ctx)
    assert r.is_error and "output_mode" in r.content
    r = await tool.run({"pattern": ""}, ctx)
    assert r.is_error


def test_risk(ctx: ToolContext, ws: Path) -> None:
    risk = GrepTool().risk({"pattern": "x", "path": "src"}, ctx)
    assert risk.kind == "read" and risk.read_only and risk.paths == (str(ws / "src"),)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_no_match_shows_what_a_relaxed_search_finds(
    backend: str, ctx: ToolContext, tree: Path
) -> None:
    """A small model searched config.py for "timeout" (the file says TIMEOUT_SECONDS) and for
    parse_date with glob "src/**/*.php"; told only "no matches" it retried the same search
    with case_insensitive and then gave up. The no-match result now shows what the search
    finds ignoring case and without the glob, labelled as such."""
    tool = grep_tool(backend)
    r = await tool.run({"pattern": "seven", "path": "alpha.txt", "output_mode": "content"}, ctx)
    assert r.content == "alpha.txt:7:FOO seven"  # a plain match is unchanged
    r = await tool.run({"pattern": "foo seven", "path": "alpha.txt", "output_mode": "content"}, ctx)
    assert not r.is_error and r.meta["files"] == 0
    assert r.content.startswith("No matches for 'foo seven'")
    assert "Ignoring case, it matches:\nalpha.txt:7:FOO seven" in r.content
    r = await tool.run({"pattern": "def foo", "glob": "src/**/*.php"}, ctx)
    assert "Without the glob, it matches:\nsrc/app.py" in r.content
    r = await tool.run({"pattern": "DEF FOO", "glob": "*.php", "output_mode": "content"}, ctx)
    assert "Ignoring case and without the glob, it matches:\nsrc/app.py:3:def foo():" in r.content


@pytest.mark.parametrize("backend", BACKENDS)
async def test_no_match_in_a_small_file_shows_the_file(
    backend: str, ctx: ToolContext, tree: Path
) -> None:
    """Asked how many functions utils.py defines, a small model grepped it for
    "def count_functions_in_utils_py" and answered from "no matches". A search of one small
    file that finds nothing shows the file (as `read` would, so it may be edited next)."""
    tool = grep_tool(backend)
    r = await tool.run({"pattern": "def nothing_like_this", "path": "src/app.py"}, ctx)
    assert not r.is_error and r.meta["files"] == 0
    assert "No line of src/app.py matches 'def nothing_like_this'" in r.content
    assert "1\timport os\n     2\t\n     3\tdef foo():\n     4\t    return 'foo'" in r.content
    assert str(ctx.resolve("src/app.py")) in ctx.read_stamps
    # A directory that has no match anywhere: the next step is named, nothing is shown.
    r = await tool.run({"pattern": "zzz_absent", "path": "src", "case_insensitive": True}, ctx)
    assert r.content.startswith("No matches for 'zzz_absent'")
    assert "glob" in r.content and "\t" not in r.content
