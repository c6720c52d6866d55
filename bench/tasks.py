"""Small repository tasks, run headless in auto mode through the real CLI, checked by outcome.

Each task gets a fresh temporary git repository (trusted in a private user-data folder), one
`wakeful -p PROMPT --permission-mode auto` run, and a check of what it left behind: the files,
the program's output, the tests, or the answer. Per task and in total it reports solved,
requests, tokens (input + output + cache read), cache-read tokens and wall time.

It runs with any model: `--model local` (SmolLM2, the default embedded model),
`--model local:qwen2.5-coder-1.5b`, `--model anthropic:NAME`, ... With `--model scripted` each
task is run with its own reference solution as the scripted model's turns, which tests the
tasks and the checks themselves (every task must then be solved).

Usage: python bench/tasks.py --model M [--tasks NAME ...] [--timeout S] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

Check = Callable[[Path, str], bool]


@dataclass(frozen=True)
class Task:
    """One task: the repository, the prompt, how success is checked, and a reference solution
    (the scripted model's turns: tool calls and a final answer)."""

    name: str
    kind: str
    files: dict[str, str]
    prompt: str
    check: Check
    solution: list[dict[str, Any]]
    max_turns: int = 12


@dataclass
class TaskResult:
    name: str
    kind: str
    solved: bool
    requests: int = 0
    tokens: int = 0
    cache_read: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    turns: int = 0
    stop_reason: str = ""
    past_turn_limit: bool = False
    error: str = ""
    answer: str = field(default="", repr=False)


# -- checks -------------------------------------------------------------------------------


def _run(repo: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=repo, capture_output=True, text=True, timeout=timeout
    )


def output_is(script: str, expected: str) -> Check:
    def check(repo: Path, answer: str) -> bool:
        if not (repo / script).is_file():
            return False
        proc = _run(repo, script)
        return proc.returncode == 0 and proc.stdout.strip() == expected

    return check


def python_ok(code: str) -> Check:
    """The snippet runs without error in the repository (asserts inside it decide)."""

    def check(repo: Path, answer: str) -> bool:
        return _run(repo, "-c", code).returncode == 0

    return check


def pytest_passes(unchanged: tuple[str, ...] = ()) -> Check:
    def check(repo: Path, answer: str) -> bool:
        proc = _run(repo, "-m", "pytest", "-q", "-p", "no:cacheprovider", timeout=120)
        if proc.returncode != 0:
            return False
        return all(_unchanged(repo, path) for path in unchanged)

    return check


def _unchanged(repo: Path, path: str) -> bool:
    proc = subprocess.run(
        ["git", "diff", "--quiet", "HEAD", "--", path], cwd=repo, capture_output=True
    )
    return proc.returncode == 0 and (repo / path).exists()


def answer_has(*patterns: str) -> Check:
    """The final answer matches every regular expression (case-insensitive)."""

    def check(repo: Path, answer: str) -> bool:
        return all(re.search(p, answer, re.IGNORECASE) for p in patterns)

    return check


def both(*checks: Check) -> Check:
    def check(repo: Path, answer: str) -> bool:
        return all(c(repo, answer) for c in checks)

    return check


def file_matches(path: str, *patterns: str, absent: tuple[str, ...] = ()) -> Check:
    def check(repo: Path, answer: str) -> bool:
        target = repo / path
        if not target.is_file():
            return False
        text = target.read_text(errors="replace")
        return all(re.search(p, text, re.MULTILINE) for p in patterns) and not any(
            re.search(p, text, re.MULTILINE) for p in absent
        )

    return check


# -- the reference solutions' building blocks ----------------------------------------------


def call(name: str, **args: Any) -> dict[str, Any]:
    return {"tool_calls": [{"name": name, "input": args}]}


def say(text: str) -> dict[str, Any]:
    return {"text": text}


def edit(path: str, old: str, new: str) -> dict[str, Any]:
    return call("edit", path=path, old_string=old, new_string=new)


def read_edit(path: str, old: str, new: str) -> list[dict[str, Any]]:
    """Read, then edit: the edit tool refuses to change a file it has not seen."""
    return [call("read", path=path), edit(path, old, new)]


# -- the tasks ------------------------------------------------------------------------------

APP = 'def greet(name):\n    return "hello " + nme\n'
MATHX = "def add(a, b):\n    return a + b\n\n\ndef mean(xs):\n    return sum(xs) / (len(xs) + 1)\n"
MATHX_TESTS = (
    "from mathx import add, mean\n\n\n"
    "def test_add():\n    assert add(2, 3) == 5\n\n\n"
    "def test_mean():\n    assert mean([2, 4, 6]) == 4\n"
)
COUNT_TESTS = (
    "def test_one():\n    assert 1 + 1 == 2\n\n\n"
    "def test_two():\n    assert 'a'.upper() == 'A'\n\n\n"
    "def test_three():\n    assert len([1, 2]) == 2\n\n\n"
    "def test_four():\n    assert 3 * 3 == 10\n"
)

TASKS: list[Task] = [
    Task(
        "question-port",
        "question",
        {"server.py": "import http.server\n\nPORT = 8123\nHOST = '127.0.0.1'\n"},
        "Which port does server.py use? Answer with the number.",
        answer_has(r"\b8123\b"),
        [call("read", path="server.py"), say("server.py uses port 8123.")],
    ),
    Task(
        "question-timeout",
        "question",
        {
            "config.py": "RETRIES = 3\nTIMEOUT_SECONDS = 45\nLOG_LEVEL = 'info'\n",
            "README.md": "# service\n\nSettings live in config.py.\n",
        },
        "What is the timeout in seconds set in config.py?",
        answer_has(r"\b45\b"),
        [call("read", path="config.py"), say("The timeout is 45 seconds.")],
    ),
    Task(
        "question-count-functions",
        "question",
        {
            "utils.py": (
                "def slug(s):\n    return s.lower().replace(' ', '-')\n\n\n"
                "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n\n\n"
                "def chunks(xs, n):\n    return [xs[i : i + n] for i in range(0, len(xs), n)]\n"
            )
        },
        "How many functions are defined in utils.py? Answer with the number.",
        answer_has(r"\b(3|three)\b"),
        [call("read", path="utils.py"), say("utils.py defines 3 functions.")],
    ),
    Task(
        "question-which-file",
        "question",
        {
            "src/dates.py": "def parse_date(text):\n    return text.split('-')\n",
            "src/money.py": "def cents(x):\n    return round(x * 100)\n",
            "src/names.py": "def initials(n):\n    return ''.join(w[0] for w in n.split())\n",
        },
        "Which file defines the function parse_date?",
        answer_has(r"dates\.py"),
        [call("grep", pattern="def parse_date"), say("It is defined in src/dates.py.")],
    ),
    Task(
        "question-line-count",
        "question",
        {"data.txt": "".join(f"row {i}\n" for i in range(1, 8))},
        "How many lines does data.txt have? Answer with the number.",
        answer_has(r"\b(7|seven)\b"),
        [call("bash", command="wc -l data.txt"), say("data.txt has 7 lines.")],
    ),
    Task(
        "fix-name-error",
        "fix",
        {"app.py": APP, "check.py": "import app\n\nprint(app.greet('x'))\n"},
        "check.py crashes. Fix the bug in app.py.",
        output_is("check.py", "hello x"),
        [
            call("read", path="app.py"),
            edit("app.py", '"hello " + nme', '"hello " + name'),
            say("Fixed the misspelt variable in greet()."),
        ],
    ),
    Task(
        "fix-operator",
        "fix",
        {"calc.py": "def add(a, b):\n    return a - b\n"},
        "The function add in calc.py subtracts instead of adding. Fix it.",
        python_ok("from calc import add; assert add(2, 3) == 5"),
        [call("read", path="calc.py"), edit("calc.py", "a - b", "a + b"), say("add now adds.")],
    ),
    Task(
        "fix-off-by-one",
        "fix",
        {"seq.py": "def last(xs):\n    return xs[len(xs)]\n"},
        "last() in seq.py raises IndexError. Make it return the last element.",
        python_ok("from seq import last; assert last([1, 2, 3]) == 3"),
        [
            call("read", path="seq.py"),
            edit("seq.py", "xs[len(xs)]", "xs[-1]"),
            say("last() returns xs[-1] now."),
        ],
    ),
    Task(
        "fix-boundary",
        "fix",
        {
            "age.py": (
                "def is_adult(age):\n"
                '    """True from the 18th birthday on."""\n'
                "    return age > 18\n"
            )
        },
        "is_adult(18) in age.py returns False, but 18-year-olds are adults. Fix it.",
        python_ok("from age import is_adult as f; assert f(18) and f(30) and not f(17)"),
        [
            call("read", path="age.py"),
            edit("age.py", "age > 18", "age >= 18"),
            say("is_adult now uses >= 18."),
        ],
    ),
    Task(
        "fix-failing-test",
        "tests",
        {"mathx.py": MATHX, "tests/test_mathx.py": MATHX_TESTS},
        "A test fails. Run pytest, then fix the bug in mathx.py (not the tests).",
        pytest_passes(unchanged=("tests/test_mathx.py",)),
        [
            call("bash", command="python -m pytest -q"),
            call("read", path="mathx.py"),
            edit("mathx.py", "(len(xs) + 1)", "len(xs)"),
            call("bash", command="python -m pytest -q"),
            say("mean() divided by len + 1; fixed, and the tests pass."),
        ],
    ),
    Task(
        "tests-count",
        "tests",
        {"tests/test_basic.py": COUNT_TESTS},
        "Run the tests with pytest. How many tests pass?",
        answer_has(r"\b(3|three)\b"),
        [call("bash", command="python -m pytest -q"), say("3 tests pass and 1 fails.")],
    ),
    Task(
        "rename-function",
        "multi-file",
        {
            "shop.py": "def calc(prices):\n    return sum(prices)\n",
            "main.py": "from shop import calc\n\nprint(calc([1, 2, 3]))\n",
        },
        "Rename the function calc to compute_total in shop.py and everywhere it is used.",
        both(
            output_is("main.py", "6"),
            file_matches("shop.py", r"def compute_total\(", absent=(r"\bcalc\b",)),
            file_matches("main.py", r"compute_total", absent=(r"\bcalc\b",)),
        ),
        [
            *read_edit("shop.py", "def calc(", "def compute_total("),
            call("read", path="main.py"),
            call(
                "write",
                path="main.py",
                content="from shop import compute_total\n\nprint(compute_total([1, 2, 3]))\n",
            ),
            say("Renamed calc to compute_total in shop.py and main.py."),
        ],
    ),
    Task(
        "rename-constant",
        "multi-file",
        {
            "limits.py": "MAX_USERS = 50\n",
            "signup.py": (
                "from limits import MAX_USERS\n\n\n"
                "def full(count):\n    return count >= MAX_USERS\n"
            ),
        },
        "Rename the constant MAX_USERS to USER_LIMIT in every file.",
        both(
            python_ok("import signup, limits; assert limits.USER_LIMIT == 50 and signup.full(50)"),
            file_matches("signup.py", "USER_LIMIT", absent=("MAX_USERS",)),
            file_matches("limits.py", "USER_LIMIT", absent=("MAX_USERS",)),
        ),
        [
            *read_edit("limits.py", "MAX_USERS", "USER_LIMIT"),
            call("read", path="signup.py"),
            call(
                "edit",
                path="signup.py",
                old_string="MAX_USERS",
                new_string="USER_LIMIT",
                replace_all=True,
            ),
            say("Renamed MAX_USERS to USER_LIMIT in limits.py and signup.py."),
        ],
    ),
    Task(
        "bump-version",
        "multi-file",
        {
            "setup.cfg": "[metadata]\nname = pkg\nversion = 1.2.0\n",
            "pkg/__init__.py": '__version__ = "1.2.0"\n',
        },
        "Bump the version from 1.2.0 to 1.3.0 in setup.cfg and pkg/__init__.py.",
        both(
            file_matches("setup.cfg", r"version = 1\.3\.0", absent=(r"1\.2\.0",)),
            file_matches("pkg/__init__.py", r'"1\.3\.0"', absent=(r"1\.2\.0",)),
        ),
        [
            *read_edit("setup.cfg", "1.2.0", "1.3.0"),
            *read_edit("pkg/__init__.py", "1.2.0", "1.3.0"),
            say("Bumped to 1.3.0 in both files."),
        ],
    ),
    Task(
        "fix-import",
        "multi-file",
        {
            "helpers.py": "def greet_user(name):\n    return 'hi ' + name\n",
            "main.py": "from helpers import greet\n\nprint(greet('ann'))\n",
        },
        "main.py fails with an ImportError. Fix main.py so it prints the greeting.",
        output_is("main.py", "hi ann"),
        [
            call("read", path="helpers.py"),
            call("read", path="main.py"),
            call(
                "write",
                path="main.py",
                content="from helpers import greet_user\n\nprint(greet_user('ann'))\n",
            ),
            say("main.py now imports greet_user."),
        ],
    ),
    Task(
        "create-hello",
        "create",
        {},
        "Create a file hello.py that prints Hello, World!",
        output_is("hello.py", "Hello, World!"),
        [call("write", path="hello.py", content='print("Hello, World!")\n'), say("Created.")],
    ),
    Task(
        "create-gitignore",
        "create",
        {"app.py": "print('x')\n"},
        "Create a .gitignore file that ignores __pycache__ directories and the .env file.",
        file_matches(".gitignore", r"__pycache__", r"^/?\.env\s*$"),
        [call("write", path=".gitignore", content="__pycache__/\n.env\n"), say("Done.")],
    ),
    Task(
        "add-function",
        "create",
        {"mathx.py": "def add(a, b):\n    return a + b\n"},
        "Add a function square(x) to mathx.py that returns x * x. Keep add as it is.",
        python_ok("from mathx import add, square; assert square(4) == 16 and add(1, 2) == 3"),
        [
            call("read", path="mathx.py"),
            call(
                "write",
                path="mathx.py",
                content="def add(a, b):\n    return a + b\n\n\ndef square(x):\n    return x * x\n",
            ),
            say("Added square()."),
        ],
    ),
    Task(
        "edit-json",
        "fix",
        {"config.json": '{\n  "name": "svc",\n  "debug": true,\n  "workers": 4\n}\n'},
        "Turn debug off in config.json.",
        python_ok(
            "import json; c = json.load(open('config.json'));"
            "assert c == {'name': 'svc', 'debug': False, 'workers': 4}"
        ),
        [*read_edit("config.json", '"debug": true', '"debug": false'), say("debug is false now.")],
    ),
    Task(
        "remove-function",
        "fix",
        {
            "lib.py": (
                "def keep():\n    return 1\n\n\n"
                "def old_api():\n    return 2\n\n\n"
                "def also_keep():\n    return 3\n"
            )
        },
        "Remove the unused function old_api from lib.py.",
        both(
            python_ok("import lib; assert lib.keep() == 1 and lib.also_keep() == 3"),
            file_matches("lib.py", "def keep", absent=("old_api",)),
        ),
        [
            call("read", path="lib.py"),
            edit("lib.py", "def old_api():\n    return 2\n\n\n", ""),
            say("Removed old_api."),
        ],
    ),
    Task(
        "agents-header",
        "agents-md",
        {"AGENTS.md": "# Rules\n\nEvery new Python file starts with the line `# License: MIT`.\n"},
        "Create strings_util.py with a function shout(s) that returns s.upper().",
        both(
            file_matches("strings_util.py", r"\A# License: MIT\s*\n"),
            python_ok("from strings_util import shout; assert shout('a') == 'A'"),
        ),
        [
            call(
                "write",
                path="strings_util.py",
                content="# License: MIT\n\n\ndef shout(s):\n    return s.upper()\n",
            ),
            say("Created strings_util.py with the licence line AGENTS.md asks for."),
        ],
    ),
    Task(
        "agents-changelog",
        "agents-md",
        {
            "AGENTS.md": "# Rules\n\nRecord every change as a new line in CHANGELOG.md.\n",
            "CHANGELOG.md": "# Changelog\n\n- first release\n",
            "app.py": "GREETING = 'hello'\n",
        },
        "Change GREETING in app.py from 'hello' to 'hi'.",
        both(
            file_matches("app.py", r"GREETING = ['\"]hi['\"]"),
            lambda repo, answer: len((repo / "CHANGELOG.md").read_text().strip().splitlines()) > 3,
        ),
        [
            *read_edit("app.py", "'hello'", "'hi'"),
            *read_edit(
                "CHANGELOG.md", "- first release\n", "- first release\n- greeting is 'hi'\n"
            ),
            say("Changed the greeting and recorded it in CHANGELOG.md."),
        ],
    ),
    Task(
        "agents-vendor",
        "agents-md",
        {
            "AGENTS.md": "# Rules\n\nNever edit files under vendor/; fix our code in core/.\n",
            "core/price.py": "def total(xs):\n    return sum(xs) * 0\n",
            "vendor/price.py": "def total(xs):\n    return sum(xs) * 0\n",
        },
        "total() in core/price.py always returns 0. Fix it so it returns the sum.",
        both(
            python_ok("from core.price import total; assert total([1, 2]) == 3"),
            lambda repo, answer: _unchanged(repo, "vendor/price.py"),
        ),
        [
            *read_edit("core/price.py", "sum(xs) * 0", "sum(xs)"),
            say("Fixed core/price.py; vendor/ left alone as AGENTS.md asks."),
        ],
    ),
    Task(
        "write-test",
        "tests",
        {"app.py": "def greet(name):\n    return 'hello ' + name\n"},
        "Create tests/test_app.py with a pytest test for greet in app.py, and run it.",
        both(
            pytest_passes(),
            file_matches("tests/test_app.py", r"def test_", r"greet"),
        ),
        [
            call(
                "write",
                path="tests/test_app.py",
                content=(
                    "import sys\nfrom pathlib import Path\n\n"
                    "sys.path.insert(0, str(Path(__file__).resolve().parent.parent))\n\n"
                    "from app import greet\n\n\n"
                    "def test_greet():\n    assert greet('x') == 'hello x'\n"
                ),
            ),
            call("bash", command="python -m pytest -q"),
            say("Added tests/test_app.py; it passes."),
        ],
    ),
]


# -- running --------------------------------------------------------------------------------


def make_repo(root: Path, task: Task) -> Path:
    repo = root / "repo"
    repo.mkdir(parents=True)
    for rel, text in task.files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git = ["git", "-c", "user.email=bench@example.invalid", "-c", "user.name=bench"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "task"], cwd=repo, check=True)
    return repo


def _wakeful(args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "wakeful.cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _children_cpu() -> float:
    """CPU seconds (user + system) used so far by this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_task(task: Task, model: str, timeout: float = 900, keep: Path | None = None) -> TaskResult:
    """Run one task in a fresh repository; `model` "scripted" plays the reference solution.

    With `keep`, the task's request log (every prompt and reply) is copied to
    `keep/NAME.requests.jsonl`, to see why a task failed.
    """
    with tempfile.TemporaryDirectory(prefix=f"wakeful-task-{task.name}-") as tmp:
        root = Path(tmp)
        try:
            return _run_in(root, task, model, timeout)
        finally:
            log = root / "requests.jsonl"
            if keep is not None and log.is_file():
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(log, keep / f"{task.name}.requests.jsonl")


def _run_in(root: Path, task: Task, model: str, timeout: float) -> TaskResult:
    repo = make_repo(root, task)
    log = root / "requests.jsonl"
    env = dict(os.environ)
    env.pop("WAKEFUL_PERMISSION_MODE", None)
    env.pop("WAKEFUL_MODEL", None)
    env.update(
        {
            "XDG_DATA_HOME": str(root / "data"),
            "WAKEFUL_REQUEST_LOG": str(log),
            "NO_COLOR": "1",
        }
    )
    spec = model
    if model == "scripted":
        script = root / "turns.json"
        script.write_text(json.dumps({"turns": task.solution}))
        spec = f"scripted:{script}"
    trusted = _wakeful(["trust", str(repo)], repo, env, 60)
    if trusted.returncode != 0:
        return TaskResult(task.name, task.kind, False, error=trusted.stderr.strip()[-300:])
    args = ["-p", task.prompt, "--model", spec, "--permission-mode", "auto"]
    args += ["--max-turns", str(task.max_turns), "--output-format", "json"]
    start = time.perf_counter()
    cpu_start = _children_cpu()
    try:
        proc = _wakeful(args, repo, env, timeout)
    except subprocess.TimeoutExpired:
        result = TaskResult(task.name, task.kind, False, error=f"timed out after {timeout} s")
        result.seconds = round(time.perf_counter() - start, 2)
        result.cpu_seconds = round(_children_cpu() - cpu_start, 2)
        _count_requests(log, result)
        return result
    seconds = time.perf_counter() - start
    cpu_seconds = _children_cpu() - cpu_start
    try:
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        out = {"result": "", "is_error": True}
    answer = str(out.get("result") or "")
    usage = out.get("usage") or {}
    result = TaskResult(
        task.name,
        task.kind,
        solved=False,
        tokens=int(usage.get("input", 0))
        + int(usage.get("output", 0))
        + int(usage.get("cache_read", 0)),
        cache_read=int(usage.get("cache_read", 0)),
        seconds=round(seconds, 2),
        cpu_seconds=round(cpu_seconds, 2),
        turns=int(out.get("num_turns") or 0),
        stop_reason=str(out.get("stop_reason") or ""),
        answer=answer,
    )
    # The loop stops itself at --max-turns with this error; such a run used up its budget.
    result.past_turn_limit = "(max_turns)" in answer
    _count_requests(log, result)
    if out.get("is_error"):
        result.error = (answer or proc.stderr.strip())[-300:]
    try:
        result.solved = bool(task.check(repo, answer))
        if result.solved and task.kind == "question" and not _tree_unchanged(repo):
            # A question is answered, not acted on: an edit made on the way fails the task.
            result.solved = False
            result.error = result.error or "the question task changed the repository"
    except Exception as exc:  # a check that cannot even run means "not solved"
        result.error = result.error or f"check failed: {exc}"
    return result


def _tree_unchanged(repo: Path) -> bool:
    """No tracked file changed and no new file, bytecode caches aside."""
    proc = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return all("__pycache__/" in line for line in proc.stdout.splitlines())


def _count_requests(log: Path, result: TaskResult) -> None:
    if log.is_file():
        result.requests = sum(1 for line in log.read_text().splitlines() if line.strip())


def summary(results: list[TaskResult]) -> dict[str, Any]:
    seconds = [r.seconds for r in results]
    cpu = [r.cpu_seconds for r in results]
    return {
        "tasks": len(results),
        "solved": sum(r.solved for r in results),
        "solved_pct": round(100 * sum(r.solved for r in results) / max(1, len(results)), 1),
        "requests": sum(r.requests for r in results),
        "tokens": sum(r.tokens for r in results),
        "cache_read": sum(r.cache_read for r in results),
        "seconds": round(sum(seconds), 1),
        "median_seconds": round(median(seconds), 1) if seconds else 0.0,
        "max_seconds": round(max(seconds), 1) if seconds else 0.0,
        "cpu_seconds": round(sum(cpu), 1),
        "median_cpu_seconds": round(median(cpu), 1) if cpu else 0.0,
        "past_turn_limit": sum(r.past_turn_limit for r in results),
        "timed_out": sum(r.error.startswith("timed out") for r in results),
        # The machine's load while the suite ran: timings are only comparable at similar load.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="PROVIDER[:NAME], e.g. local, scripted")
    parser.add_argument("--tasks", nargs="*", help="run only these tasks (by name)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per task")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--keep-logs", type=Path, metavar="DIR", help="keep each task's request log in DIR"
    )
    args = parser.parse_args(argv)
    # A stopped bench must not leave its task's CLI running: SIGTERM unwinds like Ctrl-C,
    # and subprocess.run kills its child on the way out.
    signal.signal(signal.SIGTERM, _interrupted)
    chosen = [t for t in TASKS if not args.tasks or t.name in args.tasks]
    unknown = set(args.tasks or []) - {t.name for t in TASKS}
    if unknown:
        parser.error(f"unknown task(s): {', '.join(sorted(unknown))}")
    results: list[TaskResult] = []
    for task in chosen:
        result = run_task(task, args.model, args.timeout, args.keep_logs)
        results.append(result)
        mark = "solved" if result.solved else "FAILED"
        note = f"  {result.error[:80]}" if result.error and not result.solved else ""
        # With --json the per-task lines go to stderr, so stdout stays one JSON object.
        print(
            f"{task.name:26} {task.kind:10} {mark:7} req {result.requests:3} "
            f"tok {result.tokens:7} cache {result.cache_read:7} {result.seconds:7.1f} s "
            f"cpu {result.cpu_seconds:7.1f} s{note}",
            file=sys.stderr if args.json else sys.stdout,
            flush=True,
        )
    total = summary(results)
    if args.json:
        print(
            json.dumps(
                {
                    "model": args.model,
                    "total": total,
                    # The answer's opening, to see why a task failed.
                    "tasks": [{**asdict(r), "answer": r.answer[:200]} for r in results],
                }
            )
        )
    else:
        print(
            f"\n{args.model}: solved {total['solved']}/{total['tasks']} ({total['solved_pct']}%), "
            f"requests {total['requests']}, tokens {total['tokens']}, cache read "
            f"{total['cache_read']}, {total['seconds']} s in all, median "
            f"{total['median_seconds']} s per task (CPU {total['median_cpu_seconds']} s), "
            f"slowest {total['max_seconds']} s, past the turn limit {total['past_turn_limit']}, "
            f"load average {total['load_average']}"
        )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("tasks: interrupted; the running task's CLI was stopped", file=sys.stderr)
        sys.exit(130)
