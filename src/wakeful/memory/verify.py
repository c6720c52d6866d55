"""Verification: a pure function of a memory record and the workspace, no model call.

For each anchor, in order: the text unchanged where it was (`fresh`); the same text
elsewhere in the file or anywhere in the tree (`moved`, with the new location); the file
still there, or renamed according to git, but the text changed (`drifted`, naming the
changed lines); the file gone and the text nowhere (`orphaned`). A record
with no anchors is `unanchored`. The worst anchor verdict is the record's verdict.
"""

from __future__ import annotations

import difflib

from wakeful.memory.types import (
    VERDICT_SEVERITY,
    Anchor,
    AnchorCheck,
    MemoryRecord,
    Verification,
)
from wakeful.memory.workspace import FileEntry, WorkspaceView


def verify_record(record: MemoryRecord, view: WorkspaceView) -> Verification:
    if not record.anchors:
        return Verification("unanchored")
    checks = tuple(check_anchor(a, view) for a in record.anchors)
    worst = max(checks, key=lambda c: VERDICT_SEVERITY[c.verdict])
    return Verification(worst.verdict, checks)


def check_anchor(anchor: Anchor, view: WorkspaceView) -> AnchorCheck:
    entry = view.file(anchor.path)
    if entry is not None and entry.span_sha(anchor.start_line, anchor.end_line) == anchor.sha256:
        return AnchorCheck(anchor, "fresh", current=anchor)
    size = anchor.end_line - anchor.start_line + 1

    if entry is not None:
        start = _find_in_file(anchor, entry, size)
        if start is not None:
            return _moved(anchor, anchor.path, start, size, entry)

    found = _find_in_tree(anchor, view, size)
    if found is not None:
        rel, start = found
        target = view.file(rel)
        assert target is not None
        return _moved(anchor, rel, start, size, target)

    if entry is not None:
        return _drifted(anchor, anchor.path, entry)
    # The file is gone and its text is nowhere as it was. If git saw the file renamed,
    # the text changed at the new path: that is drift, not loss.
    renamed_to = _follow_renames(view.renames(anchor.commit), anchor.path)
    target = view.file(renamed_to) if renamed_to else None
    if renamed_to and target is not None:
        check = _drifted(anchor, renamed_to, target)
        return AnchorCheck(
            anchor,
            "drifted",
            changed_lines=check.changed_lines,
            note=f"renamed to {renamed_to}; {check.note}",
        )
    return AnchorCheck(anchor, "orphaned", note=f"{anchor.path} is gone")


def _moved(anchor: Anchor, rel: str, start: int, size: int, entry: FileEntry) -> AnchorCheck:
    # The text is identical, so the enclosing symbol recorded at capture still names it.
    current = Anchor(
        path=rel,
        start_line=start,
        end_line=start + size - 1,
        sha256=anchor.sha256,
        symbol=anchor.symbol,
        commit=anchor.commit,
        line_hashes=anchor.line_hashes,
        before=anchor.before,
        after=anchor.after,
    )
    return AnchorCheck(anchor, "moved", current=current, note=f"moved to {current.span}")


def _rarest(anchor: Anchor, counts: dict[str, int] | None = None) -> tuple[int, str] | None:
    """The (offset, hash) of the span line least likely to repeat elsewhere."""
    hashes = anchor.line_hashes
    if not hashes:
        return None
    if counts is not None:
        offset = min(range(len(hashes)), key=lambda k: counts.get(hashes[k], 0))
        return offset, hashes[offset]
    return 0, hashes[0]


def _find_in_file(anchor: Anchor, entry: FileEntry, size: int) -> int | None:
    """1-based start of the span's text elsewhere in this file, nearest the old place."""
    if anchor.line_hashes:
        offset = min(
            range(len(anchor.line_hashes)),
            key=lambda k: len(entry.where(anchor.line_hashes[k])),
        )
        candidates = [i - offset + 1 for i in entry.where(anchor.line_hashes[offset])]
    else:
        candidates = list(range(1, len(entry.norm) - size + 2))
    candidates.sort(key=lambda s: abs(s - anchor.start_line))
    for start in candidates:
        if entry.span_sha(start, start + size - 1) == anchor.sha256:
            return start
    return None


def _find_in_tree(anchor: Anchor, view: WorkspaceView, size: int) -> tuple[str, int] | None:
    if not anchor.line_hashes:
        return None
    index = view.index()
    counts = {h: len(index.get(h, ())) for h in anchor.line_hashes}
    if any(c == 0 for c in counts.values()):
        return None
    picked = _rarest(anchor, counts)
    assert picked is not None
    offset, h = picked
    hits = sorted(index.get(h, ()), key=lambda hit: (hit[0] != anchor.path, hit[0], hit[1]))
    for rel, i in hits:
        start = i - offset + 1
        entry = view.file(rel)
        if entry is not None and entry.span_sha(start, start + size - 1) == anchor.sha256:
            return rel, start
    return None


def _follow_renames(renames: dict[str, str], path: str) -> str | None:
    seen = {path}
    current = renames.get(path)
    while current is not None and current in renames and current not in seen:
        seen.add(current)
        current = renames[current]
    return current


def changed_region(anchor: Anchor, entry: FileEntry) -> tuple[int, int] | None:
    """The current 1-based lines (first, last) where the anchored text differs.

    The span and the context lines around it are aligned with the file near the old place;
    matched lines pin where the span is now, and the unmatched lines inside it changed.
    """
    total = len(entry.hashes)
    if total == 0:
        return None
    span = list(anchor.line_hashes)
    if not span:
        first = min(anchor.start_line, total)
        return first, min(anchor.end_line, total)
    before, after = list(anchor.before), list(anchor.after)
    old = before + span + after
    nb, ns = len(before), len(span)
    pad = max(20, 2 * len(old))
    w0 = max(0, anchor.start_line - 1 - nb - pad)
    w1 = min(total, anchor.end_line + len(after) + pad)
    matcher = difflib.SequenceMatcher(None, old, entry.hashes[w0:w1], autojunk=False)
    pairs = [(b.a + k, w0 + b.b + k) for b in matcher.get_matching_blocks() for k in range(b.size)]
    before_pairs = [p for p in pairs if p[0] < nb]
    in_span = [p for p in pairs if nb <= p[0] < nb + ns]
    after_pairs = [p for p in pairs if p[0] >= nb + ns]
    start: int | None = None
    end: int | None = None
    if before_pairs:
        i, j = before_pairs[-1]
        start = j + (nb - i)
    elif in_span:
        i, j = in_span[0]
        start = j - (i - nb)
    if after_pairs:
        i, j = after_pairs[0]
        end = j - (i - (nb + ns))
    elif in_span:
        i, j = in_span[-1]
        end = j + (nb + ns - i)
    if start is None and end is None:
        first = min(anchor.start_line, total)
        return first, min(anchor.end_line, total)
    if start is None:
        start = max(0, (end or 0) - ns)
    if end is None:
        end = min(total, start + ns)
    start = max(0, min(start, total))
    end = max(start, min(end, total))
    matched = {j for _i, j in in_span}
    changed = [j for j in range(start, end) if j not in matched]
    if changed:
        return changed[0] + 1, changed[-1] + 1
    # Only deletions: point at the line where the removed text used to be.
    line = min(max(1, start + 1), total)
    for (i1, j1), (i2, _j2) in zip(in_span, in_span[1:], strict=False):
        if i2 != i1 + 1:
            line = min(j1 + 2, total)
            break
    else:
        if in_span and in_span[0][0] > nb:
            line = min(start + 1, total)
        elif in_span and in_span[-1][0] < nb + ns - 1:
            line = min(in_span[-1][1] + 2, total)
    return line, line


def _drifted(anchor: Anchor, rel: str, entry: FileEntry) -> AnchorCheck:
    region = changed_region(anchor, entry)
    if region is None:
        return AnchorCheck(anchor, "drifted", note=f"{rel} is now empty")
    a, b = region
    where = f"{rel}:{a}" if a == b else f"{rel}:{a}-{b}"
    return AnchorCheck(anchor, "drifted", changed_lines=region, note=f"{where} changed since")
