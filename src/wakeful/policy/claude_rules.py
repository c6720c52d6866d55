"""Claude Code's permission rules, read into wakeful's: `permissions.allow/ask/deny` and
`permissions.additionalDirectories` in `~/.claude/settings.json` (the user's),
`.claude/settings.json` and `.claude/settings.local.json` (the project's).

The trust boundary holds as for `.wakeful/config.toml`: an untrusted workspace's files may
only tighten (their deny and ask rules apply; allow rules and additional directories are
dropped, with one notice). Rule words are mapped to wakeful's (`Bash`, `Read`, `Edit`,
`Write`, `Glob`, `Grep`, `MultiEdit` -> Edit, `Task` -> Delegate, `TodoWrite` -> Todo,
`mcp__server__tool`); Claude Code's path anchors become wakeful's (`//abs` -> `/abs`,
`/path` -> relative to the project root, `./path` and `path` -> relative to the workspace,
`~/path` -> home). A rule wakeful cannot honour (`WebFetch(domain:...)`, `WebSearch`,
`NotebookEdit`, ...) is skipped with a notice that names it.
"""

from __future__ import annotations

import json
import os.path
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wakeful.core.errors import ConfigError
from wakeful.policy.rules import RULE_KINDS, Rule, parse_rule

# Claude Code's tool word -> wakeful's rule word.
TOOL_WORDS = {
    "bash": "Bash",
    "read": "Read",
    "edit": "Edit",
    "multiedit": "Edit",
    "write": "Write",
    "glob": "Glob",
    "grep": "Grep",
    "ls": "Glob",
    "task": "Delegate",
    "todowrite": "Todo",
    "todoread": "Todo",
}
PATH_WORDS = frozenset({"Read", "Edit", "Write", "Glob", "Grep"})
_RULE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$", re.S)


@dataclass
class ClaudeRules:
    rules: list[Rule] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def settings_files(workspace: Path, home: Path) -> tuple[list[Path], list[Path]]:
    """(user files, project files) that Claude Code's permissions are read from."""
    claude = workspace / ".claude"
    return [home / ".claude" / "settings.json"], [
        claude / "settings.json",
        claude / "settings.local.json",
    ]


def _permissions(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: malformed JSON at line {exc.lineno}: {exc.msg}; fix it (its permission "
            "rules cannot be applied otherwise)"
        ) from None
    perms = data.get("permissions", {}) if isinstance(data, dict) else None
    if not isinstance(perms, dict):
        raise ConfigError(f'{path}: "permissions" must be an object with allow/ask/deny lists')
    return perms


def translate(text: str, workspace: Path, home: Path, project: bool) -> str:
    """One Claude Code rule in wakeful's syntax; ValueError says why it cannot be."""
    m = _RULE.match(text)
    if m is None:
        raise ValueError("expected Tool or Tool(specifier)")
    word, spec = m.group(1), m.group(2)
    if word.lower().startswith("mcp__"):
        return text.strip()
    mapped = TOOL_WORDS.get(word.lower())
    if mapped is None:
        raise ValueError(f"wakeful has no {word} tool")
    if spec is None:
        return mapped
    spec = spec.strip()
    if mapped == "Bash" or mapped not in PATH_WORDS:
        return f"{mapped}({spec})"
    return f"{mapped}({_path_spec(spec, workspace, home, project)})"


def _path_spec(spec: str, workspace: Path, home: Path, project: bool) -> str:
    if spec.startswith("//"):
        return "/" + spec.lstrip("/")
    if spec == "~" or spec.startswith("~/"):
        return spec
    if spec.startswith("/"):  # relative to the settings' root: the project (or home)
        root = workspace if project else home
        return os.path.join(str(root), spec.lstrip("/"))
    if spec.startswith("./"):
        spec = spec[2:]
    if ".." in Path(spec).parts:
        raise ValueError("`..` in a path rule; write the path from the workspace root")
    return spec


def _directory(entry: Any, workspace: Path, home: Path) -> str:
    if not isinstance(entry, str) or not entry.strip():
        raise ValueError("entries must be directory paths")
    path = entry.strip()
    if path == "~" or path.startswith("~/"):
        path = str(home) + path[1:]
    elif not path.startswith("/"):
        path = os.path.join(str(workspace), path)
    path = os.path.normpath(path)
    if path == "/":
        raise ValueError("the whole file system is not an additional directory")
    return path


def load_claude_rules(workspace: Path, home: Path, trusted: bool) -> ClaudeRules:
    """Rules from Claude Code's settings files; an untrusted project's only tighten."""
    out = ClaudeRules()
    user, project = settings_files(workspace, home)
    dropped: list[str] = []
    for path in [*user, *project]:
        perms = _permissions(path)
        if not perms:
            continue
        is_project = path in project
        loosening_ok = trusted or not is_project
        for key, value in perms.items():
            if key not in (*RULE_KINDS, "additionalDirectories"):
                out.notices.append(
                    f"{path}: permissions.{key} is not read by wakeful (set permission_mode "
                    "in .wakeful/config.toml instead)"
                    if key == "defaultMode"
                    else f"{path}: permissions.{key} is not read by wakeful; it is ignored"
                )
                continue
            if not isinstance(value, list):
                raise ConfigError(f"{path}: permissions.{key} must be a list of strings")
            if not value:
                continue
            if key in ("allow", "additionalDirectories") and not loosening_ok:
                dropped.append(f"permissions.{key} from {path}")
                continue
            if key == "additionalDirectories":
                for entry in value:
                    try:
                        folder = _directory(entry, workspace, home)
                    except ValueError as exc:
                        out.notices.append(
                            f"{path}: additionalDirectories entry {entry!r} skipped: {exc}"
                        )
                        continue
                    for word in ("Read", "Edit"):
                        out.rules.append(
                            parse_rule(f"{word}({folder}/**)", "allow", f"{path} (directory)")
                        )
                continue
            for entry in value:
                if not isinstance(entry, str):
                    raise ConfigError(
                        f"{path}: permissions.{key} entries must be strings, got {entry!r}"
                    )
                try:
                    text = translate(entry, workspace, home, is_project)
                    rule = parse_rule(text, key, str(path))
                except ValueError as exc:
                    out.notices.append(
                        f"{path}: permissions.{key} rule {entry!r} is not applied: {exc}"
                    )
                    continue
                except ConfigError as exc:  # parse_rule's message: "SOURCE: invalid rule R: WHY"
                    why = str(exc).rsplit(f"{text!r}: ", 1)[-1]
                    out.notices.append(
                        f"{path}: permissions.{key} rule {entry!r} is not applied: {why}"
                    )
                    continue
                out.rules.append(Rule(rule.kind, rule.tool, rule.spec, rule.source, entry))
    if dropped:
        out.notices.append(
            f"untrusted workspace: ignored {', '.join(dropped)} (run `wakeful trust` here to "
            "apply them)"
        )
    return out
