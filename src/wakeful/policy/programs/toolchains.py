"""Language toolchains and package managers: python (-m modules, frameworks' tasks), the
other interpreters, pip, uv, npm/yarn/pnpm, npx and protoc."""

from __future__ import annotations

import os.path
import re
from collections.abc import Mapping

from wakeful.policy.program_rules import (
    BUN_ALIASES,
    NPM_HIGH,
    NPM_NETWORK,
    NPM_READ,
    NPM_REMOTE,
    NPM_WORKSPACE,
    PHP_SETTINGS,
    PHP_TOOLS,
    PIP_REMOTE,
    PIP_REMOTE_FLAGS,
    PNPM_ALIASES,
    RUNS_PROJECT_CODE,
    UV_REMOTE_FLAGS,
    YARN_PNPM_HIGH,
    npm_command,
)
from wakeful.policy.programs.assignments import code_env
from wakeful.policy.programs.inline import (
    _dynamic_code,
    _inline_code,
    _perl_is_safe,
    _ruby_filter,
    _run_file,
    exec_stdin,
)
from wakeful.policy.programs.options import (
    _has,
    _vals,
    runs_project_code,
    split_opts,
)
from wakeful.policy.programs.remote import sends_off
from wakeful.policy.programs.settings import judge_setting
from wakeful.policy.programs.tool_tables import (
    _DB_LOSS,
    _DJANGO_WIPE,
    _FRAMEWORK_TASKS,
    _LOCAL_ENVS,
    _NODE_TOOLS,
    _NPM_KNOWN,
    _NPM_LISTINGS,
    _NPM_PROGRAM_OPTS,
    _NPM_RUNS_CODE,
    _NPM_SECRET_KEY,
    _PIP_VALUE_OPTS,
    _PY_MODULES_READ,
    _PY_MODULES_WORKSPACE,
)
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier


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
    if modules and modules[0].value in _PY_MODULES_READ:
        # the module's own options and files follow its name (`-m json.tool --indent 2 F`)
        at = next((i for i, w in enumerate(args) if w is modules[0]), None)
        _python_reader(modules[0].value or "", pos if at is None else args[at + 1 :], cmd, a)
        return
    if modules and modules[0].value in ("zipfile", "tarfile"):
        # the module's own options follow its name (`-m zipfile -l F`): not python's
        at = next((i for i, w in enumerate(args) if w is modules[0]), None)
        _python_archive(modules[0].value or "", pos if at is None else args[at + 1 :], cmd, a)
        return
    if modules and modules[0].value in _PY_MODULES_RUN_CODE:
        # as zipfile's: the module's own options follow its name (`-m timeit -s SETUP`)
        at = next((i for i, w in enumerate(args) if w is modules[0]), None)
        _python_code_module(modules[0].value or "", pos if at is None else args[at + 1 :], cmd, a)
        return
    if modules and modules[0].value in _PY_MODULE_PROGRAMS:
        # as zipfile's: every word after the module's name is the program's
        at = next((i for i, w in enumerate(args) if w is modules[0]), len(args) - 1)
        program = _PY_MODULE_PROGRAMS[modules[0].value or ""]
        a.run_argv([Word(program, program), *args[at + 1 :]], cmd)
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


_MIGRATION_TASK = re.compile(r"migrate|db:")
_RUBY_FILE_NAME = re.compile(r"[/.]rb$|/")


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
        if _MIGRATION_TASK.match(task) and "--force" in words:
            a.add(Tier.HIGH, f"artisan {task} --force runs against a production database")
            return True
        if task == "tinker":
            _console_code(rest, ("--execute",), "php", "artisan tinker --execute", cmd, a)
            return True
        if task == "test":  # its options are PHPUnit's (or Pest's, which takes the same)
            a.run_argv([Word("phpunit", "phpunit"), *rest], cmd)
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
        elif _RUBY_FILE_NAME.search(code.value or ""):
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


def _python_reader(module: str, pos: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`python -m json.tool IN [OUT]`, `-m tokenize FILE`, `-m dis FILE` ...: the files named
    are read (json.tool writes its second one); pydoc's -p and -b serve over HTTP, -w writes
    NAME.html here."""
    values = [w.value or "" for w in pos]
    if module == "pydoc" and any(v.startswith(("-p", "-b", "-n")) for v in values):
        a.add(Tier.HIGH, "python -m pydoc serves documentation over the network")
        return
    a.add(Tier.READ_ONLY, f"python -m {module} only reads")
    if module == "pydoc":
        if "-w" in values:
            a.write(Word(".", "."), cmd.cwd)
        return
    _, files = split_opts(pos, ("--indent",))
    for k, word in enumerate(files):
        if module == "json.tool" and k == 1:
            a.write(word, cmd.cwd)
        elif word.value != "-":
            a.read(word, cmd.cwd)


# Modules that are a program with an entry of its own, run as that program (h_python).
_PY_MODULE_PROGRAMS: Mapping[str, str] = {
    "torch.distributed.run": "torchrun",
    "papermill": "papermill",
    "dvc": "dvc",
    "mlflow": "mlflow",
    "tensorboard.main": "tensorboard",
    "huggingface_hub.commands.huggingface_cli": "huggingface-cli",
    # project tools whose options write, load configuration or run code as the program's do
    # (`python -m pytest --basetemp DIR` is `pytest --basetemp DIR`)
    **{
        m: m
        for m in ("pytest", "coverage", "tox", "nox", "flake8", "pylint", "mypy", "pyright")
        + ("black", "isort", "ruff", "autopep8", "yapf", "pyflakes", "pycodestyle", "bandit")
        + ("mkdocs", "cython", "alembic", "maturin")
    },
    "sphinx": "sphinx-build",
}


# Standard modules that run code they are given: statements (timeit), a script or module
# (cProfile, profile, trace, pdb), the examples of a file (doctest), the tests found in a
# directory (unittest); and the compilers that write bytecode beside the sources they name.
_PY_MODULES_RUN_CODE = frozenset(
    {"timeit", "cProfile", "profile", "trace", "pdb", "doctest", "unittest"}
    | {"compileall", "py_compile"}
)
_PY_MODULE_TAKES: Mapping[str, tuple[str, ...]] = {
    "timeit": ("-n", "--number", "-r", "--repeat", "-s", "--setup", "-u", "--unit"),
    "cProfile": ("-o", "-s", "-m"),
    "profile": ("-o", "-s", "-m"),
    "trace": ("-f", "--file", "-C", "--coverdir", "--ignore-module", "--ignore-dir", "-m"),
    "pdb": ("-c", "--command", "-m"),
    "doctest": ("-o", "--option"),
    "unittest": ("-k", "-s", "--start-directory", "-p", "--pattern", "-t", "--top-level-directory"),
    "compileall": ("-d", "-s", "-p", "-x", "-i", "-j", "-r", "-o", "--invalidation-mode"),
    "py_compile": (),
}


def _python_code_module(module: str, pos: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`python -m timeit 'import os; os.system(...)'` runs its statements as `python -c`
    would; `-m cProfile /tmp/x.py`, `-m doctest /tmp/x.txt`, `-m unittest discover -s /tmp`
    run the code at those places, judged as running a script there; `-m compileall DIR`
    writes bytecode below DIR."""
    opts, operands = split_opts(pos, _PY_MODULE_TAKES[module], stop_at_positional=True)
    if module == "timeit":
        setup = [w.value for w in _vals(opts, "-s", "--setup")]
        statements = [w.value for w in operands]
        if any(code is None for code in setup + statements):
            a.add(Tier.HIGH, "python -m timeit runs statements only known at run time")
            return
        code = "\n".join([c for c in setup + statements if c is not None])
        if code.strip():
            _inline_code("python", code, cmd, a)
        else:
            a.add(Tier.READ_ONLY, "python -m timeit times an empty statement")
        return
    if module in ("compileall", "py_compile"):
        a.add(Tier.WORKSPACE, f"python -m {module} compiles sources to bytecode")
        for word in operands:
            if word.value != "-":
                a.write(word, cmd.cwd)  # __pycache__ beside (or below) what it names
        return
    a.add(Tier.WORKSPACE, f"python -m {module} runs the project's code")
    runs_project_code(f"python -m {module} runs the project's code", cmd, a)
    for word in _vals(opts, "-o", "-C", "--coverdir", "-f", "--file"):
        a.write(word, cmd.cwd)  # profiles and coverage written there
    for word in _vals(opts, "-s", "--start-directory", "-t", "--top-level-directory"):
        if module == "unittest":  # the tests found below that directory are imported
            _run_file("python", word, cmd, a)
    inner = _vals(opts, "-m")
    if inner:  # `-m cProfile -m MODULE`: that module, run
        _python_module(inner[-1].value, operands, cmd, a)
        return
    targets = (
        operands[1:]
        if module == "unittest" and operands[:1] and (operands[0].value == "discover")
        else operands
    )
    for word in targets if module in ("doctest", "unittest") else operands[:1]:
        value = word.value or ""
        if (
            module == "unittest"
            and word.value is not None
            and "/" not in value
            and (not value.endswith(".py"))
        ):
            continue  # a module or test name: the project's, imported from here
        _run_file("python", word, cmd, a)


def _python_module(module: str | None, pos: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    if module is None:
        a.add(Tier.HIGH, "runs a Python module only known at run time")
        return
    if module == "pip":
        h_pip("pip", pos, cmd, a)
    elif module in ("http.server", "SimpleHTTPServer", "smtpd", "ftplib"):
        a.add(Tier.HIGH, f"python -m {module} serves files over the network")
    elif module == "pytest":  # `python -m pytest ARGS` is `pytest ARGS`, run from the cwd
        a.run_argv([Word(module, module), *pos], cmd)
    elif module in _PY_MODULES_READ:
        _python_reader(module, pos, cmd, a)  # `python -m pydoc` via a wrapper
    elif module in _PY_MODULES_RUN_CODE:
        _python_code_module(module, pos, cmd, a)
    elif module in _PY_MODULES_WORKSPACE:
        a.add(Tier.WORKSPACE, f"python -m {module} runs project tooling")
        if module in ("venv", "virtualenv"):
            _, dirs = split_opts(pos, ("--prompt", "-p", "--python", "--upgrade-deps"))
            for d in dirs:
                a.write(d, cmd.cwd)
        if module.split(".")[0] in RUNS_PROJECT_CODE or module in ("unittest", "doctest"):
            runs_project_code(f"python -m {module} runs the project's code", cmd, a)
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


# Options of interpreters whose value is code loaded before the script, or a list of
# places code is loaded from.
_INTERP_LOADS: Mapping[str, tuple[str, ...]] = {
    "node": ("-r", "--require", "--import", "--loader", "--experimental-loader"),
    "ruby": ("-r", "-I"),
    "perl": ("-I",),
    # an extension; an INI file (its auto_prepend_file runs); a script run for every line
    "php": ("-z", "-c", "--php-ini", "-F", "--process-file"),
    "java": ("-cp", "-classpath"),
    "bun": ("-r", "--require", "--preload", "--import"),
    "julia": ("-L", "--load", "-J", "--sysimage"),  # a file of Julia code, a system image
}
_PATH_LISTS = frozenset({"-I", "-cp", "-classpath"})
# The JVM's agents (code loaded before the program), its arguments files (more options,
# agents among them), and the commands it runs when it fails.
_JAVA_AGENT = re.compile(r"(?:-javaagent:|-agentpath:|@)([^=]+)")
_JAVA_RUNS_ON_EVENT = re.compile(r"-XX:(?:OnError|OnOutOfMemoryError)=")
_JAVA_VALUE_OPTS = frozenset(
    {"-cp", "-classpath", "--class-path", "-p", "--module-path", "--add-modules"}
    | {"--upgrade-module-path", "--add-opens", "--add-exports", "--add-reads", "-m"}
)
# Options of interpreters that take a value in the next word, which is no script.
_INTERP_VALUE_OPTS: Mapping[str, tuple[str, ...]] = {
    "osascript": ("-l", "-s"),  # a language, output flags
    "ruby": ("-E", "--encoding", "--external-encoding", "--internal-encoding"),
    # an INI setting, an INI file, an extension, a docroot, a script run for every line
    "php": ("-d", "--define", "-c", "--php-ini", "-z", "-t", "-F", "--process-file"),
    "lua": ("-l",),  # a module to require
    "bun": ("--preload",),
    "julia": ("-L", "--load", "-J", "--sysimage"),
    "node": (
        *("--title", "--input-type", "--loader", "--experimental-loader", "--env-file"),
        *("--inspect-port", "--conditions", "--dns-result-order", "--openssl-config"),
        *("--redirect-warnings", "--diagnostic-dir", "--report-dir", "--cpu-prof-dir"),
        *("--heap-prof-dir", "--unhandled-rejections", "--watch-path", "--test-reporter"),
        *("--test-reporter-destination", "--disable-warning", "--experimental-default-type"),
    ),
}


# A script named for publishing, deploying or releasing does that; npm's hooks that run
# before a publish (`prepublish`, `prepublishOnly`: builds and tests) do not.
_RELEASE_WORD = re.compile(r"(?i)(deploy|release|upload|^(?!prepublish(?:only)?$).*publish)")
_PATH_CHARACTER = re.compile(r"[./]")
_FLAG_CLUSTER_WITH_I = re.compile(r"-[a-zA-Z]*i[a-zA-Z]*")
# A module deno loads from outside: its registries' specifiers and web addresses.
_DENO_REMOTE_MODULE = re.compile(r"^(?:https?://|jsr:|npm:)")
# Subcommands whose first operand is the module and the rest are its arguments, and those
# whose every operand is a module; the first group runs the module, as do test and bench.
_DENO_ONE_MODULE = frozenset({"run", "serve", "compile"})
_DENO_MODULES = frozenset({"test", "bench", "check", "info", "doc", "cache", "vendor"})
_DENO_RUNS = frozenset({"run", "serve", "test", "bench"})
_DENO_VALUE_OPTS = (
    *("-c", "--config", "--import-map", "--env-file", "--lock", "-o", "--output", "--target"),
    *("--cert", "--location", "--seed", "--v8-flags", "-L", "--log-level", "--ext", "--port"),
    *("--host", "--include", "--exclude", "--filter", "--reporter", "--junit-path"),
    *("--preload", "--require"),
)
# deno's options naming what it loads with the program: configuration (tasks, compiler
# options, an import map), an import map (which maps the program's imports onto any file),
# modules run before it.
_DENO_LOADS = ("-c", "--config", "--import-map", "--preload", "--require")
# julia's options naming a file it writes: coverage and compile traces (these values name
# no file).
_JULIA_WRITES = re.compile(r"--(code-coverage|track-allocation|trace-compile|trace-dispatch)=(.+)")
_JULIA_NO_FILE = frozenset({"none", "user", "all", "stderr", "stdout"})


def _deno_remote_module(verb: str | None, rest: list[Word]) -> Word | None:
    """The module operand of `deno VERB ...` given by a remote specifier (`deno run
    jsr:@deno/deployctl`, `deno info https://...`), or an import map or configuration
    fetched from one (which can map the project's imports onto any code), or None; an
    operand after a `run` module is the module's own argument (`deno run main.ts
    https://api.example`)."""
    opts, _ = split_opts(rest, _DENO_VALUE_OPTS, stop_at_positional=True)
    for value in _vals(opts, "--import-map", "-c", "--config"):
        if value.value is None or _DENO_REMOTE_MODULE.match(value.value):
            return value
    if verb in _DENO_ONE_MODULE:
        _, pos = split_opts(rest, _DENO_VALUE_OPTS, stop_at_positional=True)
        modules = pos[:1]
    elif verb in _DENO_MODULES:
        _, modules = split_opts(rest, _DENO_VALUE_OPTS)
    else:
        return None
    for module in modules:
        if module.value and _DENO_REMOTE_MODULE.match(module.value):
            return module
    return None


def h_interp(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    code_flags = {
        "node": ("-e", "--eval", "-p", "--print"),
        "perl": ("-e", "-E"),
        "ruby": ("-e",),
        # code run once, before, for every line of input and after it
        "php": ("-r", "--run", "-B", "--process-begin", "-R", "--process-code", "-E")
        + ("--process-end",),
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
        + (("-jar",) if name == "java" else ())  # `-jar` is no -j -a -r
        + _INTERP_VALUE_OPTS.get(name, ()),  # `osascript -l JavaScript`, `ruby -E UTF-8`
        stop_at_positional=True,
    )
    codes = _vals(opts, *code_flags)
    for opt, value in opts:
        if opt in _INTERP_LOADS.get(name, ()) and value is not None:
            # code loaded before the script (`node -r /tmp/x.js app.js`, `perl -I/tmp`,
            # `java -cp /tmp/x.jar Main`, `php -z /tmp/x.so`): judged as a file it runs
            entries = (value.value or "").split(":") if opt in _PATH_LISTS else [value.value]
            for entry in entries:
                if entry is None:
                    _dynamic_code(value, a, f"{name} {opt}")
                elif "/" in entry or entry.startswith("."):
                    _run_file(f"{name} {opt}", Word(entry, value.text), cmd, a)
    if name == "java":
        value_next = False
        for word in args:  # the JVM's options, up to the class or -jar
            flag = word.value or ""
            if value_next:
                value_next = False
                continue
            if flag == "-jar" or not flag.startswith(("-", "@")):
                break
            value_next = flag in _JAVA_VALUE_OPTS
            agent = _JAVA_AGENT.match(flag)
            if agent:  # `-javaagent:JAR[=OPTIONS]`, `-agentpath:LIB`, `@ARGFILE`
                _run_file(f"java {flag}", Word(agent.group(1), word.text), cmd, a)
            elif _JAVA_RUNS_ON_EVENT.match(flag):
                a.add(Tier.HIGH, f"java runs a command when the JVM fails ({flag})")
    if name == "php":  # `php -d auto_prepend_file=FILE`: INI settings that run or write files
        for setting in _vals(opts, "-d", "--define"):
            judge_setting(name, PHP_SETTINGS, setting, cmd, a)
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
            (w.value or "").startswith("-i") or _FLAG_CLUSTER_WITH_I.fullmatch(w.value or "")
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
    if name == "julia":
        for word in args:
            text = word.value or ""
            if text.startswith("--project="):
                # the environment whose packages `using` loads (`@.` and `@name` are the
                # project's own or the user's named environments)
                where = text.removeprefix("--project=")
                if not where.startswith("@") and a.place(where, cmd.cwd).zone != "workspace":
                    a.add(Tier.HIGH, f"julia loads the packages of {where}, outside the workspace")
            written = _JULIA_WRITES.fullmatch(text)
            output = written.group(2) if written else ""
            # (`@PATH` only limits what is counted)
            if output and output not in _JULIA_NO_FILE and not output.startswith("@"):
                a.write(Word(output, word.text), cmd.cwd)
    if name in ("deno", "bun") and pos:
        verb = pos[0].value
        if name == "bun" and verb is not None:
            verb = BUN_ALIASES.get(verb, verb)  # `bun c` is `bun create`, `bun r` remove
            if verb == "exec":
                # `bun exec CODE`: the code runs in Bun's shell, as `sh -c CODE` would; with
                # other words or options (`--cwd DIR`, `--env-file F`) which word is the
                # code, and where it runs, is not followed
                if len(args) != 2:
                    a.add(Tier.HIGH, "bun exec with options or several words runs shell code")
                elif args[1].value is None:
                    _dynamic_code(args[1], a, "bun exec")
                else:
                    a.run_script(args[1].value, cmd.cwd, "bun exec")
                return
            if verb in ("install", "add") and any(
                w.value in ("-g", "--global") or (w.value or "").startswith("-g") for w in pos[1:]
            ):
                a.add(Tier.HIGH, f"bun {verb} -g installs a package for the user")
                return
            if verb == "pm" and [w.value for w in pos[1:3]] == ["cache", "rm"]:
                a.add(Tier.HIGH, "bun pm cache rm empties the user's package cache (~/.bun)")
                return
        remote = _deno_remote_module(verb, pos[1:]) if name == "deno" else None
        if remote is not None:
            if verb in _DENO_RUNS:
                a.add(Tier.CRITICAL, f"deno {verb} runs {remote.text}, code from the network")
            else:
                a.add(Tier.NETWORK, f"deno {verb} downloads {remote.text} from the network")
            return
        if name == "deno":
            given, _ = split_opts(
                pos[1:], _DENO_VALUE_OPTS, stop_at_positional=verb in _DENO_ONE_MODULE
            )
            for value in _vals(given, *_DENO_LOADS):
                _run_file(f"deno {verb}", value, cmd, a)
            for value in _vals(given, "--lock"):  # the lock file is written
                a.write(value, cmd.cwd)
        if verb in ("test", "fmt", "lint", "check", "bench", "task", "compile", "bundle", "build"):
            a.add(Tier.WORKSPACE, f"{name} {verb} runs project tooling")
            if verb in ("test", "task", "bench"):
                runs_project_code(f"{name} {verb} runs the project's code", cmd, a)
            # `deno task --config FILE`: the tasks (shell commands) come from FILE
            later, targets = split_opts(pos[1:], ("-c", "--config", "--cwd"))
            for config in _vals(later, "-c", "--config", "--cwd"):
                _run_file(f"{name} {verb}", config, cmd, a)
            if verb in ("test", "bench", "compile", "bundle", "build"):
                # the files or directories it tests, benches or builds: code from there runs
                for target in targets:
                    if target.value is None or a.place(target, cmd.cwd).zone != "workspace":
                        a.add(
                            Tier.HIGH,
                            f"{name} {verb} runs code in {target.text}, outside the workspace",
                        )
            return
        if name == "bun" and verb in ("remove", "rm"):
            # takes the dependency out of package.json and the lockfile and node_modules:
            # nothing is downloaded (a global one is the user's, outside the workspace)
            later, _ = split_opts(pos[1:], ("--cwd", "-c", "--config"))
            if _has(later, "-g", "--global"):
                a.add(Tier.HIGH, f"bun {verb} -g removes a package installed for the user")
            else:
                a.add(Tier.WORKSPACE, f"bun {verb} removes a dependency of the project")
                # the install it ends with runs the package's own lifecycle scripts
                runs_project_code(f"bun {verb} runs the project's package scripts", cmd, a)
                for place in _vals(later, "--cwd"):
                    if a.place(place, cmd.cwd).zone != "workspace":
                        a.add(Tier.HIGH, f"bun {verb} edits the package in {place.text}")
            return
        if verb in ("install", "add", "a", "update", "i", "remove", "rm", "upgrade", "outdated"):
            a.add(Tier.NETWORK, f"{name} {verb} installs packages from the registry")
            return
        if verb in ("x", "create", "publish", "link", "unlink", "uninstall", "repl", "serve"):
            a.add(Tier.HIGH, f"{name} {verb} runs registry code, publishes or serves")
            return
        # `bun info PKG` and `bun pm view PKG` ask the registry
        if name == "bun" and (verb in NPM_REMOTE or verb == "pm" and _value_at(pos, 1) == "view"):
            sends_off(f"{name} {verb}", args, a)
        if (
            verb in ("info", "doc", "types")
            or name == "bun"
            and verb == "pm"
            and ([w.value for w in pos[1:2]] in (["ls"], ["bin"], ["hash"], ["cache"], ["view"]))
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
        if name == "bun" and pos and pos[0].value and not _PATH_CHARACTER.search(pos[0].value):
            if _node_tool("bun run", pos, cmd, a):  # a tool from node_modules/.bin
                return
            script = pos[0].value
            if _RELEASE_WORD.search(script):
                a.add(Tier.HIGH, f"runs the `{script}` script, which publishes or deploys")
            else:
                a.add(Tier.WORKSPACE, f"runs the project script `{script}`")
                runs_project_code(f"{name} run {script} runs the project's package script", cmd, a)
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
        elif (
            name == "php"
            and os.path.basename(os.path.dirname(target.value or "")) == "bin"
            and script in PHP_TOOLS
        ):  # `php vendor/bin/phpunit ARGS` is `phpunit ARGS`
            a.run_argv([Word(script, script), *pos[1:]], cmd)
        return
    exec_stdin(cmd, a, name, shell=False)


_PIP_REMOTE_REQUIREMENT = re.compile(r"^(git\+|hg\+|svn\+|bzr\+|https?://|ftp://)")


def _pip_offline(
    opts: list[tuple[str, Word | None]], specs: list[Word], cmd: SimpleCommand, a: Analyzer
) -> bool:
    """`pip install --no-index --find-links wheels ...`: no index, and every place pip may
    look in a directory of the workspace, so nothing comes from the network. A requirements
    or constraints file may name indexes, links or URLs of its own: then not."""
    if not _has(opts, "--no-index") or _has(
        opts, "-r", "--requirement", "-c", "--constraint", "-i", "--index-url"
    ):
        return False
    if _has(opts, "--extra-index-url", "--trusted-host", "--proxy"):
        return False
    for links in _vals(opts, "-f", "--find-links"):
        if (
            links.value is None
            or "://" in links.value
            or a.place(links, cmd.cwd).zone != "workspace"
        ):
            return False
    for spec in [*specs, *_vals(opts, "-e", "--editable")]:
        v = spec.value
        if v is None or _PIP_REMOTE_REQUIREMENT.match(v) or "@" in v or "://" in v:
            return False
        if ("/" in v or v.startswith(".")) and a.place(spec, cmd.cwd).zone != "workspace":
            # a project or archive elsewhere (`pip install /tmp/x`): its build runs code there
            a.add(Tier.HIGH, f"pip builds and installs {spec.text}, from outside the workspace")
    return True


def h_pip(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(args, _PIP_VALUE_OPTS, stop_at_positional=True)
    verb = pos[0].value if pos else None
    rest = pos[1:]
    if (
        verb in PIP_REMOTE
        or verb == "list"
        and any((w.value or "").partition("=")[0] in PIP_REMOTE_FLAGS for w in rest)
    ):  # asks the package index, sending it these words
        sends_off(f"{name} {verb}", args, a)
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
        offline = verb == "install" and _pip_offline(allopts, iargs, cmd, a)
        if not offline and _has(
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
            if _PIP_REMOTE_REQUIREMENT.match(v) or " @ " in v or "@ http" in v:
                a.add(Tier.HIGH, f"installs {v} from a URL, not the registry")
                return
        if _has(
            allopts, "--target", "-t", "--prefix", "--root", "--user", "--break-system-packages"
        ):
            a.add(Tier.HIGH, "installs outside the project environment")
            return
        if offline:
            for links in _vals(allopts, "-f", "--find-links"):
                a.read(links, cmd.cwd)
            program = cmd.argv[0] if cmd.argv else None
            if (
                program is not None
                and "/" in (program.value or "")
                and a.place(program, cmd.cwd).zone == "workspace"
            ):
                a.add(
                    Tier.WORKSPACE,
                    "installs from the project's own files into its environment (--no-index)",
                )
            else:  # bare pip: whichever environment is first on PATH
                a.add(Tier.HIGH, f"{name} installs into an environment outside the project")
            return
        a.add(Tier.NETWORK, "installs packages from the default registry")
        for r in _vals(allopts, "-r", "--requirement", "-c", "--constraint"):
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
        if any((w.value or "").partition("=")[0] in UV_REMOTE_FLAGS for w in pos[1:]):
            sends_off(f"uv {verb}", args, a)  # `uv tree --outdated` asks the index
    elif verb in ("build",):
        a.add(Tier.WORKSPACE, "builds the project")
    elif verb in ("publish",):
        a.add(Tier.HIGH, "publishes a package")
    elif verb in ("tool", "x") or name == "uvx":
        a.add(Tier.HIGH, "downloads and runs a tool from the registry")
    else:
        a.add(Tier.HIGH, f"uv {verb}: unknown subcommand")


_NPM_REGISTRY_SPEC = re.compile(
    r"^(?![.~/])(?!.*\.(tgz|tar|tar\.gz)$)(@[\w.-]+/)?[\w][\w.-]*(@\S*)?$"
)


def _npm_pack_specs(rest: list[str]) -> list[str]:
    """The package specs of `npm pack` (operands, not option values)."""
    specs: list[str] = []
    skip = False
    for v in rest:
        if skip:
            skip = False
        elif v.startswith("-"):
            skip = "=" not in v and v in ("--pack-destination", "--registry", "-w", "--workspace")
        else:
            specs.append(v)
    return specs


_NPM_VERSION_BUMP = re.compile(
    r"(major|minor|patch|premajor|preminor|prepatch|prerelease|from-git|v?\d+\.\d+\.\d+\S*)"
)
_NPM_RELEASE_SCRIPT = re.compile(r"(?i)(deploy|release|^(?!prepublish(?:only)?$).*publish)")
_NPM_REMOTE_SPEC = re.compile(r"^(git\+|git:|github:|https?://|file:|ssh:)")


# yarn's `--use-yarnrc FILE`: its `yarn-path` is a program yarn runs in its own place.
_NPM_CONFIG_FILES = ("--use-yarnrc",)
# Where packages are installed, linked or cached (yarn's and pnpm's folders).
_NPM_WRITTEN_DIRS = (
    *("--modules-folder", "--cache-folder", "--global-folder", "--link-folder"),
    *("--preferred-cache-folder", "--store-dir", "--virtual-store-dir", "--modules-dir"),
)


def _value_at(words: list[Word], index: int) -> str | None:
    return words[index].value if len(words) > index else None


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
            *_NPM_CONFIG_FILES,
            *_NPM_WRITTEN_DIRS,
        ),
        stop_at_positional=True,
    )
    verb = pos[0].value if pos else ("install" if name in ("yarn", "pnpm") else None)
    if name == "npm" and verb is not None:
        verb = npm_command(verb)  # `npm rb` is `npm rebuild`, `npm x` is `npm exec`
    elif name == "pnpm" and verb is not None:
        verb = PNPM_ALIASES.get(verb, verb)  # `pnpm ln` is `pnpm link`, `pnpm c` config
        if verb == "--recursive":
            # `pnpm m publish` is `pnpm -r publish`: judged as that
            at = next(i for i, w in enumerate(args) if w is pos[0])
            h_npm(name, [*args[:at], Word("-r", pos[0].text), *args[at + 1 :]], cmd, a)
            return
    rest = [w.value or "" for w in pos[1:]]
    if verb in NPM_REMOTE:  # asks the registry, sending it these words
        sends_off(f"{name} {verb}", args, a)
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
        runs_project_code(f"{name} {verb} runs the project's package scripts", cmd, a)
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
    if verb == "version" and rest and _NPM_VERSION_BUMP.fullmatch(rest[0]):
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
    # a file of settings that names a program to run (yarn's `yarn-path`); directories that
    # packages are installed or cached into
    later, _ = split_opts(pos[1:], (*_NPM_CONFIG_FILES, *_NPM_WRITTEN_DIRS))
    for opt, setting in opts + later:
        if setting is not None and opt in _NPM_CONFIG_FILES:
            _run_file(f"{name} {opt}", setting, cmd, a)
        elif setting is not None and opt in _NPM_WRITTEN_DIRS:
            a.write(setting, cmd.cwd)
    for word in args:
        flag, eq, value = (word.value or "").partition("=")
        if flag.startswith("--config."):  # pnpm's `--config.KEY=VALUE` sets KEY as `--KEY`
            flag = "--" + flag.removeprefix("--config.")
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
        if "--dry-run" in rest:  # the report of what fix would change
            a.add(
                Tier.READ_ONLY, f"{name} audit fix --dry-run reports the fixes (nothing installed)"
            )
        else:
            a.add(Tier.NETWORK, "installs fixed dependency versions")
        return
    if verb == "audit" and not any(v == "--fix" or v.startswith("--fix=") for v in rest):
        # a report of known advisories for the lockfile's packages, as `npm outdated` reads
        a.add(Tier.READ_ONLY, f"{name} audit reports known vulnerabilities (nothing installed)")
        return
    if verb in NPM_NETWORK or (name in ("yarn", "pnpm", "bun") and verb in ("add", "up")):
        specs = [v for v in rest if not v.startswith("-")]
        if any(_NPM_REMOTE_SPEC.match(s) or s.endswith(".tgz") for s in specs):
            a.add(Tier.HIGH, f"{name} installs from a URL or git, not the registry")
            return
        if any(v in ("-g", "--global", "--location=global") for v in rest) or _has(
            opts, "-g", "--global"
        ):
            a.add(Tier.HIGH, f"{name} installs globally, outside the workspace")
            return
        if (
            name in ("npm", "pnpm", "yarn")
            and verb in ("ci", "install", "i", "add")
            and ("--offline" in rest or _has(opts, "--offline"))
        ):
            # only npm's cache (yarn's offline mirror): a package missing there fails
            a.add(Tier.WORKSPACE, f"{name} {verb} --offline installs from the local cache")
            for spec in rest:
                if spec.startswith(("/", "~", "..", "file:")) and not spec.startswith("-"):
                    # a package directory or tarball elsewhere: its install scripts run
                    path = spec.removeprefix("file:")
                    if a.place(Word(path, spec), cmd.cwd).zone != "workspace":
                        a.add(
                            Tier.HIGH, f"{name} {verb} installs {spec}, from outside the workspace"
                        )
            return
        a.add(Tier.NETWORK, f"{name} {verb} installs packages from the registry")
        return
    if verb in ("run", "run-script") and rest:
        script = rest[0]
        if _RELEASE_WORD.search(script):
            a.add(Tier.HIGH, f"runs the `{script}` script, which publishes or deploys")
        else:
            a.add(Tier.WORKSPACE, f"runs the project script `{script}`")
        return
    if verb == "dedupe" and "--check" not in rest:
        a.add(Tier.NETWORK, f"{name} dedupe reinstalls packages from the registry")
        return
    if verb == "pack" and any(_NPM_REGISTRY_SPEC.match(s) for s in _npm_pack_specs(rest)):
        # npm-package-arg: a word that is not a path (`./dir`, `/dir`, `x.tgz`) names a
        # registry package (or a git host's `user/repo`), which pack downloads
        a.add(Tier.NETWORK, f"{name} pack downloads a package from the registry")
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
        if _NPM_RELEASE_SCRIPT.search(verb):
            a.add(Tier.HIGH, f"runs the `{verb}` script, which publishes or deploys")
        else:
            a.add(Tier.WORKSPACE, f"runs the project script `{verb}`")
        return
    a.add(Tier.HIGH, f"{name} {verb}: unknown subcommand")


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
    # The dispatcher's table holds this module's handlers: it is imported here, at call time.
    from wakeful.policy.programs.dispatch import _PLANS, _classify_argv, _plan

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
