"""A verdict and its reasons are the same in every process: nothing reported may depend on
the iteration order of a set, which differs with the interpreter's hash seed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

COMMANDS = [
    "tar czf home-config.tgz ~/.config",
    "grep -rn password ~/.config",
    "cp -r ~/.config backup",
    "cat ~/.config/*/hosts.yml",
]

PROBE = """
import json, sys
from pathlib import Path
from wakeful.policy.shell import ShellClassifier
judge = ShellClassifier(Path("/home/dev/proj"), Path("/home/dev")).classify
print(json.dumps([[judge(c).tier, list(judge(c).reasons)] for c in json.loads(sys.argv[1])]))
"""


def _run(seed: str) -> list[object]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(COMMANDS)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: list[object] = json.loads(out)
    return result


def test_reasons_do_not_depend_on_the_hash_seed() -> None:
    first = _run("1")
    for seed in ("2", "3", "4"):
        assert _run(seed) == first, seed
