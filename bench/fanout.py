"""Fan-out cost on a shared prompt cache: forks against fresh workers, on Anthropic's rules.

    python bench/fanout.py --workers 8 --shared-tokens 20000 [--request-log FILE] [--json]
    python bench/fanout.py --table            # N = 1, 2, 4, 8, 16 as a markdown table

A scripted coordinator (the real agent loop, real tools, the real delegate tool and
coordinator, AnthropicProvider over the official SDK) reads files that make a shared
context of about S tokens, then delegates N tasks as forks; each worker takes 3 turns (a
glob, a read of a slice, a summary). Everything runs against the loopback Anthropic
Messages server, which applies Anthropic's prompt-caching rules (breakpoints, 20-block
lookback, 1,024-token minimum, writes visible once a response starts) and its token rule
(ceil(chars / 4) per prompt piece).

Printed figures, in cost units (Anthropic's price ratios: input 1, cache write 1.25,
cache read 0.1, output 5; `Usage.cost_units()`):

- `cost_units`: what the run was billed, summed over every request's reported usage.
- `lower_bound_units`: the shared prefix P (tools + system + the coordinator's conversation
  up to and including its delegate call) written once and read by every other request:
  for each request in order, the tokens of its longest piece-prefix in common with P are
  charged 1.25 where no earlier request carried them and 0.1 where one did; every other
  prompt token (each request's unique suffix) at 1; outputs at 5. Computed from the
  logged request bodies.
- `ideal_units`: a clairvoyant cache (bench/recompute_reuse.py): each request reads its
  longest prefix seen before at 0.1, writes at 1.25 only what a later request reuses, and
  pays 1 for the rest. It also caches each worker's own growing suffix, so it sits a little
  under `lower_bound_units`; it is the true floor under these prices.
- `naive_units`: the same work by fresh-context workers that each re-read the shared files
  (a read turn, then the same 3 turns), on a new server, so no worker shares a prefix
  beyond tools and system.
- `cache_hit_ratio`: cache-read tokens / prompt tokens over all requests of the fork run.
- `requests`: requests of the fork run.
- `recompute`: prefix reuse recomputed from the request log alone (recompute_reuse.py),
  with the server's own figures beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from recompute_reuse import load, pieces, summarise  # noqa: E402
from wakeful.agents.coordinator import attach  # noqa: E402
from wakeful.core.config import Config  # noqa: E402
from wakeful.core.paths import Paths  # noqa: E402
from wakeful.core.usage import Usage  # noqa: E402
from wakeful.loop.agent import Agent, Limits  # noqa: E402
from wakeful.loop.dispatch import Dispatcher  # noqa: E402
from wakeful.loop.session import Transcript  # noqa: E402
from wakeful.policy.decision import Policy  # noqa: E402
from wakeful.prompt.ledger import CacheLedger  # noqa: E402
from wakeful.prompt.prefix import build_prefix  # noqa: E402
from wakeful.prompt.system import core_prompt  # noqa: E402
from wakeful.providers.anthropic import AnthropicProvider  # noqa: E402
from wakeful.providers.request_log import RequestLog  # noqa: E402
from wakeful.testing.loopback_anthropic import AnthropicLoopback  # noqa: E402
from wakeful.tools.base import ToolContext, schema_of  # noqa: E402
from wakeful.tools.delegate import delegate_tools  # noqa: E402
from wakeful.tools.registry import default_tools  # noqa: E402

MODEL = "claude-sonnet-4-6"
WORKER = re.compile(r"You are ((?:fork|fresh)-\d+)")
LINE_CHARS = 60
LINES_PER_FILE = 500
# A numbered line in a read result, JSON-escaped: 6-digit number, \t, text, \n.
TOKENS_PER_LINE = (6 + 2 + LINE_CHARS + 2) / 4
BASE_CONVERSATION_TOKENS = 600  # the user's request, the read calls and their wrappers


def make_files(ws: Path, shared_tokens: int, base_tokens: int) -> list[str]:
    lines = max(1, int((shared_tokens - base_tokens - BASE_CONVERSATION_TOKENS) / TOKENS_PER_LINE))
    names = []
    n = 0
    while lines > 0:
        take = min(lines, LINES_PER_FILE)
        name = f"module_{n:02d}.py"
        body = "".join(
            f"value_{n}_{i:04d} = compute({i}, {n})  # shared context line".ljust(LINE_CHARS)[
                :LINE_CHARS
            ]
            + "\n"
            for i in range(take)
        )
        (ws / name).write_text(body)
        names.append(name)
        lines -= take
        n += 1
    return names


def agent_and_turn(messages: list[dict[str, Any]]) -> tuple[str, int]:
    name, start = "main", 0
    for i, m in enumerate(messages):
        if m.get("role") != "user":
            continue
        for b in m.get("content") or []:
            found = WORKER.findall(b.get("text", "")) if isinstance(b, dict) else []
            if found:
                name, start = found[-1], i
    turn = sum(1 for m in messages[start:] if m.get("role") == "assistant")
    return name, turn


class Clock:
    """The server's clock; `expire()` jumps past the 5-minute TTL (a coordinator that
    thought for a while, or a resumed session: the fan-out starts on a cold cache)."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.expired = False

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def expire_once(self) -> None:
        if not self.expired:
            self.expired = True
            self.offset += 301.0


def responder(files: list[str], workers: int, kind: str) -> Any:
    read_all = {"tool_calls": [{"name": "read", "input": {"path": f}} for f in files]}

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        agent, turn = agent_and_turn(body["messages"])
        if agent == "main":
            tasks = [
                {"prompt": f"Check part {i} of the shared modules and report anything odd."}
                for i in range(workers)
            ]
            return [
                read_all,
                {"tool_calls": [{"name": "delegate", "input": {"tasks": tasks, "kind": kind}}]},
                {"text": "All parts checked; merged the findings."},
            ][min(turn, 2)]
        if kind == "fresh":  # the naive worker first re-reads the shared context
            if turn == 0:
                return read_all
            turn -= 1
        number = int(agent.rsplit("-", 1)[1])
        return [
            {"tool_calls": [{"name": "glob", "input": {"pattern": "module_*.py"}}]},
            {
                "tool_calls": [
                    {
                        "name": "read",
                        "input": {
                            "path": files[number % len(files)],
                            "offset": 1 + number * 7,
                            "limit": 6,
                        },
                    }
                ]
            },
            {"text": f"{agent}: part {number} looks consistent; nothing to change."},
        ][min(turn, 2)]

    return respond


async def run_once(
    workers: int, shared_tokens: int, kind: str, log: Path, warm: bool = True, cold: bool = False
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        paths = Paths(ws, ws / ".user", ws / ".user")
        paths.ensure()
        config = Config()
        config.set("permission_mode", value="auto")
        config.set("agents", "max_total", value=max(16, workers))
        config.set("agents", "warm_first", value=warm)
        tools = [*default_tools(), *delegate_tools(config)]
        prefix = build_prefix([schema_of(t) for t in tools], core_prompt())
        base = sum(
            t
            for _, t in pieces(
                {
                    "model": MODEL,
                    "tools": [
                        {
                            "name": t.name,
                            "description": t.description,
                            "input_schema": t.input_schema,
                        }
                        for t in prefix.tools
                    ],
                    "system": [{"type": "text", "text": s.text} for s in prefix.segments if s.text],
                }
            )
        )
        files = make_files(ws, shared_tokens, base)
        clock = Clock() if cold else None
        with AnthropicLoopback(
            responder=responder(files, workers, kind),
            clock=clock or time.monotonic,
            latency=0.05 if cold else 0.0,
        ) as srv:
            provider = AnthropicProvider(MODEL, "bench-key", srv.base_url, RequestLog(log))
            transcript = Transcript.create(paths.sessions, {"model": MODEL})
            ledger = CacheLedger(paths.state_db)
            ctx = ToolContext(paths=paths, config=config, session_id=transcript.session_id, cwd=ws)
            policy = Policy.from_config(paths, config, mode="auto", interactive=False)
            agent = Agent(
                provider=provider,
                prefix=prefix,
                dispatcher=Dispatcher(tools, policy, ctx),
                ctx=ctx,
                transcript=transcript,
                ledger=ledger,
                limits=Limits(max_turns=10, max_tokens=1024),
                # The first `agents` event comes as the first worker starts, before it sends.
                on_event=lambda e: clock.expire_once() if clock and e.kind == "agents" else None,
            )
            attach(agent, config)
            started = time.perf_counter()
            result = await agent.run("Review the shared modules, one part per sub-agent.")
            seconds = time.perf_counter() - started
            await provider.aclose()
            ledger.close()
        if result.is_error:
            raise SystemExit(f"bench run failed: {result.error}")
    return {"seconds": seconds}


def lower_bound(records: list[dict[str, Any]]) -> tuple[float, int]:
    """See the module docstring; returns (units, shared prefix tokens)."""
    bodies = [r["request"] for r in records]
    # The coordinator's request after the fan-out ends with the delegate results; P is its
    # conversation up to and including the delegate call.
    after = next(
        b
        for b in reversed(bodies)
        if agent_and_turn(b["messages"])[0] == "main" and len(b["messages"]) >= 4
    )
    shared_body = {**after, "messages": after["messages"][:-1]}
    shared = pieces(shared_body)
    shared_tokens = sum(t for _, t in shared)
    shared_index = {}
    total = 0
    for digest, tokens in shared:
        total += tokens
        shared_index[digest] = total
    carried = 0
    units = 0.0
    for rec in records:
        ps = pieces(rec["request"])
        common = 0
        for digest, _ in ps:
            if digest not in shared_index:
                break
            common = shared_index[digest]
        prompt = sum(t for _, t in ps)
        new = max(0, common - carried)
        carried = max(carried, common)
        units += 1.25 * new + 0.1 * (common - new) + (prompt - common)
        units += 5 * int(rec["usage"].get("output", 0))
    return units, shared_tokens


def totals(records: list[dict[str, Any]]) -> Usage:
    out = Usage()
    for r in records:
        out = out + Usage.from_dict(r["usage"])
    return out


async def measure(
    workers: int, shared: int, log: Path | None, warm: bool, cold: bool = False
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        fork_log = log or Path(tmp) / "fork.jsonl"
        if fork_log.exists():
            fork_log.unlink()
        naive_log = Path(tmp) / "naive.jsonl"
        fork_run = await run_once(workers, shared, "fork", fork_log, warm, cold)
        await run_once(workers, shared, "fresh", naive_log, warm, cold)
        fork_records, naive_records = load(fork_log), load(naive_log)
    usage = totals(fork_records)
    naive = totals(naive_records)
    lb, shared_tokens = lower_bound(fork_records)
    recompute = summarise(fork_records)
    cost = usage.cost_units()
    return {
        "workers": workers,
        "shared_tokens_target": shared,
        "shared_prefix_tokens": shared_tokens,
        "requests": len(fork_records),
        "cost_units": round(cost, 1),
        "lower_bound_units": round(lb, 1),
        "ideal_units": recompute["ideal_units"],
        "naive_units": round(naive.cost_units(), 1),
        "cost_over_lower_bound": round(cost / lb, 4),
        "cost_over_ideal": round(cost / recompute["ideal_units"], 4),
        "naive_over_cost": round(naive.cost_units() / cost, 3),
        "cache_hit_ratio": round(usage.cache_hit_ratio, 4),
        "naive_cache_hit_ratio": round(naive.cache_hit_ratio, 4),
        "usage": usage.to_dict(),
        "seconds": round(fork_run["seconds"], 2),
        "warm_first": warm,
        "cold_fanout": cold,
        "recompute": recompute,
    }


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| N | requests | cost units | lower bound | cost / bound | ideal | naive (fresh) "
        "| naive / cost | cache hit ratio |\n|---|---|---|---|---|---|---|---|---|\n"
    )
    body = "".join(
        f"| {r['workers']} | {r['requests']} | {r['cost_units']:,.0f} | "
        f"{r['lower_bound_units']:,.0f} | {r['cost_over_lower_bound']:.3f} | "
        f"{r['ideal_units']:,.0f} | {r['naive_units']:,.0f} | {r['naive_over_cost']:.2f}x | "
        f"{r['cache_hit_ratio']:.3f} |\n"
        for r in rows
    )
    return head + body


def main() -> int:
    parser = argparse.ArgumentParser(description="Fan-out cost on a shared prompt cache.")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--shared-tokens", type=int, default=20_000)
    parser.add_argument("--request-log", type=Path, default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--table", action="store_true", help="N = 1, 2, 4, 8, 16")
    parser.add_argument(
        "--no-warm", action="store_true", help="start all forks at once (for comparison)"
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="let the cache expire just before the fan-out (shows why the first fork goes alone)",
    )
    args = parser.parse_args()
    warm = not args.no_warm
    if args.table:
        rows = [
            asyncio.run(measure(n, args.shared_tokens, None, warm, args.cold))
            for n in (1, 2, 4, 8, 16)
        ]
        if args.json:
            print(json.dumps(rows))
        else:
            print(f"shared context ~{args.shared_tokens} tokens, 3 turns per worker\n")
            print(table(rows))
        return 0
    result = asyncio.run(
        measure(args.workers, args.shared_tokens, args.request_log, warm, args.cold)
    )
    if args.json:
        print(json.dumps(result))
        return 0
    for key, value in result.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for k, v in value.items():
                print(f"  {k:24} {v}")
        else:
            print(f"{key:24} {value}")
    ok = result["cost_over_lower_bound"] <= 1.10 and result["cache_hit_ratio"] >= 0.9
    print(f"goal (cost <= 1.10x lower bound, hit ratio >= 0.9): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
