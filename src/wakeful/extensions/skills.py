"""Skills: folders with a `SKILL.md` (frontmatter `name`, `description`; a Markdown body).

Found in `.claude/skills/`, `.wakeful/skills/` (project), `~/.claude/skills/` and the user
config's `skills/` folder; a project skill replaces a user skill of the same name. Only the
names and descriptions go in the prompt prefix; the `skill` tool loads a body, and lists
the skill's other files, when the model asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wakeful.extensions.markdown import read_markdown
from wakeful.policy.types import RiskInput
from wakeful.tools.base import ToolContext, ToolResult

MAX_FILES_LISTED = 200


@dataclass(frozen=True)
class Skill:
    name: str
    description: str
    folder: Path


def skill_dirs(workspace: Path, home: Path, user_config: Path) -> list[Path]:
    """Lowest precedence first."""
    return [
        home / ".claude" / "skills",
        user_config / "skills",
        workspace / ".claude" / "skills",
        workspace / ".wakeful" / "skills",
    ]


def load_skills(dirs: list[Path]) -> tuple[list[Skill], list[str]]:
    found: dict[str, Skill] = {}
    notices: list[str] = []
    for base in dirs:
        if not base.is_dir():
            continue
        for sub in sorted(base.iterdir()):
            md = sub / "SKILL.md"
            if not md.is_file():
                continue
            try:
                doc = read_markdown(md)
            except OSError as exc:
                notices.append(f"{md}: cannot read skill ({exc.strerror}); skipped")
                continue
            name = doc.meta.get("name") or sub.name
            description = " ".join(doc.meta.get("description", "").split())
            if not description:
                notices.append(f"{md}: no `description:` in its frontmatter; skipped")
                continue
            found[name] = Skill(name, description[:1024], sub)
    return [found[k] for k in sorted(found)], notices


def skills_section(skills: list[Skill]) -> str:
    """The prefix text naming each skill: sorted, no volatile content."""
    if not skills:
        return ""
    lines = [
        "# Skills",
        "",
        "Load a skill with the `skill` tool when a task matches its description.",
        "",
    ]
    lines += [f"- {s.name}: {s.description}" for s in skills]
    return "\n".join(lines)


class SkillTool:
    name = "skill"
    description = (
        "Load a skill listed under Skills in the system prompt: returns its instructions "
        "and the files in its folder (read them with `read` as the instructions say)."
    )
    input_schema = {
        "type": "object",
        "properties": {"name": {"type": "string", "description": "The skill's name."}},
        "required": ["name"],
    }
    read_only = True

    def __init__(self, skills: list[Skill]) -> None:
        self.skills = {s.name: s for s in skills}

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        # Skills are instructions the user installed; loading one reads nothing else.
        return RiskInput(
            tool=self.name, kind="other", read_only=True, detail=f"loads skill {args.get('name')!r}"
        )

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        name = args.get("name")
        skill = self.skills.get(str(name))
        if skill is None:
            return ToolResult.error(
                f"no skill named {name!r}; available: {', '.join(sorted(self.skills)) or 'none'}"
            )
        doc = read_markdown(skill.folder / "SKILL.md")
        files = sorted(
            str(p.relative_to(skill.folder))
            for p in skill.folder.rglob("*")
            if p.is_file() and p.name != "SKILL.md"
        )
        listing = "\n".join(f"- {f}" for f in files[:MAX_FILES_LISTED]) or "(none)"
        if len(files) > MAX_FILES_LISTED:
            listing += f"\n... and {len(files) - MAX_FILES_LISTED} more"
        return ToolResult(
            f"# Skill: {skill.name}\nFolder: {skill.folder}\n\n{doc.body}\n\n"
            f"## Files in this skill\n{listing}"
        )
