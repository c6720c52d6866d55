"""Deterministic risk classification of a shell command.

The command is parsed (shell_parse), every simple command it would run is classified with
per-program knowledge (programs), and the tier is the highest found. Each finding names the
part of the command that set it, so a user reading the decision sees why.
"""

from __future__ import annotations

import dataclasses
import functools
import os.path
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol

from wakeful.policy import git_state, path_risk
from wakeful.policy.path_risk import _COMPUTED, _Inside, _inside_place, _lexical
from wakeful.policy.path_risk import _UNKNOWN as _UNKNOWN_PLACE
from wakeful.policy.shell_parse import (
    MAX_DEPTH,
    SimpleCommand,
    Word,
    parse_tree,
    plain_commands,
    resolve_path,
)
from wakeful.policy.types import Tier

MAX_REASONS = 6
# Keyed by the members: a lookup with a member (what callers pass) is then the fast one.
_TIER_OF: dict[str, Tier] = {tier: tier for tier in Tier}
_RANK: dict[str, int] = {tier: tier.rank for tier in Tier}
_PREFIX: dict[str, str] = {tier: f"{tier}: " for tier in Tier}


@dataclass(slots=True)
class Invocation:
    """One command the shell would run; its forms (word lists) become text only at the end,
    so the hot path does no string building."""

    forms: list[list[Word]]
    leaf: bool = True

    def texts(self) -> list[str]:
        return [_words_text(words) for words in self.forms]


def _words_text(words: list[Word]) -> str:
    return " ".join([w.text if w.value is None else w.value for w in words])


def _bare_program(text: str) -> str | None:
    """`/usr/bin/git push` -> `git push`; None when the program is named without a path."""
    program, sep, rest = text.partition(" ")
    if "/" not in program or program.endswith("/"):
        return None
    return program.rsplit("/", 1)[1] + sep + rest


# The literal end of a word after its last expansion (`${x}dev${x}.netrc`: `.netrc`).
_LITERAL_TAIL = re.compile(r"(?:\$\{[^}]*\}|\$\w+|\$\(.*\)|`.*`)([^$`(){}]+)$")


# Variables whose usual value is a tool's credential file or settings directory (below the
# home directory), and a word that starts with one of them: `$KUBECONFIG`,
# `"${XDG_CONFIG_HOME}/gh/hosts.yml"`.
_USUAL_LOCATIONS = {
    "KUBECONFIG": ".kube/config",
    "AWS_SHARED_CREDENTIALS_FILE": ".aws/credentials",
    "AWS_CONFIG_FILE": ".aws/config",
    "DOCKER_CONFIG": ".docker",
    "XDG_CONFIG_HOME": ".config",
    "XDG_DATA_HOME": ".local/share",
    "GH_CONFIG_DIR": ".config/gh",
    "CLOUDSDK_CONFIG": ".config/gcloud",
    "AZURE_CONFIG_DIR": ".azure",
    "GNUPGHOME": ".gnupg",
    "CARGO_HOME": ".cargo",
    "PASSWORD_STORE_DIR": ".password-store",
    "NETRC": ".netrc",
}
_USUAL_WORD = re.compile(r"\$(?:\{([A-Z_][A-Z0-9_]*)\}|([A-Z_][A-Z0-9_]*))([^$`]*)")


def _usual_location(text: str, home: str) -> Word | None:
    """The path a word names when the variable it starts with has its usual value, for the
    variables of `_USUAL_LOCATIONS`; None for any other word."""
    if "$" not in text[:3]:
        return None
    found = _USUAL_WORD.fullmatch(text.replace('"', ""))
    if found is None:
        return None
    below = _USUAL_LOCATIONS.get(found.group(1) or found.group(2))
    if below is None:
        return None
    return Word(os.path.join(home, below) + found.group(3), text)


# One expansion of a word: a variable, a parameter expansion, a substitution.
_EXPANSION_PART = re.compile(r"\$\{[^}]*\}|\$\w+|\$\([^()]*(?:\([^()]*\)[^()]*)*\)|`[^`]*`")


def _skeleton(text: str) -> str | None:
    """The path a word computed at run time spells when each of its expansions stands for a
    slash (`${x}etc${x}shadow`: `/etc/shadow`), quotes dropped; None without a literal
    part between two expansions."""
    parts = _EXPANSION_PART.split(text.replace('"', "").replace("'", ""))
    if len(parts) < 3 or not any(parts[1:-1]):
        return None
    path = re.sub("/+", "/", "/".join(parts))
    return path if path.startswith("/") else "/" + path


def _literal_tail(text: str) -> str | None:
    """The file name a word computed at run time ends in, when its text ends in literal
    characters after an expansion (quotes dropped); None otherwise."""
    found = _LITERAL_TAIL.search(text)
    if found is None:
        return None
    tail = found.group(1).replace('"', "").replace("'", "")
    name = tail.rsplit("/", 1)[-1]
    return name or None


@dataclass(frozen=True)
class Classification:
    """`parsed` is False when the command did not parse: it is never allowed automatically."""

    tier: Tier
    reasons: tuple[str, ...]
    parsed: bool = True
    programs: tuple[str, ...] = ()
    # True when the command runs code the workspace holds or the agent could have written
    # (`./x.sh`, `python f.py`, `make`, test runners, package scripts, `source`).
    runs_workspace_code: bool = False
    code_reasons: tuple[str, ...] = ()
    # (program, the entry that judged it): a data entry in program_rules or a handler.
    deciders: tuple[tuple[str, str], ...] = ()
    invocations: tuple[Invocation, ...] = field(default=(), repr=False, compare=False)
    # The files the command reads (False) and writes or deletes (True), as resolved paths:
    # what users' Read and Edit rules are matched against.
    touched: tuple[tuple[bool, str], ...] = field(default=(), repr=False, compare=False)

    # Every command the shell would run, as normalised text, wrappers included (`nice git
    # push` gives `nice git push` and `git push`; `git -C . push` also gives `git push`):
    # the forms user rules are matched against. Built on first use, off the hot path.
    # A program named by its path (`/usr/bin/git push`, `~/bin/git push`) also gives the
    # form with its bare name (`git push`), so that a deny or ask rule holds whatever path
    # names it; allow rules never see this form (`leaves`), a `git` elsewhere is not git.
    @functools.cached_property
    def commands(self) -> tuple[str, ...]:
        texts = [text for inv in self.invocations for text in inv.texts()]
        return tuple(dict.fromkeys([*texts, *filter(None, map(_bare_program, texts))]))

    # One tuple of forms per command that runs no other command: what an allow rule must
    # cover.
    @functools.cached_property
    def leaves(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(dict.fromkeys(inv.texts())) for inv in self.invocations if inv.leaf)


# /proc/<pid>/environ or /mem with the pid computed at run time (quotes, braces and a
# command substitution allowed: `/proc/$(pgrep -n node)/mem`)
_PROC_ENVIRON = re.compile(
    r"""["']?/proc/(?:[^/\s$`]|\$\([^)]*\)|`[^`]*`|\$(?:\{?\w+\}?|[$!#?@*-]))+/(?:environ|mem)["']?"""
)
# A file operand that is a URL: the program fetches it.
_URL_SCHEMES = (
    "http://",
    "https://",
    "ftp://",
    "ftps://",
    "sftp://",
    "s3://",
    "gs://",
    "rtsp://",
    "rtmp://",
    "rtmps://",
    "udp://",
    "tcp://",
    "srt://",
)


# (word, cwd, workspace, home) -> the path the word names and what its text decides of its
# place: a pure function of the text (see `_text_place`), bounded like `_lexical`'s cache.
_TEXT_PLACES: dict[
    tuple[str, str | None, str, str],
    tuple[str | None, path_risk.Place | _Inside | path_risk._Scratch | None],
] = {}
_MAX_TEXT_PLACES = 8192


def _text_place(
    value: str, cwd: str | None, workspace: str, home: str
) -> tuple[str | None, path_risk.Place | _Inside | path_risk._Scratch | None]:
    """The absolute path a path word names (None when it is relative to a directory known
    only at run time), and `_lexical` of it."""
    if value.startswith(("/", "~")) and not (value == "~+" or value.startswith("~+/")):
        path = resolve_path(value, "/", home)
    elif cwd is None:
        return None, None
    else:
        path = resolve_path(value, cwd, home)
    return path, _lexical(path, workspace, home)


class Analyzer:
    """Collects findings for one command; handlers in `programs` call back into it.

    A plain class with slots rather than a dataclass: one is made for every command, and a
    dataclass's default factories cost a call each."""

    __slots__ = (
        "workspace",
        "home",
        "depth",
        "findings",
        "programs",
        "parsed",
        "part",
        "invocations",
        "current",
        "code_reasons",
        "deciders",
        "clip_of",
        "clipped",
        "looked",
        "touched",
        "wrote",
        "assigned",
        "watcher",
        "repo_facts",
        "line_hooks",
    )

    def __init__(self, workspace: str, home: str, depth: int = 0) -> None:
        self.workspace = workspace
        self.home = home
        self.depth = depth
        self.findings: list[tuple[Tier, str]] = []
        self.programs: list[str] = []
        self.parsed = True
        self.part = ""
        self.invocations: list[Invocation] = []
        self.current: Invocation | None = None
        self.code_reasons: list[str] = []
        self.deciders: list[tuple[str, str]] = []  # (program, entry)
        # The last part clipped for a message, and its clipped form: a command's findings
        # mostly name the same part.
        self.clip_of = ""
        self.clipped = ""
        # What lstat said about the command's paths, so that each is looked up once per
        # command (see path_risk.place_of); never kept from one command to the next.
        self.looked: path_risk.Looked = {}
        self.touched: list[tuple[bool, str]] = []  # (written, path) of each file path named
        # What earlier commands of this line wrote to a file through a redirect, when static
        # (`echo 'rm -rf ~' > x.sh`), by resolved path; None once the content is not known.
        self.wrote: dict[str, str | None] = {}
        # The values each variable was given anywhere on this line so far (`VAR=x cmd`,
        # `env VAR=x`, `export VAR=x`, `VAR=x;`), None for one only known at run time: what
        # a program that reads its configuration from the environment may be given.
        self.assigned: dict[str, list[str | None]] = {}
        # What the workspace's repository holds (git_state), looked up on first need and
        # then kept for this command; the watcher is the classifier's.
        self.watcher: git_state.RepoWatch | None = None
        self.repo_facts: git_state.RepoFacts | None = None
        # Hooks directories this line sets (`git config core.hooksPath DIR`), resolved.
        self.line_hooks: list[str] = []

    # ---- what runs (for user rules and the sandbox gate) -----------------------------------
    def invoke(self, words: list[Word]) -> Invocation:
        inv = Invocation([words])
        self.invocations.append(inv)
        return inv

    def also_known_as(self, words: list[Word]) -> None:
        """Another form of the current command (`git -C . push` is also `git push`)."""
        if self.current is not None:
            self.current.forms.append(words)

    def runs_code(self, why: str) -> None:
        """The command runs workspace code (the sandbox gate needs to know). Handed a
        credential's path outside the workspace as an operand or an option's value
        (`python grep.py X ~/.ssh/id_ed25519`, `--key=/home/dev/.netrc`, `make
        FILE=~/.aws/credentials`), the project's code reads it."""
        where = self._clip(self.part)
        self.code_reasons.append(f"`{where}` {why}" if where else why)
        if self.current is not None:
            self._secret_operands(self.current.forms[0][1:])

    def _secret_operands(self, words: list[Word]) -> None:
        inside = self.workspace.rstrip("/") + "/"
        for w in words:
            value = w.value
            if value is None or "/" not in value:
                continue
            for path in (value, value.partition("=")[2]):
                if not path.startswith(("/", "~")):
                    continue
                place = self.place(path, None)
                if place.zone == "secret" and not (place.path or "").startswith(inside):
                    self.read(Word(path, w.text), None)
                    break

    def _clip(self, text: str) -> str:
        if text != self.clip_of:
            self.clip_of = text
            self.clipped = _clip(text)
        return self.clipped

    # ---- findings ----------------------------------------------------------------------
    def add(self, tier: Tier, message: str, part: str | None = None) -> None:
        text = part if part is not None else self.part
        # self._clip(text), without the call
        if text == self.clip_of:
            where = self.clipped
        else:
            # _clip(text), without the call for a part that is its own clipped form
            if (
                len(text) <= 80
                and "  " not in text
                and text.isprintable()
                and text[:1] != " "
                and text[-1:] != " "
            ):
                where = text
            else:
                where = _clip(text)
            self.clip_of = text
            self.clipped = where
        tier = _TIER_OF[tier]
        self.findings.append(
            (tier, f"{_PREFIX[tier]}`{where}` {message}" if where else f"{_PREFIX[tier]}{message}")
        )

    def tier(self) -> Tier:
        best = Tier.READ_ONLY
        rank = 0
        for tier, _ in self.findings:
            if _RANK[tier] > rank:
                best, rank = tier, _RANK[tier]
        return best

    def verdict(self) -> tuple[Tier, tuple[str, ...]]:
        """(`tier()`, `reasons()`) in one pass over the findings."""
        findings = self.findings
        if len(findings) == 1:
            tier, message = findings[0]
            return (tier if _RANK[tier] else Tier.READ_ONLY), (message,)
        best = Tier.READ_ONLY
        rank = 0
        first = findings[0][0]
        mixed = False
        for tier, _ in findings:
            if _RANK[tier] > rank:
                best, rank = tier, _RANK[tier]
            if tier is not first:
                mixed = True
        if mixed:
            return best, _ranked_reasons(findings)
        seen: dict[str, None] = {}  # one tier: the distinct messages in the order found
        for _, message in findings:
            seen[message] = None
        reasons = tuple(seen)
        return best, reasons if len(reasons) <= MAX_REASONS else reasons[:MAX_REASONS]

    def reasons(self) -> tuple[str, ...]:
        """The distinct findings, highest tier first, in the order found within a tier."""
        findings = self.findings
        if len(findings) == 1:
            return (findings[0][1],)
        first = findings[0][0]
        if all(tier is first for tier, _ in findings):  # one tier: the order found
            return tuple(dict.fromkeys([message for _, message in findings]))[:MAX_REASONS]
        return _ranked_reasons(findings)

    # ---- the workspace's repository -----------------------------------------------------
    def repo(self) -> git_state.RepoFacts:
        """What the workspace's git repository holds (see git_state), once per command."""
        facts = self.repo_facts
        if facts is None:
            if self.looked.get(self.workspace, 0) is None:
                facts = git_state.NO_REPO  # the workspace was found missing
            else:
                watcher = self.watcher
                if watcher is None:
                    watcher = self.watcher = git_state.watch(self.workspace, self.home)
                facts = watcher.facts()
            self.repo_facts = facts
        return facts

    def _repo_read(self, path: str) -> None:
        """A read of the repository's configuration, or of the git directory that holds
        it, when it holds a credential."""
        facts = self.repo()
        if not facts.credentials:
            return
        below = facts.git_dir + "/"
        glob = _has_glob(path)
        for held in facts.credentials:
            file = held.path
            if (
                path == file
                or path == facts.git_dir
                and file.startswith(below)
                or glob
                and (
                    path_risk.glob_matches(path, file)
                    or file.startswith(below)
                    and path_risk.glob_matches(path, facts.git_dir)
                )
            ):  # `cat .git/conf*`, `grep -r url .g?t`: the shell's wildcards as bash expands them
                self.add(
                    Tier.CRITICAL,
                    f"reads {path}, and {held.file} holds {held.what} ({held.key})",
                )
                return

    def code_place(self, place: path_risk.Place) -> path_risk.Place:
        """A workspace path the repository's configuration (or this line's) runs code from,
        judged as .git/hooks is."""
        if place.zone != "workspace" or place.path is None:
            return place
        path = place.path
        for directory in self.line_hooks:
            if path == directory or path.startswith(directory + "/"):
                return place._replace(zone="git_internal")
        return git_state.repo_place(place, self.repo())

    # ---- paths -------------------------------------------------------------------------
    def resolve(self, word: Word | str | None, cwd: str | None) -> str | None:
        value = word.value if isinstance(word, Word) else word
        if value is None:
            return None
        if value.startswith(("/", "~")) and not (value == "~+" or value.startswith("~+/")):
            return resolve_path(value, "/", self.home)
        if cwd is None:
            return None
        return resolve_path(value, cwd, self.home)

    def place(self, word: Word | str | None, cwd: str | None) -> path_risk.Place:
        value = word.value if isinstance(word, Word) else word
        if value is None:
            return _UNKNOWN_PLACE
        # What the word's text decides (its path, and what `_lexical` says of that), looked
        # up in one table rather than through both functions' caches: every path word
        # comes here.
        key = (value, cwd, self.workspace, self.home)
        known = _TEXT_PLACES.get(key)
        if known is None:
            known = _text_place(value, cwd, self.workspace, self.home)
            if len(_TEXT_PLACES) >= _MAX_TEXT_PLACES:
                _TEXT_PLACES.clear()
            _TEXT_PLACES[key] = known
        path, lexical = known
        if path is None:
            return _UNKNOWN_PLACE
        # path_risk.place_of(path, ...), without the call for what the path's text decides
        # and for a path inside the workspace (most)
        if type(lexical) is _Inside:
            return _inside_place(path, self.workspace, self.home, lexical, self.looked)
        if type(lexical) is path_risk.Place:
            return lexical
        return path_risk.place_of(path, self.workspace, self.home, self.looked)

    def read(self, word: Word, cwd: str | None) -> None:
        if word.fd:
            return
        if word.holds is not None:
            # `grep -rl AKIA . | xargs cat`: the files read are those found holding a
            # credential's text
            self.add(
                Tier.HIGH,
                f"reads the files a search finds holding {_clip(word.holds)!r} (credentials)",
            )
        value = word.value
        if value is None:
            if word.listed:
                # `cat $(find . -name '*.pem')`: what the pipeline's words say it selects
                (_ENTRY or _programs()).read_names(word.listed, self)
            if _PROC_ENVIRON.fullmatch(word.text):
                # `/proc/$PPID/environ`: whichever process it names, its environment and its
                # memory hold keys
                self.add(Tier.CRITICAL, f"reads a process's environment or memory ({word.text})")
                return
            if word.decoded:
                # `cat $(sed 's/Q//g' <<< /hoQme/dev/.netrc)`: a path spelt in the line and
                # disguised by filters may name anything, a credential included
                self.add(Tier.HIGH, f"reads a path the command disguises ({_clip(word.text)})")
                return
            usual = _usual_location(word.text, self.home)
            if usual is not None:
                tier, _ = path_risk.read_tier(self.place(usual, cwd))
                if tier == Tier.CRITICAL:
                    # `cat $KUBECONFIG`, `cat $XDG_CONFIG_HOME/gh/hosts.yml`: a variable the
                    # line does not set holds the tool's own location, a credential's
                    self.add(
                        Tier.CRITICAL,
                        f"reads {_clip(word.text)}, which names a credential where the "
                        f"variable has its usual value ({usual.value})",
                    )
                    return
            tail = _literal_tail(word.text)
            if tail is not None and path_risk.secret_pattern(tail):
                # `${x}home${x}dev${x}.netrc`, `"$D"/.ssh/id_rsa`: whatever the computed
                # start, the file read is named as a credential
                self.add(
                    Tier.CRITICAL,
                    f"reads a path computed at run time that names a credential ({tail})",
                )
                return
            skeleton = _skeleton(word.text)
            if skeleton is not None and path_risk.is_secret(skeleton, self.home):
                # `$(printf %c "$PWD")etc$(printf %c "$PWD")shadow`: whatever stands for
                # the slashes, the literal parts spell a credential's path
                self.add(
                    Tier.HIGH,
                    f"reads a path computed at run time whose literal parts spell a "
                    f"credential ({skeleton})",
                )
                return
            prefix = word.prefix
            if prefix is not None and "/" in prefix:
                # `~/$(echo asr_di/hss. | rev)`: the rest is computed, so any file below the
                # known directories outside the workspace may be read, as `~/*` would
                # (inside, the rest may still climb out with `..`: it stays a path computed
                # at run time)
                below = Word(prefix + "*", word.text)
                if not prefix.endswith("/"):
                    # `$HOME$(...)`, `${HOME}${SEP}.ssh`: the rest may go on below the
                    # known name (`/.ssh/id_rsa`) as well as extend it
                    deeper = Word(prefix + "/*", word.text)
                    if (
                        self.place(deeper, cwd).zone != "workspace"
                        and path_risk.read_tier(self.place(deeper, cwd))[0].rank
                        > path_risk.read_tier(self.place(below, cwd))[0].rank
                    ):
                        below = deeper
                if self.place(below, cwd).zone != "workspace":
                    word = below
                    value = below.value
        if value is not None and "://" in value and value.startswith(_URL_SCHEMES):
            # `pandoc https://...`, `xmllint http://...`: the program fetches it
            self.add(Tier.NETWORK, f"fetches {value[:60]} from the network")
            return
        place = self.place(word, cwd)
        path = place.path
        if path is not None:
            self.touched.append((False, path))
        if place.zone == "workspace":  # path_risk.read_tier(place) for most, without the call
            if path is not None and (
                path[-5:] == "/.git" or "*" in path or "?" in path or "[" in path
            ):
                self._repo_read(path)
            self.add(Tier.READ_ONLY, f"reads {path or _COMPUTED}")
            return
        if path is not None and place.zone in ("git_internal", "git_store"):
            self._repo_read(path)
        tier, msg = path_risk.read_tier(place)
        if (
            tier != Tier.CRITICAL
            and path is not None
            and place.zone != "secret"
            and not path_risk.holds_home(path, self.home)  # judged as a read of home itself
        ):
            # a directory or wildcard that takes in a credential file kept among settings
            held = path_risk.secret_below(path, self.home)
            if held is not None:
                tier, msg = Tier.CRITICAL, f"reads {place.label}, which holds credentials ({held})"
        self.add(tier, msg)

    def read_meta(self, word: Word, cwd: str | None) -> None:
        """Names and attributes only (ls, stat, du): private outside the workspace only when
        they list credentials."""
        if word.fd:
            return
        if word.value is None and word.decoded:
            self.add(Tier.HIGH, f"lists a path the command disguises ({_clip(word.text)})")
            return
        place = self.place(word, cwd)
        label = place.path or _COMPUTED  # place.label, without the property's call
        if place.zone == "secret" and not (place.path or "").startswith(
            ("/etc/", "/var/lib/", self.workspace + "/")
        ):
            # A user's key and token files say which accounts they hold; the names of
            # system files (/etc/sudoers, /etc/ssh) are the same on every machine, and a
            # project's own (`ls -l .env`) are in every listing of it.
            self.add(Tier.HIGH, f"lists credentials at {label}")
        else:
            self.add(Tier.READ_ONLY, f"lists {label}")

    def write(self, word: Word | None, cwd: str | None) -> None:
        if word is not None and word.fd:
            return
        if (
            word is not None
            and word.value is not None
            and "://" in word.value  # every scheme's; most paths have none
            and word.value.startswith(_URL_SCHEMES)
        ):
            self.add(Tier.HIGH, f"sends its output to {word.value[:60]}")
            return
        place = self.code_place(self.place(word, cwd))
        if place.path is not None:
            self.touched.append((True, place.path))
        if (
            place.zone == "secret"
            and path_risk.token_free_settings(place.path, self.workspace)
            and self.place(os.path.dirname(place.path or "/"), None).zone == "workspace"
        ):  # `.npmrc`'s registry or install options, with no token to lose or change
            self.add(Tier.WORKSPACE, f"writes the project's package settings {place.label}")
            return
        tier, msg = path_risk.write_tier(place)
        self.add(tier, msg)
        self._unrecoverable(place, "overwrites")
        below = self._every_file_below(word.value if word is not None else None, cwd)
        if below is not None and (below.is_workspace or below.contains_workspace):
            # `shopt -s globstar; sed -i ... **/*`: as find's walk no name narrows
            self.add(
                Tier.HIGH,
                f"rewrites every file below {below.label}, ignored data and files too large "
                "for a checkpoint with the rest, which no checkpoint restores",
            )

    def _unrecoverable(self, place: path_risk.Place, verb: str) -> None:
        if place.zone == "workspace":
            why = path_risk.unrecoverable(place.path)
            if why is not None:
                self.add(Tier.HIGH, f"{verb} {place.label}, {why}")

    def _every_file_below(self, value: str | None, cwd: str | None) -> path_risk.Place | None:
        """`**/*`, `./**`, `src/**/*`: the directory a recursive match-all pattern starts
        from (every file below it, at any depth), or None for any other path."""
        if value is None or "**" not in value:
            return None
        parts = value.rstrip("/").split("/")
        if "**" not in parts or parts[-1] not in ("*", "**"):
            return None
        base = "/".join(parts[: parts.index("**")]) or "."
        return self.place(base, cwd)

    def delete(self, word: Word, cwd: str | None, recursive: bool) -> None:
        value = word.value
        below = self._every_file_below(value, cwd)
        if below is not None and (
            below.is_workspace or below.is_home or below.is_root or below.contains_workspace
        ):
            # `shopt -s globstar; rm -f **/*`: every file at any depth, as `rm -rf ./*`
            tier = Tier.HIGH if below.is_workspace else Tier.CRITICAL
            self.add(tier, f"deletes everything below {below.label} (mass deletion)")
            return
        # The place of the word itself, looked up once for both of its uses below.
        place_of_word = self.code_place(self.place(value, cwd)) if value is not None else None
        if place_of_word is not None:
            self._unrecoverable(place_of_word, "deletes")
            if place_of_word.path is not None:
                self.touched.append((True, place_of_word.path))
        glob_all = False
        target: Word | str | None = word
        if value is not None and _has_glob(os.path.basename(value.rstrip("/")) or value):
            base = os.path.basename(value.rstrip("/"))
            if "**" in base:  # `***` matches what `*` does (an extended pattern is read so)
                base = re.sub(r"\*+", "*", base)
            glob_all = (
                base in ("*", ".*", "*.*", "**", "{*,.*}")
                or base.startswith("*")
                and len(base) <= 2
            )
            parent = os.path.dirname(value.rstrip("/")) or "."
            target = parent
            place = self.place(target, cwd)
            if place.path is not None:
                self.touched.append((True, place.path))
            if glob_all:
                tier, msg = path_risk.delete_tier(place, True, glob_all=True)
                if place.is_workspace or place.is_home or place.is_root or place.contains_workspace:
                    tier = Tier.HIGH if place.is_workspace else Tier.CRITICAL
                    msg = f"deletes everything in {place.label} (mass deletion)"
                self.add(tier, msg)
                return
            self.add(*path_risk.delete_tier(place_of_word or self.place(value, cwd), recursive))
            if base.startswith(".") and path_risk.glob_matches(base, ".git"):
                # `rm -rf .g*`, `.gi?`, `.[^.]*`: the wildcard matches the repository itself
                self.add(*path_risk.delete_tier(self.place(parent + "/.git", cwd), recursive))
            return
        self.add(
            *path_risk.delete_tier(
                place_of_word if place_of_word is not None else self.place(target, cwd),
                recursive,
            )
        )

    # ---- nesting -----------------------------------------------------------------------
    def run_script(
        self,
        source: str,
        cwd: str | None,
        context: str,
        positional: list[str | None] | None = None,
        zero: str | None = None,
    ) -> None:
        """Classify shell source that another command will run (sh -c, eval, heredoc...);
        `positional`, the arguments it is given (`sh -c CODE NAME ARGS`), are its `$1`...,
        and `zero`, the NAME, its `$0`."""
        if self.depth >= MAX_DEPTH:
            self.add(
                Tier.CRITICAL, f"nests shell code more than {MAX_DEPTH} levels deep ({context})"
            )
            return
        saved = self.part
        saved_current = self.current
        if self.current is not None:
            self.current.leaf = False
        self.depth += 1
        try:
            if positional is None:
                analyze(source, self, cwd=cwd, depth=self.depth)
            else:
                variables = _positional_vars(positional)
                if zero is not None:
                    variables["0"] = zero
                _analyze_tree(source, self, cwd, self.depth, variables)
        finally:
            self.depth -= 1
            self.part = saved
            self.current = saved_current

    def run_argv(self, argv: list[Word], cmd: SimpleCommand) -> None:
        """Classify a command another command runs (sudo X, xargs X, find -exec X ...)."""
        classify_argv = (_ENTRY or _programs()).classify_argv
        if self.depth >= MAX_DEPTH:
            self.add(Tier.CRITICAL, "nests commands too deeply to analyse")
            return
        saved_current = self.current
        if self.current is not None:
            self.current.leaf = False
        self.depth += 1
        try:
            classify_argv(argv, cmd, self)
        finally:
            self.depth -= 1
            self.current = saved_current


def _rank_of(finding: tuple[Tier, str]) -> int:
    return _RANK[finding[0]]


def _ranked_reasons(findings: list[tuple[Tier, str]]) -> tuple[str, ...]:
    """The distinct messages of findings of several tiers, highest tier first, in the order
    found within a tier (a stable sort keeps it)."""
    seen: dict[str, None] = {}
    for _, message in sorted(findings, key=_rank_of, reverse=True):
        seen[message] = None
        if len(seen) >= MAX_REASONS:
            break
    return tuple(seen)


def _has_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _clip(text: str) -> str:
    # Most parts are short, printable (no whitespace but the space) and singly spaced:
    # already their own clipped form, without splitting and joining them.
    if (
        len(text) <= 80
        and "  " not in text
        and text.isprintable()
        and text[:1] != " "
        and text[-1:] != " "
    ):
        return text
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."


class _Entry(NamedTuple):
    classify_simple: Callable[[SimpleCommand, Analyzer], None]
    classify_argv: Callable[[list[Word], SimpleCommand, Analyzer], None]
    classify_commands: Callable[[list[SimpleCommand], Analyzer], None]
    read_names: Callable[[tuple[SimpleCommand, ...], Analyzer], None]


# programs' entry points, once imported (see `_programs`).
_ENTRY: _Entry | None = None


def _programs() -> _Entry:
    """programs' entry points, imported on first use: `programs` imports this module, and
    an import statement in the hot path costs more than a short command's walk. Every
    command reads `_ENTRY` itself once it is set, without this call."""
    global _ENTRY
    if _ENTRY is None:
        from wakeful.policy.programs import (
            classify_argv,
            classify_commands,
            classify_simple,
            read_names,
        )

        _ENTRY = _Entry(classify_simple, classify_argv, classify_commands, read_names)
    return _ENTRY


def analyze(source: str, analyzer: Analyzer, cwd: str | None, depth: int) -> None:
    # `parse_script`, without a Script for the commands that need no parser (most)
    commands = plain_commands(source, cwd, analyzer.home)
    if commands is not None:
        (_ENTRY or _programs()).classify_commands(commands, analyzer)
        return
    _analyze_tree(source, analyzer, cwd, depth)


def _positional_vars(items: list[str | None]) -> dict[str, str | None]:
    """The variables of a shell given these arguments: `$1`..., `$#`, `$*` (`$@` is one word
    per argument: left unknown unless there is none)."""
    found: dict[str, str | None] = {str(i): v for i, v in enumerate(items, 1)}
    found["#"] = str(len(items))
    found["*"] = None if None in items else " ".join(v for v in items if v is not None)
    if not items:
        found["@"] = ""
    return found


def _analyze_tree(
    source: str,
    analyzer: Analyzer,
    cwd: str | None,
    depth: int,
    variables: dict[str, str | None] | None = None,
) -> None:
    """`analyze` for a source that needs the parser."""
    script = parse_tree(source, cwd, analyzer.home, variables, depth)
    if script.errors:
        analyzer.parsed = False
        for error in script.errors:
            analyzer.add(
                Tier.HIGH,
                f"cannot be parsed ({error}); it is never allowed automatically",
                part=source,
            )
    for tier, note in script.notes:
        analyzer.add(tier, note, part=source)
    if not script.endless:
        _programs().classify_commands(script.commands, analyzer)
        return
    classify_simple = _programs().classify_simple
    endless = {i for start, end in script.endless for i in range(start, end)}
    for i, cmd in enumerate(script.commands):
        analyzer.part = cmd.text
        analyzer.current = None
        before = len(analyzer.findings)
        classify_simple(cmd, analyzer)
        if i in endless and any(
            path_risk.tier_rank(tier) >= path_risk.tier_rank(Tier.WORKSPACE)
            for tier, _ in analyzer.findings[before:]
        ):
            analyzer.add(
                Tier.HIGH,
                "changes state over and over in a loop with no way out (fills the disk or "
                "the process table)",
            )


# A home directory's normal form: text alone, computed once per home.
_normpath = functools.lru_cache(maxsize=16)(os.path.normpath)


@functools.lru_cache(maxsize=16)
def _real_root(path: str, device: int, inode: int) -> str:
    return os.path.normpath(os.path.realpath(path))


def workspace_root(workspace: str) -> str:
    """The workspace's real path, resolved once per directory rather than once per command.

    Keyed by the directory the path leads to now (device and inode, one stat per call): if
    the path is made to lead elsewhere (the workspace replaced, or a link on its way
    repointed), the key changes and the path is resolved again. The same directory under
    another name keeps the name it was first resolved to, which leads to the same files.
    Paths inside the workspace are never cached: symlinks in it are looked up per command.
    """
    return _workspace_root(workspace)[0]


def _workspace_root(workspace: str) -> tuple[str, bool]:
    """`workspace_root`, and whether the workspace exists now."""
    try:
        # os.access answers a missing path without raising, which costs more than the call.
        found = os.stat(workspace) if os.access(workspace, os.F_OK) else None
    except (OSError, ValueError):
        found = None
    if found is None:
        # A workspace that does not exist runs nothing: its resolution only names it.
        return _real_root(workspace, -1, -1), False
    return _real_root(workspace, found.st_dev, found.st_ino), True


class _Where(Protocol):
    """Where `_classify` judges a command: the workspace (a real path), the home directory
    (a normal one), and whether the workspace was found missing for this command."""

    @property
    def workspace(self) -> str: ...
    @property
    def home(self) -> str: ...
    @property
    def missing(self) -> bool: ...
    @property
    def repo(self) -> git_state.RepoWatch: ...


class _Once:
    """`_Where` for one `classify_command` call."""

    __slots__ = ("workspace", "home", "missing", "repo")

    def __init__(self, workspace: str, home: str, missing: bool) -> None:
        self.workspace = workspace
        self.home = home
        self.missing = missing
        self.repo = git_state.watch(workspace, home)


# `cd DIR` (or `pushd DIR`) whose failure does not stop what follows: followed by `;`, a
# newline, or `||` with anything but exit or return (BashPitfalls 19: `cd /tmp/build; rm -rf
# ./*` deletes the starting directory's files when DIR is missing), also at the start of
# quoted code a shell or eval runs (`sh -c 'cd DIR; CMD'`). Group 1 is the command.
_UNGATED_CD = re.compile(
    r"(?:^|(?<=[;&|({\n'\"])|(?<=\bthen)|(?<=\bdo)|(?<=\belse))[ \t]*"
    r"((?:cd|pushd)(?:[ \t]+[^;&|\n()]*)?)"
    r"(?=[ \t]*(?:;|\n|\|\|(?![ \t]*(?:exit|return|\{[^}]*\b(?:exit|return)\b))))"
)


def _classify(where: _Where, command: str) -> Classification:
    """`_judge`, and when a `cd` may fail without stopping the commands after it, the same
    commands judged where the line started as well: the higher verdict stands."""
    result = _judge(where, command)
    if "cd" not in command and "pushd" not in command:
        return result
    spans = [m.span(1) for m in _UNGATED_CD.finditer(command)]
    if not spans:
        return result
    parts = []
    last = 0
    for start, end in spans:
        parts.append(command[last:start])
        parts.append(":")
        last = end
    parts.append(command[last:])
    stayed = _judge(where, "".join(parts))
    if not stayed.parsed or _RANK[stayed.tier] <= _RANK[result.tier]:
        return result
    cd = command[spans[0][0] : spans[0][1]].strip()
    note = (
        f"{stayed.tier.value}: if `{cd}` fails, the commands after it run where the line "
        "started (its failure does not stop them)"
    )
    return dataclasses.replace(stayed, reasons=(note, *stayed.reasons))


def _judge(where: _Where, command: str) -> Classification:
    """The risk tier of `command` run in `where`, with the reasons for it: the workspace
    (a real path), the home directory (a normal one), and whether the workspace was found
    missing for this command (`ShellClassifier.classify`; `classify_command` judges with a
    `_Once`)."""
    ws = where.workspace
    home_dir = where.home
    analyzer = Analyzer(ws, home_dir)
    analyzer.watcher = where.repo
    if where.missing:
        # Found missing just now: nothing below it exists during this command either.
        analyzer.looked[ws] = None
    if not command or command.isspace():  # `not command.strip()`, without the copy
        return Classification(Tier.READ_ONLY, ("read_only: empty command runs nothing",))
    try:
        # analyze(command, analyzer, ws, 0), without the call: every command passes here
        commands = plain_commands(command, ws, home_dir)
        if commands is not None:
            (_ENTRY or _programs()).classify_commands(commands, analyzer)
        else:
            _analyze_tree(command, analyzer, ws, 0)
    except Exception as error:  # noqa: BLE001 - a gate fails closed, it never crashes
        return Classification(
            Tier.HIGH,
            (
                f"high: the classifier failed on this command ({type(error).__name__}); "
                "it is never allowed automatically",
            ),
            parsed=False,
        )
    if not analyzer.findings:
        analyzer.add(Tier.READ_ONLY, "runs nothing that changes state", part=command)
    # What Classification(...) makes, without a frozen dataclass's __init__ (one
    # object.__setattr__ per field costs more than the rest of a short command's verdict).
    result: Classification = object.__new__(Classification)
    fields = result.__dict__
    findings = analyzer.findings
    if len(findings) == 1:  # analyzer.verdict(), without the call for one finding (most)
        tier, message = findings[0]
        fields["tier"] = tier if _RANK[tier] else Tier.READ_ONLY
        fields["reasons"] = (message,)
    elif len(findings) == 2:  # and for two (most of the rest): the higher first, else in order
        (tier, message), (other, second) = findings
        if _RANK[other] > _RANK[tier]:
            tier, message, second = other, second, message
        fields["tier"] = tier if _RANK[tier] else Tier.READ_ONLY
        fields["reasons"] = (message,) if second == message else (message, second)
    else:
        fields["tier"], fields["reasons"] = analyzer.verdict()
    fields["parsed"] = analyzer.parsed
    programs = analyzer.programs
    fields["programs"] = tuple(programs) if len(programs) < 2 else tuple(dict.fromkeys(programs))
    code_reasons = analyzer.code_reasons
    if code_reasons:
        fields["runs_workspace_code"] = True
        fields["code_reasons"] = (
            tuple(code_reasons) if len(code_reasons) < 2 else tuple(dict.fromkeys(code_reasons))
        )
    else:  # most commands: the empty tuple without a call
        fields["runs_workspace_code"] = False
        fields["code_reasons"] = ()
    fields["deciders"] = tuple(analyzer.deciders)
    fields["invocations"] = tuple(analyzer.invocations)
    touched = analyzer.touched
    fields["touched"] = tuple(touched) if touched else ()
    return result


def classify_command(command: str, workspace: Path, home: Path | None = None) -> Classification:
    """The risk tier of a shell command run in `workspace`, with the reasons for it.

    The workspace is resolved on every call (see `workspace_root`); a caller that judges
    many commands in one workspace makes a `ShellClassifier` once instead."""
    ws, exists = _workspace_root(str(workspace))
    home_dir = _normpath(str(home if home is not None else Path.home()))
    return _classify(_Once(ws, home_dir, not exists), command)


class ShellClassifier:
    """Judges shell commands run in one workspace, for one home directory.

    Both are configuration, resolved once when the classifier is made: the workspace's
    real path (symlinks on the way to it resolved) and the home directory's normal form.
    Everything below the workspace is the file system's to say on every command: each
    path a command names is looked up again (symlinks, hard links, a `.git` file, whether
    it exists), including whether the workspace itself exists, so a workspace created,
    removed or filled between two commands changes the next verdict. A workspace moved or
    replaced by a link elsewhere is another workspace: make a classifier for it (a session's
    workspace is resolved once too, when it starts, and its tools run commands there)."""

    __slots__ = ("workspace", "home", "repo")
    missing = False  # never found missing beforehand: each path below it is looked up

    def __init__(self, workspace: Path | str, home: Path | str | None = None) -> None:
        self.workspace = os.path.normpath(os.path.realpath(str(workspace)))
        self.home = os.path.normpath(str(home if home is not None else Path.home()))
        # What the workspace's git repository holds, read again when its files change.
        self.repo = git_state.RepoWatch(self.workspace, self.home)

    # The risk tier of a command, with the reasons for it (`classify_command`): `_classify`
    # itself, so that judging a command costs one call rather than two.
    classify = _classify
