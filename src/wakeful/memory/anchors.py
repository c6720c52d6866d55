"""Capturing anchors: the path, span, content hash, enclosing symbol and commit of a memory.

Span text is normalised before hashing (runs of whitespace collapse, line ends are
ignored) so that re-indentation or trailing blanks do not turn a fresh memory into a
drifted one, while any change to the tokens does.
"""

from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path

from wakeful.core.git import run_git
from wakeful.memory.types import Anchor, AnchorError

LINE_HASH_CHARS = 12
CONTEXT_LINES = 3
_SPEC_RE = re.compile(r"^(?P<path>.+?)(?::(?P<start>\d+)(?:-(?P<end>\d+))?)?$")

# Definition lines for languages without an ast at hand: (regex, group holding the name).
_DEF_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*(?P<name>[A-Za-z_$][\w$]*)",
        r"^\s*(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+(?P<name>[A-Za-z_$][\w$]*)",
        r"^\s*(?:export\s+)?(?:const|let|var)\s+(?P<name>[A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?(?:\(|function)",
        r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(?P<name>[A-Za-z_]\w*)",
        r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:struct|enum|trait|impl|mod|union)\s+(?P<name>[A-Za-z_]\w*)",
        r"^\s*func\s+(?:\([^)]*\)\s*)?(?P<name>[A-Za-z_]\w*)",
        r"^\s*type\s+(?P<name>[A-Za-z_]\w*)\s+(?:struct|interface)",
        r"^\s*(?:export\s+)?(?:interface|type)\s+(?P<name>[A-Za-z_$][\w$]*)",
        r"^\s*(?:async\s+)?def\s+(?P<name>[A-Za-z_]\w*)",
        r"^\s*(?:public|private|protected|static|final|abstract|\s)*(?:class|interface|enum|record)\s+(?P<name>[A-Za-z_]\w*)",
        r"^\s*(?:[\w<>\[\],*&:]+\s+)+(?P<name>[A-Za-z_]\w*)\s*\([^;]*\)\s*(?:const\s*)?\{?\s*$",
        r"^\s*(?:local\s+)?function\s+(?P<name>[\w.:]+)",
        r"^\s*(?:def|module|class)\s+(?P<name>[A-Za-z_][\w:.]*)",
    )
)
_NOT_NAMES = frozenset({"if", "for", "while", "switch", "return", "catch", "else", "do", "sizeof"})


def normalise_line(line: str) -> str:
    return " ".join(line.split())


def line_hash(normalised: str) -> str:
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:LINE_HASH_CHARS]


def span_hash(normalised_lines: list[str]) -> str:
    return hashlib.sha256("\n".join(normalised_lines).encode("utf-8")).hexdigest()


def read_lines(path: Path) -> list[str]:
    """The file's lines without line ends; undecodable bytes are replaced, not fatal."""
    data = path.read_bytes()
    return data.decode("utf-8", errors="replace").splitlines()


def parse_anchor_spec(spec: str) -> tuple[str, int | None, int | None]:
    """`FILE`, `FILE:N` or `FILE:A-B` -> (path, start, end); a bare file has no span."""
    spec = spec.strip()
    match = _SPEC_RE.match(spec)
    if not spec or match is None:
        raise AnchorError(f"bad anchor {spec!r}: use FILE, FILE:LINE or FILE:START-END")
    path = match.group("path")
    if match.group("start") is None:
        return path, None, None
    start = int(match.group("start"))
    end = int(match.group("end") or start)
    if start < 1 or end < start:
        raise AnchorError(f"bad anchor {spec!r}: lines are 1-based and START must not exceed END")
    return path, start, end


def relative_path(workspace: Path, path: str | Path) -> str:
    """A workspace-relative POSIX path; refuses paths outside the workspace."""
    p = Path(path)
    if not p.is_absolute():
        p = workspace / p
    p = Path(_normpath(p))
    try:
        rel = p.relative_to(workspace)
    except ValueError:
        raise AnchorError(
            f"cannot anchor {path}: it is outside the workspace {workspace}"
        ) from None
    return rel.as_posix()


def _normpath(p: Path) -> str:
    import os.path

    return os.path.normpath(str(p))


def find_symbol(path: str, lines: list[str], start: int, end: int) -> str | None:
    """The innermost definition enclosing lines start..end (1-based), if any."""
    if path.endswith((".py", ".pyi")):
        found = _python_symbol(lines, start, end)
        if found is not None:
            return found or None
    return _scan_symbol(lines, start)


def _python_symbol(lines: list[str], start: int, end: int) -> str | None:
    """Dotted name via ast; "" when parsed but not inside a definition, None if unparsable."""
    try:
        tree = ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return None
    best: list[str] = []

    def walk(node: ast.AST, trail: list[str]) -> None:
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                last = child.end_lineno or child.lineno
                if first <= start and end <= last:
                    here = [*trail, child.name]
                    if len(here) > len(best):
                        best = here
                    walk(child, here)
                    continue
            walk(child, trail)

    walk(tree, [])
    return ".".join(best)


def _scan_symbol(lines: list[str], start: int) -> str | None:
    """The nearest definition at or above `start` that is not more indented than the span."""
    if not lines:
        return None
    start = min(start, len(lines))
    target = lines[start - 1]
    indent = len(target) - len(target.lstrip()) if target.strip() else 10**6
    for i in range(start - 1, -1, -1):
        line = lines[i]
        if not line.strip():
            continue
        line_indent = len(line) - len(line.lstrip())
        if line_indent > indent:
            continue
        for pattern in _DEF_PATTERNS:
            m = pattern.match(line)
            if m and m.group("name") not in _NOT_NAMES:
                return m.group("name")
    return None


def git_head(workspace: Path) -> str | None:
    out = run_git(["rev-parse", "--verify", "-q", "HEAD"], cwd=workspace, timeout=5)
    sha = out.text().strip()
    return sha if out.ok and sha else None


def anchor_from_lines(
    rel: str,
    lines: list[str],
    start: int,
    end: int,
    commit: str | None = None,
    with_symbol: bool = True,
) -> Anchor:
    """An anchor over lines start..end (1-based, inclusive) of already-read file lines."""
    if not lines:
        raise AnchorError(f"cannot anchor {rel}: the file is empty")
    if start > len(lines):
        raise AnchorError(f"cannot anchor {rel}:{start}: the file has only {len(lines)} lines")
    end = min(end, len(lines))
    norm = [normalise_line(line) for line in lines[start - 1 : end]]
    return Anchor(
        path=rel,
        start_line=start,
        end_line=end,
        sha256=span_hash(norm),
        symbol=find_symbol(rel, lines, start, end) if with_symbol else None,
        commit=commit,
        line_hashes=tuple(line_hash(n) for n in norm),
        before=tuple(
            line_hash(normalise_line(x))
            for x in lines[max(0, start - 1 - CONTEXT_LINES) : start - 1]
        ),
        after=tuple(line_hash(normalise_line(x)) for x in lines[end : end + CONTEXT_LINES]),
    )


def capture_anchor(
    workspace: Path,
    spec: str,
    commit: str | None = None,
) -> Anchor:
    """Resolve `FILE[:A-B]` against the workspace; a bare file anchors the whole file."""
    path, start, end = parse_anchor_spec(spec)
    rel = relative_path(workspace, path)
    full = workspace / rel
    if not full.is_file():
        raise AnchorError(f"cannot anchor {spec}: no such file {rel} in {workspace}")
    lines = read_lines(full)
    if start is None or end is None:
        start, end = 1, max(1, len(lines))
    elif end > len(lines):
        n = len(lines)
        raise AnchorError(
            f"cannot anchor {spec}: {rel} has only {n} line{'s' if n != 1 else ''}; "
            f"use a span within 1-{max(n, 1)}, or the bare file name for the whole file"
        )
    return anchor_from_lines(rel, lines, start, end, commit=commit)


_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}|\d{2,}")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "are",
        "was",
        "were",
        "has",
        "have",
        "not",
        "but",
        "you",
        "your",
        "our",
        "its",
        "into",
        "when",
        "then",
        "than",
        "there",
        "their",
        "them",
        "they",
        "use",
        "uses",
        "used",
        "should",
        "must",
        "will",
        "can",
        "may",
        "also",
        "file",
        "line",
        "lines",
        "code",
    ]
)


def best_span_for_text(lines: list[str], text: str) -> tuple[int, int, float] | None:
    """The line that shares the most distinctive words with a memory's text.

    Auto-anchoring uses it so that "the server listens on port 8080" anchors to the line
    that sets the port, not to the whole file. None when no line shares a word.
    """
    words = {w.lower() for w in _WORD_RE.findall(text)} - _STOP
    if not words:
        return None
    best_score = 0.0
    best_line = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        line_words = {w.lower() for w in _WORD_RE.findall(line)}
        shared = words & line_words
        if not shared:
            continue
        # Longer shared words and digits are more distinctive than short common ones.
        score = sum(min(len(w), 12) for w in shared)
        if score > best_score:
            best_score = score
            best_line = i + 1
    if best_line == 0:
        return None
    return best_line, best_line, best_score


def auto_anchor(
    workspace: Path,
    path: str,
    text: str,
    commit: str | None = None,
    whole_file: bool = True,
) -> tuple[Anchor, float] | None:
    """Anchor a memory to the line of `path` it talks about (with the match score), else,
    if allowed, to the whole file (score 0)."""
    try:
        rel = relative_path(workspace, path)
    except AnchorError:
        return None
    full = workspace / rel
    if not full.is_file():
        return None
    try:
        lines = read_lines(full)
    except OSError:
        return None
    if not lines:
        return None
    span = best_span_for_text(lines, text)
    if span is None:
        if not whole_file:
            return None
        return anchor_from_lines(rel, lines, 1, len(lines), commit=commit), 0.0
    start, end, score = span
    return anchor_from_lines(rel, lines, start, end, commit=commit), score
