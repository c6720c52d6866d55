"""Checkpoints: snapshots of the workspace before each run's first change, and rewind."""

from wakeful.checkpoints.git import CheckpointError
from wakeful.checkpoints.recorder import RunRecorder
from wakeful.checkpoints.store import Checkpoint, CheckpointStore, RewindPlan, Settings

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "CheckpointStore",
    "RewindPlan",
    "RunRecorder",
    "Settings",
]
