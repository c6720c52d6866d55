"""What no checkpoint can restore, for the risk policy ("workspace" tier means reversible).

Checkpoints hold the workspace's files except `.git/`, `.wakeful/`, ignored directories
(build/, node_modules/, .venv/), nested git repositories (a clone or submodule inside the
workspace) and ignored files over the size cap. A change to one of
those cannot be undone by `wakeful rewind`, so it must not be judged as a workspace change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from wakeful.checkpoints.git import CheckpointError
from wakeful.checkpoints.store import CheckpointStore


@dataclass
class Recoverability:
    store: CheckpointStore

    def reason(self, path: str) -> str | None:
        """Why a change to `path` (absolute, normalised) could not be restored, or None."""
        root = str(self.store.workspace)
        if not (path == root or path.startswith(root.rstrip("/") + "/")):
            return None  # outside the workspace: the path rules already judge it
        rel = os.path.relpath(path, root)
        if rel == "." or rel == ".git" or rel.startswith(".git/"):
            return None  # the workspace itself and git's data have their own rules
        if rel == ".wakeful" or rel.startswith(".wakeful/"):
            return "is wakeful's own data, which checkpoints leave out"
        nested = _nested_repository(root, rel)
        if nested is not None:
            return (
                f"is inside {nested}/, a nested git repository, which checkpoints leave out "
                "(commit or stash there to keep a way back)"
            )
        settings = self.store.settings
        if not settings.enabled:
            return "would not be checkpointed: checkpoints are off ([checkpoints] enabled)"
        try:
            ignored_dir, ignored = self.store.ignore_status(rel)
        except CheckpointError as exc:
            return f"could not be checked against the checkpoint store ({exc})"
        if ignored_dir:
            return f"is inside {ignored_dir}/, an ignored directory that checkpoints leave out"
        if not ignored:
            return None
        if not settings.include_ignored:
            return "is an ignored file, and checkpoints leave ignored files out (include_ignored)"
        try:
            size = os.lstat(path).st_size
        except OSError:
            return None
        if size > settings.max_file_bytes:
            return (
                f"is an ignored file of {size} bytes, over the checkpoint size cap "
                f"({settings.max_file_bytes} bytes, [checkpoints] max_file_bytes)"
            )
        return None


def _nested_repository(root: str, rel: str) -> str | None:
    """The nested git repository (a directory below the root holding `.git`) that holds
    `rel`, or `rel` itself when it is one; None when there is none."""
    parts = rel.split("/")
    for i in range(1, len(parts) + 1):
        folder = "/".join(parts[:i])
        try:
            os.lstat(os.path.join(root, folder, ".git"))
        except OSError:
            continue
        return folder
    return None
