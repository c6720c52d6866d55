"""Error classification, retry-after parsing, registry wiring, and cache accounting invariants."""

from __future__ import annotations

import email.utils
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wakeful.core.config import Config
from wakeful.core.errors import AuthenticationError, ProviderError, RetryableProviderError
from wakeful.providers.anthropic import AnthropicProvider
from wakeful.providers.errors import parse_retry_after, split_sdk_params, status_error
from wakeful.providers.openai import OpenAIProvider
from wakeful.providers.registry import resolve_provider
from wakeful.testing.loopback_anthropic import PromptCache, prompt_pieces


def classify(
    status: int | None, body: object, headers: dict[str, str] | None = None
) -> ProviderError:
    return status_error(
        provider="X",
        status=status,
        body=body,
        headers=headers,
        fallback_message="fallback",
        auth_hint="Set X_KEY.",
    )


def test_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after": "12"}) == 12.0
    assert parse_retry_after({"retry-after": "0.5"}) == 0.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 27 <= (parse_retry_after({"retry-after": future}) or 0) <= 31
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None and parse_retry_after(None) is None


def test_classification() -> None:
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    assert isinstance(classify(529, overloaded), RetryableProviderError)
    # Sent inside a stream that already answered 200.
    assert isinstance(classify(200, overloaded), RetryableProviderError)
    assert isinstance(
        classify(None, {"type": "server_error", "message": "x"}), RetryableProviderError
    )
    assert isinstance(classify(502, "Bad gateway"), RetryableProviderError)
    limited = classify(429, {"error": {"code": "rate_limit_exceeded"}}, {"retry-after": "3"})
    assert isinstance(limited, RetryableProviderError) and limited.retry_after == 3.0
    quota = classify(429, {"error": {"code": "insufficient_quota", "message": "no credit"}})
    assert type(quota) is ProviderError and "no credit" in str(quota)
    auth = classify(401, {"error": {"type": "authentication_error", "message": "bad key"}})
    assert isinstance(auth, AuthenticationError) and "bad key" in str(auth) and "X_KEY" in str(auth)
    bad = classify(400, {"error": {"type": "invalid_request_error", "message": "too long"}})
    assert type(bad) is ProviderError and "too long" in str(bad)
    assert "fallback" in str(classify(404, None))


def test_split_sdk_params_routes_unknown_keys_to_extra_body() -> None:
    def create(*, model: str, messages: list[object], stream: bool = False) -> None: ...

    named, extra = split_sdk_params(create, {"model": "m", "messages": [], "temperature": 0.1})
    assert named == {"model": "m", "messages": []}
    assert extra == {"temperature": 0.1}


def test_registry_builds_both_providers_from_config() -> None:
    config = Config(env={})
    config.set("anthropic", "api_key", value="sk-a")
    config.set("anthropic", "base_url", value="http://127.0.0.1:9/")
    provider = resolve_provider("anthropic:claude-x", config)
    assert isinstance(provider, AnthropicProvider)
    assert provider.model == "claude-x" and provider.base_url == "http://127.0.0.1:9"
    config.set("openai", "base_url", value="http://127.0.0.1:8/v1")
    provider = resolve_provider("openai:llama3", config)
    assert isinstance(provider, OpenAIProvider) and provider.model == "llama3"
    assert not provider.official and "OPENAI_BASE_URL" in provider.auth_hint


block = st.fixed_dictionaries(
    {"type": st.just("text"), "text": st.text(min_size=1, max_size=300)},
    optional={"cache_control": st.just({"type": "ephemeral"})},
)


@settings(max_examples=60, deadline=None)
@given(
    system=st.lists(block, min_size=1, max_size=3),
    messages=st.lists(st.lists(block, min_size=1, max_size=3), min_size=1, max_size=6),
    min_tokens=st.sampled_from([1, 50, 200]),
)
@pytest.mark.slow
def test_cache_accounting_invariants(
    system: list[dict[str, object]], messages: list[list[dict[str, object]]], min_tokens: int
) -> None:
    body = {
        "model": "m",
        "system": system,
        "messages": [
            {"role": "user" if i % 2 == 0 else "assistant", "content": content}
            for i, content in enumerate(messages)
        ],
    }
    pieces = prompt_pieces(body)
    total = sum(p.tokens for p in pieces)
    cache = PromptCache(min_cache_tokens=min_tokens, clock=lambda: 0.0)
    first, commit = cache.account(body)
    commit()
    again, _ = cache.account(body)
    for usage in (first, again):
        assert min(usage.input_tokens, usage.cache_read_input_tokens) >= 0
        assert usage.cache_creation_input_tokens >= 0
        assert (
            usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens
            == total
        )
    assert first.cache_read_input_tokens == 0
    # Repeating the identical prompt reads exactly what was written and writes nothing.
    assert again.cache_read_input_tokens == first.cache_creation_input_tokens
    assert again.cache_creation_input_tokens == 0
    marked = [i for i, p in enumerate(pieces) if p.cache_control is not None]
    cumulative = [sum(p.tokens for p in pieces[: i + 1]) for i in range(len(pieces))]
    eligible = [i for i in marked if cumulative[i] >= min_tokens]
    assert first.cache_creation_input_tokens == (cumulative[eligible[-1]] if eligible else 0)
