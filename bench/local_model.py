"""The embedded models on this machine: load time, speed, prefix reuse, and tool-call validity.

For each installed bundled model: load time; prompt and generation tokens per second; the
wall time of a ~1,000-token prompt cold and then with its prefix in the KV cache (a follow-up
turn of the same conversation); and whether the grammar-constrained reply to "read the file
hello.py", with wakeful's real tool set and core prompt, is a valid call.

Usage: python bench/local_model.py [--models smollm2-135m gemma3-270m] [--threads N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time
from statistics import median
from typing import Any

from wakeful.core.config import Config
from wakeful.core.errors import ConfigError
from wakeful.core.events import Stop, TextDelta, ToolCall, UsageEvent
from wakeful.core.messages import Message, ToolResultBlock, ToolUseBlock
from wakeful.core.request import Request, SystemSegment
from wakeful.prompt.prefix import build_prefix
from wakeful.prompt.system import core_prompt
from wakeful.providers.local import LocalProvider
from wakeful.providers.local_engine import Sampling
from wakeful.providers.local_models import MODELS
from wakeful.providers.local_prompt import chat_messages
from wakeful.tools.base import schema_of
from wakeful.tools.registry import default_tools

NOTES = (
    "Project note {i}: the billing service reads invoices from the queue, validates the "
    "customer id against the accounts table, converts amounts to cents, and writes one row "
    "per line item. Retries back off exponentially and give up after five attempts.\n"
)


def validate(value: Any, schema: dict[str, Any]) -> list[str]:
    """Problems with `value` under the JSON-schema subset tool schemas use."""
    kinds: dict[str, Any] = {
        "object": dict,
        "string": str,
        "integer": int,
        "number": (int, float),
        "boolean": bool,
        "array": list,
    }
    kind = schema.get("type")
    if isinstance(kind, str) and kind in kinds and not isinstance(value, kinds[kind]):
        return [f"{value!r} is not {kind}"]
    problems: list[str] = []
    if kind == "object":
        props = schema.get("properties", {})
        problems += [f"missing {r}" for r in schema.get("required", []) if r not in value]
        for key, item in value.items():
            if key in props:
                problems += validate(item, props[key])
            elif schema.get("additionalProperties") is False:
                problems.append(f"unexpected {key}")
    return problems


async def run_request(provider: LocalProvider, request: Request) -> dict[str, Any]:
    start = time.perf_counter()
    text, calls, usage, stop = "", [], None, None
    async for event in provider.stream(request):
        if isinstance(event, TextDelta):
            text += event.text
        elif isinstance(event, ToolCall):
            calls.append(event)
        elif isinstance(event, UsageEvent):
            usage = event.usage
        elif isinstance(event, Stop):
            stop = event.reason
    assert usage is not None
    return {
        "seconds": time.perf_counter() - start,
        "text": text,
        "calls": calls,
        "usage": usage,
        "stop": stop,
    }


def long_system(provider: LocalProvider, target_tokens: int) -> list[SystemSegment]:
    """Core prompt, then project notes until the rendered prompt is about target_tokens."""
    core = core_prompt()
    notes = ""
    i = 0
    while True:
        system = [SystemSegment("core", core), SystemSegment("instructions", notes)]
        probe = Request(model=provider.model, system=system, messages=[Message.user("x")])
        rendered = provider.engine.render(chat_messages(probe))
        if provider.engine.count_tokens(rendered) >= target_tokens:
            return system
        i += 1
        notes += NOTES.format(i=i)


async def bench_model(name: str, threads: int, runs: int) -> dict[str, Any]:
    config = Config()
    config.set("local", "threads", value=threads)
    config.set("local", "n_ctx", value=4096)
    provider = LocalProvider.from_config(name, config)
    out: dict[str, Any] = {"model": name, "path": str(provider.model_path)}
    out["file_mb"] = round(provider.model_path.stat().st_size / 1e6, 1)
    out["load_seconds"] = round(await provider.load(), 3)
    engine = provider.engine

    hi = Request(model=name, messages=[Message.user("Hi")], max_tokens=4)
    # Warm-up: the first decode after loading pays one-off allocation costs.
    await run_request(provider, hi)

    system = long_system(provider, 1000)
    question = Message.user("Which table does the billing service check the customer id in?")
    cold_req = Request(model=name, system=system, messages=[question], max_tokens=1)
    follow = Request(
        model=name,
        system=system,
        messages=[question, Message.assistant("The accounts table."), Message.user("Why?")],
        max_tokens=1,
    )
    story = chat_messages(
        Request(model=name, system=system, messages=[Message.user("Tell me a long story.")])
    )
    colds, cacheds, gens = [], [], []
    for _ in range(runs):
        # "Hi" leaves only the template's first tokens in the KV cache: the next prompt is cold.
        await run_request(provider, hi)
        colds.append(await run_request(provider, cold_req))
        cacheds.append(await run_request(provider, follow))
        await run_request(provider, hi)
        gens.append(
            await provider.run_in_model_thread(
                engine.generate,
                story,
                Sampling(max_tokens=96, temperature=0.2, repeat_penalty=1.1),
                None,
                lambda piece: None,
                lambda: False,
            )
        )
    cold, cached = colds[0], cacheds[0]
    cold_s = median(r["seconds"] for r in colds)
    cached_s = median(r["seconds"] for r in cacheds)
    out["prefix"] = {
        "cold_prompt_tokens": cold["usage"].prompt_tokens,
        "cold_cache_read": cold["usage"].cache_read,
        "cold_seconds": round(cold_s, 3),
        "cached_prompt_tokens": cached["usage"].prompt_tokens,
        "cached_cache_read": cached["usage"].cache_read,
        "cached_seconds": round(cached_s, 3),
        "speedup": round(cold_s / cached_s, 1) if cached_s else None,
    }
    gen = gens[0]
    evaluated = gen.prompt_tokens - gen.cached_tokens
    out["prompt_tokens"] = evaluated
    out["prompt_tokens_per_s"] = round(median(evaluated / g.prompt_seconds for g in gens), 1)
    out["generated_tokens"] = gen.output_tokens
    out["generation_tokens_per_s"] = round(
        median((g.output_tokens - 1) / g.generate_seconds for g in gens if g.generate_seconds), 1
    )

    # A tool call under the grammar, with the real tools and core prompt.
    tools = [schema_of(t) for t in default_tools()]
    prefix = build_prefix(tools, core_prompt())
    call_req = prefix.request(name, [Message.user("read the file hello.py")], 64)
    reply = await run_request(provider, call_req)
    schemas = {t.name: t.input_schema for t in tools}
    call = reply["calls"][0] if reply["calls"] else None
    valid = bool(
        call is not None
        and call.input is not None
        and call.name in schemas
        and not validate(call.input, schemas[call.name])
    )
    out["tool_call"] = {
        "prompt_tokens": reply["usage"].prompt_tokens,
        "seconds": round(reply["seconds"], 3),
        "stop": reply["stop"],
        "name": call.name if call else None,
        "arguments": call.input if call else None,
        "answer": reply["text"] or None,
        "valid": valid,
        "is_read_hello": bool(
            valid and call and call.name == "read" and call.input == {"path": "hello.py"}
        ),
    }

    # The loop's next step: the tool result comes back, and the model must go on.
    if call is not None and call.input is not None:
        history = [
            Message.user("read the file hello.py"),
            Message("assistant", [ToolUseBlock("t1", call.name, call.input)]),
            Message("user", [ToolResultBlock("t1", "1\tprint('hello, world')")]),
        ]
        step = await run_request(provider, prefix.request(name, history, 64))
        out["after_tool_result"] = {
            "cache_read": step["usage"].cache_read,
            "input": step["usage"].input,
            "seconds": round(step["seconds"], 3),
            "reply": step["text"] or (step["calls"][0].name if step["calls"] else None),
        }
    await provider.aclose()
    return out


def print_report(results: list[dict[str, Any]], threads: int) -> None:
    print(f"local models on {os.cpu_count()} CPUs ({platform.machine()}), {threads} threads")
    for r in results:
        if "error" in r:
            print(f"\n{r['model']}: not available: {r['error']}")
            continue
        p, t = r["prefix"], r["tool_call"]
        print(f"\n{r['model']}  ({r['file_mb']} MB)")
        print(f"  load                 {r['load_seconds'] * 1000:8.0f} ms")
        print(
            f"  prompt               {r['prompt_tokens_per_s']:8.1f} tok/s "
            f"({r['prompt_tokens']} tokens)"
        )
        print(
            f"  generation           {r['generation_tokens_per_s']:8.1f} tok/s "
            f"({r['generated_tokens']} tokens)"
        )
        print(
            f"  ~1k prompt cold      {p['cold_seconds'] * 1000:8.0f} ms "
            f"({p['cold_prompt_tokens']} tokens, {p['cold_cache_read']} cached)"
        )
        print(
            f"  same prefix cached   {p['cached_seconds'] * 1000:8.0f} ms "
            f"({p['cached_prompt_tokens']} tokens, {p['cached_cache_read']} cached; "
            f"{p['speedup']}x faster)"
        )
        what = (
            f"{t['name']}({json.dumps(t['arguments'])})" if t["name"] else f"answer {t['answer']!r}"
        )
        print(
            f"  tool call            {'valid' if t['valid'] else 'INVALID'}: {what} "
            f"in {t['seconds'] * 1000:.0f} ms ({t['prompt_tokens']} prompt tokens)"
        )
        if "after_tool_result" in r:
            a = r["after_tool_result"]
            print(
                f"  after tool result    {a['seconds'] * 1000:8.0f} ms "
                f"({a['cache_read']} cached, {a['input']} new): {a['reply']!r}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    parser.add_argument("--threads", type=int, default=0, help="0 = all CPUs")
    parser.add_argument("--runs", type=int, default=3, help="timings are medians of N runs")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    threads = args.threads or os.cpu_count() or 1
    results: list[dict[str, Any]] = []
    for name in args.models:
        try:
            results.append(asyncio.run(bench_model(name, threads, max(1, args.runs))))
        except ConfigError as exc:
            results.append({"model": name, "error": str(exc)})
    load = os.getloadavg()[0]
    if args.json:
        report = {"cpus": os.cpu_count(), "threads": threads, "runs": args.runs}
        report.update({"load_average_1m": round(load, 2), "models": results})
        print(json.dumps(report))
    else:
        print_report(results, threads)
        print(f"\n(medians of {args.runs} runs; 1-minute load average at the end: {load:.2f})")


if __name__ == "__main__":
    main()
