"""Loose argument checking against a tool's small JSON schema.

Models send near-miss arguments (a number as a string, a missing field). We accept what is
unambiguous and turn everything else into one readable message, so a tool can answer with
an error result instead of raising.
"""

from __future__ import annotations

from typing import Any

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
}


class ArgError(Exception):
    """Arguments do not fit the schema; the message says which field and what it needs."""


def _coerce(name: str, value: Any, spec: dict[str, Any]) -> Any:
    kind = spec.get("type")
    if kind == "string":
        if isinstance(value, str):
            out: Any = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out = str(value)
        else:
            raise ArgError(f"`{name}` must be {_TYPE_NAMES['string']}")
    elif kind == "integer":
        if isinstance(value, bool):
            raise ArgError(f"`{name}` must be {_TYPE_NAMES['integer']}")
        if isinstance(value, int):
            out = value
        elif isinstance(value, float) and value.is_integer():
            out = int(value)
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            out = int(value.strip())
        else:
            raise ArgError(f"`{name}` must be {_TYPE_NAMES['integer']}, got {value!r}")
    elif kind == "number":
        if isinstance(value, bool):
            raise ArgError(f"`{name}` must be {_TYPE_NAMES['number']}")
        if isinstance(value, int | float):
            out = value
        else:
            try:
                out = float(str(value).strip())
            except ValueError:
                raise ArgError(f"`{name}` must be {_TYPE_NAMES['number']}, got {value!r}") from None
    elif kind == "boolean":
        if isinstance(value, bool):
            out = value
        elif isinstance(value, str) and value.strip().lower() in ("true", "false"):
            out = value.strip().lower() == "true"
        else:
            raise ArgError(f"`{name}` must be {_TYPE_NAMES['boolean']}, got {value!r}")
    elif kind == "array":
        if not isinstance(value, list):
            raise ArgError(f"`{name}` must be {_TYPE_NAMES['array']}")
        out = value
    elif kind == "object":
        if not isinstance(value, dict):
            raise ArgError(f"`{name}` must be {_TYPE_NAMES['object']}")
        out = value
    else:
        out = value
    allowed = spec.get("enum")
    if allowed is not None and out not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ArgError(f"`{name}` must be one of {choices}, got {out!r}")
    if kind in ("integer", "number"):
        lo, hi = spec.get("minimum"), spec.get("maximum")
        if lo is not None and out < lo:
            raise ArgError(f"`{name}` must be at least {lo}, got {out}")
        if hi is not None and out > hi:
            raise ArgError(f"`{name}` must be at most {hi}, got {out}")
    return out


def check_args(tool: str, args: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """Return the arguments coerced to the schema's types, or raise ArgError.

    Unknown fields are dropped rather than refused: they cost nothing and refusing them
    would only make the model retry.
    """
    if not isinstance(args, dict):
        raise ArgError(f"{tool}: arguments must be a JSON object")
    props: dict[str, Any] = schema.get("properties", {})
    missing = [k for k in schema.get("required", []) if args.get(k) is None]
    if missing:
        names = ", ".join(f"`{m}`" for m in missing)
        raise ArgError(f"{tool}: missing required argument {names}")
    out: dict[str, Any] = {}
    for name, spec in props.items():
        if args.get(name) is None:
            continue
        try:
            out[name] = _coerce(name, args[name], spec)
        except ArgError as exc:
            raise ArgError(f"{tool}: {exc}") from None
    return out
