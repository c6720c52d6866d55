"""Pure parts of the daemon: durations, schedules, due decisions, globs, output parsing,
the journal's append-only format, and the job store's leases on a real SQLite file."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wakeful.daemon.agent import agent_argv, parse_dream, parse_output
from wakeful.daemon.errors import JobNotFound, JobSpecError
from wakeful.daemon.journal import Journal
from wakeful.daemon.preflight import due_action, glob_matches, watch_patterns
from wakeful.daemon.settings import DaemonSettings
from wakeful.daemon.store import Job, JobStore, LeaseTaken, RunOutcome, day_start
from wakeful.daemon.systemd import unit_name, unit_text
from wakeful.daemon.timespec import (
    Schedule,
    format_duration,
    parse_at,
    parse_duration,
    schedule_from_options,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2s", 2),
        ("5m", 300),
        ("1h", 3600),
        ("1h30m", 5400),
        ("90", 90),
        ("1.5h", 5400),
        ("250ms", 0.25),
        ("1d", 86400),
        (" 2 m ", 120),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "abc", "5x", "m5", "0s", "-3s", "5m abc", "1h-"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(JobSpecError):
        parse_duration(text)


@given(st.integers(min_value=1, max_value=10**6))
def test_duration_round_trip(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_parse_at_hhmm_is_next_occurrence() -> None:
    now = datetime(2025, 6, 1, 12, 0, 0).timestamp()
    assert datetime.fromtimestamp(parse_at("13:30", now)) == datetime(2025, 6, 1, 13, 30)
    assert datetime.fromtimestamp(parse_at("11:00", now)) == datetime(2025, 6, 2, 11, 0)
    assert datetime.fromtimestamp(parse_at("2025-07-04T09:15", now)) == datetime(2025, 7, 4, 9, 15)
    with pytest.raises(JobSpecError):
        parse_at("25:00", now)
    with pytest.raises(JobSpecError):
        parse_at("tomorrow", now)


def test_schedule_options() -> None:
    now = time.time()
    assert schedule_from_options("5m", None, None, None, now) == Schedule("every", "300.0")
    assert schedule_from_options(None, "*/5 * * * *", None, None, now).kind == "cron"
    assert schedule_from_options(None, None, None, "*.py", now) == Schedule("watch", "")
    with pytest.raises(JobSpecError, match="only one"):
        schedule_from_options("5m", "* * * * *", None, None, now)
    with pytest.raises(JobSpecError, match="cron"):
        schedule_from_options(None, "not cron", None, None, now)
    with pytest.raises(JobSpecError, match="past"):
        schedule_from_options(None, None, "2000-01-01T00:00", None, now)
    with pytest.raises(JobSpecError, match="say when"):
        schedule_from_options(None, None, None, None, now)


def test_every_next_due_collapses_missed_periods() -> None:
    sched = Schedule("every", "10")
    # Down for 95 s: one next time in the future, on the original grid, never a backlog.
    assert sched.next_due(1000.0, 1095.0) == 1100.0
    assert sched.next_due(1000.0, 1000.0) == 1010.0
    assert sched.next_due(1200.0, 1095.0) == 1200.0


def test_cron_next_due_is_after_now() -> None:
    sched = Schedule("cron", "0 * * * *")
    now = datetime(2025, 6, 1, 12, 30).timestamp()
    nxt = sched.next_due(datetime(2025, 6, 1, 9, 0).timestamp(), now)
    assert datetime.fromtimestamp(nxt) == datetime(2025, 6, 1, 13, 0)


def _job(**kw: object) -> Job:
    base: dict[str, object] = {"name": "j", "schedule": Schedule("every", "60"), "prompt": "p"}
    base.update(kw)
    return Job(**base)  # type: ignore[arg-type]


def test_due_action() -> None:
    now = 10_000.0
    assert due_action(_job(next_due=now + 5), now, 2.0) == "wait"
    assert due_action(_job(next_due=now - 1), now, 2.0) == "run"
    assert due_action(_job(next_due=now - 100), now, 2.0) == "skip_missed"
    assert due_action(_job(next_due=now - 100, missed="once"), now, 2.0) == "run_missed"
    assert due_action(_job(next_due=now - 1, paused=True), now, 2.0) == "wait"
    assert due_action(_job(next_due=now - 1, done=True), now, 2.0) == "wait"
    assert due_action(_job(schedule=Schedule("watch", ""), next_due=None), now, 2.0) == "wait"


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("*.py", "app.py", True),
        ("*.py", "src/deep/app.py", True),
        ("*.py", "app.pyc", False),
        ("src/*.py", "src/app.py", True),
        ("src/*.py", "src/sub/app.py", False),
        ("src/**/*.py", "src/sub/deep/app.py", True),
        ("src/**/*.py", "src/app.py", True),
        ("src/**", "src/a/b", True),
        ("docs/", "docs/x.md", True),
        ("./notes.md", "notes.md", True),
        ("notes.md", "other/notes.md", True),
        ("/notes.md", "other/notes.md", False),
        ("data/file?.csv", "data/file1.csv", True),
        ("data/file[0-3].csv", "data/file4.csv", False),
    ],
)
def test_glob_matches(pattern: str, path: str, hit: bool) -> None:
    assert glob_matches(pattern, path) is hit


def test_watch_patterns_split() -> None:
    assert watch_patterns("src/*.py, docs/**") == ["src/*.py", "docs/**"]
    assert watch_patterns(None) == []


def test_parse_output_stream_json_result_and_denials() -> None:
    lines = [
        {"type": "text", "text": "hi"},
        {
            "type": "permission",
            "tool": "bash",
            "tier": "network",
            "decision": "ask",
            "reasons": ["network: `curl`"],
        },
        {"type": "permission", "tool": "read", "tier": "read_only", "decision": "allow"},
        {
            "type": "permission",
            "tool": "bash",
            "tier": "workspace",
            "decision": "deny",
            "reasons": ["needs approval (workspace), and this run is not interactive"],
        },
        {
            "type": "permission",
            "tool": "bash",
            "tier": "critical",
            "decision": "deny",
            "reasons": ["critical: `rm -rf /` deletes everything"],
        },
        {
            "type": "result",
            "result": "done",
            "is_error": False,
            "num_turns": 2,
            "session_id": "s1",
            "usage": {"input": 10, "output": 5, "cache_read": 3, "cache_write": 2},
            "cost": 0.25,
        },
    ]
    out = parse_output("\n".join(json.dumps(x) for x in lines), "", 0)
    assert out.state == "blocked" and out.result == "done" and out.num_turns == 2
    assert (out.input_tokens, out.output_tokens, out.cache_read, out.cache_write) == (10, 5, 3, 2)
    assert out.tokens == 20 and out.cost == 0.25 and out.session_id == "s1"
    assert out.denials == (
        "bash (network): network: `curl`",
        "bash (workspace): needs approval (workspace), and this run is not interactive",
    )


def test_parse_output_permission_denials_make_the_run_blocked() -> None:
    denial = {
        "tool": "edit",
        "input": "app.py",
        "tier": "workspace",
        "reason": "needs approval (workspace), and this run is not interactive",
        "suggested_rules": ["Edit(app.py)"],
    }
    result = {"type": "result", "result": "Changed the port.", "is_error": False, "usage": {}}
    out = parse_output(json.dumps({**result, "permission_denials": [denial]}), "", 0)
    assert out.state == "blocked"
    assert out.denials == ("edit(app.py); allow with Edit(app.py)",)
    clean = parse_output(json.dumps({**result, "permission_denials": []}), "", 0)
    assert clean.state == "ok" and clean.denials == ()


def test_parse_output_failures() -> None:
    plain = json.dumps({"result": "boom", "is_error": True, "num_turns": 1, "usage": {}})
    assert parse_output(plain, "", 1).state == "error"
    assert parse_output(plain, "", 1).error == "boom"
    missing = parse_output("", "Traceback\nValueError: bad\n", 1)
    assert missing.state == "error" and "ValueError: bad" in (missing.error or "")
    ok_but_exit = json.dumps({"type": "result", "result": "x", "is_error": False, "usage": {}})
    assert parse_output(ok_but_exit, "", 2).state == "error"
    assert parse_output(ok_but_exit, "", None).state == "ok"


def test_agent_argv_adds_model_only_when_set() -> None:
    s = DaemonSettings(cli_argv=("py", "-m", "w"))
    argv = agent_argv(s, "do it", None, None)
    assert argv == [
        "py",
        "-m",
        "w",
        "-p",
        "do it",
        "--output-format",
        "stream-json",
        "--permission-mode",
        "default",
    ]
    argv = agent_argv(s, "do it", "scripted:/x.json", "plan")
    assert argv[-4:] == ["--model", "scripted:/x.json", "--permission-mode", "plan"]


def test_journal_appends_and_never_rewrites(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    when = datetime(2025, 6, 1, 8, 0).timestamp()
    path = journal.append("first", ["- a"], when=when)
    before = path.read_bytes()
    journal.append("second", ["- b"], when=when + 60)
    after = path.read_bytes()
    assert path.name == "2025-06-01.md"
    assert after.startswith(before)
    text = after.decode()
    assert text.count("# wakeful journal, 2025-06-01") == 1
    assert "## 08:00:00 first\n- a\n" in text and "## 08:01:00 second\n- b\n" in text
    other = journal.append("next day", when=when + 86400)
    assert other.name == "2025-06-02.md"


@pytest.fixture
def store(tmp_path: Path) -> JobStore:
    s = JobStore(tmp_path / "state.db")
    yield s
    s.close()


def test_store_jobs_crud(store: JobStore) -> None:
    store.add_job(_job(name="a", next_due=5.0, when_check="test -f x", watch="*.py"))
    with pytest.raises(JobSpecError, match="already exists"):
        store.add_job(_job(name="a"))
    got = store.get_job("a")
    assert got.when_check == "test -f x" and got.watch == "*.py" and got.next_due == 5.0
    store.update_job("a", paused=True, next_due=7.0)
    assert store.get_job("a").paused and store.get_job("a").next_due == 7.0
    store.remove_job("a")
    with pytest.raises(JobNotFound):
        store.get_job("a")
    with pytest.raises(JobNotFound):
        store.remove_job("a")


def test_store_lease_allows_one_running_run_per_job(tmp_path: Path, store: JobStore) -> None:
    other = JobStore(tmp_path / "state.db")  # a second process's connection
    try:
        run = store.claim_run("a", "t", 1, 30.0)
        with pytest.raises(LeaseTaken):
            other.claim_run("a", "t", 2, 30.0)
        other.claim_run("b", "t", 2, 30.0)  # another job is independent
        store.finish_run(run.id, RunOutcome("ok", result="r", input_tokens=7, cost=0.5))
        again = other.claim_run("a", "t", 2, 30.0)
        assert again.id != run.id
        tokens, cost = store.usage_since(day_start(time.time()))
        assert (tokens, cost) == (7, 0.5)
        assert {r.job for r in store.running_runs()} == {"a", "b"}
    finally:
        other.close()


def test_finish_run_only_once(store: JobStore) -> None:
    run = store.claim_run("a", "t", 1, 30.0)
    store.finish_run(run.id, RunOutcome("ok", result="first"))
    store.finish_run(run.id, RunOutcome("error", result="second"))
    assert store.get_run(run.id).result == "first"


def test_day_start_is_local_midnight() -> None:
    noon = datetime(2025, 6, 1, 12, 0).timestamp()
    assert datetime.fromtimestamp(day_start(noon)) == datetime(2025, 6, 1)
    assert day_start(noon + 86400) - day_start(noon) == pytest.approx(
        (timedelta(days=1)).total_seconds(), abs=3600
    )


def test_systemd_unit(tmp_path: Path) -> None:
    text = unit_text(tmp_path, "/usr/bin/python3", {"WAKEFUL_HOME": "/h"})
    assert f"WorkingDirectory={tmp_path}" in text
    assert "ExecStart=/usr/bin/python3 -m wakeful.cli.main daemon start --foreground" in text
    assert "Environment=WAKEFUL_HOME=/h" in text and "[Install]" in text
    assert unit_name(tmp_path) == unit_name(tmp_path)
    assert unit_name(tmp_path) != unit_name(tmp_path / "other")


def test_parse_dream_report() -> None:
    skipped = json.dumps(
        {
            "skipped": True,
            "reason": "only 1 session since the last dream",
            "model": {"calls": 0, "tokens": {}},
        }
    )
    outcome, ran = parse_dream(skipped, "", 0)
    assert not ran and outcome.state == "ok" and "only 1 session" in (outcome.result or "")
    report = json.dumps(
        {
            "skipped": False,
            "counts": {"merged": 3, "pruned": 0},
            "model": {"calls": 2, "tokens": {"input": 100, "output": 20}},
        }
    )
    outcome, ran = parse_dream(report, "", 0)
    assert ran and outcome.tokens == 120 and "merged 3" in (outcome.result or "")
    assert "pruned" not in (outcome.result or "")
    outcome, ran = parse_dream("", "Error: No such command 'dream'.", 2)
    assert not ran and outcome.state == "error"
