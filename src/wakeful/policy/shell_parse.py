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

import codecs
import functools
import os.path
import re
from dataclasses import dataclass, field

MAX_DEPTH = 8


@functools.lru_cache(maxsize=1)
def _language():  # type: ignore[no-untyped-def]
    import tree_sitter_bash
    from tree_sitter import Language

    return Language(tree_sitter_bash.language())


@dataclass
class Word:
    """One shell word. `value` is the text after expansion, or None when only known at run
    time. `split` is true for an unquoted expansion, whose value bash would word-split."""

    value: str | None
    text: str
    split: bool = False
    fd: bool = False  # a process substitution: a pipe path, not a file


@dataclass
class Redirect:
    op: str
    target: Word | None = None
    fd: str | None = None
    body: str | None = None  # heredoc / herestring text fed to stdin


@dataclass
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


@dataclass
class Script:
    commands: list[SimpleCommand]
    errors: list[str]
    notes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _State:
    cwd: str | None
    home: str
    vars: dict[str, str | None]
    depth: int

    def copy(self) -> _State:
        return _State(self.cwd, self.home, dict(self.vars), self.depth)


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
_UNESCAPE_WORD = re.compile(r"\\(.)", re.S)
# tree-sitter-bash 0.25's scanner crashes the process on some characters outside the Basic
# Multilingual Plane (e.g. `a{` then U+E0001). They are never meaningful in a command, so
# they are replaced before parsing; the classification sees U+FFFD in their place.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_UNESCAPE_DQ = re.compile(r'\\([\\"$`\n])')


def parse_script(
    source: str,
    cwd: str | None,
    home: str,
    variables: dict[str, str | None] | None = None,
    depth: int = 0,
) -> Script:
    """Parse `source` into the simple commands it runs, in source order."""
    from tree_sitter import Parser

    parser = Parser(_language())
    source = _ASTRAL.sub("\ufffd", source)
    tree = parser.parse(source.encode("utf-8", "surrogateescape"))
    walker = _Walker(source)
    state = _State(cwd, home, dict(variables or {}), depth)
    root = tree.root_node
    if root.has_error:
        walker.errors.append(_error_text(root))
    walker.statements(root, state, "", [])
    return Script(walker.commands, walker.errors, walker.notes)


def _error_text(root) -> str:  # type: ignore[no-untyped-def]
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            snippet = node.text.decode("utf-8", "replace")[:40]
            return f"shell syntax error near {snippet!r} (column {node.start_point[1] + 1})"
        stack.extend(reversed(node.children))
    return "shell syntax error"


class _Walker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.commands: list[SimpleCommand] = []
        self.errors: list[str] = []
        self.notes: list[tuple[str, str]] = []

    # ---- statements -------------------------------------------------------------------
    def statements(self, node, state: _State, context: str, upstream: list[SimpleCommand]):  # type: ignore[no-untyped-def]
        kind = node.type
        if kind == "command":
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
            self.assignment(node, state, context, record=True)
        elif kind in ("declaration_command", "unset_command"):
            assigns: list[tuple[str, Word]] = []
            for child in node.named_children:
                if child.type == "variable_assignment":
                    assigns.append(self.assignment(child, state, context, record=True))
                else:
                    self.substitutions(child, state, context)
            if assigns:
                # `export LD_PRELOAD=...` changes what later commands run: the classifier
                # judges the assignments as it does `VAR=... cmd`.
                keyword = node.children[0].text.decode() if node.children else "export"
                self.commands.append(
                    SimpleCommand(
                        argv=[Word(keyword, keyword)],
                        assigns=assigns,
                        cwd=state.cwd,
                        text=node.text.decode("utf-8", "replace"),
                        context=context,
                        upstream=list(upstream),
                    )
                )
        elif kind == "test_command":
            self.substitutions(node, state, context)
        elif kind == "function_definition":
            body = node.child_by_field_name("body")
            name_node = node.child_by_field_name("name")
            fname = name_node.text.decode() if name_node is not None else ""
            if body is not None:
                before = len(self.commands)
                self.statements(body, state.copy(), context or "function body", [])
                if fname and any(c.name == fname for c in self.commands[before:]):
                    self.notes.append(("critical", f"function {fname} calls itself (a fork bomb)"))
        elif kind in ("for_statement", "c_style_for_statement", "select_statement"):
            loop_var = node.child_by_field_name("variable")
            inner = state
            if loop_var is not None:
                inner.vars[loop_var.text.decode()] = None
            for child in node.named_children:
                if child.type in ("do_group", "compound_statement"):
                    self.statements(child, inner, context, [])
                elif child is not loop_var:
                    self.substitutions(child, state, context)
        elif kind in ("ERROR",):
            for child in node.named_children:
                self.statements(child, state, context, upstream)
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
                if child.type in (
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
                if child.type not in _STATEMENT_SKIP:
                    self.statements(child, state, context, upstream)

    def pipeline(self, stages, state: _State, context: str, upstream: list[SimpleCommand]):  # type: ignore[no-untyped-def]
        feed = list(upstream)
        for stage in stages:
            if stage.type in _STATEMENT_SKIP:
                continue
            before = len(self.commands)
            self.statements(stage, state.copy(), context, list(feed))
            feed.extend(self.commands[before:])

    def redirected(self, node, state: _State, context: str, upstream: list[SimpleCommand]):  # type: ignore[no-untyped-def]
        body = node.child_by_field_name("body")
        redirects: list[Redirect] = []
        after: list = []
        for child in node.named_children:
            if child is body or child == body:
                continue
            redirects.extend(self.redirect(child, state, context, after))
        before = len(self.commands)
        if body is not None:
            if body.type == "command":
                self.command(body, state, context, upstream, redirects)
            else:
                self.statements(body, state, context, upstream)
                for cmd in self.commands[before:]:
                    cmd.redirects.extend(redirects)
        produced = self.commands[before:]
        if not produced and redirects:
            # `> file` or `x=1 > file` runs no program but still truncates the file.
            bare = SimpleCommand(
                argv=[],
                redirects=redirects,
                cwd=state.cwd,
                text=node.text.decode("utf-8", "replace"),
                context=context,
                upstream=list(upstream),
            )
            self.commands.append(bare)
            produced = [bare]
        for extra in after:
            if extra.type == "pipeline":
                self.pipeline(extra.named_children, state, context, upstream + produced)
            elif extra.type not in _STATEMENT_SKIP:
                self.statements(extra, state, context, [])

    def redirect(self, node, state: _State, context: str, after: list) -> list[Redirect]:  # type: ignore[no-untyped-def]
        kind = node.type
        fd_node = node.child_by_field_name("descriptor")
        fd = fd_node.text.decode() if fd_node is not None else None
        op = ""
        for child in node.children:
            if not child.is_named:
                op = child.type
                break
        if kind == "file_redirect":
            dest = node.child_by_field_name("destination")
            if dest is None:
                named = [c for c in node.named_children if c.type != "file_descriptor"]
                dest = named[-1] if named else None
            target = self.word(dest, state, context) if dest is not None else None
            return [Redirect(op, target, fd)]
        if kind == "herestring_redirect":
            named = [c for c in node.named_children if c.type != "file_descriptor"]
            word = self.word(named[-1], state, context) if named else Word(None, "")
            return [Redirect("<<<", None, fd, word.value if word.value is not None else "")]
        if kind == "heredoc_redirect":
            text_parts: list[str] = []
            extra: list[Redirect] = []
            quoted = False
            for child in node.named_children:
                if child.type == "heredoc_start":
                    quoted = any(q in child.text.decode() for q in "'\"\\")
                elif child.type == "heredoc_body":
                    text_parts.append(child.text.decode("utf-8", "replace"))
                    if not quoted:
                        self.substitutions(child, state, context or "heredoc")
                elif child.type in ("heredoc_end", "file_descriptor"):
                    continue
                elif child.type in ("file_redirect", "herestring_redirect"):
                    extra.extend(self.redirect(child, state, context, after))
                else:
                    after.append(child)
            return [Redirect("<<", None, fd, "".join(text_parts)), *extra]
        self.substitutions(node, state, context)
        return []

    def assignment(self, node, state: _State, context: str, record: bool) -> tuple[str, Word]:  # type: ignore[no-untyped-def]
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = name_node.text.decode() if name_node is not None else ""
        value = self.word(value_node, state, context) if value_node is not None else Word("", "")
        if record and name:
            state.vars[name] = value.value
        return name, value

    def command(
        self,
        node,
        state: _State,
        context: str,
        upstream: list[SimpleCommand],  # type: ignore[no-untyped-def]
        redirects: list[Redirect],
    ) -> None:
        argv: list[Word] = []
        assigns: list[tuple[str, Word]] = []
        own_redirects = list(redirects)
        after: list = []
        for child in node.named_children:
            kind = child.type
            if kind == "variable_assignment":
                assigns.append(self.assignment(child, state, context, record=False))
            elif kind in ("file_redirect", "herestring_redirect", "heredoc_redirect"):
                own_redirects.extend(self.redirect(child, state, context, after))
            elif kind == "command_name":
                inner = child.named_children[0] if child.named_children else child
                argv.extend(_split(self.word(inner, state, context)))
            elif kind == "comment":
                continue
            else:
                argv.extend(_split(self.word(child, state, context)))
        cmd = SimpleCommand(
            argv=argv,
            assigns=assigns,
            redirects=own_redirects,
            cwd=state.cwd,
            text=node.text.decode("utf-8", "replace"),
            context=context,
            upstream=list(upstream),
        )
        self.commands.append(cmd)
        if argv and argv[0].value in ("cd", "pushd") and not context:
            self._change_dir(argv[1:], state)
        for extra in after:
            self.statements(extra, state, context, [])

    def _change_dir(self, args: list[Word], state: _State) -> None:
        targets = [a for a in args if not (a.value or "").startswith("-") or a.value == "-"]
        if not targets:
            state.cwd = state.home
            return
        value = targets[0].value
        if value is None or value == "-" or state.cwd is None and not _is_abs(value):
            state.cwd = None
            return
        state.cwd = resolve_path(value, state.cwd or "/", state.home)

    # ---- words ------------------------------------------------------------------------
    def word(self, node, state: _State, context: str) -> Word:  # type: ignore[no-untyped-def]
        text = node.text.decode("utf-8", "replace")
        kind = node.type
        if kind == "word":
            return Word(_UNESCAPE_WORD.sub(r"\1", text), text)
        if kind in ("number", "variable_name", "extglob_pattern", "test_operator", "regex"):
            return Word(text, text)
        if kind == "raw_string":
            return Word(text[1:-1], text)
        if kind == "ansi_c_string":
            return Word(_ansi_c(text[2:-1]), text)
        if kind in ("string", "translated_string"):
            parts: list[str | None] = []
            for child in node.named_children:
                if child.type == "string_content":
                    parts.append(_UNESCAPE_DQ.sub(r"\1", child.text.decode("utf-8", "replace")))
                else:
                    parts.append(self.word(child, state, context).value)
            value = None if any(p is None for p in parts) else "".join(parts)  # type: ignore[arg-type]
            return Word(value, text)
        if kind == "concatenation":
            words = [self.word(c, state, context) for c in node.named_children]
            value = (
                None
                if any(w.value is None for w in words)
                else "".join(
                    w.value
                    for w in words  # type: ignore[misc]
                )
            )
            return Word(value, text, split=any(w.split for w in words))
        if kind in ("simple_expansion", "expansion"):
            names = [c for c in node.named_children if c.type == "variable_name"]
            others = [c for c in node.named_children if c.type != "variable_name"]
            for other in others:
                self.substitutions(other, state, context)
            if len(names) == 1 and not others and node.child_count <= 4:
                return Word(_lookup(names[0].text.decode(), state), text, split=True)
            return Word(None, text, split=True)
        if kind == "command_substitution":
            return Word(
                self.substitution(node, state, context or "command substitution"), text, split=True
            )
        if kind == "process_substitution":
            self.substitution(node, state, context or "process substitution")
            return Word(None, text, fd=True)
        if kind == "arithmetic_expansion":
            self.substitutions(node, state, context)
            return Word("0", text)
        self.substitutions(node, state, context)
        return Word(None, text)

    def substitution(self, node, state: _State, context: str) -> str | None:  # type: ignore[no-untyped-def]
        before = len(self.commands)
        inner = state.copy()
        for child in node.named_children:
            self.statements(child, inner, context, [])
        produced = self.commands[before:]
        if len(produced) == 1:
            return _static_output(produced[0])
        return None

    def substitutions(self, node, state: _State, context: str) -> None:  # type: ignore[no-untyped-def]
        """Walk every command or process substitution below `node`: those run too."""
        stack = [node]
        while stack:
            current = stack.pop()
            if current.type in ("command_substitution", "process_substitution"):
                self.substitution(current, state, context or current.type.replace("_", " "))
                continue
            stack.extend(reversed(current.named_children))


def _split(word: Word) -> list[Word]:
    if (
        word.split
        and word.value is not None
        and (" " in word.value or "\t" in word.value or "\n" in word.value)
    ):
        return [Word(part, word.text) for part in word.value.split()]
    return [word]


def _lookup(name: str, state: _State) -> str | None:
    if name in state.vars:
        return state.vars[name]
    if name == "HOME":
        return state.home
    if name == "PWD":
        return state.cwd
    return None


def _static_output(cmd: SimpleCommand) -> str | None:
    """What `$(echo ...)` / `$(printf ...)` prints, when every word is static."""
    if cmd.redirects or cmd.upstream or not cmd.argv:
        return None
    values = [w.value for w in cmd.argv]
    if any(v is None for v in values):
        return None
    name, args = values[0], values[1:]
    if name == "echo":
        while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
            args = args[1:]
        return " ".join(args)  # type: ignore[arg-type]
    if name == "printf" and args:
        fmt, rest = args[0], args[1:]
        if "%" not in fmt:  # type: ignore[operator]
            return _ansi_c(fmt)  # type: ignore[arg-type]
        if fmt.replace("\\n", "") in ("%s", "%s "):  # type: ignore[union-attr]
            return " ".join(rest)  # type: ignore[arg-type]
    return None


def _ansi_c(body: str) -> str:
    try:
        return codecs.decode(body.encode("latin-1", "backslashreplace"), "unicode_escape")
    except (UnicodeDecodeError, ValueError):
        return body


def _is_abs(value: str) -> bool:
    return value.startswith(("/", "~"))


def resolve_path(value: str, cwd: str, home: str) -> str:
    """Absolute, normalised form of a shell path word (tilde expanded; no symlinks)."""
    if value == "~" or value.startswith("~/"):
        value = home + value[1:]
    elif value.startswith("~"):
        value = "/home/" + value[1:]
    if not value.startswith("/"):
        value = os.path.join(cwd, value)
    return os.path.normpath(value)
