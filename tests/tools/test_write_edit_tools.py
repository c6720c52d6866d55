from __future__ import annotations

import os
from pathlib import Path

from wakeful.tools.base import ToolContext
from wakeful.tools.edit import EditTool
from wakeful.tools.read import ReadTool
from wakeful.tools.write import WriteTool


def touch_later(path: Path, text: str) -> None:
    """Change a file behind the tools' back, with an mtime that surely differs."""
    st = os.stat(path)
    path.write_text(text)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


async def read(ctx: ToolContext, path: str) -> None:
    r = await ReadTool().run({"path": path}, ctx)
    assert not r.is_error, r.content


# ------------------------------------------------------------------ write


async def test_write_creates_file_and_parents(ctx: ToolContext, ws: Path) -> None:
    r = await WriteTool().run({"path": "deep/er/new.txt", "content": "one\ntwo\n"}, ctx)
    target = ws / "deep/er/new.txt"
    assert not r.is_error
    assert r.content.startswith(f"Created {target} (2 lines")
    assert target.read_text() == "one\ntwo\n"
    st = os.stat(target)
    assert ctx.read_stamps[str(target)] == (st.st_mtime_ns, st.st_size)
    assert ctx.recent_files == [str(target)]


async def test_write_refuses_existing_file_not_read(ctx: ToolContext, ws: Path) -> None:
    (ws / "keep.txt").write_text("precious\n")
    r = await WriteTool().run({"path": "keep.txt", "content": "gone"}, ctx)
    assert r.is_error and "Read it first" in r.content
    assert (ws / "keep.txt").read_text() == "precious\n"


async def test_write_after_read_then_refuses_when_changed(ctx: ToolContext, ws: Path) -> None:
    f = ws / "f.txt"
    f.write_text("v1\n")
    await read(ctx, "f.txt")
    r = await WriteTool().run({"path": "f.txt", "content": "v2\n"}, ctx)
    assert not r.is_error and r.content.startswith("Updated")
    # Our own write refreshed the stamp, so a second write needs no new read.
    r = await WriteTool().run({"path": "f.txt", "content": "v3\n"}, ctx)
    assert not r.is_error
    touch_later(f, "someone else\n")
    r = await WriteTool().run({"path": "f.txt", "content": "v4\n"}, ctx)
    assert r.is_error and "changed since you last read it" in r.content
    assert f.read_text() == "someone else\n"


async def test_write_refuses_directory_and_bad_args(ctx: ToolContext, ws: Path) -> None:
    (ws / "d").mkdir()
    ctx.read_stamps[str(ws / "d")] = (0, 0)
    r = await WriteTool().run({"path": "d", "content": "x"}, ctx)
    assert r.is_error and "not a regular file" in r.content
    r = await WriteTool().run({"path": "x.txt"}, ctx)
    assert r.is_error and "`content`" in r.content


def test_write_risk(ctx: ToolContext, ws: Path) -> None:
    risk = WriteTool().risk({"path": "a/b.txt", "content": ""}, ctx)
    assert risk.kind == "write" and not risk.read_only
    assert risk.paths == (str(ws / "a/b.txt"),)


# ------------------------------------------------------------------ edit


SOURCE = "def f():\n    return 1\n\n\ndef g():\n    return 1\n"


async def test_edit_replaces_unique_text_and_shows_snippet(ctx: ToolContext, ws: Path) -> None:
    f = ws / "m.py"
    f.write_text(SOURCE)
    await read(ctx, "m.py")
    r = await EditTool().run(
        {
            "path": "m.py",
            "old_string": "def g():\n    return 1",
            "new_string": "def g():\n    return 2",
        },
        ctx,
    )
    assert not r.is_error, r.content
    assert f.read_text() == SOURCE.replace("def g():\n    return 1", "def g():\n    return 2")
    assert "line 5" in r.content
    assert "     6\t    return 2" in r.content
    st = os.stat(f)
    assert ctx.read_stamps[str(f)] == (st.st_mtime_ns, st.st_size)
    # Stamps were refreshed: a follow-up edit needs no new read.
    r = await EditTool().run({"path": "m.py", "old_string": "def f", "new_string": "def h"}, ctx)
    assert not r.is_error
    assert f.read_text().startswith("def h():")


async def test_edit_requires_unique_match_unless_replace_all(ctx: ToolContext, ws: Path) -> None:
    f = ws / "m.py"
    f.write_text(SOURCE)
    await read(ctx, "m.py")
    args = {"path": "m.py", "old_string": "return 1", "new_string": "return 0"}
    r = await EditTool().run(args, ctx)
    assert r.is_error
    assert "occurs 2 times" in r.content and "lines 2, 6" in r.content
    assert f.read_text() == SOURCE
    r = await EditTool().run({**args, "replace_all": True}, ctx)
    assert not r.is_error and "Replaced 2 occurrences" in r.content
    assert f.read_text().count("return 0") == 2
    assert r.meta["replacements"] == 2


async def test_edit_refuses_unread_and_stale_files(ctx: ToolContext, ws: Path) -> None:
    f = ws / "m.py"
    f.write_text(SOURCE)
    args = {"path": "m.py", "old_string": "def f", "new_string": "def k"}
    r = await EditTool().run(args, ctx)
    assert r.is_error and "not been read" in r.content
    await read(ctx, "m.py")
    touch_later(f, SOURCE + "# appended elsewhere\n")
    r = await EditTool().run(args, ctx)
    assert r.is_error and "changed since you last read it" in r.content
    assert "def f" in f.read_text()
    await read(ctx, "m.py")
    r = await EditTool().run(args, ctx)
    assert not r.is_error


async def test_edit_error_cases(ctx: ToolContext, ws: Path) -> None:
    f = ws / "m.py"
    f.write_text(SOURCE)
    await read(ctx, "m.py")
    tool = EditTool()
    r = await tool.run({"path": "m.py", "old_string": "x", "new_string": "x"}, ctx)
    assert r.is_error and "identical, so nothing was changed: write the corrected" in r.content
    r = await tool.run({"path": "m.py", "old_string": "", "new_string": "x"}, ctx)
    assert r.is_error and "empty" in r.content
    r = await tool.run({"path": "m.py", "old_string": "nowhere", "new_string": "x"}, ctx)
    assert r.is_error and "not found" in r.content
    r = await tool.run({"path": "m.py", "old_string": "def  f():", "new_string": "x"}, ctx)
    assert r.is_error and "different whitespace" in r.content
    r = await tool.run(
        {"path": "m.py", "old_string": "     2\t    return 1", "new_string": "x"}, ctx
    )
    assert r.is_error and "line-number prefixes" in r.content
    r = await tool.run({"path": "nope.py", "old_string": "a", "new_string": "b"}, ctx)
    assert r.is_error and "File not found" in r.content
    assert f.read_text() == SOURCE


async def test_edit_matches_crlf_files(ctx: ToolContext, ws: Path) -> None:
    f = ws / "w.txt"
    f.write_bytes(b"one\r\ntwo\r\nthree\r\n")
    await read(ctx, "w.txt")
    r = await EditTool().run({"path": "w.txt", "old_string": "one\ntwo", "new_string": "1\n2"}, ctx)
    assert not r.is_error, r.content
    assert f.read_bytes() == b"1\r\n2\r\nthree\r\n"


async def test_edit_refuses_binary(ctx: ToolContext, ws: Path) -> None:
    f = ws / "b.bin"
    f.write_bytes(b"abc\x00def")
    st = os.stat(f)
    ctx.read_stamps[str(f)] = (st.st_mtime_ns, st.st_size)
    r = await EditTool().run({"path": "b.bin", "old_string": "abc", "new_string": "x"}, ctx)
    assert r.is_error and "binary" in r.content


def test_edit_risk(ctx: ToolContext, ws: Path) -> None:
    risk = EditTool().risk({"path": "/etc/hosts", "old_string": "a", "new_string": "b"}, ctx)
    assert risk.kind == "write" and risk.paths == ("/etc/hosts",)


async def test_edit_not_found_shows_the_nearest_lines(ctx: ToolContext, ws: Path) -> None:
    # A small model misremembers the text it read ("return a + b" where the file says
    # "return a - b"), and "read the file again" costs it a turn and often the same mistake.
    # The error shows the file's closest lines, numbered, to copy from.
    f = ws / "calc.py"
    f.write_text(
        "import math\n\n\ndef add(a, b):\n    return a - b\n\n\ndef half(x):\n    return x / 2\n"
    )
    await read(ctx, "calc.py")
    r = await EditTool().run(
        {"path": "calc.py", "old_string": "    return a + c", "new_string": "    return a + b"},
        ctx,
    )
    assert r.is_error and "not found" in r.content
    assert "closest text in the file (line 5):\n    return a - b" in r.content
    two = {"path": "calc.py", "old_string": "def add(a, b)\n    return a-b", "new_string": "x"}
    r = await EditTool().run(two, ctx)
    assert "closest text in the file (lines 4-5):\ndef add(a, b):\n    return a - b" in r.content
    # Nothing alike: no lines are offered.
    r = await EditTool().run({"path": "calc.py", "old_string": "zzzz", "new_string": "y"}, ctx)
    assert "closest" not in r.content


async def test_editing_a_small_unread_file_is_refused_with_the_file_shown(
    ctx: ToolContext, ws: Path
) -> None:
    # Qwen2.5-Coder-1.5B edited calc.py without reading it, was told to read it first, and
    # answered "I read the file and found it unchanged." The refusal now shows the file as
    # `read` does (and counts as its read), so the next edit can be made from what is there.
    f = ws / "calc.py"
    f.write_text("def add(a, b):\n    return a - b\n")
    args = {"path": "calc.py", "old_string": "a - b", "new_string": "a + b"}
    r = await EditTool().run(args, ctx)
    assert r.is_error and "has not been read in this session" in r.content
    assert "     1\tdef add(a, b):\n     2\t    return a - b" in r.content
    assert f.read_text() == "def add(a, b):\n    return a - b\n"  # this call changed nothing
    r = await EditTool().run(args, ctx)
    assert not r.is_error and f.read_text() == "def add(a, b):\n    return a + b\n"
    # A file too big to show is refused as before: read it first.
    big = ws / "big.py"
    big.write_text("x = 1\n" * 200)
    r = await EditTool().run({"path": "big.py", "old_string": "x = 1", "new_string": "y"}, ctx)
    assert r.is_error and "\t" not in r.content
    assert str(big) not in ctx.read_stamps


async def test_edit_matches_old_string_whose_quotes_differ(ctx: ToolContext, ws: Path) -> None:
    # Qwen2.5-Coder-1.5B wrote 'hello ' for a file that says "hello " and, shown the closest
    # text, sent the same edit again until its task ended: the edit applies where the text
    # differs only in quotes, and the file keeps its own quotes.
    app = ws / "app.py"
    app.write_text('def greet(name):\n    return "hello " + nme\n')
    await read(ctx, "app.py")
    r = await EditTool().run(
        {
            "path": "app.py",
            "old_string": "    return 'hello ' + nme",
            "new_string": "    return 'hello ' + name",
        },
        ctx,
    )
    assert not r.is_error, r.content
    assert "other quote characters" in r.content
    assert app.read_text() == 'def greet(name):\n    return "hello " + name\n'
    # A JSON key written without its quotes.
    conf = ws / "config.json"
    conf.write_text('{\n  "name": "svc",\n  "debug": true\n}\n')
    await read(ctx, "config.json")
    r = await EditTool().run(
        {"path": "config.json", "old_string": "debug: true", "new_string": "debug: false"}, ctx
    )
    assert not r.is_error, r.content
    assert conf.read_text() == '{\n  "name": "svc",\n  "debug": false\n}\n'
    # New text the model adds keeps its own characters (an apostrophe stays one).
    r = await EditTool().run(
        {
            "path": "app.py",
            "old_string": "    return 'hello ' + name",
            "new_string": "    # it's fine\n    return 'hello ' + name",
        },
        ctx,
    )
    assert not r.is_error, r.content
    assert app.read_text() == 'def greet(name):\n    # it\'s fine\n    return "hello " + name\n'


async def test_a_loose_match_must_be_unique(ctx: ToolContext, ws: Path) -> None:
    f = ws / "two.py"
    f.write_text('a = "x"\nb = "x"\nc = \'x\'\n')
    await read(ctx, "two.py")
    r = await EditTool().run({"path": "two.py", "old_string": "= `x`", "new_string": "= 1"}, ctx)
    assert r.is_error and "not found" in r.content
    assert f.read_text() == 'a = "x"\nb = "x"\nc = \'x\'\n'
    # Quotes are set aside, nothing else: other words are still not found.
    r = await EditTool().run({"path": "two.py", "old_string": "d = 'x'", "new_string": "1"}, ctx)
    assert r.is_error and "not found" in r.content


async def test_an_edit_that_renames_names_the_files_still_using_the_old_name(
    ctx: ToolContext, ws: Path
) -> None:
    # Renaming calc in shop.py, the coder model answered "renamed everywhere" with main.py
    # still importing calc: the edit's result names the files that still use it.
    (ws / "shop.py").write_text("def calc(prices):\n    return sum(prices)\n")
    (ws / "main.py").write_text("from shop import calc\n\nprint(calc([1, 2, 3]))\n")
    (ws / "notes.txt").write_text("calculator\n")
    await read(ctx, "shop.py")
    r = await EditTool().run(
        {"path": "shop.py", "old_string": "def calc(", "new_string": "def compute_total("}, ctx
    )
    assert not r.is_error, r.content
    assert r.content.endswith(
        "\ncalc is still used in:\nmain.py:1:from shop import calc\nmain.py:3:print(calc([1, 2, 3]))"
    ), r.content
    # Renamed on one line of a file, the name left on another line of it is shown too.
    await read(ctx, "main.py")
    r = await EditTool().run(
        {"path": "main.py", "old_string": "print(calc(", "new_string": "print(compute_total("},
        ctx,
    )
    assert r.content.endswith("\ncalc is still used in:\nmain.py:1:from shop import calc")
    # Taken out, not renamed: nothing is added.
    r = await EditTool().run(
        {"path": "main.py", "old_string": "from shop import calc\n", "new_string": ""}, ctx
    )
    assert "still used" not in r.content


async def test_an_edit_of_a_file_that_does_not_exist_points_to_write(
    ctx: ToolContext, ws: Path
) -> None:
    # Asked to create strings_util.py, the coder model sent an edit of the file that did not
    # exist; told "Use glob to find the right path", it searched for it until it timed out.
    r = await EditTool().run(
        {"path": "strings_util.py", "old_string": "# head", "new_string": "# head\nx = 1"}, ctx
    )
    assert r.is_error and "File not found" in r.content
    assert "To create it, call write" in r.content and "glob to find the right" not in r.content
    assert not (ws / "strings_util.py").exists()
    # Told "if it exists elsewhere, find it with glob", the model globbed and grepped for the
    # file (and its function) four times before writing it: the tool looks, and says.
    assert "no file of that name exists in the workspace" in r.content and "glob" not in r.content
    (ws / "lib").mkdir()
    (ws / "lib/strings_util.py").write_text("x = 1\n")
    r = await EditTool().run({"path": "strings_util.py", "old_string": "a", "new_string": "b"}, ctx)
    assert r.is_error and "lib/strings_util.py" in r.content and "call write" in r.content
    (ws / "lib/strings_util.py").unlink()
    # A file with a name like it: the likelier mistake is the path, named first.
    (ws / "string_util.py").write_text("x = 1\n")
    r = await EditTool().run({"path": "strings_util.py", "old_string": "a", "new_string": "b"}, ctx)
    assert r.is_error and "Did you mean" in r.content and "call write" in r.content


async def test_a_write_that_drops_a_definition_says_so(ctx: ToolContext, ws: Path) -> None:
    # Fixing mean() in a file that also defined add(), the coder model wrote the file back
    # with mean alone and answered "The test passed."
    f = ws / "mathx.py"
    f.write_text(
        "def add(a, b):\n    return a + b\n\n\nclass Box:\n    pass\n\n\ndef mean(xs):\n    return 0\n"
    )
    await read(ctx, "mathx.py")
    r = await WriteTool().run({"path": "mathx.py", "content": "def mean(xs):\n    return 1\n"}, ctx)
    assert not r.is_error
    assert "Dropped by this write (defined before, not now): add, Box." in r.content
    # Keeping them (in any order, with changes) is no note.
    r = await WriteTool().run(
        {"path": "mathx.py", "content": "class Box:\n    pass\n\n\ndef mean(xs):\n    return 2\n"},
        ctx,
    )
    assert not r.is_error and "Dropped" not in r.content


async def test_an_old_string_that_is_in_another_file_says_which(ctx: ToolContext, ws: Path) -> None:
    # After bare `pytest` failed on `from mathx import add, mean` (a line of the test file),
    # the coder model edited mathx.py for that line, was told "Read the file again and copy
    # the text exactly", read it, and sent the same edit again, four times until it timed out.
    (ws / "mathx.py").write_text("def add(a, b):\n    return a + b\n")
    (ws / "tests").mkdir()
    (ws / "tests/test_mathx.py").write_text("from mathx import add, mean\n\n\ndef test(): pass\n")
    await ReadTool().run({"path": "mathx.py"}, ctx)
    r = await EditTool().run(
        {
            "path": "mathx.py",
            "old_string": "from mathx import add, mean",
            "new_string": "from math import add, mean",
        },
        ctx,
    )
    assert r.is_error and "old_string not found" in r.content
    assert "It is in tests/test_mathx.py (line 1), a different file" in r.content, r.content
    # ... and the file edited is shown as it is, instead of "read the file again".
    assert "def add(a, b):" in r.content and "Read the file again" not in r.content
    assert (ws / "tests/test_mathx.py").read_text().startswith("from mathx import add, mean")


async def test_a_name_renamed_to_a_longer_one_that_contains_it_is_still_followed(
    ctx: ToolContext, ws: Path
) -> None:
    # main.py imported greet, helpers.py defines greet_user: the coder model fixed the import
    # line alone and answered; `greet` is inside `greet_user`, so the rename went unnoticed.
    (ws / "main.py").write_text("from helpers import greet\n\nprint(greet('ann'))\n")
    await ReadTool().run({"path": "main.py"}, ctx)
    r = await EditTool().run(
        {
            "path": "main.py",
            "old_string": "from helpers import greet",
            "new_string": "from helpers import greet_user",
        },
        ctx,
    )
    assert not r.is_error
    assert r.content.endswith("\ngreet is still used in:\nmain.py:3:print(greet('ann'))"), r.content
