"""Slash commands: Markdown prompt templates run as `/name args` (REPL or `-p`).

Found in `~/.claude/commands/`, the user config's `commands/`, `.claude/commands/` and
`.wakeful/commands/` (a later folder wins a name clash); a file in a sub-folder is named
`folder:name`, as in Claude Code. In the body, `$ARGUMENTS` is the whole argument text and
`$1`..`$9` the arguments split shell-style. Frontmatter `description` and `argument-hint`
are shown by `/help`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from wakeful.core.errors import UsageError
from wakeful.extensions.markdown import read_markdown

_INVOCATION = re.compile(r"^/([A-Za-z0-9_][A-Za-z0-9_:.-]*)(?:\s+(.*))?$", re.S)
_POSITIONAL = re.compile(r"\$([1-9])")


@dataclass(frozen=True)
class SlashCommand:
    name: str
    description: str
    argument_hint: str
    path: Path

    def expand(self, arguments: str) -> str:
        body = read_markdown(self.path).body
        try:
            words = shlex.split(arguments)
        except ValueError:
            words = arguments.split()
        text = body.replace("$ARGUMENTS", arguments)
        text = _POSITIONAL.sub(
            lambda m: words[int(m.group(1)) - 1] if int(m.group(1)) <= len(words) else "", text
        )
        if "$ARGUMENTS" not in body and not _POSITIONAL.search(body) and arguments:
            text += f"\n\nARGUMENTS: {arguments}"
        return text


def command_dirs(workspace: Path, home: Path, user_config: Path) -> list[Path]:
    return [
        home / ".claude" / "commands",
        user_config / "commands",
        workspace / ".claude" / "commands",
        workspace / ".wakeful" / "commands",
    ]


def load_commands(dirs: list[Path]) -> dict[str, SlashCommand]:
    found: dict[str, SlashCommand] = {}
    for base in dirs:
        if not base.is_dir():
            continue
        for md in sorted(base.rglob("*.md")):
            rel = md.relative_to(base).with_suffix("")
            name = ":".join(rel.parts)
            try:
                doc = read_markdown(md)
            except OSError:
                continue
            first = next((ln.strip() for ln in doc.body.splitlines() if ln.strip()), "")
            found[name] = SlashCommand(
                name,
                doc.meta.get("description") or first[:80],
                doc.meta.get("argument-hint", ""),
                md,
            )
    return found


def parse_invocation(text: str) -> tuple[str, str] | None:
    """`/name args` -> (name, args); None when the text is not a slash command."""
    m = _INVOCATION.match(text.strip())
    if m is None:
        return None
    return m.group(1), (m.group(2) or "").strip()


def expand_prompt(
    text: str, commands: dict[str, SlashCommand], builtins: frozenset[str] = frozenset()
) -> str:
    """The prompt to send: a `/name args` invocation expanded, anything else unchanged.

    An unknown `/name` is an error (naming the commands there are), unless the text is an
    existing absolute path, which is left alone."""
    parsed = parse_invocation(text)
    if parsed is None:
        return text
    name, args = parsed
    if name in commands:
        return commands[name].expand(args)
    if name in builtins or Path(text.split()[0]).exists():
        return text
    known = ", ".join(f"/{n}" for n in sorted(commands)) or "none"
    raise UsageError(
        f"unknown slash command /{name}; available: {known} (add one as "
        f".claude/commands/{name}.md or .wakeful/commands/{name}.md)"
    )
