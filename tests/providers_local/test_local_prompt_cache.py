"""The first prompt's KV cache kept on disk, so the next run (a new process) skips the prefix."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.events import UsageEvent
from wakeful.core.messages import Message
from wakeful.core.request import Request, SystemSegment, ToolSchema
from wakeful.providers.local import LocalProvider

pytest.importorskip("llama_cpp", reason="llama-cpp-python is part of wakeful[local]")

pytestmark = pytest.mark.slow

SYSTEM = [SystemSegment("core", "You are a coding assistant. " * 40)]
BASH = ToolSchema(
    "bash",
    "Run a bash command and return its output.",
    {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
)


def _provider(cache: Path | None) -> LocalProvider:
    config = Config()
    config.set("local", "n_ctx", value=1024)
    config.set("local", "threads", value=2)
    config.set("local", "max_tokens", value=8)
    if cache is None:
        config.set("local", "prompt_cache", value=False)
    else:
        config.set("local", "cache_dir", value=str(cache))
    return LocalProvider.from_config("smollm2-135m", config)


def _first_request_usage(provider: LocalProvider, task: str) -> UsageEvent:
    request = Request(
        model="m", system=SYSTEM, tools=[BASH], messages=[Message.user(task)], max_tokens=8
    )

    async def run() -> UsageEvent:
        try:
            events = [e async for e in provider.stream(request)]
        finally:
            await provider.aclose()
        return next(e for e in events if isinstance(e, UsageEvent))

    return asyncio.run(run())


def test_a_new_run_reuses_the_saved_prefix_and_a_foreign_file_is_ignored(tmp_path: Path) -> None:
    first = _first_request_usage(_provider(tmp_path), "List the files.")
    assert first.usage.cache_read == 0
    saved = list((tmp_path / "prompts").glob("*.state"))
    assert len(saved) == 1
    # A new provider (a new context, as in the next `wakeful -p`) with another task.
    second = _first_request_usage(_provider(tmp_path), "Show the git log.")
    assert second.usage.cache_read > 200  # the shared system prompt and tools
    assert second.usage.input < first.usage.input / 3
    # Not kept when switched off; a damaged file is a miss, not an error.
    off = tmp_path / "off"
    _first_request_usage(_provider(None), "List the files.")
    assert not off.exists()
    saved[0].write_bytes(b"not a llama state")
    third = _first_request_usage(_provider(tmp_path), "Show the git log.")
    assert third.usage.cache_read == 0


# A ChatML template with its own tool format (as Qwen's), so the worked examples are shown.
TOOL_TEMPLATE = """{%- for m in messages -%}
<|im_start|>{{ m.role }}
{% if loop.first and tools %}{{ m.content }}
<tools>{% for t in tools %}{{ t.function.name }} {% endfor %}</tools>
Reply with <tool_call>{"name": ..., "arguments": ...}</tool_call>.
{% else %}{{ m.content }}{% for c in m.tool_calls or [] %}
<tool_call>{{ c.function.name }}</tool_call>{% endfor %}{% endif %}<|im_end|>
{% endfor -%}
{%- if add_generation_prompt %}<|im_start|>assistant
{% endif -%}"""


def test_a_saved_prompt_older_than_the_worked_examples_is_replaced(tmp_path: Path) -> None:
    # The examples belong to what every run shares. A prompt saved before they were shown
    # (an earlier version, or local.examples off) covers only the core prompt and tools; kept
    # because it still covered half of the prompt, it cost every later run ~700 tokens.
    template = tmp_path / "tools.jinja"
    template.write_text(TOOL_TEMPLATE)

    def provider(examples: bool) -> LocalProvider:
        config = Config()
        config.set("local", "n_ctx", value=4096)
        config.set("local", "threads", value=2)
        config.set("local", "max_tokens", value=4)
        config.set("local", "cache_dir", value=str(tmp_path))
        config.set("local", "chat_template", value=str(template))
        config.set("local", "examples", value=examples)
        config.set("local", "act_first", value=False)
        return LocalProvider.from_config("smollm2-135m", config)

    _first_request_usage(provider(False), "List the files.")
    plain = _first_request_usage(provider(False), "Show the git log.")
    _first_request_usage(provider(True), "List the files.")
    shown = _first_request_usage(provider(True), "Show the git log.")
    # The examples' tokens come from the disk too, once the saved prompt has them.
    assert shown.usage.cache_read > plain.usage.cache_read + 300
    assert shown.usage.input <= plain.usage.input + 20
