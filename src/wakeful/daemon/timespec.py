"""When a job is due: durations (`2s`, `5m`, `1h30m`), cron expressions, one-shot times.

Times are epoch seconds (floats) everywhere in the daemon; local time only appears when a
human writes `--at 09:30` or reads the journal. Pure functions, so they are easy to test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from wakeful.daemon.errors import JobSpecError

ScheduleKind = Literal["every", "cron", "at", "watch"]

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def validate_name(name: str) -> str:
    if not _NAME.match(name):
        raise JobSpecError(
            f"bad job name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def parse_duration(text: str) -> float:
    """`90`, `2s`, `5m`, `1h30m`, `1.5h` -> seconds. A bare number means seconds."""
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        raise JobSpecError("empty duration: use a number with a unit, e.g. 30s, 5m, 1h")
    try:
        seconds = float(raw)
    except ValueError:
        pos = 0
        seconds = 0.0
        for match in _DURATION_PART.finditer(raw):
            if match.start() != pos:
                break
            seconds += float(match.group(1)) * _UNITS[match.group(2)]
            pos = match.end()
        if pos != len(raw):
            raise JobSpecError(
                f"bad duration {text!r}: use a number with a unit (ms, s, m, h, d, w), "
                "e.g. 30s, 5m, 1h30m"
            ) from None
    if seconds <= 0:
        raise JobSpecError(f"duration {text!r} must be positive")
    return seconds


def parse_at(text: str, now: float) -> float:
    """`HH:MM[:SS]` (the next such local time) or an ISO datetime (naive means local)."""
    raw = text.strip()
    hhmm = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", raw)
    if hhmm:
        hour, minute, second = int(hhmm.group(1)), int(hhmm.group(2)), int(hhmm.group(3) or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise JobSpecError(f"bad time {text!r}: hours 0-23, minutes and seconds 0-59")
        base = datetime.fromtimestamp(now)
        target = base.replace(hour=hour, minute=minute, second=second, microsecond=0)
        if target.timestamp() <= now:
            target += timedelta(days=1)
        return target.timestamp()
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise JobSpecError(
            f"bad time {text!r}: use HH:MM or an ISO datetime such as 2025-06-01T09:30"
        ) from None
    return when.timestamp()


def validate_cron(expr: str) -> str:
    from croniter import croniter

    if not croniter.is_valid(expr):
        raise JobSpecError(
            f"bad cron expression {expr!r}: use five fields, e.g. '*/15 * * * *' "
            "(minute hour day month weekday)"
        )
    return expr


@dataclass(frozen=True)
class Schedule:
    """How a job becomes due. `spec` is seconds for every, the expression for cron, the epoch
    time for at, and empty for watch-only jobs (woken by file changes alone)."""

    kind: ScheduleKind
    spec: str

    def first_due(self, now: float) -> float | None:
        if self.kind == "every":
            return now + float(self.spec)
        if self.kind == "at":
            return float(self.spec)
        if self.kind == "cron":
            return _cron_next(self.spec, now)
        return None

    def next_due(self, previous_due: float, now: float) -> float | None:
        """The first due time strictly after `now`, following `previous_due`.

        Periods missed while the daemon was down collapse into one: the caller decides
        (per job) whether that one missed run is skipped or run once.
        """
        if self.kind == "every":
            interval = float(self.spec)
            if previous_due > now:
                return previous_due
            periods = int((now - previous_due) // interval) + 1
            return previous_due + periods * interval
        if self.kind == "cron":
            return _cron_next(self.spec, max(now, previous_due))
        return None  # one-shot and watch-only jobs have no next time

    def describe(self) -> str:
        if self.kind == "every":
            return f"every {format_duration(float(self.spec))}"
        if self.kind == "cron":
            return f"cron {self.spec}"
        if self.kind == "at":
            return "at " + datetime.fromtimestamp(float(self.spec)).isoformat(
                sep=" ", timespec="seconds"
            )
        return "on file change"


def _cron_next(expr: str, after: float) -> float:
    from croniter import croniter

    base = datetime.fromtimestamp(after)
    return float(croniter(expr, base).get_next(float))


def format_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:g}s"
    parts = []
    rest = int(round(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts)


def schedule_from_options(
    every: str | None, cron: str | None, at: str | None, watch: str | None, now: float
) -> Schedule:
    given = [name for name, value in (("--every", every), ("--cron", cron), ("--at", at)) if value]
    if len(given) > 1:
        raise JobSpecError(f"give only one of --every, --cron, --at (got {', '.join(given)})")
    if every:
        return Schedule("every", repr(parse_duration(every)))
    if cron:
        return Schedule("cron", validate_cron(cron))
    if at:
        when = parse_at(at, now)
        if when <= now:
            raise JobSpecError(f"--at {at!r} is in the past; give a future time")
        return Schedule("at", repr(when))
    if watch:
        return Schedule("watch", "")
    raise JobSpecError(
        "say when the job runs: --every DURATION, --cron EXPR, --at TIME or --watch GLOB"
    )
