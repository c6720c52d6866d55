"""Refusing secrets: memory outlives the session and is shown to every later prompt.

A key written into memory would be replayed into prompts and Markdown files forever, so
text that looks like a credential is refused with a message that says what matched.

The text is normalised first (NFKC folds full-width and other look-alike characters;
zero-width characters are removed), and the known key shapes are also looked for with all
spacing removed (`s k - a n t - ...`) and inside base64 runs that decode to text.
Credentials in URLs (`https://user:pass@host`) and webhook URLs (Slack, Discord, Teams,
Zapier, ...), which are secrets by themselves, are refused too.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import unicodedata
from collections import Counter

from wakeful.core.key_shapes import KEY_SHAPES
from wakeful.memory.types import MemoryRefused

_PATTERNS = KEY_SHAPES
# The same shapes with no word boundary in front, for text whose spacing was removed.
_LOOSE = tuple((label, re.compile(p.pattern.removeprefix(r"\b"))) for label, p in _PATTERNS)
_URL_CREDENTIALS = re.compile(
    r"(?i)\b[a-z][a-z0-9+.\-]{1,20}://(?P<user>[^\s/:@'\"<>]*):(?P<password>[^\s/@'\"<>]+)@"
    r"[^\s/@'\"<>]"
)
_PLACEHOLDER = re.compile(
    r"(?i)^(?:[<{$\[*%].*|x+|\.+|pass(?:word)?|secret|changeme|your[_\-]?password|pwd|\*+)$"
)
_WEBHOOKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "a Slack webhook URL",
        re.compile(r"hooks\.slack\.com/(?:services|workflows|triggers)/\S{8,}"),
    ),
    (
        "a Discord webhook URL",
        re.compile(r"(?:discord(?:app)?\.com|discord\.gg)/api/webhooks/\d+/[\w\-]{20,}"),
    ),
    (
        "a Microsoft Teams webhook URL",
        re.compile(r"(?:webhook\.office\.com|outlook\.office\.com)/webhook\w*/\S{20,}"),
    ),
    ("a Zapier webhook URL", re.compile(r"hooks\.zapier\.com/hooks/catch/\d+/\w+")),
    (
        "an IFTTT webhook key",
        re.compile(r"maker\.ifttt\.com/(?:trigger/\S+/with/)?key/[\w\-]{10,}"),
    ),
    (
        "a Google Chat webhook URL",
        re.compile(r"chat\.googleapis\.com/v1/spaces/\S+key=[\w\-]{10,}\S*token=[\w\-%]{10,}"),
    ),
    ("a Telegram bot token", re.compile(r"(?:\bbot)?\b\d{8,10}:AA[\w\-]{33}\b")),
    ("a Mattermost webhook URL", re.compile(r"https?://\S+/hooks/[a-z0-9]{26}\b")),
)
_ZERO_WIDTH = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"),
    None,
)
_SPACING = re.compile(r"\s+")
_SPACED_RUN = re.compile(r"(?<!\S)(?:\S\s+){7,}\S(?!\S)")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_\-]{24,}={0,2}")
MAX_BASE64_RUNS = 64
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


def normalise(text: str) -> str:
    """NFKC with zero-width and other invisible formatting characters removed."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _url_credentials(text: str) -> bool:
    matches = _URL_CREDENTIALS.finditer(text)
    return any(not _PLACEHOLDER.match(m.group("password")) for m in matches)


def _shapes(text: str, found: list[str], suffix: str = "") -> None:
    """Known key shapes, URL credentials and webhooks in `text` (normalised already)."""

    def add(label: str) -> None:
        if label + suffix not in found:
            found.append(label + suffix)

    for label, pattern in _PATTERNS:
        if pattern.search(text):
            add(label)
    if _url_credentials(text):
        add("a URL with a password in it")
    for label, pattern in _WEBHOOKS:
        if pattern.search(text):
            add(label)
    # Single characters separated by spacing ("s k - a n t - ..."): joined back up. Only
    # such runs: gluing ordinary words together would make up keys that are not there.
    collapsed = _SPACED_RUN.sub(lambda m: _SPACING.sub("", m.group(0)), text)
    if collapsed != text:
        for label, pattern in _LOOSE:
            if pattern.search(collapsed):
                add(label)
        for label, pattern in _WEBHOOKS:
            if pattern.search(collapsed):
                add(label)


def _decoded_runs(text: str) -> list[str]:
    """Base64 (standard or URL-safe) runs in `text` that decode to printable text."""
    out: list[str] = []
    for m in list(_BASE64_RUN.finditer(text))[:MAX_BASE64_RUNS]:
        run = m.group(0).rstrip("=")
        padded = run + "=" * (-len(run) % 4)
        for altchars in (None, b"-_"):
            try:
                raw = base64.b64decode(padded, altchars=altchars, validate=True)
            except (binascii.Error, ValueError):
                continue
            try:
                decoded = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if decoded and sum(ch.isprintable() or ch in "\n\r\t" for ch in decoded) >= 0.9 * len(
                decoded
            ):
                out.append(decoded)
                break
    return out


def find_secrets(text: str) -> list[str]:
    """Descriptions of what in `text` looks like a credential; empty when nothing does."""
    found: list[str] = []
    text = normalise(text)
    _shapes(text, found)
    for decoded in _decoded_runs(text):
        _shapes(normalise(decoded), found, " (base64-encoded)")
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
