"""Bash source -> the simple commands it would run, with words evaluated where that is static.

Why tree-sitter-bash and not bashlex: measured on the same inputs, bashlex rejects `[[ ]]`,
`case`, `$(( ))`, arrays and `time`, all common in agent commands, and parses about 8,000
commands a second in pure Python; tree-sitter-bash accepts all of them and parses about
200,000 a second. A command that does not parse cleanly is reported as such and is never
allowed automatically.

What this module does beyond parsing: it flattens pipelines, lists, subshells, loops,
functions, command and process substitutions and heredocs into `SimpleCommand`s, removes
quoting and backslashes (`r''m`, `\\rm`), substitutes variables whose value is known
statically (`X=/; rm -rf $X`, `$HOME`), evaluates `$(echo rm)` / `$(printf ...)`, and tracks
`cd` so relative paths resolve against the directory they will run in.
"""

from __future__ import annotations

import base64
import binascii
import functools
import operator
import os.path
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wakeful.policy.types import Tier

if TYPE_CHECKING:
    from tree_sitter import Language, Node, Parser

MAX_DEPTH = 8
# Bounds that keep the walk linear and well inside Python's recursion limit (the walk takes
# up to two frames per level of the syntax tree). Past them the command is reported as not
# parsed, so it is never allowed automatically.
MAX_NESTING = 150
MAX_COMMANDS = 300
MAX_WORDS = 2000
MAX_LOOP_WALKS = 4  # a loop body is judged once per value, for up to this many values
MAX_BRACE_WORDS = 1000


@functools.lru_cache(maxsize=1)
def _language() -> Language:
    import tree_sitter_bash
    from tree_sitter import Language

    return Language(tree_sitter_bash.language())


@functools.lru_cache(maxsize=1)
def _kinds() -> Mapping[int, str]:
    """Node kind id -> kind name (what `node.type` returns), read once from the grammar:
    `node.kind_id` costs less than half of `node.type`, and the walk asks for every node's."""
    language = _language()
    names = {i: language.node_kind_for_id(i) or "" for i in range(language.node_kind_count)}
    names[0xFFFF] = "ERROR"  # tree-sitter's error symbol
    names[0xFFFE] = "_ERROR"
    return names


@dataclass(slots=True)
class Word:
    """One shell word. `value` is the text after expansion, or None when only known at run
    time. `split` is true for an unquoted expansion, whose value bash would word-split."""

    value: str | None
    text: str
    split: bool = False
    fd: bool = False  # a process substitution: a pipe path, not a file
    # With `value` unknown: what the word's known leading parts spell (`~/$(cmd)`: `~/`)
    prefix: str | None = None
    # A process substitution's output, when static (`<(echo 2f...)`)
    fed: str | None = None
    # A substitution's output, not known, that only transforms text the line spells out
    # (`$(sed 's/Q//' <<< /hoQme/dev/.netrc)`): a path so made is disguised, not computed
    decoded: bool = False
    # A value not known that is the names a pipeline prints (`$(find . -name '*.pem')`, a
    # loop variable or a `read` taking them): the pipeline's stages, the last one printing
    listed: tuple[SimpleCommand, ...] = ()
    # Names of files found holding text that matches this credential's pattern (`grep -l
    # AKIA`)
    holds: str | None = None


@dataclass(slots=True)
class Redirect:
    op: str
    target: Word | None = None
    fd: str | None = None
    body: str | None = None  # heredoc / herestring text fed to stdin
    # What the redirect feeds to standard input, when static: a here-string's value and its
    # newline, a here-document's expanded text, the output of `< <(echo ...)`; with the value
    # unknown, its known start (`prefix`). None for a file (its content is the run's).
    stdin: Word | None = None


@dataclass(slots=True)
class SimpleCommand:
    argv: list[Word]
    assigns: list[tuple[str, Word]] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    cwd: str | None = None
    text: str = ""
    context: str = ""
    upstream: list[SimpleCommand] = field(default_factory=list)

    @property
    def name(self) -> str | None:
        return self.argv[0].value if self.argv else None


@dataclass(slots=True)
class Script:
    """`endless` holds index ranges [start, end) of `commands` that run inside a loop with
    no way out (`while true` without break/exit)."""

    commands: list[SimpleCommand]
    errors: list[str]
    notes: list[tuple[Tier, str]] = field(default_factory=list)
    endless: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class _State:
    cwd: str | None
    home: str
    vars: dict[str, str | None]
    depth: int
    # The known start of a variable whose value is computed at run time (`x=~/.ssh/$(id -un)`)
    prefixes: dict[str, str] = field(default_factory=dict)
    # The few values a variable whose value is not known may hold (`read` after a command
    # that read an unknown part of the same input)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def copy(self) -> _State:
        return _State(
            self.cwd,
            self.home,
            dict(self.vars),
            self.depth,
            dict(self.prefixes),
            dict(self.choices),
        )


_STATEMENT_SKIP = frozenset({";", "&", ";;", "&&", "||", "|", "|&", "comment", "(", ")", "{", "}"})
_KEYWORDS = frozenset(
    {
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "do",
        "done",
        "for",
        "in",
        "while",
        "until",
        "case",
        "esac",
        "function",
        "select",
        "!",
    }
)
# Builtins that set variables from their words or input: `set --`, `shift`, `read`,
# `mapfile`/`readarray`, `printf -v`, the code `eval` and `source` run, `let`, `getopts`,
# and what runs a builtin by name (`builtin eval ...`, `command eval ...`).
_SETS_VARIABLES = frozenset(
    {"set", "shift", "read", "mapfile", "readarray", "printf", "eval", "source", "."}
    | {"let", "getopts", "builtin", "command", "alias", "enable", "exec"}
)
# Nodes that are one shell word (what `_Walker.word` evaluates).
_WORD_KINDS = frozenset(
    {
        "word",
        "string",
        "raw_string",
        "ansi_c_string",
        "translated_string",
        "concatenation",
        "number",
        "simple_expansion",
        "expansion",
        "command_substitution",
        "process_substitution",
        "arithmetic_expansion",
    }
)
# Anonymous tokens tree-sitter may leave among a command's words, each a word to bash.
_OPERATOR_WORDS = frozenset({"==", "=~", "$"})
_UNESCAPE_WORD = re.compile(r"\\(.)", re.S)
# tree-sitter-bash 0.25's scanner crashes the process on some characters outside the Basic
# Multilingual Plane (e.g. `a{` then U+E0001). They are never meaningful in a command, so
# they are replaced before parsing; the classification sees U+FFFD in their place.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_UNESCAPE_DQ = re.compile(r'\\([\\"$`\n])')
# A match's first group, as a replacement: what the template r"\1" gives, without the
# template's Python-level expansion for every match.
_GROUP_1 = operator.itemgetter(1)


def _unescape(text: str) -> str:
    """Remove backslash quoting (`\\r\\m` is `rm`); most words have none to remove."""
    return _UNESCAPE_WORD.sub(_GROUP_1, text) if "\\" in text else text


def _unescape_dq(text: str) -> str:
    """Remove the backslashes that quote a character inside double quotes."""
    return _UNESCAPE_DQ.sub(_GROUP_1, text) if "\\" in text else text


# A variable name with an array subscript that holds a command: bash runs it when it
# evaluates the subscript (`printf -v 'a[$(cmd)]'`, `declare "a[\$(cmd)]=1"`, `test -v`).
# An environment variable's name (`PATH`, `LD_PRELOAD`), as opposed to a script's own (`x`).
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
# Declaration builtins that, given only options, print variables (the environment among them).
_PRINTS_VARIABLES = frozenset({"declare", "typeset", "export", "readonly"})
_SUBSCRIPT_CODE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\[[^\]]*(?:\$\(|`|\$\{)")
_PROMPT_EXPANSION = re.compile(r"@P\}$")
_ARITHMETIC_TESTS = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge"})
_BACKTICKS = re.compile(r"(?<!\\)`((?:[^`\\]|\\.)*)`", re.S)
_FD_VARIABLE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_INDIRECT = re.compile(r"\$\{!([A-Za-z_][A-Za-z0-9_]*)\}")


def parse_script(
    source: str,
    cwd: str | None,
    home: str,
    variables: dict[str, str | None] | None = None,
    depth: int = 0,
) -> Script:
    """Parse `source` into the simple commands it runs, in source order."""
    # (`plain_commands` knows no variable but HOME and PWD: with others set, the walk's)
    commands = plain_commands(source, cwd, home) if not variables else None
    if commands is not None:
        return Script(commands, [], [], [])
    return parse_tree(source, cwd, home, variables, depth)


def plain_commands(source: str, cwd: str | None, home: str) -> list[SimpleCommand] | None:
    """The commands of `source` when it is plain words, or plain commands joined by
    operators and redirected to plain words (see `_PLAIN` and `_PLAIN_LIST`): what
    `parse_tree` would give, without the parser. None when the parser must decide."""
    if "'" in source or '"' in source:
        if _PLAIN.fullmatch(source) is not None:
            return _plain_command(source, cwd, True)
    elif _PLAIN_UNQUOTED.fullmatch(source) is not None and " =" not in source:
        # _plain_command(source, cwd, False), written out: most commands are such
        words = source.split()
        if len(words) > MAX_WORDS or words[0] in _NOT_A_NAME:
            return None
        argv: list[Word] = []
        for text in words:  # _plain_words(words, False), each Word without its __init__
            word = _new_object(Word)
            word.value = text
            word.text = text
            word.split = False
            word.fd = False
            word.prefix = None
            word.fed = None
            word.decoded = False
            word.listed = ()
            word.holds = None
            argv.append(word)
        cmd = _new_object(SimpleCommand)  # SimpleCommand(...) without its __init__
        cmd.argv = argv
        cmd.assigns = []
        cmd.redirects = []
        cmd.cwd = cwd
        cmd.text = source.strip(" ")
        cmd.context = ""
        cmd.upstream = []
        return [cmd]
    if _PLAIN_LIST.fullmatch(source) is not None:
        return _plain_list_commands(source, cwd, home)
    if (
        "$" in source
        and "$(" not in source  # (the parser's forms, which most such sources hold, left
        and "${" not in source  # at once)
        and "`" not in source
        and _PLAIN_LIST_VAR.fullmatch(source) is not None
    ):
        return _plain_list_commands(source, cwd, home, expand=True)
    return None


# One command of plain words: no expansion, redirection, operator, comment, glob class,
# brace or backslash, and no assignment before the command name; arguments may be quoted
# (`git commit -m "fix the parser"`, `grep -rn 'TODO' src`). Most agent commands are such;
# their syntax tree is always program > command > words, strings and concatenations, so
# the script is built without the parser. The characters allowed are those tree-sitter-bash
# reads as plain words wherever they stand: it reads some first words (`-`, `99+`, `a%b`)
# and arguments (`==`, `=x`) otherwise, so those go to the parser. Quoted text holds no `$`,
# backquote, backslash, `!` or control character, so it is its own value (braces in quotes
# are literal: `awk '{print $1}'`, `jq "{a: .b}"`); double quotes around blanks alone go to
# the parser too (tree-sitter reads `" "` as empty, and `"def "` as it is written).
# tests/policy/test_classifier_fast_paths.py checks, on generated commands, that both ways
# give the same script.
_UNQUOTED = r"[=A-Za-z0-9_./:,+~^*%@-]"
_QUOTED = (
    r"(?:\"(?: *+(?:[^\"$`\\!\s\x00-\x1f\x7f]|[^\"$`\\!\s\x00-\x1f\x7f]"
    r"[^\"$`\\!\x00-\x1f\x7f]*[^\"$`\\!\s\x00-\x1f\x7f]) *+)?\"|'[^'\x00-\x1f\x7f]*')"
)
# Possessive quantifiers: each part stops at a character the next cannot take, so nothing
# is given back, and a command that is not plain fails fast.
_PLAIN = re.compile(
    r" *[A-Za-z_./][A-Za-z0-9_./-]*+"
    rf"(?: ++(?:[A-Za-z0-9_./:,+~^*%@-]|{_QUOTED})(?:{_UNQUOTED}++|{_QUOTED})*+)*+ *+"
)
# `_PLAIN` for a command without quotes: the same pattern without its quoted alternatives,
# which such a command cannot match. Written as the first word and then one run of spaces
# and argument characters, which the engine scans without a step per word: that run is
# `(?: ++[A-Za-z0-9_./:,+~^*%@-]{_UNQUOTED}*+)*+ *+` when no argument starts with `=`,
# which `plain_commands` checks (" =" nowhere in the command).
_PLAIN_UNQUOTED = re.compile(r" *[A-Za-z_./][A-Za-z0-9_./-]*+(?: [ =A-Za-z0-9_./:,+~^*%@-]*+)?")
_PLAIN_WORD = re.compile(rf"(?:{_UNQUOTED}++|{_QUOTED})++")
_PLAIN_PART = re.compile(r"\"([^\"]*)\"|'([^']*)'|([^\"']+)")
# First words that bash and tree-sitter read as syntax, not as a program name (and `shopt`,
# whose `expand_aliases` the walk follows).
_NOT_A_NAME = frozenset(
    {
        *_KEYWORDS,
        "shopt",
        "time",
        "coproc",
        "declare",
        "typeset",
        "export",
        "readonly",
        "local",
        "unset",
        "unsetenv",
    }
)


def _plain_script(source: str, cwd: str | None) -> Script | None:
    """The script of a command that `_PLAIN` matches, or None to leave it to the parser."""
    commands = _plain_command(source, cwd, "'" in source or '"' in source)
    return Script(commands, [], [], []) if commands is not None else None


# Made without their __init__ where the scanners make one per word or per command.
_new_object = object.__new__


def _plain_command(source: str, cwd: str | None, quoted: bool) -> list[SimpleCommand] | None:
    """`_plain_script`'s command (`quoted`: the source holds a quote), or None."""
    words = _PLAIN_WORD.findall(source) if quoted else source.split()
    if len(words) > MAX_WORDS or words[0] in _NOT_A_NAME:
        return None
    cmd = _new_object(SimpleCommand)  # SimpleCommand(...) without its __init__
    cmd.argv, cmd.assigns, cmd.redirects, cmd.cwd = _plain_words(words, quoted), [], [], cwd
    cmd.text, cmd.context, cmd.upstream = source.strip(" "), "", []
    return [cmd]


def _plain_words(words: list[str], quoted: bool) -> list[Word]:
    """`[_plain_word(word) for word in words]` (`quoted`: some word may hold a quote), each
    Word made without a call to its `__init__`: the scanners make one for nearly every word
    of every command. tests/policy/test_classifier_fast_paths.py holds them to Word's fields."""
    argv: list[Word] = []
    append = argv.append
    for text in words:
        word = _new_object(Word)
        word.value = (
            text
            if not quoted or "'" not in text and '"' not in text
            else "".join([a or b or c for a, b, c in _PLAIN_PART.findall(text)])
        )
        word.text = text
        word.split = False
        word.fd = False
        word.prefix = None
        word.fed = None
        word.decoded = False
        word.listed = ()
        word.holds = None
        append(word)
    return argv


# Plain commands joined by `&&`, `||`, `|` and `;` (`git add . && git commit -m "x"`, `ls
# -la | grep x`), each may end in redirects to or from a plain word (`> out.txt`, `>> log`,
# `< in`, `2>/dev/null`, `2>&1`): the script is built without the parser, as the walker
# builds it (commands in source order; a command's text stops before its redirects; a
# pipeline's stages see the stages before them as upstream and run in a copy of the shell,
# so a `cd` there changes nothing after it; a `cd` between `&&`, `||` or `;` changes the
# directory of what follows). A command may start with assignments of plain words (`CI=1
# npm test`, `A='x y' B= cmd`), and take `{}` and `\;` as whole words (`find . -exec rm {}
# \;`), which tree-sitter reads as the words `{}` and `;`.
_PLAIN_ARG = rf"(?:[A-Za-z0-9_./:,+~^*%@-]|{_QUOTED})(?:{_UNQUOTED}++|{_QUOTED})*+"
# (tree-sitter reads `_=x` as a word, not as an assignment to `_`)
_NAME = r"(?:[A-Za-z][A-Za-z0-9_]*+|_[A-Za-z0-9_]++)"
_ASSIGNED = rf"{_NAME}=(?:{_UNQUOTED}++|{_QUOTED})*+ ++"
_PLAIN_COMMAND = (
    rf"(?:{_ASSIGNED})*+[A-Za-z_./][A-Za-z0-9_./-]*+"
    rf"(?: ++(?:{_PLAIN_ARG}(?![<>])|(?:\{{\}}|\\;)(?= |$)))*+"
    rf"(?: ++(?:[0-9]>&[0-9]|(?:[0-9]?>>?|<) *+{_PLAIN_ARG}(?![<>])))*+"
)
_PLAIN_LIST = re.compile(rf" *+{_PLAIN_COMMAND}(?: *+(?:&&|\|\||\||;) *+{_PLAIN_COMMAND})*+ *+")
_PLAIN_TOKEN = re.compile(
    rf"(\\;|\{{\}})|(&&|\|\||\||;)|([0-9]>&[0-9])|([0-9]?>>?|<)|(?:{_UNQUOTED}++|{_QUOTED})++"
)
# The operators between a list's commands, with the spaces around them (for a list whose
# words hold no quotes: only then can no word hold one of their characters).
_LIST_OPERATOR = re.compile(r" *+(&&|\|\||\||;) *+")
# An assignment word's name and `=` (what `_ASSIGNED` matches at a command's start).
_ASSIGNMENT = re.compile(rf"{_NAME}=")

# The same lists with arguments that expand variables by name (`rm -rf "$BUILD_DIR"/`, `echo
# $HOME`, `cp "$PWD/a" b`): `$NAME`, bare or in double quotes, never first in a command, in
# an assignment or a redirect (see `_expanded_words`). Not `${...}`, `$1`, `$@` or any other
# form, nor `$NAME[`, which tree-sitter may read as a subscript: those go to the parser.
_VAR = r"\$[A-Za-z_][A-Za-z0-9_]*+(?![\[A-Za-z0-9_])"
_QUOTED_VAR = (
    rf"(?:\"(?: *+(?:(?:[^\"$`\\!\s\x00-\x1f\x7f]|{_VAR})"
    rf"|(?:[^\"$`\\!\s\x00-\x1f\x7f]|{_VAR})(?:[^\"$`\\!\x00-\x1f\x7f]|{_VAR})*?"
    rf"(?:[^\"$`\\!\s\x00-\x1f\x7f]|{_VAR})) *+)?\"|'[^'\x00-\x1f\x7f]*')"
)
_UNQUOTED_VAR = rf"(?:{_UNQUOTED}|{_VAR})"
_PLAIN_ARG_VAR = (
    rf"(?:[A-Za-z0-9_./:,+~^*%@-]|{_VAR}|{_QUOTED_VAR})(?:{_UNQUOTED_VAR}++|{_QUOTED_VAR})*+"
)
# (A command whose name is a keyword or syntax word, or a builtin that sets variables, fails
# the match where it starts: most such lists are loops, which the parser reads.)
_NOT_EXPANDED = "|".join(re.escape(name) for name in sorted(_NOT_A_NAME | _SETS_VARIABLES))
_PLAIN_COMMAND_VAR = (
    rf"(?:{_ASSIGNED})*+(?!(?:{_NOT_EXPANDED})(?![A-Za-z0-9_./-]))[A-Za-z_./][A-Za-z0-9_./-]*+"
    rf"(?: ++(?:{_PLAIN_ARG_VAR}(?![<>])|(?:\{{\}}|\\;)(?= |$)))*+"
    rf"(?: ++(?:[0-9]>&[0-9]|(?:[0-9]?>>?|<) *+{_PLAIN_ARG}(?![<>])))*+"
)
_PLAIN_LIST_VAR = re.compile(
    rf" *+{_PLAIN_COMMAND_VAR}(?: *+(?:&&|\|\||\||;) *+{_PLAIN_COMMAND_VAR})*+ *+"
)
_PLAIN_TOKEN_VAR = re.compile(
    rf"(\\;|\{{\}})|(&&|\|\||\||;)|([0-9]>&[0-9])|([0-9]?>>?|<)"
    rf"|(?:{_UNQUOTED_VAR}++|{_QUOTED_VAR})++"
)
_VAR_SPLIT = re.compile(r"(\$[A-Za-z_][A-Za-z0-9_]*)")
_WORD_PART = re.compile(r"\"([^\"]*)\"|'([^']*)'|([^\"']+)")


def _expanded_words(words: list[str], cwd: str | None, home: str) -> list[Word] | None:
    """The Words of a command's arguments that may expand `$NAME` (`_PLAIN_LIST_VAR`), as the
    walk makes them: no variable is set before (`_plain_list_commands` leaves a command that
    sets one to the parser), so `$HOME` is the home directory, `$PWD` the directory the
    command runs in, and every other name is known only at run time. A bare expansion is
    word-split (`split`); a value known in part keeps its known start (`prefix`). None for
    a word the parser reads otherwise."""
    argv: list[Word] = []
    for text in words:
        if "$" not in text:
            argv.append(_plain_word(text))
            continue
        parts: list[Word] = []  # the syntax tree's nodes of the word, in order
        for found in _WORD_PART.finditer(text):
            quoted, single, bare = found.groups()
            if single is not None:  # 'raw': no expansion
                parts.append(Word(single, found.group()))
            elif quoted is not None:  # "string": its contents and expansions, joined
                pieces = _VAR_SPLIT.split(quoted)
                if any(piece.isspace() for piece in pieces):
                    # tree-sitter drops blanks alone beside an expansion (`"$a $b"` is read
                    # as `"$a$b"`): the parser's reading, not this one's
                    return None
                inside = [
                    Word(_lookup_plain(piece[1:], cwd, home), piece, split=True)
                    if piece[:1] == "$"
                    else Word(piece, "")
                    for piece in pieces
                    if piece
                ]
                if any(w.value is None for w in inside):
                    parts.append(Word(None, found.group(), prefix=_leading(inside)))
                else:
                    parts.append(Word("".join([w.value or "" for w in inside]), found.group()))
            else:
                pieces = _VAR_SPLIT.split(bare)
                if "" in pieces[2:-2:2]:
                    # two expansions side by side (`$a$b/`): tree-sitter reads some of them
                    # otherwise, so the parser decides
                    return None
                for piece in pieces:
                    if piece[:1] == "$":
                        parts.append(Word(_lookup_plain(piece[1:], cwd, home), piece, split=True))
                    elif piece:
                        parts.append(Word(piece, piece))
        if len(parts) == 1:
            word = parts[0]
        else:  # a concatenation
            split = any(w.split for w in parts)
            if any(w.value is None for w in parts):
                word = Word(None, text, split, prefix=_leading(parts))
            else:
                word = Word("".join([w.value or "" for w in parts]), text, split)
        value = word.value
        if word.split and value is not None and (" " in value or "\t" in value or "\n" in value):
            argv.extend([Word(part, text) for part in value.split()])  # `_split`'s fields
        else:
            argv.append(word)
    return argv


def _lookup_plain(name: str, cwd: str | None, home: str) -> str | None:
    """`_lookup` with no variable set: what `$HOME`, `$PWD` and `$IFS` hold (bash sets IFS
    at start-up, so an unquoted `x$IFS--pre=sh` is two words), None for the rest."""
    if name == "HOME":
        return home
    if name == "PWD":
        return cwd
    if name == "IFS":
        return _IFS_WHITESPACE
    return None


def _plain_word(word: str) -> Word:
    if "'" not in word and '"' not in word:
        return Word(word, word)
    return Word("".join([a or b or c for a, b, c in _PLAIN_PART.findall(word)]), word)


def _plain_list(source: str, cwd: str | None, home: str) -> Script | None:
    """The script of a command that `_PLAIN_LIST` matches, or None to leave it to the
    parser (a keyword or syntax word first in a command, or past the walk's bounds)."""
    commands = _plain_list_commands(source, cwd, home)
    return Script(commands, [], [], []) if commands is not None else None


def _plain_list_commands(
    source: str, cwd: str | None, home: str, expand: bool = False
) -> list[SimpleCommand] | None:
    """`_plain_list`'s commands, or None. `expand`: a list that `_PLAIN_LIST_VAR` matches,
    whose arguments may expand variables (`_expanded_words`)."""
    # Each command's words and text (from its first word to its last) and redirects, then
    # the operator after it ("" after the last).
    parts: list[tuple[list[str], str, list[Redirect], str]]
    quoted = "'" in source or '"' in source
    if expand:
        found = _plain_list_parts(source, _PLAIN_TOKEN_VAR)
        if found is None:
            return None
        parts = found
    elif quoted or "<" in source or ">" in source or "\\" in source or "{" in source:
        found = _plain_list_parts(source)
        if found is None:
            return None
        parts = found
    else:
        # Words and operators alone (`cd src && make`, `ps aux | grep x`): no word holds an
        # operator's character, so the operators split the source into its commands.
        pieces = _LIST_OPERATOR.split(source)
        parts = []
        total = 0
        for i in range(0, len(pieces) - 1, 2):
            words = pieces[i].split()
            total += len(words)
            parts.append((words, pieces[i].strip(" "), [], pieces[i + 1]))
        words = pieces[-1].split()
        total += len(words)
        parts.append((words, pieces[-1].strip(" "), [], ""))
        if total > MAX_WORDS or len(parts) >= MAX_COMMANDS:
            return None
    commands: list[SimpleCommand] = []
    here = cwd  # where the next command runs (a `cd` before it changes it)
    feed: list[SimpleCommand] = []  # the stages of the pipeline so far
    previous = ""
    escaped = "\\" in source  # a `\;` word, whose value is `;`
    for words, text, redirects, op in parts:
        assigns: list[tuple[str, Word]] = []
        if "=" in words[0] and _ASSIGNMENT.match(words[0]) is not None:
            # `A=1 B='x y' cmd`: the assignments before the command name
            while words and _ASSIGNMENT.match(words[0]) is not None:
                name, _, value = words[0].partition("=")
                assigns.append((name, _plain_word(value)))
                words = words[1:]
        if not words or words[0] in _NOT_A_NAME:
            return None
        if expand:
            if words[0] in _SETS_VARIABLES:
                return None  # a variable it sets may be expanded after it: the walk's
            expanded = _expanded_words(words, here, home)
            if expanded is None:
                return None
            argv = expanded
        else:
            argv = _plain_words(words, quoted)
        if escaped:
            for word in argv:
                if word.text == "\\;":
                    word.value = ";"
        piped = previous == "|" or op == "|"
        cmd = _new_object(SimpleCommand)  # SimpleCommand(...) without its __init__
        cmd.argv, cmd.assigns, cmd.redirects, cmd.cwd = argv, assigns, redirects, here
        cmd.text, cmd.context, cmd.upstream = text, "", list(feed)
        commands.append(cmd)
        if piped:
            feed.append(cmd)
            if len(feed) > 2 and op in ("&&", "||"):
                # tree-sitter reads `a | b | c && d` as a pipeline that holds the list
                # (d sees a upstream): the walker's script is the parser's.
                return None
        if op != "|":
            feed = []
        if not piped and argv[0].value in _CHANGES_DIR:
            state = _State(here, home, {}, 0)
            _change_dir(argv, state, "CDPATH" in source)
            here = state.cwd
        previous = op
    return commands


def _plain_list_parts(
    source: str, tokens: re.Pattern[str] = _PLAIN_TOKEN
) -> list[tuple[list[str], str, list[Redirect], str]] | None:
    """The commands of a source that `_PLAIN_LIST` matches, split by its tokens: each
    command's words, its text, its redirects and the operator after it; None to leave the
    source to the parser."""
    parts: list[tuple[list[str], str, list[Redirect], str]] = []
    words: list[str] = []
    redirects: list[Redirect] = []
    pending = ""  # a redirect operator waiting for its target
    listed = redirected = False  # an operator other than `|`; a redirect
    start = end = 0
    total = 0
    for token in tokens.finditer(source):
        group = token.lastindex  # the operator's group; None for a word (most tokens)
        if group == 2:
            op = token.group()
            listed = listed or op != "|"
            parts.append((words, source[start:end], redirects, op))
            total += len(words)
            words, redirects = [], []
        elif group == 3:
            redirected = redirected or bool(parts)
            dup = token.group()
            redirects.append(Redirect(">&", Word(dup[3], dup[3]), dup[0]))
        elif group == 4:
            redirected = redirected or bool(parts)
            pending = token.group()
        elif pending:
            target = _plain_word(token.group())
            if pending[0] in "0123456789":
                redirects.append(Redirect(pending[1:], target, pending[0]))
            else:
                redirects.append(Redirect(pending, target, None))
            pending = ""
        else:  # a word (group 1: `\;` or `{}`, a word of its own)
            if redirects:
                return None  # words after a redirect: the parser's
            at, end = token.span()
            if not words:
                start = at
            words.append(source[at:end])
    parts.append((words, source[start:end], redirects, ""))
    total += len(words)
    if total > MAX_WORDS or len(parts) >= MAX_COMMANDS:
        return None
    if listed and redirected:
        # tree-sitter puts `a && b > f` around the whole list (the walker gives both
        # commands the redirect): the parser's script, not bash's reading. Redirects of the
        # first command (`a > f && b`, `a 2>/dev/null || b`) stay its own.
        return None
    return parts


def parse_tree(
    source: str,
    cwd: str | None,
    home: str,
    variables: dict[str, str | None] | None = None,
    depth: int = 0,
) -> Script:
    """`parse_script` through tree-sitter's syntax tree, for every command."""
    if "\x00" in source:
        return Script([], ["contains a NUL byte, which no shell passes on"])
    # More commands than the walk analyses need at least two characters each.
    if len(source) > 2 * MAX_COMMANDS:
        too_many = _plain_list_limit(source)
        if too_many is not None:
            return Script([], [too_many])
    return _walked(source, cwd, home, variables, depth)


def _plain_list_limit(source: str) -> str | None:
    """For a list of plain commands joined by `;`, `&&` and `||` alone (no pipe, quote,
    redirect, backslash or brace) that holds more than MAX_COMMANDS commands: the limit the
    walk of its syntax tree would stop at, commands or words, found without the parser. None
    for every other source (the walk decides)."""
    if (
        "'" in source
        or '"' in source
        or "<" in source
        or ">" in source
        or "\\" in source
        or "{" in source
        or "|" in source.replace("||", "")
        or _PLAIN_LIST.fullmatch(source) is None
    ):
        return None
    pieces = _LIST_OPERATOR.split(source)
    if len(pieces) <= 2 * MAX_COMMANDS:  # (commands and the operators between them)
        return None
    counts: list[int] = []  # each command's words
    for piece in pieces[::2]:
        argv = piece.split()
        while argv and "=" in argv[0] and _ASSIGNMENT.match(argv[0]) is not None:
            argv = argv[1:]  # `A=1 cmd`: assignments are not the command's words
        if not argv or argv[0] in _NOT_A_NAME:
            return None  # syntax the parser reads otherwise, wherever it is
        counts.append(len(argv))
    words = 0
    for n, count in enumerate(counts):
        # What the walk counts before each command: the commands before it, then its words.
        if n >= MAX_COMMANDS:
            return f"runs more than {MAX_COMMANDS} commands, too many to analyse"
        words += count
        if words > MAX_WORDS:
            return f"has more than {MAX_WORDS} words, too many to analyse"
    return None


def _walked(
    source: str,
    cwd: str | None,
    home: str,
    variables: dict[str, str | None] | None,
    depth: int,
) -> Script:
    """`parse_tree` by the walk of tree-sitter's syntax tree."""
    if not source.isascii():
        source = _ASTRAL.sub("\ufffd", source)
    raw = source.encode("utf-8", "surrogateescape")
    tree = _parser().parse(raw)
    original = source
    if tree.root_node.has_error and "extglob" in source and _EXTGLOB.search(source):
        # `shopt -s extglob` then `ls !(node_modules)`: tree-sitter does not read extended
        # patterns; each is read as a pattern matching any name in its place (`*`), which
        # holds every name it can match
        source = _stars(source)
        raw = source.encode("utf-8", "surrogateescape")
        tree = _parser().parse(raw)
    if tree.root_node.has_error and "{" in source:
        braced = _leading_braces(source)
        if braced is not None:
            # `{cat,README.md}`: tree-sitter reads a brace form in command position as an
            # unfinished group; bash expands it into the command's words first
            source = braced
            raw = source.encode("utf-8", "surrogateescape")
            tree = _parser().parse(raw)
    walker = _Walker(source, raw)
    walker.start_cwd = cwd
    state = _State(cwd, home, dict(variables or {}), depth)
    if depth == 0 and variables is None:
        # The command is run as `bash -c CMD`, with no arguments: `$@`, `$*` are empty, `$#`
        # is 0 (`$0`, the shell's name, stays unknown). A nested shell's are its own.
        _set_positional([], state)
    root = tree.root_node
    # A level of nesting costs at least one character, so short commands cannot be too deep;
    # nor can a tree of fewer nodes than levels (its node count, one C call, bounds them).
    if (
        len(source) > MAX_NESTING // 2
        and root.descendant_count > MAX_NESTING
        and _nesting(root) > MAX_NESTING
    ):
        return Script([], [f"nests more than {MAX_NESTING} levels deep, too deep to analyse"])
    if root.has_error and not _split_herestrings_only(root):
        walker.errors.append(_error_text(root))
    try:
        walker.statements(root, state, "", [])
    except _TooMany as too_many:
        return Script([], [*walker.errors, str(too_many)])
    if walker.calls:
        walker.drop_superseded()
    if source is not original:
        for cmd in walker.commands:  # shown as written
            at = source.find(cmd.text) if "*" in cmd.text else -1
            if at >= 0:
                cmd.text = original[at : at + len(cmd.text)]
    return Script(walker.commands, walker.errors, walker.notes, walker.endless)


# An extended pattern with no expansion, quote or nested group inside (`!(node_modules)`,
# `@(a|b)`); groups inside groups are replaced first.
_EXTGLOB = re.compile(r"[?*+@!]\([^()$`'\"\\\x80-\U0010ffff\s;&<>]*\)")


# The first word of a source when it holds a brace form and nothing bash treats apart
# (quotes, expansions, escapes, operators, white space).
_LEADING_BRACE_WORD = re.compile(
    r"[^\s;&|<>()'\"`$\\{}]*\{[^\s;&|<>()'\"`$\\]*\}[^\s;&|<>()'\"`$\\{}]*"
)
_BRACE_RESULT = re.compile(r"[A-Za-z0-9_./~?*\[\]@%+:,^!-]*")


def _leading_braces(source: str) -> str | None:
    """`source` with its first word's brace expansion written out (`{ls,-la}` → `ls -la`),
    when every word it makes is plain text (no `=`, no `#`, nothing the shell would read
    apart) and the first is a name; None otherwise."""
    start = len(source) - len(source.lstrip())
    match = _LEADING_BRACE_WORD.match(source, start)
    if match is None:
        return None
    try:
        words = [w for w in _brace_expand(match.group()) if w]
    except _TooMany:
        return None
    if (
        not words
        or len(words) > MAX_BRACE_WORDS
        or not all(_BRACE_RESULT.fullmatch(w) for w in words)
        or words == [match.group()]
    ):
        return None
    return source[:start] + " ".join(words) + source[match.end() :]


def _stars(source: str) -> str:
    """`source` with each extended pattern replaced by as many `*` (offsets kept)."""
    while True:
        replaced = _EXTGLOB.sub(lambda m: "*" * len(m.group()), source)
        if replaced == source:
            return source
        source = replaced


def _parser() -> Parser:
    """This thread's parser: a parser holds no result between parses (each tree stands on
    its own), and making one costs as much as parsing a short command."""
    parser: Parser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        from tree_sitter import Parser

        parser = _PARSERS.parser = Parser(_language())
    return parser


_PARSERS = threading.local()


def _node_text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _node_strict_text(node: Node) -> str:
    return (node.text or b"").decode()


class _TooMany(Exception):
    """Raised inside the walk when a command holds more simple commands than it analyses."""


def _nesting(root: Node) -> int:
    """Depth of the syntax tree, not counting `a && b && c` chains (a list inside a list),
    which the walker follows without recursion."""
    lists = _list_kinds()
    best = 0
    stack = [(root, 1)]
    while stack:
        node, level = stack.pop()
        if level > best:
            best = level
        in_list = node.kind_id in lists
        for child in node.children:
            stack.append((child, level if in_list and child.kind_id in lists else level + 1))
    return best


@functools.lru_cache(maxsize=1)
def _list_kinds() -> frozenset[int]:
    return frozenset(i for i, name in _kinds().items() if name == "list")


_REDIRECT_KINDS = frozenset({"file_redirect", "herestring_redirect", "heredoc_redirect"})


def _split_herestrings_only(root: Node) -> bool:
    """Whether the syntax errors are all a `<<<` after a loop's `done`, which tree-sitter
    reads as an error `<<` and a redirect `< WORD` (the walk puts them back together)."""
    stack = [root]
    found = False
    while stack:
        node = stack.pop()
        if node.is_missing:
            return False
        if node.type == "ERROR":
            after = node.next_sibling
            if (
                _node_text(node) != "<<"
                or node.parent is None
                or node.parent.type != "redirected_statement"
                or after is None
                or after.type != "file_redirect"
                or after.start_byte != node.end_byte
                or not _node_text(after).startswith("<")
                or _node_text(after).startswith(("<&", "<>"))
            ):
                return False
            found = True
            continue
        if node.has_error:
            stack.extend(node.children)
    return found


def _error_text(root: Node) -> str:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            snippet = _node_text(node)[:40]
            return f"shell syntax error near {snippet!r} (column {node.start_point[1] + 1})"
        stack.extend(reversed(node.children))
    return "shell syntax error"


class _Walker:
    def __init__(self, source: str, raw: bytes) -> None:
        self.source = source
        self.raw = raw
        # ASCII source: byte offsets are character offsets, so a node's text is a slice of
        # the source (`node.text` copies bytes out of the tree, which costs several times more).
        self.ascii = source.isascii()
        self.kinds = _kinds()
        self.commands: list[SimpleCommand] = []
        self.errors: list[str] = []
        self.notes: list[tuple[Tier, str]] = []
        self.endless: list[tuple[int, int]] = []
        self.loop_values: dict[str, tuple[str, ...]] = {}
        self.words = 0
        # Functions this source defines before a call: the body was judged where it is.
        self.functions: set[str] = set()
        # A function's body, where its walk at the definition (arguments unknown) starts and
        # ends in `commands`, and how often a call with static arguments walked it again.
        self.bodies: dict[str, tuple[Node, int, int]] = {}
        # What each function's body assigns (name -> the state after it), for its calls
        self.fn_sets: dict[str, _State] = {}
        self.chain_before: _State | None = None  # see _walk_chain
        self.calls: dict[str, int] = {}
        self.calling: set[str] = set()  # functions whose body is being walked for a call
        # After `shopt -s expand_aliases`: the aliases defined, each with its value (None
        # when computed at run time) and the line that defined it.
        self.aliases: dict[str, tuple[str | None, int]] | None = None
        # The line after which aliases may be defined where they cannot be seen (`eval
        # "alias ..."`, `source`, `BASH_ALIASES[ls]=...`): any command read later may be one.
        self.hidden_aliases = -1 if "BASH_ALIASES" in source else None
        self.integers: set[str] = set()  # names declared `declare -i`
        # `${a[i]}`, `${@: -1}`: an element not known, of an array whose elements all are;
        # the command is judged with each too, as a loop's body is with each value.
        self.alternatives: dict[str, tuple[str, ...]] = {}
        # What the commands walked now read on standard input, when static (a here-string or
        # here-document on their loop or group, the stage before them in a pipeline); None
        # when not known.
        self.stdin: Word | None = None
        # True when a command before may have read an unknown part of `stdin`: a `read` then
        # takes any of its lines
        self.skipped = False
        # What the last command or process substitution printed, when static.
        self.printed: Word | None = None
        # Inside a `while` condition: the values each `read` there gives, one per line read.
        self.loop_reads: list[list[Record]] | None = None
        self.start_cwd: str | None = None  # where the script starts
        # Whether any command may take its words from a static input: only then is what
        # each command prints followed
        self.feeds = "read" in source or "mapfile" in source or "xargs" in source
        # Variables whose value, not known, is names a pipeline prints (`for f in $(find
        # ...)`, `find ... | while read f`, `f=$(find ...)`): the pipeline's stages
        self.listed_vars: dict[str, tuple[SimpleCommand, ...]] = {}
        # The pipeline a process substitution redirected to standard input prints
        # (`done < <(find ...)`), while the statement it feeds is walked
        self.stdin_listed: tuple[SimpleCommand, ...] = ()

    def drop_superseded(self) -> None:
        """Drop the walk of a function's body at its definition (its arguments unknown) when
        every use of its name is a call with static arguments whose walk judged the body
        with them: nothing else can run it (a `trap`, `eval`, a computed name would name it
        once more)."""
        dropped: set[int] = set()
        for fname, (_, start, end) in self.bodies.items():
            calls = self.calls.get(fname, 0)
            if not calls or calls >= MAX_LOOP_WALKS:
                continue
            pattern = rf"(?<![\w.:/@%+=-]){re.escape(fname)}(?![\w.:/@%+=-])"
            if len(re.findall(pattern, self.source)) == 1 + calls:
                dropped.update(range(start, end))
        if not dropped:
            return
        kept = [i for i in range(len(self.commands)) if i not in dropped]
        where = {old: new for new, old in enumerate(kept)}
        self.commands = [self.commands[i] for i in kept]
        self.endless = [
            (where[a], where[b - 1] + 1)
            for a, b in self.endless
            if a < b and a in where and b - 1 in where
        ]

    def text(self, node: Node) -> str:
        """`node.text.decode("utf-8", "replace")`, without the copy for ASCII sources."""
        if self.ascii:
            return self.source[node.start_byte : node.end_byte]
        return self.raw[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def strict_text(self, node: Node) -> str:
        """`self.strict_text(node)`: raises on bytes that are not UTF-8, as that does."""
        if self.ascii:
            return self.source[node.start_byte : node.end_byte]
        return self.raw[node.start_byte : node.end_byte].decode()

    # ---- statements -------------------------------------------------------------------
    def statements(
        self, node: Node, state: _State, context: str, upstream: list[SimpleCommand]
    ) -> None:
        kind = self.kinds[node.kind_id]
        if kind == "program":  # the root: what the last branch below does, reached sooner
            for child in node.named_children:
                if self.kinds[child.kind_id] not in _STATEMENT_SKIP:
                    self.statements(child, state, context, upstream)
        elif kind == "command":
            self.command(node, state, context, upstream, [])
        elif kind == "pipeline":
            self.pipeline(node.named_children, state, context, upstream)
        elif kind == "redirected_statement":
            self.redirected(node, state, context, upstream)
        elif kind == "subshell":
            inner = state.copy()
            for child in node.named_children:
                self.statements(child, inner, context, upstream)
        elif kind == "variable_assignment":
            name, value = self.assignment(node, state, context, record=True)
            if _ENV_NAME.fullmatch(name):
                # `PATH=/tmp; ls`, `(LD_PRELOAD=x; cmd)`: a variable the environment may
                # already export changes what every later command runs; judged as
                # `PATH=/tmp ls` is.
                self.commands.append(
                    SimpleCommand(
                        argv=[],
                        assigns=[(name, value)],
                        cwd=state.cwd,
                        text=self.text(node),
                        context=context,
                        upstream=list(upstream),
                    )
                )
        elif kind in ("declaration_command", "unset_command"):
            for element in _ELEMENT.finditer(self.text(node)):
                # `unset 'b[x]'`: an indexed array's subscript is arithmetic
                if self._arithmetic_payload(self.text(node), element.group(1), state):
                    break
            assigns: list[tuple[str, Word]] = []
            names: list[Word] = []
            before = len(self.commands)
            integer = False
            for child in node.named_children:
                if self.kinds[child.kind_id] == "variable_assignment":
                    if integer:
                        # `declare -i n='a[$(cmd)]'`: the value is evaluated as arithmetic
                        name_node = child.child_by_field_name("name")
                        if name_node is not None:
                            self.integers.add(self.strict_text(name_node))
                    assigns.append(self.assignment(child, state, context, record=True))
                else:
                    self.substitutions(child, state, context)
                    words = self.arg_words(child, state, context)
                    for w in words:
                        flag = w.value or ""
                        if flag.startswith("-") and "i" in flag:
                            integer = True
                        elif integer and _IDENT.fullmatch(flag):
                            self.integers.add(flag)
                        quoted = _quoted_assignment(w)
                        if quoted is not None:
                            # `declare "p=$HOME/.ssh/id_rsa"`: bash assigns a quoted word
                            # as it does a plain one
                            assigns.append(quoted)
                            self._record_assignment(state, *quoted)
                        else:
                            names.append(w)
            keyword = self.strict_text(node.children[0]) if node.children else "declare"

            def declared(words: list[Word], assigned: list[tuple[str, Word]]) -> None:
                self.commands.append(
                    SimpleCommand(
                        argv=[Word(keyword, keyword), *words],
                        assigns=assigned,
                        cwd=state.cwd,
                        text=self.text(node),
                        context=context,
                        upstream=list(upstream),
                    )
                )

            if any(_SUBSCRIPT_CODE.search(w.value or "") for w in names):
                # `declare "x[\$(cmd)]=1"`: bash evaluates the subscript, running cmd.
                declared(names, [])
            if any((w.value or "").startswith("-") and "n" in (w.value or "") for w in names):
                # `declare -n ref='a[$(cmd)]'`: a reference to a name whose subscript runs
                # the command each time the reference is used.
                targets = [v for _, v in assigns if _SUBSCRIPT_CODE.search(v.value or "")]
                if targets:
                    declared(targets, [])
            if assigns:
                # `export LD_PRELOAD=...` changes what later commands run: the classifier
                # judges the assignments as it does `VAR=... cmd`.
                declared([], assigns)
            elif (
                before == len(self.commands)
                and keyword in _PRINTS_VARIABLES
                and all((w.value or "").startswith("-") for w in names)
            ):
                # `declare -p`, `export`: the builtin prints variables, and a later stage of
                # the pipeline (`| grep -i token`) must see it upstream.
                declared(names, [])
        elif kind == "test_command":
            self.substitutions(node, state, context)
            self._quoted_subscripts(node, state, context)
            self._arithmetic_values(node, state)
        elif kind == "compound_statement" and node.child_count and node.children[0].type == "((":
            self._arithmetic_values(node, state)
            self.substitutions(node, state, context)
        elif kind == "function_definition":
            body = node.child_by_field_name("body")
            name_node = node.child_by_field_name("name")
            fname = self.strict_text(name_node) if name_node is not None else ""
            if body is not None:
                before = len(self.commands)
                inner = _unknown_positional(state)
                self.statements(body, inner, context or "function body", [])
                if fname:
                    # the variables the body sets: a call leaves them set for the caller
                    self.fn_sets[fname] = _only(inner, _changed(state, inner))
                if fname and any(c.name == fname for c in self.commands[before:]):
                    self.notes.append(
                        (Tier.CRITICAL, f"function {fname} calls itself (a fork bomb)")
                    )
                elif fname:
                    self.functions.add(fname)
                    self.bodies[fname] = (body, before, len(self.commands))
                    self.calls[fname] = 0
        elif kind in ("for_statement", "c_style_for_statement", "select_statement"):
            entry = state.copy()
            loop_var = node.child_by_field_name("variable")
            inner = state
            if loop_var is not None:
                name = self.strict_text(loop_var)
                inner.vars[name] = None
                # `for v in PATH HOME`: the values the variable takes, when all are static.
                items = [
                    self.word(c, state, context).value
                    if self.kinds[c.kind_id] in ("word", "raw_string", "number")
                    else None
                    for c in node.children_by_field_name("value")
                ]
                if (
                    kind == "for_statement"
                    and not items
                    and not any(c.type == "in" for c in node.children)
                ):
                    # `for f; do`: the positional parameters, when `set --` gave them
                    count = state.vars.get("#")
                    items = (
                        [state.vars.get(str(i)) for i in range(1, int(count) + 1)] if count else []
                    )
                if kind == "for_statement" and items and all(v is not None for v in items):
                    self.loop_values[name] = tuple(v for v in items if v is not None)
                else:
                    self.loop_values.pop(name, None)
            # `for f in ~/.ssh/*; do cat "$f"; done`: with a few static values, the body is
            # judged once with each (the variable holds it); otherwise once, not knowing it.
            takes: tuple[str | None, ...] = (None,)
            if loop_var is not None and kind == "for_statement":
                var = self.strict_text(loop_var)
                loop_words = self.loop_values.get(var, ())
                if 0 < len(loop_words) <= MAX_LOOP_WALKS:
                    takes = loop_words
                elif loop_words:
                    takes = tuple(
                        take[var].value
                        for take in self._takes([{var: Word(v, v)} for v in loop_words], state)
                    )
            for child in node.named_children:
                if self.kinds[child.kind_id] in ("do_group", "compound_statement"):
                    for taken in takes:
                        if loop_var is not None:
                            inner.vars[self.strict_text(loop_var)] = taken
                        self.statements(child, inner, context, [])
                    if loop_var is not None:
                        inner.vars[self.strict_text(loop_var)] = None
                        self.listed_vars.pop(self.strict_text(loop_var), None)
                elif child is not loop_var:
                    walked = len(self.commands)
                    self.substitutions(child, state, context)
                    if (
                        loop_var is not None
                        and kind == "for_statement"
                        and self.kinds[child.kind_id] == "command_substitution"
                        and len(self.commands) > walked
                    ):
                        # `for f in $(find . -name '*.pem')`: the variable takes the names
                        # the substitution prints
                        self.listed_vars[self.strict_text(loop_var)] = _listing(
                            self.commands[walked:]
                        )
            if takes == (None,):
                # a list not known may be empty (and a C-style or select loop may stop at
                # once): what the body sets may not be set, as after a `while` loop
                _merge(state, [entry, state.copy()])
        elif kind in ("ERROR",):
            for child in node.named_children:
                self.statements(child, state, context, upstream)
        elif kind == "list":
            self._walk_chain(self._list_chain(node), state, context, upstream)
        elif kind == "if_statement":
            self._if(node, state, context, upstream)
        elif kind == "case_statement":
            outcomes: list[_State] = []
            for child in node.named_children:
                if self.kinds[child.kind_id] == "case_item":
                    branch = state.copy()
                    self.statements(child, branch, context, upstream)
                    outcomes.append(branch)
                elif self.kinds[child.kind_id] not in _STATEMENT_SKIP:
                    self.statements(child, state, context, upstream)
            _merge(state, [state.copy(), *outcomes])
        elif kind == "while_statement":
            entry = state.copy()
            self._while(node, state, context, upstream)
            # the body may not run: what it sets holds what it set or what it held before
            _merge(state, [entry, state.copy()])
        elif (
            kind
            in (
                "word",
                "string",
                "concatenation",
                "raw_string",
                "simple_expansion",
                "expansion",
                "command_substitution",
                "process_substitution",
                "number",
                "arithmetic_expansion",
                "extglob_pattern",
                "case_item",
            )
            and kind != "case_item"
        ):
            self.substitutions(node, state, context)
        elif kind == "case_item":
            for child in node.named_children:
                if self.kinds[child.kind_id] in (
                    "word",
                    "extglob_pattern",
                    "concatenation",
                    "string",
                    "raw_string",
                    "simple_expansion",
                    "expansion",
                ):
                    self.substitutions(child, state, context)
                else:
                    self.statements(child, state, context, [])
        else:
            for child in node.named_children:
                if self.kinds[child.kind_id] not in _STATEMENT_SKIP:
                    self.statements(child, state, context, upstream)

    def pipeline(
        self,
        stages: list[Node],
        state: _State,
        context: str,
        upstream: list[SimpleCommand],
        trailing: list[Word] | None = None,
        first: tuple[Word | None] | None = None,
        last: tuple[Word | None] | None = None,
    ) -> int:
        """Walk the stages; returns the index in `commands` where the last stage starts.
        `trailing`: words after a redirect's target, arguments of the last stage. `first`
        and `last`: the standard input of the first stage (what a command before the pipe
        prints) and of the last (a redirect of its own), when given."""
        feed = list(upstream)
        before = len(self.commands)
        kept = [stage for stage in stages if self.kinds[stage.kind_id] not in _STATEMENT_SKIP]
        saved, skipped = self.stdin, self.skipped
        stdin = saved if first is None else first[0]
        reordered = False  # the stage before printed some of its input's lines, in any order
        for i, stage in enumerate(kept):
            before = len(self.commands)
            # each stage reads what the one before prints
            self.stdin = last[0] if last is not None and i == len(kept) - 1 else stdin
            if i or first is not None or last is not None and i == len(kept) - 1:
                self.skipped = reordered and self.stdin is stdin
            if trailing and i == len(kept) - 1:
                if self.kinds[stage.kind_id] == "command":
                    self.command(stage, state.copy(), context, list(feed), [], trailing)
                    continue
                self.errors.append(
                    "shell syntax error: words after the target of a redirect "
                    f"({self.text(stage)[:40]!r})"
                )
            self.statements(stage, state.copy(), context, list(feed))
            feed.extend(self.commands[before:])
            if i < len(kept) - 1:
                produced = self.commands[before:]
                reordered = self.feeds and _filters_lines(stage, produced, self.text(stage))
                if reordered:
                    # `sort`, `head -3`, `uniq`: a `read` after it takes any of these lines
                    stdin = self.stdin if self.stdin is not None and self.stdin.value else None
                else:
                    stdin = self._printed([stage], produced, self.stdin) if self.feeds else None
        # the first stage may have read some of the input it shares with what follows
        self.stdin = saved
        self.skipped = skipped or first is None and saved is not None and saved.value is not None
        return before

    def _while(
        self, node: Node, state: _State, context: str, upstream: list[SimpleCommand]
    ) -> None:
        before = len(self.commands)
        # `while read -r f; do cat "$f"; done <<< X`: the condition's `read` gives the
        # variables a value per line of X, and the body is judged with each, as a `for`
        # loop's is
        saved_reads, self.loop_reads = self.loop_reads, []
        loop_input = self.stdin
        loop_body: Node | None = None
        for child in node.named_children:
            if self.kinds[child.kind_id] == "do_group":
                loop_body = child
            elif self.kinds[child.kind_id] not in _STATEMENT_SKIP:
                self.statements(child, state, context, upstream)
        reads, self.loop_reads = self.loop_reads, None
        # `find ... | while read f`, `done < <(find ...)`: what `read` takes is the names
        # the pipeline prints
        listing = tuple(upstream) or self.stdin_listed
        read_names = {n for records in reads for r in records for n in r} if listing else ()
        for read_name in read_names:
            self.listed_vars[read_name] = listing
        fed_takes: list[Record] = [{}]
        if len(reads) == 1:
            fed_takes = self._takes(reads[0], state)
        elif reads:  # several reads: which line each takes is not followed
            fed_takes = [{n: Word(None, "") for records in reads for r in records for n in r}]
        if loop_body is not None:
            # a `read` in the body takes any line of the loop's input
            self.stdin = loop_input
            self.skipped = loop_input is not None and loop_input.value is not None
            for take in fed_takes:
                _assign(take, state)
                self.statements(loop_body, state, context, upstream)
            # what the loop left of its input is not followed
            self.stdin = None
        for take in fed_takes[:1]:
            _assign({n: Word(None, "") for n in take}, state)
        for read_name in read_names:
            self.listed_vars.pop(read_name, None)
        self.loop_reads = saved_reads
        if _endless_loop(node):
            self.endless.append((before, len(self.commands)))

    def _walk_chain(
        self,
        chain: list[Node],
        state: _State,
        context: str,
        upstream: list[SimpleCommand],
        last: bool = True,
    ) -> None:
        """Walk `a && b || c` in order. Only the first statement surely runs (and the
        plain assignments that lead the chain, which do not fail): a variable a later one
        sets holds, after the list, what it set or what it held before. `last`: whether to
        walk the last statement here (a redirected list walks it itself, then merges)."""
        sure = 1
        while sure < len(chain) and self.kinds[chain[sure - 1].kind_id] == "variable_assignment":
            sure += 1
        for child in chain[:sure]:
            if child is not chain[-1] or last:
                self.statements(child, state, context, upstream)
        if sure >= len(chain):
            return
        before = state.copy()
        for child in chain[sure:-1] if not last else chain[sure:]:
            self.statements(child, state, context, upstream)
        if last:
            _merge(state, [before, state.copy()])
        else:
            self.chain_before = before

    def _if(self, node: Node, state: _State, context: str, upstream: list[SimpleCommand]) -> None:
        """`if C; then A; elif D; then B; else E; fi`: the conditions run in order, each
        branch from the state the conditions left; after it, a variable a branch set holds
        what one of the branches (or, with no else, none) left in it."""
        outcomes: list[_State] = []
        branch: _State | None = None
        has_else = False
        for child in node.children:
            if not child.is_named:
                if child.type == "then" and branch is None:
                    branch = state.copy()
                continue
            kind = self.kinds[child.kind_id]
            if kind in _STATEMENT_SKIP:
                continue
            if kind in ("elif_clause", "else_clause"):
                if branch is not None:
                    outcomes.append(branch)
                    branch = None
                other = state.copy()
                self.statements(child, other, context, upstream)
                outcomes.append(other)
                has_else = has_else or kind == "else_clause"
            elif branch is None:
                self.statements(child, state, context, upstream)  # the condition
            else:
                self.statements(child, branch, context, upstream)
        if branch is not None:
            outcomes.append(branch)
        if not has_else:
            outcomes.append(state.copy())
        _merge(state, outcomes)

    def _list_chain(self, node: Node) -> list[Node]:
        """The statements of `a && b || c ...` in order: the list nests to the left, and is
        walked without recursing per link."""
        rights: list[list[Node]] = []
        current = node
        while self.kinds[current.kind_id] == "list":
            kids = [
                c for c in current.named_children if self.kinds[c.kind_id] not in _STATEMENT_SKIP
            ]
            if not kids:
                break
            rights.append(kids[1:])
            current = kids[0]
        chain = [] if self.kinds[current.kind_id] == "list" else [current]
        for group in reversed(rights):
            chain.extend(group)
        return chain

    def redirected(
        self, node: Node, state: _State, context: str, upstream: list[SimpleCommand]
    ) -> None:
        body = node.child_by_field_name("body")
        whole = body
        chain_before: _State | None = None
        if body is not None and self.kinds[body.kind_id] == "list":
            # tree-sitter puts `a && b > f` around the whole list; bash binds the redirect
            # to the last command only, after the others ran (`x=$(mktemp) && b > "$x"`
            # writes the name x holds by then): the others are walked first, as a list's
            # are, and the redirect then belongs to the last.
            chain = self._list_chain(body)
            self.chain_before = None
            self._walk_chain(chain, state, context, upstream, last=False)
            chain_before = self.chain_before
            body = chain[-1]
        redirects: list[Redirect] = []
        after: list[Node] = []
        # Words after a redirect's target: bash passes them to the command
        # (`find / 2>/dev/null -delete` is `find / -delete 2>/dev/null`).
        trailing: list[Word] = []
        split_at = -1  # `done <<< WORD`, which tree-sitter splits into `<<` and `< WORD`
        for child in node.named_children:
            if child is whole or child == whole:
                continue
            if self.kinds[child.kind_id] == "ERROR" and self.text(child) == "<<":
                split_at = child.end_byte
                continue
            if split_at == child.start_byte and self.kinds[child.kind_id] == "file_redirect":
                named = [c for c in child.named_children]
                word = self.word(named[-1], state, context) if named else Word(None, "")
                fed = (
                    Word(word.value + "\n", word.text)
                    if word.value is not None
                    else Word(None, word.text, prefix=word.prefix)
                )
                body_text = word.value if word.value is not None else ""
                redirects.append(Redirect("<<<", None, None, body_text, fed))
                continue
            redirects.extend(self.redirect(child, state, context, after, trailing))
        before = len(self.commands)
        given, stdin = _stdin_of(redirects)
        if body is not None:
            if self.kinds[body.kind_id] == "command":
                self.command(body, state, context, upstream, redirects, trailing)
            elif self.kinds[body.kind_id] == "pipeline":
                # tree-sitter puts `a | b > f` around the whole pipeline; bash binds the
                # redirect to the last stage only.
                last = self.pipeline(
                    body.named_children,
                    state,
                    context,
                    upstream,
                    trailing,
                    last=(stdin,) if given else None,
                )
                for cmd in self.commands[last:]:
                    cmd.redirects.extend(redirects)
            else:
                if trailing:
                    self.errors.append(
                        "shell syntax error: words after the target of a redirect "
                        f"({self.text(node)[:40]!r})"
                    )
                # `while read f; do ...; done <<< X`: the loop's commands read X
                saved, skipped, saved_listed = self.stdin, self.skipped, self.stdin_listed
                if given:
                    self.stdin, self.skipped = stdin, False
                    self.stdin_listed = _stdin_listing(redirects)
                self.statements(body, state, context, upstream)
                self.stdin, self.skipped, self.stdin_listed = saved, skipped, saved_listed
                for cmd in self.commands[before:]:
                    cmd.redirects.extend(redirects)
        if chain_before is not None:
            _merge(state, [chain_before, state.copy()])
        produced = self.commands[before:]
        if not produced and redirects:
            # `> file` or `x=1 > file` runs no program but still truncates the file.
            bare = SimpleCommand(
                argv=trailing,
                redirects=redirects,
                cwd=state.cwd,
                text=self.text(node),
                context=context,
                upstream=list(upstream),
            )
            self.commands.append(bare)
            produced = [bare]
        for extra in after:
            if self.kinds[extra.kind_id] == "pipeline":
                # `cat <<EOF | while read f ...`: the pipe carries what the command prints
                printed = (
                    self._printed([body], produced, self.stdin) if body and self.feeds else None
                )
                self.pipeline(
                    extra.named_children, state, context, upstream + produced, first=(printed,)
                )
            elif self.kinds[extra.kind_id] not in _STATEMENT_SKIP:
                self.statements(extra, state, context, [])

    def redirect(
        self, node: Node, state: _State, context: str, after: list[Node], args: list[Word]
    ) -> list[Redirect]:
        """The redirects `node` makes; words after a file target are added to `args`."""
        kind = self.kinds[node.kind_id]
        fd_node = node.child_by_field_name("descriptor")
        fd = self.strict_text(fd_node) if fd_node is not None else None
        op = ""
        for child in node.children:
            if not child.is_named:
                op = self.kinds[child.kind_id]
                break
        if kind == "file_redirect":
            named = [c for c in node.named_children if self.kinds[c.kind_id] != "file_descriptor"]
            dest = node.child_by_field_name("destination")
            if dest is None:
                dest = named[-1] if named else None
            target = self.word(dest, state, context) if dest is not None else None
            printed = (
                self.printed
                if dest is not None and self.kinds[dest.kind_id] == "process_substitution"
                else None
            )
            if dest is not None and node.child_by_field_name("destination") is not None:
                glue_at, words = dest.end_byte, [target] if target is not None else []
                for extra_word in named:
                    if extra_word.start_byte <= dest.start_byte:
                        continue
                    if self.raw[extra_word.end_byte : extra_word.end_byte + 1] in (b"<", b">"):
                        continue  # `0` of `0>&1`: the next redirect's descriptor
                    if extra_word.start_byte == glue_at and words:
                        # `< /proc/`pgrep x`/environ`: one word, which tree-sitter splits
                        self._glued(extra_word, state, context, words)
                    else:
                        words.extend(self.arg_words(extra_word, state, context))
                    glue_at = extra_word.end_byte
                if target is not None:
                    target = words[0]
                    args.extend(words[1:])
                else:
                    args.extend(words)
            if op == "<" and printed is not None:
                # `< <(echo ~/.netrc)`: what the substitution prints is the input
                return [Redirect(op, target, fd, None, printed)]
            return [Redirect(op, target, fd)]
        if kind == "herestring_redirect":
            named = [c for c in node.named_children if self.kinds[c.kind_id] != "file_descriptor"]
            word = self.word(named[-1], state, context) if named else Word(None, "")
            here = (
                Word(word.value + "\n", word.text)
                if word.value is not None
                else Word(None, word.text, prefix=word.prefix, listed=word.listed)
            )
            return [Redirect("<<<", None, fd, word.value if word.value is not None else "", here)]
        if kind == "heredoc_redirect":
            text_parts: list[str] = []
            extra: list[Redirect] = []
            quoted = False
            fed: Word | None = None
            for child in node.named_children:
                if self.kinds[child.kind_id] == "heredoc_start":
                    quoted = any(q in self.strict_text(child) for q in "'\"\\")
                elif self.kinds[child.kind_id] == "heredoc_body":
                    text_parts.append(self.text(child))
                    if not quoted:
                        self.substitutions(child, state, context or "heredoc")
                        fed = self._heredoc_text(
                            child, state, context or "heredoc", strip=op == "<<-"
                        )
                elif self.kinds[child.kind_id] in ("heredoc_end", "file_descriptor"):
                    continue
                elif self.kinds[child.kind_id] in ("file_redirect", "herestring_redirect"):
                    extra.extend(self.redirect(child, state, context, after, args))
                elif self.kinds[child.kind_id] in _WORD_KINDS:
                    # `find / <<EOF -delete`: words after the marker are the command's.
                    args.extend(self.arg_words(child, state, context))
                else:
                    after.append(child)
            body = "".join(text_parts)
            if quoted:  # `<<-`: leading tabs are removed from every line
                fed = Word(_LEADING_TABS.sub("", body) if op == "<<-" else body, body)
            return [Redirect("<<", None, fd, body, fed), *extra]
        self.substitutions(node, state, context)
        return []

    def _heredoc_text(self, body: Node, state: _State, context: str, strip: bool) -> Word:
        """The text an unquoted here-document feeds (`strip`: `<<-`, leading tabs removed):
        see `_heredoc_value`. Backquotes, which tree-sitter leaves in the text, run: judged
        as `eval` is; so do the substitutions of a `<<-` body that tree-sitter left unparsed
        (a line that starts with tabs, then `$(`)."""
        text = self.text(body)
        if strip:
            text = _LEADING_TABS.sub("", text)
        if "`" in text:
            self._backticks(text, state, context)
        if strip and "$" in text and not body.named_children:
            marker = "WAKEFUL_EOF"
            while marker in text:
                marker += "_"
            code = f"cat <<{marker}\n{text}\n{marker}\n"
            self.commands.append(
                SimpleCommand(
                    argv=[Word("eval", "eval"), Word(code, text)],
                    cwd=state.cwd,
                    text=text,
                    context=context,
                )
            )
        return _heredoc_value(text, state) if self.feeds else Word(None, text)

    def _quoted_subscripts(self, node: Node, state: _State, context: str) -> None:
        """`[[ -v 'a[$(cmd)]' ]]`: a quoted array subscript that bash evaluates as code."""
        stack = [node]
        while stack:
            current = stack.pop()
            if self.kinds[current.kind_id] in ("raw_string", "string"):
                value = self.word(current, state, context).value or ""
                if _SUBSCRIPT_CODE.search(value):
                    self.notes.append(
                        (
                            Tier.HIGH,
                            f"evaluates the array subscript in {value[:60]!r}, which runs "
                            "the command inside it",
                        )
                    )
                continue
            stack.extend(current.named_children)

    def assignment(self, node: Node, state: _State, context: str, record: bool) -> tuple[str, Word]:
        name_node = node.child_by_field_name("name")
        if name_node is not None and self.kinds[name_node.kind_id] == "subscript":
            # `m[$(cmd)]=1`: the subscript runs before the assignment (and `m[x]=1`
            # evaluates x as arithmetic).
            self.substitutions(name_node, state, context)
            index = name_node.child_by_field_name("index")
            if index is not None:
                self._arithmetic_payload(self.text(node), self.text(index), state)
        value_node = node.child_by_field_name("value")
        name = self.strict_text(name_node) if name_node is not None else ""
        if value_node is not None and self.kinds[value_node.kind_id] == "array":
            for listed in _ARRAY_INDEX.finditer(self.text(value_node)):
                # `b=([x]=1)`: an indexed array's subscript is arithmetic
                if self._arithmetic_payload(self.text(node), listed.group(1), state):
                    break
            # `x=(a ~/.ssh/id_rsa)`: each element is known by its index (`${x[1]}`)
            items: list[Word] = []
            for child in value_node.named_children:
                items.extend(self.arg_words(child, state, context))
            keyed = any(self.text(c).startswith("[") for c in value_node.named_children)
            if record and name and "[" not in name and keyed:
                state.vars[name] = None  # `m=([k]=v)`: keys (and bash's own rules) not followed
                state.vars.pop(f"{name}[#]", None)
            elif record and name and "[" not in name:
                for i, item in enumerate(items):
                    state.vars[f"{name}[{i}]"] = item.value
                state.vars[f"{name}[#]"] = str(len(items))
                state.vars[name] = items[0].value if items else ""
            return name, Word(None, self.text(value_node))
        value = self.word(value_node, state, context) if value_node is not None else Word("", "")
        if record and name:
            self._record_assignment(state, name, value)
        return name, value

    def _record_assignment(self, state: _State, name: str, value: Word) -> None:
        """What `name=value` leaves for the commands after it."""
        state.vars[name] = value.value
        if value.value is None and value.listed:
            self.listed_vars[name] = value.listed
        elif self.listed_vars:
            self.listed_vars.pop(name, None)
        if state.choices:
            state.choices.pop(name, None)
        if value.value is None and value.prefix is not None:
            state.prefixes[name] = value.prefix
        elif state.prefixes:
            state.prefixes.pop(name, None)
        if value.value is None and value.decoded:
            state.prefixes[_DECODED_VAR + name] = ""
        elif state.prefixes:
            state.prefixes.pop(_DECODED_VAR + name, None)
        if name in self.integers and _SUBSCRIPT_CODE.search(value.value or ""):
            self._integer_code(name, value.value or "")

    def _integer_code(self, name: str, value: str) -> None:
        self.notes.append(
            (
                Tier.HIGH,
                f"{name} is an integer variable: assigning {value[:40]!r} evaluates it as "
                "arithmetic, and the command in its subscript runs",
            )
        )

    def command(
        self,
        node: Node,
        state: _State,
        context: str,
        upstream: list[SimpleCommand],
        redirects: list[Redirect],
        trailing: list[Word] | None = None,
    ) -> None:
        argv: list[Word] = []
        assigns: list[tuple[str, Word]] = []
        own_redirects = list(redirects)
        after: list[Node] = []
        kinds = self.kinds
        glue_at = -1  # where the last argument ended: one starting there is part of its word
        assigned_at = -1  # where the last assignment ended
        merged = False
        for child in node.children:
            kind = kinds[child.kind_id]
            if (
                child.start_byte == assigned_at
                and child.is_named
                and kind not in _REDIRECT_KINDS
                and assigns
            ):
                # tree-sitter ends `g="/e"\tc/shadow` after the quotes and reads the rest as
                # the command's name; bash reads one word, the assignment's value
                set_name, set_value = assigns[-1]
                if kind == "command_name" and child.named_child_count == 1:
                    child = child.named_children[0]
                glued = self.word(child, state, context)
                joined = (
                    set_value.value + glued.value
                    if set_value.value is not None and glued.value is not None
                    else None
                )
                assigns[-1] = (set_name, Word(joined, set_value.text + glued.text))
                assigned_at = child.end_byte
                merged = True
                continue
            assigned_at = -1
            if child.start_byte == glue_at and child.is_named and kind not in _REDIRECT_KINDS:
                # tree-sitter splits `/proc/`pgrep x`/environ` in two after the backquotes;
                # bash reads one word (a redirect's operator ends a word: `wc<<<hi`)
                if argv:
                    self._glued(child, state, context, argv)
                glue_at = child.end_byte
                continue
            glue_at = -1
            if not child.is_named:
                # tree-sitter reads `==` and `=~` as test operators and a lone `$` as an
                # expansion even between a command's words; bash passes them on as words
                # (`find . -name == -exec`).
                if kind in _OPERATOR_WORDS:
                    argv.append(Word(kind, kind))
                continue
            if kind == "command_name":
                named = child.named_children
                child = named[0] if named else child
                if kinds[child.kind_id] != "word":
                    argv.extend(self.arg_words(child, state, context))
                    continue
                kind = "word"
            if kind == "word":
                # The common argument: a plain word (what `arg_words` makes of it, directly).
                text = (
                    self.source[child.start_byte : child.end_byte]
                    if self.ascii
                    else self.text(child)
                )
                if "{" in text and "}" in text:
                    argv.extend(self.arg_words(child, state, context))
                else:
                    word = _new_object(Word)  # Word(_unescape(text), text), without the calls
                    word.value = _UNESCAPE_WORD.sub(_GROUP_1, text) if "\\" in text else text
                    word.text = text
                    word.split = False
                    word.fd = False
                    word.prefix = None
                    word.fed = None
                    word.decoded = False
                    word.listed = ()
                    word.holds = None
                    argv.append(word)
                glue_at = child.end_byte
            elif kind == "variable_assignment":
                assigns.append(self.assignment(child, state, context, record=False))
                assigned_at = child.end_byte
            elif kind in ("file_redirect", "herestring_redirect", "heredoc_redirect"):
                own_redirects.extend(self.redirect(child, state, context, after, argv))
            elif kind == "comment":
                continue
            elif kind == "subshell":
                # tree-sitter accepts `cmd (x)`; bash rejects it as a syntax error.
                self.errors.append(
                    f"shell syntax error: `(` inside the arguments of a command "
                    f"({self.text(child)[:40]!r})"
                )
                argv.append(Word(None, self.text(child)))
            elif (
                kind == "concatenation"
                and self.raw[child.end_byte : child.end_byte + 1] in (b"<", b">")
                and _FD_VARIABLE.fullmatch(self.text(child)) is not None
            ):
                # `exec {fd}<file`: the redirect opens a descriptor and puts its number in
                # fd; not an argument
                state.vars[self.text(child)[1:-1]] = None
            else:
                argv.extend(self.arg_words(child, state, context))
                glue_at = child.end_byte
        if trailing:
            argv.extend(trailing)
        if merged and not argv:
            for set_name, set_value in assigns:  # no command: the assignments stay set
                self._record_assignment(state, set_name, set_value)
        if argv and argv[0].value == "coproc" and argv[0].text == "coproc":
            # tree-sitter reads `coproc [NAME] { a; b; }` as the command `coproc [NAME] { a`,
            # then `b` and `}`: the coprocess runs `a` (and then b)
            values = [w.value for w in argv[1:3]]
            if "{" in values:
                argv = argv[values.index("{") + 2 :]
                state.vars.pop("COPROC", None)
                if not argv and not own_redirects:
                    return
        elif len(argv) == 1 and argv[0].text == "}" and not own_redirects:
            return  # the end of that group
        if len(self.commands) >= MAX_COMMANDS:
            raise _TooMany(f"runs more than {MAX_COMMANDS} commands, too many to analyse")
        self.words += len(argv)
        if self.words > MAX_WORDS:
            raise _TooMany(f"has more than {MAX_WORDS} words, too many to analyse")
        if self.aliases is not None and argv:
            argv = self._expand_alias(argv, node.start_point[0])
        if argv and argv[0].value == "shopt" and any(w.value == "expand_aliases" for w in argv):
            # bash -c expands aliases only with this option, in lines read after the alias
            # and in code `eval` reads
            if any(w.value == "-s" for w in argv):
                self.aliases = self.aliases or {}
            elif any(w.value == "-u" for w in argv):
                self.aliases = None
        elif argv and (
            argv[0].value in ("source", ".")
            or argv[0].value == "eval"
            and any("alias" in w.text for w in argv[1:])
        ):
            line = node.start_point[0]
            if self.hidden_aliases is None or line < self.hidden_aliases:
                self.hidden_aliases = line
        elif argv and argv[0].value == "alias" and self.aliases is not None:
            for w in argv[1:]:
                name, eq, value = (w.value or w.text).partition("=")
                if eq:
                    self.aliases[name] = (
                        value if w.value is not None else None,
                        node.start_point[0],
                    )
        if argv and argv[0].value in self.functions and argv[0].value == argv[0].text:
            # `f(){ ls; }; f`: the call runs the body judged above, where its arguments are
            # unknown ($1, $@); a body that writes or runs them is judged so there, and one
            # that reads them reads these words: the call is judged as reading them.
            fname = argv[0].value
            if (
                fname not in self.calling
                and self.calls.get(fname, MAX_LOOP_WALKS) < MAX_LOOP_WALKS
                and all(w.value is not None for w in argv[1:])
            ):
                # `mk(){ mkdir -p "$1"; }; mk build`: with static arguments, the body is
                # judged again with them as its positional parameters
                self.calls[fname] += 1
                inner = state.copy()
                _set_positional([w.value for w in argv[1:]], inner)
                self.calling.add(fname)
                self.statements(self.bodies[fname][0], inner, context or "function body", [])
                self.calling.discard(fname)
                _merge(state, [state.copy(), _only(inner, _changed(state, inner))])
            elif fname in self.fn_sets:
                # `d=build; f(){ d=~; }; f; rm -rf "$d"`: the function's variables are the
                # caller's (unless declared local): after the call each holds what the body
                # left in it, or, if the body returned before, what it held
                _merge(state, [state.copy(), self.fn_sets[fname]])
            argv = [Word("true" if len(argv) == 1 else "cat", argv[0].text), *argv[1:]]
        lead = 0  # `builtin eval ...`, `command -p eval ...`: eval all the same
        while lead < len(argv) - 1 and argv[lead].value in ("builtin", "command", "-p", "--"):
            lead += 1
        if (
            len(argv) > lead + 1
            and argv[lead].value == "eval"
            and "=" in (code := " ".join(w.value or "" for w in argv[lead + 1 :]))
            and all(w.value is not None for w in argv[lead + 1 :])
        ):
            self._eval_assignments(code, state)
        cmd = _new_object(SimpleCommand)  # SimpleCommand(...) without its __init__
        cmd.argv = argv
        cmd.assigns = assigns
        cmd.redirects = own_redirects
        cmd.cwd = state.cwd
        cmd.text = self.text(node)
        cmd.context = context
        cmd.upstream = list(upstream)
        self.commands.append(cmd)
        if self.alternatives:
            alternatives, self.alternatives = self.alternatives, {}
            unknown = [w for w in argv if w.value is None] + [
                r.target for r in own_redirects if r.target is not None and r.target.value is None
            ]
            if len(unknown) == 1 and cmd is self.commands[-1]:
                only = unknown[0]
                each = alternatives.get(only.text.strip('"'))
                if (
                    each
                    and _PLAIN_REF.fullmatch(only.text.strip('"'))
                    and (
                        only.text.startswith('"')
                        or not any(_SPLITS_OR_GLOBS.search(v) for v in each)
                    )
                ):
                    # the one word not known holds one of a few values, each judged below:
                    # the command is those commands (`if ...; then d=build; else d=dist; fi;
                    # rm -rf "$d"`), not one with a path computed at run time as well
                    self.commands.pop()
            for i, w in enumerate(argv):
                key = w.text.strip('"')
                taken = alternatives.get(key) if w.value is None else None
                # `"${a[@]}"`, `"$@"`: every element, each one word
                spread = _SPREADS.fullmatch(key) is not None
                choices: list[list[Word]] = []
                if taken and spread:
                    choices = [[Word(v, w.text) for v in taken]]
                elif taken:
                    choices = [[Word(v, w.text)] for v in taken]
                for words in choices:
                    self.commands.append(
                        SimpleCommand(
                            [*argv[:i], *words, *argv[i + 1 :]],
                            assigns,
                            own_redirects,
                            state.cwd,
                            cmd.text,
                            context,
                            list(upstream),
                        )
                    )
            for i, r in enumerate(own_redirects):
                # `cat < "$f"`: a redirect's target, judged with each value too
                aim = r.target
                taken = (
                    alternatives.get(aim.text.strip('"'))
                    if aim is not None and aim.value is None
                    else None
                )
                for v in taken or ():
                    redirect = Redirect(r.op, Word(v, aim.text if aim else ""), r.fd)
                    self.commands.append(
                        SimpleCommand(
                            argv,
                            assigns,
                            [*own_redirects[:i], redirect, *own_redirects[i + 1 :]],
                            state.cwd,
                            cmd.text,
                            context,
                            list(upstream),
                        )
                    )
        if argv and argv[0].value in _CHANGES_DIR and not context:
            _change_dir(argv, state, "CDPATH" in self.source)
        elif argv and argv[0].value in _SETS_VARIABLES:
            ifs = next((w.value for n, w in reversed(assigns) if n == "IFS"), _UNSET)
            given, stdin = _stdin_of(own_redirects)
            records = _builtin_sets(
                argv, stdin if given else self.stdin, state, piped=bool(upstream), ifs=ifs
            )
            if argv[0].value in ("mapfile", "readarray"):
                self._listed_array(argv, own_redirects, upstream)
            if records is not None and self.loop_reads is not None:
                self.loop_reads.append(records)
            elif records is not None and not given and self.skipped:
                # lines before may have been read: each name holds what any line gives it
                for target in records[0]:
                    held = tuple(dict.fromkeys(r[target].value for r in records))
                    if None not in held and len(held) <= MAX_LOOP_WALKS:
                        state.vars[target] = None
                        state.choices[target] = tuple(v for v in held if v is not None)
        if (
            self.stdin is not None
            and argv
            and argv[0].value not in _NO_STDIN
            and not _stdin_of(own_redirects)[0]
        ):
            # the command reads from the input it shares with the commands after it: `read`
            # takes one line (the next `read` the one after); another command an unknown
            # part, after which a `read` may take any line
            rest = None if self.skipped else _after_read(argv, self.stdin)
            if rest is None:
                self.skipped = self.stdin.value is not None
                self.stdin = self.stdin if self.skipped else None
            else:
                self.stdin = rest
        for extra in after:
            self.statements(extra, state, context, [])

    def _eval_assignments(self, code: str, state: _State) -> None:
        """`eval "p=$HOME/.netrc"; cat "$p"`: what the code eval runs assigns is set for the
        commands after it, as the shell's own. The code itself is judged where eval is; here
        it is walked only for the variables it leaves."""
        if state.depth >= MAX_DEPTH:
            return
        raw = code.encode("utf-8", "surrogateescape")
        tree = _parser().parse(raw)
        if tree.root_node.has_error:
            return
        scratch = _Walker(code, raw)
        scratch.start_cwd = state.cwd
        scratch.functions = set(self.functions)
        state.depth += 1
        try:
            scratch.statements(tree.root_node, state, "eval", [])
        except _TooMany:
            pass
        finally:
            state.depth -= 1

    def _expand_alias(self, argv: list[Word], line: int) -> list[Word]:
        """`alias ls='rm -rf ~'` then `ls` on a later line, or `eval ls`: the command the
        alias stands for, judged as `eval` of its text (unknown when its value is)."""
        aliases = self.aliases or {}
        first = argv[0]
        if self.hidden_aliases is not None and self.hidden_aliases < line:
            # an alias defined where it cannot be seen may stand for anything
            return [Word("eval", "eval"), Word(None, " ".join(w.text for w in argv))]
        if first.value == "eval" and first.text == "eval" and len(argv) > 1:
            if any(w.value is None for w in argv[1:]):
                return argv
            code = " ".join(w.value or "" for w in argv[1:])
            expanded = _unalias(code, aliases, None)
            if expanded == code:
                return argv
            return [first, Word(expanded, " ".join(w.text for w in argv[1:]))]
        if first.text not in aliases or aliases[first.text][1] >= line:
            return argv
        code = " ".join(w.text for w in argv)
        return [Word("eval", "eval"), Word(_unalias(code, aliases, line), code)]

    def _listed_array(
        self, argv: list[Word], redirects: list[Redirect], upstream: list[SimpleCommand]
    ) -> None:
        """`mapfile -t files < <(find ...)`, `find ... | mapfile files`: the array's elements
        are the names the pipeline prints."""
        listing = next(
            (r.target.listed for r in redirects if r.op == "<" and r.target is not None),
            (),
        ) or tuple(upstream)
        names = [w.value for w in argv[1:] if w.value and not w.value.startswith("-")]
        array = names[-1] if names else "MAPFILE"
        if listing:
            self.listed_vars[array] = listing
        else:
            self.listed_vars.pop(array, None)

    def _glued(self, child: Node, state: _State, context: str, argv: list[Word]) -> None:
        """An argument that starts where the last one ended: one word with it. Its value is
        unknown unless both are (the substitutions in it are walked all the same)."""
        words = self.arg_words(child, state, context)
        if not words:
            return
        last, first = argv[-1], words[0]
        split = last.split or first.split
        if last.value is None:
            argv[-1] = Word(None, last.text + first.text, split, prefix=last.prefix)
        elif first.value is None:
            prefix = last.value + (first.prefix or "")
            argv[-1] = Word(None, last.text + first.text, split, prefix=prefix)
        else:
            argv[-1] = Word(last.value + first.value, last.text + first.text, split)
        argv.extend(words[1:])

    # ---- words ------------------------------------------------------------------------
    def arg_words(self, node: Node, state: _State, context: str) -> list[Word]:
        """The words one command argument becomes: brace expansion (`{a,b}`, `{1..3}`),
        then word splitting of unquoted expansions."""
        word = self.word(node, state, context)
        if (
            word.value == ""
            and state.vars.get("#") == "0"
            and _QUOTED_ALL_ARGUMENTS.fullmatch(word.text) is not None
        ):
            return []  # `"$@"`, `"${@^}"` with no arguments are no word at all
        if word.value is None or "{" not in word.text or "}" not in word.text:
            return _split(word, state)
        pattern = _brace_pattern(node, state)
        if pattern is None:
            # Braces next to parts this module does not evaluate without side effects: bash
            # may expand them into other words, so the value is not known.
            return [Word(None, word.text, split=True)]
        try:
            values = _brace_expand(pattern)
        except _TooMany:
            self.notes.append(
                (
                    Tier.HIGH,
                    f"brace expansion `{word.text[:40]}` makes more than {MAX_BRACE_WORDS} words, "
                    "too many to analyse (a huge one exhausts memory)",
                )
            )
            return [Word(None, word.text, split=True)]
        words: list[Word] = []
        for value in values:
            words.extend(_split(Word(_unescape(value), word.text, word.split), state))
        return words

    def word(self, node: Node, state: _State, context: str) -> Word:
        text = self.text(node)
        kind = self.kinds[node.kind_id]
        if kind == "word":
            return Word(_unescape(text), text)
        if kind in (
            "number",
            "variable_name",
            "extglob_pattern",
            "test_operator",
            "regex",
            "brace_expression",
        ):
            return Word(text, text)
        if kind == "raw_string":
            return Word(text[1:-1], text)
        if kind == "ansi_c_string":
            return Word(_ansi_c(text[2:-1], word=True), text)
        if kind in ("string", "translated_string"):
            children = node.named_children
            parts: list[Word] = [
                Word(_unescape_dq(self.text(child)), "")
                if self.kinds[child.kind_id] == "string_content"
                else self.word(child, state, context)
                for child in children
            ]
            if any(p.text for p in parts):
                parts = self._with_blanks(node, children, parts)
            if any(w.value is None for w in parts):
                # `"$f"`, `"$(find ...)"`: the names a pipeline prints, quoted
                whole = [w for w in parts if w.value != ""]
                return Word(
                    None,
                    text,
                    prefix=_leading(parts),
                    decoded=any(w.decoded for w in parts),
                    listed=whole[0].listed if len(whole) == 1 else (),
                )
            return Word("".join(w.value for w in parts if w.value is not None), text)
        if kind == "concatenation":
            words = [self.word(c, state, context) for c in node.named_children]
            if node.child_count != len(words) and any(
                not c.is_named and self.kinds[c.kind_id] == "$" for c in node.children
            ):
                # `a$HOME$x/`: tree-sitter ends the word at a `$` it reads alone and leaves
                # the name after it (`x/`) to a word of its own, glued on; bash expands `$x`
                # there, so the value is known only up to that `$`
                known: list[Word] = []
                named = iter(words)
                for c in node.children:
                    if c.is_named:
                        known.append(next(named))
                    elif self.kinds[c.kind_id] == "$":
                        break
                return Word(None, text, True, prefix=_leading([*known, Word(None, "")]))
            values = [w.value for w in words]
            split = any(w.split for w in words)
            if node.child_count != node.named_child_count and any(
                c.type == "$" for c in node.children
            ):
                # tree-sitter reads `$PWD/$d/x` as `$PWD/$` and a word `d/x` (and `-rf$IFS$HOME/`
                # as `-rf$IFS$` and `HOME/`): with a lone `$` left over, the word bash makes
                # is not known, only its start
                return Word(None, text, True, prefix=_leading(words))
            if None in values:
                # `./$(ls -a | grep env)`: a directory before names a pipeline prints
                unknown = [w for w in words if w.value is None]
                return Word(
                    None,
                    text,
                    split,
                    prefix=_leading(words),
                    decoded=any(w.decoded for w in words),
                    listed=unknown[0].listed if len(unknown) == 1 else (),
                )
            return Word("".join(v for v in values if v is not None), text, split=split)
        if kind in ("simple_expansion", "expansion"):
            if kind == "expansion":
                self._risky_expansion(text, state)
            names = [c for c in node.named_children if self.kinds[c.kind_id] == "variable_name"]
            others = [c for c in node.named_children if self.kinds[c.kind_id] != "variable_name"]
            for other in others:
                self.substitutions(other, state, context)
                if self.kinds[other.kind_id] == "word" and "`" in self.text(other):
                    self._backticks(self.text(other), state, context)
            if len(names) == 1 and not others and node.child_count <= 3:  # `$x`, `${x}`
                name = self.strict_text(names[0])
                value = _lookup(name, state)
                if value is None and state.choices and name in state.choices:
                    # one of a few values: the command is judged with each
                    self.alternatives[text] = state.choices[name]
                listed = self.listed_vars.get(name, ()) if self.listed_vars else ()
                if value is None and state.prefixes:
                    # `x=~/.ssh/$(id -un); cat "$x"`: the known start of its value (and
                    # whether a substitution disguised it: `f=$(base32 -d <<< ...)`)
                    return Word(
                        None,
                        text,
                        split=True,
                        prefix=state.prefixes.get(name),
                        decoded=_DECODED_VAR + name in state.prefixes,
                        listed=listed,
                    )
                if value is None and listed:
                    return Word(None, text, split=True, listed=listed)
                return Word(value, text, split=True)
            if kind == "simple_expansion" and text[1:] in _POSITIONAL_SPECIAL:
                value = state.vars.get(text[1:])  # `$*` after `set --`
            else:
                value = _param_value(text, state)
            if value is None and (kind == "expansion" or text == "$@"):
                candidates = _param_candidates(text, state)
                if candidates:
                    self.alternatives[text] = candidates
            if value is None and self.listed_vars:
                # `"${files[@]}"` of an array `mapfile` filled with names a pipeline prints
                element = _EXPANDED_NAME.fullmatch(text)
                listed = self.listed_vars.get(element.group(1), ()) if element else ()
                if listed:
                    return Word(None, text, split=True, listed=listed)
            return Word(value, text, split=True)
        if kind == "command_substitution":
            before = len(self.commands)
            value = self.substitution(node, state, context or "command substitution")
            if value is None and self._transforms_static_text(node, self.commands[before:]):
                return Word(None, text, split=True, decoded=True)
            if value is None:
                return Word(None, text, split=True, listed=_listing(self.commands[before:]))
            return Word(value, text, split=True)
        if kind == "process_substitution":
            before = len(self.commands)
            fed = self.substitution(node, state, context or "process substitution")
            return Word(None, text, fd=True, fed=fed, listed=_listing(self.commands[before:]))
        if kind == "arithmetic_expansion":
            self._arithmetic_values(node, state)
            self.substitutions(node, state, context)
            return Word("0", text)
        self.substitutions(node, state, context)
        return Word(None, text)

    def _with_blanks(self, node: Node, children: list[Node], parts: list[Word]) -> list[Word]:
        """A string's parts with the blanks tree-sitter leaves out of it beside an expansion
        (`"$PWD "` is read as `"$PWD"`, `"$a $b"` as `"$a$b"`): bash keeps them, and a
        name that ends in a blank is another file (`echo x > "$PWD "` writes beside the
        workspace, not in it)."""
        found: list[Word] = []
        at = node.start_byte + (2 if self.kinds[node.kind_id] == "translated_string" else 1)
        for child, part in zip(children, parts, strict=True):
            if child.start_byte > at:
                gap = self.raw[at : child.start_byte].decode("utf-8", "replace")
                if gap.isspace():
                    found.append(Word(gap, ""))
            if part.text[:1].isspace():  # ` $b` of `"$a $b"`: the blank is read into `$b`
                found.append(Word(part.text[: len(part.text) - len(part.text.lstrip())], ""))
            found.append(part)
            at = child.end_byte
        end = node.end_byte - 1  # before the closing quote
        if end > at:
            gap = self.raw[at:end].decode("utf-8", "replace")
            if gap.isspace():
                found.append(Word(gap, ""))
        return found

    def _risky_expansion(self, text: str, state: _State) -> None:
        """Expansions that run code hidden in a value: `${x@P}` (prompt expansion runs
        `$(...)` and backticks in x) and `${!x}` (an indirect name like `a[$(cmd)]`)."""
        if _PROMPT_EXPANSION.search(text):
            self.notes.append(
                (
                    Tier.HIGH,
                    f"prompt expansion `{text[:40]}` runs the commands hidden in the "
                    "variable's value",
                )
            )
            return
        arithmetic = _ARITHMETIC_PARTS.match(text)
        if arithmetic is not None:
            # `x='a[$(cmd)]'; echo ${b[x]}`, `${b:x}`: an indexed array's subscript and a
            # substring's offset and length are arithmetic
            parts = (arithmetic.group(1) or "") + " " + (arithmetic.group(2) or "")
            if self._arithmetic_payload(text, parts, state):
                return
        indirect = _INDIRECT.fullmatch(text)
        if indirect is not None:
            name = indirect.group(1)
            value = _lookup(name, state)
            values = (value,) if value is not None else self.loop_values.get(name)
            if values is None or any("[" in v for v in values):
                self.notes.append(
                    (
                        Tier.HIGH,
                        f"indirect expansion `{text[:40]}` evaluates a name computed at run "
                        "time (an array subscript in it runs commands)",
                    )
                )

    def _arithmetic_payload(self, text: str, expression: str, state: _State) -> bool:
        """`x='a[$(cmd)]'`, then x named in arithmetic (an indexed array's subscript, a
        substring's offset): arithmetic evaluates x's value as an expression, and the
        subscript in that value runs its command. Notes it; whether it did."""
        for name in _IDENT.findall(expression):
            value = state.vars.get(name)
            if value is not None and ("$(" in value or "`" in value):
                self.notes.append(
                    (
                        Tier.HIGH,
                        f"arithmetic in `{text[:40]}` evaluates the value of {name} "
                        f"({value[:40]!r}), and the command in it runs",
                    )
                )
                return True
        return False

    def _backticks(self, text: str, state: _State, context: str) -> None:
        """`${x:-`cmd`}`: tree-sitter leaves backticks in an expansion's operand as a plain
        word; bash runs them when it expands the operand, so they are judged as `eval`."""
        for match in _BACKTICKS.finditer(text):
            code = _UNESCAPE_WORD.sub(_GROUP_1, match.group(1))
            self.commands.append(
                SimpleCommand(
                    argv=[Word("eval", "eval"), Word(code, match.group(0))],
                    cwd=state.cwd,
                    text=text,
                    context=context or "command substitution",
                )
            )

    def _arithmetic_values(self, node: Node, state: _State) -> None:
        """`x='a[$(cmd)]'; (( x ))`: arithmetic evaluates a variable's value as an
        expression, and an array subscript in that value runs its command."""
        stack = [node]
        while stack:
            current = stack.pop()
            kind = self.kinds[current.kind_id]
            names = [current] if kind == "variable_name" else []
            if kind == "binary_expression" and any(
                self.kinds[c.kind_id] == "test_operator" and self.text(c) in _ARITHMETIC_TESTS
                for c in current.named_children
            ):
                # `[[ x -eq 0 ]]`: the operands of -eq and its kind are arithmetic
                names = [c for c in current.named_children if self.kinds[c.kind_id] == "word"]
            for name_node in names:
                name = self.strict_text(name_node)
                value = state.vars.get(name)
                if value is not None and ("$(" in value or "`" in value):
                    self.notes.append(
                        (
                            Tier.HIGH,
                            f"arithmetic evaluates the value of {name} ({value[:40]!r}), "
                            "and the command in it runs",
                        )
                    )
                    return
            stack.extend(current.named_children)

    def substitution(self, node: Node, state: _State, context: str) -> str | None:
        before = len(self.commands)
        inner = state.copy()
        for child in node.named_children:
            if self.kinds[child.kind_id] == "file_redirect":
                # `$(<FILE)`: bash reads FILE, as `cat FILE` would.
                redirects = self.redirect(child, inner, context, [], [])
                self.commands.append(
                    SimpleCommand(
                        argv=[Word("cat", "$(<")],
                        redirects=redirects,
                        cwd=inner.cwd,
                        text=self.text(node),
                        context=context or "command substitution",
                    )
                )
                continue
            self.statements(child, inner, context, [])
        produced = self.commands[before:]
        statements = [c for c in node.named_children if self.kinds[c.kind_id] != "comment"]
        self.printed = (
            self._printed(statements, produced, self.stdin)
            if self.feeds and self.kinds[node.kind_id] == "process_substitution"
            else None
        )
        if len(produced) == 1:
            return _static_output(produced[0])
        if (
            produced
            and len(statements) == 1
            and self.kinds[statements[0].kind_id] == "pipeline"
            and len(produced) == len(statements[0].named_children)
        ):
            # `$(echo . | tr '!-0' '"-1')`, `$(echo 2f... | xxd -r -p)`: static text through
            # filters that only decode it
            return self._piped_output(statements[0], produced)
        if (
            produced
            and len(statements) == 1
            and self.kinds[statements[0].kind_id] == "command"
            and produced[-1].text == self.text(statements[0])
        ):
            # `$(echo "$(echo "$HOME")")`: the substitutions inside the one command ran
            # first (and were judged); what prints is that command's static output
            return _static_output(produced[-1])
        return None

    def _transforms_static_text(self, node: Node, produced: list[SimpleCommand]) -> bool:
        """Whether the substitution `node` is text filters fed only text the line spells
        out (`echo`, `printf` or a here-string first, then `sed`, `awk`, `cut`, `base32 -d`,
        ...), so that what it prints is that text transformed."""
        statements = [c for c in node.named_children if self.kinds[c.kind_id] != "comment"]
        if len(statements) != 1:
            return False
        kind = self.kinds[statements[0].kind_id]
        if kind == "pipeline":
            stages = list(statements[0].named_children)
        elif kind in ("command", "redirected_statement"):
            stages = [statements[0]]
        else:
            return False
        for i, stage in enumerate(stages):
            found = [c for c in produced if c.text == self.text(stage)]
            if len(found) != 1 or not found[0].argv:
                return False
            cmd = found[0]
            if cmd.argv[0].value not in _TEXT_FILTERS:
                return False
            program = cmd.argv[1].value if len(cmd.argv) == 2 else None
            if i == 0 and program is not None and program.lstrip().startswith("BEGIN"):
                continue  # `awk 'BEGIN{print "..."}'`: no input, only its program's text
            if i == 0 and _stdout(cmd, None) is None:
                given, fed = _stdin_of(cmd.redirects)
                if not given or fed is None or fed.value is None:
                    return False
        return True

    def _piped_output(self, pipeline: Node, produced: list[SimpleCommand]) -> str | None:
        """What a pipeline of a static first stage and decoding filters prints (trailing
        newlines dropped, as a substitution drops them); None when any stage is not such."""
        text: str | None = None
        for i, stage in enumerate(pipeline.named_children):
            if self.kinds[stage.kind_id] != "command":
                return None
            found = [c for c in produced if c.text == self.text(stage)]
            if len(found) != 1 or not found[0].argv:
                return None
            if i == 0:
                printed = _stdout(found[0], None)
                text = None if printed is None else printed.value
                if text is None:
                    text = _decoded(found[0], None)
            else:
                text = _decoded(found[0], text)
            if text is None:
                return None
        return None if text is None else text.rstrip("\n")

    def _takes(self, takes: list[Record], state: _State) -> list[Record]:
        """The values a loop's body is judged with: each of a few (`MAX_LOOP_WALKS`); of
        more, each that may lead out of the workspace (absolute, `~`, `..`, a dot file, a
        glob, or any once the script changed directory) and then once not knowing the value;
        past the bound for those too, once not knowing it, and the loop is reported."""
        distinct = list(
            {tuple((n, w.value, w.prefix) for n, w in t.items()): t for t in takes}.values()
        )
        if len(distinct) <= MAX_LOOP_WALKS:
            return distinct
        moved = state.cwd != self.start_cwd
        unknown = {n: Word(None, "") for t in distinct for n in t}
        leading = [t for t in distinct if moved or any(map(_may_leave, t.values()))]
        if len(leading) <= MAX_LOOP_WALKS:
            return [*leading, unknown]
        self.notes.append(
            (
                Tier.HIGH,
                f"a loop takes more than {MAX_LOOP_WALKS} values that may name paths outside "
                "the workspace, more than are followed",
            )
        )
        return [unknown]

    def _printed(
        self, statements: list[Node], produced: list[SimpleCommand], stdin: Word | None
    ) -> Word | None:
        """What `statements` print in turn, when static (`echo`, `printf`, `cat` of a static
        input, groups of them), from the commands their walk produced; with a part not known,
        the known start; None when nothing is known."""
        out: list[str] = []
        for statement in statements:
            kind = self.kinds[statement.kind_id]
            printed: Word | None = None
            if kind in ("compound_statement", "subshell"):
                inner = [c for c in statement.named_children if self.kinds[c.kind_id] != "comment"]
                printed = self._printed(inner, produced, stdin)
            else:
                if kind == "redirected_statement":
                    statement = statement.child_by_field_name("body") or statement
                    kind = self.kinds[statement.kind_id]
                if kind == "command":
                    text = self.text(statement)
                    found = [c for c in produced if c.text == text]
                    if (
                        len(found) == 1
                        and found[0].argv[:1]
                        and (found[0].argv[0].text not in self.functions)
                    ):
                        printed = _stdout(found[0], stdin)
            if printed is None:
                return Word(None, "", prefix="".join(out)) if out else None
            if printed.value is None:
                prefix = "".join(out) + (printed.prefix or "")
                return Word(None, "", prefix=prefix or None)
            out.append(printed.value)
        return Word("".join(out), "")

    def substitutions(self, node: Node, state: _State, context: str) -> None:
        """Walk every command or process substitution below `node`: those run too."""
        stack = [node]
        while stack:
            current = stack.pop()
            if self.kinds[current.kind_id] in ("command_substitution", "process_substitution"):
                self.substitution(
                    current, state, context or self.kinds[current.kind_id].replace("_", " ")
                )
                continue
            stack.extend(reversed(current.named_children))


_ALWAYS = {"while": ("true", ":", "/bin/true", "[ 1 ]", "((1))"), "until": ("false", "/bin/false")}
_LOOP_EXITS = frozenset({"break", "exit", "return", "exec"})


_IFS_WHITESPACE = " \t\n"


_UNSET = "\0unset"


# One line `read` takes: what it assigns to each name (a value, or its known start).
Record = dict[str, Word]


def _builtin_sets(
    argv: list[Word], fed: Word | None, state: _State, piped: bool, ifs: str | None
) -> list[Record] | None:
    """`set -- ~/.ssh/id_rsa; cat "$1"`, `read f <<< ~/.netrc; cat "$f"`,
    `printf -v f '%s/.ssh/id_rsa' ~; cat "$f"`: the values these builtins give, when the words
    and the input (`fed`: a here-string, a here-document, a pipe from a static command) are
    static; unknown otherwise. For `read`, what it would assign from each line of the input
    (a `while read` loop takes them in turn); None when not known."""
    name = argv[0].value
    args = [w.value for w in argv[1:]]
    if name == "set":
        if args and args[0] == "--":
            _set_positional(args[1:], state)
        return None
    if name == "shift":
        count = state.vars.get("#")
        if count is None or not count.isdigit():
            return None
        n = int(args[0]) if args and args[0] is not None and args[0].isdigit() else 1
        _set_positional([state.vars.get(str(i)) for i in range(1, int(count) + 1)][n:], state)
        return None
    if name == "printf":
        if len(args) >= 3 and args[0] == "-v" and args[1] is not None:
            rest = args[3:]
            known = not piped and args[2] is not None and None not in rest
            state.vars[args[1]] = _printf(args[2] or "", [a or "" for a in rest]) if known else None
            state.prefixes.pop(args[1], None)
        return None
    if None in args:
        fed = None
    options, i = "", 0
    targets: list[str] = []
    delim = "\n"
    while i < len(args) and (args[i] or "").startswith("-") and args[i] != "--":
        flag = args[i] or ""
        with_arg = "adinNptu" if name == "read" else "dnOsuCc"
        for j, ch in enumerate(flag[1:], 1):
            options += ch
            if ch in with_arg:
                value = flag[j + 1 :]
                if not value and i + 1 < len(args):
                    i += 1
                    value = args[i] or ""
                if ch == "a":
                    targets.append(value)
                elif ch == "d":
                    delim = value[:1] or "\0"  # `-d ''`: up to a NUL
                elif ch == "u" and value == "0" or ch in "pt":
                    pass  # the same input; a prompt; a timeout
                else:
                    fed = None  # another descriptor, a count, an origin: not followed
                break
        i += 1
    if i < len(args) and args[i] == "--":
        i += 1
    names = [a or "" for a in args[i:]]
    if name != "read":
        array = names[-1] if names else "MAPFILE"
        if fed is None or fed.value is None:
            _set_array(array, None, state)
            return None
        items = fed.value.split(delim)
        if items[-1] == "":
            items.pop()
        _set_array(array, items if "t" in options else [x + delim for x in items], state)
        return None
    text = None if fed is None else fed.value
    start = None if fed is None or text is not None else fed.prefix
    known = text is not None or start is not None
    if "r" not in options:
        # without -r a backslash quotes the next character; before a newline, it goes on
        # to the next line
        text = None if text is None else _READ_ESCAPE.sub(_read_unescape, text)
        start = None if start is None else _READ_ESCAPE.sub(_read_unescape, start)
    lines: list[str] = []
    partial: str | None = None  # the known start of the line after the known ones
    if text is not None:
        lines = text.split(delim)
        if lines[-1] == "":
            lines.pop()
    elif start is not None:
        lines = start.split(delim)
        partial = lines.pop()
    if ifs == _UNSET:  # no `IFS=... read`: the script's own, or the default
        ifs = state.vars.get("IFS", _IFS_WHITESPACE) if "IFS" in state.vars else _IFS_WHITESPACE
    records = [_read_record(x, None, names, targets, ifs) for x in lines]
    if not known or ifs is None:
        records = [_read_record(None, None, names, targets, ifs)]
    elif partial is not None or not records:
        # the line after the known ones (or an empty input: the names set empty)
        records.append(
            _read_record(None if partial is not None else "", partial, names, targets, ifs)
        )
    _assign(records[0], state)
    return records


_READ_ESCAPE = re.compile(r"\\(.)", re.S)


def _read_unescape(match: re.Match[str]) -> str:
    return "" if match.group(1) == "\n" else match.group(1)


def _read_record(
    line: str | None, start: str | None, names: list[str], targets: list[str], ifs: str | None
) -> Record:
    """What `read NAMES` (`read -a TARGET`, `read` into REPLY) assigns from `line`; with the
    line unknown, what its known `start` gives the first name."""
    if targets:
        array = targets[0]
        if line is None or ifs is None:
            return {array: Word(None, "")}
        items = _ifs_split(line, ifs, -1)
        record = {f"{array}[{k}]": Word(v, v) for k, v in enumerate(items)}
        record[f"{array}[#]"] = Word(str(len(items)), "")
        record[array] = Word(items[0] if items else "", "")
        return record
    if not names:
        return {"REPLY": Word(line, "", prefix=start)}
    if line is None or ifs is None:
        record = {target: Word(None, "") for target in names}
        if start is not None and ifs is not None:
            white = "".join(c for c in ifs if c in _IFS_WHITESPACE)
            first = start.lstrip(white)
            if len(names) == 1 or not any(c in first for c in ifs):
                record[names[0]] = Word(None, "", prefix=first or None)
        return record
    fields = _ifs_split(line, ifs, len(names) - 1)
    return {
        target: Word(fields[k] if k < len(fields) else "", "") for k, target in enumerate(names)
    }


def _stdin_listing(redirects: list[Redirect]) -> tuple[SimpleCommand, ...]:
    """The pipeline whose output, names, is redirected to standard input (`< <(find ...)`,
    `<<< "$(find ...)"`), from the last such redirect."""
    for r in reversed(redirects):
        if r.fd not in (None, "0"):
            continue
        if r.op == "<" and r.target is not None:
            return r.target.listed
        if r.op == "<<<" and r.stdin is not None:
            return r.stdin.listed
    return ()


# `${name}`, `${name[@]}`, `${name[0]}`: a variable's value or an array's elements.
_EXPANDED_NAME = re.compile(r"\$\{(\w+)(?:\[[^]]*\])?\}")


def _listing(produced: list[SimpleCommand]) -> tuple[SimpleCommand, ...]:
    """The pipeline whose output a substitution gives, from the commands its walk produced:
    the last one and the stages before it."""
    if not produced:
        return ()
    last = produced[-1]
    return (*last.upstream, last)


def _assign(record: Record, state: _State) -> None:
    """Give the variables of `record` their values (or, unknown, their known starts)."""
    for target, word in record.items():
        state.vars[target] = word.value
        if state.choices:
            state.choices.pop(target, None)
        if word.value is None and word.prefix is not None:
            state.prefixes[target] = word.prefix
        else:
            state.prefixes.pop(target, None)
        if target.endswith("[#]") or "[" in target:
            continue
        if word.value is None and target not in ("REPLY",):
            # an array given by `read -a` unknown: its elements are not known either
            state.vars.pop(f"{target}[#]", None)


def _ifs_split(line: str, ifs: str, maxsplit: int) -> list[str]:
    if not ifs:
        return [line]
    white = "".join(c for c in ifs if c in _IFS_WHITESPACE)
    line = line.strip(white)
    if maxsplit == 0:
        return [line]
    if white == ifs:
        return line.split(None, maxsplit)
    return re.split("[" + re.escape(ifs) + "]", line, maxsplit=max(maxsplit, 0))


_FIRST_WORD = re.compile(r"\s*([^\s;&|()<>]+)")


def _unalias(code: str, aliases: dict[str, tuple[str | None, int]], line: int | None) -> str | None:
    """`code` with its first word replaced by the alias it names, again while the result
    starts with another (each once); None when an alias's value is not known. `line`: only
    aliases defined before it (None: all, as for `eval`)."""
    seen: set[str] = set()
    while True:
        match = _FIRST_WORD.match(code)
        name = match.group(1) if match is not None else ""
        if match is None or name in seen or name not in aliases:
            return code
        value, defined = aliases[name]
        if line is not None and defined >= line:
            return code
        if value is None:
            return None
        seen.add(name)
        code = code[: match.start(1)] + value + code[match.end(1) :]


# Builtins and programs that never read their standard input.
_NO_STDIN = frozenset(
    {"echo", "printf", "true", "false", ":", "cd", "set", "shift", "export", "local", "test", "["}
)


def _after_read(argv: list[Word], fed: Word) -> Word | None:
    """What is left of the input `fed` after the command `argv` read from it: after a plain
    `read`, the lines after the first; after anything else, not known."""
    if argv[0].value != "read" or fed.value is None:
        return None
    if any(w.value is None or w.value[:1] == "-" and w.value.strip("-raspte") for w in argv[1:]):
        return None  # a delimiter, a count, a descriptor, or words computed at run time
    if "\\\n" in fed.value:
        return None  # a line that may go on to the next
    return Word(fed.value.partition("\n")[2], fed.text)


def _may_leave(word: Word) -> bool:
    """A value that may name a path outside the workspace (or, with its glob, several)."""
    value = word.value if word.value is not None else word.prefix
    if value is None:
        return False
    return value.startswith(("/", "~", ".")) or "/.." in value or any(c in value for c in "*?[")


_LEADING_TABS = re.compile(r"^\t+", re.M)


def _heredoc_value(text: str, state: _State) -> Word:
    """An unquoted here-document's text as bash feeds it: `\\$`, `\\``, `\\\\` unquoted,
    `\\newline` removed, `$name` and `${...}` replaced by their values; at a part not known
    (a command substitution, backquotes, a value computed at run time), the known start."""
    parts: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "$`\\\n":
            if text[i + 1] != "\n":
                parts.append(text[i + 1])
            i += 2
            continue
        if c == "$" and i + 1 < n and text[i + 1] == "{":
            end = text.find("}", i)
            value = None if end < 0 else _param_value(text[i : end + 1], state)
            if value is None:
                break
            parts.append(value)
            i = end + 1
            continue
        if c == "$" and i + 1 < n and not text[i + 1].isspace():
            ref = _PARAM_REF.match(text, i)
            value = None if ref is None else _lookup(ref.group(1) or ref.group(2), state)
            if ref is None or value is None:
                break
            parts.append(value)
            i = ref.end()
            continue
        if c == "`":
            break
        parts.append(c)
        i += 1
    else:
        return Word("".join(parts), text)
    return Word(None, text, prefix="".join(parts) or None)


def _set_array(name: str, items: list[str] | None, state: _State) -> None:
    if items is None:
        state.vars[name] = None
        state.vars.pop(f"{name}[#]", None)
        return
    for i, item in enumerate(items):
        state.vars[f"{name}[{i}]"] = item
    state.vars[f"{name}[#]"] = str(len(items))
    state.vars[name] = items[0] if items else ""


def _set_positional(items: list[str | None], state: _State) -> None:
    old = state.vars.get("#")
    for i in range(len(items) + 1, (int(old) if old and old.isdigit() else 0) + 1):
        state.vars.pop(str(i), None)
    for i, item in enumerate(items, 1):
        state.vars[str(i)] = item
    state.vars["#"] = str(len(items))
    state.vars["*"] = None if None in items else " ".join(i for i in items if i is not None)
    if items:
        state.vars.pop("@", None)  # `"$@"` is one word per argument: `_SPREADS`
    else:
        state.vars["@"] = ""


_POSITIONAL = re.compile(r"[0-9]+|[#*@]")
_SPLITS_OR_GLOBS = re.compile(r"[\s*?\[]")
_PLAIN_REF = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})")


def _changed(before: _State, after: _State) -> set[str]:
    """The variables `after` holds otherwise than `before` (positional parameters apart)."""
    names = set()
    for name in set(before.vars) | set(after.vars):
        if _POSITIONAL.fullmatch(name):
            continue
        if (
            before.vars.get(name, _ABSENT) != after.vars.get(name, _ABSENT)
            or before.choices.get(name) != after.choices.get(name)
            or before.prefixes.get(name) != after.prefixes.get(name)
        ):
            names.add(name)
    return names


def _only(state: _State, names: set[str]) -> _State:
    """`state` as an outcome that changed only `names` (the rest is left to the merge)."""
    kept = state.copy()
    kept.vars = {n: v for n, v in state.vars.items() if n in names}
    kept.choices = {n: v for n, v in state.choices.items() if n in names}
    kept.prefixes = {n: v for n, v in state.prefixes.items() if n in names}
    return kept


_ABSENT = "\0absent"  # a variable an outcome does not hold (not known: the environment's)


def _merge(state: _State, outcomes: list[_State]) -> None:
    """Make `state` what any of `outcomes` may leave: a variable they all leave alike keeps
    that, one they leave differently holds one of their values (judged with each, as
    `choices`), or is unknown when one of them does not know it. An outcome made by `_only`
    speaks only of the names it holds; `state`'s own value stands for the others."""
    names: set[str] = set()
    for outcome in outcomes:
        names |= _changed(state, outcome) & (set(outcome.vars) | set(outcome.choices))
    for outcome in outcomes[:1]:
        names |= _changed(state, outcome)
    for name in names:
        values: list[str] = []
        known = True
        for outcome in outcomes:
            if name in outcome.vars or name in outcome.choices:
                value = outcome.vars.get(name)
                held = outcome.choices.get(name) if value is None else (value,)
            else:
                value = state.vars.get(name)
                held = state.choices.get(name) if value is None else (value,)
            if held is None or (
                name not in outcome.vars and name not in state.vars and name not in outcome.choices
            ):
                known = False
                break
            values.extend(held)
        state.prefixes.pop(name, None)
        distinct = tuple(dict.fromkeys(values))
        if known and len(distinct) == 1:
            state.vars[name] = distinct[0]
            state.choices.pop(name, None)
        else:
            state.vars[name] = None
            if known and len(distinct) <= MAX_LOOP_WALKS:
                state.choices[name] = distinct
            else:
                state.choices.pop(name, None)


def _unknown_positional(state: _State) -> _State:
    """A copy of `state` for a function's body: its positional parameters are its callers'
    arguments, not known there."""
    inner = state.copy()
    count = inner.vars.pop("#", None)
    for name in ("*", "@"):
        inner.vars.pop(name, None)
    for i in range(1, (int(count) if count and count.isdigit() else 0) + 1):
        inner.vars.pop(str(i), None)
    return inner


_PRINTF_PRECISION = re.compile(r"\.(\d{0,4})s")


def _printf(fmt: str, args: list[str]) -> str | None:
    """What `printf FMT ARGS` prints for `%s`, `%.Ns`, `%b` and `%%` directives, the format reused while
    arguments are left (`printf '%s\\n' a b`); None for any other directive."""
    out: list[str] = []
    used = 0
    while True:
        literal: list[str] = []
        start, i = used, 0
        while i < len(fmt):
            if fmt[i] == "%":
                directive = fmt[i + 1 : i + 2]
                precision = _PRINTF_PRECISION.match(fmt, i + 1)
                if precision is not None:
                    # `%.1s`: the first characters of the argument
                    out.append(_ansi_c("".join(literal)))
                    literal = []
                    arg = args[used] if used < len(args) else ""
                    out.append(arg[: int(precision.group(1) or "0")])
                    used += 1
                    i = precision.end()
                    continue
                if directive == "%":
                    literal.append("%")
                elif directive in ("s", "b"):
                    out.append(_ansi_c("".join(literal)))
                    literal = []
                    arg = args[used] if used < len(args) else ""
                    if directive == "b" and "\\" in arg:
                        if "\\c" in arg:
                            return None
                        arg = _ansi_c(arg)
                    out.append(arg)
                    used += 1
                else:
                    return None
                i += 2
                continue
            literal.append(fmt[i])
            i += 1
        out.append(_ansi_c("".join(literal)))
        if used >= len(args) or used == start:
            return "".join(out)
        if len(out) > MAX_WORDS:
            return None


_CHANGES_DIR = frozenset({"cd", "pushd", "popd"})


def _change_dir(argv: list[Word], state: _State, cdpath: bool = False) -> None:
    """`cd ARGS`, `pushd ARGS`, `popd`: the directory the commands after it run in. Known
    only at run time after `popd` (a directory pushed earlier), `pushd` alone or `pushd +N`
    (the stack rotated), and, when the script mentions CDPATH, after `cd NAME` for a name
    not starting with `/` or `.` (bash looks for it below CDPATH's directories first)."""
    verb, args = argv[0].value, argv[1:]
    targets = [a for a in args if not (a.value or "").startswith("-") or a.value == "-"]
    if (
        verb == "popd"
        or verb == "pushd"
        and (not targets or (targets[0].value or "").startswith("+"))
    ):
        state.cwd = None
        return
    if not targets:
        state.cwd = state.home
        return
    value = targets[0].value
    if (
        value is None
        or value == "-"
        or state.cwd is None
        and not _is_abs(value)
        or cdpath
        and not value.startswith(("/", ".", "~"))
    ):
        state.cwd = None
        return
    state.cwd = resolve_path(value, state.cwd or "/", state.home)


def _endless_loop(node: Node) -> bool:
    """A `while true` / `until false` loop whose body has no break, exit or return."""
    keyword = node.children[0].type if node.children else ""
    condition = node.child_by_field_name("condition")
    if condition is None or keyword not in _ALWAYS:
        return False
    if _node_text(condition).strip().rstrip(";").strip() not in _ALWAYS[keyword]:
        return False
    stack = [node.child_by_field_name("body")]
    while stack:
        current = stack.pop()
        if current is None:
            continue
        if current.type == "command_name" and _node_text(current) in _LOOP_EXITS:
            return False
        stack.extend(current.children)
    return True


_BRACE_META = re.compile(r"([\\{},.])")
_RANGE = re.compile(r"^(-?[0-9]+|[A-Za-z])\.\.(-?[0-9]+|[A-Za-z])(?:\.\.(-?[0-9]+))?$")


def _brace_pattern(node: Node, state: _State) -> str | None:
    """The argument as bash sees it at brace expansion: unquoted text keeps its backslash
    escapes, quoted text and variable values are escaped so their braces stay literal.
    None when a part's value is not known without running something."""
    kind = node.type
    text = _node_text(node)
    if kind == "word":
        return text
    if kind in ("brace_expression", "number"):
        return text
    if kind == "concatenation":
        parts = [_brace_pattern(c, state) for c in node.named_children]
        known = [p for p in parts if p is not None]
        return "".join(known) if len(known) == len(parts) else None
    literal: str | None = None
    if kind == "raw_string":
        literal = text[1:-1]
    elif kind == "ansi_c_string":
        literal = _ansi_c(text[2:-1], word=True)
    elif kind == "string":
        # `"${HOME}/.netrc"`: text and known variables, each escaped (quoted braces stay)
        parts = [
            _BRACE_META.sub(r"\\\1", _unescape_dq(_node_text(c)))
            if c.type == "string_content"
            else _brace_pattern(c, state)
            if c.type in ("simple_expansion", "expansion")
            else None
            for c in node.named_children
        ]
        return None if None in parts else "".join(p for p in parts if p is not None)
    elif kind in ("simple_expansion", "expansion"):
        names = [c for c in node.named_children if c.type == "variable_name"]
        if len(names) == 1 and len(node.named_children) == 1 and node.child_count <= 3:
            literal = _lookup(_node_strict_text(names[0]), state)
        else:
            literal = _param_value(text, state)
    return None if literal is None else _BRACE_META.sub(r"\\\1", literal)


def _brace_expand(pattern: str) -> list[str]:
    """bash brace expansion of an escaped pattern; raises _TooMany past MAX_BRACE_WORDS."""
    n = len(pattern)
    i = 0
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch != "{":
            i += 1
            continue
        depth, k, commas = 0, i, []
        while k < n:
            c = pattern[k]
            if c == "\\":
                k += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    break
            elif c == "," and depth == 1:
                commas.append(k)
            k += 1
        if k >= n:
            i += 1
            continue
        inner = pattern[i + 1 : k]
        if commas:
            bounds = [i, *commas, k]
            alternatives = [pattern[a + 1 : b] for a, b in zip(bounds, bounds[1:], strict=False)]
        else:
            in_range = _brace_range(inner)
            if in_range is None:
                i += 1
                continue
            alternatives = in_range
        head, tails = pattern[:i], _brace_expand(pattern[k + 1 :])
        out: list[str] = []
        for alternative in alternatives:
            for middle in _brace_expand(alternative) if commas else [alternative]:
                for tail in tails:
                    out.append(head + middle + tail)
                    if len(out) > MAX_BRACE_WORDS:
                        raise _TooMany(f"brace expansion makes more than {MAX_BRACE_WORDS} words")
        return out
    return [pattern]


def _brace_range(inner: str) -> list[str] | None:
    match = _RANGE.match(inner)
    if match is None:
        return None
    start, end, step_text = match.groups()
    step = abs(int(step_text)) if step_text else 1
    step = step or 1
    if start.isalpha() != end.isalpha():
        return None
    if start.isalpha():
        a, b = ord(start), ord(end)
        if abs(b - a) // step + 1 > MAX_BRACE_WORDS:
            raise _TooMany(f"brace expansion makes more than {MAX_BRACE_WORDS} words")
        seq = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        return [_BRACE_META.sub(r"\\\1", chr(c)) for c in seq]
    a, b = int(start), int(end)
    if abs(b - a) // step + 1 > MAX_BRACE_WORDS:
        raise _TooMany(f"brace expansion makes more than {MAX_BRACE_WORDS} words")
    padded = any(len(t.lstrip("-")) > 1 and t.lstrip("-").startswith("0") for t in (start, end))
    pad = max(len(start), len(end)) if padded else 0
    seq = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
    return [str(v).zfill(pad) if pad else str(v) for v in seq]


# A word that is one unquoted expansion, all of whose value bash splits into fields (a
# literal part next to it is not split: `/a,b$x`).
_WHOLE_EXPANSION = re.compile(
    r"\$[A-Za-z_][A-Za-z0-9_]*|\$\{[A-Za-z_][A-Za-z0-9_]*\}|`[^`]*`|\$\([^()]*\)", re.S
)


def _field_split(value: str, ifs: str) -> list[str] | None:
    """The fields bash makes of an unquoted expansion's value with the script's own IFS, when
    IFS holds only white space or only other characters (each of these ends a field, and
    two in a row make an empty one; a last one makes none); None for a mix of both."""
    white = [c for c in ifs if c in _IFS_WHITESPACE]
    if len(white) == len(ifs):
        return re.split("[" + re.escape(ifs) + "]+", value.strip(ifs)) if value.strip(ifs) else []
    if white:
        return None
    fields = re.split("[" + re.escape(ifs) + "]", value)
    if fields and fields[-1] == "":
        fields.pop()
    return fields


def _split(word: Word, state: _State) -> list[Word]:
    if word.split and word.value == "" and not _QUOTES.intersection(word.text):
        # `$u ls` with u empty, `$@` with no arguments: bash removes a word that an unquoted
        # expansion left empty (`"$u"`, `''$u` stay, as one empty word)
        return []
    if word.split and "IFS" in state.vars and word.value is not None:
        # `IFS=,; c=rm,-rf,~; $c`: fields split on the script's own separators
        ifs = state.vars["IFS"]
        if ifs is None or any(c in word.value for c in ifs):
            fields = (
                _field_split(word.value, ifs)
                if ifs is not None and _WHOLE_EXPANSION.fullmatch(word.text) is not None
                else None
            )
            if fields is None:
                return [Word(None, word.text, split=True)]
            return [Word(field, word.text) for field in fields]
        return [word]
    if (
        word.split
        and word.value is not None
        and (" " in word.value or "\t" in word.value or "\n" in word.value)
    ):
        return [Word(part, word.text) for part in word.value.split()]
    if (
        word.split
        and word.value is None
        and word.prefix
        and not _QUOTES.intersection(word.text)
        and "\\" not in word.text
        and (" " in word.prefix or "\t" in word.prefix or "\n" in word.prefix)
    ):
        # `.$IFS-exec$IFS/tmp/x$IFS{}`: the known start holds blanks only an unquoted
        # expansion put there, so the fields before the last blank are words of their own
        fields = word.prefix.split()
        if word.prefix[-1] in _IFS_WHITESPACE:
            return [*(Word(f, word.text) for f in fields), Word(None, word.text, split=True)]
        last = Word(None, word.text, split=True, prefix=fields[-1], decoded=word.decoded)
        return [*(Word(f, word.text) for f in fields[:-1]), last]
    return [word]


# `${name OP}`, `${!name}`, `${name[key] OP}`: the forms `_param_value` evaluates.
_PARAM = re.compile(r"\$\{(!?)([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*])(\[[^\]]*\])?(.*)\}", re.S)
_PARAM_DEFAULT = re.compile(r"(:?)([-=?+])(.*)", re.S)
_PARAM_SUBSTRING = re.compile(r":( *-?\d*)(?::( *-?\d+))?")
_PARAM_REF = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_POSITIONAL_SPECIAL = frozenset({"*", "@", "#"})
# `${name[subscript]...}` and `${#name[subscript]}`: the subscript.
# `[subscript]=value` in an array's list.
_ARRAY_INDEX = re.compile(r"\[([^\]]*)\]=")
# `name[subscript]` given to unset or declare.
_ELEMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\[([^\]]*)\]")
# `${name[subscript]...}`, `${#name[subscript]}`, `${name:offset:length}`: the parts bash
# evaluates as arithmetic (a subscript of an indexed array, a substring's bounds).
_ARITHMETIC_PARTS = re.compile(
    r"\$\{[#!]?[A-Za-z_][A-Za-z0-9_]*(?:\[([^\]]*)\])?(?::(?![-=+?])([^}]*))?\}?"
)
_QUOTES = frozenset("'\"")
_QUOTED_ALL_ARGUMENTS = re.compile(r'"\$(?:@|\{@[^"$`}]*\})"')
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUOTED_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.S)
_QUOTED_NAME = re.compile(r"[\"']([A-Za-z_][A-Za-z0-9_]*)=")


def _quoted_assignment(word: Word) -> tuple[str, Word] | None:
    """`"p=$HOME/.ssh/id_rsa"` given to declare, export, local, readonly or typeset: the
    name and value bash assigns from one quoted word, or None for a flag or a name."""
    if word.value is not None:
        m = _QUOTED_ASSIGNMENT.fullmatch(word.value)
        if m is None or word.text[:1] not in ("'", '"', "$"):
            return None
        return m.group(1), Word(m.group(2), word.text)
    if word.prefix is not None:
        m = _QUOTED_ASSIGNMENT.fullmatch(word.prefix)
        if m is not None:
            return m.group(1), Word(None, word.text, prefix=m.group(2))
    m = _QUOTED_NAME.match(word.text)
    if m is not None:  # `"p=$(cmd)"`: the name is literal, the value known at run time
        return m.group(1), Word(None, word.text)
    return None


_MAX_PARAM_VALUE = 4096


def _param_value(text: str, state: _State) -> str | None:
    """The value of a parameter expansion with an operator, when bash's result follows from
    what the script set: defaults and alternatives (`${x:-~/.ssh/id_rsa}`; for a variable the
    script did not set, the default it writes), prefix and suffix removal (`${f%.pub}`),
    replacement, case changes, substrings, `${!ref}`, static array subscripts. Otherwise
    unknown."""
    match = _PARAM.fullmatch(text)
    if match is None:
        return None
    bang, name, subscript, op = match.groups()
    if name in _POSITIONAL_SPECIAL and (
        bang or subscript is not None or (op and op[0] not in ",^#%/")
    ):
        # `${@:0:1}` is `$0`, `${@-x}` is x with no arguments, `${!@}`: not followed
        return None
    if subscript is not None:
        if bang:
            return None
        key = subscript[1:-1]
        if key in ("@", "*"):
            count = state.vars.get(f"{name}[#]")
            if count is None or not count.isdigit():
                return None
            items = [state.vars.get(f"{name}[{i}]") for i in range(int(count))]
            if any(v is None for v in items) or (key == "@" and len(items) != 1):
                return None  # `"${a[@]}"` is one word per element
            value: str | None = " ".join(v for v in items if v is not None)
            known = True
        else:
            if key.isdigit():
                key = str(int(key))
            name = f"{name}[{key}]"
            known = name in state.vars
            value = state.vars.get(name)
    else:
        known = name in state.vars or name in ("HOME", "PWD", "IFS")
        value = _lookup(name, state)
        if bang:
            if op or value is None or not _IDENT.fullmatch(value):
                return None
            return _lookup(value, state)
    if not op:
        return value
    default = _PARAM_DEFAULT.fullmatch(op)
    if default is not None:
        colon, kind, operand = default.groups()
        if known and value is None:
            return None  # set to something computed at run time: either branch may be taken
        is_set = known and (value != "" or not colon)
        if kind == "+":
            return _param_operand(operand, state) if is_set else ("" if known else None)
        if is_set:
            return value
        if kind == "?":
            return None
        result = _param_operand(operand, state)
        if kind == "=" and subscript is None:
            state.vars[name] = result  # `${x:=v}` assigns v
        return result
    if value is None or len(value) > _MAX_PARAM_VALUE:
        return None
    if op in (",,", "^^", ",", "^", "@L", "@U", "@u"):
        if op in (",,", "@L"):
            return value.lower()
        if op in ("^^", "@U"):
            return value.upper()
        return (value[:1].lower() if op == "," else value[:1].upper()) + value[1:]
    if op[0] in "#%":
        longest = op[:2] in ("##", "%%")
        pattern = _glob_regex(op[2:] if longest else op[1:])
        if pattern is None:
            return None
        n = len(value)
        if op[0] == "#":
            order = range(n, -1, -1) if longest else range(n + 1)
            for k in order:
                if pattern.fullmatch(value, 0, k):
                    return value[k:]
        else:
            order = range(n + 1) if longest else range(n, -1, -1)
            for k in order:
                if pattern.fullmatch(value, k):
                    return value[:k]
        return value
    if op[0] == "/":
        body = op[1:]
        mode = ""
        if body[:1] in ("/", "#", "%"):
            mode, body = body[0], body[1:]
        slash = _unescaped_slash(body)
        pat_text, replacement = (body, "") if slash < 0 else (body[:slash], body[slash + 1 :])
        pattern = _glob_regex(pat_text)
        rep = _param_operand(replacement, state)
        if pattern is None or rep is None or not pat_text:
            return None
        anchored = {"#": "^(?:%s)", "%": "(?:%s)$"}.get(mode, "%s") % pattern.pattern
        return re.sub(anchored, lambda _m: rep, value, count=0 if mode == "/" else 1, flags=re.S)
    substring = _PARAM_SUBSTRING.fullmatch(op)
    if substring is not None:
        offset_text, length_text = substring.groups()
        offset = int(offset_text.replace(" ", "") or "0")
        start = offset if offset >= 0 else max(len(value) + offset, 0)
        if length_text is None:
            return value[start:]
        length = int(length_text.replace(" ", ""))
        end = start + length if length >= 0 else len(value) + length
        return value[start:end] if end >= start else None
    return None


_SPREADS = re.compile(r"\$(?:@|\{@\}|\{[A-Za-z_][A-Za-z0-9_]*\[@\]\})")


def _param_candidates(text: str, state: _State) -> tuple[str, ...] | None:
    """The values `${a[i]}`, `${a[@]:1}`, `${@: -1}` may take: the elements of an array (or
    the positional parameters) whose elements are all known, when few."""
    match = _PARAM.fullmatch(text)
    if match is not None and match.group(3) is not None and not match.group(1):
        prefix, count = f"{match.group(2)}[", state.vars.get(f"{match.group(2)}[#]")
        items = [state.vars.get(f"{prefix}{i}]") for i in range(int(count))] if count else []
    elif text.startswith(("${@", "${*", "$@", "$*")) and text != "$*":
        count = state.vars.get("#")
        items = [state.vars.get(str(i)) for i in range(1, int(count) + 1)] if count else []
    else:
        return None
    if not items or None in items or len(items) > MAX_LOOP_WALKS:
        return None
    return tuple(v for v in items if v is not None)


def _unescaped_slash(text: str) -> int:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "/":
            return i
        i += 1
    return -1


def _glob_regex(pattern: str) -> re.Pattern[str] | None:
    """A bash pattern (`*`, `?`, `[...]`, quotes, backslashes) as a regex; None when it holds
    an expansion."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                out.append("\\[")
            else:
                body = pattern[i + 1 : end]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        elif c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 1
        elif c in "'\"":
            pass
        elif c in "$`":
            return None
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("".join(out), re.S)
    except re.error:
        return None


def _param_operand(word: str, state: _State) -> str | None:
    """The word of `${x:-word}` (tilde, quotes, `$name`), or None when it runs a command or
    names a value not known."""
    if "$(" in word or "`" in word:
        return None
    out: list[str] = []
    i = 0
    if word == "~" or word.startswith("~/"):
        out.append(state.home)
        i = 1
    while i < len(word):
        c = word[i]
        if c == "'":
            end = word.find("'", i + 1)
            if end < 0:
                return None
            out.append(word[i + 1 : end])
            i = end + 1
            continue
        if c == '"':
            i += 1
            continue
        if c == "\\" and i + 1 < len(word):
            out.append(word[i + 1])
            i += 2
            continue
        if c == "$":
            ref = _PARAM_REF.match(word, i)
            if ref is None:
                return None
            value = _lookup(ref.group(1) or ref.group(2), state)
            if value is None:
                return None
            out.append(value)
            i = ref.end()
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _leading(words: list[Word]) -> str | None:
    """What the known parts before the first unknown one spell, that one's own known
    prefix included (None if nothing)."""
    text = ""
    for word in words:
        if word.value is None:
            text += word.prefix or ""
            break
        text += word.value
    return text or None


def _lookup(name: str, state: _State) -> str | None:
    if name in state.vars:
        return state.vars[name]
    if name == "HOME":
        return state.home
    if name == "PWD":
        return state.cwd
    if name == "IFS":
        return _IFS_WHITESPACE  # bash sets it at startup, whatever the environment says
    return None


def _static_output(cmd: SimpleCommand) -> str | None:
    """What `$(echo ...)` / `$(printf ...)` / `$(dirname ...)` / `$(basename ...)` prints,
    when every word is static; also what a decoding filter prints of a static here-string
    (`$(xxd -r -p <<< 2f...)`, `$(rev <<< ...)`)."""
    if cmd.upstream or not cmd.argv:
        return None
    if cmd.redirects or cmd.argv[-1].fd:
        decoded = _decoded(cmd, None)
        return None if decoded is None else decoded.rstrip("\n")
    values = [w.value for w in cmd.argv if w.value is not None]
    if len(values) != len(cmd.argv):
        return None
    name, args = values[0], values[1:]
    if name in (":", "true", "false"):
        return ""
    if name == "echo":
        escapes = False
        while args and _ECHO_FLAGS.fullmatch(args[0]):
            escapes = "e" in args[0] or escapes and "E" not in args[0]
            args = args[1:]
        text = " ".join(args)
        if escapes and "\\" in text:
            return None if "\\c" in text else _ansi_c(text)
        return text
    if name == "printf" and args:
        fmt, rest = args[0], args[1:]
        if "%" not in fmt:
            return _ansi_c(fmt)
        if fmt.replace("\\n", "") in ("%s", "%s "):
            return " ".join(rest)
        printed = None if fmt.startswith("-") else _printf(fmt, rest)
        if printed is not None:
            return printed.rstrip("\n")
    if name == "pwd" and not args:
        return cmd.cwd
    if name == "git" and args == ["rev-parse", "--show-toplevel"] and not cmd.assigns:
        return _repository_root(cmd.cwd)
    if name == "dirname" and len(args) == 1 and not args[0].startswith("-"):
        return _dirname(args[0])
    if name == "basename" and 1 <= len(args) <= 2 and not args[0].startswith("-"):
        return _basename(args[0], args[1] if len(args) == 2 else "")
    if name == "mktemp" and not cmd.assigns:
        return _mktemp_name(args, cmd.cwd)
    return None


def _mktemp_name(args: list[str], cwd: str | None) -> str | None:
    """The name `mktemp ARGS` prints, its random letters left as the template's X's: a new
    name in /tmp (`mktemp`, `mktemp -d`, `-t NAME`, `-p DIR`), or the template's own
    directory. None for an option not known here."""
    folder: str | None = None
    in_tmp = False
    template: str | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-d", "--directory", "-q", "--quiet", "-u", "--dry-run"):
            pass
        elif arg == "-t":
            in_tmp = True
        elif arg in ("-p", "--tmpdir") and i + 1 < len(args):
            folder = args[i + 1]
            i += 1
        elif arg.startswith("--tmpdir="):
            folder = arg.split("=", 1)[1]
        elif arg == "--tmpdir":
            in_tmp = True
        elif arg.startswith("-") or template is not None:
            return None
        else:
            template = arg
        i += 1
    if template is None:
        return (folder or "/tmp").rstrip("/") + "/tmp.XXXXXXXXXX"
    if "/" in template and folder is None and not in_tmp:
        return template
    if folder is not None or in_tmp:
        if "/" in template:
            return None
        return (folder or "/tmp").rstrip("/") + "/" + template
    return None if cwd is None else cwd.rstrip("/") + "/" + template


def _repository_root(cwd: str | None) -> str | None:
    """What `git rev-parse --show-toplevel` prints in `cwd`: the nearest directory at or
    above it that holds `.git` (None when there is none, or the directory is unknown)."""
    current = cwd
    while current:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
    return None


def _dirname(path: str) -> str:
    """What `dirname PATH` prints (POSIX: trailing slashes dropped, then the last name)."""
    stripped = path.rstrip("/")
    if not stripped:
        return "/" if path else "."
    cut = stripped.rfind("/")
    if cut < 0:
        return "."
    return stripped[:cut].rstrip("/") or "/"


def _basename(path: str, suffix: str) -> str:
    """What `basename PATH [SUFFIX]` prints."""
    stripped = path.rstrip("/")
    if not stripped:
        return "/" if path else ""
    name = stripped[stripped.rfind("/") + 1 :]
    if suffix and name != suffix and name.endswith(suffix):
        name = name[: -len(suffix)]
    return name


_OUTPUT_OPS = frozenset({">", ">>", ">|", "&>", "&>>", ">&"})
_ECHO_FLAGS = re.compile(r"-[neE]+")


# Filters that print some of the lines they read, in some order (given no file and no option
# that cuts lines or writes elsewhere).
_LINE_FILTERS = frozenset({"sort", "uniq", "head", "tail", "tac", "shuf"})


def _filters_lines(stage: Node, produced: list[SimpleCommand], text: str) -> bool:
    """Whether the pipeline stage `stage` (`text`) prints only whole lines of its input."""
    if stage.type != "command":
        return False
    found = [c for c in produced if c.text == text]
    if len(found) != 1 or not found[0].argv or found[0].redirects:
        return False
    argv = found[0].argv
    if argv[0].value not in _LINE_FILTERS or argv[0].text != argv[0].value:
        return False
    return all(
        w.value is not None and w.value[:1] == "-" and not any(c in w.value for c in "coz")
        for w in argv[1:]
    )


def _stdin_of(redirects: list[Redirect]) -> tuple[bool, Word | None]:
    """(whether a redirect gives the command its standard input, and what it feeds when
    static); the last such redirect wins."""
    found, fed = False, None
    for r in redirects:
        if r.op in ("<", "<<", "<<<", "<<-") and r.fd in (None, "0"):
            found, fed = True, r.stdin
    return found, fed


def _stdout(cmd: SimpleCommand, stdin: Word | None) -> Word | None:
    """What `echo`, `printf` or `cat` (of its standard input) print, exactly, when static;
    with a word computed at run time, the known start (`prefix`). `stdin`: its input when no
    redirect of its own gives one."""
    if any(r.op in _OUTPUT_OPS and r.fd in (None, "1") for r in cmd.redirects):
        return None
    name = cmd.argv[0].value
    args = cmd.argv[1:]
    if name in (":", "true"):
        return Word("", "")
    if name == "tee":  # what it reads, to its files as well
        found, fed = _stdin_of(cmd.redirects)
        return fed if found else stdin
    if name == "cat":
        if any(w.value != "-" for w in args):
            return None  # files: their content is the run's
        found, fed = _stdin_of(cmd.redirects)
        return fed if found else stdin
    if name == "echo":
        newline, escapes = True, False
        while args and args[0].value is not None and _ECHO_FLAGS.fullmatch(args[0].value):
            newline = newline and "n" not in args[0].value
            escapes = "e" in args[0].value or escapes and "E" not in args[0].value
            args = args[1:]
        known: list[str] = []
        for w in args:
            if w.value is None:
                start = " ".join([*known, w.prefix or ""]) if known else (w.prefix or "")
                if escapes and "\\" in start:
                    return None
                return Word(None, "", prefix=start or None)
            known.append(w.value)
        text = " ".join(known)
        if escapes and "\\" in text:
            if "\\c" in text:
                return None
            text = _ansi_c(text)
        return Word(text + "\n" if newline else text, "")
    if name == "printf" and args:
        values = [w.value for w in args]
        if values[0] == "--":
            values = values[1:]
        if not values or values[0] is None or values[0].startswith("-") or None in values:
            return None
        printed = _printf(values[0], [v or "" for v in values[1:]])
        return None if printed is None else Word(printed, "")
    return None


# The key in `_State.prefixes` that marks a variable holding a disguised word (no name has
# a NUL, so it meets no variable's own prefix).
_DECODED_VAR = "\0decoded\0"

# Programs that print a transformation of the text they are given: a substitution of them
# over text the line spells out makes a disguised word.
_TEXT_FILTERS = frozenset(
    {"echo", "printf", "sed", "awk", "gawk", "mawk", "cut", "tr", "rev", "base32", "base64"}
    | {"basenc", "openssl", "xxd", "head", "tail", "cat", "tac", "sort", "uniq", "fold"}
    | {"paste", "iconv", "perl", "python3", "python", "ruby", "node"}
)


# Filters that only decode or rearrange the text they read (`xxd -r -p`, `base64 -d`, `rev`,
# `tr SET1 SET2`): given static input, what they print is static too.
_XXD_REVERT = re.compile(r"-(r|p|ps|plain|rp|pr|rps)")
_BASE64_DECODE = frozenset({"-d", "--decode", "-D", "-i", "--ignore-garbage", "-di", "-id"})


def _decoded(cmd: SimpleCommand, stdin: str | None) -> str | None:
    """What the decoding filter `cmd` prints of `stdin` (or of its own static here-string or
    here-document); None for any other command, option or input."""
    fed: Word | None = None
    for r in cmd.redirects:
        if r.op in ("<<<", "<<", "<<-") and r.fd in (None, "0") and r.stdin is not None:
            fed = r.stdin
        elif not (r.op in _OUTPUT_OPS and r.fd == "2"):
            return None
    if fed is not None:
        stdin = fed.value
    argv = cmd.argv
    if argv[-1].fd and argv[-1].fed is not None and stdin is None:
        # `xxd -r -p <(echo 2f...)`: the file it reads is a static process substitution
        stdin, argv = argv[-1].fed + "\n", argv[:-1]
    values = [w.value for w in argv]
    if stdin is None or None in values:
        return None
    name, args = values[0], [v for v in values[1:] if v is not None]
    try:
        if name == "xxd" and args and all(_XXD_REVERT.fullmatch(a) for a in args):
            flags = "".join(args)
            if "r" not in flags or "p" not in flags:
                return None
            return bytes.fromhex("".join(stdin.split())).decode("utf-8")
        if name == "base64" and args and set(args) <= _BASE64_DECODE and set(args) - {"-i"}:
            return base64.b64decode("".join(stdin.split()), validate=False).decode("utf-8")
        if name == "rev" and not args:
            lines = stdin.split("\n")
            return "\n".join(line[::-1] for line in lines)
        if name == "tr":
            return _tr(args, stdin)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return None


def _tr_set(spec: str) -> str | None:
    """The characters of a `tr` set given as literals and ranges; None for classes,
    equivalence classes, repeats and escapes."""
    if "\\" in spec or "[:" in spec or "[=" in spec or "*" in spec:
        return None
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            low, high = ord(spec[i]), ord(spec[i + 2])
            if high < low:
                return None
            out.extend(chr(c) for c in range(low, high + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


def _tr(args: list[str], text: str) -> str | None:
    if len(args) == 2 and args[0] == "-d":
        gone = _tr_set(args[1])
        return None if gone is None else "".join(c for c in text if c not in gone)
    if len(args) != 2 or any(a.startswith("-") and len(a) > 1 for a in args):
        return None
    first, second = _tr_set(args[0]), _tr_set(args[1])
    if not first or not second:
        return None
    second = second + second[-1] * (len(first) - len(second))
    table: dict[str, str] = {}
    for a, b in zip(first, second, strict=False):
        table[a] = b  # the last mapping of a character wins, as in GNU tr
    return "".join(table.get(c, c) for c in text)


_ANSI_C_SIMPLE = {
    **{"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r"},
    **{"t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"},
}
_ANSI_C_WIDTH = {"x": 2, "u": 4, "U": 8}
_HEX = frozenset("0123456789abcdefABCDEF")


def _ansi_c(body: str, word: bool = False) -> str:
    """Backslash escapes as bash decodes them in `$'...'` (and printf's and `echo -e`'s
    text): octal of one to three digits, `\\x` of one or two hex digits, `\\u`/`\\U` of up
    to four/eight, `\\cX` control characters, `\\e`; an unknown escape keeps its backslash.
    A `$'...'` word ends at its first NUL, as bash's strings do (`$'/x/id_rsa\\0/../y'`
    names /x/id_rsa)."""
    if "\\" not in body:
        return body
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c != "\\" or i + 1 == n:
            out.append(c)
            i += 1
            continue
        d = body[i + 1]
        if d in _ANSI_C_SIMPLE:
            out.append(_ANSI_C_SIMPLE[d])
            i += 2
        elif "0" <= d <= "7":
            k = i + 1
            while k < n and k < i + 4 and "0" <= body[k] <= "7":
                k += 1
            out.append(chr(int(body[i + 1 : k], 8) & 0xFF))
            i = k
        elif d in _ANSI_C_WIDTH:
            k = i + 2
            while k < n and k < i + 2 + _ANSI_C_WIDTH[d] and body[k] in _HEX:
                k += 1
            value = int(body[i + 2 : k], 16) if k > i + 2 else -1
            if 0 <= value <= 0x10FFFF:
                out.append(chr(value))
            else:  # no digits (or beyond Unicode): kept as written
                out.append(body[i:k])
            i = k
        elif d == "c" and i + 2 < n:
            out.append(chr(ord(body[i + 2]) & 0x1F))
            i += 3
        else:
            out.append(body[i : i + 2])
            i += 2
    text = "".join(out)
    if word and "\0" in text:
        return text[: text.index("\0")]
    return text


def _is_abs(value: str) -> bool:
    return value.startswith(("/", "~")) and not (value == "~+" or value.startswith("~+/"))


@functools.lru_cache(maxsize=8192)
def resolve_path(value: str, cwd: str, home: str) -> str:
    """Absolute, normalised form of a shell path word (tilde expanded; no symlinks): text
    alone, so each is computed once."""
    if value == "~" or value.startswith("~/"):
        value = home + value[1:]
    elif value == "~+" or value.startswith("~+/"):
        value = cwd + value[2:]  # bash's $PWD
    elif value == "~root" or value.startswith("~root/"):
        value = "/root" + value[5:]  # root's home is /root, not /home/root
    elif value.startswith("~"):
        value = "/home/" + value[1:]
    if not value.startswith("/"):
        # os.path.join(cwd, value), for a value known not to be absolute
        value = cwd + "/" + value if cwd and not cwd.endswith("/") else cwd + value
    return os.path.normpath(value)
