"""Assemble a ready-to-run main agent from configuration.

The CLI, the daemon's child runs and the benchmarks all start agents the same way: resolve
the provider, open memory and freeze its snapshot, build the byte-stable prefix, load the
policy, open or resume the transcript. Resuming reuses the frozen snapshot recorded in the
transcript, so a resumed session sends the same prefix bytes and keeps its cache.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wakeful import __version__
from wakeful.agents.coordinator import attach
from wakeful.checkpoints import CheckpointStore, RunRecorder
from wakeful.checkpoints.store import Settings as CheckpointSettings
from wakeful.checkpoints.worktrees import WorktreeSource
from wakeful.core.config import Config
from wakeful.core.errors import WakefulError
from wakeful.core.events import LoopEvent
from wakeful.core.messages import Message
from wakeful.core.paths import Paths
from wakeful.core.prune import prune_folder
from wakeful.loop.agent import Agent, Limits, TurnResult
from wakeful.loop.dispatch import Approver, Dispatcher
from wakeful.loop.session import SessionStore, Transcript, replay, replay_user_words
from wakeful.policy.sandbox import Sandbox, sandbox_wanted
from wakeful.prompt.ledger import CacheLedger
from wakeful.prompt.ledger_pg import open_ledger
from wakeful.prompt.prefix import build_prefix
from wakeful.prompt.system import core_prompt, project_instructions, workspace_note
from wakeful.providers.base import Provider
from wakeful.providers.registry import resolve_provider
from wakeful.tools.base import Tool, ToolContext, schema_of


@dataclass
class RunOptions:
    model: str | None = None
    permission_mode: str | None = None
    interactive: bool = False
    resume: str | None = None
    continue_last: bool = False
    sandbox: bool | None = None
    max_turns: int | None = None
    # Work in a worktree of its own (`wakeful/<id>` under .wakeful/worktrees/), not the
    # user's files; `job` names the daemon job that asked for it.
    worktree: bool = False
    run_label: str | None = None
    job: str | None = None


@dataclass
class Runtime:
    paths: Paths
    config: Config
    provider: Provider
    agent: Agent
    transcript: Transcript
    ledger: CacheLedger
    policy: Any
    memory: Any = None
    notices: list[str] = field(default_factory=list)
    dream_on_close: bool = True
    checkpoints: RunRecorder | None = None
    turns: int = 0
    extensions: Any = None
    worktree: Any = None  # checkpoints.worktrees.Worktree when the run is isolated
    worktrees: Any = None  # its WorktreeManager

    def expand(self, text: str, builtins: frozenset[str] = frozenset()) -> str:
        """`/name args` expanded from the workspace's slash commands; other text as is."""
        return self.extensions.expand(text, builtins) if self.extensions is not None else text

    @property
    def session_id(self) -> str:
        return self.transcript.session_id

    async def run_turn(self, text: str, label: str | None = None) -> TurnResult:
        """One run of the main agent (a user turn, or a whole headless prompt). Its files
        are checkpointed before its first change and again when it ends, cancelled or not."""
        self.turns += 1
        recorder = self.checkpoints
        if recorder is not None:
            recorder.begin_run(label or f"{self.session_id[:8]} turn {self.turns}")
        try:
            return await self.agent.run(text)
        finally:
            if recorder is not None:
                await asyncio.shield(asyncio.to_thread(self._close_checkpoint, recorder))
            if self.worktree is not None:
                what = label or f"session {self.session_id} turn {self.turns}"
                await asyncio.shield(asyncio.to_thread(self._commit_worktree, what))

    def _commit_worktree(self, what: str) -> str | None:
        """Commit the run's changes to the worktree's branch (nothing is lost if the
        directory is removed later)."""
        from wakeful.checkpoints.worktrees import WorktreeError

        try:
            sha = self.worktrees.commit(self.worktree, f"wakeful: {what}")
        except WorktreeError as exc:
            self.transcript.append({"type": "worktree_error", "message": str(exc)})
            self.notices.append(str(exc))
            return None
        if sha:
            self.transcript.append(
                {"type": "worktree_commit", "id": self.worktree.id, "commit": sha}
            )
        return sha

    def _close_checkpoint(self, recorder: RunRecorder) -> None:
        try:
            cp = recorder.finish_run()
        except WakefulError as exc:
            recorder.error = str(exc)
            self.transcript.append({"type": "checkpoint_error", "message": str(exc)})
            return
        if cp is not None:
            self.transcript.append(
                {"type": "checkpoint", "id": cp.id, "changed": cp.changed_count, "turn": self.turns}
            )

    async def close(self) -> None:
        if self.checkpoints is not None and self.checkpoints.current is not None:
            # A caller that ran the agent directly (not through run_turn) still gets its
            # checkpoint closed, with what changed recorded.
            await asyncio.to_thread(self._close_checkpoint, self.checkpoints)
        if self.worktree is not None:
            await asyncio.to_thread(self._commit_worktree, f"session {self.session_id}")
            self.worktrees.release(self.worktree)
        if self.checkpoints is not None:
            self.checkpoints.store.close()
        if self.extensions is not None:
            try:
                await self.extensions.session_end("exit")
            finally:
                self.extensions.close()
        self.ledger.close()
        if self.memory is not None:
            self.memory.close()
        await self.provider.aclose()
        if self.dream_on_close:
            self._maybe_dream()

    def _maybe_dream(self) -> None:
        """Start a background dream if its gates pass; closing never fails because of it."""
        try:
            from wakeful.memory.dream import maybe_dream_in_background

            maybe_dream_in_background(self.paths, self.config)
        except Exception:
            pass


def build_tools(config: Config) -> list[Tool]:
    from wakeful.tools.delegate import delegate_tools
    from wakeful.tools.memory_tools import memory_tools
    from wakeful.tools.registry import default_tools

    return [*default_tools(), *memory_tools(), *delegate_tools(config)]


def open_runtime(
    paths: Paths,
    config: Config,
    options: RunOptions,
    approver: Approver | None = None,
    on_event: Callable[[LoopEvent], None] | None = None,
    answerer: Any = None,
) -> Runtime:
    from wakeful.memory import MemoryService
    from wakeful.policy.decision import Policy

    paths.ensure()
    prune_folder(paths.tool_results)  # full outputs of earlier sessions, bounded
    mode = options.permission_mode or config.permission_mode
    provider = resolve_provider(options.model, config)
    worktree = worktrees = None
    if options.worktree:
        # The run's workspace becomes a worktree of its own; sessions, memory, jobs and
        # config stay the checkout's (paths.project), so `wakeful sessions` sees this run.
        from wakeful.checkpoints.worktrees import WorktreeManager

        worktrees = WorktreeManager.for_paths(paths, config)
        worktree = worktrees.create(
            options.run_label or ("daemon job " + options.job if options.job else "run"),
            kind="daemon" if options.job else "run",
            job=options.job,
        )
        paths = paths.in_worktree(worktree.path)
        paths.ensure()
    store = SessionStore(paths.sessions)
    memory = MemoryService.open(paths, config)

    messages: list[Message] = []
    user_words: list[str] = []
    damaged: str | None = None
    if options.resume or options.continue_last:
        if options.resume:
            transcript = store.open(options.resume)
        else:
            latest = store.latest()
            if latest is None:
                from wakeful.core.errors import UsageError

                raise UsageError(
                    "no session to continue in this workspace; start one without --continue"
                )
            transcript = Transcript(latest.path, latest.id)
        read = transcript.read()
        meta, messages = replay(read.records)
        user_words = replay_user_words(read.records)
        damaged = read.notice(transcript.session_id)
        snapshot = str(meta.get("memory_snapshot", ""))
        transcript.append({"type": "resume", "model": provider.model})
    else:
        snapshot = memory.index_snapshot()
        transcript = Transcript.create(
            paths.sessions,
            {
                "version": __version__,
                "provider": provider.name,
                "model": provider.model,
                "permission_mode": mode,
                "workspace": str(paths.workspace),
                "memory_snapshot": snapshot,
            },
        )

    reviewer = None
    settings = config.settings
    reviewer_spec = settings.reviewer.model
    if reviewer_spec and mode == "auto":
        reviewer = resolve_provider(reviewer_spec, config)
    policy = Policy.from_config(
        paths, config, mode=mode, interactive=options.interactive, reviewer=reviewer
    )
    if worktree is not None and worktrees is not None:
        worktree = worktrees.update(
            worktree,
            session=transcript.session_id,
            run=options.run_label or f"run of session {transcript.session_id}",
        )
        transcript.append(
            {
                "type": "worktree",
                "id": worktree.id,
                "branch": worktree.branch,
                "path": worktree.path,
            }
        )
    ctx = ToolContext(
        paths=paths, config=config, session_id=transcript.session_id, cwd=paths.workspace
    )
    ctx.services.worktrees = WorktreeSource(paths, config)
    ctx.services.memory = memory
    ctx.services.memory_stage = memory.stage(transcript.session_id)
    recorder = None
    checkpoint_settings = CheckpointSettings.from_config(config)
    if checkpoint_settings.enabled:
        checkpoint_store = CheckpointStore(
            paths.workspace, paths.checkpoints, checkpoint_settings, watch=True
        )
        recorder = RunRecorder(checkpoint_store, transcript.session_id)
        ctx.services.checkpoints = recorder
    notices: list[str] = [*config.notices, *policy.notices]
    if worktree is not None:
        notices.append(
            f"working in worktree {worktree.id} on branch {worktree.branch}, not in your files"
            + (" (it starts from your uncommitted changes)" if worktree.carried_changes else "")
        )
    if damaged:
        notices.append(damaged)
    notices += memory.take_notices()
    # Auto mode sandboxes commands by default when bubblewrap works; `sandbox = false` in the
    # user's own config (never an untrusted project's) or --no-sandbox turns that off.
    if sandbox_wanted(paths, config, mode, options.sandbox):
        sandbox = Sandbox.from_config(paths, config, enabled=True)
        if sandbox.notice:
            notices.append(sandbox.notice)
        ctx.services.sandbox = sandbox
        policy.sandboxed = sandbox.active

    # Extensions last: they may start MCP server processes (closed by Runtime.close).
    from wakeful.extensions.session import HookedCompactor, load_extensions

    def notice(message: str) -> None:
        if on_event is not None:
            on_event(LoopEvent("notice", {"message": message}))

    extensions = load_extensions(
        paths, config, session_id=transcript.session_id, transcript_path=str(transcript.path)
    )
    extensions.on_notice = notice
    extensions.source = "resume" if (options.resume or options.continue_last) else "startup"
    tools = [*build_tools(config), *extensions.tools]
    ctx.services.custom_agents = extensions.agents
    notices += extensions.notices
    prefix = build_prefix(
        [schema_of(t) for t in tools],
        core_prompt(),
        "\n\n".join(
            p
            for p in (
                workspace_note(paths.workspace),
                project_instructions(paths.workspace),
                extensions.prefix_text(),
            )
            if p
        ),
        snapshot,
    )
    ledger = open_ledger(paths, config)
    limits = Limits(
        max_turns=options.max_turns or settings.max_turns,
        max_tokens=settings.max_tokens,
        max_session_tokens=settings.max_session_tokens,
        max_wall_seconds=settings.max_wall_seconds,
    )
    dispatcher = Dispatcher(
        tools, policy, ctx, approver=approver, on_event=on_event, gate=extensions.gate(policy)
    )
    recall_limit = settings.memory.recall_limit

    def recall(query: str) -> str:
        return memory.render_hints(memory.recall(query, limit=recall_limit))

    agent = Agent(
        provider=provider,
        prefix=prefix,
        dispatcher=dispatcher,
        ctx=ctx,
        transcript=transcript,
        ledger=ledger,
        messages=messages,
        limits=limits,
        on_event=on_event,
        recall=recall,
        user_words=user_words,
        turn_hooks=extensions,
        # A provider that asks for it (the embedded model) gets the files a task names read
        # before its first reply.
        preread=bool(getattr(provider, "reads_named_files", False)),
        # ... and what a task visibly left undone checked before an answer ends it.
        task_checks=bool(getattr(provider, "checks_tasks", False)),
        # One key for the session and its fan-outs: OpenAI's cache routing hint, and how a
        # provider with several servers keeps a conversation and its forks on one of them.
        prompt_cache_key=transcript.session_id,
    )
    attach(agent, config, answerer=answerer)
    hooks = extensions.hooks
    if agent.compactor is not None and hooks is not None and hooks.has("PreCompact"):
        agent.compactor = HookedCompactor(agent.compactor, extensions)
    return Runtime(
        paths,
        config,
        provider,
        agent,
        transcript,
        ledger,
        policy,
        memory,
        notices,
        checkpoints=recorder,
        extensions=extensions,
        worktree=worktree,
        worktrees=worktrees,
    )
