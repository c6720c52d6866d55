"""Fan-outs over several inference servers: routing by conversation against a load balancer.

    python bench/fanout_route.py [--servers 2] [--sessions 12] [--forks 4] [--json]

Each server is the loopback OpenAI-compatible server with automatic prefix caching (a
prefix of 1,024 tokens or more is cached in 128-token steps, as vLLM and OpenAI do), so a
request only reads a prefix that an earlier request left on *the same server*. Each
session sends its main request (a shared context of about 3,000 tokens of its own), then a
fan-out of forks: the same context plus a short task each. All requests go through the
real `OpenAIProvider` and the official SDK.

Three ways to spread the requests, compared by cache hit ratio (cached prompt tokens over
all prompt tokens) and by how many requests each server took:

- `routed`: `base_url` lists every server; the provider routes each request by its
  conversation key (`SESSION`, and `SESSION:fanout-N` for forks), so a session and its forks
  share one server.
- `round_robin`: what a plain load balancer in front of the servers does: request i goes
  to server i mod N.
- `one_server`: everything on one server (the cache ceiling, without spreading the load).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from typing import Any

from wakeful.core.messages import Message
from wakeful.core.request import Request
from wakeful.providers.openai import OpenAIProvider
from wakeful.testing.loopback_openai import OpenAILoopback


def context(session: int) -> str:
    return "".join(
        f"session {session} shared context line {i}: some source text\n" for i in range(260)
    )


def requests(sessions: int, forks: int) -> list[Request]:
    out = []
    for s in range(sessions):
        key = f"20261129-0000{s:02d}-bench"
        shared = Message.user(context(s))
        out.append(Request(model="m", messages=[shared], max_tokens=8, prompt_cache_key=key))
        for f in range(forks):
            task = Message.user(f"fork {f}: summarise part {f}")
            out.append(
                Request(
                    model="m",
                    messages=[shared, Message.assistant("reading"), task],
                    max_tokens=8,
                    prompt_cache_key=f"{key}:fanout-1",
                )
            )
    return out


async def drain(provider: OpenAIProvider, request: Request) -> None:
    async for _event in provider.stream(request):
        pass


async def run(
    servers: list[OpenAILoopback], reqs: list[Request], pick: Callable[[int], str | None]
) -> dict[str, Any]:
    urls = ", ".join(s.base_url for s in servers)
    for i, request in enumerate(reqs):
        url = pick(i)
        provider = OpenAIProvider("m", "sk-bench", url or urls)
        await drain(provider, request)
        await provider.aclose()
    prompt = sum(u["prompt_tokens"] for s in servers for u in s.usages)
    cached = sum(u["prompt_tokens_details"]["cached_tokens"] for s in servers for u in s.usages)
    return {
        "hit_ratio": round(cached / prompt, 4) if prompt else 0.0,
        "prompt_tokens": prompt,
        "cached_tokens": cached,
        "requests_per_server": [len(s.usages) for s in servers],
    }


def fresh(n: int) -> list[OpenAILoopback]:
    return [OpenAILoopback(responder=lambda body: {"text": "ok"}).__enter__() for _ in range(n)]


def picker(name: str, servers: list[OpenAILoopback]) -> Callable[[int], str | None]:
    """Which server request i goes to; None lets the provider route over all of them."""
    if name == "routed":
        return lambda i: None
    if name == "round_robin":
        return lambda i: servers[i % len(servers)].base_url
    return lambda i: servers[0].base_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=12)
    parser.add_argument("--forks", type=int, default=4)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    reqs = requests(args.sessions, args.forks)
    result: dict[str, Any] = {
        "servers": args.servers,
        "sessions": args.sessions,
        "forks": args.forks,
    }
    for name in ("routed", "round_robin", "one_server"):
        servers = fresh(args.servers)
        try:
            result[name] = asyncio.run(run(servers, reqs, picker(name, servers)))
        finally:
            for s in servers:
                s.__exit__(None, None, None)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{args.sessions} sessions x (1 main + {args.forks} forks) over {args.servers} servers")
    for name in ("routed", "round_robin", "one_server"):
        r = result[name]
        print(
            f"  {name:<12} cache hit ratio {r['hit_ratio']:.1%}  "
            f"requests per server {r['requests_per_server']}"
        )


if __name__ == "__main__":
    main()
