"""`todo`: the agent's own task list for the session, rewritten whole on each call.

Writing the whole list (rather than add/remove verbs) keeps the tool stateless to reason
about: what the model sends is exactly what the list becomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from wakeful.core import tool_names
from wakeful.policy.types import RiskInput
from wakeful.tools._args import ArgError, check_args
from wakeful.tools.base import ToolContext, ToolResult

Status = Literal["pending", "in_progress", "completed"]
STATUSES: tuple[Status, ...] = ("pending", "in_progress", "completed")
MARKS = {"pending": "[ ]", "in_progress": "[>]", "completed": "[x]"}
MAX_ITEMS = 100


@dataclass
class TodoItem:
    content: str
    status: Status = "pending"


def render_todos(items: list[TodoItem]) -> str:
    if not items:
        return "Todo list is empty."
    done = sum(1 for it in items if it.status == "completed")
    lines = [f"Todo list ({done}/{len(items)} completed):"]
    lines += [f"{MARKS[it.status]} {it.content}" for it in items]
    return "\n".join(lines)


def current_todos(ctx: ToolContext) -> list[TodoItem]:
    """The agent's list, as a copy."""
    return list(ctx.todos)


class TodoTool:
    name = tool_names.TODO
    description = (
        "Keep your task list for this session. Send the complete list every time (it replaces "
        "the previous one): each item has `content` and `status` (pending, in_progress, "
        "completed). Use it for multi-step work: mark one item in_progress while you work on "
        "it and completed as soon as it is done. Send an empty list to clear it."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "todos": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "content": {"type": "string"},
                        "status": {"type": "string", "enum": list(STATUSES)},
                    },
                    "required": ["content", "status"],
                },
            }
        },
        "required": ["todos"],
    }
    read_only = True

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        return RiskInput(tool=self.name, kind="other", read_only=True, detail="session task list")

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        try:
            a = check_args(self.name, args, self.input_schema)
        except ArgError as exc:
            return ToolResult.error(str(exc))
        raw: list[Any] = a["todos"]
        if len(raw) > MAX_ITEMS:
            return ToolResult.error(
                f"todo list has {len(raw)} items; keep it to {MAX_ITEMS} or fewer by merging steps."
            )
        item_schema = self.input_schema["properties"]["todos"]["items"]
        items: list[TodoItem] = []
        for n, entry in enumerate(raw, 1):
            try:
                checked = check_args(f"todo item {n}", entry, item_schema)
            except ArgError as exc:
                return ToolResult.error(f"{exc}. Nothing was changed.")
            content = checked["content"].strip()
            if not content:
                return ToolResult.error(f"todo item {n} has empty content. Nothing was changed.")
            items.append(TodoItem(content, checked["status"]))
        ctx.todos = items
        text = render_todos(items)
        active = sum(1 for it in items if it.status == "in_progress")
        if active > 1:
            text += (
                f"\n\n(note: {active} items are in_progress; finish one before starting another)"
            )
        return ToolResult(text, meta={"count": len(items), "in_progress": active})
