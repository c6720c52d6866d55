"""Shell risk classifier: instructions per command, counted by callgrind over one pass.

Runs `bench/classify.py`'s commands through one `ShellClassifier` under
`valgrind --tool=callgrind`, counting only the measured pass (after a warm-up pass): a figure
that does not move with the machine's load, unlike `commands_per_cpu_second`. Needs valgrind,
its `valgrind/callgrind.h` header and a C compiler (the pass is switched on and off by a
small helper built on the fly). Modules are compiled from source in every run (no `.pyc`
read or written) and string hashing is fixed, so two source trees compare alike.

    PYTHONPATH=src python bench/classify_instructions.py [--workspace DIR] [--json]
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
HELPER = """#include <valgrind/callgrind.h>
void pass_start(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION;
                        CALLGRIND_TOGGLE_COLLECT; }
void pass_stop(void) { CALLGRIND_TOGGLE_COLLECT; CALLGRIND_DUMP_STATS;
                       CALLGRIND_STOP_INSTRUMENTATION; }
"""


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("classify_bench", HERE / "classify.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def child(helper: str, workspace: str | None) -> None:
    """Under callgrind: warm up, then judge every command once with counting on."""
    from wakeful.policy.shell import ShellClassifier

    bench = _bench()
    ws, home = bench.WS, bench.HOME
    if workspace:
        ws = Path(workspace).resolve()
        home = ws.parent
    commands = [cmd for _, _, cmd in bench.load()]
    classify = ShellClassifier(ws, home).classify
    for cmd in commands:
        classify(cmd)
    lib = ctypes.CDLL(helper)
    lib.pass_start()
    for cmd in commands:
        classify(cmd)
    lib.pass_stop()
    print(len(commands))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", help="a real directory to judge commands in")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.workspace)
        return
    if args.workspace is not None and not Path(args.workspace).is_dir():
        parser.error(f"--workspace {args.workspace}: not a directory; give an existing one")
    for tool in ("valgrind", "cc"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} not found: install valgrind and a C compiler to count")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "pass.c"
        source.write_text(HELPER)
        helper = Path(tmp) / "pass.so"
        built = subprocess.run(
            ["cc", "-O2", "-shared", "-fPIC", "-o", str(helper), str(source)],
            capture_output=True,
            text=True,
        )
        if built.returncode != 0:
            parser.error("cannot build the pass helper: install valgrind's headers (valgrind-dev)")
        out = Path(tmp) / "callgrind.out"
        env = {
            **os.environ,
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"),
        }
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            "--collect-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            str(helper),
        ]
        if args.workspace:
            command += ["--workspace", args.workspace]
        run = subprocess.run(command, capture_output=True, text=True, env=env)
        if run.returncode != 0:
            print(f"callgrind run failed: {run.stderr.strip()[-300:]}", file=sys.stderr)
            sys.exit(1)
        commands = int(run.stdout.split()[-1])
        dumps = sorted(Path(tmp).glob("callgrind.out*"), key=lambda p: p.stat().st_size)
        found = re.search(r"^(?:summary|totals): (\d+)", dumps[-1].read_text(), re.M)
        if found is None:
            print("callgrind wrote no totals", file=sys.stderr)
            sys.exit(1)
        instructions = int(found.group(1))
    result = {
        "commands": commands,
        "instructions": instructions,
        "instructions_per_command": round(instructions / commands),
        "workspace": args.workspace or "default",
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"classify: {result['instructions_per_command']:,} instructions per command "
            f"({commands:,} commands, one pass, workspace {result['workspace']})"
        )


if __name__ == "__main__":
    main()
