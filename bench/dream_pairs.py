"""The dream's model step on hand-written pairs of memories outside bench/dream.py's sentences.

bench/dream.py has one sentence for a reworded duplicate and two for a different relation
over the same names, so it shows whether a model step separates those, not how far it
carries to other wordings. These pairs are written differently: four state one fact in
other words (the model should confirm them), four state a different relation between the
same names (it must not). Each pair is asked as a dream asks it (`judge_pairs`); the
figures are the verdicts, each pair's margins as asked (for a model that scores its
answers), calls, and wall and CPU time.

Usage: python bench/dream_pairs.py [--model local:qwen2.5-coder-1.5b] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from wakeful.agents.dream_judge import judge_pairs
from wakeful.core.config import Config
from wakeful.memory.types import MemoryRecord
from wakeful.providers.registry import resolve_provider

SAME_FACT = (
    (
        "flush_queue() in worker.py writes pending jobs to Redis before the process exits.",
        "Before worker.py exits, pending jobs are saved to Redis by flush_queue().",
    ),
    (
        "The auth middleware in server.py rejects requests without a session_id cookie.",
        "server.py: requests lacking the session_id cookie are turned away by the auth middleware.",
    ),
    (
        "parse_header() in codec.py decodes the length field as big-endian.",
        "codec.py reads the length field big-endian first, in parse_header().",
    ),
    (
        "Uploads larger than MAX_BODY are refused by check_size() in upload.py.",
        "upload.py: check_size() turns down any upload over MAX_BODY.",
    ),
)
DIFFERENT_FACTS = (
    (
        SAME_FACT[0][0],
        "worker.py: flush_queue() reloads pending jobs from Redis when the process starts.",
    ),
    (
        SAME_FACT[1][0],
        "server.py: the auth middleware sets a new session_id cookie on every request.",
    ),
    (SAME_FACT[2][0], "codec.py: parse_header() skips the length field when it is big-endian."),
    (SAME_FACT[3][0], "upload.py: check_size() logs the size of uploads that exceed MAX_BODY."),
)


def records(
    pairs: tuple[tuple[str, str], ...], tag: str
) -> list[tuple[MemoryRecord, MemoryRecord]]:
    def rec(mid: str, text: str, created: float) -> MemoryRecord:
        return MemoryRecord(id=mid, type="project", text=text, anchors=(), created=created)

    return [
        (rec(f"{tag}a{i}", a, 1.0), rec(f"{tag}b{i}", b, 2.0)) for i, (a, b) in enumerate(pairs)
    ]


async def run(spec: str) -> dict[str, object]:
    provider = resolve_provider(spec, Config())
    wall, cpu = time.perf_counter(), time.process_time()
    out: dict[str, object] = {"model": spec}
    calls = 0
    try:
        for name, pairs in (("same_fact", SAME_FACT), ("different_facts", DIFFERENT_FACTS)):
            result = await judge_pairs(records(pairs, name), provider=provider)
            calls += result.calls
            out[name] = {
                "confirmed": sum(1 for v in result.verdicts if v),
                "pairs": len(pairs),
                "verdicts": result.verdicts,
                "margins": [list(m) for m in result.margins],
                "scored": result.scored,
                "errors": result.errors,
            }
    finally:
        await provider.aclose()
    out.update(calls=calls, wall_seconds=round(time.perf_counter() - wall, 1),
               cpu_seconds=round(time.process_time() - cpu, 1))  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="local:qwen2.5-coder-1.5b")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = asyncio.run(run(args.model))
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"dream model step on hand-written pairs: {args.model}")
    for name in ("same_fact", "different_facts"):
        row: dict = result[name]  # type: ignore[assignment]
        print(
            f"  {name:<16} {row['confirmed']} of {row['pairs']} confirmed; margins {row['margins']}"
        )
    print(
        f"  calls {result['calls']}, {result['wall_seconds']} s wall, {result['cpu_seconds']} s CPU"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
