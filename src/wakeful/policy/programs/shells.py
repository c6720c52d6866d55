"""Shells and wrappers: `sh -c`, source, trap, the wrappers (nice, timeout...), isolation
(unshare, bwrap, systemd-run), xargs/parallel, gdb and the builtins that take variable
names."""

from __future__ import annotations

import re
from dataclasses import replace

from wakeful.policy.program_rules import (
    PROGRAMS,
    PROJECT_SCRIPTS,
    WRAPPER_PROCESS_OPTS,
    WRAPPER_PROCESS_SETS,
    WRAPPERS,
)
from wakeful.policy.programs.assignments import _assign
from wakeful.policy.programs.entries import run_program
from wakeful.policy.programs.find import (
    _listed_paths,
    _unnarrowed_walk,
    listed_in_file,
    listed_names,
    reads_every_file,
    rewrites_every_file,
)
from wakeful.policy.programs.inline import _dynamic_code, _run_file, exec_stdin
from wakeful.policy.programs.options import _has, _vals, expand_long, split_opts
from wakeful.policy.programs.tables import (
    _BWRAP_VALUES,
    _ISOLATE_OPTS,
)
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier

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
        # `sh -c CODE NAME ARGS`: ARGS are the code's `$1`...; a `{}` that find or xargs
        # replaces, or a value known only at run time, is not known there
        given = [None if w.value == "{}" else w.value for w in pos[2:]]
        # NAME is the code's `$0` (`find -exec sh -c 'cat $0' {} \;` hands it the file)
        zero = pos[1].value if len(pos) > 1 and pos[1].value != "{}" else None
        a.run_script(code.value, cmd.cwd, f"{name} -c", given if len(pos) > 1 else None, zero)
        return
    if _has(opts, "-i"):
        a.add(Tier.HIGH, f"starts an interactive {name}")
    if pos and not _has(opts, "-s"):
        _run_file(name, pos[0], cmd, a)
        script = PROJECT_SCRIPTS.get((pos[0].value or "").rpartition("/")[2])
        if script is not None and a.place(pos[0], cmd.cwd).zone == "workspace":
            # `sh ./configure CC=/tmp/cc`: the script's own arguments, as it reads them
            script_args = args[next(i for i, w in enumerate(args) if w is pos[0]) + 1 :]
            run_program(pos[0].value or "", script, script_args, cmd, a)
        return
    exec_stdin(cmd, a, name, shell=True)


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


_FIREJAIL_CONTROL = frozenset(
    {
        *("--shutdown", "--join", "--join-network", "--join-filesystem", "--join-or-start"),
        "--bandwidth",
    }
)
_VALGRIND_OUTPUTS = frozenset(
    {
        *("--log-file", "--xml-file", "--massif-out-file", "--callgrind-out-file"),
        *("--cachegrind-out-file", "--dhat-out-file"),
    }
)


_ENV_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.S)


_FLAG_CLUSTER_WITH_F = re.compile(r"-[a-z]*f[a-z]*")
# env's long options (GNU getopt_long takes any unambiguous prefix: `--ch=DIR` is --chdir).
_ENV_LONG = (
    *("--chdir", "--unset", "--split-string", "--ignore-environment", "--null", "--debug"),
    *("--block-signal", "--default-signal", "--ignore-signal", "--list-signal-handling"),
)


def _env_long_options(args: list[Word]) -> list[Word]:
    """env's options written out in full, up to its first operand (an assignment or the
    command, whose own options are its own)."""
    full = expand_long(args, _ENV_LONG)
    value_next = False
    for i, word in enumerate(full):
        value = word.value or ""
        if value_next:
            value_next = False
        elif value in ("-u", "-C", "-S", "--unset", "--chdir", "--split-string"):
            value_next = True
        elif value == "--" or not value.startswith("-"):
            return [*full[:i], *args[i:]]
    return full


def h_wrapper(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    rule = WRAPPERS[name]
    takes = rule.value_opts
    if name == "env":
        args = _env_long_options(args)
    opts, pos = split_opts(args, takes, stop_at_positional=True)
    if name == "env":
        cwd = cmd.cwd
        for where in _vals(opts, "-C", "--chdir"):  # the command runs there
            cwd = a.resolve(where, cwd)
        if cwd != cmd.cwd:
            cmd = replace(cmd, cwd=cwd)
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
        while pos and _ENV_ASSIGNMENT.fullmatch(pos[0].value or pos[0].text):
            if pos[0].value is not None:
                var, _, val = pos[0].value.partition("=")
                _assign(var, Word(val, val), cmd, a)  # judged as `VAR=val cmd` is
            else:  # `PATH="$PATH"`: the name is literal, the value known at run time
                var, _, val = pos[0].text.partition("=")
                _assign(var, Word(None, val), cmd, a)
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
        and any(f == "--fork" or _FLAG_CLUSTER_WITH_F.fullmatch(f) for f, _ in opts)
    ):
        # `setsid -f CMD` returns at once: CMD lives on in a session of its own after the run
        a.add(Tier.HIGH, "setsid -f leaves the command running after the run, in a new session")
    if name in ("strace", "ltrace"):
        for out in _vals(opts, "-o"):
            a.write(out, cmd.cwd)
        if _has(opts, "-p", "--attach"):
            # another process's system calls show what it reads and writes: its keys
            a.add(Tier.HIGH, f"{name} attaches to a running process and reads its data")
    targets = WRAPPER_PROCESS_OPTS.get(name)
    if targets is not None and _has(opts, *targets):
        sets = WRAPPER_PROCESS_SETS.get(name)
        if sets is None or _has(opts, *sets):
            a.add(Tier.HIGH, f"{name} acts on processes already running, not the project's")
            return
        if not pos:
            a.add(Tier.READ_ONLY, f"{name} prints what a running process has set")
            return
    if name == "time":
        for out in _vals(opts, "-o", "--output"):
            a.write(out, cmd.cwd)
    if name == "valgrind":  # `--log-file=F`, `--xml-file=F` and the tools' profiles are written
        for out in _vals(opts, *_VALGRIND_OUTPUTS):
            a.write(out, cmd.cwd)
    if name == "exec" and not pos:
        a.add(Tier.READ_ONLY, "changes the shell's file descriptors")
        return
    if name == "firejail" and any(f in _FIREJAIL_CONTROL for f, _ in opts):
        a.add(Tier.HIGH, "firejail stops, joins or reconfigures a running sandbox")
    if not pos:
        a.add(Tier.READ_ONLY, f"{name} with nothing to run")
        return
    if name in ("torsocks", "proxychains", "proxychains4"):
        a.add(Tier.NETWORK, f"routes through a proxy ({name})")
    if name in ("watchexec", "entr") and len(pos) == 1 and pos[0].value and " " in pos[0].value:
        # one word with spaces: watchexec gives it to the shell (entr would fail to run it;
        # judged as shell code all the same)
        a.run_script(pos[0].value, cmd.cwd, name)
        return
    if name == "entr" and _has(opts, "-s") and pos[0].value is not None:
        a.run_script(pos[0].value, cmd.cwd, "entr -s")  # `entr -s CODE`: the shell runs it
        return
    a.run_argv(pos, cmd)


# unshare's flags for a user namespace of the user's own (root inside maps to the user),
# and the namespaces that only take away what the command can see or reach
_UNSHARE_USERNS = frozenset({"-r", "--map-root-user", "-U", "--user", "-c"})
_UNSHARE_CONFINES = _UNSHARE_USERNS | frozenset(
    {"--map-current-user", "-n", "--net", "-m", "--mount", "-p", "--pid", "-f", "--fork"}
    | {"-i", "--ipc", "-u", "--uts", "-C", "--cgroup", "-T", "--time", "--mount-proc"}
    | {"--kill-child"}
)


def h_isolate(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """unshare, bwrap, systemd-run: options, then a command that runs in new namespaces or
    as a unit of its own; judged as that command, and never below high, but in two forms
    that only confine it: `systemd-run --user --scope` with limits, and unshare with a user
    namespace of the user's own, a network namespace and others that take away (`unshare -r
    -n make test`: root only inside, no network)."""
    if name == "bwrap":
        pos = _bwrap_command(args)
        a.add(Tier.HIGH, "runs a command in a bubblewrap sandbox whose binds decide its reach")
    else:
        opts, pos = split_opts(args, _ISOLATE_OPTS[name], stop_at_positional=True)
        if name == "unshare":
            flags = {f for f, _ in opts}
            if (
                pos
                and flags & _UNSHARE_USERNS
                and flags & {"-n", "--net"}  # the idiom that takes the network away
                and flags <= _UNSHARE_CONFINES
                and all(value is None for _, value in opts)  # `--net=FILE` keeps a namespace
            ):
                a.add(
                    Tier.READ_ONLY,
                    "unshare runs the command in namespaces of the user's own (no privilege)",
                )
            else:
                a.add(Tier.HIGH, "runs a command in new namespaces, possibly as root in them")
        elif any(f.startswith("--on-") for f, _ in opts):
            a.add(Tier.HIGH, "systemd-run --on-... schedules the command to run later (a timer)")
        elif {"--user", "--scope"} <= (flags := {f for f, _ in opts}) and flags <= {
            *("--user", "--scope", "-p", "--property", "-q", "--quiet")
        }:
            # `systemd-run --user --scope -p MemoryMax=2G make test`: the command runs in the
            # foreground, in the user's own manager, with limits, and ends with the run
            a.add(Tier.READ_ONLY, "systemd-run --user --scope runs the command with limits")
        else:
            a.add(Tier.HIGH, "systemd-run starts the command as a unit that outlives the run")
    if pos:
        # judged as the command too, but an allow rule must also cover the whole line: these
        # are not transparent wrappers (a unit outlives the run; a sandbox's binds decide)
        outer = a.current
        a.run_argv(pos, cmd)
        if outer is not None:
            outer.leaf = True


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
    files = _vals(opts, "-a", "--arg-file")
    listed = (
        (
            listed_in_file(files[-1], cmd, a)
            if files[-1].value is not None
            # `xargs -a <(find ...)`: the names the substitution prints
            else listed_names(files[-1].listed, a)
        )
        if files
        else _listed_paths(cmd, a)
    )
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
    walk = _unnarrowed_walk(cmd) if listed is not None else []
    before = len(a.touched)
    for item in listed or [Word(None, "<input>")]:
        inner: list[Word] = []
        for w in pos:
            if marker and w.value is not None and marker in w.value:
                value = None if item.value is None else w.value.replace(marker, item.value)
                inner.append(Word(value, w.text, holds=item.holds))
            else:
                inner.append(w)
        if not marker:
            inner.append(item)
        if name == "parallel" and len(pos) == 1 and " " in (pos[0].value or " "):
            # a command given as one word is handed to a shell with the arguments put in:
            # `parallel 'curl -T {} URL' ::: a.png` runs `curl -T a.png URL`
            if any(w.value is None for w in inner):
                _dynamic_code(inner[0], a, "parallel")
            else:
                a.run_script(" ".join(w.value or "" for w in inner), cmd.cwd, "parallel")
            continue
        a.run_argv(inner, cmd)
    if walk:
        rewrites_every_file(walk, pos[0], before, cmd, a)
        reads_every_file(walk, pos[0].value, before, cmd, a, pos)


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


_SUBSCRIPT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\[(.*)\]")
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_SUBSCRIPT_ANYWHERE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\[(.*(?:\$\(|`|\$\{).*)\]")


def h_names(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    for word in args:
        text = word.value or ""
        if name == "printf" and text.startswith("-v") and len(text) > 2:
            text = text[2:]  # `printf -vNAME`, also from a variable (`v='-vx[$(cmd)]'`)
        # `let` takes expressions, where a subscript may stand anywhere (`let 'x=a[$(cmd)]'`)
        match = (_SUBSCRIPT_ANYWHERE.search if name == "let" else _SUBSCRIPT.match)(text)
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
            _assign(target.value, Word(None, f"({name} {target.value})"), cmd, a)
    if name in ("mapfile", "readarray"):
        opts, _ = split_opts(args, ("-C", "-c", "-d", "-n", "-O", "-s", "-u"))
        for callback in _vals(opts, "-C"):
            if callback.value is None:
                _dynamic_code(callback, a, f"{name} -C")
            else:
                # bash runs `CALLBACK INDEX 'LINE'` for each line: the line is an argument
                # whose text is known only at run time (`-C eval` runs it as code)
                a.run_script(callback.value, cmd.cwd, f"{name} -C callback")
                a.run_script(
                    callback.value + ' 0 "$__mapfile_line"', cmd.cwd, f"{name} -C callback"
                )
    run_program(name, PROGRAMS[name], args, cmd, a)
