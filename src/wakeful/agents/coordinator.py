"""The coordinator: hands tasks to sub-agents in parallel, within caps, on a shared cache.

A fan-out forks workers from the parent's byte-identical prefix (see fork.py) or starts
fresh ones, runs them under a tree-wide parallelism cap, and returns one structured,
size-capped result per worker (summary, files touched, status), never a transcript.

Cache discipline: when forks share a context, the first worker's first request goes out
alone and the others start only after it returned, so the shared prefix is written to the
provider's cache once and read by everyone else (N cold parallel requests would each write
it). All requests of a fan-out carry one `prompt_cache_key` (OpenAI's routing hint).

Caps are never exceeded silently: a task beyond `max_total`, a delegate call beyond
`max_depth`, a worker or fan-out over its token or cost budget is reported in the result and
as a notice to the user.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from wakeful.agents.fork import Kind, TaskSpec, WorkerPolicy, build_worker
from wakeful.agents.mailbox import Answerer, Mailbox, Post, PostKind
from wakeful.core import tool_names
from wakeful.core.config import Config
from wakeful.core.errors import DelegationError
from wakeful.core.events import LoopEvent
from wakeful.core.messages import Message, TextBlock, ToolResultBlock
from wakeful.core.settings import AgentSettings
from wakeful.core.usage import Usage, cost_usd
from wakeful.loop.agent import Agent, Limits, describe_error
from wakeful.loop.compaction import (
    CompactionSettings,
    Compactor,
    ModelSummarizer,
    context_window,
)

STATUSES = ("ok", "error", "cancelled", "budget", "skipped")
# Tools that are not read-only but change no file in the working tree.
NOT_TREE_WRITERS = frozenset(
    {
        *tool_names.MEMORY_TOOLS,
        tool_names.MERGE_MEMORIES,
        tool_names.TODO,
        tool_names.DELEGATE,
        tool_names.POST_MESSAGE,
    }
)


_DEFAULT = AgentSettings()


@dataclass(frozen=True)
class Caps:
    """Limits on a fan-out tree. Costs are USD (0 means no limit)."""

    max_parallel: int = _DEFAULT.max_parallel
    max_depth: int = _DEFAULT.max_depth
    max_total: int = _DEFAULT.max_total
    max_worker_turns: int = _DEFAULT.max_worker_turns
    max_worker_tokens: int = _DEFAULT.max_worker_tokens
    max_fanout_tokens: int = _DEFAULT.max_fanout_tokens
    max_worker_cost: float = _DEFAULT.max_worker_cost
    max_fanout_cost: float = _DEFAULT.max_fanout_cost
    summary_chars: int = _DEFAULT.summary_chars
    fork_min_tokens: int = _DEFAULT.fork_min_tokens
    fork_max_share: float = _DEFAULT.fork_max_share
    warm_first: bool = _DEFAULT.warm_first

    @classmethod
    def from_config(cls, config: Config) -> Caps:
        section = config.get("agents") or {}
        section = {k: v for k, v in section.items() if k != "models"}  # custom agents' aliases
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(section) - known)
        if unknown:
            raise DelegationError(
                f"unknown setting(s) under [agents]: {', '.join(unknown)}; "
                f"valid: {', '.join(sorted(known))}"
            )
        typed = config.settings.agents
        caps = cls(**{name: getattr(typed, name) for name in cls.__dataclass_fields__})
        if caps.max_parallel < 1 or caps.max_total < 0 or caps.max_depth < 0:
            raise DelegationError(
                "[agents] needs max_parallel >= 1, max_total >= 0 and max_depth >= 0"
            )
        return caps


@dataclass
class WorkerResult:
    """What a worker hands back: small, structured, never its transcript."""

    name: str
    kind: str
    task: str
    status: str
    summary: str = ""
    files_touched: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    turns: int = 0
    error: str | None = None
    questions: list[str] = field(default_factory=list)
    seconds: float = 0.0
    worktree: dict[str, Any] | None = None  # {id, branch, commit, merge} when isolated

    def to_dict(self) -> dict[str, Any]:
        extra = {"worktree": self.worktree} if self.worktree is not None else {}
        return {
            **extra,
            "name": self.name,
            "kind": self.kind,
            "task": self.task[:200],
            "status": self.status,
            "summary": self.summary,
            "files_touched": self.files_touched,
            "error": self.error,
            "questions": self.questions,
            "turns": self.turns,
            "tokens": self.usage.total,
            "cache_hit_ratio": round(self.usage.cache_hit_ratio, 3),
        }


@dataclass
class FanoutReport:
    fanout: int
    results: list[WorkerResult]
    notes: list[str] = field(default_factory=list)
    prompt_cache_key: str | None = None

    @property
    def usage(self) -> Usage:
        total = Usage()
        for r in self.results:
            total = total + r.usage
        return total

    def to_dict(self) -> dict[str, Any]:
        counts = {s: sum(1 for r in self.results if r.status == s) for s in STATUSES}
        return {
            "fanout": self.fanout,
            "counts": {k: v for k, v in counts.items() if v},
            "notes": self.notes,
            "results": [r.to_dict() for r in self.results],
        }

    def to_text(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)


@dataclass
class _Handle:
    """A worker of a running fan-out."""

    name: str
    kind: Kind
    spec: TaskSpec
    agent: Agent
    task_text: str
    touched: Any
    fanout: _Fanout
    status: str = "queued"
    usage: Usage = field(default_factory=Usage)
    stop_status: str | None = None
    stop_reason: str | None = None
    task: asyncio.Task[WorkerResult] | None = None
    first_response: asyncio.Event = field(default_factory=asyncio.Event)
    started: float = 0.0
    isolation: Any = None  # fork.Isolation: the worker's own worktree
    serial: bool = False  # a writer sharing the parent's tree: waits for the others

    def stop(self, status: str, reason: str) -> bool:
        """Cancel this worker (once); its result reports `status` and `reason`."""
        if self.task is None or self.task.done() or self.stop_status is not None:
            return False
        self.stop_status, self.stop_reason = status, reason
        self.task.cancel()
        return True


@dataclass
class _Fanout:
    number: int
    handles: list[_Handle] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    halted: str | None = None
    notes: list[str] = field(default_factory=list)
    # Providers of custom agents' own models (by PROVIDER:NAME), closed when the fan-out ends.
    providers: dict[str, Any] = field(default_factory=dict)
    # Held by a writer that shares the parent's tree while it runs (see plan_writers).
    writer_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class _Tree:
    """State shared by every coordinator under one root agent."""

    def __init__(self, root: Agent, caps: Caps, mailbox: Mailbox) -> None:
        self.root = root
        self.caps = caps
        self.mailbox = mailbox
        self._slots: asyncio.Semaphore | None = None
        self._slots_loop: asyncio.AbstractEventLoop | None = None
        self.counters: dict[str, int] = {"fork": 0, "fresh": 0}
        self.fanouts = 0
        self.task_marker: int | None = None
        self.spawned_this_task = 0
        self.handles: dict[str, _Handle] = {}
        self.compaction: Callable[[Agent, int], Any] | None = None

    @property
    def slots(self) -> asyncio.Semaphore:
        """The parallelism cap, bound to the running event loop (a runtime may outlive one)."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots_loop is not loop:
            self._slots = asyncio.Semaphore(self.caps.max_parallel)
            self._slots_loop = loop
        return self._slots

    def emit(self, kind: str, data: dict[str, Any]) -> None:
        self.root.on_event(LoopEvent(kind, data))

    def notice(self, message: str) -> None:
        self.emit("notice", {"message": message})

    def running(self) -> list[_Handle]:
        return [h for h in self.handles.values() if h.status == "running"]


def _turn_marker(agent: Agent) -> int:
    """Counts the user's own turns: a new user task resets the per-task total."""
    return sum(
        1
        for m in agent.messages
        if m.role == "user"
        and any(isinstance(b, TextBlock) for b in m.content)
        and not any(isinstance(b, ToolResultBlock) for b in m.content)
    )


def estimate_tokens(messages: list[Message]) -> int:
    return sum(len(json.dumps(m.to_dict(), ensure_ascii=False)) for m in messages) // 4


class Coordinator:
    """Attached to one agent (as `ctx.services.coordinator`); workers get child coordinators
    that share the tree's caps, slots, counters and mailbox."""

    def __init__(
        self,
        agent: Agent,
        caps: Caps | None = None,
        *,
        mailbox: Mailbox | None = None,
        depth: int = 0,
        tree: _Tree | None = None,
        handle: _Handle | None = None,
    ) -> None:
        self.agent = agent
        self.depth = depth
        self.tree = tree or _Tree(agent, caps or Caps(), mailbox or Mailbox())
        self.handle = handle
        if tree is None:
            self.tree.mailbox.subscribe(self._show_post)

    @property
    def caps(self) -> Caps:
        return self.tree.caps

    @property
    def mailbox(self) -> Mailbox:
        return self.tree.mailbox

    def running(self) -> list[str]:
        return [h.name for h in self.tree.running()]

    def cancel(self, name: str, reason: str = "cancelled by the coordinator") -> bool:
        """Stop a queued or running worker; its result says `cancelled` with the reason."""
        handle = self.tree.handles.get(name)
        return handle is not None and handle.stop("cancelled", reason)

    async def post(self, kind: str, text: str) -> Post:
        """A worker's post to its coordinator (the `post_message` tool)."""
        if self.handle is None:
            raise DelegationError("only sub-agents can post to a coordinator")
        post_kind: PostKind
        if kind == "progress":
            post_kind = "progress"
        elif kind == "question":
            post_kind = "question"
        else:
            raise DelegationError(f"unknown post kind {kind!r}; use progress or question")
        return await self.mailbox.post(self.handle.name, post_kind, text)

    def choose_kind(self) -> Kind:
        """Fork when the shared context is worth sharing and leaves the worker room."""
        shared = estimate_tokens(self.agent.messages)
        window = context_window(
            self.agent.provider.name, self.agent.provider.model, self.agent.ctx.config
        )
        if self.caps.fork_min_tokens <= shared <= self.caps.fork_max_share * window:
            return "fork"
        return "fresh"

    # -- the fan-out -------------------------------------------------------------------------

    async def delegate(self, specs: list[TaskSpec]) -> FanoutReport:
        tree, caps = self.tree, self.caps
        if not specs:
            raise DelegationError("delegate needs at least one task")
        if self.depth >= caps.max_depth:
            tree.notice(
                f"agents: delegate refused at depth {self.depth} (max_depth={caps.max_depth})"
            )
            raise DelegationError(
                f"sub-agents at depth {self.depth} cannot delegate further "
                f"(max_depth={caps.max_depth}); do the work yourself or raise agents.max_depth"
            )
        marker = _turn_marker(tree.root)
        if marker != tree.task_marker:
            tree.task_marker, tree.spawned_this_task = marker, 0
        room = caps.max_total - tree.spawned_this_task
        tree.fanouts += 1
        fanout = _Fanout(tree.fanouts)
        if room <= 0:
            note = (
                f"cap reached: max_total={caps.max_total} sub-agents per task already used; "
                f"{len(specs)} task(s) not started"
            )
            tree.notice(f"agents: {note}")
            raise DelegationError(note + "; finish the remaining work yourself")
        allowed, refused = specs[:room], specs[room:]
        if refused:
            fanout.notes.append(
                f"cap reached: max_total={caps.max_total} sub-agents per task; "
                f"{len(refused)} of {len(specs)} task(s) not started"
            )
        tree.spawned_this_task += len(allowed)
        key = self.agent.prompt_cache_key or f"{self.agent.session_id}:fanout-{fanout.number}"
        auto = self.choose_kind()
        planned, serial, writer_note = self.plan_writers(allowed)
        if writer_note:
            fanout.notes.append(writer_note)
        for i, spec in enumerate(planned):
            kind: Kind = auto if spec.kind == "auto" else spec.kind
            handle = self._spawn(spec, kind, fanout, key)
            handle.serial = i in serial
            fanout.handles.append(handle)
        skipped = [
            WorkerResult("-", s.kind, s.prompt, "skipped", error=fanout.notes[0]) for s in refused
        ]
        isolated = [h for h in fanout.handles if h.isolation is not None]
        if isolated:
            fanout.notes.append(
                f"{len(isolated)} sub-agent(s) worked in a git worktree of their own: their "
                "changes are on the branch named in their result, not in your files. Review "
                "with `git diff HEAD...BRANCH`; merge with `wakeful worktrees merge ID` (or "
                "`git merge BRANCH`); drop with `wakeful worktrees discard ID`"
            )
        self._record_start(fanout, key)
        waiting = self._release_own_slot()
        try:
            results = await self._run(fanout)
        finally:
            await self._retake_own_slot(waiting)
            for provider in fanout.providers.values():
                await provider.aclose()
        report = FanoutReport(fanout.number, results + skipped, fanout.notes, key)
        for note in fanout.notes:
            tree.notice(f"agents: {note}")
        self._record_end(report)
        return report

    def may_write(self, spec: TaskSpec) -> bool:
        """Whether a worker for `spec` could change files: its allowed tools (the task's own
        list, narrowed by every enclosing worker's) include a tool that is not read-only and
        not one of the tools that only touch memory, the todo list or other agents."""
        allowed: set[str] | None = set(spec.tools) if spec.tools is not None else None
        denied: set[str] = set()
        policy: Any = self.agent.dispatcher.policy
        while policy is not None:
            if isinstance(policy, WorkerPolicy):
                denied |= set(policy.deny)
                if policy.allow_only is not None:
                    allowed = (
                        set(policy.allow_only) if allowed is None else allowed & policy.allow_only
                    )
            policy = getattr(policy, "inner", None)
        for name, tool in self.agent.dispatcher.tools.items():
            if tool.read_only or name in NOT_TREE_WRITERS or name in denied:
                continue
            if allowed is None or name in allowed:
                return True
        return False

    def plan_writers(self, specs: list[TaskSpec]) -> tuple[list[TaskSpec], set[int], str | None]:
        """Parallel writers never edit the same working tree. With more than one writing
        task, `auto` ones get a worktree each; writers left sharing the parent's tree (asked
        with `none`, or no worktree can be made) run one at a time. Returns the specs with
        `auto` resolved, the indexes of the writers that must run one at a time, and a note
        for the result when the plan differs from what was asked."""
        writers = [i for i, s in enumerate(specs) if self.may_write(s)]
        resolved = [replace(s, isolation="none") if s.isolation == "auto" else s for s in specs]
        if len(writers) < 2:
            return resolved, set(), None
        auto = [i for i in writers if specs[i].isolation == "auto"]
        note = None
        if auto:
            why = self._no_worktree()
            if why is None:
                for i in auto:
                    resolved[i] = replace(specs[i], isolation="worktree")
            else:
                note = (
                    f"{len(writers)} sub-agents may write, and no worktree can be made for "
                    f"them ({why}): they ran one at a time in your tree"
                )
        shared = {i for i in writers if resolved[i].isolation == "none"}
        if len(shared) < 2:
            return resolved, set(), note
        if note is None:
            note = f"{len(shared)} writing sub-agents share your tree: they ran one at a time"
        return resolved, shared, note

    def _no_worktree(self) -> str | None:
        source = self.agent.ctx.services.worktrees
        if source is None:
            return "worktrees are not available in this session"
        why: str | None = source.manager().unavailable()
        return why

    def _spawn(self, spec: TaskSpec, kind: Kind, fanout: _Fanout, key: str) -> _Handle:
        tree, caps = self.tree, self.caps
        tree.counters[kind] += 1
        name = f"{kind}-{tree.counters[kind]}"
        deny: dict[str, str] = {}
        if self.depth + 1 >= caps.max_depth:
            deny[tool_names.DELEGATE] = (
                f"sub-agents at depth {self.depth + 1} cannot delegate (max_depth={caps.max_depth})"
            )
        limits = Limits(
            max_turns=caps.max_worker_turns,
            max_tokens=self.agent.limits.max_tokens,
            max_session_tokens=self.agent.limits.max_session_tokens,
            max_wall_seconds=self.agent.limits.max_wall_seconds,
        )
        holder: dict[str, _Handle] = {}
        setup = build_worker(
            self.agent,
            name=name,
            kind=kind,
            spec=spec,
            deny=deny,
            limits=limits,
            summary_chars=caps.summary_chars,
            on_event=lambda event: self._worker_event(holder["h"], event),
            prompt_cache_key=key,
            compactor_factory=tree.compaction,
            provider=self._provider_for(spec, fanout),
        )
        handle = _Handle(name, kind, spec, setup.agent, setup.task_text, setup.touched, fanout)
        handle.isolation = setup.isolation
        holder["h"] = handle
        setup.agent.ctx.services.coordinator = Coordinator(
            setup.agent, depth=self.depth + 1, tree=tree, handle=handle
        )
        tree.handles[name] = handle
        if setup.agent.transcript is not None:
            setup.agent.transcript.append(
                {
                    "type": "fork" if kind == "fork" else "spawn",
                    "agent": name,
                    "parent": self.agent.name,
                    "kind": kind,
                    "fanout": fanout.number,
                    "at_message": setup.fork_point,
                    "task": spec.prompt,
                    "time": time.time(),
                }
            )
        return handle

    def _provider_for(self, spec: TaskSpec, fanout: _Fanout) -> Any:
        """The provider a custom agent's `model` asks for, or None for the parent's; a model
        that cannot be used is a note (shown to the user and in the result) instead."""
        if spec.agent is None:
            return None
        from wakeful.core.errors import WakefulError
        from wakeful.extensions.agents import agent_model
        from wakeful.providers.registry import resolve_provider

        parent = self.agent
        config = parent.ctx.config
        session = (parent.provider.name, parent.provider.model)
        choice = agent_model(spec.agent, config, session, parent.ctx.paths.workspace)
        if choice.notice and choice.notice not in fanout.notes:
            fanout.notes.append(choice.notice)
        if choice.spec is None:
            return None
        if choice.spec not in fanout.providers:
            try:
                fanout.providers[choice.spec] = resolve_provider(choice.spec, config)
            except WakefulError as exc:
                note = (
                    f"custom agent {spec.agent.name!r}: model {choice.spec} is not available "
                    f"({exc}); it runs on the session's model"
                )
                if note not in fanout.notes:
                    fanout.notes.append(note)
                return None
        return fanout.providers[choice.spec]

    async def _run(self, fanout: _Fanout) -> list[WorkerResult]:
        handles = fanout.handles
        tasks: list[asyncio.Task[WorkerResult]] = []
        try:
            # The leader is a fork when there is one: its first request writes the prefix.
            first = next((h for h in handles if h.kind == "fork"), handles[0])
            rest = [h for h in handles if h is not first]
            first.task = asyncio.create_task(self._run_worker(first), name=first.name)
            tasks.append(first.task)
            warm = (
                self.caps.warm_first
                and first.kind == "fork"
                and any(h.kind == "fork" for h in rest)
            )
            if warm:
                # Write the shared prefix once: the others start after this request returned.
                await first.first_response.wait()
            for h in rest:
                if fanout.halted:
                    break
                h.task = asyncio.create_task(self._run_worker(h), name=h.name)
                tasks.append(h.task)
            # asyncio.wait, not gather: a cancelled gather would cancel the workers itself,
            # before they are told why.
            await asyncio.wait(tasks)
        except asyncio.CancelledError:
            for h in handles:
                h.stop("cancelled", "the parent agent was interrupted")
            if tasks:
                await asyncio.wait(tasks)
            raise
        results = []
        for h in handles:
            if h.task is None:
                results.append(
                    WorkerResult(
                        h.name,
                        h.kind,
                        h.spec.prompt,
                        "skipped",
                        error=fanout.halted or "not started",
                    )
                )
                self.tree.handles.pop(h.name, None)
                continue
            self.tree.handles.pop(h.name, None)
            if h.task.cancelled():  # cancelled before its coroutine ever ran
                status = h.stop_status or "cancelled"
                results.append(
                    WorkerResult(h.name, h.kind, h.spec.prompt, status, error=h.stop_reason)
                )
                continue
            exc = h.task.exception()
            if exc is not None:
                results.append(
                    WorkerResult(h.name, h.kind, h.spec.prompt, "error", error=describe_error(exc))
                )
            else:
                results.append(h.task.result())
        return results

    async def _run_worker(self, h: _Handle) -> WorkerResult:
        tree = self.tree
        out: WorkerResult | None = None
        turn: contextlib.AbstractAsyncContextManager[Any] = (
            h.fanout.writer_lock if h.serial else contextlib.nullcontext()
        )
        try:
            # A writer sharing the tree waits for its turn before it takes a slot.
            async with turn, tree.slots:
                if h.stop_status is not None:
                    raise asyncio.CancelledError
                h.status, h.started = "running", time.monotonic()
                self._show_status(h.fanout)
                result = await h.agent.run(h.task_text)
            status = "ok"
            error = None
            if result.is_error:
                status = "budget" if "budget" in (result.error or "") else "error"
                error = result.error
            out = self._result(h, status, result.text, error, result.turns)
        except asyncio.CancelledError:
            if h.stop_status is None:  # not ours: the whole fan-out is being torn down
                h.stop_status, h.stop_reason = "cancelled", "the parent agent was interrupted"
                raise
            out = self._result(
                h, h.stop_status, _last_text(h.agent), h.stop_reason, h.agent.requests
            )
        except Exception as exc:  # a crashing worker reports, the others carry on
            out = self._result(
                h, "error", _last_text(h.agent), describe_error(exc), h.agent.requests
            )
        finally:
            h.first_response.set()
            if h.isolation is not None:
                out = await asyncio.shield(self._finish_isolation(h, out))
            h.status = out.status if out is not None else (h.stop_status or "cancelled")
            tree.handles.pop(h.name, None)
            if out is not None:
                self._show_status(h.fanout, finished=out)
        assert out is not None  # every path that leaves `out` unset raised above
        return out

    async def _finish_isolation(self, h: _Handle, out: WorkerResult | None) -> WorkerResult | None:
        """Commit an isolated worker's changes to its branch, named in its result."""
        from wakeful.core.errors import WakefulError

        try:
            info = await asyncio.to_thread(
                h.isolation.finish, f"sub-agent {h.name}: {h.spec.prompt.strip()[:60]}"
            )
        except WakefulError as exc:
            info = {"id": h.isolation.worktree.id, "branch": h.isolation.worktree.branch}
            info["error"] = str(exc)
        info["merge"] = f"wakeful worktrees merge {h.isolation.worktree.id}"
        if out is not None:
            out.worktree = info
        return out

    def _result(
        self, h: _Handle, status: str, text: str, error: str | None, turns: int
    ) -> WorkerResult:
        cap = self.caps.summary_chars
        summary = text.strip()
        if len(summary) > cap:
            summary = summary[: cap - 40].rstrip() + f" [... cut at {cap} characters]"
        questions = [p.text for p in self.mailbox.of(h.name, "question")]
        return WorkerResult(
            h.name,
            h.kind,
            h.spec.prompt,
            status,
            summary,
            list(h.touched.paths),
            h.agent.usage,
            turns,
            error,
            questions,
            time.monotonic() - h.started if h.started else 0.0,
        )

    # -- budgets and visibility ----------------------------------------------------------------

    def _worker_event(self, h: _Handle, event: LoopEvent) -> None:
        if event.kind == "usage":
            usage = Usage.from_dict(event.data.get("usage"))
            h.usage = h.usage + usage
            h.first_response.set()
            self._check_budgets(h, usage)
        elif event.kind in {"notice", "error"}:
            message = str(event.data.get("message", ""))
            self.tree.emit(event.kind, {**event.data, "message": f"[{h.name}] {message}"})

    def _check_budgets(self, h: _Handle, usage: Usage) -> None:
        caps, fanout = self.caps, h.fanout
        provider = h.agent.provider
        fanout.usage = fanout.usage + usage
        fanout.cost += cost_usd(provider.name, provider.model, usage)
        worker_cost = cost_usd(provider.name, provider.model, h.usage)
        if h.usage.total >= caps.max_worker_tokens:
            reason = f"worker token budget reached ({h.usage.total} >= max_worker_tokens={caps.max_worker_tokens})"
            if h.stop("budget", reason):
                fanout.notes.append(f"{h.name}: {reason}")
        elif caps.max_worker_cost and worker_cost >= caps.max_worker_cost:
            reason = f"worker cost budget reached (${worker_cost:.4f} >= max_worker_cost=${caps.max_worker_cost})"
            if h.stop("budget", reason):
                fanout.notes.append(f"{h.name}: {reason}")
        over = None
        if fanout.usage.total >= caps.max_fanout_tokens:
            over = f"fan-out token budget reached ({fanout.usage.total} >= max_fanout_tokens={caps.max_fanout_tokens})"
        elif caps.max_fanout_cost and fanout.cost >= caps.max_fanout_cost:
            over = f"fan-out cost budget reached (${fanout.cost:.4f} >= max_fanout_cost=${caps.max_fanout_cost})"
        if over and not fanout.halted:
            fanout.halted = over
            fanout.notes.append(over)
            for other in fanout.handles:
                other.stop("budget", over)

    def _show_status(self, fanout: _Fanout, finished: WorkerResult | None = None) -> None:
        counts = {"running": 0, "queued": 0, "done": 0}
        for h in fanout.handles:
            if h.status == "running":
                counts["running"] += 1
            elif h.status == "queued":
                counts["queued"] += 1
            else:
                counts["done"] += 1
        data = {
            "fanout": fanout.number,
            **counts,
            "total": len(fanout.handles),
            "max_parallel": self.caps.max_parallel,
            "running_tree": len(self.tree.running()),
        }
        self.tree.emit("agents", data)
        if finished is not None:
            detail = f": {finished.error}" if finished.error else ""
            self.tree.notice(
                f"agents: {finished.name} {finished.status}{detail} "
                f"({counts['running']} running, {counts['queued']} queued, "
                f"{counts['done']}/{len(fanout.handles)} done)"
            )

    def _show_post(self, post: Post) -> None:
        self.tree.emit("agent_post", post.to_dict())
        self.tree.notice(f"agents: [{post.worker}] {post.kind}: {post.text}")

    def _record_start(self, fanout: _Fanout, key: str) -> None:
        kinds = [h.kind for h in fanout.handles]
        self.tree.notice(
            f"agents: fan-out {fanout.number}: {len(kinds)} sub-agent(s) "
            f"({kinds.count('fork')} fork, {kinds.count('fresh')} fresh), "
            f"at most {self.caps.max_parallel} at a time"
            + (f"; {fanout.notes[0]}" if fanout.notes else "")
        )
        transcript = self.agent.transcript
        if transcript is not None:
            transcript.append(
                {
                    "type": "fanout",
                    "agent": self.agent.name,
                    "fanout": fanout.number,
                    "prompt_cache_key": key,
                    "workers": [
                        {"name": h.name, "kind": h.kind, "task": h.spec.prompt}
                        for h in fanout.handles
                    ],
                    "notes": list(fanout.notes),
                    "time": time.time(),
                }
            )

    def _record_end(self, report: FanoutReport) -> None:
        transcript = self.agent.transcript
        if transcript is not None:
            transcript.append(
                {
                    "type": "fanout_end",
                    "agent": self.agent.name,
                    "time": time.time(),
                    **report.to_dict(),
                }
            )

    # -- nested fan-outs -----------------------------------------------------------------------

    def _release_own_slot(self) -> bool:
        """A worker waiting on its own sub-agents gives its slot back (no deadlock)."""
        if self.handle is not None and self.handle.status == "running":
            self.tree.slots.release()
            return True
        return False

    async def _retake_own_slot(self, released: bool) -> None:
        if released:
            await self.tree.slots.acquire()


def _last_text(agent: Agent) -> str:
    for m in reversed(agent.messages):
        if m.role == "assistant" and m.text.strip():
            return m.text
    return ""


def make_compactor(agent: Agent, config: Config, protect: int = 0) -> Compactor:
    window = context_window(agent.provider.name, agent.provider.model, config)
    prefix_chars = sum(len(s.text) for s in agent.prefix.segments) + sum(
        len(json.dumps(t.input_schema)) + len(t.description) for t in agent.prefix.tools
    )
    prefix_tokens = int(prefix_chars / 3.5)
    # A provider that shows the model less than the full schemas (the local one) says how big
    # its fixed prompt really is; sizing it from the schemas compacts far too early.
    sizer = getattr(agent.provider, "prefix_tokens", None)
    if callable(sizer):
        prefix_tokens = int(sizer(list(agent.prefix.segments), list(agent.prefix.tools)))
    summarizer = ModelSummarizer(
        agent.provider,
        agent.prefix,
        ledger=agent.ledger,
        session_id=agent.session_id,
        agent=agent.name,
    )
    return Compactor(
        CompactionSettings.from_config(window, config),
        prefix_tokens=prefix_tokens,
        protect=protect,
        summarizer=summarizer,
    )


def attach(
    agent: Agent, config: Config, *, answerer: Answerer | None = None, compaction: bool = True
) -> Coordinator:
    """Give `agent` a coordinator (for the delegate tool) and, unless it has one, a compactor.

    Workers get their own compactor that protects the context they inherited."""
    coordinator = Coordinator(agent, Caps.from_config(config), mailbox=Mailbox(answerer))
    agent.ctx.services.coordinator = coordinator
    enabled = compaction and config.settings.compaction.enabled
    if enabled:
        if agent.compactor is None:
            agent.compactor = make_compactor(agent, config)
        coordinator.tree.compaction = lambda worker, protect: make_compactor(
            worker, config, protect
        )
    return coordinator
