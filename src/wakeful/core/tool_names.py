"""The built-in tools' names, declared once.

The tools themselves, the permission rules, the dispatcher, the dreamer, the local model's
default tool list and the extensions (Claude Code's names, for hooks and custom agents) all
import them from here; tests/core/test_tool_names.py fails when a list of tool-name literals
appears anywhere else. It lives in core/ because policy/ (below tools/) needs the names too.
"""

from __future__ import annotations

from typing import Final

READ: Final = "read"
WRITE: Final = "write"
EDIT: Final = "edit"
BASH: Final = "bash"
GLOB: Final = "glob"
GREP: Final = "grep"
TODO: Final = "todo"
REMEMBER: Final = "remember"
RECALL: Final = "recall"
FORGET: Final = "forget"
DELEGATE: Final = "delegate"
POST_MESSAGE: Final = "post_message"
# The dreamer's own tool: only dreaming sessions have it.
MERGE_MEMORIES: Final = "merge_memories"

# Every agent's tools, in the order the registry builds them.
BUILTIN_TOOLS: Final[tuple[str, ...]] = (
    READ,
    WRITE,
    EDIT,
    BASH,
    GLOB,
    GREP,
    TODO,
    REMEMBER,
    RECALL,
    FORGET,
    DELEGATE,
    POST_MESSAGE,
)
ALL_TOOLS: Final[tuple[str, ...]] = (*BUILTIN_TOOLS, MERGE_MEMORIES)

# Tools that read files and change nothing.
READ_TOOLS: Final = frozenset({READ, GLOB, GREP})
# Tools that write files (one permission rule word governs both).
FILE_EDIT_TOOLS: Final = frozenset({EDIT, WRITE})
# The agent's memory tools; their outcome never settles a memory staged in the same step.
MEMORY_TOOLS: Final = frozenset({REMEMBER, RECALL, FORGET})
# What a small local model is shown by default: the few tools repository work needs.
# Sub-agents, memory and todo lists distract a small model more than they help it.
LOCAL_MODEL_TOOLS: Final[tuple[str, ...]] = (BASH, EDIT, GLOB, GREP, READ, WRITE)

# wakeful's name -> Claude Code's, so hook matchers written for Claude Code work unchanged.
CLAUDE_CODE_NAMES: Final[dict[str, str]] = {
    BASH: "Bash",
    READ: "Read",
    WRITE: "Write",
    EDIT: "Edit",
    GLOB: "Glob",
    GREP: "Grep",
    DELEGATE: "Task",
    TODO: "TodoWrite",
}
# Claude Code's names, lower-cased -> wakeful's (custom agents' `tools` lists); some of its
# tools have no twin here and map to the nearest one.
CLAUDE_CODE_ALIASES: Final[dict[str, str]] = {
    **{claude.lower(): ours for ours, claude in CLAUDE_CODE_NAMES.items()},
    "multiedit": EDIT,
    "ls": GLOB,
    "todoread": TODO,
}

# Ids of the `read` calls the loop makes for the model before its first reply (loop.preread):
# the harness's calls, not the model's, so they do not count as the model having acted.
PREREAD_CALL_PREFIX: Final = "preread_"

# A tool result that says work is left: the edit tool's note for a name it took out of its
# file that other files still use (a rename half done). The local provider asks for a call.
STILL_USED_NOTE: Final = "is still used in:"
# How a `write` result begins its note on top-level definitions the new content dropped.
DROPPED_NOTE: Final = "Dropped by this write"
# How a `bash` result notes an in-place edit (`sed -i`, `perl -pi`) that left every file it
# names as it was: no change was made, whatever the exit code says.
UNCHANGED_NOTE: Final = "no file changed"
# How the loop's note begins when an answer would end a task it can see is not done (a rename
# left behind, a file the project's instructions name left unchanged; loop.task_checks). The
# local provider asks for a call after it.
TASK_CHECK_NOTE: Final = "Not finished:"
