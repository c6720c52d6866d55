"""Harness time per turn, model time excluded.

Runs the real runtime (tools, policy with audit log, memory recall, transcript, ledger) in a
temporary git repository against the scripted provider, and subtracts the time spent inside
the provider's stream. Usage: python bench/overhead.py [--turns N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import tempfile
import time
from pathlib import Path

from wakeful.agents.runtime import RunOptions, open_runtime
from wakeful.core.config import load_config
from wakeful.core.paths import Paths


class TimedProvider:
    """Wraps a provider and accumulates the wall time spent inside its stream."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.name = inner.name
        self.model = inner.model
        self.seconds = 0.0

    async def stream(self, request):  # type: ignore[no-untyped-def]
        it = self.inner.stream(request).__aiter__()
        while True:
            t0 = time.perf_counter()
            try:
                event = await it.__anext__()
            except StopAsyncIteration:
                self.seconds += time.perf_counter() - t0
                return
            self.seconds += time.perf_counter() - t0
            yield event

    async def aclose(self) -> None:
        await self.inner.aclose()


async def measure(turns: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        for i in range(20):
            (repo / f"mod{i}.py").write_text(f"def f{i}():\n    return {i}\n" * 10)
        script_turns = [
            {"tool_calls": [{"name": "read", "input": {"path": f"mod{i % 20}.py"}}]}
            for i in range(turns - 1)
        ] + [{"text": "done"}]
        script = Path(tmp) / "turns.json"
        script.write_text(json.dumps({"turns": script_turns}))
        env = {"HOME": tmp}
        paths = Paths.for_workspace(repo, env)
        config = load_config(paths, env)
        config.set("max_session_tokens", value=10**12)
        runtime = open_runtime(
            paths,
            config,
            RunOptions(model=f"scripted:{script}", permission_mode="auto", max_turns=turns + 1),
        )
        timed = TimedProvider(runtime.agent.provider)
        runtime.agent.provider = timed  # type: ignore[assignment]
        t0 = time.perf_counter()
        result = await runtime.agent.run("read every module")
        total = time.perf_counter() - t0
        await runtime.close()
        assert not result.is_error, result.error
        harness = total - timed.seconds
        return {
            "turns": result.turns,
            "total_ms": round(total * 1000, 2),
            "provider_ms": round(timed.seconds * 1000, 2),
            "harness_ms_per_turn": round(harness * 1000 / result.turns, 3),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = asyncio.run(measure(args.turns))
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"turns: {figures['turns']}")
        print(f"harness time per turn: {figures['harness_ms_per_turn']} ms (goal < 2 ms)")
        print(f"provider time (excluded): {figures['provider_ms']} ms in all")


if __name__ == "__main__":
    main()
