"""Editors and text tools whose scripts run commands or write files: vim/ex in batch mode,
ed, sed (`e`, `w FILE`) and awk (system(), output redirections)."""

from __future__ import annotations

import re

from wakeful.policy.program_rules import PROGRAMS
from wakeful.policy.programs.entries import _SED_LONG, expand_long, run_program
from wakeful.policy.programs.inline import _STRING_LITERAL, _echo_text, _run_file, _stdin_source
from wakeful.policy.programs.options import _has, _short, _vals, split_opts
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier

# Ex commands that only edit the buffer or write it back (`vim -es -c '%s/a/b/g' -c wq`).
_EX_WRITE = re.compile(r"^(w|write|wq|x|xit|exit|up|update|wa|wall|wqa|wqall|xa|xall)(!?)(\s+.*)?$")
_EX_EDITS = re.compile(
    r"^(d|delete|j|join|retab!?|sort!?( [a-z]+)?|le|left|ri|right|ce|center|>+|<+|noh|"
    r"nohlsearch|q!?|quit!?|qa!?|qall!?|m\s*[0-9.$]+|t\s*[0-9.$]+|co\s*[0-9.$]+|"
    r"set? (no)?(ff|fileformat|et|expandtab|ts|tabstop|sw|shiftwidth|sts|softtabstop|fenc|"
    r"fileencoding|bomb|eol|fixeol|fixendofline)(=[\w-]+)?)$"
)
_EX_SUBSTITUTE = re.compile(r"^(s|substitute|g|global|v|vglobal)!?([^\w\s\\|\"])")
_EX_RANGE = re.compile(r"^[\s:]*(%|[0-9.$,;+\-]+|'[<>a-z],'[<>a-z])?\s*")


_EX_COMMANDS_RE = re.compile(r"(?<!\\)\|")


def _ex_commands(text: str) -> list[str]:
    """An ex command line split at `|` (not `\\|`, which a pattern holds)."""
    return [part.strip() for part in _EX_COMMANDS_RE.split(text) if part.strip()]


_EX_SHELL_COMMAND_WITH_COLON = re.compile(r"^[\s:]*(?:(?:r|read|w|write)\s*)?!(.+)$")
_EX_SHELL_COMMAND = re.compile(r"^(?:(?:r|read|w|write)\s*)?!(.+)$")
_EX_DELETE_OR_JOIN_AFTER_PATTERN = re.compile(r"([^\w\s])\s*(d|delete|j|join)\s*$")


def h_ex_batch(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`vim -es -c '%s/a/b/g' -c wq FILE`, `ex -sc '...|x' FILE`: silent ex mode skips the
    user's vimrc and plugins, so the ex commands given decide. Substitutions (without `\\=`
    expressions), deleting, moving, sorting and writing the file back edit the files
    named; a shell escape (`!`), an expression, a script or any other command is asked.
    Without silent ex mode the editor is interactive (its data entry)."""
    values = [w.value for w in args]
    silent = "-es" in values or "-Es" in values or ("-e" in values and "-s" in values)
    if name == "ex":
        silent = silent or "-s" in values or any(v and v.startswith("-s") for v in values)
    if not silent:
        run_program(name, PROGRAMS[name], args, cmd, a)
        for i, w in enumerate(args[:-1]):  # `vim -c ':!cmd'`: the command, for rules to see
            if w.value in ("-c", "--cmd") and args[i + 1].value is not None:
                for part in _ex_commands(args[i + 1].value or ""):
                    shell = _EX_SHELL_COMMAND_WITH_COLON.match(part)
                    if shell:
                        a.run_script(shell.group(1), cmd.cwd, f"{name} :!")
        return
    if cmd.upstream or any(
        r.op in ("<", "<<", "<<<") and r.fd in (None, "0") for r in cmd.redirects
    ):
        a.add(Tier.HIGH, f"{name} reads ex commands from standard input")
    commands: list[Word] = []
    files: list[Word] = []
    i = 0
    while i < len(args):
        w, v = args[i], args[i].value
        if v in ("-c", "--cmd", "-u", "-S", "-i", "-T", "-w", "-W") and i + 1 < len(args):
            if v in ("-c", "--cmd"):
                commands.append(args[i + 1])
            elif v == "-S" or (v == "-u" and args[i + 1].value not in ("NONE", "NORC")):
                _run_file(name, args[i + 1], cmd, a)
            elif v in ("-w", "-W"):
                a.write(args[i + 1], cmd.cwd)
            i += 2
            continue
        if v is not None and v.startswith("-sc") and name == "ex":
            commands.append(Word(v[3:] or None, w.text) if v[3:] else args[i + 1])
            i += 1 if v[3:] else 2
            continue
        if v is not None and v.startswith("+") and len(v) > 1:
            commands.append(Word(v[1:], w.text))
        elif v is None or not v.startswith("-"):
            files.append(w)
        i += 1
    writes = False
    for command in commands:
        if command.value is None:
            a.add(Tier.HIGH, f"{name} runs an ex command only known at run time")
            continue
        for part in _ex_commands(command.value):
            body = _EX_RANGE.sub("", part, count=1)
            written = _EX_WRITE.match(body)
            if written:
                writes = True
                target = (written.group(3) or "").strip()
                if target:
                    a.write(Word(target, target), cmd.cwd)
            elif _EX_SUBSTITUTE.match(body):
                if "\\=" in body or "!" in body[1:] and not body.startswith(("g!", "v!")):
                    a.add(Tier.HIGH, f"{name} ex command {_short(part)!r} evaluates code")
                elif body[0] in "gv" and not _EX_DELETE_OR_JOIN_AFTER_PATTERN.search(body):
                    a.add(Tier.HIGH, f"{name} runs ex commands for matching lines ({_short(part)})")
            elif not _EX_EDITS.match(body):
                a.add(Tier.HIGH, f"{name} ex command {_short(part)!r} may run programs or code")
                shell = _EX_SHELL_COMMAND.match(body)
                if shell:  # `:!cmd`, `:r !cmd`: the shell command, for rules to see
                    a.run_script(shell.group(1), cmd.cwd, f"{name} :!")
    a.add(Tier.WORKSPACE if writes else Tier.READ_ONLY, f"{name} edits files in silent ex mode")
    for f in files:
        if writes:
            a.write(f, cmd.cwd)
        else:
            a.read(f, cmd.cwd)


_ED_FILE = re.compile(r"^[0-9,.$;+\-]*(wq|w|W|r|e|E)\s+(\S.*)$")
_ED_TEXT = re.compile(r"^[0-9,.$;+\-]*[aic]$")


_ED_WRITE = re.compile(r"^[0-9,.$;+\-]*(w|wq|W)$")


def h_ed(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`ed -s FILE <<< $'1d\\nw'`: ed's commands come from the here-document; a shell escape
    (`!`) is asked, `w FILE`/`r FILE` write or read FILE, text typed after a, i, c is
    data. Without a script on standard input ed is interactive (its data entry)."""
    body, _ = _stdin_source(cmd)
    _, pos = split_opts(args, ("-p", "--prompt"))
    if body is None:
        run_program(name, PROGRAMS[name], args, cmd, a)
        return
    writes = False
    text_mode = False
    for line in body.splitlines():
        if text_mode:
            text_mode = line != "."
            continue
        line = line.strip()
        if "!" in line:
            a.add(Tier.HIGH, f"ed command {_short(line)!r} runs a shell command")
            a.run_script(line.split("!", 1)[1], cmd.cwd, "ed !")
        elif _ED_TEXT.match(line):
            text_mode = True
        elif (named := _ED_FILE.match(line)) is not None:
            verb, target = named.group(1), Word(named.group(2), named.group(2))
            if verb in ("r", "e", "E"):
                a.read(target, cmd.cwd)
            else:
                writes = True
                a.write(target, cmd.cwd)
        elif _ED_WRITE.match(line):
            writes = True
    a.add(Tier.WORKSPACE if writes else Tier.READ_ONLY, "ed edits files from a script")
    for f in pos:
        if writes:
            a.write(f, cmd.cwd)
        else:
            a.read(f, cmd.cwd)


_SED_IN_PLACE_WITH_SUFFIX = re.compile(r"-i\S+")


def h_sed(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    args = expand_long(args, _SED_LONG)
    opts, pos = split_opts(args, ("-e", "--expression", "-f", "--file", "-l", "--line-length"))
    inplace = any(flag in ("-i", "--in-place") or flag.startswith("--in-place") for flag, _ in opts)
    for flag, _ in opts:
        if flag.startswith("-i") and flag != "-i":
            inplace = True
    raw = [
        w.value
        for (w,) in zip(args, strict=False)
        if w.value and _SED_IN_PLACE_WITH_SUFFIX.fullmatch(w.value)
    ]
    if raw:
        inplace = True
    scripts = _vals(opts, "-e", "--expression")
    for f in _vals(opts, "-f", "--file"):
        # its `e` and `w` commands run and write anything: a script from elsewhere is code
        # from elsewhere
        if f.value in ("-", "/dev/stdin"):  # the script is standard input
            body, _ = _stdin_source(cmd)
            upstream = cmd.upstream
            if body is None and len(upstream) == 1 and upstream[0].name in ("echo", "printf"):
                body = _echo_text(upstream[0])
            if body is None:
                a.add(Tier.HIGH, "runs a sed script read from standard input")
            else:
                _sed_script(body, cmd, a)
            continue
        a.read(f, cmd.cwd)
        if a.place(f, cmd.cwd).zone == "workspace":
            a.add(Tier.WORKSPACE, "runs a sed script from a file")
        else:
            _run_file(name, f, cmd, a)
    if not scripts and not _has(opts, "-f", "--file") and pos:
        scripts, pos = [pos[0]], pos[1:]
    for script in scripts:
        if script.value is None:
            a.add(Tier.HIGH, "runs a sed script only known at run time")
            continue
        _sed_script(script.value, cmd, a)
    if inplace:
        if not pos:
            a.add(Tier.WORKSPACE, "edits files in place")
        for f in pos:
            a.write(f, cmd.cwd)
    else:
        a.add(Tier.READ_ONLY, "prints edited text")
        for f in pos:
            a.read(f, cmd.cwd)


_SED_NUMBER = re.compile(r"\d+(?:~\d+)?|\$")


def _sed_bracket_end(script: str, i: int) -> int:
    """The index just past the bracket expression opening at script[i] (`[/]`, `[^]x]`,
    `[[:punct:]/]`), or -1: inside one the delimiter is an ordinary character and a
    backslash is literal, as GNU sed reads it."""
    n = len(script)
    j = i + 1
    if j < n and script[j] == "^":
        j += 1
    if j < n and script[j] == "]":
        j += 1
    while j < n and script[j] != "]":
        if script[j] == "\n":
            return -1
        if script[j] == "[" and j + 1 < n and script[j + 1] in ":.=":
            close = script.find(script[j + 1] + "]", j + 2)
            if close < 0:
                return -1
            j = close + 2
            continue
        j += 1
    return j + 1 if j < n else -1


def _sed_field_end(script: str, i: int, delim: str, regex: bool) -> int:
    """The index of the delimiter that ends the field starting at script[i], or -1. A regex
    field's bracket expressions may hold the delimiter."""
    n = len(script)
    while i < n and script[i] != delim:
        c = script[i]
        if c == "\\":
            i += 2
            continue
        if c == "\n" and delim != "\n":
            return -1
        if regex and c == "[":
            i = _sed_bracket_end(script, i)
            if i < 0:
                return -1
            continue
        i += 1
    return i if i < n else -1


def _sed_one_address(script: str, i: int) -> int:
    r"""The index past one address at script[i] (the same index when there is none, -1 when
    it does not parse): a number, `first~step`, `$`, `/regex/` or `\cregexc` with I and M."""
    m = _SED_NUMBER.match(script, i)
    if m:
        return m.end()
    if script.startswith("/", i):
        end = _sed_field_end(script, i + 1, "/", True)
    elif script.startswith("\\", i) and i + 1 < len(script) and script[i + 1] != "\n":
        end = _sed_field_end(script, i + 2, script[i + 1], True)
    else:
        return i
    if end < 0:
        return -1
    end += 1
    while end < len(script) and script[end] in "IM":
        end += 1
    return end


def _sed_address(script: str, i: int) -> int:
    """The index past the addresses, `!` and blanks before a command, or -1."""
    n = len(script)
    i = _sed_one_address(script, i)
    if i < 0:
        return -1
    j = i
    while j < n and script[j] in " \t":
        j += 1
    if j < n and script[j] == ",":
        j += 1
        while j < n and script[j] in " \t":
            j += 1
        m = re.compile(r"[+~]\d+").match(script, j)
        i = m.end() if m else _sed_one_address(script, j)
        if i <= j:
            return -1
    while i < n and script[i] in " \t!":
        i += 1
    return i


# Commands whose argument runs to the end of the line (a file name, a shell command, text).
_SED_TO_EOL = frozenset("aicrRwWe")
# Commands with no argument, or an optional number, up to `;`.
_SED_SIMPLE = frozenset("=dDgGhHnNpPxzFlLqQ}#")
# Commands whose label or version ends at a blank, `;` or a newline.
_SED_LABELLED = frozenset("btTv:")


def _sed_text_end(script: str, i: int) -> int:
    """The index of the newline that ends the text of `a`, `i` or `c` whose argument starts
    at script[i] (or the script's length), as GNU sed reads it: the character just after
    the `\\` that opens the text is literal, and after it a backslash escapes the next
    character, so only a newline that an odd number of backslashes precede continues it."""
    n = len(script)
    while i < n and script[i] in " \t":
        i += 1
    if i < n and script[i] == "\\":
        i += 2  # the lead-in: a newline (the text starts on the next line) or a literal
    while i < n and script[i] != "\n":
        i += 2 if script[i] == "\\" else 1
    return min(i, n)


def _sed_commands(script: str) -> list[tuple[str, str]]:
    """Each command of a sed script with the argument that names a file or a command: ("r",
    FILE), ("w", FILE), ("e", CMD), ("s", FLAGS) whose `w FILE` is part of FLAGS, ("?", REST)
    for what does not parse as sed, which stops the walk."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(script)
    while i < n:
        if script[i] in " \t\n;{}":
            i += 1
            continue
        i = _sed_address(script, i)
        if i < 0:
            return [*out, ("?", script)]
        if i >= n:
            break
        op = script[i]
        if op in "{};":
            i += 1
            continue
        if op in "aic":
            end = _sed_text_end(script, i + 1)
            out.append((op, script[i + 1 : end].strip()))
            i = end
        elif op in _SED_TO_EOL:
            end = script.find("\n", i)
            end = n if end < 0 else end
            out.append((op, script[i + 1 : end].strip()))
            i = end
        elif op in _SED_LABELLED:
            # a label or version ends at a blank or `;`: another command may follow it
            i += 1
            while i < n and script[i] in " \t":
                i += 1
            while i < n and script[i] not in " \t\n;":
                i += 1
        elif op in ("s", "y"):
            end = -1
            if i + 1 < n and script[i + 1] not in "\\\n":
                delim = script[i + 1]
                first = _sed_field_end(script, i + 2, delim, op == "s")
                second = _sed_field_end(script, first + 1, delim, False) if first >= 0 else -1
                end = second + 1 if second >= 0 else -1
            if end < 0:
                return [*out, ("?", script[i:])]
            if op == "y":
                i = end
                continue
            flags_end = end
            while flags_end < n and script[flags_end] not in ";\n}":
                if script[flags_end] == "w":  # the file name runs to the end of the line
                    nl = script.find("\n", flags_end)
                    flags_end = n if nl < 0 else nl
                    break
                flags_end += 1
            out.append(("s", script[end:flags_end]))
            i = flags_end
        elif op in _SED_SIMPLE:
            if op == "#":
                nl = script.find("\n", i)
                i = n if nl < 0 else nl
                continue
            i += 1
            while i < n and script[i] not in ";\n}":
                i += 1
        else:
            return [*out, ("?", script[i:])]
    return out


def _sed_script(script: str, cmd: SimpleCommand, a: Analyzer) -> None:
    for op, arg in _sed_commands(script):
        if op == "?":
            a.add(Tier.HIGH, f"sed script {_short(arg)!r} is not understood")
        elif op == "e":
            a.add(Tier.HIGH, "sed runs a shell command (e)")
        elif op in ("w", "W"):
            if arg not in ("/dev/stdout", "/dev/stderr"):
                a.write(Word(arg, arg), cmd.cwd)
        elif op in ("r", "R"):
            # `r FILE` appends FILE's text to the output, `R FILE` one line of it a cycle
            if arg and arg not in ("/dev/stdin", "-"):
                a.read(Word(arg, arg), cmd.cwd)
        elif op == "s":
            flags, writes, target = arg.partition("w")
            if "e" in flags:
                a.add(Tier.HIGH, "sed runs the pattern space as a command (s///e)")
            if writes:
                target = target.strip()
                if target not in ("/dev/stdout", "/dev/stderr"):
                    a.write(Word(target, target), cmd.cwd)


# gawk's long options (any unambiguous prefix is accepted, as `-W NAME` is), the short
# options that stand for one of them, and those whose value may only be attached.
_AWK_LONG = (
    "assign", "field-separator", "file", "exec", "include", "load", "source", "profile",
    "dump-variables", "pretty-print", "debug", "characters-as-bytes", "traditional",
    "copyright", "gen-pot", "help", "lint", "lint-old", "bignum", "use-lc-numeric",
    "non-decimal-data", "optimize", "no-optimize", "posix", "re-interval", "sandbox",
    "version", "csv",
)  # fmt: skip
_AWK_ATTACHED = {"-p": "--profile", "-d": "--dump-variables", "-o": "--pretty-print"}
# Where each writing option puts its file when none is named.
_AWK_WRITES = {
    "--profile": "awkprof.out",
    "--pretty-print": "awkprof.out",
    "--dump-variables": "awkvars.out",
}
# gawk's bundled extensions that only read or compute (`-l ordchr`); any other library
# (`-l fork`, `rwarray`'s writea, a path) runs code the command does not show.
_AWK_READING_EXTENSIONS = frozenset({"ordchr", "time", "readfile", "intdiv", "readdir"})
_AWK_TAKES = (
    "-F", "-v", "-f", "--file", "-E", "--exec", "-i", "--include", "-l", "--load", "-e",
    "--source", "--assign", "--field-separator",
)  # fmt: skip


def _awk_long(name: str) -> str:
    """`--prof` is `--profile`: gawk takes any unambiguous prefix of a long option."""
    if name[2:] in _AWK_LONG:
        return name
    found = [o for o in _AWK_LONG if o.startswith(name[2:])]
    return f"--{found[0]}" if len(found) == 1 and len(name) > 2 else name


def _awk_options(args: list[Word]) -> list[Word]:
    """The options before the program in one spelling: `-W exec=F`, `-Wexec=F` and
    `--ex=F` become `--exec=F`, `-pFILE` becomes `--profile=FILE`, `-E F` `--exec F`."""
    out: list[Word] = []
    i = 0
    while i < len(args):
        word = args[i]
        value = word.value
        if value is None or not value.startswith("-") or value in ("-", "--"):
            return out + args[i:]
        if value == "-W" and i + 1 < len(args) and args[i + 1].value is not None:
            value, i = "--" + (args[i + 1].value or ""), i + 1
        elif value.startswith("-W") and not value.startswith("--"):
            value = "--" + value[2:]
        if value.startswith("--"):
            name, eq, rest = value.partition("=")
            value = _awk_long(name) + eq + rest
        elif value[:2] in _AWK_ATTACHED:
            value = _AWK_ATTACHED[value[:2]] + ("=" + value[2:] if len(value) > 2 else "")
        elif value == "-E":
            value = "--exec"
        out.append(Word(value, word.text) if value != word.value else word)
        if value in _AWK_TAKES and i + 1 < len(args):
            out.append(args[i + 1])
            i += 1
        i += 1
    return out


def _awk_library(value: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    """`-l NAME`, `@load "NAME"`: a shared library gawk loads into itself."""
    if value.value in _AWK_READING_EXTENSIONS or value.value == "inplace":
        return
    a.add(Tier.HIGH, f"awk loads the library {_short(value.text)} (code the command does not show)")


_AWK_INCLUDE_OR_LOAD = re.compile(r"@\s*(include|load)\s*\"([^\"]*)\"")
_AWK_INDIRECT_CALL = re.compile(r"@\s*(?!include\b|load\b|namespace\b)[A-Za-z_]\w*\s*\(")
_AWK_GETLINE_FROM_FILE = re.compile(r"\bgetline\b[^;}<|]*<\s*(\"([^\"]*)\"|[^\s;})]+)")
_AWK_SYSTEM_CALL = re.compile(r"\bsystem\s*\(")
_AWK_PRINT_TO_FILE = re.compile(r"print[f]?\b[^;}|]*?>>?\s*(\"([^\"]*)\"|([A-Za-z_$][\w$]*))")
_AWK_PIPE = re.compile(r"\|\s*&?\s*getline|print[f]?[^;}]*\|\s*\"")
_AWK_ASSIGNMENT_OPERAND = re.compile(r"[A-Za-z_]\w*=.*")


def h_awk(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    args = _awk_options(args)
    opts, pos = split_opts(args, _AWK_TAKES)
    for opt, value in opts:
        if opt in _AWK_WRITES:  # --profile[=FILE] writes FILE (awkprof.out by default)
            a.write(value or Word(_AWK_WRITES[opt], _AWK_WRITES[opt]), cmd.cwd)
    for lib in _vals(opts, "-l", "--load"):
        _awk_library(lib, cmd, a)
    for f in _vals(opts, "-i", "--include"):
        if f.value != "inplace":
            _run_file(name, f, cmd, a)
    programs = _vals(opts, "-e", "--source")
    for f in _vals(opts, "-f", "--file", "--exec"):
        _run_file(name, f, cmd, a)
    if not programs and not _has(opts, "-f", "--file", "--exec") and pos:
        programs, pos = [pos[0]], pos[1:]
    inplace = any(v.value == "inplace" for v in _vals(opts, "-i", "--include"))
    for prog in programs:
        if prog.value is None:
            a.add(Tier.HIGH, "runs an awk program only known at run time")
            continue
        text = prog.value
        for m in _AWK_INCLUDE_OR_LOAD.finditer(text):
            named = Word(m.group(2), m.group(2))
            if m.group(1) == "include":
                _run_file(name, named, cmd, a)
            else:
                _awk_library(named, cmd, a)
        if _AWK_INDIRECT_CALL.search(text):
            a.add(Tier.HIGH, "awk calls a function named at run time (@name(...))")
        for m in _AWK_GETLINE_FROM_FILE.finditer(text):
            if m.group(2) is not None:
                a.read(Word(m.group(2), m.group(2)), cmd.cwd)
            else:
                a.add(Tier.HIGH, "awk reads a file named at run time (getline <)")
        if _AWK_SYSTEM_CALL.search(text):
            a.add(Tier.HIGH, "awk runs shell commands (system())")
            for m in _STRING_LITERAL.finditer(text):
                lit = next(g for g in m.groups() if g is not None)
                if " " in lit:
                    a.run_script(lit, cmd.cwd, "awk system()")
        if _AWK_PIPE.search(text) or "|&" in text:
            a.add(Tier.HIGH, "awk pipes to or from a shell command")
        for m in _AWK_PRINT_TO_FILE.finditer(text):
            if m.group(2) is not None:
                a.write(Word(m.group(2), m.group(2)), cmd.cwd)
            else:
                a.add(Tier.HIGH, "awk writes to a file named at run time")
    files = [w for w in pos if not (w.value and _AWK_ASSIGNMENT_OPERAND.fullmatch(w.value))]
    if inplace:
        for f in files:
            a.write(f, cmd.cwd)
    else:
        a.add(Tier.READ_ONLY, "processes text")
        for f in files:
            a.read(f, cmd.cwd)
