"""Fixtures shared by the policy tests."""

from __future__ import annotations

import os

import pytest

from wakeful.policy import path_risk


@pytest.fixture
def lstat_log(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the path checks `lstat` from now on, in order."""
    looked: list[str] = []
    real_lstat = os.lstat

    def counting_lstat(path: str) -> os.stat_result:
        looked.append(str(path))
        return real_lstat(path)

    monkeypatch.setattr(path_risk.os, "lstat", counting_lstat)
    return looked
