"""A repository laid out the way Claude Code users lay theirs out."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .conftest import FAST, RAW

GUARD = r"""
import json, os, sys
data = json.load(sys.stdin)
with open(os.environ["HOOK_LOG"], "a") as f:
    f.write(json.dumps(data) + "\n")
event = data["hook_event_name"]
if event == "PreToolUse" and data["tool_name"] == "Bash":
    if "rm " in data["tool_input"].get("command", ""):
        print("rm is not allowed in this repository; use git rm", file=sys.stderr)
        sys.exit(2)
if event == "PreToolUse" and data["tool_name"] == "Write":
    print(json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse",
        "permissionDecision": "allow", "permissionDecisionReason": "docs are fine"}}))
if event == "UserPromptSubmit":
    print(json.dumps({"hookSpecificOutput": {"hookEventName": "UserPromptSubmit",
        "additionalContext": "Tickets live in JIRA project WAKE."}}))
if event == "Stop" and not data.get("stop_hook_active"):
    print(json.dumps({"decision": "block", "reason": "run the tests before stopping"}))
"""


def lay_out(repo: Path, markers: Path, hook_log: Path) -> None:
    """.mcp.json with two servers, hooks in .claude/settings*.json, a skill, a command and
    an agent. The servers and hooks drop marker files when they start."""
    markers.mkdir(parents=True, exist_ok=True)
    (repo / ".mcp.json").write_text(
        json.dumps(
            {
                "mcpServers": {
                    "fx": {
                        "command": sys.executable,
                        "args": [str(FAST), "--marker", str(markers / "fx-started")],
                    },
                    "raw": {
                        "type": "stdio",
                        "command": sys.executable,
                        "args": [str(RAW), "--marker", "${MARKER_DIR}/raw-started"],
                        "env": {"UNUSED": "1"},
                    },
                }
            }
        )
    )
    claude = repo / ".claude"
    (claude / "hooks").mkdir(parents=True)
    (claude / "hooks" / "guard.py").write_text(GUARD)
    hook = f'{sys.executable} "$CLAUDE_PROJECT_DIR/.claude/hooks/guard.py"'
    marker_hook = f"touch {markers / 'hook-ran'}"
    (claude / "settings.json").write_text(
        json.dumps(
            {
                "permissions": {"allow": ["Bash(npm test)"]},
                "hooks": {
                    "PreToolUse": [
                        {"matcher": "Bash|Write", "hooks": [{"type": "command", "command": hook}]},
                        {
                            "matcher": "mcp__fx__.*",
                            "hooks": [{"type": "command", "command": marker_hook}],
                        },
                    ],
                    "UserPromptSubmit": [{"hooks": [{"type": "command", "command": hook}]}],
                    "SessionStart": [{"hooks": [{"type": "command", "command": marker_hook}]}],
                },
            }
        )
    )
    (claude / "settings.local.json").write_text(
        json.dumps(
            {"hooks": {"Stop": [{"hooks": [{"type": "command", "command": hook, "timeout": 20}]}]}}
        )
    )
    skill = claude / "skills" / "changelog"
    (skill / "templates").mkdir(parents=True)
    (skill / "SKILL.md").write_text(
        "---\nname: changelog\ndescription: Write a CHANGELOG entry in the house style.\n---\n"
        "Use templates/entry.md. Keep entries under 80 characters.\n"
    )
    (skill / "templates" / "entry.md").write_text("- {change} ({ticket})\n")
    (claude / "commands").mkdir()
    (claude / "commands" / "fix-issue.md").write_text(
        "---\ndescription: Fix a ticket\nargument-hint: NUMBER PRIORITY\n---\n"
        "Fix issue #$1 with priority $2. Full request: $ARGUMENTS\n"
    )
    (claude / "agents").mkdir()
    (claude / "agents" / "reviewer.md").write_text(
        "---\nname: reviewer\ndescription: Reviews diffs for bugs.\ntools: Read, Grep, Glob\n"
        "model: sonnet\n---\nYou are a strict code reviewer. Report findings only.\n"
    )
    (repo / "CLAUDE.md").write_text("Run npm test before committing.\n")
