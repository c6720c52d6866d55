"""The classifier's fast paths decide exactly as the slow ones they replace.

The corpus tests run in a workspace that does not exist, so they never reach the file system
branches; these run in a real one. A path's place is looked up on every command (never
cached): a link or hard link made between two commands changes the next verdict. The
workspace root is resolved once per directory, and again when its path leads elsewhere.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from pathlib import Path

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from wakeful.policy import path_risk, program_rules, programs, shell, shell_parse
from wakeful.policy.programs import dispatch, entries
from wakeful.policy.shell import classify_command
from wakeful.policy.types import Tier

ROOT = Path(__file__).resolve().parents[2]


def _corpus_commands() -> list[str]:
    commands: list[str] = []
    for path in sorted((ROOT / "corpora").glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                commands.append(line.split("\t", 1)[1])
    return commands


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("key\n")
    ws = home / "proj"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "app.py").write_text("print(1)\n")
    return ws, home


def test_a_link_made_between_two_commands_changes_the_next_verdict(
    workspace: tuple[Path, Path],
) -> None:
    ws, home = workspace
    before = classify_command("echo hi > out/notes.txt", ws, home)
    assert before.tier == Tier.WORKSPACE
    (ws / "out").symlink_to(home / ".ssh")
    after = classify_command("echo hi > out/notes.txt", ws, home)
    assert after.tier == Tier.CRITICAL, after.reasons
    assert "credentials" in after.reasons[0]
    # A link below a directory that exists, two levels down, is found as well.
    assert classify_command("cat src/deep/keys/config", ws, home).tier == Tier.READ_ONLY
    (ws / "src" / "deep").mkdir()
    (ws / "src" / "deep" / "keys").symlink_to(home / ".ssh")
    assert classify_command("cat src/deep/keys/config", ws, home).tier == Tier.CRITICAL


def test_a_hard_link_made_between_two_commands_changes_the_next_verdict(
    workspace: tuple[Path, Path],
) -> None:
    ws, home = workspace
    assert classify_command("echo x > src/app.py", ws, home).tier == Tier.WORKSPACE
    os.link(ws / "src" / "app.py", home / "elsewhere.py")
    after = classify_command("echo x > src/app.py", ws, home)
    assert after.tier == Tier.HIGH
    assert "hard links" in after.reasons[0]


def test_a_missing_path_below_the_workspace_is_a_workspace_path(
    workspace: tuple[Path, Path],
) -> None:
    ws, home = workspace
    result = classify_command("echo x > no/such/dir/file.txt", ws, home)
    assert result.tier == Tier.WORKSPACE
    assert f"{ws}/no/such/dir/file.txt" in result.reasons[0]


def test_the_workspace_root_is_resolved_again_when_its_path_leads_elsewhere(
    tmp_path: Path,
) -> None:
    first, second, home = tmp_path / "first", tmp_path / "second", tmp_path / "home"
    for directory in (first, second, home):
        directory.mkdir()
    link = tmp_path / "ws"
    link.symlink_to(first)
    assert f"{first}/f" in classify_command("echo x > f", link, home).reasons[0]
    link.unlink()
    link.symlink_to(second)
    assert f"{second}/f" in classify_command("echo x > f", link, home).reasons[0]


def _nodes(tree_root: object) -> list[object]:
    stack, found = [tree_root], []
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.children)  # type: ignore[attr-defined]
    return found


@pytest.mark.parametrize(
    "extra",
    [
        "echo héllo > café.txt",
        "printf '\\u00e9' | grep é",
        "echo \udcff",  # a lone surrogate, as from a file name that is not UTF-8
        "cat 'a\udc80b' \U0001f600",
    ],
)
def test_node_text_and_kind_read_as_tree_sitter_reads_them(extra: str) -> None:
    """The walker slices text from the source and names kinds from a table read once;
    both agree with `node.text` and `node.type` on every node of every corpus command."""
    for command in [extra, *_corpus_commands()[:400]]:
        source = shell_parse._ASTRAL.sub("\ufffd", command)
        raw = source.encode("utf-8", "surrogateescape")
        walker = shell_parse._Walker(source, raw)
        tree = shell_parse._parser().parse(raw)
        for node in _nodes(tree.root_node):
            assert walker.kinds[node.kind_id] == node.type  # type: ignore[attr-defined]
            text = node.text  # type: ignore[attr-defined]
            assert walker.text(node) == text.decode("utf-8", "replace")  # type: ignore[arg-type]
            try:
                expected = text.decode()
            except UnicodeDecodeError:
                with pytest.raises(UnicodeDecodeError):
                    walker.strict_text(node)  # type: ignore[arg-type]
            else:
                assert walker.strict_text(node) == expected  # type: ignore[arg-type]


_PARTS = st.sampled_from(
    ["", "home", "dev", ".ssh", ".config", "gh", "etc", "cron.d", "tmp", "x", ".wakeful", "a"]
)


@given(st.lists(_PARTS, max_size=5), st.booleans())
@example([".wakeful", "tmp", "x"], False)
@example(["home", "dev", ".config", "gh", "x"], True)
@example(["etc", "cron.d"], True)
def test_prefix_sets_answer_as_a_scan_of_every_prefix(parts: list[str], absolute: bool) -> None:
    path = ("/" if absolute else "") + "/".join(parts)
    for bases in (
        path_risk._home_bases("/home/dev")[0],
        path_risk._home_bases("/home/dev")[1],
        path_risk._SYSTEM_BASES,
        path_risk._SYSTEM_PERSIST_BASES,
        path_risk._SCRATCH_BASES,
        path_risk._PROTECTED_BASES,
        path_risk._PROTECTED_EXCEPT_BASES,
        path_risk._Bases(["/"]),
    ):
        expected = path in bases.exact or path.startswith(bases.prefixes)
        assert bases.holds(path) == expected, (path, bases.prefixes)


_NAME_PARTS = st.sampled_from(
    [".env", ".example", ".local", "id_rsa", ".pub", "x", ".pem", "secrets", ".yaml", "*", "."]
)


@given(st.lists(_NAME_PARTS, min_size=1, max_size=4))
@example([".env", ".example"])
@example(["id_rsa", ".pub"])
def test_one_regex_names_secrets_as_the_two_did(parts: list[str]) -> None:
    name = "".join(parts)
    if path_risk._NOT_SECRET_RE.match(name):
        expected: bool | None = False
    elif path_risk._SECRET_NAME_RE.match(name):
        expected = True
    else:
        expected = None
    verdict = path_risk._NAME_VERDICT.match(name)
    assert (None if verdict is None else verdict.group("plain") is None) == expected


# Words of every shape near the plain-word fast path's edge: keywords, lone operators and
# the characters tree-sitter reads differently at the start of a command or of a word.
_FIRST = st.text("aZ9_./-", min_size=1, max_size=6)
_QUOTED = st.builds(
    lambda quote, body: quote + body + quote,
    st.sampled_from(["'", '"']),
    st.text("aZ9 _./:,+~^*%@=-#;|&<>()[]?'\"$`\\!{}\t\n\x00\x01\x1b\x7f\xa0\u3000", max_size=5),
)
_WORD = st.one_of(
    st.text("aZz09_./:,+~^*%@=-", min_size=1, max_size=6),
    st.lists(
        st.one_of(st.text("aZz09_./:,+~^*%@=-", min_size=1, max_size=3), _QUOTED),
        min_size=1,
        max_size=3,
    ).map("".join),
    st.sampled_from(
        sorted(shell_parse._NOT_A_NAME)
        + ["[[", "]]", "{", "}", "--", "-", "~", "=", "a=b", "==", "=x", "@", "%", "+", "99+"]
        + ["0a+:", "a%b", "1", "10", "*", "^"]
        # whole words the list scanner takes (`find -exec rm {} \;`), and their near misses
        + ["{}", "\\;", "{}x", "x{}", "{}{}", "\\;;", "\\", "{ }", "';'", "\\;\\;", "{};"]
    ),
)
# Assignments before a command's name (`CI=1 npm test`), and words that look like them.
_ASSIGN = st.builds(
    lambda name, value: f"{name}={value}",
    st.sampled_from(["A", "_", "__", "_a", "a_", "a1", "PATH", "1A", "A-B", "A+", "A[0]"]),
    st.one_of(st.just(""), _WORD),
)


@given(
    st.one_of(_FIRST, _WORD),
    st.lists(_WORD, max_size=5),
    st.sampled_from([" ", "  "]),
    st.booleans(),
)
@example("-", ["a=b"], " ", False)
@example("a", ["=="], " ", False)
@example("99+", ["x"], " ", False)
@example("ls", ["-la", "src/"], " ", True)
@example("time", ["ls"], " ", False)
@example("echo", ['" "'], " ", False)
@example("git", ["commit", "-m", '"fix the parser"'], " ", False)
@example("echo", ['x" a"', "''", "'a b'\"c\""], " ", True)
@example("echo", ["'\x00'"], " ", False)
@example("rm", ["-rf", '"x\x00"'], " ", False)
@example("awk", ["'{print $1}'", "a.txt"], " ", False)
@example("grep", ['"def "', '" a b "', '"  "', 'x" "'], " ", False)
@example("echo", ["x'{a,b}'\"{1..3}\"", "'{'\"}\""], " ", False)
@example("ls", ["=x", "a=b"], "  ", True)
def test_plain_commands_parse_as_tree_sitter_parses_them(
    first: str, rest: list[str], gap: str, padded: bool
) -> None:
    source = gap.join([first, *rest])
    if padded:
        source = f" {source} "
    parsed = shell_parse.parse_tree(source, "/w", "/h")
    assert shell_parse.parse_script(source, "/w", "/h") == parsed, source
    if "'" not in source and '"' not in source:
        # (the unquoted pattern leaves arguments starting with `=` to the check beside it)
        unquoted = shell_parse._PLAIN_UNQUOTED.fullmatch(source) and " =" not in source
        assert (not unquoted) == (shell_parse._PLAIN.fullmatch(source) is None), source
    if shell_parse._PLAIN.fullmatch(source):
        fast = shell_parse._plain_script(source, "/w")
        assert fast is None or fast == parsed, source


@pytest.mark.parametrize("command", ["rm -rf 'x\x00'", 'echo "a\x00b"', "echo '\x00' x"])
def test_a_nul_byte_in_quotes_gets_the_parsers_verdict(
    command: str, workspace: tuple[Path, Path]
) -> None:
    """No shell passes a NUL byte on: the parser refuses such a command, and the plain-word
    path must not judge it as the words around the NUL."""
    ws, home = workspace
    verdict = classify_command(command, ws, home)
    assert verdict.tier == Tier.HIGH, verdict.reasons


def test_common_commands_take_the_plain_word_path() -> None:
    for source in (
        "git status",
        'git commit -m "fix the parser"',
        "grep -rn 'TODO' src",
        "awk '{print $2}' data.txt",
        'jq "{name: .name}" package.json',
        'grep -n "def " src/app.py',
    ):
        assert shell_parse._PLAIN.fullmatch(source)
        assert shell_parse._plain_script(source, "/w") == shell_parse.parse_tree(source, "/w", "/h")


def test_words_from_the_scanners_hold_every_field_as_their_constructor_would_set_it() -> None:
    """The scanners make Words without calling Word's __init__: a field added to Word later
    must be set there too."""
    assert [f.name for f in dataclasses.fields(shell_parse.Word)] == [
        "value",
        "text",
        "split",
        "fd",
        "prefix",
        "fed",
        "decoded",
        "listed",
        "holds",
    ]
    made = shell_parse._plain_words(["ls", "'a b'", 'x"y"z', "-la"], True)
    assert made == [
        shell_parse.Word("ls", "ls"),
        shell_parse.Word("a b", "'a b'"),
        shell_parse.Word("xyz", 'x"y"z'),
        shell_parse.Word("-la", "-la"),
    ]
    assert shell_parse._plain_words(["a"], False) == [shell_parse.Word("a", "a")]
    # and SimpleCommands too
    assert [f.name for f in dataclasses.fields(shell_parse.SimpleCommand)] == [
        "argv",
        "assigns",
        "redirects",
        "cwd",
        "text",
        "context",
        "upstream",
    ]
    ls = shell_parse.SimpleCommand([shell_parse.Word("ls", "ls")], [], [], "/w", "ls", "", [])
    assert shell_parse._plain_command(" ls ", "/w", False) == [ls]
    assert shell_parse._plain_list_commands("ls", "/w", "/h") == [ls]
    # the single unquoted command written out in plain_commands, and the parser's walk
    assert shell_parse.plain_commands(" ls ", "/w", "/h") == [ls]
    walked = shell_parse.parse_tree("ls $x", "/w", "/h").commands[0]
    assert walked.argv[0] == shell_parse.Word("ls", "ls")
    assert walked == shell_parse.SimpleCommand(
        [walked.argv[0], walked.argv[1]], [], [], "/w", "ls $x", "", []
    )


def test_invocations_hold_every_field_as_their_constructor_would_set_them() -> None:
    """The dispatch makes an Invocation for every command without calling its __init__: a
    field added to Invocation later must be set there too."""
    from wakeful.policy.shell import Invocation

    assert [(f.name, f.default) for f in dataclasses.fields(Invocation)] == [
        ("forms", dataclasses.MISSING),
        ("leaf", True),
    ]
    got = classify_command("nice git -C . push && ls", Path("/w"), Path("/h"))
    argvs = [inv.forms[0] for inv in got.invocations]
    assert [(inv.forms, inv.leaf) for inv in got.invocations] == [
        (Invocation([argvs[0]]).forms, False),
        ([argvs[1], got.invocations[1].forms[1]], True),
        (Invocation([argvs[2]]).forms, True),
    ]
    assert got.commands == ("nice git -C . push", "git -C . push", "git push", "ls")


def test_a_verdict_holds_every_field_as_its_constructor_would_set_it() -> None:
    """classify_command fills a Classification without calling its __init__: a field added
    later must be filled there too."""
    import dataclasses

    from wakeful.policy.shell import Classification

    got = classify_command("git -C . push origin main && ls src", Path("/w"), Path("/h"))
    names = {f.name for f in dataclasses.fields(Classification)}
    assert names <= set(vars(got)), names - set(vars(got))
    assert dataclasses.replace(got) == got
    assert got.commands == ("git -C . push origin main", "git push origin main", "ls src")


_DIRS = st.sampled_from(
    ["home", "dev", "proj", ".ssh", ".config", "autostart", "etc", "proc", "null", "src", ".git"]
    + ["hooks", ".env", "id_rsa", "tmp", "x", "cron.d", "systemd", "root", "usr", "bin", "fd"]
    + ["fish", ".local", "share", "Library", "LaunchAgents", ".bashrc", "kcore", "environ"]
)


@given(
    st.lists(_DIRS, max_size=3),
    st.lists(_DIRS, max_size=3),
    st.lists(_DIRS, max_size=3),
)
@example(["home", "dev"], ["proj"], ["home", "dev"])
@example(["home", "dev"], [".ssh", "id_rsa"], ["home"])
@example(["dev"], ["null"], ["home", "dev"])
@example(["home", "dev", ".config"], ["autostart", "x"], ["home", "dev"])
@example([], ["etc", "passwd"], ["root"])
@example(["home", "dev", ".config", "fish"], ["x"], ["home", "dev"])
@example(["proc"], ["1", "environ"], ["home"])
def test_a_path_inside_the_workspace_gets_the_zone_every_check_gives(
    ws_parts: list[str], rel_parts: list[str], home_parts: list[str]
) -> None:
    """The workspace shortcut in path_risk._zone skips the base-directory checks when none
    of those directories lies in or around the workspace; with them all it decides the same."""
    workspace = "/" + "/".join(ws_parts)
    path = os.path.normpath(workspace + "/" + "/".join(rel_parts))
    home = "/" + "/".join(home_parts)
    path_risk._lexical.cache_clear()  # what a path's text decides is memoised
    fast = path_risk.place_of(path, workspace, home)
    apart = path_risk._bases_apart
    try:
        path_risk._bases_apart = lambda _w, _h: False
        path_risk._lexical.cache_clear()
        every_check = path_risk.place_of(path, workspace, home)
    finally:
        path_risk._bases_apart = apart
        path_risk._lexical.cache_clear()
    assert fast == every_check, (workspace, path, home)


_REDIRECT = st.builds(
    lambda op, gap, target: op + gap + target,
    st.sampled_from([">", ">>", "<", "2>", "1>", "0<", "2>&1", "1>&2", "&>", "<<<", ">|", "<>"]),
    st.sampled_from(["", " "]),
    st.one_of(_WORD, st.sampled_from(["/dev/null", "1", "-", ""])),
)
_COMMAND = st.builds(
    lambda assigns, first, rest, redirects: " ".join([*assigns, first, *rest, *redirects]),
    st.lists(_ASSIGN, max_size=2),
    st.one_of(_FIRST, _WORD, st.sampled_from(["cd", "pushd"])),
    st.lists(st.one_of(_WORD, st.sampled_from(["-", "..", "/", "~", "-P", "src"])), max_size=3),
    st.lists(_REDIRECT, max_size=2),
)
# Words that expand variables by name, and the forms near them that the parser must read.
_EXPANSION = st.sampled_from(
    ["$HOME", "$PWD", "$x", "$X_1", "$_", "$_a", "$1", "$@", "$?", "${x}", "${HOME}", "$x[0]"]
    + ["$", "$$", "$-", "$x$y", "$HOME$x", "$(x)"]
)
_EXPANDING = st.lists(
    st.one_of(
        _EXPANSION,
        st.text("aZ9_./:,+~^*%@=-", min_size=1, max_size=3),
        st.builds(
            lambda inside: '"' + "".join(inside) + '"',
            st.lists(st.one_of(_EXPANSION, st.text("aZ9 _./:=-'[", max_size=3)), max_size=3),
        ),
        st.sampled_from(["'$x'", "'a b'", "[", "]"]),
    ),
    min_size=1,
    max_size=3,
).map("".join)


@given(
    st.lists(_ASSIGN, max_size=1),
    st.one_of(_FIRST, st.sampled_from(["cd", "pushd", "read", "printf", "echo", "$x", "a$x"])),
    st.lists(st.one_of(_EXPANDING, _WORD), min_size=1, max_size=3),
    st.lists(st.tuples(st.sampled_from([" && ", " | ", "; ", " || "]), _EXPANDING), max_size=2),
    st.lists(_REDIRECT, max_size=1),
)
@example([], "rm", ['"$BUILD_DIR"/'], [], [])
@example([], "cd", ["$HOME"], [(" && ", "$PWD")], [])
@example([], "cd", ["src"], [(" | ", '"$PWD/x"'), ("; ", "a$PWD")], [])
@example([], "echo", ["$x/a", '"$HOME/b c"', "'$y'"], [], [])
@example([], "echo", ['"a $x"', '"$x b"', '" $x "', '"$x$HOME"'], [], [])
@example(["A=1"], "echo", ["$A"], [], [])
@example([], "read", ["x"], [("; ", "$x")], [])
def test_words_expanding_variables_parse_as_tree_sitter_parses_them(
    assigns: list[str],
    first: str,
    rest: list[str],
    after: list[tuple[str, str]],
    redirects: list[str],
) -> None:
    """A list whose arguments expand `$NAME` is built without the parser only when the walk
    of its syntax tree gives the same script (a home with a blank in it too: a bare `$HOME`
    is then split)."""
    source = " ".join([*assigns, first, *rest, *redirects])
    source += "".join(op + "echo " + word for op, word in after)
    assume("$" in source)  # (the tests above hold the rest)
    # (tree-sitter drops a lone `-` before a redirect with a descriptor, `ls - 2>/dev/null`,
    # where the plain-word path keeps it as bash does: a difference of its own)
    assume(" - " not in source + " ")
    for home in ("/h", "/h/a b"):
        parsed = shell_parse.parse_tree(source, "/w", home)
        assert shell_parse.parse_script(source, "/w", home) == parsed, source


def test_common_commands_expanding_variables_take_the_plain_word_path() -> None:
    for source in (
        'rm -rf "$BUILD_DIR"/',
        "echo $HOME",
        'cp "$PWD/a.txt" b.txt && ls $PWD',
        'psql "$DATABASE_URL" -c "select 1"',
        "chown -R $USER:$USER /usr/local",
        'docker run --rm -v "$PWD":/w image',
    ):
        fast = shell_parse.plain_commands(source, "/w", "/h")
        assert fast is not None, source
        assert shell_parse.Script(fast, [], [], []) == shell_parse.parse_tree(source, "/w", "/h")


_OPERATOR = st.sampled_from(["&&", "||", "|", ";", "&", "|&", ";;", "&&&"])
_GAP = st.sampled_from(["", " ", "  "])


@pytest.mark.slow  # over half a CPU second
@given(
    _COMMAND,
    st.lists(st.tuples(_GAP, _OPERATOR, _GAP, _COMMAND), min_size=1, max_size=4),
    st.booleans(),
)
@example("cd src", [(" ", "&&", " ", "ls")], False)
@example("cd src", [(" ", "|", " ", "ls")], False)
@example("ls -la", [(" ", "|", " ", "grep x"), (" ", "|", " ", "wc -l")], False)
@example("cd /", [("", ";", " ", "cat x"), (" ", "|", " ", "cd ~"), (" ", "||", "", "ls")], True)
@example("git add .", [(" ", "&&", " ", 'git commit -m "a | b; c && d"')], False)
@example("true", [(" ", "&&", " ", "time ls")], False)
@example("a", [(" ", "|", " ", "b"), (" ", "&&", " ", "c"), (" ", "|", " ", "d")], False)
@example("a", [(" ", "|", " ", "b"), (" ", "|", " ", "c"), (" ", "&&", " ", "d")], False)
@example("a > f", [(" ", "&&", " ", "b 2>&1")], False)
@example("a x", [(" ", "|", " ", "b > 'o u t' 2>&1")], False)
@example("a 12 2>/dev/null", [(" ", "|", " ", "b < in")], False)
@example("CI=1 A= cd src", [(" ", "&&", " ", "B='x y' ls")], False)
@example("find . -exec rm {} \\;", [(" ", ";", " ", "echo {} +")], False)
@example("a > f", [(" ", "|", " ", "b"), (" ", "&&", " ", "c")], False)
@example("a 2>/dev/null", [(" ", "||", " ", "b"), (" ", "&&", " ", "c > g")], False)
def test_plain_lists_parse_as_tree_sitter_parses_them(
    first: str, rest: list[tuple[str, str, str, str]], padded: bool
) -> None:
    source = first + "".join(before + op + after + cmd for before, op, after, cmd in rest)
    if padded:
        source = f" {source} "
    parsed = shell_parse.parse_tree(source, "/w", "/h")
    assert shell_parse.parse_script(source, "/w", "/h") == parsed, source
    if shell_parse._PLAIN_LIST.fullmatch(source):
        fast = shell_parse._plain_list(source, "/w", "/h")
        assert fast is None or fast == parsed, source


def test_common_lists_take_the_plain_word_path() -> None:
    for source in (
        "git add . && git commit -m 'x'",
        "ls -la | grep x | wc -l",
        "cd src; ls",
        "cat a b > combined.txt",
        "pytest -q 2>&1 | tail -5",
        "CI=true npm test",
        "PYTHONPATH=src python -m pytest tests/",
        "find . -name '*.pyc' -exec rm {} \\;",
        "find . -name '__pycache__' -type d -exec rm -rf {} +",
        "jq '.version = \"1.2.0\"' package.json > tmp.json && mv tmp.json package.json",
        "cat README.md 2>/dev/null || echo missing",
    ):
        assert shell_parse._PLAIN_LIST.fullmatch(source)
        fast = shell_parse._plain_list(source, "/w", "/h")
        assert fast is not None
        assert fast == shell_parse.parse_tree(source, "/w", "/h")


@pytest.mark.parametrize(
    "source",
    [
        "cd src && make -j",
        "cd src&&make",
        "  ls ;  pwd  ",
        "a||b|c",
        "ps aux | grep python | head -3",
        "mkdir -p build && cd build && cmake .. && make -j",
        "CI=1 A= cd src && ls ..",
        "cd ~ ; cat .bashrc | cd / ; ls x",
    ],
)
def test_lists_of_unquoted_words_split_at_their_operators_as_the_parser_splits_them(
    source: str,
) -> None:
    """Lists without quotes, redirects or backslashes take the split at their operators
    (one call, not a token loop): the same script as the parser's, directories included."""
    assert not any(c in source for c in "'\"<>\\{")
    fast = shell_parse._plain_list_commands(source, "/w", "/h")
    assert fast is not None
    assert fast == shell_parse.parse_tree(source, "/w", "/h").commands


@pytest.mark.slow  # over half a CPU second
def test_every_short_list_with_redirects_splits_as_the_parser_splits_it() -> None:
    """Every sequence of operators between up to three commands, each ending in one of a
    few redirects (the shapes where tree-sitter groups otherwise among them)."""
    redirects = ["", " > f", " 2>&1", " < i 2>/dev/null", ' >> "a b"']
    checked = 0
    for count in range(3):
        for ops in itertools.product(["&&", "||", "|", ";"], repeat=count):
            for ends in itertools.product(redirects, repeat=count + 1):
                for first in ("c0 x", "cd d", "A=1 B='x y' c0 x", "c0 . -exec c {} \\;"):
                    words = [first, *(f"c{i} x" for i in range(1, count + 1))]
                    parts = [word + end for word, end in zip(words, ends, strict=True)]
                    source = parts[0] + "".join(
                        f" {op} {part}" for op, part in zip(ops, parts[1:], strict=True)
                    )
                    fast = shell_parse._plain_list(source, "/w", "/h")
                    if fast is not None:
                        assert fast == shell_parse.parse_tree(source, "/w", "/h"), source
                        checked += 1
    assert checked > 300


@given(st.text("ab \t\n\x0b\x1c\x85\xa0\u2028\u3000", max_size=90))
@example(" a")
@example("a ")
@example("a  b")
@example("a" * 81)
@example("a\u3000b")
def test_a_part_already_in_its_clipped_form_is_kept_as_splitting_would_keep_it(
    text: str,
) -> None:
    joined = " ".join(text.split())
    expected = joined if len(joined) <= 80 else joined[:77] + "..."
    assert shell._clip(text) == expected


@pytest.mark.slow  # about a CPU second: every example of 331 entries, twice
def test_data_entries_judged_on_the_short_path_decide_as_the_whole_interpreter(
    monkeypatch: pytest.MonkeyPatch, workspace: tuple[Path, Path]
) -> None:
    """`_run_bare` judges entries that use none of the optional fields; with it turned off,
    every example of those entries gets the same verdict, reasons in the same order."""
    ws, home = workspace
    bare = [
        (name, rule)
        for name, rule in sorted(program_rules.PROGRAMS.items())
        if entries._Compiled(rule).bare
    ]
    assert len(bare) > 200
    commands = [example for _, rule in bare for example, _ in rule.examples]
    commands += [f"{name} -x ./a b/c ../d ~/e /etc/f - --" for name, _ in bare]

    def verdicts() -> list[tuple[object, ...]]:
        return [
            (r.tier, r.reasons, r.deciders, r.code_reasons, r.commands)
            for r in (
                classify_command(c, place, home) for c in commands for place in (ws, ws / "no")
            )
        ]

    short = verdicts()
    monkeypatch.setattr(entries, "_COMPILED", {})
    monkeypatch.setattr(entries, "_BARE_FIELDS", frozenset())  # no entry is bare now
    monkeypatch.setattr(dispatch, "_PLANS", {})  # (nor kept bare in a program's plan)
    assert not any(entries._Compiled(rule).bare for _, rule in bare)
    assert verdicts() == short


def test_a_field_added_to_program_entries_keeps_its_users_off_the_short_path() -> None:
    rule = program_rules.PROGRAMS["cat"]
    assert entries._Compiled(rule).bare
    for name, value in (("exec_flags", frozenset({"-x"})), ("output_suffix", ".gz")):
        changed = dataclasses.replace(rule, **{name: value})
        assert not entries._Compiled(changed).bare, name


def test_each_path_is_looked_up_once_per_command_and_again_in_the_next(
    lstat_log: list[str], workspace: tuple[Path, Path]
) -> None:
    ws, home = workspace
    looked = lstat_log
    command = "cp src/app.py src/app.py.bak && cat src/app.py src/app.py.bak"
    first = classify_command(command, ws, home)
    src = str(ws.resolve() / "src")
    assert looked.count(src) == 1, looked
    assert looked.count(src + "/app.py") == 1, looked
    looked.clear()
    (ws / "src" / "app.py.bak").symlink_to(home / ".ssh" / "id_rsa")
    second = classify_command(command, ws, home)
    assert src in looked  # looked up again (and by realpath): nothing kept between commands
    assert second.tier == Tier.CRITICAL and first.tier != Tier.CRITICAL, second.reasons


def test_names_found_missing_by_access_are_judged_as_lstat_judges_them(
    monkeypatch: pytest.MonkeyPatch, workspace: tuple[Path, Path]
) -> None:
    """A name is asked of access(2) without following links before lstat: a link whose
    target is missing still exists (and leads outside), and without that access every
    name is lstat-ed, with the same verdicts."""
    ws, home = workspace
    (ws / "out").symlink_to(home / ".ssh")
    (ws / "dangling").symlink_to(home / "missing")
    commands = [
        "echo hi > out/notes.txt",
        "cat src/app.py",
        "cat no/such/file",
        "echo x > dangling",
        "echo x > dangling/x",
        "echo x > /tmp/wakeful-no-such-name",
        "cat '/tmp/a\x00b'",
    ]
    fast = [(r.tier, r.reasons) for r in (classify_command(c, ws, home) for c in commands)]
    assert fast[3][0] not in (Tier.READ_ONLY, Tier.WORKSPACE), fast[3]  # the link is seen
    monkeypatch.setattr(path_risk, "_ACCESS_NOFOLLOW", False)
    slow = [(r.tier, r.reasons) for r in (classify_command(c, ws, home) for c in commands)]
    assert fast == slow


def test_nothing_below_a_missing_workspace_is_looked_up(
    lstat_log: list[str], tmp_path: Path
) -> None:
    looked = lstat_log
    missing = tmp_path / "gone"
    result = classify_command("cat src/a.py > out/b.txt", missing, tmp_path)
    assert result.tier == Tier.WORKSPACE, result.reasons
    assert not [p for p in looked if p.startswith(f"{missing}/")], looked
    missing.mkdir()
    (missing / "out").symlink_to(tmp_path)  # made between two commands: the next one sees it
    assert classify_command("cat src/a.py > out/b.txt", missing, tmp_path).tier == Tier.HIGH


def _split_opts_by_index(
    args: list[shell_parse.Word], takes: frozenset[str], stop_at_positional: bool
) -> tuple[list[tuple[str, shell_parse.Word | None]], list[shell_parse.Word]]:
    """split_opts as it was written before it took values from an iterator."""
    opts: list[tuple[str, shell_parse.Word | None]] = []
    pos: list[shell_parse.Word] = []
    i, n = 0, len(args)
    while i < n:
        value = args[i].value
        if (
            value is None
            or not value.startswith("-")
            or value == "-"
            or (stop_at_positional and pos)
        ):
            pos.append(args[i])
            i += 1
            continue
        if value == "--":
            pos.extend(args[i + 1 :])
            break
        if value.startswith("--"):
            name, eq, attached = value.partition("=")
            if eq:
                opts.append((name, shell_parse.Word(attached, attached)))
            elif name in takes and i + 1 < n:
                opts.append((name, args[i + 1]))
                i += 1
            else:
                opts.append((name, None))
            i += 1
            continue
        if value in takes:
            opts.append((value, args[i + 1] if i + 1 < n else None))
            i += 2
            continue
        letters = value[1:]
        for j, letter in enumerate(letters):
            flag = "-" + letter
            if flag in takes:
                rest = letters[j + 1 :]
                if rest:
                    opts.append((flag, shell_parse.Word(rest, rest)))
                else:
                    opts.append((flag, args[i + 1] if i + 1 < n else None))
                    i += 1
                break
            opts.append((flag, None))
        i += 1
    return opts, pos


_OPTION_WORDS = st.sampled_from(
    ["-", "--", "-a", "-o", "-ao", "-oa", "-xo", "--out", "--out=f", "--all", "f", "g", "-o=x"]
)


@given(
    st.lists(st.one_of(_OPTION_WORDS, st.none()), max_size=7),
    st.sampled_from([(), ("-o",), ("-o", "--out"), ("--out", "-x", "-a")]),
    st.booleans(),
)
def test_options_split_as_the_index_walk_split_them(
    values: list[str | None], takes: tuple[str, ...], stop_at_positional: bool
) -> None:
    args = [shell_parse.Word(v, v or "$x") for v in values]
    expected = _split_opts_by_index(args, frozenset(takes), stop_at_positional)
    assert programs.split_opts(args, takes, stop_at_positional) == expected
    assert programs.split_opts(args, frozenset(takes), stop_at_positional) == expected


@given(st.text('ab\\"$`\n x\u00e9', max_size=12))
def test_backslashes_are_removed_as_the_template_removes_them(text: str) -> None:
    assert shell_parse._unescape(text) == shell_parse._UNESCAPE_WORD.sub(r"\1", text)
    assert shell_parse._unescape_dq(text) == shell_parse._UNESCAPE_DQ.sub(r"\1", text)


@pytest.mark.parametrize(
    ("source", "shortcut"),
    [
        ("; ".join(["true"] * 301), True),
        ("; ".join(["true"] * 300), False),
        (";".join(["true"] * 301) + "; cat ~/.ssh/id_rsa", True),
        (" && ".join(["ls -la src"] * 320), True),
        (" || ".join(["A=1 B=x make test"] * 305), True),
        ("; ".join(["echo " + "w " * 9] * 301), True),  # the words run out first
        ("; ".join(["echo " + "w " * 5] * 301) + " && A=1", False),
        ("; ".join(["true"] * 350) + " | cat", False),
        ("; ".join(["true"] * 350) + "; if", False),
        ("; ".join(["true"] * 350) + "; time ls", False),
        ("shopt -s expand_aliases; alias x=ls; " + "; ".join(["x -la"] * 310), False),
    ],
)
def test_long_plain_lists_stop_where_the_walk_of_their_tree_stops(
    source: str, shortcut: bool
) -> None:
    """A plain list of more commands than the walk analyses is answered without the parser
    only where the walk would stop with the same message."""
    assert (shell_parse._plain_list_limit(source) is not None) == shortcut
    walked = shell_parse._walked(source, "/w", "/h", None, 0)
    assert shell_parse.parse_tree(source, "/w", "/h") == walked
    if shortcut:
        assert walked.commands == [] and len(walked.errors) == 1, walked.errors


@pytest.mark.parametrize(
    "source",
    [
        "ls",
        "( ( ( ls ) ) )",
        "a && b && c | d",
        "echo $(echo $(echo $(echo x)))",
        "if a; then b; fi",
    ],
)
def test_a_syntax_tree_is_no_deeper_than_its_node_count(source: str) -> None:
    """The walk skips measuring the depth of a tree with no more nodes than the limit."""
    root = shell_parse._parser().parse(source.encode()).root_node
    assert shell_parse._nesting(root) <= root.descendant_count


def test_a_deep_command_still_stops_at_the_nesting_limit() -> None:
    deep = "(" * 200 + "ls" + ")" * 200
    script = shell_parse.parse_tree(deep, "/w", "/h")
    limit = shell_parse.MAX_NESTING
    assert script.errors == [f"nests more than {limit} levels deep, too deep to analyse"]
