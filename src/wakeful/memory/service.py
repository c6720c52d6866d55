"""The memory layer's front door: one object the loop, the tools and the CLI all use.

It owns the project store (`.wakeful/memory.db`) and the user store (user-level
`memory.db`), the cached workspace view used for verification, and the Markdown files.

Scope: memories of type `user` (facts about the person: preferences, role) go to the
user-level store so that every project sees them, unless they carry anchors (anchors are
workspace paths, so anchored memories always stay with the project). The other types go
to the project store. Recall and listing read both.
"""

from __future__ import annotations

import builtins
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from wakeful.core.config import Config
from wakeful.core.errors import UsageError
from wakeful.core.paths import Paths
from wakeful.memory import anchors as anchor_mod
from wakeful.memory.index import SECTION_ORDER, MemoryFiles
from wakeful.memory.recall import rank
from wakeful.memory.recall import render_hints as _render_hints
from wakeful.memory.secret_scan import find_secrets, refuse_secrets
from wakeful.memory.stage import MemoryStage, StagedMemory
from wakeful.memory.store import MemoryStore, new_memory_id
from wakeful.memory.types import (
    MEMORY_TYPES,
    SCOPES,
    Anchor,
    AnchorError,
    Hint,
    MemoryDraft,
    MemoryNotFound,
    MemoryRecord,
    MemoryRefused,
    MemoryType,
    Scope,
    Status,
    Verdict,
    Verification,
    memory_type,
)
from wakeful.memory.verify import verify_record
from wakeful.memory.workspace import WorkspaceView

MAX_TEXT_CHARS = 4000


def parse_memory_type(value: str) -> MemoryType:
    """`value` as a memory type, or a UsageError naming the ones there are."""
    mtype = memory_type(value)
    if mtype is None:
        raise UsageError(f"unknown memory type {value!r}; use one of: {', '.join(MEMORY_TYPES)}")
    return mtype


def checkout_id(paths: Paths) -> str:
    """This checkout's id for per-checkout verdicts, kept in `.wakeful/checkout-id`.

    Worktrees and clones of one repository have their own `.wakeful/`, so each gets its own
    id, also when a shared store (a team database) holds their memories.
    """
    path = paths.project / "checkout-id"
    try:
        found = path.read_text(encoding="utf-8").strip()
    except OSError:
        found = ""
    if found:
        return found
    paths.ensure()
    new = "c" + secrets.token_hex(8)
    tmp = path.with_name(f"checkout-id.{new}")
    tmp.write_text(new + "\n", encoding="utf-8")
    try:
        # Two processes creating it at once agree on whichever landed first.
        path.hardlink_to(tmp)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text(encoding="utf-8").strip()


class MemoryService:
    def __init__(
        self,
        paths: Paths,
        config: Config,
        project: MemoryStore,
        user: MemoryStore | None = None,
        clock: Callable[[], float] = time.time,
        checkout: str | None = None,
    ) -> None:
        self.paths = paths
        self.checkout = checkout if checkout is not None else checkout_id(paths)
        self.config = config
        self.project = project
        self.user = user
        self.clock = clock
        self.view = WorkspaceView(paths.workspace)
        self.files = MemoryFiles(paths.memory_dir)
        self._snapshot: str | None = None
        self._verify_lock = threading.Lock()  # recall may run in worker threads
        self._commit: str | None | bool = False  # False: not looked up yet
        self.notices: list[str] = []
        self.recovered = 0  # memories rebuilt from the files after the store was lost

    @classmethod
    def open(
        cls, paths: Paths, config: Config, clock: Callable[[], float] = time.time
    ) -> MemoryService:
        """Open the project store and, unless `memory.user_store = false`, the user store."""
        from wakeful.memory.factory import open_stores

        paths.ensure()
        project, user = open_stores(paths, config)
        return cls(paths, config, project, user, clock)

    def close(self) -> None:
        self.project.close()
        if self.user is not None:
            self.user.close()

    def __enter__(self) -> MemoryService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- stores -----------------------------------------------------------------------------

    @property
    def stores(self) -> list[MemoryStore]:
        return [self.project] if self.user is None else [self.project, self.user]

    def store_for(self, scope: Scope) -> MemoryStore:
        if scope == "user":
            if self.user is None:
                raise UsageError(
                    "the user-level memory store is turned off (memory.user_store = false); "
                    "use --scope project"
                )
            return self.user
        return self.project

    def _scope_for(self, mtype: str, scope: Scope | None, anchored: bool) -> Scope:
        if scope is not None:
            if scope == "user" and anchored:
                raise UsageError(
                    "user-level memories cannot carry anchors (anchors are paths in this "
                    "workspace); drop --anchor or use --scope project"
                )
            return scope
        if mtype == "user" and not anchored and self.user is not None:
            return "user"
        return "project"

    def _head(self) -> str | None:
        if self._commit is False:
            self._commit = anchor_mod.git_head(self.paths.workspace)
        return self._commit if isinstance(self._commit, str) else None

    # -- writing ----------------------------------------------------------------------------

    def validate(self, draft: MemoryDraft) -> None:
        """Refuse a draft before it is staged: empty, too long, a secret, bad type or anchor."""
        text = draft.text.strip()
        if not text:
            raise MemoryRefused("a memory needs some text")
        if len(text) > MAX_TEXT_CHARS:
            raise MemoryRefused(
                f"a memory is a short note (at most {MAX_TEXT_CHARS} characters, got "
                f"{len(text)}); keep the gist and anchor it to the code instead"
            )
        parse_memory_type(draft.type)  # a draft built from untyped input may hold anything
        refuse_secrets(text)
        for spec in draft.anchor_specs:
            path, _start, _end = anchor_mod.parse_anchor_spec(spec)
            rel = anchor_mod.relative_path(self.paths.workspace, path)
            if not (self.paths.workspace / rel).is_file():
                raise AnchorError(f"cannot anchor {spec}: no such file {rel}")
        for sid in draft.supersedes:
            self.get(sid)

    def _resolve(self, draft: MemoryDraft, memory_id: str) -> MemoryRecord:
        """Turn a validated draft into a record, capturing anchors against the workspace now."""
        anchors: list[Anchor] = list(draft.anchors)
        commit = self._head()
        for spec in draft.anchor_specs:
            anchors.append(anchor_mod.capture_anchor(self.paths.workspace, spec, commit=commit))
        if not anchors and draft.auto_anchor_paths:
            # The files the agent just read or edited (most recent first): anchor to the
            # line that best matches the text; if no line shares a word with it, to the
            # most recent file as a whole.
            candidates = list(dict.fromkeys(draft.auto_anchor_paths))
            best: tuple[Anchor, float] | None = None
            for path in candidates:
                found = anchor_mod.auto_anchor(
                    self.paths.workspace, path, draft.text, commit, whole_file=False
                )
                if found is not None and (best is None or found[1] > best[1]):
                    best = found
            if best is None:
                best = anchor_mod.auto_anchor(
                    self.paths.workspace, candidates[0], draft.text, commit
                )
            if best is not None:
                anchors.append(best[0])
        unique = list({(a.path, a.start_line, a.end_line): a for a in anchors}.values())
        scope = self._scope_for(draft.type, draft.scope, bool(unique))
        return MemoryRecord(
            id=memory_id,
            type=draft.type,
            text=draft.text.strip(),
            anchors=tuple(unique),
            created=self.clock(),
            last_verified=self.clock() if unique else None,
            verdict="fresh" if unique else "unanchored",
            source_session=draft.source_session,
            supersedes=tuple(draft.supersedes),
            scope=scope,
        )

    def _write(self, records: list[MemoryRecord]) -> list[MemoryRecord]:
        stored: list[MemoryRecord] = []
        for scope in SCOPES:
            batch = [r for r in records if r.scope == scope]
            if not batch:
                continue
            store = self.store_for(scope)
            for r in batch:
                if r.supersedes:
                    stored.append(store.supersede(r, [s for s in r.supersedes if store.get(s)]))
                else:
                    stored.extend(store.add_many([r]))
        self.sync_files()
        return stored

    def add(
        self,
        text: str,
        type: str = "project",
        anchors: Sequence[str] = (),
        *,
        session: str = "",
        scope: Scope | None = None,
        supersedes: Sequence[str] = (),
        auto_anchor_paths: Sequence[str] = (),
    ) -> MemoryRecord:
        """Validate and write one memory now (the CLI path; the agent goes through stage())."""
        draft = MemoryDraft(
            text=text,
            type=parse_memory_type(type),
            anchor_specs=list(anchors),
            auto_anchor_paths=list(auto_anchor_paths),
            source_session=session,
            supersedes=list(supersedes),
            scope=scope,
        )
        self.validate(draft)
        record = self._resolve(draft, new_memory_id())
        return self._write([record])[0]

    def stage(self, session_id: str) -> MemoryStage:
        return MemoryStage(session_id, self.validate, self._commit_staged, new_memory_id)

    def _commit_staged(self, batch: list[StagedMemory]) -> list[MemoryRecord]:
        records: list[MemoryRecord] = []
        for staged in batch:
            try:
                records.append(self._resolve(staged.draft, staged.id))
            except AnchorError:
                # The anchored file vanished between staging and success: keep the memory
                # unanchored rather than lose it.
                staged.draft.anchor_specs = []
                staged.draft.auto_anchor_paths = []
                records.append(self._resolve(staged.draft, staged.id))
        return self._write(records)

    def forget(self, memory_id: str, purge: bool = False) -> MemoryRecord:
        """Archive a memory (restorable), or delete it outright with purge=True."""
        record = self.get(memory_id)
        store = self.store_for(record.scope)
        if purge:
            store.delete(record.id)
        else:
            store.set_status([record.id], "archived", "forgotten")
        self.sync_files()
        return record

    # -- reading ----------------------------------------------------------------------------

    def in_checkout(self, records: builtins.list[MemoryRecord]) -> builtins.list[MemoryRecord]:
        """Records as this checkout last saw them: its verdicts and relocated anchors."""
        out = list(records)
        for store in self.stores:
            scope = store.scope
            ids = [r.id for r in out if r.scope == scope]
            if not ids:
                continue
            state = store.checkout_state(self.checkout, ids)
            if not state:
                continue
            for i, r in enumerate(out):
                seen = state.get(r.id) if r.scope == scope else None
                if seen is None:
                    continue
                changes: dict[str, object] = {
                    "verdict": seen.verdict,
                    "last_verified": seen.last_verified,
                }
                if seen.anchors is not None and len(seen.anchors) == len(r.anchors):
                    changes["anchors"] = seen.anchors
                out[i] = r.with_(**changes)
        return out

    def get(self, memory_id: str) -> MemoryRecord:
        """A record by id or unique id prefix, from either store."""
        memory_id = memory_id.strip()
        for store in self.stores:
            record = store.get(memory_id)
            if record is not None:
                return self.in_checkout([record])[0]
        matches: list[tuple[MemoryStore, str]] = []
        if len(memory_id) >= 3:
            for store in self.stores:
                matches += [(store, i) for i in store.find_ids(memory_id)]
        if len(matches) == 1:
            store, found = matches[0]
            record = store.get(found)
            if record is not None:
                return self.in_checkout([record])[0]
        if len(matches) > 1:
            raise UsageError(
                f"memory id prefix {memory_id!r} is ambiguous ({', '.join(m[1] for m in matches[:5])}); "
                "give more characters"
            )
        raise MemoryNotFound(f"no memory with id {memory_id}; see `wakeful memory list`")

    def list(self, status: Status | None = "active") -> list[MemoryRecord]:
        out: list[MemoryRecord] = []
        for store in self.stores:
            out += store.list(status=status)
        out.sort(key=lambda r: (r.created, r.id))
        return self.in_checkout(out)

    def verify(
        self, records: Iterable[MemoryRecord] | None = None
    ) -> builtins.list[tuple[MemoryRecord, Verification]]:
        """Verify records (default: all active) against the workspace and store the verdicts.

        Moved anchors are relocated in the store; the returned records carry them.
        """
        todo = self.in_checkout(list(records)) if records is not None else self.list()
        with self._verify_lock:
            return self._verify(todo)

    def _verify(
        self, todo: builtins.list[MemoryRecord]
    ) -> builtins.list[tuple[MemoryRecord, Verification]]:
        self.view.begin()
        now = self.clock()
        results: list[tuple[MemoryRecord, Verification]] = []
        per_store: dict[Scope, list[tuple[str, Verdict, tuple[Anchor, ...] | None]]] = {}
        for record in todo:
            verification = verify_record(record, self.view)
            moved = verification.updated_anchors
            per_store.setdefault(record.scope, []).append((record.id, verification.verdict, moved))
            if moved is not None:
                record = record.with_(anchors=moved)
            results.append(
                (record.with_(verdict=verification.verdict, last_verified=now), verification)
            )
        for scope, rows in per_store.items():
            self.store_for(scope).record_verifications(rows, now, self.checkout)
        return results

    def recall(self, query: str, limit: int = 5) -> builtins.list[Hint]:
        """The most relevant active memories for `query`, each verified now."""
        if limit <= 0:
            return []
        now = self.clock()
        pool = max(20, limit * 4)
        candidates: builtins.list[tuple[MemoryRecord, float]] = []
        for store in self.stores:
            candidates += store.search(query, limit=pool)
        ranked = rank(candidates, now, limit)
        verified = self.verify([r for r, _ in ranked])
        return [
            Hint(record, verification, now, score)
            for (record, verification), (_, score) in zip(verified, ranked, strict=True)
        ]

    def render_hints(self, hints: builtins.list[Hint]) -> str:
        return _render_hints(hints)

    # -- files ------------------------------------------------------------------------------

    def _by_type(self) -> dict[str, builtins.list[MemoryRecord]]:
        records = self.list()
        by_type: dict[str, list[MemoryRecord]] = {t: [] for t in SECTION_ORDER}
        for r in records:
            by_type.setdefault(r.type, []).append(r)
        uses = self._usage()
        for rs in by_type.values():
            # Best first for the index: verified-good before doubtful, then most recalled
            # (counted by dreaming), then newest; the rest are demoted to topic files.
            rs.sort(
                key=lambda r: (
                    r.verdict in {"drifted", "orphaned"},
                    -uses.get(r.id, 0),
                    -r.created,
                    r.id,
                )
            )
        return by_type

    def _usage(self) -> dict[str, int]:
        """Recall counts per memory id, kept by dreaming in the project store's meta."""
        import json

        try:
            data = json.loads(self.project.get_meta("dream.usage") or "{}")
        except ValueError:
            return {}
        return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def sync_files(self) -> str:
        """Apply hand edits to MEMORY.md and topic files, then rewrite them from the store."""
        with self.files.locked():
            self._recover_from_files()
            current = {r.id: r for r in self.list()}
            edits = self.files.read_edits(current)
            for memory_id, text in edits.edited.items():
                record = current[memory_id]
                try:
                    refuse_secrets(text)
                except MemoryRefused:
                    # The rewrite below puts the stored text back; say so, once per edit.
                    self._report_dropped(f"the hand edit of {memory_id}", text)
                    continue
                self.store_for(record.scope).update_text(memory_id, text)
            for memory_id in edits.removed:
                record = current[memory_id]
                self.store_for(record.scope).set_status(
                    [memory_id], "archived", "removed from file"
                )
            for entry in edits.added:
                draft = MemoryDraft(text=entry.text, type=entry.type, source_session="file")
                try:
                    self.validate(draft)
                except MemoryRefused:
                    self._report_dropped("a hand-written entry", entry.text)
                    continue
                except (UsageError, AnchorError):
                    continue
                record = self._resolve(draft, new_memory_id())
                self.store_for(record.scope).add(record)
            return self.files.write(self._by_type())

    def _report_dropped(self, what: str, text: str) -> None:
        labels = find_secrets(text) or ["a secret"]
        self.notices.append(
            f"memory files: dropped {what} in {self.paths.memory_dir.name}/ because it looks "
            f"like {', '.join(labels)}; the stored memory was written back (keep secrets out "
            "of memory)"
        )

    def take_notices(self) -> builtins.list[str]:
        """One-line notices since the last call (hand edits dropped by the secret scan)."""
        out, self.notices = self.notices, []
        return out

    def _recover_from_files(self) -> int:
        """Rebuild a lost project store from MEMORY.md and the topic files.

        A store that was emptied (a zero-length or moved-aside `memory.db` after a crash or a
        full disk) while the files still list memories we wrote would otherwise rewrite the
        files as empty and delete the last readable copy. The memories come back with their
        ids, text and type but without anchors (the files do not hold the evidence), so
        they show as `unanchored` until re-anchored. Returns how many were restored.
        """
        if self.project.max_seq() != 0 or self.project.count(None) != 0:
            return 0
        written = self.files.written_ids()
        if not written:
            return 0
        known = {r.id for store in self.stores for r in store.list(None)}
        now = self.clock()
        restored = [
            MemoryRecord(
                id=entry.id,
                type=entry.type,
                text=entry.text,
                created=now,
                verdict="unanchored",
                source_session="recovered from files",
                scope="project",
            )
            for entry in self.files.recoverable_entries()
            if entry.id is not None and entry.id in written and entry.id not in known
        ]
        if restored:
            self.project.add_many(restored)
            self.recovered = len(restored)
            self.notices.append(self.recovered_notice())
        return len(restored)

    def recover_lost_store(self) -> int:
        """`_recover_from_files` under the files lock, rewriting the files if it restored any."""
        with self.files.locked():
            restored = self._recover_from_files()
        if restored:
            self.sync_files()
        return restored

    def recovered_notice(self) -> str:
        n = self.recovered
        return (
            f"the memory store was empty but the memory files listed {n} "
            f"memor{'ies' if n != 1 else 'y'}; rebuilt them from the files (without anchors)"
        )

    def index_snapshot(self) -> str:
        """MEMORY.md as of session start, for the prompt prefix; frozen after the first call."""
        if self._snapshot is None:
            self._snapshot = self.sync_files()
        return self._snapshot

    def rebuild(self) -> None:
        """Rebuild the full-text indexes and the Markdown files from the stores."""
        for store in self.stores:
            store.rebuild_search_index()
        self.sync_files()
