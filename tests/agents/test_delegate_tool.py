"""The delegate tool's argument checking, caps from config, and worker-side set-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from wakeful.agents.coordinator import Caps, DelegationError
from wakeful.agents.fork import (
    FORK_PLACEHOLDER,
    TaskSpec,
    WorkerPolicy,
    fork_messages,
    worker_context,
)
from wakeful.core.config import Config
from wakeful.core.messages import Message, ToolResultBlock, ToolUseBlock
from wakeful.core.paths import Paths
from wakeful.policy.types import Decision, RiskInput
from wakeful.tools.base import ToolContext
from wakeful.tools.delegate import parse_tasks
from wakeful.tools.todo import TodoItem

from .conftest import AllowAll


def test_parse_tasks_accepts_near_misses_and_names_the_problem() -> None:
    specs = parse_tasks(
        {"tasks": ["a", {"prompt": "b", "kind": "fresh", "tools": ["read"]}]}, TaskSpec
    )
    assert specs == [TaskSpec("a", "auto", None), TaskSpec("b", "fresh", ("read",))]
    assert parse_tasks({"tasks": {"prompt": "solo"}, "kind": "fork"}, TaskSpec)[0].kind == "fork"
    for bad, message in [
        ({}, "non-empty list"),
        ({"tasks": []}, "non-empty list"),
        ({"tasks": [{"prompt": " "}]}, "task 1 needs a non-empty `prompt`"),
        ({"tasks": ["a"], "kind": "clone"}, "`kind` must be one of"),
        ({"tasks": [{"prompt": "a", "tools": "read"}]}, "list of tool names"),
        ({"tasks": ["a"] * 33}, "at most 32"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_tasks(bad, TaskSpec)


def test_caps_come_from_config_and_typos_are_errors() -> None:
    config = Config()
    config.set("agents", "max_parallel", value=2)
    config.set("agents", "max_worker_cost", value=1)
    caps = Caps.from_config(config)
    assert caps.max_parallel == 2 and caps.max_depth == 1 and caps.max_total == 16
    assert caps.max_worker_cost == 1.0 and isinstance(caps.max_worker_cost, float)
    config.set("agents", "max_paralel", value=3)
    with pytest.raises(DelegationError, match="max_paralel"):
        Caps.from_config(config)


def test_fork_messages_answer_every_pending_call_identically() -> None:
    parent = [
        Message.user("go"),
        Message("assistant", [ToolUseBlock("a", "read", {}), ToolUseBlock("b", "delegate", {})]),
    ]
    one = fork_messages(parent, "task one")
    two = fork_messages(parent, "task two")
    assert one[:2] == parent and two[:2] == parent
    assert (
        one[2].content[:2]
        == two[2].content[:2]
        == [
            ToolResultBlock("a", FORK_PLACEHOLDER),
            ToolResultBlock("b", FORK_PLACEHOLDER),
        ]
    )
    assert one[2].text == "task one"


async def test_worker_policy_denies_without_touching_the_schemas() -> None:
    policy = WorkerPolicy(AllowAll(), {"delegate": "depth cap"}, frozenset({"read", "glob"}))
    deny = await policy.decide(RiskInput("delegate", "delegate"), None)
    assert (deny.decision, deny.reasons) == ("deny", ["depth cap"])
    outside = await policy.decide(RiskInput("bash", "shell", command="ls"), None)
    assert outside.decision == "deny" and "may only use: glob, read" in outside.reasons[0]
    inside = await policy.decide(RiskInput("read", "read", read_only=True), None)
    assert isinstance(inside, Decision) and inside.decision == "allow"


def test_worker_context_is_a_copy(tmp_path: Path) -> None:
    paths = Paths(tmp_path, tmp_path / "u", tmp_path / "u")
    parent = ToolContext(paths=paths, config=Config(), session_id="s", cwd=tmp_path)
    parent.read_stamps["/x"] = (1, 2)
    parent.todos = [TodoItem("p")]
    parent.recent_files = ["/x"]
    parent.services.coordinator = cast(Any, object())
    parent.services.memory_stage = cast(Any, object())
    parent.services.custom_agents = {"helper": cast(Any, object())}
    fork = worker_context(parent, "fork", "fork-1")
    fresh = worker_context(parent, "fresh", "fresh-1")
    assert fork.read_stamps == {"/x": (1, 2)} and fork.read_stamps is not parent.read_stamps
    assert fresh.read_stamps == {}
    assert fork.todos == [] and parent.todos
    assert fork.recent_files == ["/x"] and fresh.recent_files == []
    assert fork.services.coordinator is None and fork.worker == "fork-1"
    assert parent.worker is None and fork.services is not parent.services
    # no memory service in this session: the worker gets no stage, never its parent's
    assert fork.services.memory_stage is None
    assert fork.services.custom_agents == parent.services.custom_agents
    assert fork.services.custom_agents is not parent.services.custom_agents
    fork.recent_files.append("/y")
    assert parent.recent_files == ["/x"]


async def test_oversized_worker_results_are_cut_and_kept_on_disk(
    make_harness: Any, workspace: Path
) -> None:
    from wakeful.core.request import Request

    from .conftest import RoutedProvider

    (workspace / "huge.txt").write_text(
        "".join(f"line {i} " + "w" * 100 + "\n" for i in range(1500))
    )

    def respond(agent: str, turn: int, request: Request) -> dict[str, Any]:
        if agent == "main":
            return [
                {
                    "tool_calls": [
                        {"name": "delegate", "input": {"tasks": ["read it"], "kind": "fresh"}}
                    ]
                },
                {"text": "ok"},
            ][turn]
        if turn == 0:
            return {"tool_calls": [{"name": "read", "input": {"path": "huge.txt"}}]}
        return {"text": "read"}

    provider = RoutedProvider(respond)
    h = make_harness(provider)
    await h.agent.run("go")
    seen = [
        b.content
        for a, r in provider.requests
        if a == "fresh-1"
        for b in r.messages[-1].content
        if isinstance(b, ToolResultBlock)
    ]
    assert seen and "[... truncated:" in seen[-1]
    saved = list(h.paths.tool_results.glob("read-*.txt"))
    assert len(saved) == 1 and saved[0].stat().st_size > 150_000
