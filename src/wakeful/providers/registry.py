"""Turn `--model PROVIDER:NAME` (or nothing) into a provider, importing SDKs lazily."""

from __future__ import annotations

from wakeful.core.config import Config
from wakeful.core.errors import ConfigError
from wakeful.providers.base import Provider
from wakeful.providers.request_log import RequestLog

PROVIDER_NAMES = ("anthropic", "openai", "local", "scripted")
DEFAULT_MODELS = {
    "anthropic": "claude-sonnet-4-6",
    "openai": "gpt-4o-mini",
    "local": "smollm2-135m",
}


def default_provider_name(config: Config) -> str:
    """Anthropic if its key is set, else OpenAI-compatible if a key or base URL is set, else local."""
    if config.get("anthropic", "api_key"):
        return "anthropic"
    if config.get("openai", "api_key") or config.get("openai", "base_url"):
        return "openai"
    return "local"


def split_model_spec(spec: str, config: Config) -> tuple[str, str]:
    if not spec:
        provider = default_provider_name(config)
        return provider, DEFAULT_MODELS[provider]
    provider, sep, name = spec.partition(":")
    if not sep:
        # A bare model name: guess the provider from the name.
        if spec in PROVIDER_NAMES:
            provider, name = spec, ""
        elif spec.startswith("claude"):
            provider, name = "anthropic", spec
        elif spec.startswith(("gpt", "o1", "o3", "o4")):
            provider, name = "openai", spec
        else:
            raise ConfigError(
                f"unknown model {spec!r}: use PROVIDER:NAME with PROVIDER one of "
                f"{', '.join(PROVIDER_NAMES)} (e.g. anthropic:claude-sonnet-4-6, "
                "openai:gpt-4o-mini, local:smollm2-135m, scripted:turns.json)"
            )
    if provider not in PROVIDER_NAMES:
        raise ConfigError(
            f"unknown provider {provider!r}; valid providers: {', '.join(PROVIDER_NAMES)}"
        )
    if provider == "scripted" and not name:
        raise ConfigError("the scripted provider needs a file: --model scripted:PATH.json")
    return provider, name or DEFAULT_MODELS.get(provider, "")


def resolve_provider(spec: str | None, config: Config) -> Provider:
    provider, name = split_model_spec(spec or config.model, config)
    log = RequestLog(config.request_log)
    if provider == "scripted":
        from wakeful.providers.scripted import ScriptedProvider

        return ScriptedProvider(name, request_log=log)
    if provider == "anthropic":
        from wakeful.providers.anthropic import AnthropicProvider

        return AnthropicProvider.from_config(name, config, log)
    if provider == "openai":
        from wakeful.providers.openai import OpenAIProvider

        return OpenAIProvider.from_config(name, config, log)
    from wakeful.providers.local import LocalProvider

    return LocalProvider.from_config(name, config, log)
