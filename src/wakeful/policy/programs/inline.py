"""Code that other programs run: inline code (`python -c`, `node -e`, `perl -e`, `ruby -e`,
`Rscript -e`) parsed and judged, programs read from stdin or from files, code only known at
run time, and where a fetched program goes."""

from __future__ import annotations

import ast
import base64
import binascii
import functools
import os.path
import re
import shlex

from wakeful.policy.programs.inline_tables import (
    _JS_CALLS,
    _JS_FORBIDDEN,
    _JS_GLOBALS,
    _PERL_FORBIDDEN,
    _PRINTS_CONSTANT,
    _PY_ANY_MODULE_CALLS,
    _PY_MODULE_CALLS,
    _PY_PUBLIC_DUNDERS,
    _PY_READ_MODES,
    _R_READS,
    _SAFE_PY_CALLS,
    _SAFE_PY_MODULES,
    _UNSAFE_PY_IMPORTS,
)
from wakeful.policy.programs.tables import _DECODERS, _FETCHERS, _SHELLS
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word, parse_script
from wakeful.policy.types import Tier

# ---------------------------------------------------------------------------------------
# helpers for code run by other programs


# AppleScript that only speaks a literal or asks an application's bundle id, or JavaScript
# that only logs a literal: nothing else can run in them
_OSASCRIPT_LITERAL = re.compile(
    r'say\s+"[^"\\]*"|id of app(?:lication)?\s+"[^"\\]*"|'
    r"console\.log\(\s*(?:'[^'\\]*'|\"[^\"\\]*\")\s*\);?"
)


def _mentions_fetch(text: str, a: Analyzer) -> bool:
    script = parse_script(text, None, a.home)
    return any(c.name in _FETCHERS for c in script.commands)


def _dynamic_code(word: Word, a: Analyzer, what: str) -> None:
    if _mentions_fetch(word.text, a):
        a.add(Tier.CRITICAL, f"downloads and executes code ({what})")
    else:
        a.add(Tier.HIGH, f"runs code only known at run time ({what})")


def _stdin_source(cmd: SimpleCommand) -> tuple[str | None, str]:
    for redirect in cmd.redirects:
        if redirect.op in ("<<", "<<<") and redirect.body is not None:
            return redirect.body, "here-document"
    return None, ""


def exec_stdin(cmd: SimpleCommand, a: Analyzer, interp: str, shell: bool) -> None:
    """An interpreter reads its program from stdin: judge where that program comes from."""
    for redirect in cmd.redirects:
        here = redirect.stdin
        if redirect.op in ("<<", "<<<", "<<-") and here is not None and here.value is None:
            # `sh <<< "$(awk ...)"`, `bash <<< "$X"`: the program is only known at run time
            _dynamic_code(here, a, f"{interp} reading a here-string or here-document")
            return
    body, where = _stdin_source(cmd)
    if body is not None:
        if shell:
            a.run_script(body, cmd.cwd, f"{interp} {where}")
        else:
            _inline_code(interp, body, cmd, a)
        return
    for redirect in cmd.redirects:
        if redirect.op == "<" and redirect.target is not None:
            _run_file(interp, redirect.target, cmd, a)
            return
    upstream = cmd.upstream
    if not upstream:
        a.add(Tier.HIGH, f"starts an interactive {interp}")
        return
    names = [u.name for u in upstream]
    if any(n in _FETCHERS for n in names):
        a.add(Tier.CRITICAL, f"pipes downloaded content into {interp} (download and execute)")
        return
    decoded = _decode_pipeline(upstream)
    if decoded is not None:
        a.add(Tier.HIGH, f"runs obfuscated (encoded) code with {interp}")
        if shell:
            a.run_script(decoded, cmd.cwd, "decoded input")
        else:
            _inline_code(interp, decoded, cmd, a)
        return
    if any(n in _DECODERS for n in names) or any(n is None for n in names):
        a.add(Tier.CRITICAL, f"runs obfuscated or computed code with {interp}")
        return
    if len(upstream) == 1 and upstream[0].name in ("echo", "printf"):
        text = _echo_text(upstream[0])
        if text is not None:
            if shell:
                a.run_script(text, cmd.cwd, f"input piped to {interp}")
            else:
                _inline_code(interp, text, cmd, a)
            return
    if len(upstream) == 1 and upstream[0].name == "cat" and len(upstream[0].argv) == 1:
        fed, _ = _stdin_source(upstream[0])
        if fed is not None:
            if shell:
                a.run_script(fed, cmd.cwd, f"here-document piped to {interp}")
            else:
                _inline_code(interp, fed, cmd, a)
            return
    if len(upstream) == 1 and upstream[0].name == "cat" and len(upstream[0].argv) == 2:
        _run_file(interp, upstream[0].argv[1], cmd, a)
        return
    a.add(Tier.HIGH, f"runs code piped into {interp} from `{upstream[-1].text}`")


_PLAIN_ECHO = re.compile(r"<\((\s*(?:echo|printf)\s[^$`\\;|&<>(){}*?\[\]~!#%]*)\)")


def _echoed_code(text: str) -> str | None:
    """The text that `<(echo WORDS)` or `<(printf WORDS)` yields, when WORDS are literal."""
    match = _PLAIN_ECHO.fullmatch(text)
    if match is None:
        return None
    try:
        words = shlex.split(match.group(1))
    except ValueError:
        return None
    while len(words) > 1 and words[1] in ("-n", "-e", "-E"):
        del words[1]
    return " ".join(words[1:]) or None


def _echo_text(cmd: SimpleCommand) -> str | None:
    values = [w.value for w in cmd.argv[1:]]
    if any(v is None for v in values):
        return None
    while values and values[0] in ("-n", "-e", "-E"):
        values = values[1:]
    text = " ".join(v for v in values if v is not None)
    if cmd.name == "printf":
        text = text.replace("\\n", "\n")
    return text


def _decode_pipeline(upstream: list[SimpleCommand]) -> str | None:
    if len(upstream) != 2 or upstream[0].name not in ("echo", "printf"):
        return None
    data = _echo_text(upstream[0])
    decoder = upstream[1]
    flags = {w.value for w in decoder.argv[1:]}
    if data is None or decoder.name not in ("base64", "base32"):
        return None
    if not flags & {"-d", "--decode", "-D", "-di", "-id"}:
        return None
    try:
        raw = (
            base64.b64decode(data.strip(), validate=False)
            if decoder.name == "base64"
            else base64.b32decode(data.strip())
        )
        return raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def brought_in(path: str | None, a: Analyzer) -> bool:
    """Whether an earlier command of this line copied or moved a file of this name from
    outside the workspace to this path or its directory (`cp /tmp/x build/ && build/x`):
    the program is then that outside file, not the project's own code."""
    if path is None:
        return False
    base = os.path.basename(path)
    written = [p for w, p in a.touched if w and (p == path or path.startswith(p + "/"))]
    workspace = a.workspace.rstrip("/")
    return bool(written) and any(
        not w
        and os.path.basename(p) == base
        and not (p == workspace or p.startswith(workspace + "/"))
        for w, p in a.touched
    )


_SHELL_SHEBANG = re.compile(r"#!\s*(/usr)?/bin/(env\s+)?(sh|bash|dash|zsh|ksh)\b")


def ran_as_written(path: str | None, word: Word, cmd: SimpleCommand, a: Analyzer) -> bool:
    """`echo 'rm -rf ~' > x.sh; sh x.sh`: a script an earlier command of this line wrote
    from static text is judged as that text, not as the project's own code. Returns whether
    it was judged here."""
    text = a.wrote.get(path) if path is not None and a.wrote else None
    if text is None:
        return False
    if text.startswith("#!") and not _SHELL_SHEBANG.match(text):
        a.add(Tier.HIGH, f"runs {word.value}, a program this line wrote")
        return True
    a.run_script(text, cmd.cwd, f"{word.value}, which this line wrote")
    return True


def _run_file(interp: str, word: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    if word.value == "-" and not any(r.target is word for r in cmd.redirects):
        # `bash -`, `ruby -`, `node -`: the operand `-` names standard input, not a file
        exec_stdin(cmd, a, interp, interp in _SHELLS)
        return
    if word.fd:
        echoed = _echoed_code(word.text) if interp in _SHELLS or interp in ("source", ".") else None
        if echoed is not None:  # `source <(echo 'git push')` runs `git push`
            a.run_script(echoed, cmd.cwd, f"{interp} reading a process substitution")
        else:
            _dynamic_code(word, a, f"{interp} reading a process substitution")
        return
    place = a.place(word, cmd.cwd)
    shell = interp in _SHELLS or interp in ("source", ".")
    if shell and place.zone == "workspace" and ran_as_written(place.path, word, cmd, a):
        # (a script in another language written by the line is the project's code, as a file
        # the agent writes with the write tool is: the shell's text alone is judged here)
        return
    if place.zone == "workspace" and brought_in(place.path, a):
        a.add(Tier.HIGH, f"runs {word.value}, which this line copied in from outside")
    elif place.zone == "workspace":
        a.add(Tier.WORKSPACE, f"runs the project script {word.value} with {interp}")
        a.runs_code(f"runs the project script {word.value} with {interp}")
    elif place.zone == "scratch":
        a.add(Tier.HIGH, f"runs {word.value}, a script in temporary space")
        a.runs_code(f"runs {word.value}, a script in temporary space")
    elif place.zone == "secret":
        a.add(Tier.CRITICAL, f"runs {word.value} from a credentials location")
    else:
        a.add(Tier.HIGH, f"runs the script {place.label}, outside the workspace")


def _python_open_for_reading(call: ast.Call) -> str | None:
    """The literal path of `open('path')` / `open('path', 'r', encoding=...)`, else None."""
    args, keywords = call.args, {k.arg: k.value for k in call.keywords}
    if not args or len(args) > 2 or set(keywords) - {"encoding", "errors", "mode", "newline"}:
        return None
    path = args[0]
    mode = args[1] if len(args) == 2 else keywords.get("mode")
    if not (isinstance(path, ast.Constant) and isinstance(path.value, str) and path.value):
        return None
    if mode is not None and not (
        isinstance(mode, ast.Constant)
        and isinstance(mode.value, str)
        and mode.value in _PY_READ_MODES
    ):
        return None
    return path.value


@functools.lru_cache(maxsize=256)
def _python_reads(code: str) -> tuple[str, ...] | None:
    """The literal paths inline Python reads when `_python_is_safe` holds it safe, else
    None: a pure function of the code's text, so each text is parsed once."""
    reads: list[str] = []
    return tuple(reads) if _python_is_safe(code, reads) else None


def _python_is_safe(code: str, reads: list[str] | None = None) -> bool:
    """True when inline Python provably only computes, prints and reads files named by
    literal paths (collected into `reads`, for the caller to judge). Modules outside the safe
    list may be imported (to print a version), but only a few of their functions called."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    limited: dict[str, frozenset[str]] = {}
    forbidden: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in _UNSAFE_PY_IMPORTS:
                    return False
                full = alias.name if alias.asname else alias.name.split(".")[0]
                if full not in _SAFE_PY_MODULES:
                    bound = alias.asname or full
                    limited[bound] = _PY_MODULE_CALLS.get(full, frozenset()) | _PY_ANY_MODULE_CALLS
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.split(".")[0] in _UNSAFE_PY_IMPORTS or node.level:
                return False
            if module not in _SAFE_PY_MODULES:
                allowed = _PY_MODULE_CALLS.get(module, frozenset()) | _PY_ANY_MODULE_CALLS
                for alias in node.names:
                    if alias.name not in allowed:
                        forbidden.add(alias.asname or alias.name)
    opened: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            fname = (
                func.attr
                if isinstance(func, ast.Attribute)
                else (func.id if isinstance(func, ast.Name) else "")
            )
            if isinstance(func, ast.Name) and fname == "open" and reads is not None:
                path = _python_open_for_reading(node)
                if path is None:
                    return False
                reads.append(path)
                opened.add(id(func))
                continue
            if fname not in _SAFE_PY_CALLS and fname not in _PY_ANY_MODULE_CALLS:
                return False
            if fname == "open":
                return False
            receiver = func.value if isinstance(func, ast.Attribute) else None
            root = receiver
            chain: list[str] = []
            while isinstance(root, ast.Attribute):
                chain.insert(0, root.attr)
                root = root.value
            if isinstance(root, ast.Name) and root.id in limited and chain[:1] != ["path"]:
                if fname not in limited[root.id]:
                    return False
            elif fname in ("load", "safe_load") and not (
                isinstance(receiver, ast.Name) and receiver.id in ("json", "tomllib", "yaml")
            ):
                return False
        elif (
            isinstance(node, ast.Name)
            and id(node) not in opened
            and (
                node.id in forbidden
                or node.id
                in ("open", "exec", "eval", "__import__", "compile", "getattr", "globals", "vars")
            )
            or isinstance(node, ast.Attribute)
            and (
                node.attr
                in (
                    "environ",
                    "system",
                    "remove",
                    "unlink",
                    "rmtree",
                    "modules",
                    "getenv",
                    "putenv",
                )
                or node.attr.startswith("__")
                and node.attr not in _PY_PUBLIC_DUNDERS
            )
        ):
            return False
    return True


def _literal_paths(code: str, cmd: SimpleCommand, a: Analyzer) -> None:
    """Absolute or home paths named in trivial inline code count as read."""
    for match in _STRING_LITERAL.finditer(code):
        literal = next(g for g in match.groups() if g is not None)
        if literal.startswith(("/", "~", "../")) and " " not in literal:
            a.read(Word(literal, literal), cmd.cwd)


_REQUIRE = re.compile(r"""require\(\s*(['"])([^'"]+)\1\s*\)""")
_JS_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")


_NODE_ARROW_PARAMETERS = re.compile(r"\(([\w$,\s]*)\)\s*=>")
_NODE_DECLARATION = re.compile(r"\b(?:const|let)\s+[A-Za-z_$][\w$]*\s*=(?![=>])")
_NODE_ASSIGNMENT_OPERATOR = re.compile(r"(?<![=!<>])=(?![=>])|\+\+|--")
_NODE_SUBSCRIPT = re.compile(r"[\w$)\]]\s*\[([^\]]*)\]?")
_NODE_NAME_OR_CALL = re.compile(r"(\.\s*)?([A-Za-z_$][\w$]*)\s*(\()?")
_NODE_COMPUTED_REQUIRE = re.compile(r"\brequire\s*\(\s*[^\"\s]")
_NODE_ALIAS_DECLARATION = re.compile(
    r"\b(?:const|let)\s+[A-Za-z_$][\w$]*\s*=\s*[A-Za-z_$][\w$.]*\s*(;|$)"
)
_NODE_DECLARED_NAME = re.compile(r"\b(?:const|let)\s+([A-Za-z_$][\w$]*)\s*=(?![=>])")
_NODE_ARROW_PARAMETER = re.compile(r"([A-Za-z_$][\w$]*)\s*=>")
_NODE_EMPTY_STRING_OR_NUMBER = re.compile(r'\s*(""|\d+)\s*')


def _node_is_safe(code: str) -> bool:
    if "`" in code or _JS_FORBIDDEN.search(code):
        return False
    for m in _REQUIRE.finditer(code):
        target = m.group(2)
        if not (target.endswith(".json") or target in ("os", "path", "v8", "node:os", "node:path")):
            return False
    bare = _JS_STRING.sub('""', code)
    # Names this code declares (`const f = ...`, arrow parameters) are its own: declaring or
    # calling one changes nothing outside it (the values are checked like any other text).
    if _NODE_COMPUTED_REQUIRE.search(bare) or _NODE_ALIAS_DECLARATION.search(bare):
        return False  # a module named at run time, or another name for a global function
    local = set(_NODE_DECLARED_NAME.findall(bare))
    for params in _NODE_ARROW_PARAMETERS.findall(bare):
        local.update(p.strip() for p in params.split(",") if p.strip())
    local.update(_NODE_ARROW_PARAMETER.findall(bare))
    bare = _NODE_DECLARATION.sub(" ", bare)
    if _NODE_ASSIGNMENT_OPERATOR.search(bare):
        return False  # assignment or mutation
    for m in _NODE_SUBSCRIPT.finditer(bare):
        if not _NODE_EMPTY_STRING_OR_NUMBER.fullmatch(m.group(1)):
            return False  # computed member access (`process['e'+'nv']`)
    for m in _NODE_NAME_OR_CALL.finditer(bare):
        dotted, ident, called = m.group(1), m.group(2), m.group(3)
        if not dotted and ident in local:
            continue
        if called and ident not in _JS_CALLS:
            return False
        if not dotted and not called and ident not in _JS_GLOBALS and len(ident) > 2:
            return False
    return True


_PERL_SUBST = re.compile(r"\b(s|tr|y)\s*([^\w\s{(\[<])(?:\\.|(?!\2).)*\2(?:\\.|(?!\2).)*\2([a-z]*)")


# Ruby's -n/-p one-liners in their two plain forms: print the lines a regular expression
# matches, or substitute a literal for it. A regex or string with `#` could interpolate code.
_RUBY_REGEX = r"/(?:[^/\\#\n]|\\.)*/[imx]*"
_RUBY_FILTER = re.compile(
    rf"\s*(?:(?:print|puts|p)\s*(?:\$_)?\s*(?:if|unless)\s+{_RUBY_REGEX}|"
    rf"(?:\$_\s*\.\s*)?g?sub!?\s*\(\s*{_RUBY_REGEX}\s*,\s*(?:\"[^\"\\#]*\"|'[^'\\]*')\s*\))\s*"
)


def _ruby_filter(args: list[Word], codes: list[Word]) -> bool:
    """`ruby -ne 'print if /x/' F`, `ruby -i.bak -pe 'gsub(/a/, "b")' F`: only the loop
    flags (-n, -p, -l, -a, -w, -e and -i's backup suffix), only those two forms of code."""
    flags = [w.value or "" for w in args if (w.value or "").startswith("-")]
    letters = "".join(f[1:] for f in flags if not f.startswith(("-i", "--")))
    return (
        not any(f.startswith("--") for f in flags)
        and set(letters) <= set("nplawe")
        and bool(set(letters) & set("np"))
        and all(c.value is not None and _RUBY_FILTER.fullmatch(c.value) for c in codes)
    )


_PERL_BRACKETED_SUBSTITUTION = re.compile(r"\bs\s*[{(\[<]")


def _perl_is_safe(code: str) -> bool:
    if _PERL_FORBIDDEN.search(code) or _PERL_BRACKETED_SUBSTITUTION.search(code):
        return False
    return not any(m.group(1) == "s" and "e" in m.group(3) for m in _PERL_SUBST.finditer(code))


# A list of two or more plain string literals: `["git", "push"]`, `['rm', '-rf', d]` is not.
_STRING_LIST = re.compile(r"""\[\s*(?:(["'])[^"'\\]*\1\s*,\s*)+(["'])[^"'\\]*\2\s*,?\s*\]""")
_STRING_LITERAL = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'|`([^`]*)`")


_DELETING_CALL = re.compile(r"\b(rmtree|unlink|remove|rmSync|rm_rf|rmdir|unlinkSync)\b")
_QUOTED_STRING = re.compile(r"""["']([^"'\\]*)["']""")


def _inline_code(interp: str, code: str, cmd: SimpleCommand, a: Analyzer) -> None:
    """Inline program text for python/node/perl/ruby...: safe only if provably trivial."""
    reads = _python_reads(code) if interp == "python" else None
    if reads is not None:
        _literal_paths(code, cmd, a)
        for path in reads:
            a.read(Word(path, path), cmd.cwd)
        a.add(Tier.READ_ONLY, "runs a trivial inline Python expression")
        return
    if interp in ("node", "nodejs", "bun") and _node_is_safe(code):
        for m in _REQUIRE.finditer(code):
            a.read(Word(m.group(2), m.group(2)), cmd.cwd)
        _literal_paths(code, cmd, a)
        a.add(Tier.READ_ONLY, "runs a trivial inline JavaScript expression")
        return
    if interp in ("ruby", "php", "lua", "julia", "perl") and _PRINTS_CONSTANT.fullmatch(code):
        a.add(Tier.READ_ONLY, f"runs inline {interp} code that only prints a constant")
        return
    r_read = _R_READS.fullmatch(code) if interp == "Rscript" else None
    if r_read is not None:
        if r_read.group("file"):
            a.read(Word(r_read.group("file"), r_read.group("file")), cmd.cwd)
        # R runs ./.Rprofile first (else ~/.Rprofile, the user's own): project code
        if os.path.exists(os.path.join(cmd.cwd or a.workspace, ".Rprofile")):
            a.add(Tier.WORKSPACE, "Rscript runs the project's .Rprofile first")
            a.runs_code("Rscript runs the project's .Rprofile first")
        else:
            a.add(Tier.READ_ONLY, "runs inline R code that only reports or summarises")
        return
    if interp == "osascript" and _OSASCRIPT_LITERAL.fullmatch(code.strip()):
        a.add(Tier.READ_ONLY, "runs inline AppleScript or JavaScript that says or prints a literal")
        return
    a.add(Tier.HIGH, f"runs inline {interp} code, which can do anything")
    # Strings handed to os.system / execSync / system() run as shell commands, and a list of
    # strings (`subprocess.run(["git", "push"])`) as a program's words: judge them, and let
    # deny rules see them (`git push` inside `python -c` is still `git push`).
    literals = [
        next(g for g in m.groups() if g is not None) for m in _STRING_LITERAL.finditer(code)
    ]
    argvs = [shlex.join(_QUOTED_STRING.findall(m.group(0))) for m in _STRING_LIST.finditer(code)]
    for literal in [*literals, *argvs]:
        if " " in literal or "|" in literal:
            sub = Analyzer(a.workspace, a.home, a.depth + 1)
            from wakeful.policy.shell import analyze

            if a.depth + 1 < 8:
                analyze(literal, sub, cwd=cmd.cwd, depth=a.depth + 1)
            if not sub.parsed:
                continue
            for inv in sub.invocations:
                inv.leaf = False  # seen by deny and ask rules; an allow rule must cover the code
                a.invocations.append(inv)
            a.touched.extend(sub.touched)
            if sub.tier() == Tier.CRITICAL:
                for tier, reason in sub.findings:
                    if tier == Tier.CRITICAL:
                        a.findings.append((tier, f"{reason} (inside inline {interp} code)"))
    if _DELETING_CALL.search(code):
        paths = [
            next(g for g in m.groups() if g is not None) for m in _STRING_LITERAL.finditer(code)
        ]
        for p in paths:
            if p.startswith(("/", "~")) or p in ("..", "."):
                a.delete(Word(p, p), cmd.cwd, recursive=True)
