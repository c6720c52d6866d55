"""The daily journal: `.wakeful/journal/YYYY-MM-DD.md`, appended to, never rewritten.

Each entry is one `write()` on a file opened with O_APPEND, so concurrent writers (the daemon
and a `schedule run` in a terminal) interleave whole entries, never half lines.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from wakeful.daemon.store import Run

_RESULT_CHARS = 1200


@dataclass(frozen=True)
class Journal:
    directory: Path

    def path_for(self, when: float) -> Path:
        return self.directory / f"{datetime.fromtimestamp(when):%Y-%m-%d}.md"

    def append(self, title: str, lines: list[str] | None = None, when: float | None = None) -> Path:
        when = time.time() if when is None else when
        path = self.path_for(when)
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.fromtimestamp(when).strftime("%H:%M:%S")
        text = f"## {stamp} {title}\n"
        for line in lines or []:
            text += f"{line}\n"
        text += "\n"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if os.fstat(fd).st_size == 0:
                day = datetime.fromtimestamp(when).strftime("%Y-%m-%d")
                text = f"# wakeful journal, {day}\n\n" + text
            os.write(fd, text.encode("utf-8"))
        finally:
            os.close(fd)
        return path

    # -- the entries the daemon writes -----------------------------------------------------

    def wake(self, run: Run, detail: str) -> None:
        self.append(
            f"wake: job `{run.job}` (run {run.id}, attempt {run.attempt})",
            [f"- trigger: {run.trigger}", f"- {detail}"],
            when=run.started,
        )

    def finished(
        self,
        run: Run,
        mode: str,
        denials: tuple[str, ...] = (),
        checkpoint: str | None = None,
        worktree: dict[str, Any] | None = None,
    ) -> None:
        """`checkpoint`: the run's checkpoint id, "" when the run changed no file, None when
        not known (the run did not report)."""
        seconds = (run.finished or time.time()) - run.started
        lines = [
            f"- trigger: {run.trigger}",
            f"- outcome: **{run.state}** after {seconds:.1f}s ({mode})",
        ]
        if run.num_turns is not None:
            lines.append(f"- turns: {run.num_turns}; session: {run.session_id or '-'}")
        lines.append(
            f"- cost: ${run.cost:.4f}; tokens: {run.tokens} (input {run.input_tokens}, "
            f"output {run.output_tokens}, cache read {run.cache_read}, "
            f"cache write {run.cache_write})"
        )
        if worktree:
            wid, branch = worktree.get("id"), worktree.get("branch")
            done = "committed" if worktree.get("commit") else "no change"
            lines.append(
                f"- worktree: {wid} on branch {branch} ({done}); review with "
                f"`git diff HEAD...{branch}`, then `wakeful worktrees merge {wid}` or "
                f"`wakeful worktrees discard {wid}`"
            )
        elif checkpoint:
            lines.append(
                f"- checkpoint: {checkpoint} (undo this run's file changes: "
                f"`wakeful rewind {checkpoint}`)"
            )
        elif checkpoint == "":
            lines.append("- checkpoint: none (no file changed)")
        for denial in denials:
            lines.append(f"- denied (needed permission): {denial}")
        if run.error:
            lines.append(f"- error: {_one_line(run.error)}")
        if run.result:
            lines.append("- what the agent did:")
            lines.append("")
            lines.extend("  > " + ln for ln in _clip(run.result).splitlines() or [""])
        self.append(f"{run.state}: job `{run.job}` (run {run.id})", lines, when=run.finished)


def _clip(text: str) -> str:
    text = text.strip()
    if len(text) > _RESULT_CHARS:
        return text[:_RESULT_CHARS] + f" … ({len(text) - _RESULT_CHARS} more characters)"
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]
