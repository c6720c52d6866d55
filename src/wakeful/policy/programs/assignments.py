"""What comes with a command besides its words: redirections (`> file`), and variable
assignments before it (`PAGER=cmd git log`, `PYTHONPATH=/tmp x`): variables that make
programs run or load code, write files or reveal secrets."""

from __future__ import annotations

import dataclasses
import re

from wakeful.policy.program_rules import PROGRAMS
from wakeful.policy.programs.options import (
    _OUT_OPS,
    _SECRET_ENV_READERS,
    _endless_output,
    _short,
)
from wakeful.policy.programs.tables import (
    _API_LOG_VARS,
    _CODE_SEARCH_PATHS,
    _DANGEROUS_ENV,
    _INSTALLED_DIRS,
    _NPM_PROGRAM_VARS,
    _OUTPUT_FILE_VARS,
    _SECRET_PARTS,
    _TOOL_HOMES,
    _TOOLCHAIN_DIRS,
)
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word, _stdin_of, _stdout
from wakeful.policy.types import Tier

# Variables whose usual home is among the credentials the tool itself reads.
_OWN_CREDENTIALS = frozenset(
    {"KUBECONFIG", "DOCKER_CONFIG", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"}
    | {"CLOUDSDK_CONFIG", "AZURE_CONFIG_DIR"}
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


# ... of which these are given files to work on (appended to the command).
_GIVEN_FILES = re.compile(r"EDITOR|VISUAL|EXTERNAL_DIFF")

_SYSTEM_BIN_DIRS = frozenset(
    {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}
)
_PATH_APPEND = re.compile(r"^[\"']?\$\{?PATH\}?:")
_PATH_KEPT = re.compile(r"(\"?)\$(PATH|\{PATH\})\1")
# NODE_OPTIONS flags that only tune the runtime (anything else may load code or open ports).
_NODE_TUNING = re.compile(
    r"--(max-old-space-size|max-semi-space-size|stack-size|stack-trace-limit|max-http-header-size)"
    r"=\d+|--(enable-source-maps|no-warnings|no-deprecation|trace-warnings|trace-deprecation|"
    r"throw-deprecation|experimental-vm-modules|openssl-legacy-provider|use-openssl-ca|"
    r"preserve-symlinks|no-experimental-fetch|unhandled-rejections=(strict|warn|throw|none))"
)


_CODE_ENV_RE = re.compile(r"^(\$\(pwd\)|`pwd`|\$\{?PWD\}?)")


def code_env(name: str, value: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    """A variable that decides which code programs load: judged by where it points."""
    text = value.value
    if text is None and name != "NODE_OPTIONS":
        # `$(pwd)/src`, `$PYTHONPATH:src`: the working directory and the variable's own value
        # are known places; anything else computed is not.
        here = cmd.cwd or a.workspace
        text = ":".join(
            _CODE_ENV_RE.sub(lambda _: here, entry)
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


def _redirects(cmd: SimpleCommand, a: Analyzer) -> None:
    if _endless_output(cmd) and any(  # (the cheaper test first: both only read the command)
        r.op in _OUT_OPS
        and r.target is not None
        and r.target.value not in (None, "/dev/null", "-")
        and not (r.target.value or "").isdigit()
        for r in cmd.redirects
    ):
        a.add(Tier.HIGH, "writes endless output into a file (fills the disk)")
    for redirect in cmd.redirects:
        target = redirect.target
        if redirect.op in _OUT_OPS:
            if target is not None and ((target.value or "").isdigit() or target.value == "-"):
                continue
            device = (target.value or "") if target is not None else ""
            if device.startswith(("/dev/tcp/", "/dev/udp/")):
                a.add(
                    Tier.CRITICAL,
                    f"connects to {device} through a redirect (exfiltration or a reverse shell)",
                )
                continue
            a.write(target, cmd.cwd)
            if redirect.fd in (None, "1") or redirect.op in ("&>", "&>>"):
                _remember_written(redirect.op, target, cmd, a)
        elif redirect.op == "<" and target is not None:
            if (target.value or "").startswith(("/dev/tcp/", "/dev/udp/")):
                a.add(Tier.CRITICAL, f"reads from the network socket {target.value}")
                continue
            a.read(target, cmd.cwd)


def _remember_written(op: str, target: Word | None, cmd: SimpleCommand, a: Analyzer) -> None:
    """Keep what `cmd` writes to `target` when its output is static (`echo`, `printf`, `cat`
    of a here-document): a later `sh FILE` in the line runs that text."""
    place = a.place(target, cmd.cwd)
    if place.path is None:
        return
    bare = dataclasses.replace(cmd, redirects=[r for r in cmd.redirects if r.op not in _OUT_OPS])
    printed = _stdout(bare, _upstream_output(cmd)) if bare.argv else None
    _remember(place.path, None if printed is None else printed.value, op in (">>", "&>>"), a)


def _upstream_output(cmd: SimpleCommand) -> Word | None:
    """What the one pipeline stage before `cmd` prints, when static (`echo x | tee f`)."""
    if len(cmd.upstream) != 1 or not cmd.upstream[0].argv:
        return None
    return _stdout(cmd.upstream[0], None)


def _remember(path: str, text: str | None, append: bool, a: Analyzer) -> None:
    if append:
        before = a.wrote.get(path)
        text = None if before is None or text is None else before + text
    a.wrote[path] = text


def remember_tee(cmd: SimpleCommand, a: Analyzer) -> None:
    """`echo 'rm -rf ~' | tee x.sh`: tee writes what it reads to each of its files, and a
    later `sh x.sh` in the line runs that text."""
    found, fed = _stdin_of(cmd.redirects)
    printed = fed if found else _upstream_output(cmd)
    text = None if printed is None else printed.value
    append = False
    for w in cmd.argv[1:]:
        if w.value in ("-a", "--append"):
            append = True
            continue
        if w.value is None or w.value.startswith("-"):
            continue
        place = a.place(w, cmd.cwd)
        if place.path is not None:
            _remember(place.path, text, append, a)


# Variables naming a program that build tools run: compilers, linkers, wrappers, runners.
_TOOL_PROGRAM = re.compile(
    r"^(CC|CXX|CPP|CXXCPP|LD|AR|AS|NM|RANLIB|STRIP|OBJCOPY|OBJDUMP|READELF|DLLTOOL|WINDRES|"
    r"FC|F77|OBJC|OBJCXX|NVCC|MAKE|SHELL|CONFIG_SHELL|PKG_CONFIG|YACC|BISON|LEX|FLEX|M4|"
    r"LIBTOOL|RUSTC|RUSTDOC|CARGO|GO|HOSTCC|HOSTCXX|CMAKE_[A-Z_]*COMPILER[A-Z_]*)$|"
    r"_WRAPPER$|_RUNNER$|_LINKER$|_EXECUTABLE$"
)
_SYSTEM_PROGRAMS = ("/usr/", "/bin/", "/sbin/", "/opt/")
_SHELL_SYNTAX = re.compile(r"[;&|<>`$()\n]")
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
# Compiler and linker flags in variables that make builds load plugins or run programs.
_COMPILER_FLAG_VARS = frozenset(
    {"CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "CGO_CFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS"}
)
_COMPILER_LOADS = re.compile(
    r"(^|\s)(-fplugin|-fpass-plugin|-B|-wrapper|-specs|@|--ld-path|-fuse-ld=[/.~])|"
    r"-Xclang\s+-load|-Wl,[^\s]*-plugin"
)


_LINKER_SETTING = re.compile(r"linker=(\S+)")
_TOOLEXEC_FLAG = re.compile(r"-(?:toolexec|exec|vettool)[= ]+(\S+)")
_PLAIN_SETTING_VALUE = re.compile(r"(?i)\d*|true|false|yes|no|on|off")


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
    if name in _TOOLCHAIN_DIRS:
        text = value.value
        if text is None:
            a.add(Tier.HIGH, f"sets {name} to a directory only known at run time")
        elif "/" in text and not (text + "/").startswith(_INSTALLED_DIRS):
            zone = a.place(Word(text, value.text), cmd.cwd).zone
            if zone not in ("workspace", "home"):
                a.add(Tier.HIGH, f"sets {name}, so the tool runs the toolchain in {text}")
        return True
    if name in _TOOL_HOMES:
        # `CARGO_HOME=/tmp/x cargo build`: the tool reads its configuration there, and
        # configuration names programs (runners, linkers, init scripts) that then run
        if value.value is None:
            a.add(Tier.HIGH, f"sets {name} to a directory only known at run time")
        else:
            place = a.place(Word(value.value, value.text), cmd.cwd)
            zone = place.zone
            # A tool's own credentials (~/.kube, ~/.docker) are where it reads them anyway;
            # another user's (/home/alice/.kube) are not this user's configuration.
            own = (
                zone == "secret"
                and name in _OWN_CREDENTIALS
                and (place.path or "").startswith(a.home.rstrip("/") + "/")
            )
            if zone not in ("workspace", "home") and not own:
                a.add(Tier.HIGH, f"sets {name}, so the tool runs configuration from {value.value}")
        return True
    if name in _OUTPUT_FILE_VARS:
        # `GIT_TRACE=/home/dev/.bashrc git status` appends the trace to that file; a
        # number or a boolean sends it to a descriptor
        text = value.value
        if text is None:
            a.add(Tier.HIGH, f"sets {name} to a file only known at run time (written)")
        elif not _PLAIN_SETTING_VALUE.fullmatch(text):
            a.write(Word(text, value.text), cmd.cwd)
        return True
    if name in _API_LOG_VARS:
        if value.value is None or value.value.lower() not in ("", "off", "0", "false"):
            a.add(
                Tier.HIGH, f"sets {name}: API requests and responses are logged, secrets included"
            )
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
        for program in _LINKER_SETTING.findall(value.value or value.text):
            _tool_path(name, program.strip("'\""), cmd, a)
        return True
    if name == "GOFLAGS":
        programs = _TOOLEXEC_FLAG.findall(value.value or value.text)
        for program in programs:
            _tool_path(name, program.strip("'\""), cmd, a)
            # go gives it the tool's path and arguments (`-toolexec=rm` deletes the compiler)
            a.run_script(program.strip("'\"") + ' "$TOOL"', cmd.cwd, f"${name}")
        return True
    if not _TOOL_PROGRAM.search(name):
        return False
    if value.value is None:
        a.add(Tier.HIGH, f"sets {name} to a program only known at run time")
        return True
    words = value.value.split()
    if words:
        _tool_path(name, words[0], cmd, a)
    if name != "SHELL" and (len(words) > 1 or _SHELL_SYNTAX.search(value.value)):
        # `CC='gcc -m32'`, `CARGO_TARGET_..._RUNNER='qemu-aarch64 -L /x'`: the build runs the
        # value as a command line (make through the shell), so what it says is judged
        # (`CC='rm -rf ~;' make`, `..._RUNNER='sh -c ...' cargo test`)
        a.run_script(value.value, cmd.cwd, f"${name}")
    return True


def build_program(label: str, value: str, cmd: SimpleCommand, a: Analyzer) -> None:
    """A program a build runs, named in an option's value (`cmake -DCMAKE_C_COMPILER=PROG`,
    `mvn -Djvm=PROG`, `-javaagent:JAR`): judged as `CC=PROG` is. A CMake list's first item
    is the program, the rest its arguments (`-DCMAKE_CXX_CLANG_TIDY=clang-tidy;-checks=*`)."""
    text = value.split(";", 1)[0]
    words = text.split()
    if not words:
        return
    program = words[0]
    if "/" in program and not program.startswith(_SYSTEM_PROGRAMS):
        place = a.place(Word(program, program), cmd.cwd)
        if place.zone != "workspace":
            a.add(Tier.HIGH, f"{label}: the build runs {place.label}")
    if len(words) > 1 or _SHELL_SYNTAX.search(text):
        a.run_script(text, cmd.cwd, label)  # `-DCMAKE_C_COMPILER='rm -rf ~'`


_DIR_LIST = re.compile(r"[;:,]")


def toolchain_dirs(label: str, value: str, cmd: SimpleCommand, a: Analyzer) -> None:
    """A toolchain, SDK, JDK or package prefix a build uses, or a list of them, named in an
    option's value (`-Dorg.gradle.java.home=DIR`, `-DCMAKE_PREFIX_PATH=A;B`): judged as
    `JAVA_HOME=DIR` is, one installed (/usr, /opt, ...), the user's or the workspace's being
    theirs, one elsewhere (/tmp) holding programs or build code that would run."""
    for entry in _DIR_LIST.split(value):
        if not entry or (entry + "/").startswith(_INSTALLED_DIRS):
            continue
        zone = a.place(Word(entry, entry), cmd.cwd).zone
        if zone not in ("workspace", "home"):
            a.add(Tier.HIGH, f"{label}: the build uses the toolchain or code in {entry}")


def _tool_path(name: str, program: str, cmd: SimpleCommand, a: Analyzer) -> None:
    if "/" not in program or program.startswith(_SYSTEM_PROGRAMS):
        return
    place = a.place(Word(program, program), cmd.cwd)
    if place.zone != "workspace":
        a.add(Tier.HIGH, f"sets {name}, so the build runs {place.label}")


def _assigns(cmd: SimpleCommand, a: Analyzer) -> None:
    for name, value in cmd.assigns:
        _assign(name, value, cmd, a)


_LIBRARY_ENV = frozenset(
    {"LD_PRELOAD", "LD_LIBRARY_PATH", "DYLD_INSERT_LIBRARIES", "DYLD_LIBRARY_PATH"}
)


_WORKSPACE_LIBRARIES_RE = re.compile(r"[:\s]+")


_LIBRARY_PATH_ENV = frozenset({"LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH"})


def _runs_project_code(program: str | None) -> bool:
    """Whether the program is a build or test runner that runs the workspace's code
    (`make`, `ctest`, `pytest`: entries marked `runs_code`)."""
    entry = PROGRAMS.get(program or "")
    return entry is not None and entry.runs_code


def _workspace_libraries(value: Word, cmd: SimpleCommand, a: Analyzer) -> bool:
    """Whether every library or directory a loader variable names lies in the workspace."""
    if value.value is None or not value.value.strip():
        return False
    entries = [e for e in _WORKSPACE_LIBRARIES_RE.split(value.value) if e]
    return all(a.place(Word(e, e), cmd.cwd).zone == "workspace" for e in entries)


def _assign(name: str, value: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    """One variable set for a command (`VAR=x cmd`, `env VAR=x cmd`, `export VAR=x`)."""
    a.assigned.setdefault(name, []).append(value.value)
    if _COMMAND_VALUED.search(name):
        # PAGER=cat, GIT_EDITOR=true, SYSTEMD_PAGER=..., LESSOPEN='|cmd %s': the program
        # will run this command, so it is judged as one.
        if value.value is None:
            a.add(Tier.HIGH, f"sets {name} to a command only known at run time")
        else:
            a.add(Tier.READ_ONLY, f"sets {name}, a command that programs run")
            text = value.value.lstrip("|")
            if _GIVEN_FILES.search(name):
                # an editor is given the file to edit, an external diff the changed files:
                # `GIT_EXTERNAL_DIFF=rm git diff` deletes them
                text += ' "$FILE"'
            a.run_script(text, cmd.cwd, f"${name}")
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
    elif (
        name in _LIBRARY_ENV
        and cmd.argv
        and (
            "/" in (cmd.argv[0].value or "")
            and a.place(cmd.argv[0], cmd.cwd).zone == "workspace"
            or name in _LIBRARY_PATH_ENV
            and _runs_project_code(cmd.argv[0].value)
        )
        and _workspace_libraries(value, cmd, a)
    ):
        # `LD_PRELOAD=./build/libhook.so ./build/app`: the project's own library in the
        # project's own program; `LD_LIBRARY_PATH=build/lib make test`: the project's own
        # library directory for a build or test runner, which runs the project's code
        # anyway (in a program of the system, `ls`, it is not judged so, nor LD_PRELOAD)
        a.add(Tier.WORKSPACE, f"sets {name} to the project's own libraries")
    elif name == "GIT_CONFIG_NOSYSTEM" or (
        name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM") and value.value == "/dev/null"
    ):
        # the system file skipped, or an empty file in place of one: git reads less
        # configuration, never more (whatever the value, GIT_CONFIG_NOSYSTEM adds nothing)
        a.add(Tier.READ_ONLY, f"sets {name}: git reads less configuration")
    elif name in _DANGEROUS_ENV or name.startswith("GIT_CONFIG"):
        a.add(Tier.HIGH, f"sets {name}, which makes programs run other code")
    elif name in _MODEL_SERVER_VARS:
        if value.value is None or not _LOOPBACK.match(value.value):
            a.add(Tier.NETWORK, f"sets {name}: the model server may be another host's")
    elif name in _ENGINE_HOST_VARS:
        if value.value is None or not (
            value.value.startswith("unix://")
            or name == "DOCKER_CONTEXT"
            and value.value == "default"
        ):
            a.add(Tier.NETWORK, f"sets {name}: the container engine may be another host's")
    elif name == "PATH":
        if _PATH_APPEND.match(value.text):
            a.add(Tier.READ_ONLY, "appends to PATH (existing programs keep precedence)")
        elif _PATH_KEPT.fullmatch(value.text):
            a.add(Tier.READ_ONLY, "sets PATH to itself")
        elif value.value is not None and all(
            entry.rstrip("/") in _SYSTEM_BIN_DIRS for entry in value.value.split(":")
        ):
            a.add(Tier.READ_ONLY, "sets PATH to the system's program directories")
        else:
            a.add(Tier.HIGH, "changes PATH, so program names may resolve to other binaries")
    else:
        _tool_program(name, value, cmd, a)


# Where a local model server is (`OLLAMA_HOST=10.0.0.5:11434 ollama list`): loopback only is
# this machine's.
_MODEL_SERVER_VARS = frozenset({"OLLAMA_HOST"})
_LOOPBACK = re.compile(r"^(?:https?://)?(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?/?$")
# Where a container engine is: another host's (`DOCKER_HOST=ssh://prod docker ps`).
_ENGINE_HOST_VARS = frozenset(
    {"DOCKER_HOST", "DOCKER_CONTEXT", "CONTAINER_HOST", "CONTAINER_CONNECTION"}
)
_VAR_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
# A variable named in a filter's program: jq's `$ENV.NAME` and `env.NAME`, yq's `env(NAME)`
# and `strenv(NAME)`, awk's `ENVIRON["NAME"]`.
_FILTER_ENV_REF = re.compile(
    r"(?:\$ENV|(?<![.\w$])env)\s*(?:\.|\[\s*\"?)\s*([A-Za-z_]\w*)"
    r"|\b(?:str)?env\(\s*\"?([A-Za-z_]\w*)"
    r"|ENVIRON\s*\[\s*\"([A-Za-z_]\w*)"
)
_ENV_FILTERS = frozenset({"jq", "gojq", "jaq", "yq", "awk", "gawk", "mawk", "nawk"})


def _is_secret_name(var: str) -> bool:
    return var != "PWD" and any(part in _SECRET_PARTS for part in var.upper().split("_"))


def _secret_variable(name: str, args: list[Word]) -> str | None:
    """A secret-looking environment variable that this command would print, if any."""
    for w in args:
        if name == "printenv":
            if w.value and not w.value.startswith("-") and _is_secret_name(w.value):
                return w.value
            continue
        if name in _ENV_FILTERS:
            for match in _FILTER_ENV_REF.finditer(w.value or ""):
                var = match.group(match.lastindex or 0)
                if _is_secret_name(var):
                    return var
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
