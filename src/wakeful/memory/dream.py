"""Dreaming: a gated, locked, resumable pass that keeps memory small, current and honest.

A dream orients (reads the index, counts, verifies every memory), gathers (signals from
transcripts since the watermark), consolidates (deterministic merges, contradictions and
date fixes, then an optional restricted model for what rules cannot decide) and prunes
(orphans archived, long-drifted memories flagged, MEMORY.md rewritten within its caps with
the least-used entries demoted to topic files).

It is cheap to ask whether to dream: the gates read a few meta keys and stat the session
files, and with nothing new since the watermark (no memory write, no transcript growth) a
dream stops before opening anything else and makes no model call. Every store change is
its own transaction and everything retired is logged to the archive first, so a crash at
any point leaves a consistent store; the run marker left behind makes the next dream skip
the time and session gates and finish the job.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from wakeful.core.config import Config
from wakeful.core.errors import LockHeldError
from wakeful.core.locks import pid_alive
from wakeful.core.paths import Paths
from wakeful.memory.archive import Archive, protected_ids
from wakeful.memory.consolidate import Candidate, Merge, normalised_text, plan_consolidation
from wakeful.memory.dream_gather import anchor_for, gather, pending_sessions
from wakeful.memory.dream_lock import DreamLock, PostgresDreamLock
from wakeful.memory.factory import MemorySettings, open_stores
from wakeful.memory.store import MemoryStore, new_memory_id
from wakeful.memory.types import MemoryRecord, Scope

WATERMARK_KEY = "dream.watermark"
SESSIONS_KEY = "dream.sessions"
RUN_KEY = "dream.run"
LAST_KEY = "dream.last"
USAGE_KEY = "dream.usage"
DRIFT_KEY = "dream.drift"
REVIEWED_KEY = "dream.reviewed"
MAX_REVIEWED = 5000
PHASES = ("orient", "gather", "consolidate", "prune")

EventHook = Callable[[str, dict[str, Any]], None]


@dataclass
class DreamOptions:
    force: bool = False
    model: str | None = None  # provider spec; None: dream.model, then the main model
    use_model: bool = True
    max_clusters: int = 40
    clusters_per_call: int = 8
    on_event: EventHook | None = None
    clock: Callable[[], float] = time.time
    # The model step lives above this layer; the caller (the CLI, a test, a benchmark)
    # passes it in. `judge` (`wakeful.agents.dream_judge.judge_pairs`) answers yes/no per
    # candidate pair and is preferred; `merger` (`wakeful.agents.dreamer.merge_clusters`)
    # runs a restricted agent over whole clusters and rewrites them.
    judge: Callable[..., Awaitable[Any]] | None = None
    merger: Callable[..., Awaitable[Any]] | None = None
    max_pairs: int | None = None  # None: the dream.max_pairs setting


@dataclass
class PhaseReport:
    name: str
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "seconds": round(self.seconds, 4), **self.details}


@dataclass
class DreamReport:
    skipped: str | None = None
    resumed_from: str | None = None
    phases: list[PhaseReport] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("merged", "superseded", "pruned", "created", "demoted", "dates_fixed", "flagged"), 0
        )
    )
    model: dict[str, Any] = field(
        default_factory=lambda: {"used": False, "calls": 0, "tokens": {}, "note": ""}
    )
    watermark: dict[str, Any] = field(default_factory=dict)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    took_over_lock: dict[str, Any] | None = None
    seconds: float = 0.0

    @property
    def ran(self) -> bool:
        return self.skipped is None

    def to_dict(self) -> dict[str, Any]:
        if self.skipped is not None:
            return {
                "skipped": True,
                "reason": self.skipped,
                "model": {"calls": 0, "tokens": {}},
                "watermark": self.watermark,
            }
        return {
            "skipped": False,
            "resumed_from": self.resumed_from,
            "phases": [p.to_dict() for p in self.phases],
            "counts": self.counts,
            "model": self.model,
            "flagged": self.flagged,
            "watermark": self.watermark,
            "took_over_lock": self.took_over_lock,
            "seconds": round(self.seconds, 3),
        }


# -- state kept in the project store's meta ------------------------------------------------


def _json_meta(store: MemoryStore, key: str, default: Any) -> Any:
    raw = store.get_meta(key)
    if not raw:
        return default
    try:
        value = json.loads(raw)
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


def _put_meta(store: MemoryStore, key: str, value: Any) -> None:
    store.set_meta(key, json.dumps(value, sort_keys=True))


@dataclass
class GateStatus:
    """Everything the gates look at; cheap to compute (meta reads and stats)."""

    new_writes: int
    sessions: int
    hours_since: float | None
    interrupted: dict[str, Any] | None
    watermark: dict[str, Any]

    @property
    def nothing_new(self) -> bool:
        return self.new_writes == 0 and self.sessions == 0 and self.interrupted is None

    def skip_reason(self, force: bool, min_hours: float, min_sessions: int) -> str | None:
        if self.nothing_new:
            return "nothing new since the last dream (no memory writes, no new transcript lines)"
        if force or self.interrupted is not None:
            return None
        if self.hours_since is not None and self.hours_since < min_hours:
            return (
                f"last dream was {self.hours_since:.1f} h ago (< {min_hours:g} h); "
                "use --force to dream now"
            )
        if self.sessions < min_sessions:
            return (
                f"{self.sessions} session(s) since the last dream (< {min_sessions}); "
                "use --force to dream now"
            )
        return None


def gate_status(
    project: MemoryStore, user: MemoryStore | None, paths: Paths, now: float
) -> GateStatus:
    wm = _json_meta(project, WATERMARK_KEY, {})
    new_writes = max(0, project.max_seq() - int(wm.get("seq", 0)))
    if user is not None:
        new_writes += max(0, user.max_seq() - int(wm.get("user_seq", 0)))
    offsets = _json_meta(project, SESSIONS_KEY, {})
    sessions = len(pending_sessions(paths.sessions, offsets))
    last = _json_meta(project, LAST_KEY, {})
    finished = last.get("finished")
    hours = (now - float(finished)) / 3600.0 if finished else None
    run = _json_meta(project, RUN_KEY, {})
    interrupted = (
        run if run and not (run.get("pid") != os.getpid() and pid_alive_run(run)) else None
    )
    return GateStatus(new_writes, sessions, hours, interrupted, wm)


def pid_alive_run(run: dict[str, Any]) -> bool:
    """A run marker whose process still lives belongs to a dream in progress, not a crash.

    A marker written on another machine (a team store in PostgreSQL) cannot be checked by
    PID here: it counts as not alive, and the dream lock decides (held: another dream is
    running; free: that dream died and this one resumes it)."""
    host = run.get("host")
    if host and host != socket.gethostname():
        return False
    try:
        return pid_alive(int(run.get("pid", 0)))
    except (TypeError, ValueError):
        return False


def dream_lock_for(paths: Paths, config: Config) -> DreamLock | PostgresDreamLock:
    """The lock that serialises dreams over the project store: a file beside a local store,
    an advisory lock in the database for a team store that several machines share."""
    from wakeful.memory.factory import team_database

    team = team_database(paths, config)
    if team is not None:
        return PostgresDreamLock(*team)
    return DreamLock(paths.project / "dream.lock")


def _gate_settings(config: Config) -> tuple[float, int]:
    dream = config.settings.dream
    return dream.min_hours, dream.min_sessions


def _open_stores(paths: Paths, config: Config) -> tuple[MemoryStore, MemoryStore | None]:
    return open_stores(paths, config, create_user=False)


def check_gates(paths: Paths, config: Config, force: bool = False) -> str | None:
    """The reason a dream would skip now, or None when it would run. No model, no lock."""
    paths.ensure()
    project, user = _open_stores(paths, config)
    try:
        status = gate_status(project, user, paths, time.time())
    finally:
        project.close()
        if user is not None:
            user.close()
    min_hours, min_sessions = _gate_settings(config)
    reason = status.skip_reason(force, min_hours, min_sessions)
    if reason is None and dream_lock_for(paths, config).is_locked():
        return "another dream is running"
    return reason


def maybe_dream_in_background(paths: Paths, config: Config) -> bool:
    """At session end: if the gates pass, start a detached `wakeful dream` and return True.

    Cheap by design (meta reads, stats, a lock probe); never raises for a gate problem.
    """
    try:
        local = MemorySettings.from_config(config).backend == "sqlite"
        if local and not paths.memory_db.exists():
            return False
        if check_gates(paths, config) is not None:
            return False
    except Exception:
        return False
    log = paths.project / "dream.log"
    with open(log, "ab") as out:
        subprocess.Popen(
            [sys.executable, "-m", "wakeful.cli.main", "dream", "--json"],
            cwd=str(paths.workspace),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    return True


# -- the dream ------------------------------------------------------------------------------


class Dreamer:
    """One dream over a workspace's memory. Build it, then `run()`."""

    def __init__(
        self,
        paths: Paths,
        config: Config,
        options: DreamOptions | None = None,
        provider_factory: Callable[[str, Config], Any] | None = None,
    ) -> None:
        self.paths = paths
        self.config = config
        self.options = options or DreamOptions()
        self.provider_factory = provider_factory
        self.archive = Archive(paths.memory_dir)
        self.report = DreamReport()
        self._emit: EventHook = self.options.on_event or (lambda kind, data: None)

    def run(self) -> DreamReport:
        return asyncio.run(self.run_async())

    async def run_async(self) -> DreamReport:
        started = time.monotonic()
        self.paths.ensure()
        project, user = _open_stores(self.paths, self.config)
        try:
            now = self.options.clock()
            status = gate_status(project, user, self.paths, now)
            self.report.watermark = {"before": status.watermark}
            min_hours, min_sessions = _gate_settings(self.config)
            reason = status.skip_reason(self.options.force, min_hours, min_sessions)
            if reason is not None:
                self.report.skipped = reason
                return self.report
            lock = dream_lock_for(self.paths, self.config)
            try:
                lock.acquire()
            except LockHeldError as exc:
                self.report.skipped = str(exc)
                return self.report
            try:
                if lock.took_over is not None:
                    self.report.took_over_lock = {
                        "pid": lock.took_over.pid,
                        "started": lock.took_over.started,
                        "alive": pid_alive(lock.took_over.pid),
                    }
                # Re-read under the lock: a dream that just finished may have consumed it all.
                status = gate_status(project, user, self.paths, now)
                if status.nothing_new:
                    self.report.skipped = (
                        "nothing new since the last dream (another dream just ran)"
                    )
                    return self.report
                if status.interrupted is not None:
                    self.report.resumed_from = str(status.interrupted.get("phase", "orient"))
                await self._dream(project, user)
            finally:
                lock.release()
        finally:
            project.close()
            if user is not None:
                user.close()
            self.report.seconds = time.monotonic() - started
        return self.report

    async def _dream(self, project: MemoryStore, user: MemoryStore | None) -> None:
        from wakeful.memory.service import MemoryService

        run = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.time(),
            "phase": "orient",
        }
        _put_meta(project, RUN_KEY, run)
        service = MemoryService(self.paths, self.config, project, user, clock=self.options.clock)
        stores = [s for s in (project, user) if s is not None]
        verdicts = await self._phase(run, project, "orient", lambda: self._orient(service, stores))
        await self._phase(run, project, "gather", lambda: self._gather(service, project, user))
        await self._phase_async(run, project, "consolidate", self._consolidate(service, stores))
        await self._phase(
            run, project, "prune", lambda: self._prune(service, project, stores, verdicts)
        )
        self.report.watermark["after"] = {
            "seq": project.max_seq(),
            "user_seq": user.max_seq() if user is not None else 0,
            "at": time.time(),
        }
        _put_meta(project, WATERMARK_KEY, self.report.watermark["after"])
        _put_meta(
            project,
            LAST_KEY,
            {"started": run["started"], "finished": time.time(), "counts": self.report.counts},
        )
        project.set_meta(RUN_KEY, "")

    async def _phase(
        self, run: dict[str, Any], project: MemoryStore, name: str, body: Callable[[], Any]
    ) -> Any:
        run["phase"] = name
        _put_meta(project, RUN_KEY, run)
        self._emit("phase_start", {"phase": name})
        t0 = time.monotonic()
        out = body()
        self.report.phases.append(PhaseReport(name, time.monotonic() - t0, dict(out)))
        self._emit("phase_end", {"phase": name})
        return out

    async def _phase_async(
        self, run: dict[str, Any], project: MemoryStore, name: str, body: Any
    ) -> Any:
        run["phase"] = name
        _put_meta(project, RUN_KEY, run)
        self._emit("phase_start", {"phase": name})
        t0 = time.monotonic()
        details = await body
        self.report.phases.append(PhaseReport(name, time.monotonic() - t0, dict(details)))
        self._emit("phase_end", {"phase": name})
        return details

    # -- orient ---------------------------------------------------------------------------

    def _orient(self, service: Any, stores: list[MemoryStore]) -> dict[str, Any]:
        index = service.files.read_index() or ""
        counts = {
            s.scope: {st: s.count(st) for st in ("active", "superseded", "archived")}
            for s in stores
        }
        results = service.verify()
        verdicts: Counter[str] = Counter(v.verdict for _r, v in results)
        return {
            "index_lines": len(index.splitlines()),
            "index_bytes": len(index.encode()),
            "memories": counts,
            "verified": len(results),
            "verdicts": dict(verdicts),
        }

    # -- gather ---------------------------------------------------------------------------

    def _gather(
        self, service: Any, project: MemoryStore, user: MemoryStore | None
    ) -> dict[str, Any]:
        offsets = _json_meta(project, SESSIONS_KEY, {})
        known = {normalised_text(r.text) for r in service.list()}
        result = gather(self.paths.sessions, self.paths.workspace, offsets, known)
        commit = service._head() if result.signals else None
        by_store: dict[Scope, list[MemoryRecord]] = {"project": [], "user": []}
        now = time.time()
        for signal in result.signals:
            anchors = anchor_for(self.paths.workspace, signal, commit)
            scope: Scope = (
                "user" if signal.type == "user" and not anchors and user is not None else "project"
            )
            by_store[scope].append(
                MemoryRecord(
                    id=new_memory_id(),
                    type=signal.type,
                    text=signal.text,
                    anchors=anchors,
                    created=signal.at or now,
                    source_session=signal.session,
                    scope=scope,
                )
            )
        created = 0
        for scope, records in by_store.items():
            if records:
                store = project if scope == "project" else user
                assert store is not None
                created += len(store.add_many(records))
        # Offsets move only after the memories they produced are committed.
        _put_meta(project, SESSIONS_KEY, result.offsets)
        if result.recalled:
            usage = _json_meta(project, USAGE_KEY, {})
            for memory_id, n in result.recalled.items():
                usage[memory_id] = int(usage.get(memory_id, 0)) + n
            _put_meta(project, USAGE_KEY, usage)
        self.report.counts["created"] += created
        kinds = Counter(s.kind for s in result.signals)
        return {
            "sessions": result.sessions_read,
            "lines": result.lines_read,
            "signals": dict(kinds),
            "created": created,
            "recalled": sum(result.recalled.values()),
        }

    # -- consolidate ----------------------------------------------------------------------

    async def _consolidate(self, service: Any, stores: list[MemoryStore]) -> dict[str, Any]:
        details: dict[str, Any] = {"deterministic": {}, "model": {}}
        clusters: list[tuple[MemoryStore, list[MemoryRecord]]] = []
        candidates: list[tuple[MemoryStore, Candidate]] = []
        protected = frozenset(protected_ids(stores[0]))
        for store in stores:
            plan = plan_consolidation(store.list("active"), protected)
            fixed = merged = superseded = 0
            for fix in plan.date_fixes:
                store.update_text(fix.record.id, fix.text)
                fixed += 1
            for sup in plan.supersessions:
                self.archive.log([(sup.loser, "superseded", sup.reason, sup.winner.id)])
                store.set_status([sup.loser.id], "superseded", f"by {sup.winner.id}: {sup.reason}")
                superseded += 1
                self._emit("superseded", {"id": sup.loser.id, "by": sup.winner.id})
            for merge in plan.merges:
                current = [store.get(r.id) for r in merge.members]
                members = [r for r in current if r is not None and r.status == "active"]
                if len(members) < 2:
                    continue
                merge.members = members
                new = merge.merged_record(new_memory_id())
                self.archive.log([(r, "merged", merge.reason, new.id) for r in members])
                store.supersede(new, [r.id for r in members])
                merged += len(members)
                self._emit("merged", {"ids": [r.id for r in members], "into": new.id})
            self.report.counts["dates_fixed"] += fixed
            self.report.counts["superseded"] += superseded
            self.report.counts["merged"] += merged
            details["deterministic"][store.scope] = {
                "dates_fixed": fixed,
                "superseded": superseded,
                "merged": merged,
                "merges": len(plan.merges),
                "clusters_left": len(plan.clusters),
                "pairs_left": len(plan.candidates),
            }
            clusters += [(store, c) for c in plan.clusters]
            candidates += [(store, c) for c in plan.candidates]
        details["model"] = await self._model_merge(service, clusters, candidates)
        return details

    async def _model_merge(
        self,
        service: Any,
        clusters: list[tuple[MemoryStore, list[MemoryRecord]]],
        candidates: list[tuple[MemoryStore, Candidate]],
    ) -> dict[str, Any]:
        info = self.report.model
        spec = self.options.model
        if spec is None:
            spec = self.config.settings.dream.model or self.config.model
        info["model"] = spec if self.options.use_model and spec else None
        by_pairs = self.options.judge is not None
        unit, left = ("pair", len(candidates)) if by_pairs else ("cluster", len(clusters))
        if not left:
            info["note"] = f"no {unit}s left for the model" + (
                ""
                if info["model"] or not self.options.use_model
                else " (and no model is configured: set dream.model or pass --model)"
            )
            return {f"{unit}s": 0, "calls": 0}
        if not self.options.use_model or not spec:
            info["note"] = (
                f"{left} {unit}(s) left unmerged: no model configured "
                "(use `wakeful dream --model M` or set dream.model)"
            )
            return {f"{unit}s": left, "calls": 0, "skipped": "no model"}
        if by_pairs:
            return await self._judge_pairs(service, candidates, spec)
        merge_clusters = self.options.merger
        if merge_clusters is None:
            info["note"] = (
                f"{len(clusters)} cluster(s) left unmerged: no model merger was passed in "
                "(DreamOptions.merger)"
            )
            return {"clusters": len(clusters), "calls": 0, "skipped": "no merger"}

        # Clusters the model already saw and left alone are not sent (and paid for) again.
        project = service.project
        reviewed: list[str] = _json_meta(project, REVIEWED_KEY, [])
        seen = set(reviewed)
        fresh = [(s, c) for s, c in clusters if _cluster_key(c) not in seen]
        if not fresh:
            info["note"] = f"{len(clusters)} cluster(s) left, all already reviewed by the model"
            return {"clusters": 0, "calls": 0, "already_reviewed": len(clusters)}
        todo = fresh[: self.options.max_clusters]
        owner = {r.id: store for store, c in todo for r in c}

        def apply(ids: list[str], text: str, mtype: str | None) -> str:
            store = owner[ids[0]]
            if any(owner.get(i) is not store for i in ids):
                raise ValueError("a merge cannot span the project and user stores")
            members = [store.get(i) for i in ids]
            live = [r for r in members if r is not None and r.status == "active"]
            if len(live) != len(ids):
                raise ValueError("some of these memories are no longer active")

            merged = Merge(live, "model merge").merged_record(new_memory_id())
            merged = merged.with_(text=text, type=mtype or merged.type)
            self.archive.log([(r, "merged", "model merge", merged.id) for r in live])
            store.supersede(merged, ids)
            self.report.counts["merged"] += len(live)
            self._emit("merged", {"ids": ids, "into": merged.id, "by": "model"})
            return merged.id

        factory = self.provider_factory
        if factory is None:
            from wakeful.providers.registry import resolve_provider

            factory = resolve_provider
        provider = factory(spec, self.config)
        try:
            result = await merge_clusters(
                [c for _s, c in todo],
                paths=self.paths,
                config=self.config,
                provider=provider,
                apply=apply,
                memory=service,
                batch=self.options.clusters_per_call,
            )
        finally:
            await provider.aclose()
        reviewed += [_cluster_key(c) for _s, c in todo]
        _put_meta(project, REVIEWED_KEY, reviewed[-MAX_REVIEWED:])
        info.update(
            used=True,
            calls=result.calls,
            tokens=result.usage.to_dict(),
            note=f"{len(todo)} cluster(s) given to {getattr(provider, 'name', spec)}",
        )
        return {
            "clusters": len(todo),
            "clusters_deferred": len(fresh) - len(todo),
            "calls": result.calls,
            "merged_clusters": len(result.merges),
            "denied": result.denied,
            "errors": result.errors,
        }

    async def _judge_pairs(
        self, service: Any, candidates: list[tuple[MemoryStore, Candidate]], spec: str
    ) -> dict[str, Any]:
        """Ask the model about the likeliest pairs not asked before; merge what it confirms."""
        info = self.report.model
        project = service.project
        reviewed: list[str] = _json_meta(project, REVIEWED_KEY, [])
        seen = set(reviewed)
        fresh = [(s, c) for s, c in candidates if c.key not in seen]
        if not fresh:
            info["note"] = f"{len(candidates)} pair(s) left, all already asked of the model"
            return {"pairs": 0, "calls": 0, "already_asked": len(candidates)}
        limit = self.options.max_pairs
        if limit is None:
            limit = self.config.settings.dream.max_pairs
        todo = fresh[: max(0, limit)]
        if not todo:
            info["note"] = f"{len(fresh)} pair(s) left: dream.max_pairs is 0"
            return {"pairs": 0, "calls": 0, "pairs_deferred": len(fresh)}
        factory = self.provider_factory
        if factory is None:
            from wakeful.providers.registry import resolve_provider

            factory = resolve_provider
        provider = factory(spec, self.config)
        judge = self.options.judge
        assert judge is not None
        started, cpu = time.monotonic(), time.process_time()
        try:
            result = await judge([(c.a, c.b) for _s, c in todo], provider=provider)
        finally:
            await provider.aclose()
        seconds, cpu_seconds = time.monotonic() - started, time.process_time() - cpu
        confirmed = [(s, c) for (s, c), v in zip(todo, result.verdicts, strict=True) if v]
        groups = _confirmed_groups(confirmed)
        merged = 0
        for store, members in groups:
            current = [store.get(r.id) for r in members]
            live = [r for r in current if r is not None and r.status == "active"]
            if len(live) != len(members):
                continue  # changed since the plan: leave it to the next dream
            new = Merge(live, "model: same fact").merged_record(new_memory_id())
            self.archive.log([(r, "merged", "model: same fact", new.id) for r in live])
            store.supersede(new, [r.id for r in live])
            merged += len(live)
            self._emit("merged", {"ids": [r.id for r in live], "into": new.id, "by": "model"})
        self.report.counts["merged"] += merged
        # Undecided pairs (an error, the run stopped) are asked again by the next dream.
        reviewed += [
            c.key for (_s, c), v in zip(todo, result.verdicts, strict=True) if v is not None
        ]
        _put_meta(project, REVIEWED_KEY, reviewed[-MAX_REVIEWED:])
        name = getattr(provider, "name", spec)
        info.update(
            used=True,
            calls=result.calls,
            tokens=result.usage.to_dict(),
            seconds=round(seconds, 3),
            cpu_seconds=round(cpu_seconds, 3),
            note=(
                f"{len(todo)} pair(s) asked of {name}: {len(confirmed)} the same fact, "
                f"{merged} memories merged"
                + (
                    f"; {len(fresh) - len(todo)} pair(s) left for later"
                    if len(fresh) > len(todo)
                    else ""
                )
            ),
        )
        return {
            "pairs": len(todo),
            "pairs_deferred": len(fresh) - len(todo),
            "calls": result.calls,
            "same_fact": len(confirmed),
            "merged": merged,
            "unreadable": result.unreadable,
            "errors": result.errors,
            "scored": bool(getattr(result, "scored", False)),
            "control_refused": int(getattr(result, "control_refused", 0)),
        }

    # -- prune ----------------------------------------------------------------------------

    def _prune(
        self,
        service: Any,
        project: MemoryStore,
        stores: list[MemoryStore],
        orient: dict[str, Any],
    ) -> dict[str, Any]:
        protected = protected_ids(project)
        now = time.time()
        drift = _json_meta(project, DRIFT_KEY, {})
        drift_days = self.config.settings.dream.drift_days
        pruned = 0
        still_drifted: dict[str, float] = {}
        flagged: list[dict[str, Any]] = []
        for store in stores:
            orphans: list[MemoryRecord] = []
            # Verdicts are per checkout: this checkout's, as orient just stored them.
            for record in service.in_checkout(store.list("active")):
                verdict = record.verdict
                if verdict == "orphaned" and record.id not in protected:
                    orphans.append(record)
                elif verdict == "drifted":
                    since = float(drift.get(record.id, now))
                    still_drifted[record.id] = since
                    if now - since >= drift_days * 86400:
                        flagged.append(
                            {
                                "id": record.id,
                                "drifted_days": round((now - since) / 86400, 1),
                                "text": " ".join(record.text.split())[:120],
                            }  # fmt: skip
                        )
            if orphans:
                self.archive.log(
                    [(r, "pruned", "orphaned: its code is gone", None) for r in orphans]
                )
                pruned += store.set_status([r.id for r in orphans], "archived", "orphaned (dream)")
        _put_meta(project, DRIFT_KEY, still_drifted)
        usage = _json_meta(project, USAGE_KEY, {})
        live_ids = {r.id for r in service.list()}
        if any(k not in live_ids for k in usage):
            usage = {k: v for k, v in usage.items() if k in live_ids}
            _put_meta(project, USAGE_KEY, usage)
        index = service.sync_files()
        shown = sum(1 for line in index.splitlines() if line.startswith("- [m"))
        demoted = max(0, len(live_ids) - shown)
        self.report.counts["pruned"] += pruned
        self.report.counts["demoted"] = demoted
        self.report.counts["flagged"] = len(flagged)
        self.report.flagged = flagged
        return {
            "pruned": pruned,
            "flagged": len(flagged),
            "drifted": len(still_drifted),
            "index_lines": len(index.splitlines()),
            "index_bytes": len(index.encode()),
            "demoted": demoted,
        }


def _confirmed_groups(
    pairs: list[tuple[MemoryStore, Candidate]],
) -> list[tuple[MemoryStore, list[MemoryRecord]]]:
    """Records to merge, from the pairs the model confirmed: a group grows only when the
    model confirmed every pair across it, so "A is B" and "B is C" never merge A with C
    unless "A is C" was confirmed too."""
    yes = {c.key for _s, c in pairs}

    def confirmed(x: MemoryRecord, y: MemoryRecord) -> bool:
        return ",".join(sorted((x.id, y.id))) in yes

    groups: list[tuple[MemoryStore, list[MemoryRecord]]] = []
    member_of: dict[str, int] = {}
    for store, c in pairs:
        ga, gb = member_of.get(c.a.id), member_of.get(c.b.id)
        if ga is None and gb is None:
            member_of[c.a.id] = member_of[c.b.id] = len(groups)
            groups.append((store, [c.a, c.b]))
        elif ga is not None and gb is not None:
            if ga == gb:
                continue
            left, right = groups[ga][1], groups[gb][1]
            if all(confirmed(x, y) for x in left for y in right):
                left += right
                right.clear()
                for r in left:
                    member_of[r.id] = ga
        else:
            g, new = (ga, c.b) if ga is not None else (gb, c.a)
            assert g is not None
            if all(confirmed(new, x) for x in groups[g][1]):
                groups[g][1].append(new)
                member_of[new.id] = g
    return [(store, members) for store, members in groups if len(members) >= 2]


def _cluster_key(cluster: list[MemoryRecord]) -> str:
    return ",".join(sorted(r.id for r in cluster))


def run_dream(
    paths: Paths,
    config: Config,
    options: DreamOptions | None = None,
    provider_factory: Callable[[str, Config], Any] | None = None,
) -> DreamReport:
    """Run one dream (or skip it, saying why). The CLI and the daemon call this."""
    return Dreamer(paths, config, options, provider_factory).run()
