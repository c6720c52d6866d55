"""Differential check for the shell risk classifier: every verdict, before and after a change.

Dumps tier, reasons, flags, deciders and the commands each invocation runs for every command
in corpora/*.tsv and every example the program rules carry, in three workspaces: the bench's
(a path that does not exist), a real plain one, and a real one holding symlinks out of the
workspace, a hard link, `.git/hooks` and `.git/config`. Paths of the temporary workspaces are
written as <WS> and <HOME>, so dumps from two source trees compare line for line.

    python bench/classify_diff.py --base main        # dump main's verdicts and this tree's, diff
    python bench/classify_diff.py --write now.jsonl  # dump this tree's verdicts
    python bench/classify_diff.py --against old.jsonl

Prints the number of verdicts compared and each difference; with --json one JSON object.
Exits 1 when a verdict differs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def commands() -> list[str]:
    """Corpus commands and rule examples, each once, in a stable order."""
    from wakeful.policy.program_rules import FAMILIES, HANDLER_EXAMPLES, PROGRAMS, WRAPPERS

    found: dict[str, None] = {}
    for path in sorted((ROOT / "corpora").glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                found[line.split("\t", 1)[1]] = None
    for table in (PROGRAMS, FAMILIES, WRAPPERS):
        for _, entry in sorted(table.items()):
            for command, _tier in entry.examples:
                found[command] = None
    for _, examples in sorted(HANDLER_EXAMPLES.items()):
        for command, _tier in examples:
            found[command] = None
    return list(found)


def _make_linked(base: Path) -> tuple[Path, Path]:
    """A home with credentials and a workspace whose common names lead out of it."""
    home = base / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("key\n")
    (home / ".bashrc").write_text("# rc\n")
    ws = home / "proj"
    for sub in ("src", "tests", "docs", ".git/hooks", "node_modules"):
        (ws / sub).mkdir(parents=True)
    (ws / "src" / "app.py").write_text("print(1)\n")
    (ws / ".git" / "config").write_text("[core]\n")
    (ws / ".git" / "hooks" / "pre-commit").write_text("#!/bin/sh\n")
    (ws / "README.md").write_text("# readme\n")
    for name, target in (
        ("out", home / ".ssh"),
        ("dist", home / ".ssh"),
        ("build", Path("/etc")),
        ("logs", home),
        ("data", Path("/")),
        ("config.json", home / ".ssh" / "id_rsa"),
        ("tmp", Path("/tmp")),
    ):
        (ws / name).symlink_to(target)
    os.link(home / ".bashrc", ws / "notes.txt")
    return ws, home


def _make_plain(base: Path) -> tuple[Path, Path]:
    home = base / "home"
    ws = home / "proj"
    (ws / "src").mkdir(parents=True)
    (home / ".ssh").mkdir()
    (ws / "src" / "app.py").write_text("print(1)\n")
    return ws, home


def _row(label: str, command: str, r: Any) -> dict[str, object]:
    return {
        "ws": label,
        "command": command,
        "tier": str(r.tier),
        "reasons": list(r.reasons),
        "parsed": r.parsed,
        "programs": list(r.programs),
        "runs_workspace_code": r.runs_workspace_code,
        "code_reasons": list(r.code_reasons),
        "deciders": [list(d) for d in r.deciders],
        "commands": list(r.commands),
        "leaves": [list(leaf) for leaf in r.leaves],
    }


def dump(out: Path) -> int:
    from wakeful.policy import shell
    from wakeful.policy.shell import classify_command

    # A tree that has a per-workspace classifier gives the same verdicts through it: a row
    # where it does not is written as its own (and so differs from every other tree's).
    per_workspace = getattr(shell, "ShellClassifier", None)
    cmds = commands()
    with tempfile.TemporaryDirectory() as tmp, out.open("w", encoding="utf-8") as sink:
        base = Path(tmp).resolve()
        spaces = [
            ("bench", Path("/home/dev/proj"), Path("/home/dev")),
            ("plain", *_make_plain(base / "plain")),
            ("linked", *_make_linked(base / "linked")),
        ]
        n = 0
        for label, ws, home in spaces:
            judge = per_workspace(ws, home).classify if per_workspace is not None else None
            for command in cmds:
                row = _row(label, command, classify_command(command, ws, home))
                rows = [row]
                if judge is not None:
                    other = _row(label, command, judge(command))
                    if other != row:
                        rows.append({**other, "ws": f"{label} (ShellClassifier)"})
                for row in rows:
                    text = json.dumps(row, sort_keys=True)
                    if label != "bench":
                        # (upper-cased too: `${HOME@U}` spells the temporary path so)
                        for path, name in ((ws, "<WS>"), (home, "<HOME>"), (base, "<TMP>")):
                            text = text.replace(str(path), name).replace(str(path).upper(), name)
                    sink.write(text + "\n")
                n += 1
    return n


def _rows(path: Path) -> Iterator[tuple[tuple[str, str], dict[str, object]]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        yield (row["ws"], row["command"]), row


def _same(a: dict[str, object], b: dict[str, object]) -> bool:
    """Equal, with reasons compared as sets (their order within a tier may change)."""
    return {k: v for k, v in a.items() if k != "reasons"} == {
        k: v for k, v in b.items() if k != "reasons"
    } and sorted(a["reasons"]) == sorted(b["reasons"])  # type: ignore[call-overload]


def compare(old: Path, new: Path) -> tuple[int, list[str]]:
    before = dict(_rows(old))
    after = dict(_rows(new))
    diffs: list[str] = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if a is None or b is None:
            diffs.append(f"{key}: only in {'after' if a is None else 'before'}")
        elif not _same(a, b):
            changed = {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
            diffs.append(f"{key}: {json.dumps(changed)}")
    return len(before.keys() & after.keys()), diffs


def dump_revision(rev: str, out: Path) -> None:
    """Dump the verdicts of another revision's sources (with this script) into `out`."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "src", "corpora"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        env = {**os.environ, "PYTHONPATH": str(Path(tmp) / "src")}
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--dump-only", str(out), "--root", tmp],
            check=True,
            env=env,
        )


def main() -> None:
    global ROOT
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="git revision to compare with (e.g. main)")
    parser.add_argument("--against", type=Path, help="a dump written earlier with --write")
    parser.add_argument("--write", type=Path, help="write this tree's dump here")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--dump-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.root is not None:
        ROOT = args.root
    if args.dump_only is not None:
        dump(args.dump_only)
        return
    if args.base is None and args.against is None and args.write is None:
        parser.error("give --base REV, --against FILE or --write FILE")
    with tempfile.TemporaryDirectory() as tmp:
        now = args.write or Path(tmp) / "now.jsonl"
        n = dump(now)
        if args.base is None and args.against is None:
            print(json.dumps({"verdicts": n}) if args.json else f"wrote {n} verdicts to {now}")
            return
        old = args.against or Path(tmp) / "base.jsonl"
        if args.base is not None:
            dump_revision(args.base, old)
        compared, diffs = compare(old, now)
    if args.json:
        print(json.dumps({"compared": compared, "differences": len(diffs), "diffs": diffs[:50]}))
    else:
        for line in diffs[:200]:
            print(line)
        print(f"classify_diff: {compared} verdicts compared, {len(diffs)} differ")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
