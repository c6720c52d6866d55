"""Searches for credentials anywhere on the machine (the grep family's and rg's check)."""

from __future__ import annotations

import fnmatch
import os
import re

from wakeful.policy import path_risk
from wakeful.policy.programs.tables import _SECRET_SAMPLES, _SECRET_SEARCH
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier


def read_selected_secrets(
    globs: list[Word], scopes: list[Word], cmd: SimpleCommand, a: Analyzer
) -> None:
    """A recursive search narrowed to secret files by name (`grep -r --include=.env`,
    `rg -g '*.pem'`: a glob given to rg overrides its ignore and hidden-file rules) reads
    them: each such glob is judged as a read of that name in every scope."""
    for glob in globs:
        name = (glob.value or "").removeprefix("**/")
        if not name or name.startswith("!") or "/" in name or not path_risk.secret_pattern(name):
            continue
        for scope in scopes:
            if scope.value is not None:
                a.read(Word(scope.value.rstrip("/") + "/" + name, scope.text), cmd.cwd)


def searches_project_secrets(
    patterns: list[str],
    scopes: list[Word],
    includes: list[Word],
    excludes: list[Word],
    cmd: SimpleCommand,
    a: Analyzer,
) -> None:
    """`grep -rn API_KEY .` prints the line of `.env` that holds the key: a recursive grep
    (which, unlike rg, skips neither hidden nor ignored files) for a credential's pattern,
    over a workspace directory that holds a secret file at its top, reads that secret.
    The directory is listed now (its top level only), never remembered. A pattern that
    matches every line (`grep -r '' .`) prints every file, that one with the rest."""
    hit = next((p for p in patterns if _SECRET_SEARCH.search(p)), None)
    every = hit is None and any(p.strip("'\"") in _MATCH_ALL for p in patterns)
    if hit is None and not every:
        return
    wanted = [w.value for w in includes if w.value]
    unwanted = [w.value for w in excludes if w.value]
    for scope in scopes:
        place = a.place(scope, cmd.cwd)
        name = top_level_secret(place, wanted, unwanted)
        if name is None:
            continue
        if every:
            a.add(
                Tier.HIGH,
                f"prints every line of the files below {place.label}, and {name} there "
                "holds credentials",
            )
        else:
            a.add(
                Tier.HIGH,
                f"searches {place.label} for {hit!r}, and {name} there holds credentials",
            )
        return


# Patterns that match every line (`.`: every line that is not empty): a search with one
# prints whole files.
_MATCH_ALL = frozenset({"", "^", "$", ".*", "^.*", "^.*$", ".", "^.", ".+", "^.+"})
_INVERTING = re.compile(r"-[A-Za-z]*v[A-Za-z]*|--invert-match|--invert")


def prints_every_line(args: list[Word]) -> bool:
    """Whether a search (`grep ARGS`) prints every line of what it reads: a pattern that
    matches every line, or lines that do not match (-v)."""
    values = [w.value or "" for w in args]
    if any(_INVERTING.fullmatch(v) for v in values):
        return True
    for k, v in enumerate(values):
        if v in ("-e", "--regexp") and k + 1 < len(values):
            if values[k + 1] in _MATCH_ALL:
                return True
        elif v.startswith("--regexp=") and v.partition("=")[2] in _MATCH_ALL:
            return True
    if any(v in ("-e", "--regexp") or v.startswith("--regexp=") for v in values):
        return False
    pattern = next((v for v in values if not v.startswith("-")), None)
    return pattern in _MATCH_ALL


def top_level_secret(
    place: path_risk.Place, wanted: list[str] | None = None, unwanted: list[str] | None = None
) -> str | None:
    """The name of a secret file at the top of a workspace directory (among those `wanted`
    globs keep and `unwanted` ones do not), listed now, never remembered; None when there
    is none, or the place is not a workspace directory."""
    if place.zone != "workspace" or place.path is None:
        return None
    try:
        with os.scandir(place.path) as entries:
            names = [e.name for _, e in zip(range(1024), entries, strict=False)]
    except OSError:
        return None
    for name in names:
        if (
            path_risk.secret_pattern(name)
            and (not wanted or any(fnmatch.fnmatch(name, g) for g in wanted))
            and not any(fnmatch.fnmatch(name, g) for g in unwanted or ())
        ):
            return name
    return None


def searches_repository_config(
    patterns: list[str],
    scopes: list[Word],
    everything: bool,
    cmd: SimpleCommand,
    a: Analyzer,
) -> None:
    """`grep -rn ghp_ .`, `rg -uu https .`: a recursive search that goes into .git (grep
    skips no directory; rg does with --hidden) from a directory that holds it finds what
    the repository's configuration holds, a remote URL's token among it, when a pattern
    can match that entry (tried as a regular expression without case; `everything`, as for
    -v or patterns read from a file, matches any)."""
    facts = a.repo()
    if not facts.credentials:
        return
    git_dir = facts.git_dir
    for scope in scopes:
        place = a.place(scope, cmd.cwd)
        if place.path is None or not git_dir.startswith(place.path.rstrip("/") + "/"):
            continue
        if everything or any(_finds(p, facts.credential_lines) for p in patterns):
            held = facts.credentials[0]
            a.add(
                Tier.HIGH,
                f"searches {place.label} down into .git, and {held.file} holds {held.what} "
                f"({held.key}), which the pattern can match",
            )
            return


def _finds(pattern: str, lines: tuple[str, ...]) -> bool:
    """Whether a search pattern may match one of `lines`, never saying no when it may:
    each alternative (`a\\|b`, `a|b`) without grep's differing operators is tried as a
    regular expression without case; any other (escapes, `+ ? ( ) { }`, which basic and
    extended expressions read differently, or a pattern known only at run time) may."""
    text = pattern
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    for alternative in text.replace("\\|", "|").split("|"):
        if any(c in alternative for c in "\\+?(){}$`"):
            return True
        try:
            found = re.compile(alternative, re.IGNORECASE)
        except re.error:
            return True
        if any(found.search(line) for line in lines):
            return True
    return False


def _globs_a_secret(pattern: str) -> bool:
    glob = pattern.strip("'\"").lower()
    literal = sum(1 for c in glob if c not in "*?[]")
    return (
        literal >= 2
        and any(c in glob for c in "*?[")
        and any(fnmatch.fnmatchcase(sample, glob) for sample in _SECRET_SAMPLES)
    )


# Names a pattern over file names is tried against: the secret names path_risk tries
# wildcards against, and those a search for keys is judged by.
_NAME_SAMPLES = tuple(dict.fromkeys((*path_risk._SECRET_SAMPLES, *_SECRET_SAMPLES)))
# A wildcard for every name with one extension (`*.json`).
_BY_EXTENSION = re.compile(r"\*\.[^*?\[/]+")
# A backslash escape that stands for a class of characters or a position, not a letter.
_REGEX_CLASS = re.compile(r"\\[A-Za-z]")
# Markers of a private key's text that a search for files holding one looks for.
_KEY_MARKER = re.compile(r"PRIVATE|BEGIN [A-Z ]*KEY")


def secret_named_by_glob(glob: str, hidden: bool = True) -> str | None:
    """A secret's name that a wildcard for names selects (`.env*`, `*.pem`, `*env*`,
    `id_*`): the wildcard itself when path_risk judges it a secret's, else the first
    sample name it matches with at least two literal characters; None otherwise. Without
    `hidden`, names starting with a dot are not found (fd without -H)."""
    if path_risk.secret_pattern(glob) and (hidden or not glob.startswith(".")):
        return glob
    folded = glob.strip("'\"").lower()
    if sum(1 for c in folded if c not in "*?[]") < 2 or not any(c in folded for c in "*?["):
        return None
    if _BY_EXTENSION.fullmatch(folded):
        return None  # `*.json`: a kind of file, which path_risk judges by its extension
    return next(
        (
            n
            for n in _NAME_SAMPLES
            if (hidden or not n.startswith(".")) and fnmatch.fnmatchcase(n, folded)
        ),
        None,
    )


def secret_named_by_regex(
    pattern: str, fixed: bool = False, fold: bool = False, whole: bool = False, hidden: bool = True
) -> str | None:
    """A secret's name that a regular expression over file names selects (`grep env`,
    `grep -E '^\\.env'`, `fd id_rsa`): the first sample name it matches, when it spells at
    least two literal characters (`.` and `^` select every name, not secrets); None
    otherwise. `fixed`: a literal string (grep -F); `whole`: the whole name (grep -x)."""
    literal = pattern if fixed else _REGEX_CLASS.sub("", pattern)
    if sum(1 for c in literal if c.isalnum()) < 2:
        return None
    try:
        compiled = re.compile(re.escape(pattern) if fixed else pattern, re.I if fold else 0)
    except re.error:
        return None
    test = compiled.fullmatch if whole else compiled.search
    for name in _NAME_SAMPLES:
        if not hidden and name.startswith("."):
            continue
        found = test(name)
        if found is None:
            continue
        dot = name.rfind(".")
        if dot > 0 and found.start() >= dot and not path_risk.secret_pattern("*" + name[dot:]):
            continue  # `json`, `\.json$`: a kind of file, judged by its extension
        return name
    return None


def searches_credentials(pattern: str) -> bool:
    """Whether a search of files' text looks for a credential (`AKIA`, `api_key`, a private
    key's `PRIVATE` marker): the files it lists hold them."""
    return _SECRET_SEARCH.search(pattern) is not None or _KEY_MARKER.search(pattern) is not None


# The machine's own state: system configuration, logs, service data, other users' homes.
_MACHINE_STATE = re.compile(r"^/(etc|var|root|proc|run|srv|mnt|media|home)(/|$)")


def _outside_scope(
    word: Word | None, cwd: str | None, a: Analyzer, broad: bool = False
) -> str | None:
    """The label of a search scope where a user's credentials live: the home directory,
    a directory holding it, or the whole machine (None: elsewhere, such as the workspace or
    installed library sources)."""
    if word is None:
        return "the whole machine"
    place = a.place(word, cwd)
    if place.path is None:
        return None
    if place.zone in ("home", "secret") or path_risk.holds_home(place.path, a.home):
        return place.label
    if place.zone == "persist" and place.path.startswith(a.home.rstrip("/") + "/"):
        return place.label  # ~/.bashrc, ~/.profile: where tokens are exported
    if (
        (broad or any(c in word.text for c in "*?["))
        and place.zone not in ("workspace", "scratch")
        and _MACHINE_STATE.match(place.path)
    ):
        # a sweep of logs, configuration or service data (a tree, or every rotated log)
        return place.label
    return None


def credential_search(
    patterns: list[str],
    scopes: list[Word | None],
    cmd: SimpleCommand,
    a: Analyzer,
    broad: bool = False,
) -> None:
    outside = [s for s in (_outside_scope(w, cmd.cwd, a, broad) for w in scopes) if s is not None]
    if not outside:
        return
    hit = next((p for p in patterns if _SECRET_SEARCH.search(p) or _globs_a_secret(p)), None)
    if hit is not None:
        a.add(
            Tier.CRITICAL,
            f"searches {outside[0]} for {hit!r} (reconnaissance for credentials)",
        )


def _reads_home_tree(word: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    """A recursive read of a directory that holds the home directory reads its secrets."""
    place = a.place(word, cmd.cwd)
    if place.path is not None and (
        place.is_home or place.is_root or _USERS_HOMES.fullmatch(place.path)
    ):
        a.add(Tier.HIGH, f"reads every file under {place.label}, credentials included")


# The directories that hold users' homes, and each home in them (another user's too).
_USERS_HOMES = re.compile(r"/(?:home|Users)(?:/[^/]+)?/?")


_GREP_PATTERN_OPTS = ("-e", "--regexp")
