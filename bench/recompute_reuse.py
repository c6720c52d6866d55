"""Recompute prompt-prefix reuse from a request log, from the request bodies alone.

    python bench/recompute_reuse.py REQUEST_LOG.jsonl [--json]

The log is what `WAKEFUL_REQUEST_LOG` (or `bench/fanout.py --request-log`) writes: one JSON
line per request, `{"request": <Anthropic Messages body as sent>, "usage": {...}}`. This
script imports nothing from wakeful, so it is an independent check of what the provider (or
the loopback server) reported.

A prompt is split into pieces in cache-prefix order: each tool definition, each system
block, each content block of each message (its message index and role included), each
identified by its key-sorted JSON without `cache_control`. A piece costs ceil(chars / 4)
tokens, the loopback server's documented rule, so the recomputed prompt size of every
request must equal input + cache_read + cache_write as reported.

For each request it derives:
- `reusable`: tokens of the longest piece-prefix it shares with any earlier request, the
  most any prefix cache could serve it (up to the provider's minimum cacheable size).
- `reused_later`: tokens of the longest piece-prefix it shares with any later request.

and totals: prompt tokens, reusable tokens, the ideal cost (reusable part read at 0.1,
the part a later request will reuse written at 1.25, the rest at 1, outputs at 5), and
the same figures as the server reported them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRICES = {"input": 1.0, "cache_write": 1.25, "cache_read": 0.1, "output": 5.0}


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _strip(block: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in block.items() if k != "cache_control"}


def _blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in (content or []) if isinstance(b, dict)]


def pieces(body: dict[str, Any]) -> list[tuple[str, int]]:
    """(rolling prefix hash, tokens) per piece, in cache-prefix order."""
    out: list[tuple[str, int]] = []
    h = hashlib.sha256(str(body.get("model", "")).encode())
    items: list[Any] = [["tool", _strip(t)] for t in body.get("tools") or []]
    items += [["system", _strip(b)] for b in _blocks(body.get("system"))]
    for i, m in enumerate(body.get("messages") or []):
        items += [["message", i, m.get("role"), _strip(b)] for b in _blocks(m.get("content"))]
    for item in items:
        text = canonical(item)
        h.update(b"\x00" + text.encode())
        out.append((h.hexdigest(), -(-len(text) // 4)))
    return out


@dataclass
class RequestReuse:
    prompt_tokens: int
    reusable: int
    reused_later: int
    output: int
    reported: dict[str, int]

    @property
    def ideal_units(self) -> float:
        write = max(0, self.reused_later - self.reusable)
        rest = self.prompt_tokens - self.reusable - write
        return (
            self.reusable * PRICES["cache_read"]
            + write * PRICES["cache_write"]
            + rest * PRICES["input"]
            + self.output * PRICES["output"]
        )


def _common_tokens(a: list[tuple[str, int]], index: dict[str, int]) -> int:
    """Tokens of the longest prefix of `a` whose hash is in `index` (hash -> tokens)."""
    best = 0
    for digest, _ in a:
        if digest in index:
            best = index[digest]
        else:
            break
    return best


def analyse(records: list[dict[str, Any]]) -> list[RequestReuse]:
    all_pieces = [pieces(r["request"]) for r in records]
    cumulative: list[dict[str, int]] = []
    for ps in all_pieces:
        total, index = 0, {}
        for digest, tokens in ps:
            total += tokens
            index[digest] = total
        cumulative.append(index)
    seen: dict[str, int] = {}
    out: list[RequestReuse] = []
    for i, ps in enumerate(all_pieces):
        reusable = _common_tokens(ps, seen)
        later: dict[str, int] = {}
        for index in cumulative[i + 1 :]:
            later.update({d: cumulative[i][d] for d in index if d in cumulative[i]})
        reused_later = _common_tokens(ps, later)
        seen.update(cumulative[i])
        usage = records[i].get("usage") or {}
        out.append(
            RequestReuse(
                sum(t for _, t in ps), reusable, reused_later, int(usage.get("output", 0)), usage
            )
        )
    return out


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    rows = analyse(records)
    prompt = sum(r.prompt_tokens for r in rows)
    reported_prompt = sum(
        int(r.reported.get("input", 0))
        + int(r.reported.get("cache_read", 0))
        + int(r.reported.get("cache_write", 0))
        for r in rows
    )
    reusable = sum(r.reusable for r in rows)
    read = sum(int(r.reported.get("cache_read", 0)) for r in rows)
    cost = sum(sum(int(r.reported.get(k, 0)) * p for k, p in PRICES.items()) for r in rows)
    return {
        "requests": len(rows),
        "prompt_tokens": prompt,
        "reported_prompt_tokens": reported_prompt,
        "prompt_tokens_match": prompt == reported_prompt,
        "reusable_tokens": reusable,
        "reported_cache_read": read,
        "reuse_ratio": round(reusable / prompt, 4) if prompt else 0.0,
        "reported_hit_ratio": round(read / reported_prompt, 4) if reported_prompt else 0.0,
        "read_over_reusable": round(read / reusable, 4) if reusable else 0.0,
        "ideal_units": round(sum(r.ideal_units for r in rows), 1),
        "reported_units": round(cost, 1),
    }


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = summarise(load(args.log))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:24} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
