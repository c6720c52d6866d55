"""Per-command cost of the sandbox: the bash tool running `true`, with and without bubblewrap.

Runs the real bash tool (scrubbed environment, output capture, process group) in a temporary
git repository with a decoy HOME holding the secrets the sandbox hides, alternating sandboxed
and unsandboxed calls so both see the same machine load.
Usage: python bench/sandbox.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.policy.sandbox import Sandbox
from wakeful.tools.base import ToolContext
from wakeful.tools.bash import BashTool


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


async def measure(runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        repo, home = Path(tmp) / "repo", Path(tmp) / "home"
        repo.mkdir()
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        for rel in (".ssh/id_rsa", ".aws/credentials", ".netrc", ".config/wakeful/config.toml"):
            (home / rel).parent.mkdir(parents=True, exist_ok=True)
            (home / rel).write_text("decoy\n")
        env = {**os.environ, "HOME": str(home)}
        paths = Paths.for_workspace(repo, env)
        sandbox = Sandbox.from_config(paths, Config(env=env), enabled=True)
        if not sandbox.available:
            return {"error": sandbox.notice or "sandbox unavailable"}
        tool = BashTool()
        plain = ToolContext(paths=paths, config=Config(env=env), cwd=repo)
        boxed = ToolContext(paths=paths, config=Config(env=env), cwd=repo)
        boxed.services.sandbox = sandbox
        times: dict[str, list[float]] = {"unsandboxed": [], "sandboxed": []}
        for ctx in (plain, boxed):  # warm-up
            await tool.run({"command": "true"}, ctx)
        for _ in range(runs):
            for name, ctx in (("unsandboxed", plain), ("sandboxed", boxed)):
                t0 = time.perf_counter()
                result = await tool.run({"command": "true"}, ctx)
                times[name].append((time.perf_counter() - t0) * 1000)
                assert not result.is_error, result.content
    out: dict[str, object] = {"runs": runs, "command": "true"}
    for name, values in times.items():
        out[f"{name}_median_ms"] = round(statistics.median(values), 2)
        out[f"{name}_p95_ms"] = round(percentile(values, 95), 2)
    out["overhead_median_ms"] = round(
        float(out["sandboxed_median_ms"]) - float(out["unsandboxed_median_ms"]),
        2,  # type: ignore[arg-type]
    )
    out["overhead_p95_ms"] = round(
        float(out["sandboxed_p95_ms"]) - float(out["unsandboxed_p95_ms"]),
        2,  # type: ignore[arg-type]
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = asyncio.run(measure(args.runs))
    if args.json:
        print(json.dumps(result))
        return
    if "error" in result:
        print(f"sandbox unavailable: {result['error']}", file=sys.stderr)
        sys.exit(1)
    print(f"bash tool running `true`, {result['runs']} runs each (milliseconds)")
    for name in ("unsandboxed", "sandboxed"):
        print(
            f"  {name:<12} median {result[f'{name}_median_ms']:>7}  p95 {result[f'{name}_p95_ms']:>7}"
        )
    print(
        f"  sandbox cost median {result['overhead_median_ms']} ms, p95 {result['overhead_p95_ms']} ms"
    )


if __name__ == "__main__":
    main()
