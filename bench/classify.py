"""Shell risk classifier: throughput on one core, and corpus rates in auto mode.

Prints figures; with --json prints one JSON object. Corpora: corpora/risk-extra.tsv and
corpora/risk-blind-2.tsv, corpora/risk-peers.tsv, corpora/risk-rules.tsv, corpora/risk-blind-3.tsv, corpora/risk-blind-4.tsv, corpora/risk-blind-5.tsv, corpora/risk-blind-6.tsv, corpora/risk-blind-7.tsv, corpora/risk-blind-8.tsv, corpora/risk-blind-9.tsv, corpora/risk-blind-10.tsv, corpora/risk-blind-11.tsv, corpora/risk-blind-12.tsv, corpora/risk-blind-13.tsv, corpora/risk-blind-14.tsv, corpora/risk-blind-15.tsv, corpora/risk-blind-16.tsv, corpora/risk-blind-17.tsv, corpora/risk-blind-18.tsv, corpora/risk-blind-19.tsv, corpora/risk-blind-20.tsv and corpora/risk-blind-22.tsv, plus ../shared/corpora/risk-dev.tsv when present. A `never` command
auto-allowed is a leak.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from wakeful.policy.decision import mode_verdict
from wakeful.policy.shell import ShellClassifier

ROOT = Path(__file__).resolve().parents[1]
CORPORA = [
    ROOT / "corpora" / "risk-extra.tsv",
    ROOT / "corpora" / "risk-blind-2.tsv",
    ROOT / "corpora" / "risk-peers.tsv",
    ROOT / "corpora" / "risk-rules.tsv",
    ROOT / "corpora" / "risk-blind-3.tsv",
    ROOT / "corpora" / "risk-blind-4.tsv",
    ROOT / "corpora" / "risk-blind-5.tsv",
    ROOT / "corpora" / "risk-blind-6.tsv",
    ROOT / "corpora" / "risk-blind-7.tsv",
    ROOT / "corpora" / "risk-blind-8.tsv",
    ROOT / "corpora" / "risk-blind-9.tsv",
    ROOT / "corpora" / "risk-blind-10.tsv",
    ROOT / "corpora" / "risk-blind-11.tsv",
    ROOT / "corpora" / "risk-blind-12.tsv",
    ROOT / "corpora" / "risk-blind-13.tsv",
    ROOT / "corpora" / "risk-blind-14.tsv",
    ROOT / "corpora" / "risk-blind-15.tsv",
    ROOT / "corpora" / "risk-blind-16.tsv",
    ROOT / "corpora" / "risk-blind-17.tsv",
    ROOT / "corpora" / "risk-blind-18.tsv",
    ROOT / "corpora" / "risk-blind-19.tsv",
    ROOT / "corpora" / "risk-blind-20.tsv",
    ROOT / "corpora" / "risk-blind-22.tsv",
    ROOT.parent / "shared" / "corpora" / "risk-dev.tsv",
]
WS = Path("/home/dev/proj")
HOME = Path("/home/dev")


def load() -> list[tuple[str, str, str]]:
    rows = []
    for path in CORPORA:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                label, cmd = line.split("\t", 1)
                rows.append((path.name, label, cmd))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seconds", type=float, default=3.0, help="throughput run length")
    parser.add_argument(
        "--workspace",
        type=Path,
        help="classify in this directory, with the home directory its parent (default: "
        f"{WS}, which does not exist, so no path in it is looked up on disk)",
    )
    args = parser.parse_args()
    ws, home = WS, HOME
    if args.workspace is not None:
        if not args.workspace.is_dir():
            parser.error(f"--workspace {args.workspace}: not a directory; give an existing one")
        ws = args.workspace.resolve()
        home = ws.parent
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    rows = load()
    commands = [cmd for _, _, cmd in rows]
    # One classifier for the workspace, as a session judges its commands: the workspace's
    # real path is resolved once; every path below it is looked up on every command.
    classify_command = ShellClassifier(ws, home).classify
    # The first pass sees every command for the first time (no text memoised yet, and the
    # parser library's first use): reported apart, as the rate for commands never seen.
    first_cpu = time.process_time()
    for cmd in commands:
        classify_command(cmd)
    first_cpu = time.process_time() - first_cpu
    done = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    while time.perf_counter() - start < args.seconds:
        for cmd in commands:
            classify_command(cmd)
        done += len(commands)
    elapsed = time.perf_counter() - start
    # CPU time as well: on a shared machine wall time counts other processes' turns.
    cpu = time.process_time() - cpu_start
    rates: dict[str, dict[str, object]] = {}
    for name in sorted({n for n, _, _ in rows}):
        per: dict[str, object] = {}
        for label in ("allow", "workspace", "never"):
            cmds = [c for n, lab, c in rows if n == name and lab == label]
            allowed = 0
            for c in cmds:
                r = classify_command(c)
                allowed += int(r.parsed and mode_verdict("auto", r.tier) == "allow")
            per[label] = {
                "n": len(cmds),
                "auto_allowed": allowed,
                "rate": round(allowed / len(cmds), 4) if cmds else None,
            }
        rates[name] = per
    result = {
        "commands_per_second": round(done / elapsed, 1),
        "commands_per_cpu_second": round(done / cpu, 1) if cpu > 0 else None,
        "first_pass_commands_per_cpu_second": (
            round(len(commands) / first_cpu, 1) if first_cpu > 0 else None
        ),
        "commands": len(commands),
        "workspace": str(ws),
        "seconds": round(elapsed, 2),
        "corpora": rates,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"classify: {result['commands_per_second']:,} commands/s on one core "
        f"({len(commands)} distinct commands, {elapsed:.1f}s); "
        f"{result['commands_per_cpu_second']:,} per CPU second; first pass (every command "
        f"new) {result['first_pass_commands_per_cpu_second']:,} per CPU second"
    )
    for name, per in rates.items():
        for label, r in per.items():
            print(
                f"  {name:<16} {label:<9} auto-allowed {r['auto_allowed']}/{r['n']}"  # type: ignore[index]
                f" ({(r['rate'] or 0):.1%})"
            )  # type: ignore[index]


if __name__ == "__main__":
    main()
