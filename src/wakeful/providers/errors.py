"""Turn an HTTP provider failure into wakeful's three error kinds.

Both SDKs raise status errors carrying a status code, response headers and a JSON body; this
module decides, from those alone, whether a failure is worth retrying, is a credentials
problem, or is final. The agent loop relies on the distinction to back off or stop.
"""

from __future__ import annotations

import email.utils
import inspect
import time
from collections.abc import Callable, Mapping
from typing import Any

from wakeful.core.errors import AuthenticationError, ProviderError, RetryableProviderError

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 529}
RETRYABLE_TYPES = {
    "overloaded_error",
    "rate_limit_error",
    "api_error",
    "rate_limit_exceeded",
    "server_error",
    "timeout",
}


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait, from `retry-after-ms`, or `retry-after` as seconds or an HTTP date."""
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_details(body: Any) -> tuple[str | None, str | None]:
    """(type, message) from an Anthropic or OpenAI error body."""
    if not isinstance(body, dict):
        return None, body if isinstance(body, str) and body else None
    err = body.get("error", body)
    if not isinstance(err, dict):
        return None, str(err)
    # OpenAI's `code` (rate_limit_exceeded, invalid_api_key, insufficient_quota) is more
    # specific than its `type`; Anthropic sends only `type`.
    kind = err.get("code") or err.get("type")
    message = err.get("message")
    return (str(kind) if kind else None), (str(message) if message else None)


def status_error(
    *,
    provider: str,
    status: int | None,
    body: Any,
    headers: Mapping[str, str] | None,
    fallback_message: str,
    auth_hint: str,
) -> ProviderError:
    """Classify one failed request. `auth_hint` tells the user which setting to fix."""
    kind, message = error_details(body)
    text = message or fallback_message
    label = (
        f"{provider} API error" + (f" {status}" if status else "") + (f" ({kind})" if kind else "")
    )
    if status in (401, 403) or kind in {
        "authentication_error",
        "permission_error",
        "invalid_api_key",
    }:
        return AuthenticationError(f"{label}: {text}. {auth_hint}")
    if kind == "insufficient_quota":
        # OpenAI sends this as a 429, but waiting does not add credit.
        return ProviderError(f"{label}: {text}. Add credit to the account or choose another model")
    retryable = (status in RETRYABLE_STATUS) or (status is not None and status >= 500)
    if kind == "overloaded_error" or (kind in RETRYABLE_TYPES and status in (None, 200)):
        # Errors sent inside an already-started stream arrive with the stream's 200 status.
        retryable = True
    if retryable:
        return RetryableProviderError(
            f"{label}: {text}; retrying may succeed", retry_after=parse_retry_after(headers)
        )
    return ProviderError(f"{label}: {text}")


def connection_error(provider: str, base_url: str, exc: BaseException) -> RetryableProviderError:
    return RetryableProviderError(
        f"cannot reach the {provider} API at {base_url}: {exc}. "
        "Check the network or the base URL setting"
    )


def split_sdk_params(
    method: Callable[..., Any], body: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a wire body into the SDK method's named parameters and `extra_body`.

    SDK releases add and remove named parameters (one dropped `temperature`); the wire body
    we log stays the same, and whatever the installed SDK does not name is sent through
    `extra_body`, which it merges into the JSON unchanged.
    """
    names = set(inspect.signature(method).parameters)
    named = {k: v for k, v in body.items() if k in names}
    extra = {k: v for k, v in body.items() if k not in names}
    return named, extra
