"""User rules: `allow` / `ask` / `deny` lists of `Tool(specifier)` in project and user config.

Syntax: `Bash(git push:*)` (a command prefix), `Bash(npm test)` (an exact command),
`Bash(make *)` (a glob), `Edit(src/**)` / `Write(...)` / `Read(~/.ssh/**)` (path globs:
relative to the workspace, absolute, or under `~`), or a bare tool name (`Bash`, `Recall`).
Rules are checked in the order deny, ask, allow: deny wins. A Bash allow rule approves a
command only if every simple command in it matches an allow rule, so `Bash(git push:*)`
does not approve `git push && rm -rf ~`.
"""

from __future__ import annotations

import os.path
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from wakeful.core import tool_names as tn
from wakeful.core.errors import ConfigError

RULE_KINDS = ("allow", "ask", "deny")
# Rule tool name -> the tool names it governs: `Read` covers every read-only file tool,
# `Edit` and `Write` both cover both writers, `Memory` the three memory tools.
TOOL_GROUPS: dict[str, frozenset[str]] = {
    **{name: frozenset({name}) for name in tn.BUILTIN_TOOLS if name != tn.POST_MESSAGE},
    tn.READ: tn.READ_TOOLS,
    tn.EDIT: tn.FILE_EDIT_TOOLS,
    tn.WRITE: tn.FILE_EDIT_TOOLS,
    "memory": tn.MEMORY_TOOLS,
    "*": frozenset({"*"}),
}
# Rule words that take no specifier: their tools have no command or path to match.
NO_SPECIFIER = frozenset({*tn.MEMORY_TOOLS, tn.TODO, tn.DELEGATE, "memory"})
_RULE = re.compile(r"^\s*([A-Za-z*][A-Za-z0-9_*-]*)\s*(?:\((.*)\))?\s*$", re.S)
# MCP tools: `mcp__server__tool`, every tool of a server (`mcp__server__*` or `mcp__server`).
_MCP_RULE = re.compile(r"^mcp__[a-z0-9_-]+?(__([a-z0-9_-]+|\*))?$")


def mcp_rule_governs(rule_tool: str, tool: str) -> bool:
    """Does an `mcp__...` rule word govern tool `tool` (compared without case)?"""
    tool = tool.lower()
    if rule_tool.endswith("__*"):
        return tool.startswith(rule_tool[:-1])
    if rule_tool.count("__") == 1:  # mcp__server: the whole server
        return tool.startswith(rule_tool + "__")
    return tool == rule_tool


@dataclass(frozen=True)
class Rule:
    kind: str  # allow | ask | deny
    tool: str  # the rule's tool word, lower-cased
    spec: str | None
    source: str  # "path:line" or "<config>" / "<builtin>"
    text: str

    def governs(self, tool: str) -> bool:
        if self.tool.startswith("mcp__"):
            return mcp_rule_governs(self.tool, tool)
        group = TOOL_GROUPS.get(self.tool, frozenset({self.tool}))
        return "*" in group or tool in group

    # ---- matching ----------------------------------------------------------------------
    def matches_command(self, command: str) -> bool:
        """For Bash rules: does one simple command's normalised text match?"""
        if self.spec is None:
            return True
        spec = self.spec.strip()
        if spec.endswith(":*"):
            prefix = spec[:-2].strip()
            return command == prefix or command.startswith(prefix + " ")
        if any(ch in spec for ch in "*?["):
            return _glob_regex(spec, path=False).fullmatch(command) is not None
        return command == spec

    def matches_path(self, path: str, workspace: str, home: str) -> bool:
        if self.spec is None:
            return True
        pattern = self.spec.strip()
        if pattern.startswith("~"):
            pattern = home + pattern[1:]
        elif not pattern.startswith("/"):
            pattern = os.path.join(workspace, pattern)
        pattern = os.path.normpath(pattern) + (
            "/**"
            if pattern.endswith("/**") and not os.path.normpath(pattern).endswith("**")
            else ""
        )
        regex = _glob_regex(pattern, path=True)
        return regex.fullmatch(path) is not None or (
            pattern.endswith("/**") and path == pattern[:-3]
        )


def _glob_regex(pattern: str, path: bool) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            if path and pattern.startswith("/", i):
                out.append("/?")
                i += 1
            continue
        if ch == "*":
            out.append("[^/]*" if path else ".*")
        elif ch == "?":
            out.append("[^/]" if path else ".")
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out), re.S)


def parse_rule(text: object, kind: str, source: str) -> Rule:
    """Validate one rule string; errors name the source and say how to fix it."""
    if not isinstance(text, str):
        raise ConfigError(f"{source}: permissions.{kind} entries must be strings, got {text!r}")
    m = _RULE.match(text)
    if m is None:
        raise ConfigError(
            f"{source}: invalid rule {text!r}: expected Tool or Tool(specifier), "
            f'e.g. "Bash(git status:*)" or "Edit(src/**)"'
        )
    tool, spec = m.group(1).lower(), m.group(2)
    if tool.startswith("mcp__"):
        if not _MCP_RULE.match(tool):
            raise ConfigError(
                f"{source}: invalid rule {text!r}: write mcp__SERVER__TOOL, mcp__SERVER__* "
                "or mcp__SERVER"
            )
        if spec is not None:
            raise ConfigError(
                f"{source}: invalid rule {text!r}: MCP tools take no specifier; "
                f"write {m.group(1)} alone"
            )
        return Rule(kind, tool, None, source, text)
    if tool not in TOOL_GROUPS:
        known = ", ".join(sorted(t.capitalize() for t in TOOL_GROUPS if t != "*"))
        raise ConfigError(
            f"{source}: invalid rule {text!r}: unknown tool {m.group(1)!r}; use one of {known}"
        )
    if spec is not None:
        if not spec.strip():
            raise ConfigError(
                f"{source}: invalid rule {text!r}: empty specifier; write "
                f"{m.group(1)} alone to match every call"
            )
        if tool == tn.BASH and ":*" in spec and not spec.rstrip().endswith(":*"):
            raise ConfigError(
                f"{source}: invalid rule {text!r}: ':*' may only end a Bash "
                "prefix, as in Bash(git push:*)"
            )
        if tool in NO_SPECIFIER:
            raise ConfigError(
                f"{source}: invalid rule {text!r}: {m.group(1)} takes no "
                f"specifier; write {m.group(1)} alone"
            )
    return Rule(kind, tool, spec, source, text)


def _line_of(file_text: str, rule: str) -> int:
    for quoted in (f'"{rule}"', f"'{rule}'", rule):
        idx = file_text.find(quoted)
        if idx >= 0:
            return file_text.count("\n", 0, idx) + 1
    return 1


def load_rule_file(path: Path) -> tuple[list[Rule], bool | None]:
    """Rules from one TOML file, each tagged `path:line`; plus its lift_hardline switch."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}. Fix that line.") from None
    perms = data.get("permissions", {})
    if not isinstance(perms, dict):
        raise ConfigError(f"{path}:{_line_of(text, 'permissions')}: [permissions] must be a table")
    rules: list[Rule] = []
    for key in perms:
        if key not in (*RULE_KINDS, "lift_hardline"):
            raise ConfigError(
                f"{path}:{_line_of(text, key)}: unknown key permissions.{key}; "
                "use allow, ask, deny or lift_hardline"
            )
    for kind in RULE_KINDS:
        entries = perms.get(kind, [])
        if not isinstance(entries, list):
            raise ConfigError(
                f"{path}:{_line_of(text, kind)}: permissions.{kind} must be a list of strings"
            )
        for entry in entries:
            line = _line_of(text, entry) if isinstance(entry, str) else _line_of(text, kind)
            rules.append(parse_rule(entry, kind, f"{path}:{line}"))
    lift = perms.get("lift_hardline")
    if lift is not None and not isinstance(lift, bool):
        raise ConfigError(
            f"{path}:{_line_of(text, 'lift_hardline')}: permissions.lift_hardline "
            "must be true or false"
        )
    return rules, lift


@dataclass
class RuleSet:
    rules: list[Rule]
    lift_hardline: bool = False

    @classmethod
    def load(
        cls,
        files: list[Path],
        extra: dict[str, list[str]] | None = None,
        lift_hardline: bool = False,
        project: Path | None = None,
        project_trusted: bool = True,
    ) -> RuleSet:
        """Rules from the given files (user first), then the `project` file, plus `extra`
        rules that came from elsewhere (flags, merged config). An untrusted project file
        contributes only deny and ask rules, and cannot lift the hardline floor. Raises
        ConfigError on the first invalid rule."""
        rules: list[Rule] = []
        lift = lift_hardline
        for path in [*files, *([project] if project is not None else [])]:
            file_rules, file_lift = load_rule_file(path)
            if path == project and not project_trusted:
                file_rules = [r for r in file_rules if r.kind != "allow"]
                file_lift = None
            rules.extend(file_rules)
            if file_lift is not None:
                lift = file_lift
        seen = {(r.kind, r.text) for r in rules}
        for kind, entries in (extra or {}).items():
            if kind not in RULE_KINDS:
                continue
            for entry in entries or []:
                if (kind, entry) not in seen:
                    rules.append(parse_rule(entry, kind, "<config>"))
        return cls(rules, lift)

    def for_tool(self, tool: str, kind: str) -> list[Rule]:
        return [r for r in self.rules if r.kind == kind and r.governs(tool)]
