"""Markdown files with a YAML-like frontmatter block, as Claude Code writes them.

Only the subset those files use is read: `key: value` lines, `[a, b]` or comma lists, and
quoted strings; anything else is kept as text. No YAML library is needed for that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 200_000


@dataclass
class MarkdownDoc:
    path: Path
    meta: dict[str, str] = field(default_factory=dict)
    body: str = ""

    def list_of(self, key: str) -> list[str]:
        raw = self.meta.get(key, "").strip()
        if raw.startswith("[") and raw.endswith("]"):
            raw = raw[1:-1]
        return [_unquote(p.strip()) for p in raw.split(",") if p.strip()]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def read_markdown(path: Path) -> MarkdownDoc:
    text = path.read_bytes()[:MAX_FILE_BYTES].decode("utf-8", "replace")
    doc = MarkdownDoc(path)
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for end in range(1, len(lines)):
            if lines[end].strip() == "---":
                key = ""
                block = False  # inside a `key: |` or `key: >` block scalar
                for line in lines[1:end]:
                    if ":" in line and not line.startswith((" ", "\t", "-")):
                        key, value = line.split(":", 1)
                        key, value = key.strip(), value.strip()
                        block = value[:1] in ("|", ">")
                        doc.meta[key] = "" if block else _unquote(value)
                    elif key and line.strip():  # a block scalar's line or a `- item`
                        joined = doc.meta[key]
                        if block:
                            doc.meta[key] = f"{joined} {line.strip()}".strip()
                        else:
                            item = _unquote(line.strip().removeprefix("- ").strip())
                            doc.meta[key] = f"{joined}, {item}" if joined else item
                doc.body = "\n".join(lines[end + 1 :]).strip()
                return doc
    doc.body = text.strip()
    return doc
