"""Where an edit's old_string is in a file when only its quote characters differ.

Small models rewrite quotes: Qwen2.5-Coder-1.5B sent `return 'hello ' + nme` for a file that
reads `return "hello " + nme`, and `debug: true` for the JSON line `"debug": true`; shown the
closest text, it sent the same edit again. (Peers' edit tools normalise curly quotes for the
same reason.) Here quote characters are left out on both sides; if what remains occurs exactly
once, the edit applies there, and the parts of old_string that new_string keeps are taken
from the file, so the file keeps its own quotes: only what the model changed is changed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

QUOTES = frozenset("'\"`\u2018\u2019\u201c\u201d")
# At most this many quote characters may differ between old_string and the file's text.
MAX_QUOTE_DIFFERENCE = 8


@dataclass(frozen=True)
class LooseMatch:
    start: int  # where the file's text that old_string stands for begins
    end: int
    replacement: str  # new_string, with the file's own characters where it keeps old_string


def _unquoted(text: str) -> tuple[str, list[int]]:
    """`text` without quote characters, and each kept character's index in `text`."""
    kept: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch not in QUOTES:
            kept.append(ch)
            where.append(i)
    return "".join(kept), where


def loose_match(text: str, old: str, new: str) -> LooseMatch | None:
    """The single place `old` stands for in `text` once quotes are set aside, or None."""
    bare_old, _ = _unquoted(old)
    if len(bare_old.strip()) < 3:
        return None
    bare_text, where = _unquoted(text)
    first = bare_text.find(bare_old)
    if first < 0 or bare_text.find(bare_old, first + 1) >= 0:
        return None
    start = where[first]
    end = where[first + len(bare_old) - 1] + 1
    # Quotes that old_string has around the matched characters belong to the span too.
    lead = len(old) - len(old.lstrip("".join(QUOTES)))
    trail = len(old) - len(old.rstrip("".join(QUOTES)))
    while lead and start > 0 and text[start - 1] in QUOTES:
        start, lead = start - 1, lead - 1
    while trail and end < len(text) and text[end] in QUOTES:
        end, trail = end + 1, trail - 1
    span = text[start:end]
    if abs(sum(c in QUOTES for c in span) - sum(c in QUOTES for c in old)) > MAX_QUOTE_DIFFERENCE:
        return None
    return LooseMatch(start, end, _transplant(old, span, new))


def _transplant(old: str, span: str, new: str) -> str:
    """`new`, with the file's text (`span`) wherever `new` keeps a part of `old`."""
    # pos[i]: where old[i] sits in span (old and span are the same text but for quotes).
    pos = [0] * (len(old) + 1)
    aligner = difflib.SequenceMatcher(None, old, span, autojunk=False)
    for tag, i1, i2, j1, _j2 in aligner.get_opcodes():
        for k in range(i1, i2):
            pos[k] = j1 + (k - i1) if tag == "equal" else j1
    pos[len(old)] = len(span)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, old, new, autojunk=False
    ).get_opcodes():
        out.append(span[pos[i1] : pos[i2]] if tag == "equal" else new[j1:j2])
    return "".join(out)
