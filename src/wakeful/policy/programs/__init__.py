"""The code half of per-program knowledge: `run_program` interprets the data entries of
`program_rules` (the reviewable half), and handlers judge what data cannot express
(interpreters' inline code, find/xargs, git's per-option effects, project environments).
Programs known to neither are unknown, and unknown is never read-only.

Handlers receive the program's arguments (after wrapper stripping) and report findings to
the Analyzer; they never look at the raw command text except to re-parse code that another
program will run (sh -c, eval, find -exec, awk system(), git -c core.pager=...).

Of the 841 programs known, 692 are data (653 program entries, 37 wrappers, and the git and
npm families, whose subcommand tiers and, for git, subcommands judged by their own words
are data too) and 149 keep a handler. Programs that keep a handler here, and why data cannot
express them (every one still carries examples, in program_examples.py):

- Code in another language or the shell: sh/bash/zsh... -c, eval, source, trap, python,
  node/perl/ruby/php... -e (inline code is parsed and judged), awk/sed scripts (system(),
  `e`, `w FILE` inside the script), dc (`!`), the builtins that take variable names
  (an array subscript in a name is evaluated: `printf -v 'a[$(cmd)]'`).
- Commands inside commands: find (-exec, -delete and action order), fd -x, xargs/parallel,
  unshare/bwrap/systemd-run (the command, never below high),
  sudo/doas/su..., watch (its operands joined into shell code), ssh/mosh (the remote
  command), git (-c keys, aliases, -C and --git-dir; checkout/restore, branch, rm, config,
  worktree, submodule, clone, init, bundle, apply, grep -O and diff, whose paths, commands
  and option combinations decide: one small function each in `_GIT_CODE`; push, gc,
  commit, pull, archive, reset, clean, stash, rebase and the rest are data).
- Paths whose meaning depends on each other or on where they lead: cp/mv/install/ln
  (source and target, links into persistence or .git), rm/shred (recursion, what is tracked
  or recoverable), rsync, tar/unzip/7z (mode letters, -C/-d/-o targets), dd (if=/of=
  devices), chmod/chown/chattr (mode letters, and where), curl/wget (uploads of local files,
  outputs, piping into a shell), scp/nc/socat, openssl (a certificate read, a new key
  written), protoc (`--NAME_out` for any plugin name), make (-C and makefiles outside the
  workspace, VAR=PROGRAM assignments, dry runs).
- Answers that depend on the project, several words at once or the text of an argument:
  pip/uv/npm/yarn/pnpm/npx (the project environment, scripts, -g), cloud CLIs
  (listed in cloud_clis.py: the action is the last word, credential-printing forms), SQL
  clients (the query text is read), kill (which processes: 1, -1, job specs, computed
  ones), rg (--pre, --hostname-bin and its own searches).

Package managers (apt, brew, conda...), helm, gh, ip/route, tmux/screen, systemctl, k9s and
kubectx, terraform/tofu/terragrunt/pulumi, docker/podman/nerdctl and compose, the project
managers (poetry, pipenv, pdm, hatch, composer, bundle, mix, dotnet, swift, dart, flutter),
mvn/gradle/sbt/rake, cargo, go and kubectl/oc are data: a subcommand there can be an entry
of its own (`Program.subcommands`), options can name a project that must be in the
workspace (`outside_opts`), and what data cannot express is a named check (`Program.checks`,
the `CHECKS` below: maven's exec:exec runs the program its properties name; the kinds a
kubectl `get` names decide with -o, wherever it is written, whether secrets are printed).
So are at/batch, ssh-keygen and sysctl (`Program.mode_flags`: `at -l` lists where `at TIME`
schedules, `ssh-keygen -l` shows a fingerprint where `-y` derives a key; sysctl's keys are
paths under /proc/sys, a check), and grep/egrep/fgrep/ag/ack/locate and less/more, whose
entries name checks for credential searches and for pagers' `+!cmd`; and ansible and
ansible-playbook (a playbook or host group's name is no verb: `ansible-playbook show.yml`
runs show.yml).
"""

from __future__ import annotations

import ast
import base64
import binascii
import dataclasses
import fnmatch
import os.path
import re
import shlex
import stat
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import replace
from types import MappingProxyType

from wakeful.policy import path_risk
from wakeful.policy.cloud_clis import (
    CLOUD_CLIS,
    DEPLOY_BY_DEFAULT,
    VERB_LAST_CLIS,
)
from wakeful.policy.program_rules import (
    CMAKE_E_COMMANDS,
    FAMILIES,
    GIT_EXEC_KEYS,
    NPM_HIGH,
    NPM_NETWORK,
    NPM_READ,
    NPM_WORKSPACE,
    PROGRAMS,
    RUNS_PROJECT_CODE,
    WORKSPACE_TOOLS,
    WRAPPERS,
    YARN_PNPM_HIGH,
    Program,
    Subcommand,
    examples_of,
)
from wakeful.policy.shell import Analyzer, Invocation
from wakeful.policy.shell_parse import SimpleCommand, Word, parse_script
from wakeful.policy.types import Tier

Handler = Callable[[str, list[Word], SimpleCommand, Analyzer], None]

_OUT_OPS = frozenset({">", ">>", "&>", "&>>", ">|", "<>", ">&"})
_VERSION_ARGS = frozenset({"--version", "-V", "--help", "version", "help", "-version"})
# `-v` alone prints the version and exits for these (for others it means verbose).
_DASH_V_VERSION = frozenset({"node", "ruby", "perl", "php", "bun", "npm", "yarn", "pnpm", "lua"})
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "fish", "ash", "mksh", "tcsh", "csh"})
_FETCHERS = frozenset(
    {
        "curl",
        "wget",
        "fetch",
        "aria2c",
        "http",
        "https",
        "xh",
        "nc",
        "ncat",
        "netcat",
        "socat",
        "ssh",
        "scp",
        "telnet",
        "lwp-request",
        "GET",
    }
)
_DECODERS = frozenset(
    {
        "base64",
        "base32",
        "xxd",
        "openssl",
        "gunzip",
        "zcat",
        "rev",
        "tr",
        "uudecode",
        "gzip",
        "xz",
        "bzip2",
    }
)
_SECRET_ENV_READERS = frozenset({"env", "printenv", "set", "export", "declare"})
_DANGEROUS_ENV = frozenset(
    {
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "LD_AUDIT",
        "BASH_ENV",
        "ENV",
        "PROMPT_COMMAND",
        "GIT_SSH_COMMAND",
        "GIT_SSH",
        "GIT_EXTERNAL_DIFF",
        "GIT_PAGER",
        "PAGER",
        "GIT_EDITOR",
        "EDITOR",
        "VISUAL",
        "GIT_ASKPASS",
        "SSH_ASKPASS",
        "NODE_OPTIONS",
        "PERL5OPT",
        "RUBYOPT",
        "PYTHONSTARTUP",
        "GIT_CONFIG_PARAMETERS",
        "GIT_EXEC_PATH",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_COMMON_DIR",
        "GIT_TEMPLATE_DIR",
        "DYLD_INSERT_LIBRARIES",
        "LESSOPEN",
        "MANPAGER",
        "SHELLOPTS",
        "PS4",
        "BROWSER",
        # the interpreter's own library and configuration from elsewhere
        "PYTHONHOME",
        "GCONV_PATH",
        "LUA_INIT",
        "PHPRC",
        "PHP_INI_SCAN_DIR",
        # another program's options or configuration file, where options run programs
        # (`--pre`, `--checkpoint-action=exec`, `-TT`, `--preview`, `-P PAGER`)
        "RIPGREP_CONFIG_PATH",
        "TAR_OPTIONS",
        "ZIPOPT",
        "UNZIP",
        "MANOPT",
        "FZF_DEFAULT_OPTS",
        "PARALLEL",
    }
)
# LESS holds less's options: `+CMD` runs CMD at start (`+!sh` a shell command), `-k` and
# `-o` name key and log files; display flags (`-R`, `-FRX`, `-i`) change nothing.
_LESS_OPTIONS_SAFE = re.compile(r"(-[-+]?[a-jl-nqr-zA-NQ-Z#0-9~]+\s*)*")
# PYTHONWARNINGS: a category named with a module (`all:0:antigravity.x:0:0`) is imported.
_WARNINGS_IMPORT = re.compile(r"^[^:]*:[^:]*:[^:]*\.")


# Variables whose value is a command that some program runs (pagers, editors, ssh and diff
# commands, askpass helpers, browsers, input preprocessors).
_COMMAND_VALUED = re.compile(
    r"(PAGER|EDITOR|VISUAL|ASKPASS|_COMMAND|_CMD|BROWSER|^GIT_SSH|^GIT_EXTERNAL_DIFF|^LESSOPEN|"
    r"^LESSCLOSE)$"
)


_SYSTEM_BIN_DIRS = frozenset(
    {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}
)
_PATH_APPEND = re.compile(r"^[\"']?\$\{?PATH\}?:")
# Variables listing directories that interpreters load modules from: an entry outside the
# workspace makes the project's own commands run code from there.
_CODE_SEARCH_PATHS = frozenset(
    {
        *("PYTHONPATH", "PERL5LIB", "PERLLIB", "RUBYLIB", "NODE_PATH", "CLASSPATH", "GEM_PATH"),
        *("LUA_PATH", "LUA_CPATH", "TCLLIBPATH", "GUILE_LOAD_PATH", "ERL_LIBS"),
        *("JULIA_LOAD_PATH", "OCAMLPATH", "PYTHONPLATLIBDIR"),
    }
)
# NODE_OPTIONS flags that only tune the runtime (anything else may load code or open ports).
_NODE_TUNING = re.compile(
    r"--(max-old-space-size|max-semi-space-size|stack-size|stack-trace-limit|max-http-header-size)"
    r"=\d+|--(enable-source-maps|no-warnings|no-deprecation|trace-warnings|trace-deprecation|"
    r"throw-deprecation|experimental-vm-modules|openssl-legacy-provider|use-openssl-ca|"
    r"preserve-symlinks|no-experimental-fetch|unhandled-rejections=(strict|warn|throw|none))"
)


def code_env(name: str, value: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    """A variable that decides which code programs load: judged by where it points."""
    text = value.value
    if text is None and name != "NODE_OPTIONS":
        # `$(pwd)/src`, `$PYTHONPATH:src`: the working directory and the variable's own value
        # are known places; anything else computed is not.
        here = cmd.cwd or a.workspace
        text = ":".join(
            re.sub(r"^(\$\(pwd\)|`pwd`|\$\{?PWD\}?)", lambda _: here, entry)
            for entry in value.text.strip("\"'").split(":")
            if entry not in (f"${name}", f"${{{name}}}")
        )
        if "$" in text or "`" in text:
            text = None
    if text is None:
        a.add(Tier.HIGH, f"sets {name} to a value only known at run time (code is loaded from it)")
        return
    if name == "NODE_OPTIONS":
        if all(_NODE_TUNING.fullmatch(w) for w in text.split()):
            a.add(Tier.READ_ONLY, "sets NODE_OPTIONS to runtime limits")
        else:
            a.add(Tier.HIGH, "sets NODE_OPTIONS, which makes node load other code")
        return
    for entry in filter(None, text.split(":")):
        place = a.place(Word(entry, entry), cmd.cwd)
        if place.zone != "workspace":
            a.add(Tier.HIGH, f"sets {name}, so programs load code from {place.label}")
            return
    a.add(Tier.READ_ONLY, f"sets {name} to directories in the workspace")


_PYTHON = re.compile(r"python[0-9.]*|pypy[0-9.]*")


# ---------------------------------------------------------------------------------------
# option splitting


# A tuple of option names -> the same names as a set (a pure function of the names).
_TAKES: dict[tuple[str, ...], frozenset[str]] = {}


def split_opts(
    args: list[Word], with_value: Iterable[str] = (), stop_at_positional: bool = False
) -> tuple[list[tuple[str, Word | None]], list[Word]]:
    """Split arguments into (options, positionals). `with_value` names options that take
    the next argument; combined short flags (`-rf`) are expanded."""
    if type(with_value) is frozenset:
        takes = with_value
    elif type(with_value) is tuple:
        # Handlers name their options in tuple constants: each one's set is made once.
        found = _TAKES.get(with_value)
        if found is None:
            found = frozenset(with_value)
            if len(_TAKES) < 1024:
                _TAKES[with_value] = found
        takes = found
    else:
        takes = frozenset(with_value)
    opts: list[tuple[str, Word | None]] = []
    pos: list[Word] = []
    words = iter(args)  # an option that takes a value takes the next word from here
    for word in words:
        value = word.value
        if (
            value is None
            or not value.startswith("-")
            or value == "-"
            or (stop_at_positional and pos)
        ):
            pos.append(word)
            continue
        if value == "--":
            pos.extend(words)
            break
        if value.startswith("--"):
            name, eq, attached = value.partition("=")
            if eq:
                opts.append((name, Word(attached, attached)))
            elif name in takes:
                opts.append((name, next(words, None)))
            else:
                opts.append((name, None))
            continue
        if value in takes:
            opts.append((value, next(words, None)))
            continue
        letters = value[1:]
        for j, letter in enumerate(letters):
            flag = "-" + letter
            if flag in takes:
                rest = letters[j + 1 :]
                if rest:
                    opts.append((flag, Word(rest, rest)))
                else:
                    opts.append((flag, next(words, None)))
                break
            opts.append((flag, None))
    return opts, pos


def _has(opts: list[tuple[str, Word | None]], *names: str) -> bool:
    for name, _ in opts:  # noqa: SIM110 - a loop costs less than any() over a generator
        if name in names:
            return True
    return False


def _vals(opts: list[tuple[str, Word | None]], *names: str) -> list[Word]:
    if not opts:  # most commands: no list to build
        return []
    return [v for name, v in opts if name in names and v is not None]


def _vals_in(opts: list[tuple[str, Word | None]], names: Collection[str]) -> list[Word]:
    """`_vals(opts, *names)` for names held in a set (an entry's fields)."""
    return [v for name, v in opts if name in names and v is not None]


def _v(word: Word | None) -> str:
    return (word.value or "") if word is not None else ""


# ---------------------------------------------------------------------------------------
# entry points


_ENDLESS_DEVICES = frozenset({"/dev/zero", "/dev/urandom", "/dev/random", "/dev/full"})


def _endless_output(cmd: SimpleCommand) -> bool:
    """The command prints without end (`yes`, `cat /dev/zero`), so a file it writes grows
    until the disk is full."""
    name = cmd.name
    if name == "yes":
        return True
    if name not in ("cat", "tac", "tee", "od", "xxd", "base64", "hexdump"):
        return False
    return any(w.value in _ENDLESS_DEVICES for w in cmd.argv[1:]) or any(
        r.op == "<" and r.target is not None and r.target.value in _ENDLESS_DEVICES
        for r in cmd.redirects
    )


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


def _redirects(cmd: SimpleCommand, a: Analyzer) -> None:
    if any(
        r.op in _OUT_OPS
        and r.target is not None
        and r.target.value not in (None, "/dev/null", "-")
        and not (r.target.value or "").isdigit()
        for r in cmd.redirects
    ) and _endless_output(cmd):
        a.add(Tier.HIGH, "writes endless output into a file (fills the disk)")
    for redirect in cmd.redirects:
        target = redirect.target
        if redirect.op in _OUT_OPS:
            if target is not None and (target.value or "").isdigit() or _v(target) == "-":
                continue
            device = (target.value or "") if target is not None else ""
            if device.startswith(("/dev/tcp/", "/dev/udp/")):
                a.add(
                    Tier.CRITICAL,
                    f"connects to {device} through a redirect (exfiltration or a reverse shell)",
                )
                continue
            a.write(target, cmd.cwd)
        elif redirect.op == "<" and target is not None:
            if (target.value or "").startswith(("/dev/tcp/", "/dev/udp/")):
                a.add(Tier.CRITICAL, f"reads from the network socket {target.value}")
                continue
            a.read(target, cmd.cwd)


# Variables naming a program that build tools run: compilers, linkers, wrappers, runners.
_TOOL_PROGRAM = re.compile(
    r"^(CC|CXX|CPP|LD|AR|AS|NM|RANLIB|STRIP|OBJCOPY|FC|F77|MAKE|SHELL|RUSTC|RUSTDOC|CARGO|"
    r"GO|HOSTCC|HOSTCXX|CMAKE_[A-Z_]*COMPILER[A-Z_]*)$|_WRAPPER$|_RUNNER$|_LINKER$|"
    r"_EXECUTABLE$"
)
_SYSTEM_PROGRAMS = ("/usr/", "/bin/", "/sbin/", "/opt/")
# Directories and files a build tool takes its configuration (and so programs) from.
_TOOL_HOMES = frozenset(
    {"CARGO_HOME", "RUSTUP_HOME", "GRADLE_USER_HOME", "GOENV", "GOROOT", "MAVEN_HOME", "M2_HOME"}
    | {"NPM_CONFIG_USERCONFIG", "NPM_CONFIG_GLOBALCONFIG", "PIP_CONFIG_FILE", "GIT_CONFIG_GLOBAL"}
    | {"BUNDLE_GEMFILE", "CARGO_BUILD_TARGET_DIR", "CMAKE_TOOLCHAIN_FILE"}
    # Where programs find their per-user configuration, and what that configuration can
    # run: git's core.fsmonitor and aliases, kubeconfig exec plugins, docker credential
    # helpers, npmrc's script-shell, .pth files of a user site, R profiles, installed gems.
    | {"HOME", "XDG_CONFIG_HOME", "DOCKER_CONFIG", "KUBECONFIG", "GEM_HOME", "PYTHONUSERBASE"}
    | {"R_PROFILE", "R_PROFILE_USER", "R_ENVIRON", "R_ENVIRON_USER", "R_LIBS", "R_LIBS_USER"}
    | {"IPYTHONDIR", "JUPYTER_CONFIG_DIR"}
)
# Variables holding options for every JVM a tool starts, and the options that load code.
_JVM_OPTION_VARS = frozenset(
    {"JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_OPTS", "MAVEN_OPTS"}
    | {"GRADLE_OPTS", "ANT_OPTS", "SBT_OPTS", "KOTLIN_OPTS", "CATALINA_OPTS"}
)
_JVM_LOADS_CODE = re.compile(
    r"-(javaagent|agentpath|agentlib|Xbootclasspath|XX:OnError|XX:OnOutOfMemoryError|cp\b|"
    r"classpath|-class-path|Djava\.system\.class\.loader|Djava\.ext\.dirs)|(^|\s)@"
)
# make's own options carried in a variable; anything else (SHELL=, -f, -I, -C, --eval)
# makes make read or run something else.
_MAKEFLAGS_VARS = frozenset({"MAKEFLAGS", "GNUMAKEFLAGS", "MFLAGS"})
_MAKEFLAGS_SAFE = re.compile(
    r"-?[jklswnrRiSBeq]*\d*|--(jobs|load-average|max-load)(=[\d.]+)?|--(silent|quiet|"
    r"keep-going|no-print-directory|print-directory|no-builtin-rules|no-builtin-variables|"
    r"warn-undefined-variables|ignore-errors|no-keep-going|dry-run|just-print)|"
    r"--output-sync(=\w+)?|-O\w*|--jobserver-(auth|fds)=[\w:,/.-]+|(V|VERBOSE|Q)=\w*"
)


# Variables naming a file or directory that programs write (traces, key logs, profiles).
_OUTPUT_FILE_VARS = frozenset(
    {
        *("GIT_TRACE", "GIT_TRACE2", "GIT_TRACE2_EVENT", "GIT_TRACE2_PERF", "GIT_TRACE_PACKET"),
        *("GIT_TRACE_PACK_ACCESS", "GIT_TRACE_PACKFILE", "GIT_TRACE_PERFORMANCE"),
        *("GIT_TRACE_SETUP", "GIT_TRACE_CURL", "GIT_TRACE_SHALLOW", "GIT_TRACE_FSMONITOR"),
        *("GIT_TRACE_REFS", "SSLKEYLOGFILE", "MALLOC_TRACE", "LLVM_PROFILE_FILE", "HISTFILE"),
        *("NODE_V8_COVERAGE", "PYTHONPYCACHEPREFIX", "GCOV_PREFIX"),
    }
)
# Compiler and linker flags in variables that make builds load plugins or run programs.
_COMPILER_FLAG_VARS = frozenset(
    {"CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "CGO_CFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS"}
)
_COMPILER_LOADS = re.compile(
    r"(^|\s)(-fplugin|-fpass-plugin|-B|-wrapper|-specs|@|--ld-path|-fuse-ld=[/.~])|"
    r"-Xclang\s+-load|-Wl,[^\s]*-plugin"
)


def _tool_program(name: str, value: Word, cmd: SimpleCommand, a: Analyzer) -> bool:
    """`CC=/tmp/cc make`, `RUSTC_WRAPPER=/tmp/w cargo build`: a program named by path runs
    when the build does. An installed program (a bare name, or under /usr, /bin, /opt) or
    one in the workspace is the build's own; anything else is judged as running a program
    from there. Returns whether the variable was one of these."""
    if name == "GOTOOLCHAIN":
        if value.value is None or value.value not in ("local", "path", "auto"):
            a.add(
                Tier.NETWORK, f"sets GOTOOLCHAIN={value.text}: go downloads and runs that toolchain"
            )
        return True
    if name in _JVM_OPTION_VARS:
        if value.value is None or _JVM_LOADS_CODE.search(value.value):
            a.add(Tier.HIGH, f"sets {name}, so every JVM the command starts loads that code")
        return True
    if name in _MAKEFLAGS_VARS:
        words = (value.value or "").split()
        if value.value is None or not all(_MAKEFLAGS_SAFE.fullmatch(w) for w in words):
            a.add(Tier.HIGH, f"sets {name}={value.text}: make options that run or read more")
        return True
    if name.startswith("npm_config_") or name.startswith("NPM_CONFIG_"):
        name = name.upper()  # npm reads its variables in either case
    if name in _TOOL_HOMES:
        # `CARGO_HOME=/tmp/x cargo build`: the tool reads its configuration there, and
        # configuration names programs (runners, linkers, init scripts) that then run
        if value.value is None:
            a.add(Tier.HIGH, f"sets {name} to a directory only known at run time")
        else:
            zone = a.place(Word(value.value, value.text), cmd.cwd).zone
            # A tool's own credentials (~/.kube, ~/.docker) are where it reads them anyway.
            own = zone == "secret" and name in ("KUBECONFIG", "DOCKER_CONFIG")
            if zone not in ("workspace", "home") and not own:
                a.add(Tier.HIGH, f"sets {name}, so the tool runs configuration from {value.value}")
        return True
    if name in _OUTPUT_FILE_VARS:
        # `GIT_TRACE=/home/dev/.bashrc git status` appends the trace to that file; a
        # number or a boolean sends it to a descriptor
        text = value.value
        if text is None:
            a.add(Tier.HIGH, f"sets {name} to a file only known at run time (written)")
        elif not re.fullmatch(r"(?i)\d*|true|false|yes|no|on|off", text):
            a.write(Word(text, value.text), cmd.cwd)
        return True
    if name == "PYTEST_ADDOPTS":  # options added to every pytest run
        if value.value is None:
            a.add(Tier.HIGH, f"sets {name} to pytest options only known at run time")
        else:
            a.run_script("pytest " + value.value, cmd.cwd, f"${name}")
        return True
    if name in _COMPILER_FLAG_VARS:
        if _COMPILER_LOADS.search(value.value or value.text):
            a.add(Tier.HIGH, f"sets {name}={_short(value.text)}: the compiler loads or runs that")
        return True
    if name in ("RUSTFLAGS", "RUSTDOCFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS"):
        for program in re.findall(r"linker=(\S+)", value.value or value.text):
            _tool_path(name, program.strip("'\""), cmd, a)
        return True
    if name == "GOFLAGS":
        programs = re.findall(r"-(?:toolexec|exec|vettool)[= ]+(\S+)", value.value or value.text)
        for program in programs:
            _tool_path(name, program.strip("'\""), cmd, a)
        return True
    if not _TOOL_PROGRAM.search(name):
        return False
    if value.value is None:
        a.add(Tier.HIGH, f"sets {name} to a program only known at run time")
        return True
    words = value.value.split()
    if words:
        _tool_path(name, words[0], cmd, a)
    return True


def _tool_path(name: str, program: str, cmd: SimpleCommand, a: Analyzer) -> None:
    if "/" not in program or program.startswith(_SYSTEM_PROGRAMS):
        return
    place = a.place(Word(program, program), cmd.cwd)
    if place.zone != "workspace":
        a.add(Tier.HIGH, f"sets {name}, so the build runs {place.label}")


def _assigns(cmd: SimpleCommand, a: Analyzer) -> None:
    for name, value in cmd.assigns:
        _assign(name, value, cmd, a)


def _assign(name: str, value: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    """One variable set for a command (`VAR=x cmd`, `env VAR=x cmd`, `export VAR=x`)."""
    if _COMMAND_VALUED.search(name):
        # PAGER=cat, GIT_EDITOR=true, SYSTEMD_PAGER=..., LESSOPEN='|cmd %s': the program
        # will run this command, so it is judged as one.
        if value.value is None:
            a.add(Tier.HIGH, f"sets {name} to a command only known at run time")
        else:
            a.add(Tier.READ_ONLY, f"sets {name}, a command that programs run")
            a.run_script(value.value.lstrip("|"), cmd.cwd, f"${name}")
    elif name in _CODE_SEARCH_PATHS or name == "NODE_OPTIONS":
        code_env(name, value, cmd, a)
    elif name.lower() == "npm_config_node_options":
        code_env("NODE_OPTIONS", value, cmd, a)
    elif name.lower() in _NPM_PROGRAM_VARS:
        if value.value is None:
            a.add(Tier.HIGH, f"sets {name} to a program only known at run time")
        else:
            a.run_script(value.value + " x", cmd.cwd, f"${name}")
    elif name.lower() == "npm_config_script_shell":
        a.add(Tier.HIGH, f"sets {name}, the shell npm runs package scripts with")
    elif name == "LESS" and not _LESS_OPTIONS_SAFE.fullmatch(value.value or "$"):
        a.add(Tier.HIGH, f"sets LESS={_short(value.text)}: less options that run or write more")
    elif name == "PYTHONWARNINGS" and (
        value.value is None or any(_WARNINGS_IMPORT.match(part) for part in value.value.split(","))
    ):
        a.add(Tier.HIGH, f"sets PYTHONWARNINGS={_short(value.text)}: python imports that module")
    elif name in _DANGEROUS_ENV or name.startswith("GIT_CONFIG"):
        a.add(Tier.HIGH, f"sets {name}, which makes programs run other code")
    elif name == "PATH":
        if _PATH_APPEND.match(value.text):
            a.add(Tier.READ_ONLY, "appends to PATH (existing programs keep precedence)")
        elif value.value is not None and all(
            entry.rstrip("/") in _SYSTEM_BIN_DIRS for entry in value.value.split(":")
        ):
            a.add(Tier.READ_ONLY, "sets PATH to the system's program directories")
        else:
            a.add(Tier.HIGH, "changes PATH, so program names may resolve to other binaries")
    else:
        _tool_program(name, value, cmd, a)


_VAR_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_SECRET_PARTS = frozenset(
    {
        "KEY",
        "APIKEY",
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "PASS",
        "CREDENTIAL",
        "CREDENTIALS",
        "PRIVATE",
        "AUTH",
        "PAT",
    }
)


def _is_secret_name(var: str) -> bool:
    return var != "PWD" and any(part in _SECRET_PARTS for part in var.upper().split("_"))


def _secret_variable(name: str, args: list[Word]) -> str | None:
    """A secret-looking environment variable that this command would print, if any."""
    for w in args:
        if name == "printenv":
            if w.value and not w.value.startswith("-") and _is_secret_name(w.value):
                return w.value
            continue
        found: list[str] = _VAR_REF.findall(w.text)
        for var in found:
            if _is_secret_name(var):
                return var
    return None


_LINE_FILTERS = frozenset({"grep", "egrep", "fgrep", "rg", "ag", "awk", "gawk", "sed", "cut"})
_SECRET_PATTERN = re.compile(
    r"(?i)(key|secret|token|pass|cred|auth|aws|private|session|cookie|bearer)"
)


def _filters_env_secrets(args: list[Word], cmd: SimpleCommand) -> bool:
    """`env | grep -i token`: the environment, filtered for its secrets."""
    if not any(
        u.name in _SECRET_ENV_READERS and all((w.value or "").startswith("-") for w in u.argv[1:])
        for u in cmd.upstream
    ):
        return False
    return any(_SECRET_PATTERN.search(w.text) for w in args)


# `cargo check --help`: subcommand words then --help print help and do nothing else. Not for
# programs whose arguments are commands or code (`sudo rm --help` still runs sudo).
_SUBCOMMAND = re.compile(r"[a-z][a-z0-9-]*")
_NO_HELP_SHORTCUT = _SHELLS | frozenset(
    {
        "sudo",
        "doas",
        "su",
        "pkexec",
        "run0",
        "chroot",
        "runuser",
        "setpriv",
        "nsenter",
        "unshare",
        "bwrap",
        "systemd-run",
        "xargs",
        "parallel",
        "watch",
        "eval",
        "source",
        ".",
        "trap",
        "find",
        "env",
        "timeout",
        "nohup",
        "nice",
        "exec",
        "command",
        "builtin",
        "time",
        "flock",
        "npx",
        "pnpx",
        "bunx",
        "uvx",
        "ssh",
        "mosh",
        "echo",
        "printf",
        # these pass arguments after a script name on to the script
        "yarn",
        "pnpm",
        "bun",
        "deno",
        "poetry",
        "pipenv",
        "pdm",
        "hatch",
        "uv",
        "bundle",
        "mix",
        "just",
        "task",
        "go-task",
        "rake",
        "kubectl",
        "oc",
        "docker",
        "podman",
    }
)


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
    )

    def __init__(self, name: str) -> None:
        self.prints = name in ("printenv", "echo", "printf")
        self.filters = name in _LINE_FILTERS
        if name.startswith(("python", "pypy")) and _PYTHON.fullmatch(name):
            name = "python"
        self.name = name
        self.handler = _HANDLER_TABLE.get(name)
        self.spec = _PROGRAM_TABLE.get(name)
        self.known = self.handler is not None or self.spec is not None
        self.dash_v = name in _DASH_V_VERSION
        # `changeset version` bumps versions, it does not print one
        self.version_shortcut = self.known and name not in ("sudo", "su", "doas", "changeset")
        self.help_shortcut = self.known and name not in _NO_HELP_SHORTCUT
        self.decider = (
            (name, f"handler {self.handler.__name__} in policy/programs.py")
            if self.handler is not None
            else (name, "data entry in policy/program_rules.py")
        )


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
        if plan.version_shortcut and (
            args[0].value in _VERSION_ARGS
            and all(w.value in _VERSION_ARGS for w in args)
            or plan.dash_v
            and len(args) == 1
            and args[0].value == "-v"
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
    handler = plan.handler
    if handler is not None:
        a.deciders.append(plan.decider)
        handler(name, args, cmd, a)
        return
    spec = plan.spec
    if spec is not None:
        a.deciders.append(plan.decider)
        run_program(name, spec, args, cmd, a)
        return
    a.add(Tier.HIGH, f"runs `{name}`, an unknown program whose effects cannot be known")


def _classify_path_program(
    name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer
) -> _Plan | None:
    """A program named by its path (`./x.sh`, `/usr/bin/git`, `.venv/bin/pip`): the plan
    of a system program to judge it by, or None once judged here."""
    base = os.path.basename(name)
    resolved = a.resolve(name, cmd.cwd)
    if resolved is not None and resolved.startswith(
        ("/usr/bin/", "/bin/", "/usr/local/bin/", "/usr/sbin/", "/sbin/")
    ):
        return _PLANS.get(base) or _plan(base)
    place = a.place(name, cmd.cwd)
    a.programs.append(base)
    if place.zone == "workspace":
        a.add(Tier.WORKSPACE, f"runs the project program {name}")
        a.runs_code(f"runs the project program {name}")
        if base in ("rails", "rake", "console", "artisan"):
            kind = base if base in ("console", "artisan") else "rails"
            framework_task(kind, name, args, cmd, a)
        if (
            re.fullmatch(r"pip[0-9.]*", base)
            and args[:1]
            and args[0].value
            in (
                "install",
                "download",
                "wheel",
            )
        ):
            h_pip(base, args, cmd, a)  # the project's pip still fetches packages
        elif _PYTHON.fullmatch(base) and [w.value for w in args[:2]] == ["-m", "pip"]:
            h_python("python", args, cmd, a)
        elif base in ("gradlew", "mvnw"):
            run_program(base, PROGRAMS[base], args, cmd, a)  # build files, init scripts
        if base == "manage.py":
            _django_manage(args, cmd, a)
    elif place.zone == "secret":
        a.add(Tier.CRITICAL, f"runs {name} from a credentials location")
    else:
        a.add(Tier.HIGH, f"runs {name}, a program outside the workspace")
    return None


# ---------------------------------------------------------------------------------------
# simple programs: a tier and how positional arguments are used


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


class _Compiled:
    """What `run_program` needs of one entry, worked out once when the entry is first used:
    which parts of the entry can apply at all (most entries use few of its fields), and its
    positionals' kinds as a tuple."""

    __slots__ = (
        "rule",
        "kinds",
        "last",
        "flags_needed",
        "takes",
        "bare",
        "nested",
        "globals",
        "patterns",
    )

    def __init__(self, rule: Program) -> None:
        self.rule = rule
        positionals = rule.positionals
        self.kinds: tuple[str, ...] = (
            (positionals,) if isinstance(positionals, str) else tuple(positionals)
        )
        self.last = len(self.kinds) - 1
        # The words of the command (options, then every word) are needed only by these.
        self.flags_needed = bool(
            rule.word_tiers
            or rule.exec_flags
            or rule.network_flags
            or rule.read_only_flags
            or rule.stdout_flags
            or rule.workspace_flags
        )
        self.takes = rule.takes
        # An entry that sets none of the fields beyond its tier, positionals and value
        # options (most entries): judged by `_run_bare`, which skips the rest. A field added
        # to Program later is outside this list, so it keeps entries that use it off the
        # short path.
        self.bare = (
            all(
                f.name in _BARE_FIELDS or _unset(getattr(rule, f.name), _default_of(f))
                for f in dataclasses.fields(rule)
            )
            and "command" not in self.kinds
        )  # a command to judge
        # Subcommands that are entries of their own; the options before one of them are
        # judged by this entry without its tier (`helm -n prod uninstall`: only uninstall's).
        self.nested = isinstance(rule.other_subcommand, Program) or any(
            isinstance(sub, Program) for sub in rule.subcommands.values()
        )
        self.globals: Program | None = None
        if self.nested and (
            rule.value_tiers
            or rule.exec_opts
            or rule.exec_flags
            or rule.network_flags
            or rule.read_opts
            or rule.write_opts
            or rule.write_flags
            or rule.dir_opts
            or rule.script_opts
            or rule.read_pair_opts
            or rule.exec_pattern
            or rule.write_pattern
            or rule.dest_pattern
            or rule.source_pattern
            or rule.outside_opts
            or rule.outside_pattern
            or rule.keyed_read_opts
            or rule.checks
        ):
            self.globals = replace(
                rule,
                tier=Tier.READ_ONLY,
                positionals="none",
                subcommands={},
                other_subcommand=None,
                word_tiers={},
                word_patterns={},
                runs_code=False,  # the subcommand's entry says whether it runs code
                checks=(),  # run once, on every word, by the program's entry
            )
        self.patterns = [
            (re.compile(pattern), tier, why) for pattern, (tier, why) in rule.word_patterns.items()
        ]


# The fields `_run_bare` reads (and examples and takes, which judging does not read).
_BARE_FIELDS = frozenset(
    {"tier", "positionals", "what", "value_opts", "skip_first", "runs_code", "examples", "takes"}
)


def _default_of(f: dataclasses.Field[object]) -> object:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def _unset(value: object, default: object) -> bool:
    """A field left as its default (an empty collection stands for any other: the entry
    turns `()` into `frozenset()`)."""
    return value == default or (not value and not default)


# id(entry) -> its compiled form (which holds the entry, so the id stays its own).
_COMPILED: dict[int, _Compiled] = {}


def _compiled(rule: Program) -> _Compiled:
    found = _COMPILED.get(id(rule))
    if found is None or found.rule is not rule:
        found = _COMPILED[id(rule)] = _Compiled(rule)
    return found


# id(entry) -> (the entry, the long options it names): for `long_prefixes` entries.
_LONG_NAMES: dict[int, tuple[Program, tuple[str, ...]]] = {}


def expand_long(args: list[Word], names: Collection[str]) -> list[Word]:
    """Each long option in `args` written as an unambiguous prefix of one of `names` (the
    program's long options: GNU getopt_long takes any such prefix), written out in full."""
    out: list[Word] = []
    for i, word in enumerate(args):
        value = word.value
        if value == "--":
            return out + args[i:]
        if value is not None and value.startswith("--") and len(value) > 3:
            name, eq, rest = value.partition("=")
            if name not in names:
                full = [n for n in names if n.startswith(name)]
                if len(full) == 1:
                    word = Word(full[0] + eq + rest, word.text)
        out.append(word)
    return out


# GNU cp, mv, install and ln: their long options (`--targ=DIR` is `--target-directory=DIR`).
_COPY_LONG = (
    *("--target-directory", "--no-target-directory", "--suffix", "--backup", "--mode"),
    *("--owner", "--group", "--reflink", "--sparse", "--preserve", "--no-preserve"),
    *("--parents", "--remove-destination", "--strip-trailing-slashes", "--symbolic-link"),
    *("--symbolic", "--update", "--verbose", "--one-file-system", "--context", "--archive"),
    *("--attributes-only", "--copy-contents", "--dereference", "--force", "--interactive"),
    *("--link", "--logical", "--physical", "--no-clobber", "--no-dereference", "--recursive"),
    *("--relative", "--directory", "--compare", "--strip", "--strip-program", "--debug"),
    *("--exchange", "--keep-directory-symlink", "--preserve-context", "--preserve-timestamps"),
)
# GNU tar's long options that name programs or files, with those sharing their prefixes.
_TAR_LONG = (
    *("--to-command", "--to-stdout", "--totals", "--touch", "--checkpoint"),
    *("--checkpoint-action", "--use-compress-program", "--rsh-command", "--info-script"),
    *("--new-volume-script", "--file", "--files-from", "--directory", "--exclude"),
    *("--exclude-from", "--extract", "--create", "--list", "--append", "--update"),
    *("--index-file", "--absolute-names", "--transform", "--xform", "--overwrite"),
)
# GNU sed's long options.
_SED_LONG = (
    *("--expression", "--file", "--in-place", "--line-length", "--null-data"),
    *("--zero-terminated", "--quiet", "--silent", "--regexp-extended", "--separate"),
    *("--sandbox", "--debug", "--posix", "--follow-symlinks", "--unbuffered", "--binary"),
)


def _whole_long_options(rule: Program, args: list[Word]) -> list[Word]:
    """A program parsing its options with GNU getopt_long takes any unambiguous prefix of a
    long option (`sort --co=PROG` is `--compress-program=PROG`, `--out=F` `--output=F`):
    each such prefix of one option the entry names is written out in full."""
    found = _LONG_NAMES.get(id(rule))
    if found is None or found[0] is not rule:
        names = {
            o.split("=")[0]
            for f in dataclasses.fields(rule)
            if f.name.endswith(("_opts", "_flags"))
            for o in (getattr(rule, f.name) or ())
            if isinstance(o, str) and o.startswith("--")
        }
        found = _LONG_NAMES[id(rule)] = (rule, tuple(sorted(names)))
    return expand_long(args, found[1])


def run_program(
    name: str, rule: Program, args: list[Word], cmd: SimpleCommand, a: Analyzer
) -> None:
    """Interpret one data entry of `program_rules` for one invocation."""
    compiled = _compiled(rule)
    if rule.long_prefixes:
        args = _whole_long_options(rule, args)
    if compiled.bare:
        _run_bare(name, rule, compiled, args, cmd, a)
        return
    if compiled.nested:
        at = _operand_at(args, compiled.takes)
        verb = args[at].value if at is not None else None
        if at is not None and verb is not None:
            sub = rule.subcommands.get(verb)
            after = at + 1
            if sub is None:
                sub = rule.other_subcommand
                if isinstance(sub, Program) and sub.positionals != "none":
                    after = at  # the word is that entry's first operand (`dotnet new ../x`)
            if isinstance(sub, Program):
                if rule.word_tiers or compiled.patterns:  # words anywhere on the line
                    words = (
                        dict.fromkeys(
                            [
                                *[f for f, _ in split_opts(args, compiled.takes)[0]],
                                *[w.value for w in args if w.value],
                            ]
                        )
                        if rule.word_tiers
                        else {}
                    )
                    _word_findings(name, rule, compiled, words, args, a)
                for check in rule.checks:
                    CHECKS[check](name, args, cmd, a)
                if at and rule.strict_options:
                    _unknown_options(name, rule, args[:at], a)
                if at and compiled.globals is not None:
                    run_program(name, compiled.globals, args[:at], cmd, a)
                run_program(f"{name} {verb}", sub, args[after:], cmd, a)
                return
    if rule.argv_after:
        for i, word in enumerate(args):
            if word.value in rule.argv_after:
                rest = args[i + 1 :]
                ends = [j for j, w in enumerate(rest) if w.value == "--"]
                if ends:  # `tox exec -e py -- CMD`: the command follows `--`
                    rest = rest[ends[0] + 1 :]
                if name == "cmake" and rest and rest[0].value in CMAKE_E_COMMANDS:
                    program = CMAKE_E_COMMANDS[rest[0].value or ""]
                    rest = [Word(w, rest[0].text) for w in program] + rest[1:]
                if rest:  # judged as the command it runs
                    a.run_argv(rest, cmd)
                args = args[:i]
                break
    if rule.read_pair_opts:  # `jq --rawfile NAME FILE`: FILE is read
        kept: list[Word] = []
        skip = 0
        for i, word in enumerate(args):
            if skip:
                skip -= 1
                if skip == 0:
                    a.read(word, cmd.cwd)
                continue
            if word.value in rule.read_pair_opts and i + 2 < len(args):
                skip = 2
                continue
            kept.append(word)
        args = kept
    opts, pos = (
        split_long_opts(args, compiled.takes)
        if rule.long_flags
        else split_opts(args, compiled.takes)
    )
    # In the order written, so that reasons come out the same in every process (a set's
    # order changes with string hashing).
    flags: dict[str, None] = (
        dict.fromkeys([*[flag for flag, _ in opts], *[w.value for w in args if w.value]])
        if compiled.flags_needed
        else {}
    )
    if rule.word_tiers or compiled.patterns:
        _word_findings(name, rule, compiled, flags, args, a)
    for opt, value in opts if rule.value_tiers else ():
        if opt in rule.value_tiers and value is not None:
            pattern, tier, why = rule.value_tiers[opt]
            if value.value is None or re.search(pattern, value.value):
                a.add(tier, f"{name} {opt} {_short(value.text)} {why}")
    decided = False  # by a subcommand's tier or a mode flag's, which replaces the entry's own
    # options only, as the program reads them: a value is no mode (`ssh-keygen -E -B`)
    for flag in dict.fromkeys(f for f, _ in opts) if rule.mode_flags else ():
        if flag in rule.mode_flags:
            tier, why = rule.mode_flags[flag]
            a.add(tier, f"{name} {flag} {why}")
            decided = True
    if rule.strict_options and opts:  # options before the subcommand (or with none)
        at = _operand_at(args, compiled.takes)
        _unknown_options(name, rule, args if at is None else args[:at], a)
    if rule.other_subcommand is not None and pos:
        decided = True
        verb = pos[0].value
        chosen = rule.subcommands.get(verb, rule.other_subcommand) if verb is not None else None
        if not isinstance(chosen, tuple):  # an entry of its own is judged above
            a.add(Tier.HIGH, f"runs a {name} subcommand only known at run time")
        else:
            tier, why = chosen
            a.add(tier, f"{name} {verb} {why}")
        pos = pos[1:]
    if rule.exec_pattern:
        for word in args:
            if re.search(rule.exec_pattern, word.text):
                a.add(Tier.HIGH, f"runs code written in an argument ({name} {_short(word.text)})")
    if rule.release_pattern:
        for word in args:
            if re.search(rule.release_pattern, word.text):
                a.add(Tier.HIGH, f"{name} {_short(word.text)} deploys, publishes or releases")
    for word in args if rule.dest_pattern or rule.source_pattern else ():
        text = word.value or ""
        dest = re.match(rule.dest_pattern, text) if rule.dest_pattern else None
        if dest:  # exiftool -FileName=PATH moves the file to PATH
            a.write(Word(dest.group(1), word.text), cmd.cwd)
        source = re.match(rule.source_pattern, text) if rule.source_pattern else None
        if source:  # exiftool '-TAG<=FILE' copies FILE into the tag
            a.read(Word(source.group(1), word.text), cmd.cwd)
    if opts:
        for opt in rule.exec_opts:
            for value in _vals(opts, opt):
                if value.value is None:
                    _dynamic_code(value, a, f"{name} {opt}")
                else:
                    a.run_script(value.value, cmd.cwd, f"{name} {opt}")
    printed = False  # inline code that only prints a value (`print_pattern`)
    for flag in flags if rule.exec_flags or rule.network_flags else ():
        if flag in rule.exec_flags:
            codes = _vals(opts, flag) if rule.print_pattern else []
            if codes and all(
                c.value is not None and re.fullmatch(rule.print_pattern, c.value) for c in codes
            ):
                printed = True
                continue
            for code in codes:  # paths the code names (`File.read!("~/.ssh/id_rsa")`) are read
                _literal_paths(code.value or "", cmd, a)
            a.add(
                Tier.HIGH, f"runs code or a program that the command does not show ({name} {flag})"
            )
        if flag in rule.network_flags:
            a.add(Tier.NETWORK, f"reaches the network ({name} {flag})")
    if opts and rule.read_opts:
        for value in _vals_in(opts, rule.read_opts):
            a.read(value, cmd.cwd)
    if opts and rule.script_opts:
        for value in _vals_in(opts, rule.script_opts):
            _run_file(name, value, cmd, a)
    if opts and rule.outside_opts:
        for opt, value in opts:
            if opt in rule.outside_opts and value is not None:
                _inside_workspace(name, value, cmd, a)
    if rule.outside_pattern:
        for word in args:
            match = re.match(rule.outside_pattern, word.value or "")
            if match:  # `-Dmaven.repo.local=DIR`
                _inside_workspace(name, Word(match.group(1), word.text), cmd, a)
    if opts and rule.keyed_read_opts:
        for value in _vals_in(opts, rule.keyed_read_opts):
            _keyed_reads(name, value, cmd, a)
    for check in rule.checks:
        CHECKS[check](name, args, cmd, a)
    # Flags that lower the tier count where the program reads them as options: an option's
    # value that looks like one is none (`gitleaks detect --report-path --redact` writes an
    # unredacted report named `--redact`); a word (`nft list`) counts wherever it is.
    lowering: Collection[str] = flags
    if (rule.read_only_flags or rule.stdout_flags or rule.workspace_flags) and any(
        v is not None
        and (
            v.value in rule.read_only_flags
            or v.value in rule.stdout_flags
            or v.value in rule.workspace_flags
        )
        for _, v in opts
    ):
        taken = {id(v) for _, v in opts if v is not None}
        lowering = dict.fromkeys(
            [*[f for f, _ in opts], *[w.value for w in args if w.value and id(w) not in taken]]
        )
    read_only = (
        [flag for flag in lowering if flag in rule.read_only_flags] if rule.read_only_flags else []
    )
    kinds, last = compiled.kinds, compiled.last
    if read_only:
        a.add(Tier.READ_ONLY, f"{rule.what}, only checking ({min(read_only)}: nothing changes)")
        # A checking flag spares the operands, not the options' own effects: the file an
        # output option names is still written (`patch --dry-run -o FILE`, `gitleaks detect
        # --redact --report-path FILE`), and a directory option is still where it works.
        if opts and rule.write_opts:
            for value in _vals_in(opts, rule.write_opts):
                a.write(value, cmd.cwd)
        if opts and rule.dir_opts:
            for value in _vals_in(opts, rule.dir_opts):
                a.read_meta(value, cmd.cwd)
        for i, word in enumerate(pos):
            if kinds[i if i < last else last] in ("read", "write"):
                a.read(word, cmd.cwd)
        return
    write_flags = rule.write_flags
    writing = (
        bool(opts)
        and bool(write_flags)
        and any(flag in write_flags or flag.split("=")[0] in write_flags for flag, _ in opts)
        or bool(
            rule.write_pattern
            and any(w.value is not None and re.match(rule.write_pattern, w.value) for w in args)
        )
    )
    to_stdout = (
        next((flag for flag in lowering if flag in rule.stdout_flags), None)
        if rule.stdout_flags
        else None
    )
    spared = to_stdout is not None or (
        rule.output_spares_operands
        and any(  # whole words: exiftool's -Comment is no -o
            w.value is not None
            and (w.value in rule.write_opts or w.value.split("=")[0] in rule.write_opts)
            for w in args
        )
    )
    if to_stdout is not None:  # `gzip -c`: nothing is changed in place
        a.add(
            Tier.WORKSPACE if writing else Tier.READ_ONLY,
            f"{name} {to_stdout} only reads the files (the result goes to standard output)",
        )
    elif writing:
        a.add(_max(Tier.WORKSPACE, Tier.READ_ONLY if decided else rule.tier), rule.what)
    elif printed and not pos:
        a.add(Tier.READ_ONLY, f"{name} only prints the value of inline code")
    elif not decided:
        if rule.workspace_flags and any(flag in rule.workspace_flags for flag in lowering):
            a.add(_min(rule.tier, Tier.WORKSPACE), f"{rule.what} (the project's own)")
        else:
            a.add(rule.tier, rule.what)
    if rule.runs_code:
        a.runs_code(f"{name} runs code from the project (tests, build scripts, config, plugins)")
    if opts and rule.write_opts:
        for value in _vals_in(opts, rule.write_opts):
            a.write(value, cmd.cwd)
    if opts and rule.dir_opts:
        for value in _vals_in(opts, rule.dir_opts):
            a.write(value, cmd.cwd)
    if rule.skip_first and pos and not _has(opts, "-e", "--regexp", "-f", "--file"):
        pos = pos[1:]
    if not pos:
        if opts and "command" in kinds:  # options, and no command to run
            _unknown_options(name, rule, args, a)
        return
    # Outputs beside each operand (unless the output goes elsewhere: `-c`, `-o FILE`): a
    # decompressor's name without the suffix it strips, a compressor's with its suffix.
    beside = (
        (rule.stem_suffixes or rule.output_suffix)
        and not spared
        and not (rule.write_opts and any(_vals_in(opts, rule.write_opts)))
    )
    stems = (
        [*rule.stem_suffixes, *(v.value for v in _vals_in(opts, rule.suffix_opts) if v.value)]
        if beside
        else []
    )
    for i, word in enumerate(pos):
        kind = kinds[i if i < last else last]
        if kind == "none" or word.value == "-":  # `-`: standard input or output
            continue
        if kind == "script":
            _run_file(name, word, cmd, a)
            break
        if kind == "command":  # judged as the command it runs, with its own options
            start = next(j for j, w in enumerate(args) if w is word)
            _unknown_options(name, rule, args[:start], a)
            a.run_argv(args[start:], cmd)
            break
        if kind == "shell":
            if word.value is None:
                _dynamic_code(word, a, f"{name} operand")
            else:
                a.run_script(word.value, cmd.cwd, f"{name} operand")
        elif kind == "project":
            _inside_workspace(name, word, cmd, a)
        elif spared and kind in ("write", "read"):
            a.read(word, cmd.cwd)
            continue
        elif writing or kind == "write":
            a.write(word, cmd.cwd)
        elif kind == "read":
            a.read(word, cmd.cwd)
        elif kind == "meta":
            a.read_meta(word, cmd.cwd)
        elif kind == "delete":
            a.delete(word, cmd.cwd, recursive=False)
        if beside and word.value is not None and kind in ("write", "read"):
            found = _stems(word.value, stems)
            for stem in found:
                a.write(Word(stem, stem), cmd.cwd)
            if rule.output_suffix and not found:  # a compressed name is not compressed again
                a.write(Word(word.value + rule.output_suffix, word.text), cmd.cwd)


def _run_bare(
    name: str, rule: Program, compiled: _Compiled, args: list[Word], cmd: SimpleCommand, a: Analyzer
) -> None:
    """`run_program` for an entry with nothing but a tier, positionals, value options,
    `skip_first` and `runs_code`: what `run_program` does for it, without the steps that
    such an entry cannot take."""
    opts, pos = split_opts(args, compiled.takes)
    a.add(rule.tier, rule.what)
    if rule.runs_code:
        a.runs_code(f"{name} runs code from the project (tests, build scripts, config, plugins)")
    if rule.skip_first and pos and not _has(opts, "-e", "--regexp", "-f", "--file"):
        pos = pos[1:]
    kinds, last = compiled.kinds, compiled.last
    cwd = cmd.cwd
    for i, word in enumerate(pos):
        kind = kinds[i if i < last else last]
        if kind == "none" or word.value == "-":  # `-`: standard input or output
            continue
        if kind == "read":
            a.read(word, cwd)
        elif kind == "meta":
            a.read_meta(word, cwd)
        elif kind == "write":
            a.write(word, cwd)
        elif kind == "script":
            _run_file(name, word, cmd, a)
            break
        elif kind == "shell":
            if word.value is None:
                _dynamic_code(word, a, f"{name} operand")
            else:
                a.run_script(word.value, cwd, f"{name} operand")
        elif kind == "delete":
            a.delete(word, cwd, recursive=False)


def _inside_workspace(name: str, where: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    """A project, build file or directory a program works with (`poetry -C DIR`, `dotnet
    test ../x/T.csproj`): the code there runs, so one outside the workspace is asked."""
    if a.place(where, cmd.cwd).zone != "workspace":
        a.add(Tier.HIGH, f"{name} works on {_short(where.text)}, outside the workspace")


def _keyed_reads(name: str, value: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    """`--secret id=x,src=PATH`, `--ssh default=PATH`, `--build-context name=DIR`: each
    path is read (keys handed to a build), a URL fetched."""
    if value.value is None:
        a.add(Tier.HIGH, f"{name} reads files named only at run time ({_short(value.text)})")
        return
    for part in value.value.split(","):
        key, eq, path = part.rpartition("=")
        if not eq or key in ("id", "type", "env"):
            continue
        if path.startswith(("docker-image://", "https://", "http://", "git@")):
            a.add(Tier.NETWORK, f"{name} fetches {path}")
        else:
            a.read(Word(path, value.text), cmd.cwd)


def split_long_opts(
    args: list[Word], takes: Collection[str]
) -> tuple[list[tuple[str, Word | None]], list[Word]]:
    """Options written as whole words with one dash or two (go's and terraform's flags, never
    clustered: `-race`, `-o FILE`, `-toolexec=PROG`, `--o=FILE`), named with one dash."""
    opts: list[tuple[str, Word | None]] = []
    pos: list[Word] = []
    words = iter(args)
    for word in words:
        value = word.value
        if value is None or not value.startswith("-") or value == "-":
            pos.append(word)
            continue
        if value == "--":
            pos.extend(words)
            break
        flag, eq, attached = value.partition("=")
        flag = "-" + flag.lstrip("-")
        if eq:
            opts.append((flag, Word(attached, word.text)))
        elif flag in takes:
            opts.append((flag, next(words, None)))
        else:
            opts.append((flag, None))
    return opts, pos


def _word_findings(
    name: str,
    rule: Program,
    compiled: _Compiled,
    flags: Iterable[str],
    args: list[Word],
    a: Analyzer,
) -> None:
    """The tiers that words set wherever they are (`word_tiers`, `word_patterns`)."""
    for flag in flags if rule.word_tiers else ():
        if flag in rule.word_tiers:
            tier, why = rule.word_tiers[flag]
            a.add(tier, f"{name} {flag} {why}")
    for pattern, tier, why in compiled.patterns:
        for word in args:
            if word.value is not None and pattern.search(word.value):
                a.add(tier, f"{name} {_short(word.value)} {why}")
                break


def _unknown_options(name: str, rule: Program, args: list[Word], a: Analyzer) -> None:
    """Options before the command an entry runs that the entry does not know
    (`bundle exec --gemfile=FILE rake` loads FILE, which is code)."""
    opts = split_long_opts(args, rule.takes)[0] if rule.long_flags else split_opts(args)[0]
    unknown = [flag for flag, _ in opts if flag not in rule.takes]
    if unknown:
        a.add(Tier.HIGH, f"{name} {unknown[0]} is an option of unknown effect")


def _operand_at(args: list[Word], takes: frozenset[str]) -> int | None:
    """Where the first operand is (a subcommand), past options and the values they take:
    the first positional `split_opts` would find, without building its lists."""
    i, n = 0, len(args)
    while i < n:
        value = args[i].value
        if value is None or value == "-" or not value.startswith("-"):
            return i
        if value == "--":
            return i + 1 if i + 1 < n else None
        if value in takes:
            i += 1  # its value
        elif not value.startswith("--"):  # `-fVALUE`, or `-xf VALUE`
            for j in range(1, len(value)):
                if "-" + value[j] in takes:
                    i += j == len(value) - 1
                    break
        i += 1
    return None


def _stems(path: str, suffixes: list[str]) -> list[str]:
    """The names a decompressor writes `path` to: without a suffix it strips
    (`gunzip ~/.bashrc.gz` writes `~/.bashrc`; `gunzip -S .bak ~/.bashrc.bak` too)."""
    return list(
        dict.fromkeys(
            path[: -len(s)]
            for s in suffixes
            if path.endswith(s) and len(path) > len(s) and path[-len(s) - 1] != "/"
        )
    )


def _max(x: Tier, y: Tier) -> Tier:
    return path_risk.tier_max(x, y)


def _min(x: Tier, y: Tier) -> Tier:
    return x if x.rank <= y.rank else y


# ---------------------------------------------------------------------------------------
# helpers for code run by other programs


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


def _run_file(interp: str, word: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    if word.fd:
        echoed = _echoed_code(word.text) if interp in _SHELLS or interp in ("source", ".") else None
        if echoed is not None:  # `source <(echo 'git push')` runs `git push`
            a.run_script(echoed, cmd.cwd, f"{interp} reading a process substitution")
        else:
            _dynamic_code(word, a, f"{interp} reading a process substitution")
        return
    place = a.place(word, cmd.cwd)
    if place.zone == "workspace":
        a.add(Tier.WORKSPACE, f"runs the project script {word.value} with {interp}")
        a.runs_code(f"runs the project script {word.value} with {interp}")
    elif place.zone == "scratch":
        a.add(Tier.HIGH, f"runs {word.value}, a script in temporary space")
        a.runs_code(f"runs {word.value}, a script in temporary space")
    elif place.zone == "secret":
        a.add(Tier.CRITICAL, f"runs {word.value} from a credentials location")
    else:
        a.add(Tier.HIGH, f"runs the script {place.label}, outside the workspace")


_SAFE_PY_CALLS = frozenset(
    {
        "print",
        "len",
        "sorted",
        "sum",
        "min",
        "max",
        "str",
        "int",
        "float",
        "repr",
        "list",
        "dict",
        "set",
        "tuple",
        "range",
        "enumerate",
        "zip",
        "map",
        "filter",
        "abs",
        "round",
        "format",
        "dumps",
        "loads",
        "version",
        "platform",
        "python_version",
        "get_paths",
        "getcwd",
        "cpu_count",
        "join",
        "split",
        "upper",
        "lower",
        "strip",
        "keys",
        "values",
        "items",
        "type",
        "isinstance",
        "hex",
        "ord",
        "chr",
        "bool",
        "any",
        "all",
        "uuid4",
        "getdefaultencoding",
        "getrecursionlimit",
        "exists",
        "isfile",
        "isdir",
        "basename",
        "dirname",
        "abspath",
        "splitext",
        "get_python_lib",
        "find_spec",
        "metadata",
        "pformat",
        "pprint",
        "hexdigest",
        "sha256",
        "md5",
        "now",
        "today",
        "isoformat",
        "time",
        "gettempdir",
        "getsitepackages",
        "get_config_var",
        "calcsize",
        "maxsize",
        "encode",
        "decode",
        "count",
        "startswith",
        "endswith",
        "replace",
        "readlines",
        "reverse",
        "sort",
        "append",
        "extend",
        "load",
        "safe_load",
        "read",
        "readline",
        "get_version",
        "listdir",
        "expanduser",
        "glob",
        "getsizeof",
        "getpreferredencoding",
        "compile",
        "match",
        "fullmatch",
        "search",
        "findall",
        "sub",
        "group",
        "groups",
        "splitlines",
        "rstrip",
        "lstrip",
        "zfill",
        "ljust",
        "rjust",
        "title",
        "find",
        "index",
        "isdigit",
        "isalpha",
        "strftime",
        "fromtimestamp",
        "utcnow",
        "sqrt",
        "floor",
        "ceil",
        "pow",
        "mean",
        "median",
        "Counter",
        "defaultdict",
        "reduce",
        "chain",
        "product",
        "b64encode",
        "b64decode",
        "which",
        "stat",
        "get_platform",
        "python_implementation",
        "machine",
        "system_alias",
        "uname",
        "node_name",
        "processor",
        "get_default_verify_paths",
        "getfilesystemencoding",
        "asdict",
        "parse",
        "walk",
        "literal_eval",
        "get_docstring",
        "iter_child_nodes",
        "unparse",
    }
)
# Importing these does something by itself (opens a browser, a terminal, the network).
_UNSAFE_PY_IMPORTS = frozenset(
    {
        "antigravity",
        "webbrowser",
        "pty",
        "turtle",
        "pickle",
        "marshal",
        "shelve",
        "dill",
        "cloudpickle",
        "joblib",
        "jsonpickle",
        "code",
        "codeop",
        "runpy",
        "ctypes",
        "cffi",
    }
)
_SAFE_PY_MODULES = frozenset(
    {
        "sys",
        "json",
        "math",
        "platform",
        "os.path",
        "re",
        "sysconfig",
        "site",
        "datetime",
        "time",
        "uuid",
        "hashlib",
        "string",
        "collections",
        "itertools",
        "functools",
        "pprint",
        "struct",
        "decimal",
        "fractions",
        "statistics",
        "random",
        "textwrap",
        "importlib",
        "importlib.metadata",
        "importlib.util",
        "tempfile",
        "locale",
        "keyword",
        "unicodedata",
        "distutils.sysconfig",
        "tomllib",
        "typing",
        "dataclasses",
        "enum",
        "operator",
        "ssl",
        "zlib",
        "ast",
        "tokenize",
    }
)
_SHELL_CALLS = frozenset(
    {
        "system",
        "popen",
        "run",
        "call",
        "check_call",
        "check_output",
        "Popen",
        "getoutput",
        "getstatusoutput",
        "spawn",
        "execSync",
        "exec",
        "execFileSync",
        "spawnSync",
    }
)


# Calls allowed on modules outside _SAFE_PY_MODULES (`numpy.__version__` needs none;
# `django.get_version()` and `torch.cuda.is_available()` need these).
_PY_ANY_MODULE_CALLS = frozenset(
    {"get_version", "version", "is_available", "device_count", "get_device_name", "safe_load"}
)
_PY_MODULE_CALLS: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    {
        "os": frozenset(
            {"getcwd", "cpu_count", "listdir", "getpid", "getuid", "uname", "get_terminal_size"}
        ),
        "shutil": frozenset({"which", "disk_usage", "get_terminal_size"}),
        "numpy": frozenset({"show_config"}),
    }
)
_PY_PUBLIC_DUNDERS = frozenset({"__version__", "__file__", "__name__", "__doc__", "__path__"})


_PY_READ_MODES = frozenset({"r", "rb", "rt", "br", "tr"})


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


# Inline JavaScript that only prints: global names and called methods on these lists, no
# assignment, no template strings, `require` only of JSON files and harmless core modules.
_JS_GLOBALS = frozenset(
    {
        "console",
        "process",
        "JSON",
        "Object",
        "Math",
        "Date",
        "require",
        "Number",
        "String",
        "Array",
        "Boolean",
        "Intl",
        "parseInt",
        "parseFloat",
        "isNaN",
        "new",
        "typeof",
        "true",
        "false",
        "null",
        "undefined",
        "Buffer",
        "os",
        "path",
        "v8",
    }
)
_JS_CALLS = frozenset(
    {
        "log",
        "error",
        "info",
        "warn",
        "dir",
        "table",
        "stringify",
        "parse",
        "keys",
        "values",
        "entries",
        "cwd",
        "cpus",
        "totalmem",
        "freemem",
        "hostname",
        "type",
        "tmpdir",
        "platform",
        "arch",
        "release",
        "uptime",
        "resolve",
        "join",
        "dirname",
        "basename",
        "extname",
        "require",
        "now",
        "toISOString",
        "toString",
        "toFixed",
        "map",
        "filter",
        "split",
        "trim",
        "toUpperCase",
        "toLowerCase",
        "sort",
        "slice",
        "includes",
        "startsWith",
        "endsWith",
        "isArray",
        "from",
        "max",
        "min",
        "floor",
        "ceil",
        "round",
        "parseInt",
        "parseFloat",
        "Number",
        "String",
        "Boolean",
        "Date",
        "DateTimeFormat",
        "resolvedOptions",
        "reduce",
        "forEach",
        "find",
        "some",
        "every",
        "padStart",
        "padEnd",
        "concat",
        "reverse",
        "getTime",
        "toLocaleString",
        "memoryUsage",
        "hrtime",
        "getHeapStatistics",
        "availableParallelism",
    }
)
_JS_FORBIDDEN = re.compile(
    r"\b(env|constructor|prototype|__proto__|Function|eval|import|globalThis|global|module|"
    r"mainModule|binding|dlopen|Reflect|Proxy|exit|kill|abort|chdir|setuid|setgid)\b"
)
_REQUIRE = re.compile(r"""require\(\s*(['"])([^'"]+)\1\s*\)""")
_JS_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")


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
    if re.search(r"\brequire\s*\(\s*[^\"\s]", bare) or re.search(
        r"\b(?:const|let)\s+[A-Za-z_$][\w$]*\s*=\s*[A-Za-z_$][\w$.]*\s*(;|$)", bare
    ):
        return False  # a module named at run time, or another name for a global function
    local = set(re.findall(r"\b(?:const|let)\s+([A-Za-z_$][\w$]*)\s*=(?![=>])", bare))
    for params in re.findall(r"\(([\w$,\s]*)\)\s*=>", bare):
        local.update(p.strip() for p in params.split(",") if p.strip())
    local.update(re.findall(r"([A-Za-z_$][\w$]*)\s*=>", bare))
    bare = re.sub(r"\b(?:const|let)\s+[A-Za-z_$][\w$]*\s*=(?![=>])", " ", bare)
    if re.search(r"(?<![=!<>])=(?![=>])|\+\+|--", bare):
        return False  # assignment or mutation
    for m in re.finditer(r"[\w$)\]]\s*\[([^\]]*)\]?", bare):
        if not re.fullmatch(r'\s*(""|\d+)\s*', m.group(1)):
            return False  # computed member access (`process['e'+'nv']`)
    for m in re.finditer(r"(\.\s*)?([A-Za-z_$][\w$]*)\s*(\()?", bare):
        dotted, ident, called = m.group(1), m.group(2), m.group(3)
        if not dotted and ident in local:
            continue
        if called and ident not in _JS_CALLS:
            return False
        if not dotted and not called and ident not in _JS_GLOBALS and len(ident) > 2:
            return False
    return True


# One print of a constant or a literal (`puts RUBY_VERSION`, `echo PHP_VERSION;`,
# `print(_VERSION)`, `println(VERSION)`): upper-case names are constants in these languages,
# so nothing is called.
# R calls that only report: the session, the version, library paths, or a summary of a
# data file read by name (a literal path, judged as a read).
_R_READS = re.compile(
    r"\s*(sessionInfo\(\)|R\.version\.string|R\.version(\$\w+)?|\.libPaths\(\)|"
    r"(print|summary|str|head|tail|nrow|ncol|dim|names)\("
    r"(read\.csv|read\.csv2|read\.delim|read\.table|readRDS)\(\s*\"(?P<file>[^\"$\\`]+)\"\s*\)\))"
    r"\s*;?\s*"
)
_PRINTS_CONSTANT = re.compile(
    r"\s*(puts|print|p|println|echo|printf|io\.write)\s*\(?\s*"
    r"([A-Z_][A-Z0-9_]*|\d+(\.\d+)?(\s*[-+*/%]\s*\d+(\.\d+)?)*|\"[^\"\\$#{}]*\"|'[^'\\]*')"
    r"\s*\)?\s*;?\s*"
)


# Perl one-liners that only edit text (`perl -pi -e 's/a/b/g' files`): no code that reaches
# the system, no modules, no s///e.
_PERL_FORBIDDEN = re.compile(
    r"\b(system|exec|qx|fork|kill|unlink|rmdir|rename|mkdir|chmod|chown|chdir|symlink|link|"
    r"truncate|open|opendir|sysopen|socket|connect|eval|require|use|do|glob|syscall|dump|"
    r"utime|ARGV|ENV|SIG|INC|readpipe|pipe|fcntl|ioctl|dbmopen|setpgrp|sub)\b|`|<\s*[$*~/.\w]"
)
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


def _perl_is_safe(code: str) -> bool:
    if _PERL_FORBIDDEN.search(code) or re.search(r"\bs\s*[{(\[<]", code):
        return False
    return not any(m.group(1) == "s" and "e" in m.group(3) for m in _PERL_SUBST.finditer(code))


# A list of two or more plain string literals: `["git", "push"]`, `['rm', '-rf', d]` is not.
_STRING_LIST = re.compile(r"""\[\s*(?:(["'])[^"'\\]*\1\s*,\s*)+(["'])[^"'\\]*\2\s*,?\s*\]""")
_STRING_LITERAL = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'|`([^`]*)`")


def _inline_code(interp: str, code: str, cmd: SimpleCommand, a: Analyzer) -> None:
    """Inline program text for python/node/perl/ruby...: safe only if provably trivial."""
    reads: list[str] = []
    if interp == "python" and _python_is_safe(code, reads):
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
    a.add(Tier.HIGH, f"runs inline {interp} code, which can do anything")
    # Strings handed to os.system / execSync / system() run as shell commands, and a list of
    # strings (`subprocess.run(["git", "push"])`) as a program's words: judge them, and let
    # deny rules see them (`git push` inside `python -c` is still `git push`).
    literals = [
        next(g for g in m.groups() if g is not None) for m in _STRING_LITERAL.finditer(code)
    ]
    argvs = [
        shlex.join(re.findall(r"""["']([^"'\\]*)["']""", m.group(0)))
        for m in _STRING_LIST.finditer(code)
    ]
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
    if re.search(r"\b(rmtree|unlink|remove|rmSync|rm_rf|rmdir|unlinkSync)\b", code):
        paths = [
            next(g for g in m.groups() if g is not None) for m in _STRING_LITERAL.finditer(code)
        ]
        for p in paths:
            if p.startswith(("/", "~")) or p in ("..", "."):
                a.delete(Word(p, p), cmd.cwd, recursive=True)


# ---------------------------------------------------------------------------------------
# handlers


def h_shell(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(args, ("-o", "-O", "--rcfile", "--init-file"), stop_at_positional=True)
    if _has(opts, "-c"):
        if not pos:
            a.add(Tier.HIGH, f"{name} -c without code")
            return
        code = pos[0]
        if code.value is None:
            _dynamic_code(code, a, f"{name} -c")
            return
        a.run_script(code.value, cmd.cwd, f"{name} -c")
        return
    if _has(opts, "-i"):
        a.add(Tier.HIGH, f"starts an interactive {name}")
    if pos and not _has(opts, "-s"):
        _run_file(name, pos[0], cmd, a)
        return
    exec_stdin(cmd, a, name, shell=True)


def h_eval(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    if any(w.value is None for w in args):
        joined = Word(None, " ".join(w.text for w in args))
        _dynamic_code(joined, a, name)
        return
    a.run_script(" ".join(w.value or "" for w in args), cmd.cwd, name)


def h_source(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    if not args:
        return
    target = args[0]
    if target.value and target.value.endswith(("bin/activate", "activate.fish", "activate.csh")):
        a.add(Tier.WORKSPACE, "activates a virtual environment")
        a.runs_code(f"runs the activation script {target.value}")
        return
    _run_file(name, target, cmd, a)


def h_trap(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    if args and args[0].value and args[0].value not in ("-l", "-p", "-"):
        a.run_script(args[0].value, cmd.cwd, "trap handler")
    else:
        a.add(Tier.READ_ONLY, "lists or clears traps")


def h_wrapper(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    rule = WRAPPERS[name]
    takes = rule.value_opts
    opts, pos = split_opts(args, takes, stop_at_positional=True)
    if name == "command" and _has(opts, "-v", "-V"):
        a.add(Tier.READ_ONLY, "looks up a command")
        return
    if name in ("env", "cross-env"):
        split = _vals(opts, "-S", "--split-string")
        if split:
            if split[0].value is None:
                _dynamic_code(split[0], a, "env -S")
            else:
                a.run_script(
                    split[0].value + " " + " ".join(w.text for w in pos), cmd.cwd, "env -S"
                )
            return
        while (
            pos
            and pos[0].value is not None
            and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", pos[0].value)
        ):
            var, _, val = pos[0].value.partition("=")
            _assign(var, Word(val, val), cmd, a)  # judged as `VAR=val cmd` is
            pos = pos[1:]
        if not pos:
            a.add(Tier.READ_ONLY, "prints the environment")
            return
    if rule.skip and name != "flock":
        pos = pos[rule.skip :]
    if name == "flock" and pos:
        pos = pos[1:]
        if _has(opts, "-c") and pos:
            if pos[0].value is None:
                _dynamic_code(pos[0], a, "flock -c")
            else:
                a.run_script(pos[0].value, cmd.cwd, "flock -c")
            return
    if (
        name == "setsid"
        and pos
        and any(f == "--fork" or re.fullmatch(r"-[a-z]*f[a-z]*", f) for f, _ in opts)
    ):
        # `setsid -f CMD` returns at once: CMD lives on in a session of its own after the run
        a.add(Tier.HIGH, "setsid -f leaves the command running after the run, in a new session")
    if name in ("strace", "ltrace"):
        for out in _vals(opts, "-o"):
            a.write(out, cmd.cwd)
    if name == "time":
        for out in _vals(opts, "-o", "--output"):
            a.write(out, cmd.cwd)
    if name == "exec" and not pos:
        a.add(Tier.READ_ONLY, "changes the shell's file descriptors")
        return
    if not pos:
        a.add(Tier.READ_ONLY, f"{name} with nothing to run")
        return
    if name in ("torsocks", "proxychains", "proxychains4"):
        a.add(Tier.NETWORK, f"routes through a proxy ({name})")
    a.run_argv(pos, cmd)


def h_privilege(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    a.add(Tier.CRITICAL, f"escalates privileges with {name}")
    if name in ("sudo", "doas"):
        opts, pos = split_opts(
            args,
            ("-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "--user", "--group"),
            stop_at_positional=True,
        )
        if _has(opts, "-s", "-i") and not pos:
            return
        if pos:
            a.run_argv(pos, cmd)
    elif name == "su":
        opts, pos = split_opts(args, ("-c", "--command", "-s", "--shell", "-g"))
        for code in _vals(opts, "-c", "--command"):
            if code.value:
                a.run_script(code.value, cmd.cwd, "su -c")
    elif name in ("pkexec", "run0", "chroot"):
        _, pos = split_opts(args, ("--user", "-u"), stop_at_positional=True)
        if name == "chroot" and pos:
            pos = pos[1:]
        if pos:
            a.run_argv(pos, cmd)
    elif name == "runuser":
        # `runuser -u USER [--] CMD...` or `runuser [-l] USER -c CODE`
        opts, pos = split_opts(args, _RUNUSER_OPTS, stop_at_positional=True)
        for code in _vals(opts, "-c", "--command"):
            if code.value is None:
                _dynamic_code(code, a, "runuser -c")
            else:
                a.run_script(code.value, cmd.cwd, "runuser -c")
        if _vals(opts, "-u", "--user") and pos:
            a.run_argv(pos, cmd)
    elif name in _PRIVILEGE_OPTS:  # setpriv, nsenter: options, then the command
        _, pos = split_opts(args, _PRIVILEGE_OPTS[name], stop_at_positional=True)
        if pos:
            a.run_argv(pos, cmd)


_RUNUSER_OPTS = ("-u", "--user", "-c", "--command", "-g", "--group", "-G", "--supp-group",
                 "-s", "--shell", "-w", "--whitelist-environment")  # fmt: skip
_PRIVILEGE_OPTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "setpriv": ("--reuid", "--regid", "--groups", "--inh-caps", "--ambient-caps",
                    "--bounding-set", "--securebits", "--pdeathsig", "--selinux-label",
                    "--apparmor-profile", "--landlock-access", "--landlock-rule"),
        "nsenter": ("-t", "--target", "-S", "--setuid", "-G", "--setgid", "-r", "--root",
                    "-w", "--wd", "-W", "--wdns"),
    }
)  # fmt: skip


def h_isolate(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """unshare, bwrap, systemd-run: options, then a command that runs in new namespaces or
    as a unit of its own; judged as that command, and never below high."""
    if name == "bwrap":
        pos = _bwrap_command(args)
        a.add(Tier.HIGH, "runs a command in a bubblewrap sandbox whose binds decide its reach")
    else:
        opts, pos = split_opts(args, _ISOLATE_OPTS[name], stop_at_positional=True)
        if name == "unshare":
            a.add(Tier.HIGH, "runs a command in new namespaces, possibly as root in them")
        elif any(f.startswith("--on-") for f, _ in opts):
            a.add(Tier.HIGH, "systemd-run --on-... schedules the command to run later (a timer)")
        else:
            a.add(Tier.HIGH, "systemd-run starts the command as a unit that outlives the run")
    if pos:
        # judged as the command too, but an allow rule must also cover the whole line: these
        # are not transparent wrappers (a unit outlives the run; a sandbox's binds decide)
        outer = a.current
        a.run_argv(pos, cmd)
        if outer is not None:
            outer.leaf = True


_ISOLATE_OPTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "unshare": ("--map-user", "--map-group", "--map-users", "--map-groups", "--setgroups",
                    "--propagation", "-S", "--setuid", "-G", "--setgid", "-R", "--root",
                    "-w", "--wd", "--monotonic", "--boottime"),
        "systemd-run": ("-u", "--unit", "-p", "--property", "--description", "--slice",
                        "-E", "--setenv", "--uid", "--gid", "--nice", "-H", "--host", "-M",
                        "--machine", "--working-directory", "--on-active", "--on-boot",
                        "--on-startup", "--on-unit-active", "--on-unit-inactive",
                        "--on-calendar", "--timer-property", "--path-property",
                        "--socket-property", "--service-type"),
    }
)  # fmt: skip
# bwrap's options and how many values each takes (the rest take none)
_BWRAP_VALUES: Mapping[str, int] = MappingProxyType(
    {
        **dict.fromkeys(("--bind", "--bind-try", "--dev-bind", "--dev-bind-try", "--ro-bind",
                         "--ro-bind-try", "--symlink", "--setenv", "--file", "--bind-data",
                         "--ro-bind-data", "--chmod", "--bind-fd", "--ro-bind-fd"), 2),
        **dict.fromkeys(("--args", "--argv0", "--userns", "--userns2", "--pidns", "--uid",
                         "--gid", "--hostname", "--chdir", "--unsetenv", "--lock-file",
                         "--sync-fd", "--remount-ro", "--exec-label", "--file-label",
                         "--proc", "--dev", "--tmpfs", "--mqueue", "--dir", "--seccomp",
                         "--add-seccomp-fd", "--block-fd", "--userns-block-fd", "--info-fd",
                         "--json-status-fd", "--cap-add", "--cap-drop", "--perms", "--size",
                         "--overlay-src", "--tmp-overlay", "--ro-overlay"), 1),
        "--overlay": 2,
    }
)  # fmt: skip


def _bwrap_command(args: list[Word]) -> list[Word]:
    i = 0
    while i < len(args):
        flag = args[i].value or ""
        if flag == "--":
            return args[i + 1 :]
        if not flag.startswith("--"):
            return args[i:]
        i += 1 + _BWRAP_VALUES.get(flag, 0)
    return []


def h_xargs(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(
        args,
        (
            "-I",
            "-i",
            "-n",
            "-P",
            "-d",
            "-L",
            "-l",
            "-s",
            "-E",
            "-e",
            "-a",
            "--max-args",
            "--max-procs",
            "--delimiter",
            "--arg-file",
            "--replace",
            "--max-lines",
        ),
        stop_at_positional=True,
    )
    for f in _vals(opts, "-a", "--arg-file"):
        a.read(f, cmd.cwd)
    if not pos:
        a.add(Tier.READ_ONLY, "echoes its input")
        return
    replace = _vals(opts, "-I", "-i", "--replace")
    marker = replace[0].value if replace else None
    listed = None if _has(opts, "-a", "--arg-file") else _listed_paths(cmd)
    values = [w.value for w in pos]
    if name == "parallel" and ":::" in values:
        # `parallel CMD ::: A B`: the arguments are on the command line, `{}` marks them
        start = values.index(":::")
        sources = pos[start + 1 :]
        pos = [
            w if "{" not in w.text or "{}" in w.text else Word(None, w.text) for w in pos[:start]
        ]
        listed = None if any(w.value in ("::::", ":::+", "::::+") for w in sources) else sources
        marker = "{}" if any("{}" in w.text for w in pos) else marker
        if not pos:  # `parallel ::: 'cmd1' 'cmd2'`: each argument is a command
            for source in sources:
                if source.value is None:
                    _dynamic_code(source, a, "parallel")
                else:
                    a.run_script(source.value, cmd.cwd, "parallel")
            return
    for item in listed or [Word(None, "<input>")]:
        inner: list[Word] = []
        for w in pos:
            if marker and w.value is not None and marker in w.value:
                value = None if item.value is None else w.value.replace(marker, item.value)
                inner.append(Word(value, w.text))
            else:
                inner.append(w)
        if not marker:
            inner.append(item)
        a.run_argv(inner, cmd)


def h_script(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`script -qc CMD FILE`: runs CMD (a shell without -c) and logs to FILE."""
    opts, pos = split_opts(
        args,
        ("-c", "--command", "-E", "--echo", "-I", "--log-in", "-O", "--log-out", "-B")
        + ("--log-io", "-T", "--log-timing", "-t", "--timing", "-m", "--logging-format")
        + ("-o", "--output-limit"),
    )
    for log in [*_vals(opts, "-I", "--log-in", "-O", "--log-out", "-B", "--log-io"), *pos[:1]]:
        a.write(log, cmd.cwd)
    for log in _vals(opts, "-T", "--log-timing", "-t", "--timing"):
        if log.value and not log.value.isdigit():
            a.write(log, cmd.cwd)
    if not pos and not _vals(opts, "-I", "--log-in", "-O", "--log-out", "-B", "--log-io"):
        a.write(Word("typescript", "typescript"), cmd.cwd)
    codes = _vals(opts, "-c", "--command")
    if not codes:
        a.add(Tier.HIGH, "script starts an interactive shell")
    for code in codes:
        if code.value is None:
            _dynamic_code(code, a, "script -c")
        else:
            a.add(Tier.READ_ONLY, "script records what its command prints")
            a.run_script(code.value, cmd.cwd, "script -c")


_PERF_STAT_OPTS = (
    ("-e", "--event", "-r", "--repeat", "-x", "--field-separator", "-I", "--interval-print")
    + ("-C", "--cpu", "-G", "--cgroup", "-M", "--metrics", "-o", "--output", "-F", "--freq")
    + ("-c", "--count", "--call-graph", "-m", "--mmap-pages", "-p", "--pid", "-t", "--tid")
)


def h_perf(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`perf stat CMD`, `perf record CMD`: CMD runs and is judged; perf only counts or
    samples it (record writes perf.data). Watching other processes is not the project's."""
    sub = args[0].value if args else None
    if sub in ("list", "report", "annotate", "script", "version", "help", "--version", None):
        a.add(Tier.READ_ONLY, f"perf {sub or ''} prints events or reads a recording")
        return
    if sub not in ("stat", "record"):
        a.add(Tier.HIGH, f"perf {sub} watches the whole machine or changes its settings")
        return
    opts, pos = split_opts(args[1:], _PERF_STAT_OPTS, stop_at_positional=True)
    if _has(opts, "-a", "--all-cpus", "-p", "--pid", "-t", "--tid"):
        a.add(Tier.HIGH, f"perf {sub} watches other processes")
    outputs = _vals(opts, "-o", "--output")
    for out in outputs:
        a.write(out, cmd.cwd)
    if sub == "record" and not outputs:
        a.write(Word("perf.data", "perf.data"), cmd.cwd)
    if not pos:
        a.add(Tier.HIGH, f"perf {sub} with nothing to run watches the whole machine")
        return
    a.add(Tier.READ_ONLY, f"perf {sub} counts what its command does")
    a.run_argv(pos, cmd)


def h_logsave(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`logsave [-asv] FILE CMD...`: runs CMD and saves what it prints in FILE."""
    _, pos = split_opts(args, stop_at_positional=True)
    if len(pos) < 2:
        a.add(Tier.HIGH, "logsave without a command to run")
        return
    a.write(pos[0], cmd.cwd)
    a.run_argv(pos[1:], cmd)


# gdb commands that only read the program file, and those that run it.
_GDB_READS = frozenset(
    {"info", "list", "l", "disassemble", "ptype", "whatis", "x", "print", "p", "output"}
    | {"quit", "q", "echo", "help", "show", "file", "symbol-file", "maint", "bt", "where"}
    | {"backtrace", "frame", "f", "up", "down", "thread", "printf"}
)
_GDB_RUNS = frozenset({"run", "r", "start", "starti", "continue", "c", "next", "n", "step"})
_GDB_SAFE_SETTINGS = re.compile(r"^set (pagination|confirm|print|width|height|listsize)\b")


def h_gdb(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`gdb -batch -ex 'info functions' build/app`: gdb's own commands decide. Reading the
    program is reading a file; running it runs the project's program; a shell escape,
    Python, calls into the program, attaching to a process or writing memory are not
    judged here and are asked."""
    opts, pos = split_opts(
        args,
        ("-ex", "--ex", "-iex", "-x", "--command", "-ix", "-p", "--pid", "-cd", "-d")
        + ("--directory", "-s", "--symbols", "-e", "--exec", "-c", "--core", "-ix"),
        stop_at_positional=True,
    )
    words = {w.value for w in args}
    if not words & {"-batch", "--batch"}:
        a.add(Tier.HIGH, "gdb without -batch is an interactive debugger that runs commands")
    if _vals(opts, "-p", "--pid"):
        a.add(Tier.HIGH, "gdb attaches to a running process")
    for script in _vals(opts, "-x", "--command", "-ix"):
        _run_file(name, script, cmd, a)
    program = pos[0] if pos else None
    if "--args" in words and program is None:
        a.add(Tier.HIGH, "gdb --args without a program")
    runs = False
    for ex in _vals(opts, "-ex", "--ex", "-iex"):
        text = (ex.value or "").strip()
        verb = text.split()[0] if text.split() else ""
        if verb in ("shell", "!") or text.startswith("!"):
            a.add(Tier.HIGH, f"gdb command {text[:40]!r} runs a shell command")
            a.run_script(text.removeprefix("shell").lstrip("! "), cmd.cwd, "gdb shell")
        elif ex.value is None or "(" in text or "$_shell" in text:
            a.add(Tier.HIGH, f"gdb command {text[:40]!r} calls into the program or runs code")
        elif verb in _GDB_RUNS:
            runs = True
        elif verb not in _GDB_READS and not _GDB_SAFE_SETTINGS.match(text):
            a.add(Tier.HIGH, f"gdb command {text[:40]!r} runs code or changes the program")
    if program is not None:
        if runs:
            a.run_argv(pos if "--args" in words else [program], cmd)
        else:
            a.read(program, cmd.cwd)
    a.add(Tier.READ_ONLY, "gdb reads the program's symbols and code")


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


def _ex_commands(text: str) -> list[str]:
    """An ex command line split at `|` (not `\\|`, which a pattern holds)."""
    return [part.strip() for part in re.split(r"(?<!\\)\|", text) if part.strip()]


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
                    shell = re.match(r"^[\s:]*(?:(?:r|read|w|write)\s*)?!(.+)$", part)
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
                elif body[0] in "gv" and not re.search(r"([^\w\s])\s*(d|delete|j|join)\s*$", body):
                    a.add(Tier.HIGH, f"{name} runs ex commands for matching lines ({_short(part)})")
            elif not _EX_EDITS.match(body):
                a.add(Tier.HIGH, f"{name} ex command {_short(part)!r} may run programs or code")
                shell = re.match(r"^(?:(?:r|read|w|write)\s*)?!(.+)$", body)
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
        elif re.match(r"^[0-9,.$;+\-]*(w|wq|W)$", line):
            writes = True
    a.add(Tier.WORKSPACE if writes else Tier.READ_ONLY, "ed edits files from a script")
    for f in pos:
        if writes:
            a.write(f, cmd.cwd)
        else:
            a.read(f, cmd.cwd)


def h_rm(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(args)
    recursive = _has(opts, "-r", "-R", "--recursive", "-d", "--dir")
    if _has(opts, "--no-preserve-root"):
        a.add(Tier.CRITICAL, "disables the root-directory safeguard (--no-preserve-root)")
    if not pos:
        a.add(Tier.READ_ONLY, "rm without operands")
        return
    for target in pos:
        a.delete(target, cmd.cwd, recursive)


def h_shred(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(args, ("-n", "-s", "--iterations", "--size"))
    for target in pos:
        place = a.place(target, cmd.cwd)
        if place.zone == "device":
            a.add(Tier.CRITICAL, f"overwrites the device {place.label}")
        else:
            tier, msg = path_risk.delete_tier(place, False)
            a.add(_max(tier, Tier.HIGH), f"irreversibly overwrites {place.label}")


def h_copy_move(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    args = expand_long(args, _COPY_LONG)
    opts, pos = split_opts(
        args,
        (
            "-t",
            "--target-directory",
            "-S",
            "--suffix",
            "-m",
            "-o",
            "-g",
            "--mode",
            "--owner",
            "--group",
            "--backup",
        ),
    )
    for mode in _vals(opts, "-m", "--mode"):
        if re.search(r"[ugoa]*[+=][rwxXt]*s|^[2-7][0-7]{3}$", mode.value or ""):
            a.add(Tier.CRITICAL, f"installs with the setuid/setgid bit ({mode.value})")
    target_dir = _vals(opts, "-t", "--target-directory")
    if target_dir:
        sources, dest = pos, target_dir[0]
    elif len(pos) >= 2:
        sources, dest = pos[:-1], pos[-1]
    else:
        a.add(Tier.WORKSPACE, f"{name} with a single operand")
        return
    for src in sources:
        if name == "mv":
            a.delete(src, cmd.cwd, recursive=True)
            # what is moved can be read under its new name: a Read rule for it holds here
            moved = a.place(src, cmd.cwd).path
            if moved is not None:
                a.touched.append((False, moved))
        else:
            a.read(src, cmd.cwd)
    dest_place = a.place(dest, cmd.cwd)
    if (
        name == "cp"
        and dest_place.zone == "secret"
        and dest_place.path is not None
        and dest_place.path.startswith(a.workspace + "/")
        and all(path_risk.is_template(os.path.basename(s.value or "")) for s in sources)
        and all(a.place(s, cmd.cwd).zone == "workspace" for s in sources)
    ):
        # `cp .env.example .env`: the project's own template, set up inside the project.
        a.add(Tier.WORKSPACE, f"creates {dest.value} from the project's template")
    else:
        a.write(dest, cmd.cwd)
    if name == "mv" and a.place(dest, cmd.cwd).zone == "harmless":
        a.add(Tier.HIGH, f"moves files onto {dest.value}, destroying them")


def _holds_persistence(path: str, home: str) -> bool:
    """Whether a directory in home holds files that run code later (~/.config holds
    ~/.config/autostart, ~/.config/wakeful ...)."""
    from wakeful.policy.path_risk import home_persist_bases

    prefix = path.rstrip("/") + "/"
    return any(base.startswith(prefix) for base in home_persist_bases(home))


def h_ln(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    args = expand_long(args, _COPY_LONG)
    opts, pos = split_opts(args, ("-t", "--target-directory", "-S", "--suffix"))
    a.add(Tier.WORKSPACE, "creates links")
    sources = pos if _vals(opts, "-t", "--target-directory") else pos[:-1] if len(pos) >= 2 else pos
    symbolic = any(f == "--symbolic" or f[:2] != "--" and "s" in f for f, _ in opts)
    for source in sources:
        place = a.place(source, cmd.cwd)
        if not symbolic and place.path is not None:
            # a hard link is the file itself under another name (a symbolic one is followed
            # when used): Read and Edit rules for the file hold for making it
            a.touched += [(False, place.path), (True, place.path)]
        if place.zone == "secret":
            a.add(
                Tier.HIGH, f"links to the credential {place.label}, exposing it under another name"
            )
        elif (
            place.zone in ("protected", "git_internal", "persist")
            or place.is_home
            or (place.zone == "home" and _holds_persistence(place.path or "", a.home))
            or place.contains_workspace
            or place.path == os.path.join(a.workspace, ".git")
        ):
            # A later command (or the rest of this one) writes through the link.
            a.add(
                Tier.HIGH,
                f"links to {place.label}: writes through the link would change protected "
                "files or the home directory",
            )
    target_dir = _vals(opts, "-t", "--target-directory")
    if target_dir:
        a.write(target_dir[0], cmd.cwd)
    elif len(pos) >= 2:
        a.write(pos[-1], cmd.cwd)
    elif pos:
        a.write(Word(os.path.basename(pos[0].value or "") or None, pos[0].text), cmd.cwd)


def h_rsync(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(
        args,
        (
            "-e",
            "--rsh",
            "--exclude",
            "--include",
            "--filter",
            "--exclude-from",
            "--include-from",
            "-f",
            "--chmod",
            "--rsync-path",
            "--password-file",
            "--port",
            "--timeout",
            "--backup-dir",
            "--suffix",
            "-T",
            "--temp-dir",
            "--log-file",
        ),
    )
    for shell in _vals(opts, "-e", "--rsh", "--rsync-path"):
        if shell.value and shell.value.split()[0] not in ("ssh",):
            a.add(Tier.HIGH, f"runs a custom remote shell `{shell.value}`")
    if len(pos) < 2:
        a.add(Tier.READ_ONLY, "lists files") if pos else a.add(Tier.WORKSPACE, "rsync")
        return
    sources, dest = pos[:-1], pos[-1]
    remote = [w for w in pos if w.value and re.match(r"^[\w.@-]+:", w.value)]
    for src in sources:
        if src in remote:
            a.add(Tier.NETWORK, f"downloads from {src.value}")
        else:
            a.read(src, cmd.cwd)
    if dest in remote:
        a.add(Tier.HIGH, f"uploads to the remote {dest.value}")
    else:
        a.write(dest, cmd.cwd)
    if _has(
        opts,
        "--delete",
        "--delete-before",
        "--delete-after",
        "--delete-during",
        "--remove-source-files",
        "--delete-excluded",
    ):
        tier, msg = (Tier.HIGH, "deletes files at the destination (--delete)")
        if dest not in remote:
            a.delete(dest, cmd.cwd, recursive=True)  # what it may delete there
            place = a.place(dest, cmd.cwd)
            if place.zone in ("workspace", "scratch") and not place.is_workspace:
                tier = Tier.WORKSPACE
        a.add(tier, msg)


def h_chmod(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(args, ("--reference",))
    recursive = _has(opts, "-R", "--recursive")
    if name == "chmod" and pos and pos[0].value is not None and not pos[0].value.startswith("-"):
        mode, targets = pos[0].value, pos[1:]
        if re.search(r"[ugoa]*[+=][rwxXt]*s|^[4-7][0-7]{3}$", mode):
            a.add(Tier.CRITICAL, f"sets the setuid/setgid bit ({mode}): privilege escalation")
    else:
        mode, targets = ((pos[0].value or "") if pos else ""), pos[1:]
        if name in ("chown", "chgrp") and mode and mode.split(":")[0] in ("root", "0"):
            a.add(Tier.HIGH, f"gives files to {mode}")
        elif name in ("chown", "chgrp") and targets:
            # Only root can give files away, and only the new owner or root can take them
            # back: not a recoverable workspace change even inside the workspace.
            a.add(Tier.HIGH, f"{name} gives files to another owner ({mode or 'unknown'})")
    if name == "chmod" and re.search(r"[0-7]?[0-7][0-7]7$|o\+w|a\+w", mode or "") and recursive:
        a.add(Tier.HIGH, f"makes files world-writable ({mode})")
    for target in targets:
        place = a.place(target, cmd.cwd)
        if place.zone in ("workspace", "scratch") and not (
            place.is_workspace and recursive and name != "chmod"
        ):
            a.add(Tier.WORKSPACE, f"changes permissions of {place.label}")
        elif place.is_root or place.is_home or place.contains_workspace:
            a.add(
                Tier.CRITICAL,
                f"changes permissions of {place.label} ({'recursively' if recursive else 'top level'})",
            )
        elif place.zone == "system":
            a.add(
                Tier.CRITICAL if recursive else Tier.HIGH,
                f"changes permissions of the system path {place.label}",
            )
        else:
            tier, msg = path_risk.write_tier(place)
            a.add(tier, f"changes permissions: {msg}")


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
                    base = starts[0].value if starts[0].value is not None else None
                    inner.append(
                        Word(
                            None
                            if base is None
                            else base.rstrip("/") + "/" + w.value.replace("{}", found),
                            w.text,
                        )
                    )
                else:
                    inner.append(w)
                j += 1
            acted = True
            if inner:
                a.run_argv(inner, cmd)
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
                        cmd,
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


_FIND_NAME_TESTS = frozenset(
    {
        "-name",
        "-iname",
        "-path",
        "-ipath",
        "-regex",
        "-iregex",
        "-wholename",
        "-iwholename",
        "-lname",
        "-ilname",
    }
)
_FIND_OTHER_TESTS = frozenset(
    {
        "-empty",
        "-newer",
        "-mtime",
        "-mmin",
        "-atime",
        "-amin",
        "-ctime",
        "-cmin",
        "-size",
        "-user",
        "-group",
        "-perm",
        "-links",
        "-inum",
        "-samefile",
        "-uid",
        "-gid",
        "-newermt",
    }
)


# Other primaries that take a value (a format, a depth, a type, a reference file).
_FIND_VALUED = frozenset(
    {"-printf", "-maxdepth", "-mindepth", "-type", "-xtype", "-fstype", "-anewer", "-cnewer"}
    | {"-used", "-context"}
)
_FIND_NEWER_XY = re.compile(r"-newer[aBcm][aBcmt]")


def _find_filtered(expr: list[Word]) -> bool:
    for j, w in enumerate(expr):
        if w.value in _FIND_NAME_TESTS:
            if j + 1 < len(expr) and expr[j + 1].value not in ("*", "**", ".*", "*.*"):
                return True
        elif w.value in _FIND_OTHER_TESTS:
            return True
    return False


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
        tests.append((by_name, re.compile(fnmatch.translate(pattern)).match, fold))

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
    if len(names) != 1 or any(w.value in ("-o", "-or", "!", "-not") for w in expr):
        return None
    test, pattern = names[0]
    if not pattern or "/" in pattern:
        return None
    return pattern.lower() if test == "-iname" else pattern


def _fd_sample(args: list[Word]) -> str | None:
    opts, pos = split_opts(
        args, ("-e", "--extension", "-t", "--type", "-d", "--max-depth", "-E", "--exclude")
    )
    ext = _vals(opts, "-e", "--extension")
    base = pos[1].value if len(pos) > 1 else "."
    if base is None:
        return None
    name = f"*.{ext[0].value}" if ext and ext[0].value else "found"
    return base.rstrip("/") + "/" + name


_PASS_THROUGH = frozenset({"sort", "uniq", "head", "tail", "tac", "shuf", "cat"})


def _listed_paths(cmd: SimpleCommand) -> list[Word] | None:
    """What the pipeline upstream of `xargs` lists, as representative paths, or None when
    that is not known (then the paths count as computed at run time)."""
    for up in reversed(cmd.upstream):
        name = up.name
        args = up.argv[1:]
        values = [w.value or "" for w in args]
        if name in _PASS_THROUGH and (name != "cat" or not args):
            continue
        if name in ("grep", "egrep", "fgrep", "rg"):
            listing = any(
                v in ("-l", "--files-with-matches", "-L", "--files-without-match", "--files")
                or (v.startswith("-") and not v.startswith("--") and "l" in v)
                for v in values
            )
            if not listing:
                if any(not v.startswith("-") for v in values[1:]):
                    return None  # searches files: prints matching lines, not paths
                continue  # filters lines that came from further upstream
            spec = PROGRAMS.get("grep")
            takes = spec.value_opts if spec is not None else frozenset()
            opts, pos = split_opts(args, takes)
            if "--files" not in values and not _has(opts, "-e", "--regexp", "-f", "--file"):
                pos = pos[1:]
            dirs = pos or [Word(".", ".")]
            return [
                Word(None, d.text)
                if d.value is None
                else Word(d.value.rstrip("/") + "/found", d.text)
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
        if name in ("fd", "fdfind"):
            sample = _fd_sample(args)
            return [Word(sample, sample)] if sample else None
        if name == "git" and values[:1] in (["diff"], ["status"]):
            return [Word("./found", "<changed paths>")]
        if name == "git" and values[:1] == ["ls-files"]:
            specs = [v for v in values[1:] if not v.startswith("-")]
            if not specs:
                return [Word("./*", "<tracked paths>")]
            return [
                Word(v if any(c in v for c in "*?[") else v.rstrip("/") + "/found", v)
                for v in specs
            ]
        if name == "ls":
            dirs = [w for w in args if not (w.value or "").startswith("-")]
            return [
                Word(None, d.text) if d.value is None else Word(d.value.rstrip("/") + "/*", d.text)
                for d in (dirs or [Word(".", ".")])
            ]
        if name in ("echo", "printf"):
            words = [w for w in args if not (w.value or "").startswith("-")]
            if all(w.value is not None for w in words) and words:
                return words
        return None
    return None


def h_fd(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
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
        found = Word(None if root is None else root.rstrip("/") + "/found", "<found>")
        inner = [
            Word(found.value, x.text) if x.value and "{" in x.value else x
            for x in args[cut + 1 :]
            if x.value != ";"
        ]
        a.run_argv(inner + [found], cmd)
        return
    a.add(Tier.READ_ONLY, "finds files")


def h_sed(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    args = expand_long(args, _SED_LONG)
    opts, pos = split_opts(args, ("-e", "--expression", "-f", "--file", "-l", "--line-length"))
    inplace = any(flag in ("-i", "--in-place") or flag.startswith("--in-place") for flag, _ in opts)
    for flag, _ in opts:
        if flag.startswith("-i") and flag != "-i":
            inplace = True
    raw = [
        w.value for (w,) in zip(args, strict=False) if w.value and re.fullmatch(r"-i\S+", w.value)
    ]
    if raw:
        inplace = True
    scripts = _vals(opts, "-e", "--expression")
    for f in _vals(opts, "-f", "--file"):
        # its `e` and `w` commands run and write anything: a script from elsewhere is code
        # from elsewhere
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


_SED_ADDR = re.compile(
    r"^\s*(?:\d+|\$|/(?:[^/\\]|\\.)*/[IM]*)?(?:\s*,\s*(?:\d+|\$|/(?:[^/\\]|\\.)*/[IM]*|[+~]\d+))?\s*!?\s*"
)


def _sed_script(script: str, cmd: SimpleCommand, a: Analyzer) -> None:
    for part in re.split(r"[;\n]", script):
        body = _SED_ADDR.sub("", part, count=1).lstrip("{ ")
        if not body:
            continue
        op = body[0]
        if op == "e":
            a.add(Tier.HIGH, "sed runs a shell command (e)")
        elif op in ("w", "W"):
            target = body[1:].strip()
            if target not in ("/dev/stdout", "/dev/stderr"):
                a.write(Word(target, target), cmd.cwd)
        elif op == "s" and len(body) > 1:
            delim = re.escape(body[1])
            m = re.match(
                rf"s{delim}(?:\\.|[^\\])*?{delim}(?:\\.|[^\\])*?{delim}([gpiImMe0-9]*)(w\s*(.*))?",
                body,
            )
            if m:
                if "e" in m.group(1):
                    a.add(Tier.HIGH, "sed runs the pattern space as a command (s///e)")
                if m.group(2):
                    target = (m.group(3) or "").strip()
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
        for m in re.finditer(r"@\s*(include|load)\s*\"([^\"]*)\"", text):
            named = Word(m.group(2), m.group(2))
            if m.group(1) == "include":
                _run_file(name, named, cmd, a)
            else:
                _awk_library(named, cmd, a)
        if re.search(r"@\s*(?!include\b|load\b|namespace\b)[A-Za-z_]\w*\s*\(", text):
            a.add(Tier.HIGH, "awk calls a function named at run time (@name(...))")
        for m in re.finditer(r"\bgetline\b[^;}<|]*<\s*(\"([^\"]*)\"|[^\s;})]+)", text):
            if m.group(2) is not None:
                a.read(Word(m.group(2), m.group(2)), cmd.cwd)
            else:
                a.add(Tier.HIGH, "awk reads a file named at run time (getline <)")
        if re.search(r"\bsystem\s*\(", text):
            a.add(Tier.HIGH, "awk runs shell commands (system())")
            for m in _STRING_LITERAL.finditer(text):
                lit = next(g for g in m.groups() if g is not None)
                if " " in lit:
                    a.run_script(lit, cmd.cwd, "awk system()")
        if re.search(r"\|\s*&?\s*getline|print[f]?[^;}]*\|\s*\"", text) or "|&" in text:
            a.add(Tier.HIGH, "awk pipes to or from a shell command")
        for m in re.finditer(r"print[f]?\b[^;}|]*?>>?\s*(\"([^\"]*)\"|([A-Za-z_$][\w$]*))", text):
            if m.group(2) is not None:
                a.write(Word(m.group(2), m.group(2)), cmd.cwd)
            else:
                a.add(Tier.HIGH, "awk writes to a file named at run time")
    files = [w for w in pos if not (w.value and re.fullmatch(r"[A-Za-z_]\w*=.*", w.value))]
    if inplace:
        for f in files:
            a.write(f, cmd.cwd)
    else:
        a.add(Tier.READ_ONLY, "processes text")
        for f in files:
            a.read(f, cmd.cwd)


def h_tar(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    args = expand_long(args, _TAR_LONG)
    if (
        args
        and args[0].value
        and not args[0].value.startswith("-")
        and re.fullmatch(r"[A-Za-z]+", args[0].value)
    ):
        args = [Word("-" + args[0].value, args[0].text)] + args[1:]
    opts, pos = split_opts(
        args,
        (
            "-f",
            "--file",
            "-C",
            "--directory",
            "-T",
            "--files-from",
            "-X",
            "--exclude-from",
            "-I",
            "--use-compress-program",
            "--to-command",
            "--checkpoint-action",
            "--rsh-command",
            "--info-script",
            "-F",
            "--new-volume-script",
            "--exclude",
            "-b",
            "-N",
            "--transform",
            "--xform",
            "--owner",
            "--group",
            "--mode",
            "--strip-components",
            "-H",
            "--format",
        ),
    )
    for flag in (
        "--to-command",
        "--checkpoint-action",
        "--rsh-command",
        "--info-script",
        "-F",
        "--new-volume-script",
        "-I",
        "--use-compress-program",
    ):
        for value in _vals(opts, flag):
            a.add(Tier.HIGH, f"tar runs a command ({flag})")
            code = value.value or ""
            if flag == "--checkpoint-action":
                code = code.split("exec=", 1)[1] if "exec=" in code else ""
            if code:
                a.run_script(code, cmd.cwd, f"tar {flag}")
    archive = _vals(opts, "-f", "--file")
    dest = _vals(opts, "-C", "--directory")
    dest_dir = dest[0] if dest else Word(cmd.cwd or None, ".")
    if _has(opts, "-x", "--extract", "--get"):
        a.write(dest_dir if dest else Word(".", "."), cmd.cwd)
        for f in archive:
            a.read(f, cmd.cwd)
        if _has(opts, "-P", "--absolute-names"):
            a.add(Tier.HIGH, "extracts absolute paths (-P)")
    elif _has(opts, "-c", "--create", "-r", "--append", "-u", "--update"):
        for f in archive:
            if f.value != "-":
                a.write(f, cmd.cwd)
        for p in pos:
            a.read(p, cmd.cwd)
        if _has(opts, "--remove-files"):
            for p in pos:
                a.delete(p, cmd.cwd, recursive=True)
    else:
        a.add(Tier.READ_ONLY, "lists an archive")
        for f in archive:
            a.read(f, cmd.cwd)


def h_unzip(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(args, ("-d", "-x", "-P"))
    if _has(opts, "-l", "-t", "-v", "-Z", "-p", "-c"):
        a.add(Tier.READ_ONLY, "lists an archive")
    else:
        dest = _vals(opts, "-d")
        a.write(dest[0] if dest else Word(".", "."), cmd.cwd)
    for p in pos[:1]:
        a.read(p, cmd.cwd)


def h_7z(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`7z COMMAND ARCHIVE [FILES]` with joined switches (`-oDIR`, `-pSECRET`): l, t, h
    and i read; a, u, d and rn rewrite the archive; e and x extract into -o (or here)."""
    switches = [w.value or "" for w in args if (w.value or "").startswith("-")]
    pos = [w for w in args if not (w.value or "").startswith("-")]
    verb = pos[0].value if pos else None
    if verb in ("l", "t", "h", "i", "b"):
        a.add(Tier.READ_ONLY, f"7z {verb} lists, tests or hashes an archive")
        for word in pos[1:]:
            a.read(word, cmd.cwd)
    elif verb in ("a", "u", "d", "rn"):
        a.add(Tier.WORKSPACE, f"7z {verb} writes an archive")
        if len(pos) > 1:
            a.write(pos[1], cmd.cwd)
        for word in pos[2:]:
            if "-sdel" in switches:
                a.delete(word, cmd.cwd, recursive=True)  # deletes files once archived
            elif verb in ("a", "u"):
                a.read(word, cmd.cwd)
    elif verb in ("e", "x"):
        a.add(Tier.WORKSPACE, f"7z {verb} extracts an archive")
        outs = [s[2:] for s in switches if s.startswith("-o") and len(s) > 2]
        target = outs[-1] if outs else "."
        a.write(Word(target, target), cmd.cwd)
        if len(pos) > 1:
            a.read(pos[1], cmd.cwd)
    else:
        a.add(Tier.HIGH, f"7z {verb}: an unknown command")


def h_dd(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    wrote = False
    values = [w.value or "" for w in args]
    if (
        any(v[3:] in _ENDLESS_DEVICES for v in values if v.startswith("if="))
        and any(v.startswith("of=") and v[3:] != "/dev/null" for v in values)
        and not any(v.startswith(("count=", "iflag=count")) for v in values)
    ):
        a.add(Tier.HIGH, "copies an endless device into a file with no count (fills the disk)")
    for w in args:
        if w.value and w.value.startswith("of="):
            a.write(Word(w.value[3:], w.text), cmd.cwd)
            wrote = True
        elif w.value and w.value.startswith("if="):
            a.read(Word(w.value[3:], w.text), cmd.cwd)
    if not wrote:
        a.add(Tier.READ_ONLY, "copies to stdout")


def h_kill(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    values = [w.value or "" for w in args]
    if "-1" in values[1:] or values[-1:] == ["-1"] or "1" in values:
        a.add(Tier.CRITICAL, "kills every process (or init)")
        return
    if any(v in ("-l", "-L", "--list") for v in values):
        a.add(Tier.READ_ONLY, "lists signals")
        return
    targets = [v for v in values if not v.startswith("-")]
    if targets and all(re.fullmatch(r"%[0-9]+|%%|%\+|%-", v) for v in targets):
        a.add(Tier.WORKSPACE, "stops a background job this shell started")
        return
    a.add(Tier.HIGH, f"{name} stops processes outside the workspace")


def h_ssh(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(
        args,
        (
            "-i",
            "-p",
            "-l",
            "-o",
            "-F",
            "-L",
            "-R",
            "-D",
            "-J",
            "-W",
            "-b",
            "-c",
            "-e",
            "-E",
            "-m",
            "-O",
            "-Q",
            "-S",
            "-w",
            "-B",
            "-I",
        ),
        stop_at_positional=True,
    )
    for key in _vals(opts, "-o"):
        if key.value and re.match(
            r"(?i)(ProxyCommand|LocalCommand|PermitLocalCommand|KnownHostsCommand)", key.value
        ):
            a.add(Tier.HIGH, f"ssh runs a local command ({key.value.split('=')[0]})")
    if _has(opts, "-G") and not _has(opts, "-F", "-o") and len(pos) <= 1:
        # `ssh -G HOST` prints the configuration it would use and connects to nothing
        a.add(Tier.READ_ONLY, "ssh -G prints the configuration for a host")
        return
    if _has(opts, "-R", "-D", "-L", "-w"):
        a.add(Tier.HIGH, "opens a network tunnel")
    if len(pos) > 1:
        remote = " ".join(w.value or w.text for w in pos[1:])
        a.add(Tier.HIGH, f"runs `{_short(remote)}` on the remote host {pos[0].value}")
        sub = Analyzer(a.workspace, "/nonexistent-remote-home", a.depth + 1)
        from wakeful.policy.shell import analyze

        analyze(remote, sub, cwd=None, depth=a.depth + 1)
        if sub.tier() == Tier.CRITICAL:
            a.add(Tier.CRITICAL, "the remote command is destructive or reads credentials")
        return
    a.add(Tier.HIGH, "opens a remote shell")


def _short(text: str) -> str:
    return text if len(text) < 50 else text[:47] + "..."


def h_scp(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    if name == "sftp":
        # sftp always opens a session with its host; `-b FILE` runs transfer commands
        a.add(Tier.NETWORK, "sftp transfers files with another machine")
        a.add(Tier.HIGH, "sftp runs transfer commands (put, get, rm) on another machine")
        return
    opts, pos = split_opts(args, ("-i", "-P", "-o", "-F", "-c", "-l", "-S", "-J"))
    if len(pos) < 2:
        a.add(Tier.HIGH, f"{name} without a destination")
        return
    remote = [w for w in pos if w.value and re.match(r"^[\w.@-]+:", w.value)]
    sources, dest = pos[:-1], pos[-1]
    for src in sources:
        if src not in remote:
            a.read(src, cmd.cwd)
        else:
            a.add(Tier.NETWORK, f"downloads {src.value}")
    if dest in remote:
        a.add(Tier.HIGH, f"uploads files to {dest.value}")
        for src in sources:
            if src not in remote and a.place(src, cmd.cwd).zone == "secret":
                a.add(
                    Tier.CRITICAL,
                    f"sends credentials {src.value} to another machine (exfiltration)",
                )
    else:
        a.write(dest, cmd.cwd)


def _upstream_secret(cmd: SimpleCommand, a: Analyzer) -> str | None:
    for up in cmd.upstream:
        if up.name in _SECRET_ENV_READERS and len(up.argv) <= 2:
            return f"the environment (`{up.text}`)"
        for w in up.argv[1:]:
            if w.value and a.place(w, up.cwd).zone == "secret":
                return w.value
    return None


def h_curl(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    value_opts = (
        "-d",
        "--data",
        "--data-binary",
        "--data-raw",
        "--data-urlencode",
        "--data-ascii",
        "-F",
        "--form",
        "--form-string",
        "-T",
        "--upload-file",
        "-X",
        "--request",
        "-o",
        "--output",
        "-H",
        "--header",
        "-u",
        "--user",
        "-A",
        "--user-agent",
        "-e",
        "--referer",
        "-K",
        "--config",
        "-b",
        "--cookie",
        "-c",
        "--cookie-jar",
        "--json",
        "-w",
        "--write-out",
        "-m",
        "--max-time",
        "--connect-timeout",
        "-x",
        "--proxy",
        "--retry",
        "-E",
        "--cert",
        "--key",
        "--cacert",
        "-r",
        "--range",
        "-z",
        "--time-cond",
        "-U",
        "--proxy-user",
        "--resolve",
        "--url",
        "-Q",
        "--quote",
        "--limit-rate",
        "-D",
        "--dump-header",
        "--stderr",
        "--trace",
        "--trace-ascii",
        "--output-dir",
    )
    opts, pos = split_opts(args, value_opts)
    a.add(Tier.NETWORK, "fetches from the network")
    uploads = _vals(
        opts,
        "-d",
        "--data",
        "--data-binary",
        "--data-raw",
        "--data-urlencode",
        "--data-ascii",
        "-F",
        "--form",
        "-T",
        "--upload-file",
        "--json",
    )
    method = [(_v(m)).upper() for m in _vals(opts, "-X", "--request")]
    if uploads or any(m in ("POST", "PUT", "DELETE", "PATCH") for m in method):
        a.add(Tier.HIGH, "sends data to a remote server")
    for up in uploads:
        text = up.value or ""
        ref = text.split("=", 1)[-1] if "=@" in text or "=<" in text else text
        if ref.startswith(("@", "<")):
            src = ref[1:].split(";")[0]
            if src == "-":
                secret = _upstream_secret(cmd, a)
                if secret:
                    a.add(Tier.CRITICAL, f"uploads {secret} to the network (exfiltration)")
            else:
                place = a.place(src, cmd.cwd)
                if place.zone == "secret":
                    a.add(Tier.CRITICAL, f"uploads credentials {src} (exfiltration)")
                else:
                    a.read(Word(src, src), cmd.cwd)
        elif up.value is None and ("$(" in up.text or "`" in up.text):
            a.add(Tier.HIGH, "uploads the output of a command")
    for f in _vals(
        opts,
        "-o",
        "--output",
        "-c",
        "--cookie-jar",
        "-D",
        "--dump-header",
        "--trace",
        "--trace-ascii",
        "--stderr",
    ):
        if f.value != "-":
            a.write(f, cmd.cwd)
    for f in _vals(opts, "-K", "--config", "-E", "--cert", "--key"):
        a.read(f, cmd.cwd)
    if _has(opts, "-O", "--remote-name", "--remote-name-all", "-J"):
        a.write(Word("download", "-O"), cmd.cwd)
    if any(_v(u).startswith("file:") for u in pos):
        for u in pos:
            if _v(u).startswith("file://"):
                a.read(Word(_v(u)[7:], u.text), cmd.cwd)


def h_wget(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(
        args,
        (
            "-O",
            "--output-document",
            "-o",
            "--output-file",
            "-P",
            "--directory-prefix",
            "--post-data",
            "--post-file",
            "--body-data",
            "--body-file",
            "--method",
            "--header",
            "-U",
            "--user-agent",
            "-e",
            "--execute",
            "-i",
            "--input-file",
            "-T",
            "--timeout",
            "-t",
            "--tries",
            "--user",
            "--password",
            "-a",
            "--append-output",
            "-Q",
            "--quota",
            "-l",
            "--level",
        ),
    )
    a.add(Tier.NETWORK, "fetches from the network")
    for f in _vals(opts, "--post-file", "--body-file"):
        if a.place(f, cmd.cwd).zone == "secret":
            a.add(Tier.CRITICAL, f"uploads credentials {f.value} (exfiltration)")
        else:
            a.add(Tier.HIGH, "sends a file to a remote server")
    if _has(opts, "--post-data", "--body-data") or any(
        _v(m).upper() in ("POST", "PUT", "DELETE", "PATCH") for m in _vals(opts, "--method")
    ):
        a.add(Tier.HIGH, "sends data to a remote server")
    for f in _vals(opts, "-O", "--output-document", "-o", "--output-file", "-a", "--append-output"):
        if f.value != "-":
            a.write(f, cmd.cwd)
    for d in _vals(opts, "-P", "--directory-prefix"):
        a.write(d, cmd.cwd)
    if not _vals(opts, "-O", "--output-document"):
        a.write(Word("download", "wget"), cmd.cwd)
    if _vals(opts, "-e", "--execute"):
        a.add(Tier.HIGH, "wget runs configuration commands (-e)")


def h_netcat(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    values = [w.value or "" for w in args]
    if any(
        v in ("-e", "-c", "--exec", "--sh-exec", "--lua-exec") or v.startswith("-e") for v in values
    ) or (name == "socat" and any(re.search(r"(?i)\b(exec|system):", v) for v in values)):
        a.add(Tier.CRITICAL, f"{name} connects a shell to the network (reverse or bind shell)")
        return
    if cmd.upstream or any(r.op == "<" for r in cmd.redirects):
        secret = _upstream_secret(cmd, a)
        a.add(
            Tier.CRITICAL if secret else Tier.HIGH,
            f"sends {secret or 'data'} over a raw network connection",
        )
        return
    a.add(Tier.HIGH, f"{name} opens a raw network connection")


_GIT = FAMILIES["git"]
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
    _git_option_effects(sub, sargs, vals, cwd, a)
    part = f"git {sub}"
    rule = _GIT.subcommands.get(sub)
    if rule is not None:  # judged by its data entry in program_rules
        a.deciders.append((name, f"subcommand entry `{sub}` in policy/program_rules.py"))
        sub_tier, why = judge_subcommand(rule, vals)
        a.add(sub_tier, why, part=part)
        return
    code = _GIT_CODE.get(sub)
    if code is not None and code(_GitCall(sub, sargs, vals, cwd, cmd, a, part)):
        return
    tier = _GIT.tiers.get(sub)
    if tier is not None:
        a.add(tier, _GIT_SAYS[tier], part=part)
    else:
        a.add(Tier.HIGH, f"runs `git {sub}`, an unknown git command or alias", part=part)


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
    # `git init DIR`, `--separate-git-dir=DIR`: the repository is made there
    opts, pos = split_opts(
        c.sargs, ("--template", "--separate-git-dir", "-b", "--initial-branch", "--shared")
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
            or "-f" in flags
            or "--force" in flags
        )
        or c.sub == "restore"
        and not any(f in ("--staged", "-S") for f in flags)
        or (c.sub == "restore" and any(f in ("--worktree", "-W") for f in flags))
    ):
        c.a.add(Tier.HIGH, "discards uncommitted changes (irreversible)", part=c.part)
    else:
        c.a.add(Tier.WORKSPACE, "switches branches or restores the index", part=c.part)
    return True


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
    elif action in ("remove", "prune"):
        c.a.add(Tier.HIGH, "removes a worktree and its uncommitted files", part=c.part)
    else:
        c.a.add(Tier.WORKSPACE, "adds a worktree", part=c.part)
        for target in c.sargs[1:2]:
            c.a.write(target, c.cwd)
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


def _git_clone(c: _GitCall) -> bool:
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
_GIT_CODE: Mapping[str, Callable[[_GitCall], bool]] = MappingProxyType(
    {
        "init": _git_init,
        "bundle": _git_bundle,
        "branch": _git_branch,
        "checkout": _git_checkout,
        "restore": _git_checkout,
        "rm": _git_rm,
        "config": _git_config_call,
        "worktree": _git_worktree,
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
    for v in vals if rule.options else ():
        if not v.startswith("-"):
            continue
        if v.startswith("--"):
            # `--prune=now` may have an entry of its own; else `--rebase=merges` is `--rebase`
            name = v.partition("=")[0]
            found = rule.options.get(v) or rule.options.get(name)
            if found is None and len(name) > 3:  # git takes a prefix: `--exe=` is `--exec=`
                full = [o for o in rule.options if o.startswith(name)]
                found = rule.options[full[0]] if len(full) == 1 else None
        elif rule.clusters:
            found = next((rule.options[f"-{c}"] for c in v[1:] if f"-{c}" in rule.options), None)
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


def _git_config_pair(pair: str | None, a: Analyzer, cmd: SimpleCommand) -> None:
    if pair is None:
        a.add(Tier.HIGH, "git -c sets configuration only known at run time")
        return
    key, _, value = pair.partition("=")
    if GIT_EXEC_KEYS.match(key):
        a.add(Tier.HIGH, f"git -c {key}=... makes git run a program")
        if key.lower().startswith("alias.") and not value.startswith("!"):
            return  # git arguments, not a shell command: h_git expands it where it is used
        if value and not key.lower().startswith(("include", "url.", "protocol.")):
            a.run_script(value.lstrip("!"), cmd.cwd, f"git -c {key}")


_GIT_SECRET_KEYS = re.compile(r"credential|extraheader|password|passwd|token|secret", re.I)


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
        asked = [v for v in vals if not v.startswith("-") and _GIT_SECRET_KEYS.search(v)]
        if asked:
            # credential.*, http.*.extraheader (CI checkouts keep their token there)
            a.add(Tier.HIGH, f"reads {asked[0]}, git configuration that holds credentials")
        else:
            a.add(Tier.READ_ONLY, "reads git configuration", part=part)
        return
    keys = [v for v in vals if not v.startswith("-") and v not in ("set", "unset")]
    scope_global = any(
        v in ("--global", "--system", "--file", "-f") or v.startswith("--file") for v in vals
    )
    if keys and GIT_EXEC_KEYS.match(keys[0]):
        a.add(Tier.HIGH, f"sets {keys[0]}, which makes git run a program", part=part)
    elif scope_global:
        a.add(Tier.HIGH, "changes global git configuration", part=part)
    else:
        a.add(Tier.WORKSPACE, "changes this repository's git configuration", part=part)


def h_python(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(
        args, ("-c", "-m", "-W", "-X", "--check-hash-based-pycs", "-Q"), stop_at_positional=True
    )
    codes = _vals(opts, "-c")
    modules = _vals(opts, "-m")
    starts = [(w.value or "")[:2] for w in args]
    if codes and modules and starts.index("-m") < starts.index("-c"):
        codes = []  # `python -m zipfile -c OUT FILES`: the -c is the module's
    if codes:
        code = codes[0]
        if code.value is None:
            _dynamic_code(code, a, "python -c")
        else:
            _inline_code("python", code.value, cmd, a)
        return
    if modules and modules[0].value in ("zipfile", "tarfile"):
        # the module's own options follow its name (`-m zipfile -l F`): not python's
        at = next((i for i, w in enumerate(args) if w is modules[0]), None)
        _python_archive(modules[0].value or "", pos if at is None else args[at + 1 :], cmd, a)
        return
    if modules:
        _python_module(modules[0].value, pos, cmd, a)
        return
    if pos and pos[0].value != "-":
        _run_file("python", pos[0], cmd, a)
        if os.path.basename(pos[0].value or "") == "manage.py":
            _django_manage(pos[1:], cmd, a)
        return
    exec_stdin(cmd, a, "python", shell=False)


_DJANGO_WIPE = frozenset({"flush", "reset_db", "reset_schema", "drop_test_database"})
# Built-in tasks of the frameworks' consoles (the Rails command-line guide, Laravel's artisan
# docs, Symfony's console and DoctrineBundle): the framework defines them, not the project,
# and they drop or undo what the configured database holds (which may not be a local one),
# reveal or replace the application's secrets, or serve the application to the network.
# Full matches on the task name, each with what it does; a task not listed is project work.
_DB_LOSS = "deletes data in the configured database"
_SECRETS = "reveals or replaces the application's secrets"
_SERVES = "serves the application or opens a console on its database"
_FRAMEWORK_TASKS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "rails": (
        (
            re.compile(
                r"db:(drop|reset|purge|schema:load|structure:load|test:purge|seed:replant|"
                r"truncate_all|rollback|fixtures:load|migrate:(reset|redo|down))(:\w+)?"
            ),
            _DB_LOSS,
        ),
        (re.compile(r"(credentials|encrypted|secrets):\w+"), _SECRETS),
        (re.compile(r"s|server|c|console|db|dbconsole"), _SERVES),
    ),
    "artisan": (
        (re.compile(r"db:wipe|migrate:(fresh|reset|refresh|rollback)"), _DB_LOSS),
        (re.compile(r"queue:(flush|clear|forget|prune-failed)"), "deletes queued or failed jobs"),
        (re.compile(r"env:(decrypt|encrypt)|config:show"), _SECRETS),
        (re.compile(r"serve|db|reverb:start|octane:start"), _SERVES),
    ),
    "console": (
        (
            re.compile(
                r"doctrine:(database|schema|mongodb:schema):drop|doctrine:fixtures:load|"
                r"doctrine:schema:update|dbal:run-sql|doctrine:query:(sql|dql)|"
                r"doctrine:migrations:execute"
            ),
            _DB_LOSS,
        ),
        (re.compile(r"secrets:(reveal|decrypt-to-local|set|remove|generate-keys)"), _SECRETS),
        (re.compile(r"debug:dotenv"), _SECRETS),
        (re.compile(r"server:(run|start)"), _SERVES),
    ),
}
# Laravel's `--env` and Rails' environments that are not a developer's own
_LOCAL_ENVS = frozenset({"local", "dev", "development", "test", "testing"})


def framework_task(kind: str, name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> bool:
    """Judge a framework console's built-in task (`rake db:drop`, `bin/rails credentials:show`,
    `php artisan migrate:fresh`, `bin/console secrets:reveal`): True when it is one that
    loses data, reveals secrets, serves or runs code given here. `kind` is rails (also
    rake), artisan or console (Symfony)."""
    words = [w.value for w in args]
    task = next((v for v in words if v is None or not v.startswith("-")), "")
    if task is None:
        a.add(Tier.HIGH, f"{name} runs a task only known at run time")
        return True
    rest = args[words.index(task) + 1 :] if task else []
    for pattern, what in _FRAMEWORK_TASKS[kind]:
        if pattern.fullmatch(task):
            a.add(Tier.HIGH, f"{name} {task} {what}")
            return True
    for v in words:
        if v is not None and v.startswith("--env=") and v[6:] not in _LOCAL_ENVS:
            a.add(Tier.HIGH, f"{name} {task} runs in the {v[6:]} environment")
            return True
    if kind == "artisan":
        if task == "key:generate" and "--show" not in words:
            a.add(
                Tier.HIGH,
                "artisan key:generate replaces APP_KEY in .env: what it encrypted is lost",
            )
            return True
        if re.match(r"migrate|db:", task) and "--force" in words:
            a.add(Tier.HIGH, f"artisan {task} --force runs against a production database")
            return True
        if task == "tinker":
            _console_code(rest, ("--execute",), "php", "artisan tinker --execute", cmd, a)
            return True
    if kind == "console":
        if "--reveal" in words or "--env-vars" in words or "--env-var" in words:
            a.add(Tier.HIGH, f"bin/console {task} prints the application's secrets")
            return True
        if task == "doctrine:migrations:migrate" and any(
            v in ("first", "prev", "current-1") or (v or "").startswith("prev") for v in words
        ):
            a.add(Tier.HIGH, f"bin/console {task} undoes migrations: {_DB_LOSS}")
            return True
    if kind == "rails" and task in ("runner", "r") and rest:
        code = next((w for w in rest if not (w.value or "-").startswith("-")), None)
        if code is None:
            a.add(Tier.HIGH, "rails runner runs code only known at run time")
        elif re.search(r"[/.]rb$|/", code.value or ""):
            _run_file("ruby", code, cmd, a)
        else:
            _inline_code("ruby", code.value or "", cmd, a)
        return True
    return False


def _console_code(
    args: list[Word],
    code_opts: tuple[str, ...],
    language: str,
    label: str,
    cmd: SimpleCommand,
    a: Analyzer,
    other_opts: tuple[str, ...] = (),
) -> None:
    """A framework console (`artisan tinker`, `manage.py shell`): the code given to one of
    `code_opts` is judged as inline `language` code; without it, the console reads its
    code from standard input."""
    opts, _ = split_opts(args, code_opts + other_opts)
    codes = _vals(opts, *code_opts)
    if codes and codes[0].value is not None:
        _inline_code(language, codes[0].value, cmd, a)
    elif codes:
        _dynamic_code(codes[0], a, label)
    else:
        exec_stdin(cmd, a, language, shell=False)


def _django_manage(args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """A Django project's manage.py is project code, but some of its built-in commands act
    on whatever database the settings name, which may not be a local one, print the
    settings' secrets, serve, or import code from elsewhere (`--pythonpath`)."""
    words = [w.value for w in args]
    sub = next((v for v in words if not (v or "").startswith("-")), "")
    for k, v in enumerate(words):
        path = args[k + 1] if v == "--pythonpath" and k + 1 < len(args) else None
        if v is not None and v.startswith("--pythonpath="):
            path = Word(v[13:], v[13:])
        if path is not None and a.place(path, cmd.cwd).zone != "workspace":
            a.add(Tier.HIGH, f"manage.py imports code from {path.value}, outside the workspace")
    if sub is None:
        a.add(Tier.HIGH, "runs a manage.py command only known at run time")
        return
    after = [w for w in args[words.index(sub) + 1 :] if not (w.value or "-").startswith("-")]
    if sub in _DJANGO_WIPE:
        a.add(Tier.HIGH, f"manage.py {sub} deletes the data in the configured database")
    elif sub == "dbshell":
        a.add(Tier.HIGH, "manage.py dbshell opens the configured database")
    elif sub == "migrate" and len(after) >= 2:
        a.add(Tier.HIGH, f"manage.py migrate to a named migration can undo migrations: {_DB_LOSS}")
    elif sub == "diffsettings":
        a.add(Tier.HIGH, "manage.py diffsettings prints the settings, SECRET_KEY and passwords")
    elif sub in ("runserver", "testserver", "runserver_plus", "runsslserver"):
        a.add(Tier.HIGH, f"manage.py {sub} serves the application")
    elif sub in ("createsuperuser", "changepassword"):
        a.add(Tier.HIGH, f"manage.py {sub} changes accounts in the configured database")
    elif sub == "loaddata":
        for w in after:
            if "/" in (w.value or "") and a.place(w, cmd.cwd).zone != "workspace":
                a.add(Tier.HIGH, f"manage.py loaddata loads {w.value}, from outside the workspace")
    elif sub in ("shell", "shell_plus"):
        _console_code(
            args[1:],
            ("-c", "--command"),
            "python",
            "manage.py shell -c",
            cmd,
            a,
            ("-i", "--interface"),
        )


_PY_MODULES_WORKSPACE = frozenset(
    {
        "pytest",
        "unittest",
        "black",
        "isort",
        "mypy",
        "ruff",
        "flake8",
        "pylint",
        "build",
        "compileall",
        "py_compile",
        "coverage",
        "tox",
        "nox",
        "doctest",
        "timeit",
        "cProfile",
        "profile",
        "venv",
        "virtualenv",
        "pyflakes",
        "pycodestyle",
        "autopep8",
        "yapf",
        "sphinx",
        "mkdocs",
        "pdb",
        "trace",
        "pyright",
        "bandit",
        "nose",
        "hypothesis",
        "setuptools",
        "wheel",
        "maturin",
        "cython",
        "alembic",
        "django",
        "flask",
        "uvicorn-check",
        "zipapp",
        "tabnanny",
        "pydoc_data",
    }
)
_PY_MODULES_READ = frozenset(
    {
        "json.tool",
        "pydoc",
        "site",
        "sysconfig",
        "platform",
        "this",
        "tokenize",
        "dis",
        "pickletools",
        "calendar",
        "tabnanny",
        "pip_audit-check",
        "ensurepip-version",
        "inspect",
        "ast",
    }
)


def _python_archive(module: str, pos: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`python -m zipfile|tarfile`: -l/-t read the archive, -e ARCHIVE DIR writes DIR,
    -c ARCHIVE FILES... writes ARCHIVE from FILES."""
    op = pos[0].value if pos else None
    rest = pos[1:]
    if op in ("-l", "--list", "-t", "--test") and rest:
        a.add(Tier.READ_ONLY, f"python -m {module} {op} reads an archive")
        a.read(rest[0], cmd.cwd)
    elif op in ("-e", "--extract") and len(rest) >= 1:
        a.add(Tier.WORKSPACE, f"python -m {module} extracts an archive")
        a.read(rest[0], cmd.cwd)
        a.write(rest[1] if len(rest) > 1 else Word(".", "."), cmd.cwd)
    elif op in ("-c", "--create") and len(rest) >= 2:
        a.add(Tier.WORKSPACE, f"python -m {module} creates an archive")
        a.write(rest[0], cmd.cwd)
        for f in rest[1:]:
            a.read(f, cmd.cwd)
    else:
        a.add(Tier.HIGH, f"python -m {module}: options it does not know")


def _python_module(module: str | None, pos: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    if module is None:
        a.add(Tier.HIGH, "runs a Python module only known at run time")
        return
    if module == "pip":
        h_pip("pip", pos, cmd, a)
    elif module in ("http.server", "SimpleHTTPServer", "smtpd", "ftplib"):
        a.add(Tier.HIGH, f"python -m {module} serves files over the network")
    elif module in _PY_MODULES_READ:
        a.add(Tier.READ_ONLY, f"python -m {module} only reads")
    elif module in _PY_MODULES_WORKSPACE:
        a.add(Tier.WORKSPACE, f"python -m {module} runs project tooling")
        if module in ("venv", "virtualenv"):
            _, dirs = split_opts(pos, ("--prompt", "-p", "--python", "--upgrade-deps"))
            for d in dirs:
                a.write(d, cmd.cwd)
        if module.split(".")[0] in RUNS_PROJECT_CODE or module in ("unittest", "doctest"):
            a.runs_code(f"python -m {module} runs the project's code")
    elif module in ("ensurepip",):
        a.add(Tier.NETWORK, "installs pip")
    elif module == "grpc_tools.protoc":
        h_protoc(module, pos, cmd, a)
    elif a.place(module.replace(".", "/"), cmd.cwd).zone == "workspace" and os.path.exists(
        os.path.join(cmd.cwd or a.workspace, module.split(".")[0])
    ):
        a.add(Tier.WORKSPACE, f"runs the project module {module}")
        a.runs_code(f"runs the project module {module}")
    else:
        a.add(Tier.HIGH, f"runs the Python module {module}, whose effects are unknown")


# node/bun `--inspect=HOST:PORT` (and -brk, -wait): the address the debugger listens on
_INSPECT_HOST = re.compile(r"--inspect(?:-brk|-wait)?=(\[[^]]*\]|[^:]+):\d+$")


def _one_liner_on_files(
    language: str, in_place: bool, files: list[Word], cmd: SimpleCommand, a: Analyzer
) -> None:
    """A Perl or Ruby substitution or filter over files: a write of each in place, or a read."""
    if in_place:
        a.add(Tier.WORKSPACE, f"edits files in place with a {language} substitution")
        for f in files:
            a.write(f, cmd.cwd)
    else:
        a.add(Tier.READ_ONLY, f"filters text with a {language} one-liner")
        for f in files:
            a.read(f, cmd.cwd)


def h_interp(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    code_flags = {
        "node": ("-e", "--eval", "-p", "--print"),
        "perl": ("-e", "-E"),
        "ruby": ("-e",),
        "php": ("-r",),
        "lua": ("-e",),
        "Rscript": ("-e",),
        "osascript": ("-e",),
        "bun": ("-e", "--eval", "-p", "--print"),
        "deno": (),
        "pwsh": ("-c", "-Command"),
        "powershell": ("-c", "-Command"),
        "tclsh": (),
        "julia": ("-e",),
        "jshell": (),
        "groovy": ("-e",),
        "scala": ("-e",),
        "java": (),
    }.get("node" if name == "nodejs" else name, ())
    opts, pos = split_opts(
        args,
        code_flags
        + ("-r", "--require", "-I", "-M", "-cp", "-classpath", "--import", "-C")
        + (("-jar",) if name == "java" else ()),  # `-jar` is no -j -a -r
        stop_at_positional=True,
    )
    codes = _vals(opts, *code_flags)
    for w in args:
        listen = _INSPECT_HOST.match(w.value or "")
        if listen and listen.group(1).strip("[]") not in ("127.0.0.1", "localhost", "::1"):
            # whoever connects to the inspector runs code in the process
            a.add(Tier.HIGH, f"{name} opens its debugger to the network ({w.value})")
    if name == "php" and any((w.value or "").startswith("-S") for w in args):
        a.add(Tier.HIGH, "php -S serves files and runs scripts for anyone who connects")
        return
    if (
        name == "perl"
        and codes
        and all(c.value is not None and _perl_is_safe(c.value) for c in codes)
        and not _has(opts, "-M", "-m", "-I", "-x", "-d")
        and not any(f.startswith("-M") for f, _ in opts)
    ):
        in_place = any(f == "-i" for f, _ in opts) or any(
            (w.value or "").startswith("-i") or re.fullmatch(r"-[a-zA-Z]*i[a-zA-Z]*", w.value or "")
            for w in args
            if w.value and not w.value.startswith("--")
        )
        _one_liner_on_files("Perl", in_place, pos, cmd, a)
        return
    if name == "ruby" and codes and _ruby_filter(args, codes):
        in_place = any((w.value or "").startswith("-i") for w in args)
        _one_liner_on_files("Ruby", in_place, pos, cmd, a)
        return
    if codes:
        # every -e counts (perl and ruby join them into one program): judged one by one
        for code in codes:
            if code.value is None:
                _dynamic_code(code, a, f"{name} inline code")
            else:
                _inline_code(name, code.value, cmd, a)
        return
    if name == "perl" and any(f in ("-i", "-pi", "-pie") or f.startswith("-i") for f, _ in opts):
        for f in pos[1:]:
            a.write(f, cmd.cwd)
    if name in ("deno", "bun") and pos:
        verb = pos[0].value
        if verb in ("test", "fmt", "lint", "check", "bench", "task", "compile", "bundle", "build"):
            a.add(Tier.WORKSPACE, f"{name} {verb} runs project tooling")
            # `deno task --config FILE`: the tasks (shell commands) come from FILE
            later, _ = split_opts(pos[1:], ("-c", "--config", "--cwd"))
            for config in _vals(later, "-c", "--config", "--cwd"):
                _run_file(f"{name} {verb}", config, cmd, a)
            return
        if verb in ("install", "add", "a", "update", "i", "remove", "rm", "upgrade", "outdated"):
            a.add(Tier.NETWORK, f"{name} {verb} installs packages from the registry")
            return
        if verb in ("x", "create", "publish", "link", "unlink", "uninstall", "repl", "serve"):
            a.add(Tier.HIGH, f"{name} {verb} runs registry code, publishes or serves")
            return
        if (
            verb in ("info", "doc", "types")
            or name == "bun"
            and verb == "pm"
            and ([w.value for w in pos[1:2]] in (["ls"], ["bin"], ["hash"], ["cache"]))
        ):
            a.add(Tier.READ_ONLY, f"{name} {verb} only reads")
            return
        if verb == "init":
            a.add(Tier.WORKSPACE, f"{name} init creates a project")
            return
        if verb == "eval" and name == "deno" and len(pos) > 1:
            code = pos[1]
            if code.value is None:
                _dynamic_code(code, a, "deno eval")
            else:
                _inline_code("node", code.value, cmd, a)
            return
        if verb == "run":
            _, pos = split_opts(pos[1:], ("--config", "-c", "--env-file"), stop_at_positional=True)
        elif name == "deno":
            a.add(Tier.HIGH, f"deno {verb}: unknown subcommand")
            return
        if name == "bun" and pos and pos[0].value and not re.search(r"[./]", pos[0].value):
            if _node_tool("bun run", pos, cmd, a):  # a tool from node_modules/.bin
                return
            script = pos[0].value
            if re.search(r"(?i)(deploy|publish|release|upload)", script):
                a.add(Tier.HIGH, f"runs the `{script}` script, which publishes or deploys")
            else:
                a.add(Tier.WORKSPACE, f"runs the project script `{script}`")
            return
    if name == "java" and _has(opts, "-jar"):
        jars = _vals(opts, "-jar") + pos
        if jars:
            _run_file(name, jars[0], cmd, a)
            return
    if pos:
        target = pos[0]
        if target.value and (target.value.startswith(("http://", "https://"))):
            a.add(Tier.CRITICAL, f"{name} runs code straight from the network")
            return
        if (
            name == "java"
            and target.value
            and "/" not in target.value
            and not target.value.endswith(".java")
        ):
            a.add(Tier.WORKSPACE, f"runs the Java class {target.value}")
            return
        _run_file(name, target, cmd, a)
        script = os.path.basename(target.value or "")
        if name == "php" and script in ("artisan", "console"):
            framework_task(script, script, pos[1:], cmd, a)
        return
    exec_stdin(cmd, a, name, shell=False)


_PIP_VALUE_OPTS = (
    "-r",
    "--requirement",
    "-c",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--target",
    "-t",
    "--prefix",
    "--root",
    "-e",
    "--editable",
    "--python",
    "--trusted-host",
    "--platform",
    "--only-binary",
    "--no-binary",
    "--progress-bar",
)


def h_pip(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(
        args,
        (
            "-r",
            "--requirement",
            "-c",
            "--constraint",
            "-i",
            "--index-url",
            "--extra-index-url",
            "-f",
            "--find-links",
            "--target",
            "-t",
            "--prefix",
            "--root",
            "--python",
            "--trusted-host",
            "--proxy",
            "--format",
            "-e",
            "--editable",
            "--cache-dir",
            "--log",
            "--timeout",
            "--platform",
        ),
        stop_at_positional=True,
    )
    verb = pos[0].value if pos else None
    rest = pos[1:]
    if (
        verb
        in (
            "list",
            "show",
            "freeze",
            "check",
            "help",
            "debug",
            "inspect",
            "index",
            "search",
            "hash",
            None,
        )
        or (verb == "config" and rest and rest[0].value in ("list", "get", "debug"))
        or (verb == "cache" and rest and rest[0].value in ("dir", "info", "list"))
    ):
        a.add(Tier.READ_ONLY, f"pip {verb or ''} only reads".replace("  ", " "))
        return
    if verb in ("install", "download", "wheel"):
        iopts, iargs = split_opts(rest, _PIP_VALUE_OPTS)
        allopts = opts + iopts
        if _has(
            allopts,
            "-i",
            "--index-url",
            "--extra-index-url",
            "-f",
            "--find-links",
            "--trusted-host",
        ):
            a.add(Tier.HIGH, "installs from a non-default package index")
            return
        for spec in iargs:
            v = spec.value or ""
            if (
                re.match(r"^(git\+|hg\+|svn\+|bzr\+|https?://|ftp://)", v)
                or " @ " in v
                or "@ http" in v
            ):
                a.add(Tier.HIGH, f"installs {v} from a URL, not the registry")
                return
        if _has(
            allopts, "--target", "-t", "--prefix", "--root", "--user", "--break-system-packages"
        ):
            a.add(Tier.HIGH, "installs outside the project environment")
            return
        a.add(Tier.NETWORK, "installs packages from the default registry")
        for r in _vals(allopts, "-r", "--requirement", "-c"):
            a.read(r, cmd.cwd)
        return
    if verb == "uninstall":
        # Bare `pip` is whichever environment is first on PATH, often the system's or the
        # user's (`.venv/bin/pip uninstall` runs the project's own pip: workspace).
        a.add(
            Tier.HIGH, f"{name} uninstall removes packages from an environment outside the project"
        )
        return
    if verb == "config":
        a.add(Tier.HIGH, "pip config changes where pip installs from (user or global settings)")
        return
    if verb == "cache":
        a.add(Tier.WORKSPACE, "pip cache changes pip's own cache")
        return
    a.add(Tier.HIGH, f"runs pip {verb}, an unknown pip command")


def h_uv(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(
        args,
        (
            "--python",
            "-p",
            "--with",
            "--index-url",
            "--extra-index-url",
            "--directory",
            "--project",
            "--from",
        ),
        stop_at_positional=True,
    )
    verb = pos[0].value if pos else None
    if verb == "pip":
        h_pip("pip", pos[1:], cmd, a)
    elif verb == "run":
        _, rpos = split_opts(
            pos[1:],
            ("--with", "--python", "-p", "--extra", "--group", "--env-file", "--package"),
            stop_at_positional=True,
        )
        head = args[: next((i for i, w in enumerate(args) if rpos and w is rpos[0]), len(args))]
        if rpos and any(w.value in ("--offline", "--no-sync") for w in head):
            # nothing is fetched: a missing package makes the run fail instead
            a.add(Tier.WORKSPACE, "runs in the project environment, without syncing it")
            a.run_argv(rpos, cmd)
        elif rpos:
            a.add(Tier.NETWORK, "may sync dependencies from the registry")
            a.run_argv(rpos, cmd)
        else:
            a.add(Tier.WORKSPACE, "runs in the project environment")
    elif verb in ("sync", "lock", "add", "remove", "venv", "init"):
        a.add(Tier.NETWORK, f"uv {verb} resolves or installs from the registry")
    elif verb in ("tree", "version", "help", "--version"):
        a.add(Tier.READ_ONLY, f"uv {verb} only reads")
    elif verb in ("build",):
        a.add(Tier.WORKSPACE, "builds the project")
    elif verb in ("publish",):
        a.add(Tier.HIGH, "publishes a package")
    elif verb in ("tool", "x") or name == "uvx":
        a.add(Tier.HIGH, "downloads and runs a tool from the registry")
    else:
        a.add(Tier.HIGH, f"uv {verb}: unknown subcommand")


_NPM_SECRET_KEY = re.compile(r"(?i)(_auth|authtoken|password|token)")


_NPM_LISTINGS = frozenset({"ls", "list", "ll", "la", "root", "bin", "prefix", "outdated", "view"})


# npm options (and their npm_config_* variables) naming a program npm runs: the browser
# of `npm docs/repo/bugs/home`, the viewer of `npm help`, the editor of `npm edit`, the
# shell of `npm explore`.
_NPM_PROGRAM_OPTS = frozenset({"--browser", "--viewer", "--editor", "--shell"})


def h_npm(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(
        args,
        (
            "--prefix",
            "-C",
            "--cwd",
            "--workspace",
            "-w",
            "--filter",
            "--registry",
            "--loglevel",
            "--dir",
        ),
        stop_at_positional=True,
    )
    verb = pos[0].value if pos else ("install" if name in ("yarn", "pnpm") else None)
    rest = [w.value or "" for w in pos[1:]]
    if _has(opts, "--registry"):
        a.add(Tier.HIGH, "uses a non-default package registry")
    for i, word in enumerate(args):  # `npm docs x --browser=PROG`: npm runs PROG
        flag, eq, given = (word.value or "").partition("=")
        if flag in _NPM_PROGRAM_OPTS:
            program = given if eq else (args[i + 1].value if i + 1 < len(args) else "")
            if program is None:
                a.add(Tier.HIGH, f"{name} {flag} names a program only known at run time")
            elif program:
                a.run_script(program + " x", cmd.cwd, f"{name} {flag}")
    # `npm --prefix DIR run build`, `yarn --cwd DIR`, `pnpm -C DIR`: the package.json (and
    # its scripts) in DIR decide what runs; options after the verb count as well
    later, _ = split_opts(pos[1:], ("--prefix", "--cwd", "--dir", "-C"))
    for place in _vals(opts + later, "--prefix", "-C", "--cwd", "--dir"):
        if a.place(place, cmd.cwd).zone != "workspace" and verb not in _NPM_LISTINGS:
            a.add(Tier.HIGH, f"{name} works on the package in {place.value}, outside the workspace")
    if (
        _has(opts, "-g", "--global", "--location")
        or any(v in ("-g", "--global", "--location=global") for v in rest)
        or (name == "yarn" and verb == "global" and rest[:1] not in (["list"], ["bin"], ["dir"]))
    ) and verb not in ("ls", "list", "ll", "la", "root", "bin", "prefix", "outdated", "view"):
        a.add(Tier.HIGH, f"{name} {verb} changes packages installed for the whole machine (global)")
    if verb in _NPM_RUNS_CODE or verb not in _NPM_KNOWN and name in ("yarn", "pnpm", "bun"):
        a.runs_code(f"{name} {verb} runs the project's package scripts")
    if verb is None:
        a.add(Tier.READ_ONLY, f"{name} prints help")
        return
    if name == "yarn" and verb == "workspace" and len(pos) >= 3:
        h_npm(name, pos[2:], cmd, a)  # yarn workspace <package> <command...>
        return
    if name == "yarn" and verb == "workspaces":
        if rest[:1] in (["list"], ["info"]):
            a.add(Tier.READ_ONLY, "yarn workspaces lists packages")
            return
        if rest[:1] == ["foreach"]:
            _, inner = split_opts(
                pos[2:],
                ("--include", "--exclude", "--from", "-j", "--jobs"),
                stop_at_positional=True,
            )
            if inner:
                h_npm(name, inner, cmd, a)
                return
    if verb == "run" and not rest:
        a.add(Tier.READ_ONLY, f"{name} run lists the project's scripts")
        return
    if verb == "exec" and name in ("npm", "pnpm", "yarn") and len(pos) > 1:
        _, inner = split_opts(pos[1:], ("-c", "--call", "-p", "--package"), stop_at_positional=True)
        if name == "npm":
            h_npx(name, pos[1:], cmd, a)  # npm exec fetches what is not installed, as npx does
            return
        if _node_tool(f"{name} exec", inner, cmd, a):
            return
        if inner:
            # pnpm exec and yarn exec run any command, node_modules/.bin first on PATH: judged
            # as that command too (so deny rules see it), but an allow rule must still cover
            # `pnpm exec ...` itself, whose program may be the project's own.
            outer = a.current
            a.run_argv(inner, cmd)
            if outer is not None:
                outer.leaf = True
    if name in ("pnpm", "yarn", "bun") and verb not in _NPM_KNOWN and _node_tool(name, pos, cmd, a):
        return
    # `yarn run lerna publish`: yarn and bun run a tool from node_modules/.bin when no script
    # has its name, and a script named for a tool runs it with these words
    if verb in ("run", "run-script") and _node_tool(f"{name} run", pos[1:], cmd, a):
        return
    if (
        verb == "version"
        and rest
        and re.fullmatch(
            r"(major|minor|patch|premajor|preminor|prepatch|prerelease|from-git|v?\d+\.\d+\.\d+\S*)",
            rest[0],
        )
    ):
        a.add(Tier.WORKSPACE, f"{name} version bumps the project version (and commits and tags it)")
        return
    if verb in ("init", "create") and any(not v.startswith("-") for v in rest):
        a.add(Tier.HIGH, f"{name} {verb} downloads and runs a package initializer")
        return
    if verb == "pkg":
        a.add(
            Tier.READ_ONLY if rest[:1] == ["get"] else Tier.WORKSPACE,
            f"{name} pkg edits package.json",
        )
        return
    if name == "yarn" and verb == "global" and rest[:1] in (["list"], ["bin"], ["dir"]):
        a.add(Tier.READ_ONLY, f"yarn global {rest[0]} lists the user's global packages")
        return
    if name in ("yarn", "pnpm") and verb in YARN_PNPM_HIGH:
        a.add(Tier.HIGH, f"{name} {verb} changes the user's tool setup or the registry")
        return
    for word in args:
        flag, eq, value = (word.value or "").partition("=")
        if flag == "--script-shell":
            a.add(Tier.HIGH, f"{name} runs package scripts with another shell ({word.text})")
        elif flag == "--node-options":
            code_env("NODE_OPTIONS", Word(value if eq else None, word.text), cmd, a)
        elif flag == "--pack-destination" and eq:
            a.write(Word(value, word.text), cmd.cwd)
    if verb == "pack":
        for k, word in enumerate(args[:-1]):
            if word.value == "--pack-destination":
                a.write(args[k + 1], cmd.cwd)
    if verb in ("config", "get") and any(_NPM_SECRET_KEY.search(v) for v in rest):
        a.add(Tier.CRITICAL, f"{name} {verb} prints a registry credential")
        return
    if verb == "config":
        if rest and rest[0] in ("get", "list", "ls"):
            a.add(Tier.READ_ONLY, f"{name} config reads settings")
        else:
            a.add(Tier.HIGH, f"{name} config changes settings")
        return
    if verb == "cache":
        a.add(
            Tier.READ_ONLY
            if rest and rest[0] in ("ls", "verify", "list", "dir")
            else Tier.WORKSPACE,
            f"{name} cache",
        )
        return
    if verb in ("version",) and not rest:
        a.add(Tier.READ_ONLY, f"{name} version prints versions")
        return
    if verb in ("audit",) and rest and rest[0] == "fix":
        a.add(Tier.NETWORK, "installs fixed dependency versions")
        return
    if verb == "audit" and not any(v == "--fix" or v.startswith("--fix=") for v in rest):
        # a report of known advisories for the lockfile's packages, as `npm outdated` reads
        a.add(Tier.READ_ONLY, f"{name} audit reports known vulnerabilities (nothing installed)")
        return
    if verb in NPM_NETWORK or (name in ("yarn", "pnpm", "bun") and verb in ("add", "up")):
        specs = [v for v in rest if not v.startswith("-")]
        if any(
            re.match(r"^(git\+|git:|github:|https?://|file:|ssh:)", s) or s.endswith(".tgz")
            for s in specs
        ):
            a.add(Tier.HIGH, f"{name} installs from a URL or git, not the registry")
            return
        if any(v in ("-g", "--global", "--location=global") for v in rest) or _has(
            opts, "-g", "--global"
        ):
            a.add(Tier.HIGH, f"{name} installs globally, outside the workspace")
            return
        a.add(Tier.NETWORK, f"{name} {verb} installs packages from the registry")
        return
    if verb in ("run", "run-script") and rest:
        script = rest[0]
        if re.search(r"(?i)(deploy|publish|release|upload)", script):
            a.add(Tier.HIGH, f"runs the `{script}` script, which publishes or deploys")
        else:
            a.add(Tier.WORKSPACE, f"runs the project script `{script}`")
        return
    if verb in NPM_WORKSPACE or verb in NPM_READ and verb in ("why", "explain"):
        a.add(Tier.WORKSPACE if verb not in NPM_READ else Tier.READ_ONLY, f"{name} {verb}")
        return
    if verb in NPM_READ:
        a.add(Tier.READ_ONLY, f"{name} {verb} only reads")
        return
    if verb in NPM_HIGH:
        a.add(Tier.HIGH, f"{name} {verb} publishes, authenticates or runs a registry package")
        return
    if name in ("yarn", "pnpm", "bun"):
        if re.search(r"(?i)(deploy|publish|release)", verb):
            a.add(Tier.HIGH, f"runs the `{verb}` script, which publishes or deploys")
        else:
            a.add(Tier.WORKSPACE, f"runs the project script `{verb}`")
        return
    a.add(Tier.HIGH, f"{name} {verb}: unknown subcommand")


# JavaScript tools a project installs as dev dependencies and runs through npx, `npm exec`,
# `pnpm exec`, `yarn TOOL`: run from the project's node_modules, and judged by their own
# entry (`eslint --rulesdir /tmp/x`, `jest --config /tmp/c.js` run code from elsewhere).
_NODE_TOOLS = frozenset(
    WORKSPACE_TOOLS
    + [
        "prettier",
        "eslint",
        "tsc",
        "jest",
        "vitest",
        "mocha",
        "ts-node",
        "tsx",
        "playwright",
        "next",
        "nuxt",
        "astro",
        "svelte-kit",
        "vite",
        "drizzle-kit",
        "prisma",
        "knex",
        "sequelize-cli",
        "changeset",
        "cypress",
    ]
)


def _node_tool(name: str, words: list[Word], cmd: SimpleCommand, a: Analyzer) -> bool:
    """`npx eslint ...`, `pnpm exec jest ...`: True when words[0] is a project's JavaScript
    tool, judged here as if it ran by itself (its own entry sees its options)."""
    tool = words[0].value if words else None
    if tool not in _NODE_TOOLS:
        return False
    later = {w.value for w in words[1:]}
    if later & {"install", "publish", "deploy", "upgrade", "release", "uninstall"}:
        a.add(Tier.HIGH, f"{name} {tool} installs, publishes or deploys")
        return True
    a.add(Tier.WORKSPACE, f"runs the project's {tool}")
    plan = _PLANS.get(tool) or _plan(tool)
    if plan.known:
        _classify_argv(words, cmd, a)
    return True


def h_npx(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(args, ("-p", "--package", "-c", "--call"), stop_at_positional=True)
    for code in _vals(opts, "-c", "--call"):
        # `npx -c 'CODE'`: a shell command, with node_modules/.bin first on PATH
        outer = a.current
        if code.value is None:
            _dynamic_code(code, a, f"{name} -c")
        else:
            a.run_script(code.value, cmd.cwd, f"{name} -c")
        if outer is not None:
            outer.leaf = True
    if _vals(opts, "-p", "--package"):
        # `npx -p PKG CMD`: PKG is installed from the registry first, whatever CMD is
        a.add(Tier.HIGH, f"{name} --package downloads and runs a package from the registry")
        return
    if _node_tool(name, pos, cmd, a):
        return
    a.add(Tier.HIGH, f"{name} may download and run a package from the registry")


def h_make(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(
        args,
        (
            "-C",
            "--directory",
            "-f",
            "--file",
            "--makefile",
            "-j",
            "--jobs",
            "-l",
            "-o",
            "-W",
            "-I",
            "--include-dir",
            "--eval",
        ),
    )
    if not _has(opts, "-n", "--dry-run", "--just-print", "--recon", "-q", "--question", "-p"):
        a.runs_code("make runs the project's recipes")
    for d in _vals(opts, "-I", "--include-dir"):
        if a.place(d, cmd.cwd).zone != "workspace":
            a.add(Tier.HIGH, f"make includes makefiles from {d.value}, outside the workspace")
    for w in pos:
        var, eq, value = (w.value or "").partition("=")
        if eq and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
            _assign(var, Word(value, value), cmd, a)  # `make CC=/tmp/cc`, `make SHELL=...`
    for d in _vals(opts, "-C", "--directory"):
        if a.place(d, cmd.cwd).zone not in ("workspace", "scratch"):
            a.add(Tier.HIGH, f"runs make in {d.value}, outside the workspace")
    for makefile in _vals(opts, "-f", "--file", "--makefile"):
        if makefile.value != "-" and a.place(makefile, cmd.cwd).zone != "workspace":
            _run_file(name, makefile, cmd, a)  # its recipes are shell commands
    if _has(opts, "--eval"):
        a.add(Tier.HIGH, "make --eval adds rules from the command line")
    if _has(opts, "-n", "--dry-run", "--just-print", "-q", "--question", "-p"):
        a.add(Tier.READ_ONLY, "make dry run")
        return
    targets = [w.value or "" for w in pos if "=" not in (w.value or "")]
    risky = [
        t
        for t in targets
        if re.search(
            r"(?i)(install|deploy|publish|release|upload|push|"
            r"uninstall|distribute)",
            t,
        )
    ]
    if risky:
        a.add(Tier.HIGH, f"make {risky[0]} installs, publishes or deploys")
    else:
        a.add(Tier.WORKSPACE, "runs the project's build")


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
    if not pos or pos[0].value != "get":
        return
    kinds = {k for r in pos[1:2] for k in (r.value or "").lower().split(",")}
    if (
        any(k.split("/")[0] in ("secret", "secrets") for k in kinds)
        and any(_v(o) not in ("name", "wide") for n, o in opts if n in ("-o", "--output"))
        or any(k.startswith(("secret/", "secrets/")) for k in kinds)
        and _has(opts, "-o", "--output", "--template")
    ):
        a.add(Tier.CRITICAL, f"{name} get prints Kubernetes secrets")


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


def _search_scopes(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """What a search looks for and where: a credential's pattern searched for outside the
    workspace is reconnaissance (`grep -r AKIA /home`, `locate id_ed25519`), and a
    recursive search of a directory holding the home directory reads its secrets."""
    opts, pos = split_opts(args, PROGRAMS[name].takes if name in PROGRAMS else ())
    if name in ("locate", "mlocate", "plocate"):
        credential_search([w.text for w in pos], [None], cmd, a)
        return
    patterns = [w.text for w in _vals(opts, *_GREP_PATTERN_OPTS)]
    if not patterns and pos:
        patterns, pos = [pos[0].text], pos[1:]
    scopes: list[Word | None] = list(pos) or [Word(".", ".")]
    credential_search(patterns, scopes, cmd, a)
    if name in ("ag", "ack", "rg") or _has(
        opts, "-r", "-R", "--recursive", "--dereference-recursive"
    ):
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


CHECKS: Mapping[str, Handler] = MappingProxyType(
    {
        "maven_exec": _maven_exec,
        "kubernetes_secrets": _kubernetes_secrets,
        "rails_tasks": _rails_tasks,
        "sysctl_keys": _sysctl_keys,
        "search_scopes": _search_scopes,
        "pager_commands": _pager_commands,
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


def h_protoc(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """protoc writes generated code where each `--<lang>_out` (and `-o`) points."""
    a.add(Tier.WORKSPACE, f"{name} generates code from .proto files")
    for k, w in enumerate(args):
        v = w.value
        if v is None:
            continue
        flag, eq, value = v.partition("=")
        if eq and (flag.endswith("_out") or flag in ("--descriptor_set_out", "--dependency_out")):
            target = value.rsplit(":", 1)[-1] if ":" in value else value
            a.write(Word(target, w.text), cmd.cwd)
        elif v.startswith("-o") and len(v) > 2:
            a.write(Word(v[2:], w.text), cmd.cwd)
        elif (v == "-o" or v.endswith("_out")) and k + 1 < len(args):
            a.write(args[k + 1], cmd.cwd)
        elif v.startswith("--plugin="):
            program = v.split("=", 2)[-1]
            if a.place(program, cmd.cwd).zone != "workspace":
                a.add(Tier.HIGH, f"{name} runs the plugin program {program}")


_CLOUD_READ = re.compile(
    r"^(describe|list|get|show|ls|search|lookup|head|wait|check|tail|filter|scan|batch-get|"
    r"estimate|validate|view|info|status|version|help|whoami|account)"
)
_CLOUD_SECRET = re.compile(
    r"(?i)(get-secret-value|get-parameters?\b.*decrypt|print-access-token|"
    r"print-identity-token|get-access-token|export-credentials|"
    r"get-session-token|get-login-password|secrets\s+versions\s+access|config-helper|"
    r"keyvault\s+secret\s+show|get-authorization-token|decrypt)"
)


def h_cloud(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    for word in args:  # `--filter file://PATH`, `--cli-input-json fileb://PATH`: PATH is read
        found = re.match(r"^(?:--[\w-]+=)?fileb?://(.*)$", word.value or "")
        if found:
            path = found.group(1)
            path = a.home + path[1:] if path.startswith("~/") else path
            a.read(Word(path, word.text), cmd.cwd)
    words = [w.value or "" for w in args if not (w.value or "").startswith("-")]
    text = " ".join(w.value or "" for w in args)
    if _CLOUD_SECRET.search(text) or (name == "aws" and words[:2] == ["configure", "get"]):
        a.add(Tier.CRITICAL, f"{name} reads secrets or credentials")
        return
    if name == "aws" and words[:1] == ["s3"]:
        op = words[1] if len(words) > 1 else "ls"
        if op == "ls":
            a.add(Tier.READ_ONLY, "lists S3 objects")
        elif op in ("cp", "sync", "mv") and len(words) >= 4:
            src, dst = words[2], words[3]
            if dst.startswith("s3://"):
                a.add(Tier.HIGH, f"uploads to {dst}")
                if not src.startswith("s3://"):
                    a.read(Word(src, src), cmd.cwd)
            else:
                a.add(Tier.NETWORK, f"downloads from {src}")
                a.write(Word(dst, dst), cmd.cwd)
            if op == "mv" or "--delete" in text:
                a.add(Tier.HIGH, "deletes objects")
        else:
            a.add(Tier.HIGH, f"aws s3 {op} changes cloud storage")
        return
    verbs = words[1:] if name == "aws" else words
    if name == "aws" and len(words) >= 2:
        verbs = [words[1]]
    elif name in VERB_LAST_CLIS:
        verbs = words[-1:] if words else []
        if name == "gsutil":  # gsutil VERB URL...
            verbs = words[:1]
        if name in ("gcloud", "az") and any(
            w in ("list", "describe", "show", "get", "info", "get-iam-policy", "read")
            for w in words
        ):
            verbs = ["list"]
        if (
            name in ("gcloud", "az")
            and any(w in ("config",) for w in words[:1])
            and any(w in ("list", "get", "get-value") for w in words)
        ):
            verbs = ["list"]
    if name in DEPLOY_BY_DEFAULT and not words:
        a.add(Tier.HIGH, f"{name} deploys or changes remote resources by default")
        return
    if not verbs or (verbs and _CLOUD_READ.match(verbs[0])):
        a.add(Tier.READ_ONLY, f"{name} reads cloud state")
    elif name in ("vercel", "netlify", "firebase", "heroku", "flyctl") and verbs[0] in (
        "deploy",
        "publish",
    ):
        a.add(Tier.HIGH, f"{name} deploys")
    else:
        a.add(Tier.HIGH, f"{name} changes cloud resources")


_SQL_READ = re.compile(
    r"^\s*(select|show|explain|describe|desc|with\s+\w+\s+as\s*\(\s*select|"
    r"\\d|\\l|\\dt|\\du|\\conninfo|pragma\s+\w+\s*;?$|\.tables|\.schema|"
    r"values|table\s)",
    re.I,
)


# Statements that wipe data wholesale: DROP, TRUNCATE, and DELETE/UPDATE with no WHERE.
_SQL_WIPE = re.compile(
    r"(?is)^\s*(drop\s|truncate\s|delete\s+from\s+\S+\s*$|update\s+(?!.*\bwhere\b).*$)"
)


_SQLITE_DOT_READ = frozenset(
    {
        "tables", "schema", "fullschema", "indexes", "indices", "headers", "header", "mode",
        "width", "print", "show", "databases", "help", "quit", "exit", "timer", "eqp",
        "explain", "dbinfo", "stats", "separator", "nullvalue", "echo", "bail", "changes",
        "lint", "dump", "version", "parameter", "prompt", "scanstats", "vfsinfo", "vfslist",
        "vfsname", "dbconfig", "sha3sum", "limit", "timeout", "binary", "crnl", "columns",
    }
)  # fmt: skip
_SQL_FILE_CALL = re.compile(
    r"(?i)\b(readfile|writefile|edit|load_extension|fts3_tokenizer|read_csv\w*|read_parquet|"
    r"read_json\w*|read_text|read_blob|read_ndjson\w*|glob)\s*\(\s*(?:'([^']*)'|\"([^\"]*)\")?"
)
_SQL_FILE_CLAUSE = re.compile(
    r"(?i)\b(attach(?:\s+database)?|vacuum\s+into|copy\b[^;]*?\bto|copy\b[^;]*?\bfrom|"
    r"export\s+database|import\s+database)\s+(?:'([^']*)'|\"([^\"]*)\"|(program)\b)?"
)


def _sqlite_side_effects(text: str, cmd: SimpleCommand, a: Analyzer) -> None:
    """What a local SQL engine (sqlite3, duckdb) does beyond its database file: dot-commands
    that run shell code or write files, and file functions and clauses in SQL."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("."):
            continue
        verb, _, rest = stripped[1:].partition(" ")
        rest = rest.strip()
        if verb in _SQLITE_DOT_READ:
            continue
        if verb in ("shell", "system"):
            a.add(Tier.HIGH, f"runs shell commands from inside the database shell (.{verb})")
            a.run_script(rest, cmd.cwd, f".{verb}")
        elif verb in ("output", "once", "log", "save", "backup", "open", "clone", "excel"):
            target = rest.split()[-1] if rest.split() else ""
            if verb == "excel" or target.startswith("-") or target.startswith("|"):
                a.add(Tier.HIGH, f".{verb} {rest} opens another program")
            elif target and target not in ("stdout", "stderr", "off"):
                a.write(Word(target.strip("'\""), target), cmd.cwd)
        elif verb in ("import", "read"):
            source = rest.split()[0] if rest.split() else ""
            if source.startswith("|"):
                a.add(Tier.HIGH, f".{verb} runs a program")
            elif source and verb == "read":
                # `.read FILE` runs the statements and dot-commands in FILE
                _run_file(".read", Word(source.strip("'\""), source), cmd, a)
            elif source:
                a.read(Word(source.strip("'\""), source), cmd.cwd)
        else:
            a.add(Tier.HIGH, f"runs the database shell command .{verb}, whose effects are unknown")
    for match in _SQL_FILE_CALL.finditer(text):
        func = match.group(1).lower()
        path = match.group(2) if match.group(2) is not None else match.group(3)
        if func in ("edit", "load_extension", "fts3_tokenizer"):
            a.add(Tier.HIGH, f"{func}() runs or loads another program")
        elif path is None:
            a.add(Tier.HIGH, f"{func}() names a file only known at run time")
        elif func == "writefile":
            a.write(Word(path, path), cmd.cwd)
        else:
            a.read(Word(path, path), cmd.cwd)
    for match in _SQL_FILE_CLAUSE.finditer(text):
        clause = match.group(1).lower()
        path = match.group(2) if match.group(2) is not None else match.group(3)
        if match.group(4):
            a.add(Tier.HIGH, f"{clause} program runs a shell command")
        elif path is None:
            a.add(Tier.HIGH, f"{clause} names a file only known at run time")
        elif clause.startswith(("copy", "import")) and not clause.endswith("to"):
            a.read(Word(path, path), cmd.cwd)
        else:
            a.write(Word(path, path), cmd.cwd)
    if re.search(r"(?i)^\s*(install|load)\s+\w+", text, re.M):
        a.add(Tier.HIGH, "installs or loads a database extension")


def h_sql(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    flags = {
        "psql": ("-c", "--command"),
        "mysql": ("-e", "--execute"),
        "mariadb": ("-e", "--execute"),
        "sqlite3": ("-cmd",),
        "duckdb": ("-c", "-cmd"),
        "clickhouse-client": ("-q", "--query"),
        "cockroach": ("-e",),
        "mongo": ("--eval",),
        "mongosh": ("--eval",),
        "redis-cli": (),
        "sqlcmd": ("-Q", "-q"),
    }.get(name, ())
    opts, pos = split_opts(
        args,
        flags
        + (
            "-h",
            "-p",
            "-U",
            "-d",
            "-u",
            "-P",
            "-f",
            "--file",
            "--host",
            "--port",
            "-n",
            "-a",
            "--user",
            "-D",
            "--database",
            "-S",
            "-init",
            "-separator",
            "-newline",
            "-nullvalue",
            "-cmd",
            "--pager",
            "--tee",
        ),
    )
    for pager in _vals(opts, "--pager"):
        # mysql/mariadb pipe every result through this command
        if pager.value is None:
            _dynamic_code(pager, a, f"{name} --pager")
        else:
            a.run_script(pager.value, cmd.cwd, f"{name} --pager")
    for out in _vals(opts, "--tee"):
        a.write(out, cmd.cwd)
    for w in args:
        # mysql/mariadb option files: credentials, and a `pager` the client runs
        flag, eq, value = (w.value or "").partition("=")
        if eq and flag in ("--defaults-file", "--defaults-extra-file", "--login-path-file"):
            option_file = Word(value, w.text)
            a.read(option_file, cmd.cwd)
            if a.place(option_file, cmd.cwd).zone != "workspace":
                a.add(Tier.HIGH, f"{name} takes its options and credentials from {value}")
    queries = [w.value for w in _vals(opts, *flags)]
    local_file = False
    if name in ("sqlite3", "duckdb"):
        db = pos[0] if pos else None
        queries += [w.value for w in pos[1:]]
        for init in _vals(opts, "-init"):
            a.read(init, cmd.cwd)
            a.add(Tier.HIGH, f"{name} -init runs the statements in {init.value or 'a file'}")
        if not queries:
            body, _ = _stdin_source(cmd)
            if body is not None:
                queries.append(body)
        for q in queries:
            if q is not None:
                _sqlite_side_effects(q, cmd, a)
        if db is not None and a.place(db, cmd.cwd).zone in ("workspace", "scratch"):
            local_file = True
        elif db is not None:
            a.read(db, cmd.cwd)
    elif not queries and name in ("psql", "mysql", "mariadb", "clickhouse-client"):
        body, _ = _stdin_source(cmd)
        if body is not None:
            queries.append(body)
    if name == "redis-cli":
        rest = [w.value or "" for w in pos]
        if rest and rest[0].upper() in (
            "GET",
            "KEYS",
            "INFO",
            "PING",
            "SCAN",
            "TTL",
            "TYPE",
            "EXISTS",
            "HGET",
            "HGETALL",
            "LRANGE",
            "SMEMBERS",
            "DBSIZE",
            "MONITOR-NO",
            "LLEN",
            "STRLEN",
            "MGET",
        ):
            a.add(Tier.READ_ONLY, "reads a Redis database")
        else:
            a.add(Tier.HIGH, "changes or opens a Redis database")
        return
    if _vals(opts, "-f", "--file"):
        a.add(Tier.HIGH if not local_file else Tier.WORKSPACE, f"{name} runs SQL from a file")
        return
    if not queries:
        a.add(Tier.WORKSPACE if local_file else Tier.HIGH, f"opens an interactive {name} session")
        return
    for q in queries:
        if q is None:
            a.add(Tier.HIGH, "runs a query only known at run time")
        elif name in ("mongo", "mongosh"):
            if re.search(
                r"(?i)\b(drop|remove|delete|update|insert|replace|rename|create|"
                r"shutdown|eval|bulkWrite|findAndModify|findOneAnd)",
                q,
            ):
                a.add(Tier.HIGH, "changes a MongoDB database")
            else:
                a.add(Tier.READ_ONLY, "queries a MongoDB database")
        elif all(_SQL_READ.match(part) for part in q.split(";") if part.strip()):
            a.add(Tier.READ_ONLY, "runs a read-only query")
        elif local_file and any(_SQL_WIPE.match(part) for part in q.split(";")):
            a.add(Tier.HIGH, f"drops or empties tables, even in a local database ({_short(q)})")
        else:
            a.add(Tier.WORKSPACE if local_file else Tier.HIGH, f"changes a database ({_short(q)})")


# git subcommands' options whose value is a file the subcommand reads (and shows or
# records: a commit message, a blamed file's contents).
_GIT_READ_OPTS: Mapping[str, tuple[str, ...]] = {
    "blame": ("--contents", "--ignore-revs-file", "-S"),
    "annotate": ("--contents", "--ignore-revs-file", "-S"),
    "commit": ("-F", "--file", "-t", "--template"),
    "tag": ("-F", "--file"),
    "merge": ("-F", "--file"),
    "notes": ("-F", "--file"),
    "am": ("--signoff-file",),
}


def h_openssl(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    values = [w.value or "" for w in args]
    sub = values[0] if values else ""
    if sub == "engine" or {"-engine", "-provider", "-provider-path"} & set(values[1:]):
        a.add(Tier.HIGH, "openssl loads an engine or provider (a shared library it runs)")
    if sub in (
        "version",
        "help",
        "list",
        "ciphers",
        "x509",
        "dgst",
        "speed",
        "rand",
        "crl",
        "verify",
        "asn1parse",
        "s_client",
        "base64",
        "enc",
        "sha256",
        "md5",
        "req",
    ):
        for i, v in enumerate(values):
            if v in ("-in",) and i + 1 < len(args):
                place = a.place(args[i + 1], cmd.cwd)
                if (
                    sub in ("x509", "crl", "verify")
                    and place.zone == "secret"
                    and (place.path or "").startswith(a.workspace + "/")
                ):
                    # these parse certificates only: a private key is rejected, not printed
                    a.add(Tier.READ_ONLY, f"reads the certificate {place.label}")
                else:
                    a.read(args[i + 1], cmd.cwd)
            if v in ("-out", "-keyout") and i + 1 < len(args):
                _openssl_output(args[i + 1], cmd, a)
        a.add(Tier.NETWORK if sub == "s_client" else Tier.READ_ONLY, f"openssl {sub}")
    else:
        for i, v in enumerate(values):
            if v in ("-in",) and i + 1 < len(args):
                a.read(args[i + 1], cmd.cwd)
            if v in ("-out", "-keyout") and i + 1 < len(args):
                _openssl_output(args[i + 1], cmd, a)
        a.add(Tier.WORKSPACE, f"openssl {sub} works with keys or certificates")


def _openssl_output(target: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    """A key or certificate that openssl creates: a new file with a credential's name
    (`build/key.pem`) in a plain workspace directory is a workspace write; anything that
    exists already, or lies elsewhere (~/.ssh, .wakeful/, a directory linked out of the
    workspace), is judged as any write there."""
    place = a.place(target, cmd.cwd)
    path = place.path
    if place.zone == "secret" and path is not None and not os.path.lexists(path):
        folder = a.place(os.path.dirname(path), None)
        if folder.zone == "workspace" and not path_risk.is_secret(folder.path or "/", a.home):
            a.add(Tier.WORKSPACE, f"writes the new key or certificate {place.label}")
            return
    a.write(target, cmd.cwd)


def h_rg(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(
        args,
        (
            "-e",
            "--regexp",
            "-f",
            "--file",
            "-g",
            "--glob",
            "-t",
            "--type",
            "-T",
            "--type-not",
            "-m",
            "--max-count",
            "-A",
            "-B",
            "-C",
            "--pre",
            "--pre-glob",
            "-r",
            "--replace",
            "-j",
            "--threads",
            "--max-depth",
            "-d",
            "--type-add",
            "-M",
            "--max-columns",
            "--sort",
            "--sortr",
            "--ignore-file",
            "--color",
            "--colors",
            "-E",
            "--encoding",
            "--engine",
            "--hostname-bin",
            "--pre-glob",
        ),
    )
    for program in _vals(opts, "--hostname-bin"):
        if program.value is None:
            _dynamic_code(program, a, "rg --hostname-bin")
        else:
            a.run_script(program.value, cmd.cwd, "rg --hostname-bin")
    for pre in _vals(opts, "--pre"):
        a.add(Tier.HIGH, "rg --pre runs a program on every file")
        if pre.value:
            a.run_argv([Word(pre.value, pre.text), Word(None, "<file>")], cmd)
    a.add(Tier.READ_ONLY, "searches files")
    patterns = [w.text for w in _vals(opts, "-e", "--regexp")]
    if not _has(opts, "-e", "--regexp", "-f", "--file", "--files", "--type-list") and pos:
        patterns.append(pos[0].text)
        pos = pos[1:]
    patterns += [w.text for w in _vals(opts, "-g", "--glob")]
    credential_search(patterns, list(pos) or [Word(".", ".")], cmd, a)
    for p in pos:
        _reads_home_tree(p, cmd, a)
        a.read(p, cmd.cwd)


def h_calc(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    # dc's `!` runs the rest of the line as a shell command.
    texts = [w.text for w in args]
    body, _ = _stdin_source(cmd)
    if name == "dc" and (any("!" in t for t in texts) or (body and "!" in body) or cmd.upstream):
        a.add(Tier.HIGH, "dc can run shell commands (!)")
        return
    for w in args:
        if w.value and not w.value.startswith("-") and name == "dc":
            a.read(w, cmd.cwd)
    a.add(Tier.READ_ONLY, "calculates")


def h_watch(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(
        args, ("-n", "--interval", "-d", "--differences"), stop_at_positional=True
    )
    if not pos:
        a.add(Tier.READ_ONLY, "watch with nothing to run")
        return
    a.add(Tier.READ_ONLY, "repeats a command")
    if _has(opts, "-x", "--exec"):
        a.run_argv(pos, cmd)
    elif any(w.value is None for w in pos):
        _dynamic_code(Word(None, " ".join(w.text for w in pos)), a, "watch")
    else:
        a.run_script(" ".join(w.value or "" for w in pos), cmd.cwd, "watch")


def h_chattr(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    modes = [w for w in args if re.fullmatch(r"[-+=][aAcCdDeFijmPsStTux]+", w.value or "")]
    targets = [
        w
        for w in args
        if w not in modes and not (w.value or "").startswith("-") and w.value not in ("-R", "-V")
    ]
    if any("i" in (m.value or "") or "a" in (m.value or "") for m in modes):
        a.add(Tier.WORKSPACE, "changes the immutable or append-only attribute")
    for t in targets:
        place = a.place(t, cmd.cwd)
        if place.zone in ("workspace", "scratch"):
            a.add(Tier.WORKSPACE, f"changes attributes of {place.label}")
        else:
            tier, msg = path_risk.write_tier(place)
            a.add(_max(tier, Tier.HIGH), f"changes attributes: {msg}")


# Builtins that take variable names: bash evaluates an array subscript in a name as
# arithmetic, and arithmetic runs `$(...)` (`printf -v 'a[$(cmd)]'`, `read 'a[$(cmd)]'`).
_NAME_TAKERS = frozenset(
    {
        "printf",
        "read",
        "mapfile",
        "readarray",
        "test",
        "[",
        "let",
        "unset",
        "getopts",
        "wait",
        "declare",
        "typeset",
        "local",
        "export",
        "readonly",
    }
)
_SUBSCRIPT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\[(.*)\]")
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_NPM_PROGRAM_VARS = frozenset(
    {"npm_config_browser", "npm_config_viewer", "npm_config_editor", "npm_config_shell"}
)
# git grep's flags that take no value, then -O and the pager it runs (`-niO/tmp/x`).
_GIT_GREP_O = re.compile(r"-[aIivwhHEGPFnlLqzcopWxu0-9]*O(.*)")
_SUBSCRIPT_ANYWHERE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\[(.*(?:\$\(|`|\$\{).*)\]")


def h_names(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    for word in args:
        # `let` takes expressions, where a subscript may stand anywhere (`let 'x=a[$(cmd)]'`)
        match = (_SUBSCRIPT_ANYWHERE.search if name == "let" else _SUBSCRIPT.match)(
            word.value or ""
        )
        if match and any(m in match.group(1) for m in ("$(", "`", "${")):
            a.add(Tier.HIGH, f"evaluates the array subscript in {word.value!r} as code")
            a.run_script(": " + match.group(1), cmd.cwd, f"{name} array subscript")
    targets: list[Word] = []  # variables the builtin sets to a value known at run time
    if name == "printf":
        targets = _vals(split_opts(args, ("-v",), stop_at_positional=True)[0], "-v")
    elif name == "read":
        targets = split_opts(args, ("-a", "-d", "-i", "-n", "-N", "-p", "-t", "-u"))[1]
    for target in targets:
        # `printf -v PATH /tmp; ls`, `read PATH <<< /tmp`: an environment variable set for
        # every later command, as `PATH=... ls` sets it for one
        if target.value is not None and _ENV_NAME.fullmatch(target.value):
            _assign(target.value, Word(None, f"${{{target.value}}}"), cmd, a)
    if name in ("mapfile", "readarray"):
        opts, _ = split_opts(args, ("-C", "-c", "-d", "-n", "-O", "-s", "-u"))
        for callback in _vals(opts, "-C"):
            if callback.value is None:
                _dynamic_code(callback, a, f"{name} -C")
            else:
                a.run_script(callback.value, cmd.cwd, f"{name} -C callback")
    run_program(name, PROGRAMS[name], args, cmd, a)


# Credential reconnaissance: a search for key, token or password files, or for secrets in
# file contents, over the home directory or the whole machine.
_SECRET_SEARCH = re.compile(
    r"(?i)(id_(rsa|dsa|ecdsa|ed25519)|\.pem\b|\.key\b|\.kdbx|\.p12|\.pfx|\.keystore|\.jks|"
    r"credential|passw|secret|token|api.{0,8}key|akia|private.key|\.env\b|netrc|\.ssh|wallet|"
    r"keychain|keyring|\.aws|\.gnupg|kubeconfig|htpasswd|shadow)"
)


# Names that only credentials have: a wildcard pattern matching one of them (`id_*`,
# `*.ppk`, `*_rsa`) searches for keys as surely as the name itself.
_SECRET_SAMPLES = (
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "server.pem",
    "server.key",
    "putty.ppk",
    "secring.gpg",
    "vault.kdbx",
    "cert.p12",
    "cert.pfx",
    "store.jks",
    "release.keystore",
    "credentials",
    ".netrc",
    ".pgpass",
    ".git-credentials",
    ".htpasswd",
    "wallet.dat",
    ".npmrc",
    ".pypirc",
    ".env",
)


def _globs_a_secret(pattern: str) -> bool:
    glob = pattern.strip("'\"").lower()
    literal = sum(1 for c in glob if c not in "*?[]")
    return (
        literal >= 2
        and any(c in glob for c in "*?[")
        and any(fnmatch.fnmatchcase(sample, glob) for sample in _SECRET_SAMPLES)
    )


def _outside_scope(word: Word | None, cwd: str | None, a: Analyzer) -> str | None:
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
    return None


def credential_search(
    patterns: list[str], scopes: list[Word | None], cmd: SimpleCommand, a: Analyzer
) -> None:
    outside = [s for s in (_outside_scope(w, cmd.cwd, a) for w in scopes) if s is not None]
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
    if place.path is not None and (place.is_home or place.is_root):
        a.add(Tier.HIGH, f"reads every file under {place.label}, credentials included")


_GREP_PATTERN_OPTS = ("-e", "--regexp")


_NPM_RUNS_CODE = frozenset(
    {
        "run",
        "run-script",
        "test",
        "t",
        "tst",
        "start",
        "stop",
        "restart",
        "exec",
        "x",
        "install",
        "i",
        "ci",
        "rebuild",
        "dev",
        "build",
        "lint",
        "serve",
        "pack",
        "publish",
    }
)
_NPM_KNOWN = frozenset(
    {
        "add",
        "remove",
        "rm",
        "up",
        "upgrade",
        "why",
        "info",
        "list",
        "ls",
        "outdated",
        "audit",
        "init",
        "create",
        "config",
        "cache",
        "dlx",
        "global",
        "link",
        "unlink",
        "login",
        "logout",
        "whoami",
        "version",
        "view",
        "help",
        "bin",
        "root",
        "prefix",
        "store",
        "import",
        "licenses",
        "patch",
        "patch-commit",
        "set",
        "get",
        "workspaces",
        "workspace",
        "node",
        "env",
        "doctor",
        "plugin",
        "dedupe",
        "prune",
        "search",
        "owner",
        "team",
        "access",
        "token",
        "profile",
        "explain",
        "fund",
        "pkg",
        "query",
        "sbom",
        "shrinkwrap",
        "completion",
        "deprecate",
        "dist-tag",
        "hook",
        "org",
        "ping",
        "star",
        "stars",
        "unpublish",
        "unstar",
        "edit",
        "docs",
        "bugs",
        "repo",
        "diff",
        "find-dupes",
        "uninstall",
        "un",
        "r",
        "update",
        "upgrade-interactive",
    }
)


def _handlers() -> dict[str, Handler]:
    table: dict[str, Handler] = {}
    for n in _SHELLS:
        table[n] = h_shell
    for n in ("eval",):
        table[n] = h_eval
    for n in ("source", "."):
        table[n] = h_source
    table["trap"] = h_trap
    for n in _NAME_TAKERS:
        table[n] = h_names
    for n in WRAPPERS:
        table[n] = h_wrapper
    for n in ("sudo", "doas", "su", "pkexec", "run0", "chroot", "sudoedit", "runuser",
              "setpriv", "nsenter"):  # fmt: skip
        table[n] = h_privilege
    for n in ("unshare", "bwrap", "systemd-run"):
        table[n] = h_isolate
    table["xargs"] = h_xargs
    table["parallel"] = h_xargs
    table["script"] = h_script
    for n in ("vim", "vi", "ex"):
        table[n] = h_ex_batch
    table["ed"] = h_ed
    table["perf"] = h_perf
    table["logsave"] = h_logsave
    table["gdb"] = h_gdb
    table["rm"] = h_rm
    table["shred"] = h_shred
    table["wipe"] = h_shred
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
    table["unzip"] = h_unzip
    for n in ("7z", "7za", "7zz", "7zr"):
        table[n] = h_7z
    table["dd"] = h_dd
    table["kill"] = h_kill
    table["ssh"] = h_ssh
    table["mosh"] = h_ssh
    for n in ("scp", "sftp"):
        table[n] = h_scp
    for n in ("curl", "http", "https", "xh", "curlie"):
        table[n] = h_curl
    table["wget"] = h_wget
    table["aria2c"] = h_wget
    for n in ("nc", "ncat", "netcat", "socat", "telnet"):
        table[n] = h_netcat
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
    for n in ("make", "gmake"):
        table[n] = h_make
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
    table["dc"] = h_calc
    table["watch"] = h_watch
    table["chattr"] = h_chattr
    table["openssl"] = h_openssl
    table["rg"] = h_rg
    table["protoc"] = h_protoc
    return table


_HANDLER_TABLE = _handlers()
HANDLERS: MappingProxyType[str, Handler] = MappingProxyType(_HANDLER_TABLE)
# PROGRAMS as a plain dict: `_classify_argv` looks every command's name up in it, and a
# read-only view's get costs more.
_PROGRAM_TABLE: dict[str, Program] = dict(PROGRAMS)
