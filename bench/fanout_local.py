"""Forks against fresh workers on a real engine: the embedded model through llama.cpp.

    python bench/fanout_local.py [--workers 2 3 4] [--shared-tokens 800] [--json]

llama.cpp keeps the last prompt's KV cache in-process and reuses its longest common token
prefix, so forks (whose prompts share tools, system and the parent's conversation) skip most
of the prompt processing that fresh workers (which share only tools and system, then carry
the same context after their own task text) must redo. The coordinator's conversation is
set up directly (a read of a shared file, then a delegate call), because a 135M model does
not plan fan-outs; from there the real coordinator forks or spawns N workers, each gets one
reply (max_tokens small, tools denied to keep the work equal), and the wall time of the
whole fan-out is measured. Workers share one engine, as they would in a session.

Figures: wall seconds per fan-out for forks and fresh workers, prompt tokens, and the
tokens llama.cpp reported reused from its KV cache (`cache_read`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from wakeful.agents.coordinator import attach
from wakeful.agents.fork import TaskSpec
from wakeful.core.config import Config
from wakeful.core.messages import Message, ToolResultBlock, ToolUseBlock
from wakeful.core.paths import Paths
from wakeful.core.usage import Usage
from wakeful.loop.agent import Agent, Limits
from wakeful.loop.dispatch import Dispatcher
from wakeful.policy.decision import Policy
from wakeful.prompt.prefix import build_prefix
from wakeful.providers.local import LocalProvider
from wakeful.tools.base import ToolContext, schema_of
from wakeful.tools.delegate import delegate_tools
from wakeful.tools.read import ReadTool

TASKS = [
    "Which function in the context returns the largest constant? Answer in one line.",
    "How many functions does the context define? Answer in one line.",
    "Name one function from the context whose constant is even. Answer in one line.",
    "Name the first function in the context. Answer in one line.",
]


def shared_text(tokens: int) -> str:
    lines = [f"def f{i}(): return {i * 7}" for i in range(max(1, tokens // 9))]
    return "\n".join(lines)


async def fan_out(
    provider: LocalProvider, kind: str, workers: int, context: str, ws: Path
) -> dict[str, Any]:
    paths = Paths(ws, ws / ".user", ws / ".user")
    paths.ensure()
    config = Config()
    config.set("agents", "max_parallel", value=workers)
    config.set("agents", "max_worker_turns", value=1)
    config.set("compaction", "enabled", value=False)
    tools = [ReadTool(), *delegate_tools(config)]
    prefix = build_prefix(
        [schema_of(t) for t in tools], "You are a helpful assistant. Answer briefly."
    )
    ctx = ToolContext(paths=paths, config=config, session_id=f"bench-{kind}", cwd=ws)
    policy = Policy.from_config(paths, config, mode="auto", interactive=False)
    if kind == "fork":
        specs = [TaskSpec(TASKS[i % len(TASKS)], "fork", ()) for i in range(workers)]
    else:  # the same tasks, each carrying the context after its own task text
        specs = [
            TaskSpec(f"{TASKS[i % len(TASKS)]}\n\nContext:\n{context}", "fresh", ())
            for i in range(workers)
        ]
    messages = [
        Message.user("Answer some questions about context.py using sub-agents."),
        Message("assistant", [ToolUseBlock("r1", "read", {"path": "context.py"})]),
        Message("user", [ToolResultBlock("r1", context)]),
        Message(
            "assistant",
            [ToolUseBlock("d1", "delegate", {"tasks": [{"prompt": s.prompt} for s in specs]})],
        ),
    ]
    agent = Agent(
        provider=provider,
        prefix=prefix,
        dispatcher=Dispatcher(tools, policy, ctx),
        ctx=ctx,
        messages=messages,
        limits=Limits(max_turns=1, max_tokens=24),
    )
    coordinator = attach(agent, config, compaction=False)
    # The parent's own request that produced the delegate call: its prompt is in the KV
    # cache when the fan-out starts, as in a real session.
    warm = Agent(
        provider=provider,
        prefix=prefix,
        dispatcher=Dispatcher(tools, policy, ctx),
        ctx=ctx,
        messages=messages[:3],
        limits=Limits(max_turns=1, max_tokens=1),
    )
    await _prime(warm)
    started = time.perf_counter()
    report = await coordinator.delegate(specs)
    seconds = time.perf_counter() - started
    usage = Usage()
    for r in report.results:
        usage = usage + r.usage
    return {
        "kind": kind,
        "workers": workers,
        "seconds": round(seconds, 2),
        "prompt_tokens": usage.prompt_tokens,
        "kv_reused_tokens": usage.cache_read,
        "statuses": [r.status for r in report.results],
    }


async def _prime(agent: Agent) -> None:
    """One request on the parent's conversation so far, so the engine holds its prefix."""
    request = agent.prefix.request(agent.provider.model, agent.messages, 1)
    async for _ in agent.provider.stream(request):
        pass


async def main_async(workers: list[int], tokens: int, n_ctx: int) -> list[dict[str, Any]]:
    config = Config()
    config.set("local", "n_ctx", value=n_ctx)
    provider = LocalProvider.from_config("smollm2-135m", config)
    context = shared_text(tokens)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ws = Path(tmp)
            (ws / "context.py").write_text(context)
            await fan_out(provider, "fork", 1, context, ws)  # load the model, untimed
            for n in workers:
                fork = await fan_out(provider, "fork", n, context, ws)
                fresh = await fan_out(provider, "fresh", n, context, ws)
                rows.append(
                    {
                        "workers": n,
                        "fork": fork,
                        "fresh": fresh,
                        "fresh_over_fork": round(fresh["seconds"] / fork["seconds"], 2),
                    }
                )
    finally:
        await provider.aclose()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description="Forks vs fresh workers on llama.cpp.")
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--shared-tokens", type=int, default=800)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = asyncio.run(main_async(args.workers, args.shared_tokens, args.n_ctx))
    if args.json:
        print(json.dumps(rows))
        return 0
    print(
        "| N | fork s | fresh s | fresh / fork | fork prompt tok | fork KV reused | "
        "fresh prompt tok | fresh KV reused |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        f, g = r["fork"], r["fresh"]
        print(
            f"| {r['workers']} | {f['seconds']} | {g['seconds']} | {r['fresh_over_fork']}x | "
            f"{f['prompt_tokens']} | {f['kv_reused_tokens']} | {g['prompt_tokens']} | "
            f"{g['kv_reused_tokens']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
