"""Strict write discipline, secret refusal, and the remember/recall/forget tools.

The dispatcher tests drive the real loop dispatcher with the real edit and memory tools;
only the policy is a stand-in that allows everything (the policy layer is tested on its own).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.events import ToolCall
from wakeful.core.paths import Paths
from wakeful.memory import MemoryRefused, MemoryService
from wakeful.memory.secret_scan import find_secrets
from wakeful.memory.types import MemoryDraft
from wakeful.policy.types import Decision
from wakeful.tools.base import ToolContext
from wakeful.tools.memory_tools import memory_tools

SECRETS = [
    "the key is sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "OPENAI key sk-proj-abcDEF1234567890ghiJKL0987",
    "aws AKIAIOSFODNN7EXAMPLE in the ci config",
    "token ghp_abcdefghijklmnopqrstuvwxyz0123456789AB works",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
    "set api_key=Zx9Qw3Er7Ty1Ui5Op8As2Df6 in prod",
    'password: "hunter2Hunter2Hunter2x9"',
    "slack xoxb-1234567890-abcdefghij",
]
BENIGN = [
    "the token bucket refills every second",
    "password fields are validated in forms.py",
    "commit 3f9a2c1d4e5b6a7980f1e2d3c4b5a6978f0e1d2c fixed the cache",
    "api_key is read from the ANTHROPIC_API_KEY environment variable",
    "sk- prefixes mark secret keys; never log them",
]


@pytest.mark.parametrize("text", SECRETS)
def test_secrets_are_detected(text: str) -> None:
    assert find_secrets(text)


@pytest.mark.parametrize("text", BENIGN)
def test_ordinary_text_is_not_a_secret(text: str) -> None:
    assert find_secrets(text) == []


def test_service_refuses_secrets_with_a_clear_message(service: MemoryService) -> None:
    with pytest.raises(MemoryRefused, match="looks like an AWS access key id"):
        service.add("deploy with AKIAIOSFODNN7EXAMPLE")
    assert service.list() == []


# -- staging -------------------------------------------------------------------------------


def test_stage_commits_only_when_the_step_succeeded(service: MemoryService) -> None:
    stage = service.stage("s1")
    stage.add(MemoryDraft(text="PORT moved to 9090", anchor_specs=["settings.py:3"]))
    assert service.list() == []  # staged, not written
    assert stage.settle([("edit", True), ("read", False)]) == []
    assert service.list() == []
    assert len(stage.dropped) == 1

    mid = stage.add(MemoryDraft(text="PORT is 8080", anchor_specs=["settings.py:3"]))
    assert stage.settle([("edit", False)]) == [mid]
    (stored,) = service.list()
    assert stored.id == mid and stored.source_session == "s1"
    assert stored.anchors[0].path == "settings.py"


def test_a_remember_alone_in_a_later_message_commits(service: MemoryService) -> None:
    stage = service.stage("s1")
    mid = stage.add(MemoryDraft(text="tests use pytest"))
    assert stage.settle([]) == [mid]


def test_discard_drops_everything(service: MemoryService) -> None:
    stage = service.stage("s1")
    stage.add(MemoryDraft(text="something"))
    stage.discard()
    assert stage.settle([]) == []
    assert service.list() == []


def test_staging_refuses_bad_memories_at_once(service: MemoryService) -> None:
    stage = service.stage("s1")
    with pytest.raises(MemoryRefused):
        stage.add(MemoryDraft(text="token=ghp_abcdefghijklmnopqrstuvwxyz0123456789"))
    with pytest.raises(Exception, match="no such file"):
        stage.add(MemoryDraft(text="x", anchor_specs=["nope.py:1"]))
    assert stage.pending == []


# -- tools through the real dispatcher -----------------------------------------------------


class AllowAll:
    async def decide(self, risk, ctx) -> Decision:
        return Decision(tier="read_only", decision="allow", reasons=["test"])


def make_ctx(paths: Paths, service: MemoryService) -> ToolContext:
    ctx = ToolContext(paths=paths, config=Config(), session_id="sess-1")
    ctx.services.memory = service
    ctx.services.memory_stage = service.stage("sess-1")
    return ctx


def dispatcher(ctx: ToolContext):
    from wakeful.loop.dispatch import Dispatcher
    from wakeful.tools.registry import default_tools

    return Dispatcher([*default_tools(), *memory_tools()], AllowAll(), ctx)


async def test_memory_about_a_failed_edit_is_never_written(
    paths: Paths, service: MemoryService, workspace: Path
) -> None:
    ctx = make_ctx(paths, service)
    d = dispatcher(ctx)
    path = str(workspace / "settings.py")
    await d.run([ToolCall("c1", "read", {"path": path})], [])
    blocks = await d.run(
        [
            ToolCall(
                "c2",
                "edit",
                {"path": path, "old_string": "PORT = 7070", "new_string": "PORT = 9090"},
            ),
            ToolCall("c3", "remember", {"text": "The server listens on port 9090"}),
        ],
        [],
    )
    assert blocks[0].is_error  # the edit failed: old_string not found
    assert not blocks[1].is_error  # remember itself only staged
    assert service.list() == []
    assert (
        "9090" not in (service.paths.memory_dir / "MEMORY.md").read_text()
        if (service.paths.memory_dir / "MEMORY.md").exists()
        else True
    )


async def test_memory_about_a_successful_edit_is_written_and_auto_anchored(
    paths: Paths, service: MemoryService, workspace: Path
) -> None:
    ctx = make_ctx(paths, service)
    d = dispatcher(ctx)
    path = str(workspace / "settings.py")
    await d.run([ToolCall("c1", "read", {"path": path})], [])
    blocks = await d.run(
        [
            ToolCall(
                "c2",
                "edit",
                {"path": path, "old_string": "PORT = 8080", "new_string": "PORT = 9090"},
            ),
            ToolCall("c3", "remember", {"text": "The server listens on PORT 9090"}),
        ],
        [],
    )
    assert not any(b.is_error for b in blocks), [b.content for b in blocks]
    (stored,) = service.list()
    assert stored.text == "The server listens on PORT 9090"
    (anchor,) = stored.anchors
    assert (anchor.path, anchor.start_line, anchor.end_line) == ("settings.py", 3, 3)

    recall = await d.run([ToolCall("c4", "recall", {"query": "which port"})], [])
    assert "[fresh, just now] The server listens on PORT 9090" in recall[0].content
    (workspace / "settings.py").write_text(
        (workspace / "settings.py").read_text().replace("PORT = 9090", "PORT = 1234")
    )
    recall = await d.run([ToolCall("c5", "recall", {"query": "which port"})], [])
    assert "[drifted, just now]" in recall[0].content
    assert "settings.py:3 changed since" in recall[0].content

    forget = await d.run([ToolCall("c6", "forget", {"id": stored.id})], [])
    assert not forget[0].is_error
    assert service.list() == []


async def test_remember_anchors_explicitly_and_declares_memory_risk(
    paths: Paths, service: MemoryService, workspace: Path
) -> None:
    ctx = make_ctx(paths, service)
    remember, recall, forget = memory_tools()
    risk = remember.risk({"text": "x", "anchors": ["util.js:1-3"]}, ctx)
    assert risk.kind == "memory" and risk.paths == (str(workspace / "util.js"),)
    assert recall.risk({"query": "x"}, ctx).read_only is True
    assert forget.risk({"id": "m1"}, ctx).kind == "memory"
    result = await remember.run({"text": "add sums numbers", "anchors": ["util.js:1-3"]}, ctx)
    assert not result.is_error
    stage = ctx.services.memory_stage
    assert stage is not None and stage.settle([]) == [result.meta["memory_id"]]
    stored = service.get(result.meta["memory_id"])
    assert stored.anchors[0].symbol == "add"


async def test_tools_report_errors_as_results(paths: Paths, service: MemoryService) -> None:
    ctx = make_ctx(paths, service)
    remember, _recall, forget = memory_tools()
    bad = await remember.run({"text": "key AKIAIOSFODNN7EXAMPLE"}, ctx)
    assert bad.is_error and "refusing" in bad.content
    missing = await forget.run({"id": "mdoesnotexist"}, ctx)
    assert missing.is_error and "no memory" in missing.content
    no_service = ToolContext(paths=paths, config=Config())
    res = await remember.run({"text": "x"}, no_service)
    assert res.is_error and "not available" in res.content
