"""find (tests, -exec and action order, -delete) and fd (-x), and the paths they list."""

from __future__ import annotations

import fnmatch
import os.path
import re
import stat
from collections.abc import Callable
from dataclasses import replace

from wakeful.policy import git_state
from wakeful.policy.path_risk import bash_glob, find_secret_sample, secret_pattern
from wakeful.policy.program_rules import PROGRAMS
from wakeful.policy.programs.options import _has, _short, _vals, split_opts
from wakeful.policy.programs.search import (
    credential_search,
    prints_every_line,
    searches_credentials,
    secret_named_by_glob,
    secret_named_by_regex,
    top_level_secret,
)
from wakeful.policy.programs.tables import (
    _FIND_NAME_TESTS,
    _FIND_NEWER_XY,
    _FIND_OTHER_TESTS,
    _FIND_VALUED,
)
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier


def _find_segment(expr: list[Word], end: int) -> list[Word]:
    """The tests an action at `end` is guarded by: find evaluates left to right, so only
    tests before it, since the last top-level `-o` or `,`, filter what it acts on."""
    depth = 0
    start = 0
    for k in range(end):
        v = expr[k].value
        if v == "(":
            depth += 1
        elif v == ")":
            depth -= 1
        elif depth == 0 and v in ("-o", "-or", ","):
            start = k + 1
    return expr[start:end]


# find's actions that run a program, delete or write a file.
_FIND_ACTING = ("-exec", "-ok", "-delete", "-fprint", "-fls")


def h_find(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    follows = False
    while (
        args
        and args[0].value in ("-H", "-L", "-P", "-D")
        or (args and (args[0].value or "").startswith("-O"))
    ):
        follows = follows or args[0].value == "-L"
        args = args[2:] if args[0].value == "-D" else args[1:]
    starts: list[Word] = []
    i = 0
    while (
        i < len(args)
        and args[i].value is not None
        and args[i].value not in ("(", "!")
        and not (args[i].value or "").startswith("-")
    ):
        starts.append(args[i])
        i += 1
    if i < len(args) and args[i].value is None and not starts:
        starts.append(args[i])
    if not starts:
        starts = [Word(".", ".")]
    for s in starts:
        a.read_meta(s, cmd.cwd)
    expr = args[i:]
    if any(
        w.value is None and (w.prefix or "").startswith(_FIND_ACTING) for w in args[: i + len(expr)]
    ):
        # `.$IFS-exec$IFS/tmp/x$IFS{}`: an action whose command or file is known only at
        # run time
        a.add(Tier.HIGH, "runs or writes with an action whose operands are known only at run time")
    follows = follows or any(w.value == "-follow" for w in expr)
    names = [
        expr[k + 1].text
        for k in range(len(expr) - 1)
        if expr[k].value
        in ("-name", "-iname", "-path", "-ipath", "-regex", "-iregex", "-wholename")
    ]
    credential_search(names, list(starts), cmd, a)
    j = 0
    acted = False
    while j < len(expr):
        tok = expr[j].value
        if name == "bfs" and tok == "-rm":
            tok = "-delete"
        if tok is None and expr[j].text.lstrip("\"'").startswith(("-", "$", "`")):
            # `-${t}exec`, `-exe$9c`, `$ACTION`: a primary computed at run time may be
            # -exec or -delete
            a.add(Tier.HIGH, f"find {_short(expr[j].text)}: a primary only known at run time")
        if tok in ("-exec", "-execdir", "-ok", "-okdir", "-delete"):
            guard = _find_segment(expr, j)
            filtered = _find_filtered(guard)
            found = _find_sample(guard) or ("found" if filtered else "*")
            if follows:
                a.add(Tier.HIGH, "acts on files through symbolic links, which lead anywhere (-L)")
        if tok in ("-exec", "-execdir", "-ok", "-okdir"):
            inner: list[Word] = []
            j += 1
            start_inner = j
            while j < len(expr) and expr[j].value not in (";", "+"):
                w = expr[j]
                if w.value is not None and "{}" in w.value:
                    # each `{}` becomes a path found, where it stands: inside a larger word
                    # (`sh -c 'curl -T {} URL'`) the rest of the word is no path
                    base = starts[0].value if starts[0].value is not None else None
                    inner.append(
                        Word(
                            None
                            if base is None
                            else w.value.replace("{}", base.rstrip("/") + "/" + found),
                            w.text,
                        )
                    )
                else:
                    inner.append(w)
                j += 1
            acted = True
            if inner:
                here = cmd
                if tok in ("-execdir", "-okdir"):  # in the directory of each file found
                    here = _in_found_directories(starts, cmd, a)
                before = len(a.touched)
                a.run_argv(inner, here)
                if found == "*":
                    rewrites_every_file(starts, inner[0], before, cmd, a)
                    reads_every_file(starts, inner[0].value, before, cmd, a, inner)
                # `{}` may also be a protected file the walk reaches (.git/config,
                # .wakeful/config.toml ...): judge the action on each such file too.
                for path in _find_protected_hits(starts, expr, cmd, a):
                    a.run_argv(
                        [
                            Word(w.value.replace("{}", path), w.text)
                            if w.value is not None and "{}" in w.value
                            else w
                            for w in expr[start_inner:j]
                        ],
                        here,
                    )
        elif tok == "-delete":
            acted = True
            for s in starts:
                if filtered:
                    base = s.value.rstrip("/") + "/" + found if s.value is not None else None
                    a.delete(Word(base, s.text), cmd.cwd, recursive=False)
                else:
                    glob = s.value.rstrip("/") + "/*" if s.value is not None else None
                    a.delete(Word(glob, s.text), cmd.cwd, recursive=True)
        elif tok in ("-fprint", "-fprint0", "-fprintf", "-fls"):
            acted = True
            if j + 1 < len(expr):
                a.write(expr[j + 1], cmd.cwd)
            j += 1
        elif (
            tok in _FIND_NAME_TESTS
            or tok in _FIND_OTHER_TESTS
            and tok != "-empty"
            or tok in _FIND_VALUED
            or tok is not None
            and _FIND_NEWER_XY.fullmatch(tok)
        ):
            j += 1  # skip the test's value (`-printf -delete` prints the word "-delete")
        j += 1
    if not acted:
        a.add(Tier.READ_ONLY, "lists files")


def _find_filtered(expr: list[Word]) -> bool:
    """Whether the tests narrow the walk to some kind of file: a name or path it must match,
    or emptiness. Time, size, owner and permission tests, and a name it must not match, still
    reach every kind of file below the start (.git's objects, ignored data, the project's
    own files), as no test does."""
    for j, w in enumerate(expr):
        if w.value in _FIND_NAME_TESTS:
            if (
                j + 1 < len(expr)
                and expr[j + 1].value not in ("*", "**", ".*", "*.*")
                and (j == 0 or expr[j - 1].value not in ("!", "-not"))
            ):
                return True
        elif w.value == "-empty":
            return True
    return False


def _unnarrowed_walk(cmd: SimpleCommand) -> list[Word]:
    """The starting points of a `find` upstream of `xargs` that no name narrows (`find .
    -type f | xargs ...`): every file below them is handed on. Empty when there is none."""
    for up in reversed(cmd.upstream):
        if up.name in _PASS_THROUGH and (up.name != "cat" or len(up.argv) == 1):
            continue
        if up.name != "find":
            return []
        args = up.argv[1:]
        k = 0
        while k < len(args) and not (args[k].value or "-").startswith(("-", "(", "!")):
            k += 1
        expr = args[k:]
        if _find_sample(expr) is not None or _find_filtered(expr):
            return []
        return args[:k] or [Word(".", ".")]
    return []


# Programs whose "write" of an existing file changes only its times.
_TIMES_ONLY = frozenset({"touch"})


def rewrites_every_file(
    starts: list[Word], program: Word, before: int, cmd: SimpleCommand, a: Analyzer
) -> None:
    """`find . -type f -exec sed -i ... {} +`, `find . | xargs perl -pi ...`: a walk that no
    name narrows hands every file below its start to a command that rewrites them. Below a
    directory that is or holds the workspace, that includes files no checkpoint restores
    (ignored directories, ignored files over the size cap, .git's objects), as `sed -i ...
    $(find . -type f)` is judged."""
    if (
        program.value in _TIMES_ONLY
        or a.tier() in (Tier.HIGH, Tier.CRITICAL)  # asked already (`-exec rm {}`: a deletion)
        or not any(written and path.endswith("/*") for written, path in a.touched[before:])
    ):
        return
    for start in starts:
        place = a.place(start, cmd.cwd)
        if place.is_workspace or place.contains_workspace:
            a.add(
                Tier.HIGH,
                f"rewrites every file below {place.label}, ignored data and files too large "
                "for a checkpoint with the rest, which no checkpoint restores",
            )
            return


# Searches: they print the lines that match their pattern, judged by their own check
# (`searches_project_secrets`), not whole files.
_SEARCHES = frozenset({"grep", "egrep", "fgrep", "zgrep", "rg", "ag", "ack"})


def reads_every_file(
    starts: list[Word],
    program: str | None,
    before: int,
    cmd: SimpleCommand,
    a: Analyzer,
    argv: list[Word] | None = None,
) -> None:
    """`find . -type f | xargs cat`, `fd -u -x cat`: a walk that no name narrows hands
    every file below its start, hidden ones included, to `program`, which read them. Below
    a workspace directory whose top level holds a secret file, that file is read with the
    rest, as a recursive grep for a credential's pattern there reads it (the directory is
    listed now, never remembered)."""
    if (
        program in _SEARCHES
        and (argv is None or not prints_every_line(argv[1:]))  # `xargs grep -h .` reads all
        or a.tier() in (Tier.HIGH, Tier.CRITICAL)
        or not any(not written and path.endswith("/*") for written, path in a.touched[before:])
    ):
        return
    for start in starts:
        place = a.place(start, cmd.cwd)
        name = top_level_secret(place)
        if name is not None:
            a.add(
                Tier.HIGH,
                f"reads every file below {place.label}, and {name} there holds credentials",
            )
            return


# Protected workspace paths a `find` walk may hand to -exec as `{}`, and how many entries
# below them are looked at before assuming one matches.
_FIND_PROTECTED = (".git/config", ".git/hooks", ".wakeful", ".claude", ".mcp.json")
_FIND_PROTECTED_SCAN = 2000


def _find_protected_hits(
    starts: list[Word], expr: list[Word], cmd: SimpleCommand, a: Analyzer
) -> list[str]:
    """Existing protected files below the walk's starts whose names the expression's name
    tests could select (all of them when the tests cannot be judged statically)."""
    roots = [a.resolve(s, cmd.cwd) for s in starts]
    if any(r is None for r in roots):
        roots = [a.workspace]
    names: list[tuple[str, str]] = []
    for j in range(len(expr) - 1):
        test, value = expr[j].value, expr[j + 1].value
        if test in _FIND_NAME_TESTS:
            if value is None or test not in (
                "-name",
                "-iname",
                "-path",
                "-ipath",
                "-wholename",
                "-iwholename",
            ):
                names = []  # regex or a computed pattern: any name may match
                break
            names.append((test, value))
    negated = any(w.value in ("-o", "-or", "!", "-not") for w in expr)
    # Each test as (whether it sees the name alone, its pattern's compiled match, whether
    # it ignores case): `fnmatch.fnmatchcase(subject, pattern)` compiled once per call
    # rather than looked up for every file of the walk.
    tests: list[tuple[bool, Callable[[str], object], bool]] = []
    for test, pattern in names if not negated else ():
        by_name = test in ("-name", "-iname")
        fold = test.startswith("-i")
        if not by_name:
            pattern = "*" + pattern.lstrip(".")  # a path test: match its tail
        if fold:
            pattern = pattern.lower()
        tests.append((by_name, re.compile(fnmatch.translate(bash_glob(pattern))).match, fold))

    def selected(path: str, name: str) -> bool:
        """Whether the tests select `path` (whose last component is `name`): -name and
        -iname see the name, -path and -wholename the whole path (matching its tail)."""
        for by_name, match, fold in tests:
            subject = name if by_name else path
            if match(subject.lower() if fold else subject) is None:
                return False
        return True

    hits: list[str] = []
    skipped = os.path.join(a.workspace, ".wakeful", "tmp")
    for rel in _FIND_PROTECTED:
        top = os.path.join(a.workspace, rel)
        if not any(
            r is not None and (top == r or top.startswith(r.rstrip("/") + "/")) for r in roots
        ):
            continue
        try:  # one lstat: whether it exists, and whether it is a directory (not a link)
            found = os.lstat(top)
        except (OSError, ValueError):
            continue
        # The first path the tests select, in the walk's order (the location itself
        # first); the walk goes on only to count what it sees.
        hit = top if selected(top, top[top.rfind("/") + 1 :]) else None
        if stat.S_ISDIR(found.st_mode):
            seen = 0
            for base, dirs, files in os.walk(top):
                dirs[:] = [d for d in dirs if os.path.join(base, d) != skipped]
                for name in files:
                    seen += 1
                    if seen > _FIND_PROTECTED_SCAN:
                        return hits + [top]
                    if hit is None:
                        path = os.path.join(base, name)
                        if selected(path, name):
                            hit = path
        if hit is not None:
            hits.append(hit)  # one protected file per location is enough to judge
    return hits


def _find_sample(expr: list[Word]) -> str | None:
    """A name standing for what `find` selects (`*.pem` for `-name "*.pem"`), so actions on
    the results are judged on what they touch. None when no single name pattern applies."""
    names = [
        (expr[j].value, expr[j + 1].value)
        for j in range(len(expr) - 1)
        if expr[j].value in ("-name", "-iname")
    ]
    # A name that selects secrets decides, whatever else narrows or widens the walk
    # (`-name '.env*' -not -name '*.example'`, `-name '*.pem' -o -name '*.key'`, `-name
    # '*env*'`, `-path '*/.ssh/id_*'`, `-regex '.*\.pem'`).
    for j in range(len(expr) - 1):
        test, pattern = expr[j].value, expr[j + 1].value
        if not pattern or (j > 0 and expr[j - 1].value in ("!", "-not")):
            continue
        secret: str | None = None
        if test in ("-name", "-iname") and "/" not in pattern:
            sample = pattern.lower() if test == "-iname" else pattern
            if secret_pattern(sample):
                return sample
            found = find_secret_sample(sample)
            if found is not None:
                return found  # `-name '*.env'` finds `.env`: find's `*` matches a leading dot
            secret = secret_named_by_glob(sample)
        elif test in _FIND_PATH_TESTS:
            tail = pattern.rsplit("/", 1)[-1]
            secret = secret_named_by_glob(tail.lower() if test.startswith("-i") else tail)
        elif test in ("-regex", "-iregex"):
            secret = secret_named_by_regex(pattern, fold=test == "-iregex")
        if secret is not None:
            return secret
    if len(names) != 1 or any(w.value in ("-o", "-or", "!", "-not") for w in expr):
        return None
    test, pattern = names[0]
    if not pattern or "/" in pattern:
        return None
    return pattern.lower() if test == "-iname" else pattern


# find's tests of the whole path.
_FIND_PATH_TESTS = frozenset({"-path", "-ipath", "-wholename", "-iwholename"})


def _fd_sample(args: list[Word]) -> str | None:
    opts, pos = split_opts(
        args, ("-e", "--extension", "-t", "--type", "-d", "--max-depth", "-E", "--exclude")
    )
    ext = _vals(opts, "-e", "--extension")
    base = pos[1].value if len(pos) > 1 else "."
    if base is None:
        return None
    name = _fd_secret(pos[:1], opts) or (f"*.{ext[0].value}" if ext and ext[0].value else "found")
    return base.rstrip("/") + "/" + name


_PASS_THROUGH = frozenset({"sort", "uniq", "head", "tail", "tac", "shuf", "cat"})


def listed_names(listing: tuple[SimpleCommand, ...], a: Analyzer) -> list[Word] | None:
    """What a pipeline whose output a command takes as names (`xargs -a <(find ...)`)
    lists, as `xargs` after it would."""
    if not listing:
        return None
    return _listed_paths(SimpleCommand(argv=[], upstream=list(listing), cwd=listing[-1].cwd), a)


def read_names(listing: tuple[SimpleCommand, ...], a: Analyzer) -> None:
    """A read of the names a pipeline prints (`cat $(find . -name '*.pem')`, `for f in
    $(ls -a | grep env); do cat "$f"`, `find ... | while read f`) reads what its words say
    it selects, as `find ... | xargs cat` does."""
    if not listing:
        return
    cmd = SimpleCommand(argv=[], upstream=list(listing), cwd=listing[-1].cwd)
    before = len(a.touched)
    for name in _listed_paths(cmd, a) or ():
        if name.value is not None or name.holds is not None:
            a.read(name, cmd.cwd)
    program = a.programs[-1] if a.programs else None  # the program reading the names
    reads_every_file(_unnarrowed_walk(cmd), program, before, cmd, a)


# Options as `split_opts` gives them: each with its value, if it takes one.
_Opts = list[tuple[str, Word | None]]


def _grep_words(args: list[Word]) -> tuple[list[str], _Opts, list[Word]]:
    """A grep's (or rg's) patterns, options and file operands."""
    spec = PROGRAMS.get("grep")
    takes = spec.value_opts if spec is not None else frozenset()
    opts, pos = split_opts(args, takes)
    given = _vals(opts, "-e", "--regexp")
    if given or _has(opts, "-f", "--file"):
        return [w.value or "" for w in given], opts, pos
    return [w.value or "" for w in pos[:1]], opts, pos[1:]


def _filtered_secret(cmd: SimpleCommand) -> str | None:
    """A secret's name that a filter over the listing upstream keeps (`ls -a | grep env`,
    `git ls-files | grep -E '^\\.env'`): the names read are those. None without such a
    filter."""
    for up in reversed(cmd.upstream):
        name = up.name
        args = up.argv[1:]
        if name in _PASS_THROUGH and (name != "cat" or not args) or _rewrites_names(up):
            continue
        kept = _awk_kept(up)
        if kept is not None:
            secret = secret_named_by_regex(kept)
            if secret is not None:
                return secret
            continue
        if name not in ("grep", "egrep", "fgrep", "rg"):
            return None
        patterns, opts, files = _grep_words(args)
        if files or _has(opts, "-l", "--files-with-matches", "-L", "--files-without-match"):
            return None
        if _has(opts, "-v", "--invert-match"):
            continue
        fixed = name == "fgrep" or _has(opts, "-F", "--fixed-strings")
        fold = _has(opts, "-i", "--ignore-case")
        whole = _has(opts, "-x", "--line-regexp")
        for pattern in patterns:
            secret = secret_named_by_regex(pattern, fixed=fixed, fold=fold, whole=whole)
            if secret is not None:
                return secret
    return None


# An awk program that prints the lines a regular expression matches (`/env/`, `/env/
# {print}`, `$0 ~ /env/`).
_AWK_MATCH = re.compile(
    r"\s*(?:\$0\s*~\s*)?/((?:[^/\\]|\\.)+)/\s*(?:\{\s*print(?:\s+\$0)?\s*;?\s*\})?\s*"
)


# A sed script that prints the lines a regular expression matches (`sed -n '/env/p'`),
# and one that only rewrites each line (`s|^./||`, `s/x/y/g`: no `w` or `e` flag).
_SED_MATCH = re.compile(r"\s*/((?:[^/\\]|\\.)+)/\s*p\s*")
_SED_SUBSTITUTE = re.compile(r"\s*s(.)(?:(?!\1).)*\1(?:(?!\1).)*\1[gip0-9]*\s*")


def _awk_kept(cmd: SimpleCommand) -> str | None:
    """The regular expression of an awk or sed filter over standard input (`awk '/env/'`,
    `sed -n '/env/p'`)."""
    if cmd.name in ("awk", "gawk", "mawk") and len(cmd.argv) == 2:
        found = _AWK_MATCH.fullmatch(cmd.argv[1].value or "")
        return found.group(1) if found else None
    if cmd.name == "sed" and len(cmd.argv) == 3 and cmd.argv[1].value == "-n":
        found = _SED_MATCH.fullmatch(cmd.argv[2].value or "")
        return found.group(1) if found else None
    return None


def _rewrites_names(cmd: SimpleCommand) -> bool:
    """`sed 's|^./||'`: a substitution over each name upstream lists, which still names
    the file it did (a prefix dropped or added)."""
    return (
        cmd.name == "sed"
        and len(cmd.argv) == 2
        and _SED_SUBSTITUTE.fullmatch(cmd.argv[1].value or "") is not None
    )


def _narrowed(word: Word, secret: str) -> Word:
    """A listing's representative path narrowed to the secret's name a filter keeps, when
    the listing can hold that name (`./*`, `./found`, `./.env*`; not `./*.py`)."""
    if word.value is None:
        return word
    head, _, tail = word.value.rpartition("/")
    if tail in ("*", "found") or (
        any(c in tail for c in "*?[") and fnmatch.fnmatchcase(secret, tail)
    ):
        return Word(f"{head}/{secret}" if head else secret, word.text)
    return word


def _listed_paths(cmd: SimpleCommand, a: Analyzer | None = None) -> list[Word] | None:
    """What the pipeline upstream of `xargs` lists, as representative paths, or None when
    that is not known (then the paths count as computed at run time)."""
    found = _listed_source(cmd, a)
    if found and cmd.upstream:
        secret = _filtered_secret(cmd)
        if secret is not None:
            return [_narrowed(w, secret) for w in found]
    return found


def _listed_source(cmd: SimpleCommand, a: Analyzer | None = None) -> list[Word] | None:
    """`_listed_paths` before a filter's narrowing."""
    here = _here_string_words(cmd, a)  # `xargs cat <<< ~/.netrc`: stdin is the here-string
    if here is not None:
        return here
    for up in reversed(cmd.upstream):
        name = up.name
        args = up.argv[1:]
        values = [w.value or "" for w in args]
        if name in _PASS_THROUGH and (name != "cat" or not args):
            here = _here_string_words(up)  # `cat <<< PATH | xargs cat`
            if here is not None:
                return here
            continue
        if _awk_kept(up) is not None or _rewrites_names(up):
            continue  # filters or rewrites lines that came from further upstream
        if name in ("grep", "egrep", "fgrep", "rg"):
            listing = any(
                v in ("-l", "--files-with-matches", "-L", "--files-without-match", "--files")
                or (v.startswith("-") and not v.startswith("--") and "l" in v)
                for v in values
            )
            if not listing:
                if _grep_words(args)[2]:
                    return None  # searches files: prints matching lines, not paths
                continue  # filters lines that came from further upstream
            spec = PROGRAMS.get("grep")
            takes = spec.value_opts if spec is not None else frozenset()
            opts, pos = split_opts(args, takes)
            if "--files" not in values and not _has(opts, "-e", "--regexp", "-f", "--file"):
                pos = pos[1:]
            dirs = pos or [Word(".", ".")]
            # `grep -rl AKIA .`: the files listed are those holding a credential
            patterns, _, _ = _grep_words(args)
            holds = (
                next((p for p in patterns if searches_credentials(p)), None)
                if "--files" not in values and "-L" not in values
                else None
            )
            return [
                Word(None, d.text, holds=holds)
                if d.value is None
                else Word(d.value.rstrip("/") + "/found", d.text, holds=holds)
                for d in dirs
            ]
        if name == "find":
            starts = []
            k = 0
            while k < len(args) and not values[k].startswith(("-", "(", "!")):
                starts.append(args[k])
                k += 1
            expr = args[k:]
            found = _find_sample(expr) or ("found" if _find_filtered(expr) else "*")
            return [
                Word(None, s.text)
                if s.value is None
                else Word(s.value.rstrip("/") + "/" + found, s.text)
                for s in (starts or [Word(".", ".")])
            ]
        if name == "gofmt" and "-l" in values:  # the Go files below its operands
            dirs = [w for w in args if not (w.value or "").startswith("-")]
            return [
                Word(None, d.text)
                if d.value is None
                else Word(d.value.rstrip("/") + "/found.go", d.text)
                for d in (dirs or [Word(".", ".")])
            ]
        if name in ("fd", "fdfind"):
            sample = _fd_sample(args)
            return [Word(sample, sample)] if sample else None
        if name == "git" and values[:1] in (["diff"], ["status"]):
            return [Word("./found", "<changed paths>")]
        if name == "git" and values[:1] == ["grep"]:
            # `git grep -l AKIA`: the tracked files holding a credential's text
            patterns, grep_opts, _ = _grep_words(args[1:])
            if not _has(grep_opts, "-l", "--files-with-matches", "--name-only"):
                return None
            holds = next((p for p in patterns if searches_credentials(p)), None)
            return [Word("./found", "<matching paths>", holds=holds)]
        if name == "git" and (
            values[:1] == ["ls-files"]
            or values[:1] == ["ls-tree"]
            and ("--name-only" in values or "--name-status" in values)
        ):
            specs = [v for v in values[1:] if not v.startswith("-")]
            if values[0] == "ls-tree":
                specs = specs[1:]  # after the tree
            words = [
                Word(v if any(c in v for c in "*?[") else v.rstrip("/") + "/found", v)
                for v in specs
            ] or [Word("./*", "<tracked paths>")]
            if not specs and any(
                v in ("-o", "--others") or _LS_FILES_OTHERS.fullmatch(v) for v in values
            ):
                words.append(Word("./.*", "<untracked paths>"))  # hidden names too (`.env`)
            if a is not None and a.repo().tracked_secrets:
                # the tracked files whose names say secret (`.env`, `config/id_rsa`) that the
                # pathspecs take in, as git matches them (`*.env` names `.env`)
                hit = git_state.secrets_in(
                    a.repo().tracked_secrets, [v.removeprefix("./") for v in specs], []
                )
                words += [
                    Word("./" + n, "<tracked paths>")
                    for n in hit[:3]
                    if n != git_state.UNREADABLE_INDEX
                ]
            return words
        if name == "ls":
            dirs = [w for w in args if not (w.value or "").startswith("-")]
            if any(_LS_ALL.fullmatch(v) for v in values):
                # `ls -a`, `ls -A`: the hidden names too (`.env`), as `.*` names them
                return [
                    Word(d.value.rstrip("/") + "/" + pattern, d.text)
                    if d.value is not None and not _has_wildcard(d.value)
                    else Word(d.value, d.text)
                    for d in (dirs or [Word(".", ".")])
                    for pattern in ("*", ".*")
                ]
            return [
                Word(None, d.text)
                if d.value is None
                # `ls .env*`: the names the wildcard matches; `ls DIR`: those in DIR
                else Word(d.value if _has_wildcard(d.value) else d.value.rstrip("/") + "/*", d.text)
                for d in (dirs or [Word(".", ".")])
            ]
        if (
            name == "realpath"
            or name == "readlink"
            and any(
                v.startswith("-") and not v.startswith("--") and set(v[1:]) & set("fem")
                for v in values
            )
        ):
            # `realpath .env`, `readlink -f .env`: the names given, resolved
            return [w for w in args if not (w.value or "").startswith("-")] or None
        if name == "compgen" and values[:1] == ["-G"] and len(args) == 2:
            return [args[1]]  # `compgen -G '.env*'`: the names the wildcard matches
        if name in ("echo", "printf"):
            words = [w for w in args if not (w.value or "").startswith("-")]
            if all(w.value is not None for w in words) and words:
                return words
        return None
    return None


# `git ls-files` clusters that list untracked files (`-co`, `-o`).
_LS_FILES_OTHERS = re.compile(r"-[a-zA-Z]*o[a-zA-Z]*")
# ls options that list hidden names: `-a`, `-A`, in a cluster (`-la`), `--all`.
_LS_ALL = re.compile(r"-[A-Za-z1]*[aA][A-Za-z1]*|--all|--almost-all")


def _has_wildcard(text: str) -> bool:
    return any(c in text for c in "*?[")


# Names of standard input that a program given a file of names opens as that file.
STDIN_FILES = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


def read_listed(cmd: SimpleCommand, a: Analyzer, base: str | None = None) -> None:
    """A program that reads the files named on its standard input (`cpio -o`, `tar -T -`,
    `zip -@`) reads what the pipeline upstream lists, or paths known only at run time. With
    `base`, the names are below that directory (`rsync --files-from=- SRC`)."""
    for item in _listed_paths(cmd, a) or [Word(None, "<input>")]:
        if base is not None and item.value is not None:
            item = Word(os.path.join(base, item.value.lstrip("/")), item.text)
        a.read(item, cmd.cwd)


def _here_string_words(cmd: SimpleCommand, a: Analyzer | None = None) -> list[Word] | None:
    """The words of a static standard input (a here-string, a here-document, `< <(echo
    ...)`, and with `a` a list file of the workspace redirected in: `< files.txt`): what
    xargs reads."""
    for r in reversed(cmd.redirects):
        if r.op in ("<", "<<", "<<<") and r.fd in (None, "0"):
            fed = r.stdin
            if (fed is None or fed.value is None) and a is not None and r.op == "<":
                return listed_in_file(r.target, cmd, a) if r.target is not None else None
            if fed is None or fed.value is None or not fed.value.strip():
                return None
            return [Word(v, v) for v in fed.value.split()]
    return None


_LIST_FILE_MAX = 1 << 16  # bytes read of a list file
_LIST_FILE_NAMES = 512  # names judged of it


def listed_in_file(word: Word, cmd: SimpleCommand, a: Analyzer) -> list[Word] | None:
    """The names a list file of the workspace holds, one per line (`tar -T files.txt`,
    `rsync --files-from=list`, `xargs -a list`, `cpio -o < list`): read now, on every call,
    so that a list the repository ships (`../.ssh/id_rsa` among its lines) is judged by
    what it names. None when it cannot be read (missing: written by the same line), is
    outside the workspace (judged as a read of its own) or is too long to judge."""
    place = a.place(word, cmd.cwd)
    if place.zone != "workspace" or place.path is None:
        return None
    try:
        with open(place.path, "rb") as f:
            data = f.read(_LIST_FILE_MAX + 1)
    except (OSError, ValueError):
        return None
    if len(data) > _LIST_FILE_MAX:
        return None
    names = [n.strip() for n in data.decode("utf-8", "replace").replace("\0", "\n").splitlines()]
    names = [n for n in names if n]
    if len(names) > _LIST_FILE_NAMES:
        return None
    return [Word(n, n) for n in names]


# fd's short options that take a value: in a cluster (`-ex`), the rest of it is the value.
_FD_SHORT_VALUE = frozenset("eEtdSjco")


def _fd_exec_words(args: list[Word]) -> list[Word]:
    """fd's arguments with `-x`/`-X` spelled as its parser accepts them (`-x=CMD`, `-xCMD`,
    `-Hx CMD`, `--exec=CMD`, `--exec-batch=CMD`) written out as the flag and the program."""
    out: list[Word] = []
    for i, w in enumerate(args):
        v = w.value
        if v in ("-x", "-X", "--exec", "--exec-batch", "--"):
            out.extend(args[i:])  # what follows is the command's (or a pattern and paths)
            break
        if v is None or not v.startswith("-"):
            out.append(w)
            continue
        if v.startswith(("--exec=", "--exec-batch=")):
            flag, _, prog = v.partition("=")
            out += [Word(flag, w.text), Word(prog, w.text)]
            continue
        if v.startswith("--"):
            out.append(w)
            continue
        for j, c in enumerate(v[1:], 1):
            if c in "xX":
                rest = v[j + 1 :].removeprefix("=")
                if j > 1:
                    out.append(Word(v[:j], w.text))
                out.append(Word("-" + c, w.text))
                if rest:
                    out.append(Word(rest, w.text))
                break
            if c in _FD_SHORT_VALUE or not c.isalpha():
                out.append(w)
                break
        else:
            out.append(w)
            continue
        if out[-1] is not w and any(x.value in ("-x", "-X") for x in out[-3:]):
            out.extend(args[i + 1 :])
            break
    return out


def h_fd(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    args = _fd_exec_words(args)
    cut = next(
        (i for i, w in enumerate(args) if w.value in ("-x", "--exec", "-X", "--exec-batch")),
        len(args),
    )
    opts, pos = split_opts(
        args[:cut],
        (
            "-e",
            "-E",
            "-t",
            "-d",
            "--extension",
            "--exclude",
            "--type",
            "--max-depth",
            "-S",
            "--size",
            "--changed-within",
            "-j",
        ),
        stop_at_positional=False,
    )
    patterns = [w.text for w in pos[:1]] + [f"*.{w.text}" for w in _vals(opts, "-e", "--extension")]
    roots = list(pos[1:]) or [Word(".", ".")]
    credential_search(patterns, list[Word | None](roots), cmd, a)
    if cut < len(args):
        # `fd PATTERN ROOT -x CMD`: CMD runs on files found below ROOT (one root: a path
        # there, judged by its place; several or computed: a path known at run time)
        follows = _has(opts, "-L", "--follow")  # links found lead anywhere
        root = roots[0].value if len(roots) == 1 and not follows else None
        # fd skips hidden and ignored files unless told not to: then a walk no pattern or
        # extension narrows hands on every file, .git's objects and ignored data included
        every = (
            _has(opts, "-u", "--unrestricted", "-uu", "-I", "--no-ignore", "-H", "--hidden")
            and not _vals(opts, "-e", "--extension")
            and (not pos or pos[0].value in ("", ".", "^", ".*"))
        )
        name = "*" if every else _fd_secret(pos[:1], opts) or "found"
        found = Word(None if root is None else root.rstrip("/") + "/" + name, "<found>")
        # each placeholder (`{}`, `{/}`, `{//}`, `{.}`, `{/.}`) becomes the path where it
        # stands: inside a larger word (`sh -c 'curl -T {} URL'`) the rest is no path
        inner = [
            Word(
                None if found.value is None else _FD_PLACEHOLDER.sub(found.value, x.value),
                x.text,
            )
            if x.value and _FD_PLACEHOLDER.search(x.value)
            else x
            for x in args[cut + 1 :]
            if x.value != ";"
        ]
        before = len(a.touched)
        a.run_argv(inner + [found], cmd)
        if every and inner:
            rewrites_every_file(roots, inner[0], before, cmd, a)
            reads_every_file(roots, inner[0].value, before, cmd, a, inner)
        return
    a.add(Tier.READ_ONLY, "finds files")


_FD_PLACEHOLDER = re.compile(r"\{(?:/|//|\.|/\.)?\}")


def _fd_secret(pattern: list[Word], opts: _Opts) -> str | None:
    """A secret's name that fd's pattern or extension selects (`fd -H '^\\.env'`, `fd -e
    pem`, `fd -g 'id_*'`): what its -x/-X command is handed. Hidden names only with -H or
    -u; a pattern without capitals ignores case, as fd's smart case does."""
    hidden = _has(opts, "-H", "--hidden", "-u", "--unrestricted", "-uu")
    for ext in _vals(opts, "-e", "--extension"):
        if ext.value:
            secret = secret_named_by_glob("*." + ext.value.lstrip("."), hidden)
            if secret is not None:
                return secret
    if not pattern or pattern[0].value is None:
        return None
    text = pattern[0].value
    if _has(opts, "-g", "--glob"):
        return secret_named_by_glob(text, hidden)
    fold = _has(opts, "-i", "--ignore-case") or (
        text == text.lower() and not _has(opts, "-s", "--case-sensitive")
    )
    fixed = _has(opts, "-F", "--fixed-strings")
    return secret_named_by_regex(text, fixed=fixed, fold=fold, hidden=hidden)


def _in_found_directories(starts: list[Word], cmd: SimpleCommand, a: Analyzer) -> SimpleCommand:
    """`-execdir CMD`: CMD runs in the directory of each file found, below the starting
    points: in the workspace when they all are, else in the one outside (or, with several,
    in a directory known only at run time)."""
    places = [a.place(s, cmd.cwd) for s in starts]
    if all(p.zone == "workspace" for p in places):
        return cmd
    return replace(cmd, cwd=places[0].path if len(places) == 1 else None)
