"""Token accounting, the same four numbers for every provider."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# Anthropic's price ratios relative to one uncached input token; used for "cost units".
UNIT_PRICES = {"input": 1.0, "cache_write": 1.25, "cache_read": 0.1, "output": 5.0}


@dataclass
class Usage:
    """Tokens of one request or a sum of requests.

    `input` counts only uncached input tokens, as Anthropic reports it; providers that
    report a total (OpenAI) are normalised so that input + cache_read + cache_write is the
    whole prompt.
    """

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input + other.input,
            self.output + other.output,
            self.cache_read + other.cache_read,
            self.cache_write + other.cache_write,
        )

    @property
    def prompt_tokens(self) -> int:
        return self.input + self.cache_read + self.cache_write

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.output

    @property
    def cache_hit_ratio(self) -> float:
        """Share of prompt tokens served from cache."""
        prompt = self.prompt_tokens
        return self.cache_read / prompt if prompt else 0.0

    def cost_units(self) -> float:
        return (
            self.input * UNIT_PRICES["input"]
            + self.cache_write * UNIT_PRICES["cache_write"]
            + self.cache_read * UNIT_PRICES["cache_read"]
            + self.output * UNIT_PRICES["output"]
        )

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, int] | None) -> Usage:
        data = data or {}
        return cls(
            int(data.get("input", 0)),
            int(data.get("output", 0)),
            int(data.get("cache_read", 0)),
            int(data.get("cache_write", 0)),
        )


# USD per million tokens: (input, output), longest matching prefix wins; best effort, and
# unknown models cost 0. Cache write = 1.25x input, read = 0.1x input
# (Anthropic); OpenAI cached input is 0.5x-0.1x but we use its input price times 0.5.
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "claude-opus-4-0": (15.0, 75.0),
    "claude-opus-4-1": (15.0, 75.0),
    "claude-opus": (5.0, 25.0),
    "claude-sonnet": (3.0, 15.0),
    "claude-haiku": (1.0, 5.0),
    "claude-3-5-haiku": (0.8, 4.0),
    "gpt-4o-mini": (0.15, 0.6),
    "gpt-4o": (2.5, 10.0),
    "gpt-4.1-mini": (0.4, 1.6),
    "gpt-4.1": (2.0, 8.0),
    "gpt-5-mini": (0.25, 2.0),
    "gpt-5": (1.25, 10.0),
}


def cost_usd(provider: str, model: str, usage: Usage) -> float:
    """Best-effort dollar cost; local, scripted and unknown models cost 0."""
    if provider in {"local", "scripted"}:
        return 0.0
    price = None
    for prefix in sorted(PRICES_PER_MTOK, key=len, reverse=True):
        if model.startswith(prefix):
            price = PRICES_PER_MTOK[prefix]
            break
    if price is None:
        return 0.0
    inp, out = price
    read_ratio = 0.1 if provider == "anthropic" else 0.5
    dollars = (
        usage.input * inp
        + usage.cache_write * inp * 1.25
        + usage.cache_read * inp * read_ratio
        + usage.output * out
    )
    return round(dollars / 1_000_000, 6)
