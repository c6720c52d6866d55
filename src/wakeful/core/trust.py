"""Workspace trust: which folders the user has said may loosen wakeful's guards.

A workspace is untrusted until the user trusts it (`wakeful trust [PATH]`). The record lives
in user data (`trust.json` under the user data directory), never in the repository, so a
cloned repository cannot trust itself. Trusting a folder trusts the folders below it.

From an untrusted workspace, project settings may only tighten: `core.config` drops the
loosening ones with a one-line notice, and nothing in the repository starts a process.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from wakeful.core.errors import ConfigError

TRUST_FILE = "trust.json"


@dataclass(frozen=True)
class TrustEntry:
    path: Path
    trusted_at: float


class TrustStore:
    """The user's list of trusted workspaces, kept in `user_data/trust.json`."""

    def __init__(self, user_data: Path) -> None:
        self.file = Path(user_data) / TRUST_FILE

    def entries(self) -> list[TrustEntry]:
        if not self.file.is_file():
            return []
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(
                f"{self.file}: unreadable trust list ({exc}); fix or delete the file, then "
                "run `wakeful trust` again in each workspace you trust"
            ) from None
        items = raw.get("trusted", []) if isinstance(raw, dict) else []
        out: list[TrustEntry] = []
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                out.append(TrustEntry(Path(item["path"]), float(item.get("trusted_at") or 0.0)))
        return out

    def is_trusted(self, workspace: Path) -> bool:
        try:
            target = Path(workspace).resolve()
            entries = self.entries()
        except (OSError, ConfigError):
            return False  # an unreadable list trusts nothing
        return any(target == e.path or e.path in target.parents for e in entries)

    def trust(self, workspace: Path) -> Path:
        target = Path(workspace).resolve()
        entries = [e for e in self.entries() if e.path != target]
        entries.append(TrustEntry(target, time.time()))
        self._save(entries)
        return target

    def revoke(self, workspace: Path) -> bool:
        target = Path(workspace).resolve()
        entries = self.entries()
        kept = [e for e in entries if e.path != target]
        if len(kept) == len(entries):
            return False
        self._save(kept)
        return True

    def _save(self, entries: list[TrustEntry]) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "trusted": [
                {"path": str(e.path), "trusted_at": e.trusted_at}
                for e in sorted(entries, key=lambda e: str(e.path))
            ]
        }
        fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".trust-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(body, fh, indent=2)
            fh.write("\n")
        os.replace(tmp, self.file)
