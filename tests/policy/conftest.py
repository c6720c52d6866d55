"""Fixtures shared by the policy tests."""

from __future__ import annotations

import os

import pytest

from wakeful.policy import path_risk


@pytest.fixture
def lstat_log(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the path checks look up from now on, in order: each `lstat`, and each
    name that `access` found missing (asked first, so that a missing name costs no lstat)."""
    looked: list[str] = []
    real_lstat = os.lstat
    real_access = os.access

    def counting_lstat(path: str) -> os.stat_result:
        looked.append(str(path))
        return real_lstat(path)

    def counting_access(path: str, mode: int, **kwargs: bool) -> bool:
        found = real_access(path, mode, **kwargs)
        if not found:
            looked.append(str(path))
        return found

    monkeypatch.setattr(path_risk.os, "lstat", counting_lstat)
    monkeypatch.setattr(path_risk.os, "access", counting_access)
    return looked
