"""Text shaping for tool output: line numbering, long-line and total-size caps."""

from __future__ import annotations

LINE_CHAR_CAP = 2000
OUTPUT_CHAR_CAP = 30_000


def clip_line(line: str, cap: int = LINE_CHAR_CAP) -> str:
    if len(line) <= cap:
        return line
    return f"{line[:cap]}... [line truncated: {len(line) - cap} more chars]"


def number_line(number: int, text: str) -> str:
    """`cat -n` style: right-aligned number, a tab, the text."""
    return f"{number:>6}\t{text}"


def clip_lines_output(lines: list[str], cap: int = OUTPUT_CHAR_CAP) -> tuple[str, int]:
    """Join lines up to cap chars, cutting at a line boundary; returns (text, lines dropped)."""
    total = 0
    kept: list[str] = []
    for idx, line in enumerate(lines):
        total += len(line) + 1
        if total > cap and kept:
            return "\n".join(kept), len(lines) - idx
        kept.append(line)
    return "\n".join(kept), 0


def snippet(text: str, start_line: int, end_line: int, context: int = 3) -> str:
    """Numbered lines start_line..end_line (1-based) with context around them."""
    lines = text.split("\n")
    lo = max(1, start_line - context)
    hi = min(len(lines), end_line + context)
    return "\n".join(number_line(n, clip_line(lines[n - 1], 300)) for n in range(lo, hi + 1))
