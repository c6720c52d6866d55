"""The core system prompt and the project instructions it is followed by.

Nothing volatile may live here (no time, no counters, no random ids): these bytes open
every request of a session and every fork, so any change would break the prompt cache.
"""

from __future__ import annotations

from pathlib import Path

from wakeful.core.paths import INSTRUCTION_FILES

MAX_INSTRUCTIONS_BYTES = 40_000

CORE_PROMPT = """\
You are wakeful, a coding agent working in a repository.
You act through tools: read files before you change them, make small exact edits, run
commands to check your work, and say plainly what you did and what is left.

Rules:
- Use the tools; do not invent file contents or command output.
- Prefer `edit` with an exact, unique old_string over rewriting whole files.
- Every tool call is checked by a risk policy; a denied call is not an error in your work:
  explain what you wanted to do and continue without it.
- Memory is a hint, not a fact. Recalled memories arrive with a verdict:
  [fresh] the anchored code is unchanged; [moved] it was found elsewhere;
  [drifted] the code changed since; [orphaned] the code is gone; [unanchored] nothing to
  check (mind its age). Before acting on a drifted or orphaned hint, read the code and
  check it. Use `remember` only for durable facts, preferences and decisions, right after
  the action they describe succeeded.
- Keep answers short. When the task is done, stop calling tools and give a brief summary.
"""


def core_prompt() -> str:
    """The same bytes in every workspace: the workspace is named in `workspace_note`, which
    follows it, so an embedded model can keep this part (and its tool list) cached across
    repositories."""
    return CORE_PROMPT


def workspace_note(workspace: Path) -> str:
    return f"The repository is at {workspace}."


def project_instructions(workspace: Path) -> str:
    """WAKEFUL.md, then AGENTS.md and CLAUDE.md where present, capped in size."""
    parts: list[str] = []
    for name in INSTRUCTION_FILES:
        path = workspace / name
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8", errors="replace").strip()
            except OSError:
                continue
            if text:
                parts.append(f"# {name}\n\n{text}")
    joined = "\n\n".join(parts)
    if len(joined.encode()) > MAX_INSTRUCTIONS_BYTES:
        joined = joined.encode()[:MAX_INSTRUCTIONS_BYTES].decode("utf-8", "ignore")
        joined += "\n[... project instructions truncated at 40 KB ...]"
    return joined
