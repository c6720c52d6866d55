"""Refusing secrets: memory outlives the session and is shown to every later prompt.

A key written into memory would be replayed into prompts and Markdown files forever, so
text that looks like a credential is refused with a message that says what matched.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from wakeful.memory.types import MemoryRefused

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a private key", re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")),
    ("an Anthropic API key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{16,}")),
    ("an OpenAI-style API key", re.compile(r"\bsk-(?:proj-|live-|test-)?[A-Za-z0-9_\-]{20,}")),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b")),
    (
        "a GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})"),
    ),
    ("a GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    ("a Stripe key", re.compile(r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{20,}")),
    (
        "a JSON web token",
        re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
    ),
)
_ASSIGNMENT = re.compile(
    r"(?i)\b(?P<key>api[_\-]?key|apikey|access[_\-]?key|secret(?:[_\-]?key)?|client[_\-]?secret|"
    r"token|auth[_\-]?token|access[_\-]?token|password|passwd|pwd|bearer)"
    r"[\"']?\s*(?:[:=]|\s)\s*[\"']?(?P<value>[A-Za-z0-9+/=_\-.~!@#$%^&*]{8,})"
)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]+$")
MIN_ENTROPY_BITS = 3.5


def shannon_entropy(value: str) -> float:
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def find_secrets(text: str) -> list[str]:
    """Descriptions of what in `text` looks like a credential; empty when nothing does."""
    found: list[str] = []
    for label, pattern in _PATTERNS:
        if pattern.search(text) and label not in found:
            found.append(label)
    for m in _ASSIGNMENT.finditer(text):
        value = m.group("value")
        if _ENV_NAME.match(value):
            continue  # naming the variable that holds a secret is fine
        has_digit = any(ch.isdigit() for ch in value)
        if m.group("key").lower() in {"password", "passwd", "pwd"}:
            mixed = has_digit and any(ch.isalpha() for ch in value)
            suspicious = mixed or shannon_entropy(value) >= 3.0
        else:
            suspicious = (
                len(value) >= 16 and has_digit and shannon_entropy(value) >= MIN_ENTROPY_BITS
            )
        if suspicious:
            label = "a secret value assigned to a key, token or password"
            if label not in found:
                found.append(label)
    return found


def refuse_secrets(text: str) -> None:
    found = find_secrets(text)
    if found:
        raise MemoryRefused(
            f"refusing to remember text that looks like {', '.join(found)}; memory is replayed "
            "into later prompts and files. Describe where the secret lives (e.g. 'the key is in "
            "the ANTHROPIC_API_KEY environment variable') instead of its value."
        )
