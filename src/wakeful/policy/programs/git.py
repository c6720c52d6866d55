"""git: global options (-c keys, aliases, -C and --git-dir), and the subcommands whose
paths, commands and option combinations decide (`_GIT_CODE`); the rest are data."""

from __future__ import annotations

import dataclasses
import os.path
import re
import shlex
from collections.abc import Callable, Mapping
from types import MappingProxyType

from wakeful.policy import git_state
from wakeful.policy.program_rules import (
    FAMILIES,
    GIT_EXEC_KEYS,
    GIT_HISTORY_KEEPS,
    GIT_HISTORY_KEYS,
    GIT_PRINTS_URLS,
    GIT_SIGNING_KEYS,
    GIT_SIGNS,
    Subcommand,
)
from wakeful.policy.programs.options import _vals, split_opts
from wakeful.policy.programs.search import _globs_a_secret
from wakeful.policy.programs.tables import _GIT_GREP_O, _GIT_READ_OPTS, _SECRET_SEARCH
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier

_GIT = FAMILIES["git"]
# Programs that git runs as its own commands (`git cliff` is git-cliff) and that have entries.
_GIT_EXTERNAL = frozenset({"git-cliff"})
_GIT_SAYS = {
    Tier.READ_ONLY: "reads repository state",
    Tier.WORKSPACE: "changes the local repository (recoverable)",
    Tier.NETWORK: "talks to a remote repository",
    Tier.HIGH: "rewrites history or changes remote state",
}


def _nested_repository(cwd: str | None, workspace: str) -> str | None:
    """The repository below the workspace root that git run in `cwd` would use, if any."""
    if cwd is None or cwd == workspace or not cwd.startswith(workspace.rstrip("/") + "/"):
        return None
    current = cwd
    while current != workspace and len(current) > len(workspace):
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        current = os.path.dirname(current)
    return None


def h_git(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    i, cwd = _git_global_options(args, cmd, a)
    if (
        cwd is cmd.cwd
        and cwd != a.workspace
        and a.place(cwd, None).zone not in ("workspace", "scratch")
    ):
        # after `cd` out of the workspace, as `git -C DIR` is: another repository, its
        # hooks and configuration
        where = cwd if cwd is not None else "a directory known only at run time"
        a.add(Tier.HIGH, f"runs git in {where}, outside the workspace")
    nested = _nested_repository(cwd, a.workspace)
    if nested is not None:
        # Its config and hooks are ordinary workspace files the agent may have written
        # (core.fsmonitor, hooks): git there runs workspace code.
        why = f"runs git in the nested repository {nested}, whose config may run programs"
        a.add(Tier.WORKSPACE, why)
        a.runs_code(why)
    rest = args[i:]
    if not rest:
        a.add(Tier.READ_ONLY, "git with no subcommand prints help")
        return
    if i:
        a.also_known_as([Word("git", "git"), *rest])
    sub = rest[0].value
    sargs = rest[1:]
    vals = [w.value or "" for w in sargs]
    if sub is None:
        a.add(Tier.HIGH, "runs a git subcommand only known at run time")
        return
    expansion = _git_alias(args[:i], sub)
    if expansion is not None:
        # `git -c alias.p=push p origin`: judged, and matched by rules, as `git push origin`
        words = [Word(w, w) for w in expansion]
        a.also_known_as([Word("git", "git"), *words, *sargs])
        h_git(name, [*words, *sargs], cmd, a)
        return
    if sub in ("init", "clone") and any(v.startswith("--templ") for v in vals):
        # git accepts any unambiguous prefix of --template
        a.add(Tier.HIGH, f"git {sub} --template copies a template's hooks into .git/hooks")
    _git_option_effects(sub, sargs, vals, cwd, a)
    if sub in GIT_SIGNS and _git_signs(sub, vals):
        a.add(Tier.HIGH, f"git {sub} signs with the user's key (as gpg --sign does)")
    if sub in _GIT_CONTENT:
        _git_prints_content(sub, sargs, vals, cwd, a)
    elif sub in _GIT_WHOLE_CONTENT:
        _git_prints_whole(sub, sargs, vals, cwd, a)
    if sub in GIT_PRINTS_URLS:
        _git_prints_urls(sub, vals, a)
    part = f"git {sub}"
    code = _GIT_CODE.get(sub)
    if code is not None and code(_GitCall(sub, sargs, vals, cwd, cmd, a, part)):
        return
    rule = _GIT.subcommands.get(sub)
    if rule is not None:  # judged by its data entry in program_rules
        a.deciders.append((name, f"subcommand entry `{sub}` in policy/program_rules.py"))
        sub_tier, why = judge_subcommand(rule, vals)
        a.add(sub_tier, why, part=part)
        return
    tier = _GIT.tiers.get(sub)
    if tier is not None:
        a.add(tier, _GIT_SAYS[tier], part=part)
    elif f"git-{sub}" in _GIT_EXTERNAL:
        # `git cliff`: git runs the program git-cliff found on PATH (before any alias)
        a.run_argv([Word(f"git-{sub}", f"git-{sub}"), *sargs], cmd)
    else:
        a.add(Tier.HIGH, f"runs `git {sub}`, an unknown git command or alias", part=part)


def _git_signs(sub: str, vals: list[str]) -> bool:
    """Whether the subcommand's options sign with the user's key (GIT_SIGNS); the last of
    `-S` and `--no-gpg-sign` wins, as git's options do."""
    longs, letters, takes = GIT_SIGNS[sub]
    signs = False
    skip = False
    for v in vals:
        if skip:
            skip = False
            continue
        if v == "--":
            break
        if v.startswith("--"):
            name = v.partition("=")[0]
            if name.startswith("--no-") and any(o.startswith("--" + name[5:]) for o in longs):
                signs = False
            elif len(name) >= 5 and any(o.startswith(name) for o in longs):
                signs = True
            continue
        if not v.startswith("-") or len(v) < 2:
            continue
        for k, letter in enumerate(v[1:], 1):
            if letter in letters:
                signs = True
                skip = letter in takes and k == len(v) - 1  # `tag -u KEYID`
                break
            if letter in takes:
                skip = k == len(v) - 1  # the value is the next word
                break
    return signs


def _git_global_options(
    args: list[Word], cmd: SimpleCommand, a: Analyzer
) -> tuple[int, str | None]:
    """Judges git's options before the subcommand; returns where the subcommand starts and the
    directory git works in."""
    i = 0
    cwd = cmd.cwd
    while i < len(args) and (args[i].value or "").startswith("-"):
        flag = args[i].value or ""
        if flag in _GIT.global_value_opts and i + 1 < len(args):
            value = args[i + 1]
            if flag == "-c":
                _git_config_pair(value.value, a, cmd)
            elif flag == "--config-env":
                a.add(Tier.HIGH, "git --config-env sets configuration from the environment")
            elif flag == "-C":
                cwd = a.resolve(value, cmd.cwd)
                if a.place(value, cmd.cwd).zone not in ("workspace", "scratch"):
                    a.add(Tier.HIGH, f"runs git in {value.value}, outside the workspace")
            elif flag == "--exec-path":
                a.add(Tier.HIGH, "git --exec-path runs programs from another directory")
            elif flag in ("--git-dir", "--work-tree"):
                a.add(Tier.HIGH, f"git {flag} points git at another repository")
            i += 2
            continue
        if flag.startswith("--exec-path="):
            a.add(Tier.HIGH, "git --exec-path runs programs from another directory")
        if flag.startswith("-c") and len(flag) > 2:
            _git_config_pair(flag[2:], a, cmd)
        elif flag.startswith("--config-env="):
            a.add(Tier.HIGH, "git --config-env sets configuration from the environment")
        elif flag.startswith(("--git-dir=", "--work-tree=")):
            a.add(Tier.HIGH, f"git {flag.split('=', 1)[0]} points git at another repository")
        i += 1
    return i, cwd


# Subcommands whose operands are files git reads into the repository.
_GIT_PATH_READERS = frozenset({"hash-object", "add", "update-index", "stash", "am", "apply"})
# Options of `git am` and `git apply` that take the next word as their value.
_GIT_PATCH_TAKES = frozenset(
    {"--directory", "--exclude", "--include", "--whitespace", "--build-fake-ancestor"}
    | {"--patch-format", "--resolvemsg", "--quoted-cr", "--empty", "-C", "-p"}
)
# Subcommands whose -u/--upload-pack/--receive-pack/--exec name a program git runs remotely
# (`-u` is --upload-pack only for clone and ls-remote: for push it sets the upstream, for
# fetch it is --update-head-ok).
_GIT_REMOTE_PROGRAM = frozenset({"fetch", "pull", "clone", "ls-remote", "push", "archive"})


def _git_option_effects(
    sub: str, sargs: list[Word], vals: list[str], cwd: str | None, a: Analyzer
) -> None:
    """Options any subcommand may carry: an output file, a remote program, diff drivers, files
    read (`--file`, `--stdin` sources)."""
    for k, v in enumerate(vals):
        if (
            v.startswith(("--output=", "--output-directory="))
            or v in ("--output", "-o", "--output-directory")
            and sub in ("diff", "log", "show", "format-patch", "archive")
        ):
            if "=" in v:
                a.write(Word(v.split("=", 1)[1], v), cwd)
            else:
                a.write(sargs[k + 1] if k + 1 < len(sargs) else Word(None, v), cwd)
        if sub in _GIT_REMOTE_PROGRAM and (
            v.startswith(("--upload-pack", "--receive-pack", "--exec="))
            or v.startswith("-u")
            and sub in ("clone", "ls-remote")
        ):
            a.add(Tier.HIGH, f"git {sub} runs a custom remote program ({v})")
        if v.startswith("--ext-diff") or v == "--textconv":
            a.add(Tier.WORKSPACE, "git runs configured diff programs")
        flag = v.split("=", 1)[0]
        if flag in _GIT_READ_OPTS.get(sub, ()):
            if "=" in v:
                a.read(Word(v.split("=", 1)[1], v), cwd)
            elif k + 1 < len(sargs):
                a.read(sargs[k + 1], cwd)
    if sub in _GIT_PATH_READERS:
        # `git hash-object -w ~/.ssh/id_rsa` stores the file in the repository, where
        # `git cat-file` shows it: a path outside the workspace is read
        paths = sub != "stash"  # (stash takes paths after `--` only)
        for k, v in enumerate(vals):
            if v == "--":
                paths = True
            elif k and vals[k - 1] in _GIT_PATCH_TAKES:
                continue  # `git apply --directory DIR`: an option's value
            elif (
                paths
                and not v.startswith(("-", ":"))
                and a.place(sargs[k], cwd).zone != "workspace"
            ):
                a.read(sargs[k], cwd)


# Subcommands that print the content of the files their pathspecs name (`git diff -- .env`,
# `git log -p .env`, `git show HEAD -- .env`, `git archive HEAD .env`, `git grep . -- .env`);
# log, whatchanged and the plumbing diffs only with a patch, and none of them when told to
# print only names or statistics.
_GIT_CONTENT = frozenset(
    {"diff", "show", "log", "whatchanged", "format-patch", "archive", "grep", "reflog"}
    | {"diff-tree", "diff-index", "diff-files", "annotate", "range-diff"}
)
_GIT_ALWAYS_CONTENT = frozenset(
    {"diff", "show", "format-patch", "archive", "grep", "annotate", "range-diff"}
)
_GIT_PATCH_FLAGS = frozenset(
    {"-p", "-u", "--patch", "--cc", "-c", "--patch-with-stat", "--patch-with-raw", "-W"}
    | {"--function-context", "--full-diff", "--word-diff", "--color-words", "--textconv"}
    # each of these implies --patch
    | {"--unified", "--binary", "--remerge-diff", "--dd", "--inter-hunk-context"}
)
_GIT_NO_CONTENT = frozenset(
    {"--stat", "--numstat", "--shortstat", "--name-only", "--name-status", "--summary"}
    | {"--dirstat", "-s", "--no-patch", "--quiet", "--raw", "--compact-summary", "--check"}
    | {"-l", "--files-with-matches", "-L", "--files-without-match", "-c", "--count", "-q"}
)
# Options of those subcommands that take the next word as their value (not a pathspec).
_GIT_CONTENT_TAKES = frozenset(
    {"-n", "--max-count", "--skip", "--author", "--committer", "--grep", "--since", "--until"}
    | {"--after", "--before", "--format", "--pretty", "-o", "--output", "-e", "-f"}
    | {"--prefix", "--remote", "--exec", "-S", "-G", "--diff-filter", "-U"}
    | {"--max-depth", "--threads", "-A", "-B", "-C", "--subject-prefix", "--to"}
    | {"--pathspec-from-file"}
)


_GIT_VALUED_SHORT = frozenset("SGLUOnABCefoXM")


def _git_cluster_patches(value: str) -> bool:
    """Whether a cluster of short options holds one that prints patches (`-p`, `-u`, `-W`,
    `-U`, which takes the rest as its value): `-pU1`, `-sp`; not `-Spass`, where what
    follows -S is its value."""
    if not value.startswith("-") or value.startswith("--"):
        return False
    for c in value[1:]:
        if c in "puWU":
            return True
        if c in _GIT_VALUED_SHORT or not c.isalpha():
            return False
    return False


# -S or -G, alone or ending a cluster of flags (`-pS`), its value attached or the next word
_GIT_PICKAXE = re.compile(r"^-[a-zA-Z]*?[SG]")


def _git_rev_like(value: str) -> bool:
    """A word that names revisions rather than files (`HEAD~2`, `a..b`, `@{u}`, `v1^`,
    `REV:PATH`, whose PATH `show` judges)."""
    return ".." in value or "@{" in value or "^" in value or ":" in value or "~" in value[1:]


def _git_content_read(word: Word, cwd: str | None, a: Analyzer) -> None:
    """A file whose content git prints: read (a secret or a file elsewhere is judged so); a
    plain project file adds no finding, but is recorded as read, so a user's `Read(PATH)`
    rule holds for `git log -p PATH` as for `cat PATH`. A wildcard that can match a secret's
    name is a read of it: git's `*` matches a leading dot and `/` too (`-- '*.env'`)."""
    value = word.value or ""
    if any(c in value for c in "*?[") and _globs_a_secret(value.rsplit("/", 1)[-1]):
        a.add(Tier.CRITICAL, f"prints the files {word.text} matches, credentials among them")
        return
    place = a.place(word, cwd)
    if place.zone != "workspace":
        a.read(word, cwd)
    elif place.path is not None:
        a.touched.append((False, place.path))


def _git_prints_content(
    sub: str, sargs: list[Word], vals: list[str], cwd: str | None, a: Analyzer
) -> None:
    """The files a content-printing subcommand's pathspecs name are read (a secret among
    them is a credential read), the file of `log -L RANGE:FILE` too, and a pickaxe (`-S`,
    `-G`) for a credential's marker whose matching changes are printed searches the
    history for credentials."""
    patched = sub in _GIT_ALWAYS_CONTENT
    explicit = False
    for v in vals:
        flag = v.split("=", 1)[0]
        if flag == "--full-diff":
            patched = True  # with --stat or --name-only it still prints no content
        elif flag in _GIT_PATCH_FLAGS or v.startswith(("-L", "--word-diff", "--color-words")):
            patched = explicit = True
        elif sub != "grep" and _git_cluster_patches(v):
            patched = explicit = True  # a cluster holding -p or -U (`-Spass` is -S's value)
        elif (
            sub == "grep"
            and v[1:2].isalpha()
            and v[1] not in _GIT_VALUED_SHORT
            and "p" in v
            and v[1:].isalpha()
        ):
            patched = explicit = True
    if sub == "grep":
        explicit = True  # -l, -c and -L of grep print names and counts only
        if any(v in _GIT_NO_CONTENT for v in vals if v in ("-l", "-L", "-c", "-q")):
            return
    elif not explicit and any(v.split("=", 1)[0] in _GIT_NO_CONTENT for v in vals):
        return
    if not patched:
        return
    paths = False
    pattern_given = sub != "grep" or any(v in ("-e", "-f") for v in vals)
    skip = False
    operands: list[tuple[Word, bool]] = []  # (operand, after `--`): revisions or pathspecs
    for k, (word, v) in enumerate(zip(sargs, vals, strict=True)):
        if skip:
            skip = False
            continue
        if v == "--" and not paths:
            paths = True
            continue
        if not paths and v.startswith("-"):
            flag = v.split("=", 1)[0]
            following = vals[k + 1] if k + 1 < len(vals) else ""
            if flag == "--pathspec-from-file":
                a.add(
                    Tier.HIGH,
                    f"git {sub} prints the content of files named only at run time "
                    "(--pathspec-from-file)",
                )
            elif v.startswith("-L") and sub != "grep":
                target = Word((v[2:] or following).rpartition(":")[2], v)
                if target.value:
                    _git_content_read(target, cwd, a)
                skip = v == "-L"
            elif _GIT_PICKAXE.match(v) and sub != "grep":
                marker = _GIT_PICKAXE.sub("", v) or following
                skip = not _GIT_PICKAXE.sub("", v)
                if marker and _SECRET_SEARCH.search(marker):
                    a.add(
                        Tier.CRITICAL,
                        f"prints the history's changes that add or remove {marker!r} (a "
                        "search for credentials)",
                    )
            skip = skip or flag in _GIT_CONTENT_TAKES and "=" not in v and len(v) == len(flag)
            continue
        if not pattern_given:  # git grep's first operand is its pattern
            pattern_given = True
            continue
        operands.append((word, paths))
        if word.value is None or not (paths or not _git_rev_like(v)):
            continue
        spec, where = _pathspec_file(word, cwd, a)
        if spec is None:
            continue  # an exclusion (`:!README`) prints nothing of what it names
        folded = (spec.value or "").lower()
        _git_content_read(spec, where, a)
        if folded != spec.value and a.place(spec, where).zone == "workspace":
            # a pathspec matched without regard to case (`:(icase)`, --icase-pathspecs,
            # GIT_ICASE_PATHSPECS) names `.env` as `.ENV`: the folded name is looked at too
            _git_content_read(Word(folded, spec.text), where, a)
    if "--full-diff" in vals and sub != "grep":
        # the pathspecs choose commits; every file each of them changed is printed
        operands = [
            (w, after) for w, after in operands if not after and _git_rev_like(w.value or "")
        ]
    if sub == "grep" or "--no-index" not in vals:
        # (`git grep --no-index` searches the files below, tracked ones among them)
        _whole_tree(sub, operands, cwd, a)


def _whole_tree(sub: str, operands: list[tuple[Word, bool]], cwd: str | None, a: Analyzer) -> None:
    """The tracked credentials a content-printing subcommand takes in: every one when no
    pathspec narrows it (`git log -p`, `git grep PATTERN`, `git archive HEAD`), else those
    its pathspecs name or hold (`git diff -- config/`), less those excluded (`:!.env`).
    Before `--`, git takes an operand for a path only when a file has its name (else it is
    a revision); `show REV:PATH` prints that one file alone."""
    tracked = a.repo().tracked_secrets
    if not tracked:
        return
    specs: list[str] = []
    excluded: list[str] = []
    given = False
    blobs = revisions = 0
    for word, after_dashes in operands:
        value = word.value
        if value is None:
            given = True
            specs.append("")  # a pathspec known only at run time may name any file
            continue
        rest, top, exclude = _pathspec_magic(value)
        base = a.workspace if top else cwd
        path = a.resolve(rest or ".", base)
        if (
            not after_dashes
            and not value.startswith(":")
            and (path is None or _git_rev_like(value) or not os.path.lexists(path))
        ):
            revisions += 1
            blobs += ":" in value  # REV:PATH names a file's content
            continue
        given = True
        ws = a.workspace
        if path is None:
            rel = ""
        elif path == ws:
            rel = "."
        elif path.startswith(ws + "/"):
            rel = path[len(ws) + 1 :]
        else:
            continue  # outside the tree: git refuses it
        (excluded if exclude else specs).append(rel)
    if sub in ("show", "cat-file") and revisions and blobs == revisions:
        return
    if given and not specs and not excluded:
        return  # every pathspec lies outside the tree
    _prints_tracked_secrets(sub, git_state.secrets_in(tracked, specs, excluded), a)


def _prints_tracked_secrets(sub: str, hit: list[str], a: Analyzer) -> None:
    if hit:
        more = f" and {len(hit) - 1} more" if len(hit) > 1 else ""
        a.add(
            Tier.CRITICAL,
            f"outputs the content of tracked files, the credentials {hit[0]}{more} among them "
            "(no pathspec leaves them out)",
        )


# Subcommands that print tracked files' content in some forms: `stash show -p` (a stash's
# changes; also without -p when stash.showPatch is set), `cat-file --batch` (every object
# in the store with --batch-all-objects, else the objects its input names: `git rev-list
# --objects --all | git cat-file --batch` is every one too), `cat-file -p` of an object
# named only at run time, and `status -v` (the staged changes; with -vv the unstaged too).
_GIT_WHOLE_CONTENT = frozenset({"stash", "cat-file", "status"})
_GIT_STASH_NO_PATCH = frozenset({"--stat", "--no-patch", "--name-only", "--name-status", "-s"})


def _git_prints_whole(
    sub: str, sargs: list[Word], vals: list[str], cwd: str | None, a: Analyzer
) -> None:
    tracked = a.repo().tracked_secrets
    if not tracked:
        return
    short = [v for v in vals if v[:1] == "-" and v[1:2] != "-"]
    if sub == "stash":
        words = [v for v in vals if not v.startswith("-")]
        patched = (
            "--patch" in vals
            or any("p" in v for v in short)
            or (a.repo().stash_show_patch and not _GIT_STASH_NO_PATCH & set(vals))
        )
        if words[:1] != ["show"] or not patched:
            return
    elif sub == "status":
        if "--verbose" not in vals and not any("v" in v for v in short):
            return
        paths = [(w, True) for w in sargs if not (w.value or "").startswith("-")]
        _whole_tree(sub, paths, cwd, a)
        return
    elif not any(
        v == "--batch" or v.startswith(("--batch=", "--batch-command")) for v in vals
    ) and not (any(v in ("-p", "blob") for v in vals) and any(w.value is None for w in sargs)):
        return
    _prints_tracked_secrets(sub, list(tracked), a)


def _git_prints_urls(sub: str, vals: list[str], a: Analyzer) -> None:
    """`git remote -v`, `git remote get-url`, `git ls-remote --get-url` print the remotes'
    URLs (after url.<base>.insteadOf), `git var -l` the whole configuration: a password or
    token the repository's configuration holds there is printed with them."""
    if not GIT_PRINTS_URLS[sub] & set(vals):
        return
    if sub == "remote":
        words = [v for v in vals if not v.startswith("-")]
        verbose = "-v" in vals or "--verbose" in vals
        if not (verbose or words[:1] == ["get-url"] or words[:1] == ["show"] and len(words) > 1):
            return
    held = [
        c
        for c in a.repo().credentials
        if sub == "var" or c.key.startswith("url.") or _remote_url_key(c.key)
    ]
    if held:
        a.add(
            Tier.CRITICAL,
            f"prints the remotes' URLs, and {held[0].file} holds {held[0].what} ({held[0].key})",
        )


def _remote_url_key(key: str) -> bool:
    return key.startswith("remote.") and key.endswith((".url", ".pushurl"))


# git's pathspec magic: the long form `:(top,icase)path` and the short form `:/path`,
# `:!path`, `:^path` (a `:` may end the short form's signs).
_PATHSPEC_LONG = re.compile(r":\(([^)]*)\)")
_PATHSPEC_SHORT = re.compile(r":([/!^]*):?")


def _pathspec_file(word: Word, cwd: str | None, a: Analyzer) -> tuple[Word | None, str | None]:
    """The path a pathspec names without its magic, and where it is taken from (`top`
    and `/` start at the top of the tree); None for an exclusion."""
    value = word.value or ""
    if not value.startswith(":"):
        return word, cwd
    rest, top, exclude = _pathspec_magic(value)
    if exclude:
        return None, cwd
    return Word(rest or ".", word.text), (a.workspace if top else cwd)


def _pathspec_magic(value: str) -> tuple[str, bool, bool]:
    """A pathspec's path without its magic, whether it starts at the top of the tree, and
    whether it excludes what it names."""
    if not value.startswith(":"):
        return value, False, False
    long = _PATHSPEC_LONG.match(value)
    if long is not None:
        magic = {m.strip().partition(":")[0] for m in long.group(1).split(",")}
        rest, top, exclude = value[long.end() :], "top" in magic, "exclude" in magic
    else:
        short = _PATHSPEC_SHORT.match(value)
        signs = short.group(1) if short is not None else ""
        rest = value[short.end() :] if short is not None else value[1:]
        top, exclude = "/" in signs, "!" in signs or "^" in signs
    return rest, top, exclude


@dataclasses.dataclass(frozen=True, slots=True)
class _GitCall:
    """One git subcommand that code judges: its words, where it runs, and the Analyzer."""

    sub: str
    sargs: list[Word]
    vals: list[str]
    cwd: str | None
    cmd: SimpleCommand
    a: Analyzer
    part: str


# Each returns True when it decided the tier; False lets the subcommand's tier in the git
# family's table decide (its findings, such as files written, still count).
def _git_init(c: _GitCall) -> bool:
    # `git init DIR`, `--separate-git-dir=DIR`: the repository is made there. `--shared`
    # takes its value only after `=` (`git init --shared /srv/r.git` makes /srv/r.git);
    # `--object-format` and `--ref-format` take the next word.
    opts, pos = split_opts(
        c.sargs,
        (
            "--template",
            "--separate-git-dir",
            "-b",
            "--initial-branch",
            "--object-format",
            "--ref-format",
        ),
    )
    for target in [*_vals(opts, "--separate-git-dir", "--template"), *pos[:1]]:
        c.a.write(target, c.cwd)
    return False


def _git_bundle(c: _GitCall) -> bool:
    a = c.a
    operands = [w for w in c.sargs if not (w.value or "").startswith("-")]
    action = operands[0].value if operands else None
    if action in ("verify", "list-heads"):
        a.add(Tier.READ_ONLY, "git bundle reads a bundle file", part=c.part)
        for w in operands[1:2]:
            a.read(w, c.cwd)
    elif action in ("create", "unbundle"):
        a.add(Tier.WORKSPACE, f"git bundle {action} writes a bundle or objects", part=c.part)
        if action == "create":
            for w in operands[1:2]:
                a.write(w, c.cwd)
    else:
        a.add(Tier.HIGH, "runs an unknown git bundle action", part=c.part)
    return True


def _git_remote(c: _GitCall) -> bool:
    """`git remote show NAME` asks each remote named for its branches (as `git ls-remote`
    does) unless `-n`/`--no-query` says not to; without a name it only lists the remotes."""
    words = [v for v in c.vals if not v.startswith("-")]
    if words[:1] == ["show"] and len(words) > 1 and not {"-n", "--no-query"} & set(c.vals):
        c.a.add(Tier.NETWORK, "git remote show asks the remote for its branches", part=c.part)
        return True
    return False


_GIT_BRANCH_CHANGES = frozenset(
    {"-d", "--delete", "-m", "-M", "-c", "-C", "--move", "--copy", "-u", "--set-upstream-to",
     "--unset-upstream", "--edit-description", "-f", "--force"}
)  # fmt: skip
_GIT_BRANCH_LISTS = frozenset(
    {"--list", "-l", "--contains", "--merged", "--no-merged", "--points-at", "--format",
     "--sort", "-a", "-r", "-v", "-vv"}
)  # fmt: skip
_GIT_BRANCH_LIST_VALUES = ("--contains", "--merged", "--no-merged", "--format", "--sort",
                           "--points-at")  # fmt: skip


def _git_branch(c: _GitCall) -> bool:
    vals = c.vals
    if any(v in ("-D", "--delete --force") for v in vals) or (
        "-d" in vals and ("-f" in vals or "--force" in vals)
    ):
        c.a.add(Tier.HIGH, "force-deletes branches (unmerged work is lost)", part=c.part)
    elif any(v in _GIT_BRANCH_CHANGES for v in vals):
        c.a.add(Tier.WORKSPACE, "changes local branches", part=c.part)
    elif [v for v in vals if not v.startswith("-")] and not any(
        v in _GIT_BRANCH_LISTS or v.startswith(_GIT_BRANCH_LIST_VALUES) for v in vals
    ):
        c.a.add(Tier.WORKSPACE, "creates a branch", part=c.part)
    else:
        c.a.add(Tier.READ_ONLY, "lists branches", part=c.part)
    return True


def _git_checkout(c: _GitCall) -> bool:
    """checkout and restore: discarding uncommitted changes cannot be undone."""
    flags = [v for v in c.vals if v.startswith("-")]
    paths = [v for v in c.vals if not v.startswith("-")]
    if (
        c.sub == "checkout"
        and (
            "--" in c.vals
            or any(p in (".", "*", ":/") for p in paths)
            or any(_checkout_forces(f) for f in flags)
            or paths
            and any(_checkout_from_stages(f) for f in flags)
        )
        or c.sub == "restore"
        and not any(f in ("--staged", "-S") for f in flags)
        or (c.sub == "restore" and any(f in ("--worktree", "-W") for f in flags))
    ):
        c.a.add(Tier.HIGH, "discards uncommitted changes (irreversible)", part=c.part)
    else:
        c.a.add(Tier.WORKSPACE, "switches branches or restores the index", part=c.part)
    return True


def _checkout_from_stages(flag: str) -> bool:
    """`--ours`, `--theirs`, `-m`/`--merge` and `--conflict=STYLE` (by any prefix git takes:
    `--the`): checked out on paths they write a merge's stage, or the conflicted merge
    again, over the file's resolution (with a branch, `-m` merges local changes into the
    switch, which is asked too: git cannot tell the two apart before it runs)."""
    if flag.startswith("--"):
        name = flag.partition("=")[0]
        return len(name) >= 4 and any(
            o.startswith(name) for o in ("--ours", "--theirs", "--merge", "--conflict")
        )
    for c in flag[1:]:
        if c == "m":
            return True
        if c in "bB":
            return False
    return False


def _checkout_forces(flag: str) -> bool:
    """`-f`, inside a cluster before `-b`/`-B` (which take the rest as a branch name:
    `-qf`, `-fb NAME`), or --force by any prefix git takes (`--for`; no other long option
    of checkout starts with f)."""
    if flag.startswith("--"):
        return len(flag) > 2 and "--force".startswith(flag.partition("=")[0])
    for c in flag[1:]:
        if c == "f":
            return True
        if c in "bB":
            return False
    return False


def _git_rm(c: _GitCall) -> bool:
    flags = [v for v in c.vals if v.startswith("-")]
    removed = [w for w in c.sargs if not (w.value or "").startswith("-")]
    recursive = any(
        f == "-r" or f.startswith("-") and not f.startswith("--") and "r" in f for f in flags
    )
    for w in [] if "--cached" in flags else removed:
        removed_path = w.value
        base = os.path.basename((removed_path or "").rstrip("/"))
        place = c.a.place(w, c.cwd) if removed_path is not None else None
        if removed_path is not None and (
            base in ("*", ":/", "**")
            or removed_path in (":/", ":(top)")
            or (
                recursive and place is not None and (place.is_workspace or place.contains_workspace)
            )
        ):
            c.a.add(Tier.HIGH, "removes every tracked file (mass deletion)", part=c.part)
            return True
    c.a.add(Tier.WORKSPACE, "changes the local repository (recoverable)", part=c.part)
    return True


def _git_config_call(c: _GitCall) -> bool:
    _git_config(c.vals, c.a, c.cmd, c.part)
    return True


def _git_worktree(c: _GitCall) -> bool:
    action = c.vals[0] if c.vals else "list"
    if action == "list":
        c.a.add(Tier.READ_ONLY, "lists worktrees", part=c.part)
    elif action == "remove" and any(v in ("-f", "--force", "-ff") for v in c.vals[1:]):
        c.a.add(Tier.HIGH, "removes a worktree and its uncommitted files", part=c.part)
    elif action == "remove":  # without --force, git refuses a worktree with changes
        c.a.add(Tier.WORKSPACE, "removes a worktree without changes", part=c.part)
        for target in c.sargs[1:2]:
            c.a.delete(target, c.cwd, recursive=True)
    elif action == "prune":
        c.a.add(Tier.WORKSPACE, "forgets worktrees whose folder is gone", part=c.part)
    elif action == "move":
        c.a.add(Tier.WORKSPACE, "moves a worktree", part=c.part)
        for target in c.sargs[1:3]:
            c.a.write(target, c.cwd)
    else:
        c.a.add(Tier.WORKSPACE, "adds a worktree", part=c.part)
        for target in c.sargs[1:2]:
            c.a.write(target, c.cwd)
    return True


def _git_maintenance(c: _GitCall) -> bool:
    """`git maintenance run` works on this repository (its prefetch task fetches every
    remote); register, start, stop and unregister change the user's config and scheduler."""
    action = c.vals[0] if c.vals else ""
    if action != "run":
        c.a.add(Tier.HIGH, "changes the user's scheduled git maintenance", part=c.part)
    elif any("prefetch" in v or v.startswith("--schedule") for v in c.vals[1:]):
        # the prefetch task (an hourly schedule runs it) fetches from every remote
        c.a.add(Tier.NETWORK, "prefetches from every remote", part=c.part)
    else:
        c.a.add(Tier.WORKSPACE, "runs maintenance tasks on this repository", part=c.part)
    return True


def _git_submodule(c: _GitCall) -> bool:
    vals = c.vals
    if not vals or vals[0] in ("status", "summary", "foreach-check"):
        c.a.add(Tier.READ_ONLY, "shows submodules", part=c.part)
    elif vals[0] == "foreach":
        c.a.run_script(" ".join(vals[1:]), c.cwd, "git submodule foreach")
        c.a.add(Tier.WORKSPACE, "runs a command in each submodule", part=c.part)
    else:
        c.a.add(Tier.NETWORK, "updates submodules from their remotes", part=c.part)
    return True


def _git_bisect(c: _GitCall) -> bool:
    if c.vals and c.vals[0] == "run":
        c.a.run_argv(c.sargs[1:], c.cmd)
        return True
    return False


# `git clone` options that change nothing but what is copied (the rest may run a command,
# install hooks, set configuration, reach a server or write elsewhere)
_CLONE_PLAIN_FLAGS = frozenset(
    {"-q", "--quiet", "-v", "--verbose", "-n", "--no-checkout", "--bare", "-l", "--local"}
    | {"--no-hardlinks", "-s", "--shared", "--single-branch", "--no-single-branch"}
    | {"--no-tags", "--progress", "--sparse"}
)
_CLONE_PLAIN_VALUES = frozenset({"-b", "--branch", "-o", "--origin", "--depth"})
# `host:path` and `user@host:path` are ssh (a colon before the first slash)
_SCP_LIKE = re.compile(r"^[^/]*:")


def _local_clone(c: _GitCall) -> tuple[Word, Word | None] | None:
    """The source and destination of a `git clone` from a path (a repository or a bundle
    file), with only plain options; None when it may reach a server or do more."""
    operands: list[Word] = []
    words = iter(c.sargs)
    for word in words:
        v = word.value
        if v is None:
            return None
        name = v.partition("=")[0]
        if v.startswith("-") and v != "-":
            if name in _CLONE_PLAIN_VALUES:
                if "=" not in v:
                    next(words, None)
                continue
            if v not in _CLONE_PLAIN_FLAGS:
                return None
            continue
        operands.append(word)
    if not operands or len(operands) > 2:
        return None
    source = operands[0].value or ""
    if "://" in source or _SCP_LIKE.match(source) or not source:
        return None
    return operands[0], operands[1] if len(operands) == 2 else None


def _git_clone(c: _GitCall) -> bool:
    local = _local_clone(c)
    if local is not None:
        # from a repository or bundle on this machine: the source is read where it is
        source, dest = local
        c.a.read(source, c.cwd)
        if dest is None:
            name = os.path.basename((source.value or "").rstrip("/"))
            for suffix in ("/.git", ".git", ".bundle"):
                name = name.removesuffix(suffix)
            dest = Word(name or ".", name or ".")
        c.a.write(dest, c.cwd)
        c.a.add(Tier.WORKSPACE, "clones a repository from a path on this machine", part=c.part)
        return True
    c.a.add(Tier.NETWORK, "clones a repository", part=c.part)
    dests = [w for w in c.sargs if not (w.value or "").startswith("-")]
    if len(dests) >= 2:
        c.a.write(dests[1], c.cwd)
    return True


def _git_grep(c: _GitCall) -> bool:
    for v in c.vals:
        # `-O`, clustered after other flags (`-iO/tmp/x`) and `--open-files-in-pager` as any
        # prefix git accepts (`--open-f=`): the value is the program to run
        cluster = _GIT_GREP_O.match(v)
        name, eq, given = v.partition("=")
        if cluster is not None:
            program = cluster.group(1)
        elif len(name) >= 4 and "--open-files-in-pager".startswith(name):
            program = given
        else:
            continue
        if not program:
            c.a.add(
                Tier.HIGH, "opens the matching files in the pager from configuration", part=c.part
            )
        else:
            c.a.run_script(program + " found-file", c.cwd, "git grep --open-files-in-pager")
    if "--no-index" in c.vals:  # searches any files, in or out of a repository
        for operand in c.sargs:
            if (operand.value or "").startswith(("/", "~", "..")):
                c.a.read(operand, c.cwd)
    return False


def _git_show(c: _GitCall) -> bool:
    """show and cat-file: `REV:PATH` prints PATH as REV holds it (relative to the repository's
    top, or to the current directory with `./`), a read of that file."""
    for operand in c.sargs:
        value = operand.value or ""
        rev, colon, path = value.partition(":")
        if colon and path and not value.startswith("-") and "://" not in value and " " not in rev:
            base = c.cwd if path.startswith(("./", "../")) else c.a.workspace
            c.a.read(Word(path, path), base)
    return False


def _git_blame(c: _GitCall) -> bool:
    """blame prints the file it annotates, line by line."""
    operands = [w for w in c.sargs if not (w.value or "").startswith("-")]
    if operands:
        c.a.read(operands[-1], c.cwd)
    return False


def _git_diff(c: _GitCall) -> bool:
    # Two paths, one outside the repository, compare files anywhere (--no-index implied).
    for operand in c.sargs:
        if (operand.value or "").startswith(("/", "~", "..")):
            c.a.read(operand, c.cwd)
    return False


def _git_apply(c: _GitCall) -> bool:
    vals = c.vals
    checking = {"--check", "--stat", "--numstat", "--summary"} & set(vals)
    if checking and "--apply" not in vals:
        c.a.add(
            Tier.READ_ONLY, f"only checks or summarises the patch ({min(checking)})", part=c.part
        )
        return True
    if "--unsafe-paths" in vals:
        dirs = [v.split("=", 1)[1] for v in vals if v.startswith("--directory=")]
        dirs += [vals[k + 1] for k, v in enumerate(vals[:-1]) if v == "--directory"]
        for d in dirs:
            c.a.write(Word(d, d), c.cwd)
        if not dirs:
            c.a.add(Tier.HIGH, "applies a patch to paths outside the repository", part=c.part)
    return False


# The git subcommands code judges (what data cannot say: paths, commands they run, options
# that only count together); the others are data in program_rules (`_GIT.subcommands` and
# the tier table).
# A new object's name, printed by the plumbing that writes it: never the all-zero id, which
# update-ref takes as a deletion.
# Its words hold no other command, no output redirection and no expansion but `$(git
# write-tree)`, so what it prints is that name alone.
_NEW_OBJECT = re.compile(
    r'"?\$\(git (hash-object|commit-tree|write-tree|mktree|mktag)\b[^`;&|>\n$()]*'
    r'(\$\(git write-tree\)[^`;&|>\n$()]*)?\)"?'
)


def _git_update_ref(c: _GitCall) -> bool:
    """`update-ref REF $(git commit-tree ...)`: HEAD or a branch pointed at a commit the
    line just wrote, as `git commit` does (the reflog keeps the old value). Deleting (`-d`,
    or the all-zero id as the new value), `--stdin`, other refs (tags keep no reflog), an
    existing commit (a branch moved back) and any other value only known at run time (it
    may be the zero id) are left to the subcommand's tier."""
    operands: list[Word] = []
    words = iter(c.sargs)
    for w in words:
        if w.value in ("-m",):
            next(words, None)  # the reason recorded in the reflog
        elif w.value in ("--no-deref", "--create-reflog"):
            continue
        elif w.value is None or not w.value.startswith("-"):
            operands.append(w)
        else:
            return False
    if len(operands) not in (2, 3):
        return False
    ref, new = operands[0].value, operands[1]
    if ref is None or not (ref == "HEAD" or ref.startswith("refs/heads/")):
        return False
    if new.value is not None or not _NEW_OBJECT.fullmatch(new.text):
        # an existing commit: a branch moved back drops what came after it from the
        # branch (`git update-ref refs/heads/main HEAD~10`), as a history rewrite does
        return False
    c.a.add(Tier.WORKSPACE, "points HEAD or a branch at a commit it just wrote", part=c.part)
    return True


# The symbolic refs a link may be set on or deleted: HEAD, and a remote's default branch
# (`refs/remotes/origin/HEAD`, which `git remote set-head` writes). Turning a branch or a tag
# into a link drops the commit it named from it, as `update-ref` does.
_SYMREF_NAME = re.compile(r"HEAD|refs/remotes/[A-Za-z0-9_][A-Za-z0-9._-]*/HEAD")
# A target git accepts for HEAD: a ref name under refs/ (no `..`, no component starting
# with a dot or ending in `.lock`), not a path.
_SYMREF_TARGET = re.compile(
    r"(?!.*\.\.)(?!.*\.lock(?:/|$))refs/(?:(?!\.)[A-Za-z0-9_.+-]+/)*(?!\.)[A-Za-z0-9_.+-]+"
)
# What a read names: a ref under refs/ or one at the top (HEAD, ORIG_HEAD, FETCH_HEAD).
_SYMREF_READ = re.compile(r"[A-Z][A-Z_]*|" + _SYMREF_TARGET.pattern)
_SYMREF_READ_FLAGS = frozenset({"-q", "--quiet", "--short", "--recurse", "--no-recurse"})


def _git_symbolic_ref(c: _GitCall) -> bool:
    """`git symbolic-ref NAME` prints where a symbolic ref points; `NAME REF` (with `-m
    REASON`) points HEAD or a remote's HEAD at a ref, a local change the reflog records;
    `-d NAME` deletes a remote's HEAD link (git refuses HEAD itself). Anything else (HEAD
    pointed at a path, a branch made a link, a value only known at run time, an option git
    does not document) asks."""
    if c.vals == ["-h"]:
        c.a.add(Tier.READ_ONLY, "prints its usage", part=c.part)
        return True
    operands: list[str] = []
    delete = False
    words = iter(c.sargs)
    for w in words:
        v = w.value
        if v is None:
            operands.append("")  # only known at run time
        elif v in ("-m",):
            next(words, None)  # the reason recorded in the reflog
        elif v.startswith("-m") and not v.startswith("--"):
            continue
        elif v in ("-d", "--delete"):
            delete = True
        elif v in _SYMREF_READ_FLAGS:
            continue
        elif v.startswith("-") and v != "-":
            operands = []
            break
        else:
            operands.append(v)
    else:
        if len(operands) == 1 and _SYMREF_READ.fullmatch(operands[0]) and not delete:
            c.a.add(Tier.READ_ONLY, "prints where a symbolic ref points", part=c.part)
            return True
        name = operands[0] if operands else ""
        if delete and len(operands) == 1 and name != "HEAD" and _SYMREF_NAME.fullmatch(name):
            c.a.add(Tier.WORKSPACE, f"deletes the symbolic ref {name} (local)", part=c.part)
            return True
        if (
            not delete
            and len(operands) == 2
            and _SYMREF_NAME.fullmatch(name)
            and _SYMREF_TARGET.fullmatch(operands[1])
        ):
            why = f"points the symbolic ref {name} at {operands[1]} (local, in the reflog)"
            c.a.add(Tier.WORKSPACE, why, part=c.part)
            return True
    why = "sets or deletes a symbolic ref other than HEAD's or a remote's, or names no plain ref"
    c.a.add(Tier.HIGH, why, part=c.part)
    return True


_GIT_CODE: Mapping[str, Callable[[_GitCall], bool]] = MappingProxyType(
    {
        "init": _git_init,
        "bundle": _git_bundle,
        "remote": _git_remote,
        "branch": _git_branch,
        "checkout": _git_checkout,
        "restore": _git_checkout,
        "rm": _git_rm,
        "config": _git_config_call,
        "worktree": _git_worktree,
        "maintenance": _git_maintenance,
        "submodule": _git_submodule,
        "bisect": _git_bisect,
        "clone": _git_clone,
        "grep": _git_grep,
        "show": _git_show,
        "cat-file": _git_show,
        "blame": _git_blame,
        "diff": _git_diff,
        "difftool": _git_diff,
        "apply": _git_apply,
        "update-ref": _git_update_ref,
        "symbolic-ref": _git_symbolic_ref,
    }
)


def judge_subcommand(rule: Subcommand, vals: list[str]) -> tuple[Tier, str]:
    """The tier of one subcommand with data entry `rule`, from its arguments `vals`."""
    if not vals and rule.bare is not None:
        return rule.bare
    if rule.actions:
        words = [v for v in vals if not v.startswith("-")]
        if words:
            found = rule.actions.get(" ".join(words[:2])) or rule.actions.get(words[0])
            return found or rule.other_action or (rule.tier, rule.what)
    if rule.last_wins:  # the options before `--`, the last one first
        vals = vals[::-1] if "--" not in vals else vals[: vals.index("--")][::-1]
    for v in vals if rule.options else ():
        if not v.startswith("-"):
            continue
        if v.startswith("--"):
            # `--prune=now` may have an entry of its own; else `--rebase=merges` is `--rebase`
            name = v.partition("=")[0]
            found = rule.options.get(v) or rule.options.get(name)
            if found is None and len(name) > 2:  # git takes a prefix: `--exe=` is `--exec=`
                full = [o for o in rule.options if o.startswith(name)]
                found = rule.options[full[0]] if len(full) == 1 else None
        elif rule.clusters:
            found = None
            for c in v[1:]:
                found = rule.options.get(f"-{c}")
                if found is not None or c in rule.cluster_values:
                    break
        else:
            found = rule.options.get(v)
        if found is not None:
            return found
    for v in vals if rule.operand_prefixes else ():
        found = rule.operand_prefixes.get(v[:1])
        if found is not None:
            return found
    return rule.tier, rule.what


def _git_alias(options: list[Word], sub: str) -> list[str] | None:
    """What `git -c alias.SUB=VALUE ... SUB` runs as git arguments, when VALUE is not a
    shell command (`!...`, which `_git_config_pair` judges as one)."""
    values = [w.value or "" for w in options]
    pairs = [
        values[k + 1] if v == "-c" and k + 1 < len(values) else v[2:]
        for k, v in enumerate(values)
        if v.startswith("-c") and (k == 0 or values[k - 1] != "-c")
    ]
    for pair in reversed(pairs):  # the last definition wins
        key, _, value = pair.partition("=")
        if key.lower() == f"alias.{sub.lower()}":
            if value.startswith("!"):
                return None
            try:
                words = shlex.split(value)
            except ValueError:
                return None
            return words or None
    return None


_GIT_BOOLEANS = frozenset({"true", "false", "yes", "no", "on", "off", "1", "0"})


def _git_config_pair(pair: str | None, a: Analyzer, cmd: SimpleCommand) -> None:
    if pair is None:
        a.add(Tier.HIGH, "git -c sets configuration only known at run time")
        return
    key, _, value = pair.partition("=")
    lower = key.lower()
    if GIT_SIGNING_KEYS.match(key) and value.lower() not in ("false", "no", "off", "0"):
        a.add(Tier.HIGH, f"git -c {key} signs with the user's key")
    if _drops_history(key, [value]):
        a.add(Tier.HIGH, f"git -c {key}={value} lets git delete unreachable history at once")
    if lower == "core.pager" or lower.startswith("pager."):
        # the pager is a shell command that pages git's own output: judged as that command
        # (`core.pager=delta`); `pager.log=false` runs none, `true` the usual one
        if value.lower() not in _GIT_BOOLEANS:
            a.run_script(value.lstrip("!"), cmd.cwd, f"git -c {key}")
        return
    if GIT_EXEC_KEYS.match(key) and not _turns_off(key, [value]):
        a.add(Tier.HIGH, f"git -c {key}=... makes git run a program")
        if lower == "core.hookspath" and value:
            _line_hooks(value, a)
        if key.lower().startswith("alias.") and not value.startswith("!"):
            return  # git arguments, not a shell command: h_git expands it where it is used
        if value and not key.lower().startswith(("include", "url.", "protocol.")):
            a.run_script(value.lstrip("!"), cmd.cwd, f"git -c {key}")


def _drops_history(key: str, values: list[str]) -> bool:
    """`gc.pruneExpire now`, `core.logAllRefUpdates false`: a setting with which git's
    housekeeping deletes unreachable commits or reflog entries without the usual grace
    (`never` expires nothing, a reflog setting that is on keeps them)."""
    if not GIT_HISTORY_KEYS.match(key):
        return False
    value = values[0].lower() if values else ""
    if key.lower() == "core.logallrefupdates":
        return value not in GIT_HISTORY_KEEPS
    return value not in ("never", "false")


def _turns_off(key: str, values: list[str]) -> bool:
    """`core.fsmonitor false`: the key also takes a boolean, and this one names no program
    (true starts git's own monitor daemon)."""
    return key.lower() == "core.fsmonitor" and [v.lower() for v in values] in (
        ["false"],
        ["no"],
        ["off"],
        ["0"],
    )


_GIT_SECRET_KEYS = re.compile(r"credential|extraheader|password|passwd|token|secret", re.I)


def _config_file(vals: list[str]) -> str | None:
    """The file `git config --file F` (or `-f F`, `--file=F`) works on."""
    for k, v in enumerate(vals):
        if v.startswith("--file="):
            return v.partition("=")[2]
        if v in ("--file", "-f") and k + 1 < len(vals):
            return vals[k + 1]
    return None


def _git_config(vals: list[str], a: Analyzer, cmd: SimpleCommand, part: str) -> None:
    reading = {
        "--get",
        "--get-all",
        "--get-regexp",
        "-l",
        "--list",
        "--get-urlmatch",
        "--show-origin",
        "--show-scope",
        "get",
        "list",
        "--name-only",
        "-z",
    }
    if (
        any(v in reading for v in vals)
        or len([v for v in vals if not v.startswith("-")]) <= 1
        and not any(
            v
            in (
                "--unset",
                "--unset-all",
                "--remove-section",
                "--rename-section",
                "-e",
                "--edit",
                "--replace-all",
                "--add",
                "unset",
                "set",
                "edit",
            )
            for v in vals
        )
    ):
        named = _config_file(vals)
        if named is not None:  # `git config -f ~/.aws/credentials -l` prints an INI file's values
            a.read(Word(named, named), cmd.cwd)
        for k, v in enumerate(vals):  # `--blob REV:PATH`: PATH as REV holds it
            if v.startswith("--blob="):
                blob = v[7:]
            elif v == "--blob" and k + 1 < len(vals):
                blob = vals[k + 1]
            else:
                continue
            path = blob.partition(":")[2]
            if path:
                a.read(Word(path, path), a.workspace)
        asked = [
            v for v in vals if not v.startswith("-") and v != named and _GIT_SECRET_KEYS.search(v)
        ]
        if asked:
            # credential.*, http.*.extraheader (CI checkouts keep their token there)
            a.add(Tier.HIGH, f"reads {asked[0]}, git configuration that holds credentials")
        else:
            a.add(Tier.READ_ONLY, "reads git configuration", part=part)
        held = _config_prints(vals, a)
        if held is not None:
            a.add(Tier.CRITICAL, f"prints {held.file}, which holds {held.what} ({held.key})")
        return
    keys: list[str] = []
    skip = False
    for v in vals:  # the names and values, not the option values (`-f FILE`, `--type bool`)
        if skip:
            skip = False
        elif v in _CONFIG_TAKES:
            skip = True
        elif not v.startswith("-") and v not in ("set", "unset"):
            keys.append(v)
    scope_global = any(
        v in ("--global", "--system", "--file", "-f") or v.startswith("--file") for v in vals
    )
    named = _config_file(vals)
    file_written = named is not None and not any(v in ("--global", "--system") for v in vals)
    if named is not None and file_written:
        # `git config --file .lfsconfig KEY VALUE`: that file is written, judged by its place
        a.write(Word(named, named), cmd.cwd)
    if keys and GIT_EXEC_KEYS.match(keys[0]) and not _turns_off(keys[0], keys[1:]):
        a.add(Tier.HIGH, f"sets {keys[0]}, which makes git run a program", part=part)
        if keys[0].lower() == "core.hookspath" and len(keys) > 1 and not scope_global:
            _line_hooks(keys[1], a)
    elif (
        len(keys) > 1
        and GIT_SIGNING_KEYS.match(keys[0])
        and keys[1].lower() not in ("false", "no", "off", "0")
    ):
        a.add(Tier.HIGH, f"sets {keys[0]}, which signs with the user's key", part=part)
    elif keys and _drops_history(keys[0], keys[1:]):
        a.add(Tier.HIGH, f"sets {keys[0]}, which lets git delete unreachable history", part=part)
    elif file_written:
        pass
    elif scope_global:
        a.add(Tier.HIGH, "changes global git configuration", part=part)
    else:
        a.add(Tier.WORKSPACE, "changes this repository's git configuration", part=part)


def _line_hooks(value: str, a: Analyzer) -> None:
    """`git config core.hooksPath DIR` on this line: what the line writes there later runs
    as hooks (a relative DIR is taken from the top of the working tree)."""
    if value == "~" or value.startswith("~/"):
        value = a.home + value[1:]
    a.line_hooks.append(os.path.normpath(os.path.join(a.workspace, value)))


# `git config` options that take the next word as their value.
_CONFIG_TAKES = frozenset(
    {"--type", "--default", "--file", "-f", "--blob", "--comment", "--value", "--url"}
)


def _config_prints(vals: list[str], a: Analyzer) -> git_state.Credential | None:
    """The credential of the repository's configuration that reading it this way prints:
    a listing (`-l`, `list`: the names alone with `--name-only`), a key asked for by name
    or by a pattern (`--get-regexp`), a URL's match (`--get-urlmatch`). Another file's
    (`--global`, `--file`: judged as a read of it) prints none."""
    if any(v in ("--global", "--system") or v.startswith(("--file", "--blob")) for v in vals):
        return None
    if _config_file(vals) is not None:
        return None
    held = a.repo().credentials
    if not held:
        return None
    words: list[str] = []
    skip = False
    for v in vals:
        if skip:
            skip = False
        elif v.startswith("-"):
            skip = v in _CONFIG_TAKES
        else:
            words.append(v)
    if words[:1] in (["get"], ["list"]):
        action, words = words[0], words[1:]
    else:
        action = ""
    if action == "list" or any(v in ("-l", "--list") for v in vals):
        names_only = "--name-only" in vals
        return next((c for c in held if c.in_name or not names_only), None)
    if not words:
        return None
    if "--get-regexp" in vals or any(v.startswith("--regexp") for v in vals):
        try:
            pattern = re.compile(words[0], re.IGNORECASE)
        except re.error:
            return held[0]
        return next((c for c in held if c.in_name or pattern.search(c.key)), None)
    if "--get-urlmatch" in vals or any(v.startswith("--url") for v in vals):
        section, _, name = words[0].lower().partition(".")
        return next(
            (
                c
                for c in held
                if c.key.lower().startswith(section + ".")
                and (not name or c.key.lower().endswith("." + name))
            ),
            None,
        )
    return next((c for c in held if words[0].lower() == c.key.lower()), None)
