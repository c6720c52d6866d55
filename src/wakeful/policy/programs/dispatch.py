"""The dispatcher: every command passes through `classify_commands` (or `classify_argv`),
which finds its program's plan (handler or data entry, version and help shortcuts) and
hands it on; `HANDLERS` maps program names to the handlers of this package's modules, and
`explain` names the entry that decided."""

from __future__ import annotations

import os.path
import re
from types import MappingProxyType

from wakeful.policy.cloud_clis import CLOUD_CLIS
from wakeful.policy.program_rules import (
    PROGRAMS,
    PROJECT_SCRIPTS,
    WRAPPERS,
    Program,
    examples_of,
)
from wakeful.policy.programs.assignments import (
    _ENV_FILTERS,
    _LINE_FILTERS,
    _assigns,
    _filters_env_secrets,
    _redirects,
    _secret_variable,
    remember_tee,
)
from wakeful.policy.programs.cloud import h_cloud, h_openssl
from wakeful.policy.programs.entries import _Compiled, _compiled, _run_bare, run_program
from wakeful.policy.programs.files import (
    h_chattr,
    h_chmod,
    h_copy_move,
    h_ln,
    h_rm,
    h_rsync,
    h_tar,
)
from wakeful.policy.programs.find import h_fd, h_find
from wakeful.policy.programs.git import h_git
from wakeful.policy.programs.inline import brought_in, ran_as_written
from wakeful.policy.programs.network import h_lynx, h_scp, h_ssh
from wakeful.policy.programs.options import Handler
from wakeful.policy.programs.remote import credential_sent
from wakeful.policy.programs.shells import (
    h_gdb,
    h_isolate,
    h_names,
    h_shell,
    h_source,
    h_trap,
    h_wrapper,
    h_xargs,
)
from wakeful.policy.programs.sql import h_sql
from wakeful.policy.programs.tables import _NAME_TAKERS, _NO_HELP_SHORTCUT, _SHELLS
from wakeful.policy.programs.text import h_awk, h_ed, h_ex_batch, h_sed
from wakeful.policy.programs.toolchains import (
    _django_manage,
    framework_task,
    h_interp,
    h_npm,
    h_npx,
    h_pip,
    h_protoc,
    h_python,
    h_uv,
)
from wakeful.policy.shell import Analyzer, Invocation
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier

_VERSION_ARGS = frozenset({"--version", "-V", "--help", "version", "help", "-version"})
# The one word that, alone, prints the version and exits: `-v` for these (for others it
# means verbose); for the privilege programs, whose arguments are a command (`sudo version`
# runs `version`), -V or --version and nothing else.
_LONE_VERSION: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ("node", "ruby", "perl", "php", "bun", "npm", "yarn", "pnpm", "lua"), frozenset({"-v"})
    ),
    **dict.fromkeys(("sudo", "doas", "pkexec"), frozenset({"-V", "--version"})),
}


_PYTHON = re.compile(r"python[0-9.]*|pypy[0-9.]*")


def classify_simple(cmd: SimpleCommand, a: Analyzer) -> None:
    if cmd.redirects:
        _redirects(cmd, a)
    if cmd.assigns:
        _assigns(cmd, a)
    if not cmd.argv:
        if cmd.assigns:
            a.add(Tier.READ_ONLY, "sets shell variables")
        return
    classify_argv(cmd.argv, cmd, a)
    if cmd.argv[0].value == "tee":
        remember_tee(cmd, a)


# `cargo check --help`: subcommand words then --help print help and do nothing else. Not for
# programs whose arguments are commands or code (`sudo rm --help` still runs sudo).
_SUBCOMMAND = re.compile(r"[a-z][a-z0-9-]*")


def classify_commands(commands: list[SimpleCommand], a: Analyzer) -> None:
    """`classify_simple` for each command of a script, in order (the loop of
    `shell.analyze`, with `classify_simple` and `classify_argv` written out: every command
    passes here)."""
    for cmd in commands:
        a.part = cmd.text
        a.current = None
        if cmd.redirects:
            _redirects(cmd, a)
        if cmd.assigns:
            _assigns(cmd, a)
        argv = cmd.argv
        if not argv:
            if cmd.assigns:
                a.add(Tier.READ_ONLY, "sets shell variables")
            continue
        # a.invoke(argv), without the call, and Invocation([argv]) without its __init__
        a.current = inv = _new_object(Invocation)
        inv.forms, inv.leaf = [argv], True
        a.invocations.append(inv)
        _classify_argv(argv, cmd, a)
        if argv[0].value == "tee":
            remember_tee(cmd, a)


def classify_argv(argv: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    if not argv:
        return
    # a.invoke(argv), without the call, and Invocation([argv]) without its __init__
    a.current = inv = _new_object(Invocation)
    inv.forms, inv.leaf = [argv], True
    a.invocations.append(inv)
    _classify_argv(argv, cmd, a)


# Made without their __init__ where one is made for every command (see
# tests/policy/test_classifier_fast_paths.py, which holds them to the classes' fields).
_new_object = object.__new__


class _Plan:
    """What `_classify_argv` decides from a program's name alone, worked out once per
    name: the name programs are listed under, its handler or data entry and the decider
    text naming it, and which of the checks that depend on the name apply."""

    __slots__ = (
        "name",
        "handler",
        "spec",
        "decider",
        "prints",
        "filters",
        "known",
        "dash_v",
        "version_shortcut",
        "help_shortcut",
        "bare",
    )

    def __init__(self, name: str) -> None:
        self.prints = name in ("printenv", "echo", "printf") or name in _ENV_FILTERS
        self.filters = name in _LINE_FILTERS
        if name.startswith(("python", "pypy")) and _PYTHON.fullmatch(name):
            name = "python"
        self.name = name
        self.handler = _HANDLER_TABLE.get(name)
        self.spec = _PROGRAM_TABLE.get(name)
        self.known = self.handler is not None or self.spec is not None
        # A data entry that `run_program` would hand straight to `_run_bare` (most): its
        # compiled form, so that it is judged there without the steps on the way.
        spec = self.spec
        compiled = _compiled(spec) if spec is not None else None
        self.bare: _Compiled | None = compiled if compiled is not None and compiled.bare else None
        self.dash_v = _LONE_VERSION.get(name)
        # `changeset version` bumps versions, it does not print one
        self.version_shortcut = self.known and name not in ("sudo", "su", "doas", "changeset")
        self.help_shortcut = self.known and name not in _NO_HELP_SHORTCUT
        self.decider = (
            (name, f"handler {self.handler.__name__} in {_module_path(self.handler)}")
            if self.handler is not None
            else (name, "data entry in policy/program_rules.py")
        )


# Programs whose operands after a subcommand may be another program's words (`docker run
# IMAGE --help` runs the image): `--help` asks for help only after a chain of the entry's
# own subcommands (`docker volume create --help`).
_HELP_BY_SUBCOMMANDS = frozenset({"docker", "podman", "kubectl", "oc"})


def _help_on_subcommand(entry: Program, args: list[Word]) -> bool:
    if len(args) < 2 or args[-1].value != "--help":
        return False
    current: Program | None = entry
    for word in args[:-1]:
        sub = current.subcommands.get(word.value or "") if current is not None else None
        if sub is None:
            return False
        current = sub if isinstance(sub, Program) else None
    return True


def _module_path(handler: Handler) -> str:
    """Where a handler is written, as a path under the source tree
    (`policy/programs/files.py` for `wakeful.policy.programs.files`)."""
    return handler.__module__.removeprefix("wakeful.").replace(".", "/") + ".py"


# Program name -> its plan. Names are what commands are called by, a bounded set in
# practice; past the bound, plans are made per call and not kept.
_PLANS: dict[str, _Plan] = {}
_MAX_PLANS = 4096


def _plan(name: str) -> _Plan:
    plan = _Plan(name)
    if len(_PLANS) < _MAX_PLANS:
        _PLANS[name] = plan
    return plan


def _classify_argv(argv: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    name = argv[0].value
    if name is None:
        a.add(Tier.HIGH, "runs a command whose name is only known at run time")
        return
    args = argv[1:]
    if "/" in name:
        found = _classify_path_program(name, args, cmd, a)
        if found is None:
            return
        plan = found
    else:
        plan = _PLANS.get(name) or _plan(name)
        if plan.prints:
            secret = _secret_variable(name, args)
            if secret is not None:
                a.add(
                    Tier.CRITICAL,
                    f"prints the secret-looking variable {secret} (credential reading)",
                )
        if plan.filters and _filters_env_secrets(args, cmd):
            a.add(
                Tier.CRITICAL,
                "picks secret-looking variables out of the environment (credential reading)",
            )
    # The program's plan: the version and help shortcuts, then its handler or data entry;
    # a program known to neither is unknown.
    name = plan.name
    a.programs.append(name)
    if args and plan.known:
        if (
            plan.version_shortcut
            and args[0].value in _VERSION_ARGS
            and all(w.value in _VERSION_ARGS for w in args)
            or plan.dash_v is not None
            and len(args) == 1
            and args[0].value in plan.dash_v
        ):
            a.add(Tier.READ_ONLY, "asks for version or help")
            return
        if (
            plan.help_shortcut
            and args[-1].value == "--help"
            and len(args) <= 4
            and all(w.value is not None and _SUBCOMMAND.fullmatch(w.value) for w in args[:-1])
        ):
            a.add(Tier.READ_ONLY, "asks for help on a subcommand")
            return
        if name in _HELP_BY_SUBCOMMANDS and _help_on_subcommand(PROGRAMS[name], args):
            a.add(Tier.READ_ONLY, "asks for help on a subcommand")
            return
    handler = plan.handler
    before = len(a.findings)
    if handler is not None:
        a.deciders.append(plan.decider)
        handler(name, args, cmd, a)
    elif plan.spec is not None:
        a.deciders.append(plan.decider)
        if plan.bare is not None:  # run_program(name, spec, args, cmd, a), without its steps
            _run_bare(name, plan.spec, plan.bare, args, cmd, a)
        else:
            run_program(name, plan.spec, args, cmd, a)
    else:
        a.add(Tier.HIGH, f"runs `{name}`, an unknown program whose effects cannot be known")
        return
    # A command that reaches the network sends its words there: one that looks like a
    # credential gives it away (the remote reads look for them themselves).
    for tier, _ in a.findings[before:]:
        if tier == Tier.NETWORK:
            credential_sent(name, args, a)
            break


_PIP_NAME = re.compile(r"pip[0-9.]*")
# Directories a project's package managers install programs into (a virtualenv's bin,
# Composer's vendor/bin, npm's node_modules/.bin, Rails' binstubs).
_TOOL_BIN_DIRS = frozenset({"bin", ".bin", "Scripts"})


def _classify_path_program(
    name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer
) -> _Plan | None:
    """A program named by its path (`./x.sh`, `/usr/bin/git`, `.venv/bin/pip`): the plan
    of a system program to judge it by, or None once judged here."""
    base = os.path.basename(name)
    resolved = a.resolve(name, cmd.cwd)
    if resolved is not None and resolved.startswith(
        ("/usr/bin/", "/bin/", "/usr/local/bin/", "/usr/sbin/", "/sbin/", "/usr/libexec/")
    ):
        return _PLANS.get(base) or _plan(base)
    place = a.place(name, cmd.cwd)
    a.programs.append(base)
    if place.zone == "workspace" and ran_as_written(place.path, Word(name, name), cmd, a):
        return None
    if place.zone == "workspace" and brought_in(place.path, a):
        a.add(Tier.HIGH, f"runs {name}, which this line copied in from outside the workspace")
        return None
    if place.zone == "workspace":
        a.add(Tier.WORKSPACE, f"runs the project program {name}")
        a.runs_code(f"runs the project program {name}")
        if base in ("rails", "rake", "console", "artisan"):
            kind = base if base in ("console", "artisan") else "rails"
            framework_task(kind, name, args, cmd, a)
        # A tool installed in the project (`.venv/bin/pytest`, `vendor/bin/phpunit`,
        # `node_modules/.bin/X`, a binstub `bin/rspec`) takes the tool's options, which load
        # code and write files where they say; a virtualenv's python takes python's.
        installed = os.path.basename(os.path.dirname(name)) in _TOOL_BIN_DIRS
        if (
            _PIP_NAME.fullmatch(base)
            and args[:1]
            and args[0].value
            in (
                "install",
                "download",
                "wheel",
            )
        ):
            h_pip(base, args, cmd, a)  # the project's pip still fetches packages
        elif _PYTHON.fullmatch(base) and (
            installed or [w.value for w in args[:2]] == ["-m", "pip"]
        ):
            h_python("python", args, cmd, a)
        elif base in ("gradlew", "mvnw") or installed and base in PROGRAMS:
            run_program(base, PROGRAMS[base], args, cmd, a)  # build files, init scripts
        elif base in PROJECT_SCRIPTS:  # `./configure CC=/tmp/cc`
            a.deciders.append((f"./{base}", "data entry in policy/program_rules.py"))
            run_program(name, PROJECT_SCRIPTS[base], args, cmd, a)
        if base == "manage.py":
            _django_manage(args, cmd, a)
    elif place.zone == "secret":
        a.add(Tier.CRITICAL, f"runs {name} from a credentials location")
    else:
        a.add(Tier.HIGH, f"runs {name}, a program outside the workspace")
    return None


def explain(command: str, deciders: tuple[tuple[str, str], ...]) -> list[str]:
    """For `wakeful classify --explain`: which entry decided each command, and the example
    of that entry closest to the command (its rule's evidence)."""
    words = set(command.split())
    lines: list[str] = []
    for name, source in dict.fromkeys(deciders):
        lines.append(f"{name}: {source}")
        examples = examples_of(name)
        if not examples:
            continue
        example, tier = max(examples, key=lambda e: len(words & set(e[0].split())))
        lines.append(f"  closest example: {example}  ->  {tier}")
    return lines


def _handlers() -> dict[str, Handler]:
    table: dict[str, Handler] = {}
    for n in _SHELLS:
        table[n] = h_shell
    for n in ("source", "."):
        table[n] = h_source
    table["trap"] = h_trap
    for n in _NAME_TAKERS:
        table[n] = h_names
    for n in WRAPPERS:
        table[n] = h_wrapper
    for n in ("unshare", "bwrap", "systemd-run"):
        table[n] = h_isolate
    table["xargs"] = h_xargs
    table["parallel"] = h_xargs
    for n in ("vim", "vi", "ex"):
        table[n] = h_ex_batch
    table["ed"] = h_ed
    table["gdb"] = h_gdb
    table["rm"] = h_rm
    for n in ("cp", "mv", "install"):
        table[n] = h_copy_move
    table["rsync"] = h_rsync
    table["ln"] = h_ln
    for n in ("chmod", "chown", "chgrp", "setfacl"):
        table[n] = h_chmod
    table["find"] = h_find
    table["bfs"] = h_find  # find's expressions, breadth first (`-rm` is `-delete`)
    table["fd"] = h_fd
    table["fdfind"] = h_fd
    table["sed"] = h_sed
    table["gsed"] = h_sed
    for n in ("awk", "gawk", "mawk", "nawk"):
        table[n] = h_awk
    table["tar"] = h_tar
    table["bsdtar"] = h_tar
    table["ssh"] = h_ssh
    table["mosh"] = h_ssh
    table["scp"] = h_scp
    table["git"] = h_git
    table["python"] = h_python
    for n in (
        "node",
        "nodejs",
        "perl",
        "ruby",
        "php",
        "lua",
        "Rscript",
        "osascript",
        "deno",
        "bun",
        "pwsh",
        "powershell",
        "tclsh",
        "julia",
        "java",
        "groovy",
        "scala",
        "jshell",
        "irb",
    ):
        table[n] = h_interp
    for n in ("pip", "pip3", "pipx"):
        table[n] = h_pip
    table["uv"] = h_uv
    table["uvx"] = h_uv
    for n in ("npm", "yarn", "pnpm"):
        table[n] = h_npm
    for n in ("npx", "pnpx", "bunx"):
        table[n] = h_npx
    for n in CLOUD_CLIS:
        table[n] = h_cloud
    for n in (
        "psql",
        "mysql",
        "mariadb",
        "sqlite3",
        "duckdb",
        "clickhouse-client",
        "cockroach",
        "mongo",
        "mongosh",
        "redis-cli",
        "sqlcmd",
    ):
        table[n] = h_sql
    table["chattr"] = h_chattr
    table["openssl"] = h_openssl
    table["lynx"] = h_lynx
    table["protoc"] = h_protoc
    return table


_HANDLER_TABLE = _handlers()
HANDLERS: MappingProxyType[str, Handler] = MappingProxyType(_HANDLER_TABLE)
# PROGRAMS as a plain dict: `_classify_argv` looks every command's name up in it, and a
# read-only view's get costs more.
_PROGRAM_TABLE: dict[str, Program] = dict(PROGRAMS)
