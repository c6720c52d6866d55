"""The `wakeful memory` verbs, run as real subprocesses in a temporary git repository."""

from __future__ import annotations

from pathlib import Path

REQUIRED = {"id", "text", "type", "verdict", "anchors"}


def test_memory_verbs_end_to_end(cli, git_repo: Path) -> None:
    added = cli(
        ["memory", "add", "The server listens on port 8080", "--anchor", "app.py:1"], cwd=git_repo
    )
    assert added.returncode == 0, added.stderr
    port_id = added.stdout.strip()
    assert port_id.startswith("m") and len(port_id) == 11

    greet = cli(
        [
            "memory",
            "add",
            "greet builds the greeting",
            "--anchor",
            "app.py:4-5",
            "--type",
            "project",
        ],
        cwd=git_repo,
    )
    pref = cli(["memory", "add", "The user prefers short answers", "--type", "user"], cwd=git_repo)
    assert greet.returncode == 0 and pref.returncode == 0, greet.stderr + pref.stderr
    greet_id, pref_id = greet.stdout.strip(), pref.stdout.strip()

    listed = cli(["memory", "list", "--json"], cwd=git_repo)
    rows = {r["id"]: r for r in listed.json()}
    assert set(rows) == {port_id, greet_id, pref_id}
    assert all(set(r) >= REQUIRED for r in rows.values())
    assert rows[port_id]["verdict"] == "fresh"
    assert rows[pref_id]["verdict"] == "unanchored"
    assert rows[greet_id]["anchors"][0]["symbol"] == "greet"

    # The code moves on: one edit inside the anchored span, and lines inserted above.
    app = git_repo / "app.py"
    app.write_text('"""App."""\n\n' + app.read_text().replace("PORT = 8080", "PORT = 9090"))
    verified = cli(["memory", "verify", "--json"], cwd=git_repo)
    assert verified.returncode == 0, verified.stderr
    verdicts = {r["id"]: r["verdict"] for r in verified.json()}
    assert verdicts == {port_id: "drifted", greet_id: "moved", pref_id: "unanchored"}

    recalled = cli(["memory", "recall", "port", "--json"], cwd=git_repo)
    (hit,) = recalled.json()
    assert set(hit) >= REQUIRED
    assert hit["id"] == port_id and hit["verdict"] == "drifted"
    assert hit["hint"].startswith("[drifted, just now] The server listens on port 8080 (app.py:3")

    text = cli(["memory", "recall", "greeting"], cwd=git_repo)
    assert f"{greet_id}  [fresh, just now] greet builds the greeting" in text.stdout

    shown = cli(["memory", "show", greet_id[:6]], cwd=git_repo)
    assert shown.returncode == 0, shown.stderr
    assert "anchor:        app.py:6-7 (greet)" in shown.stdout  # relocated by verify

    forgot = cli(["memory", "forget", port_id], cwd=git_repo)
    assert forgot.returncode == 0 and f"archived {port_id}" in forgot.stdout
    ids = {r["id"] for r in cli(["memory", "list", "--json"], cwd=git_repo).json()}
    assert ids == {greet_id, pref_id}
    all_ids = {
        r["id"]: r["status"]
        for r in cli(["memory", "list", "--all", "--json"], cwd=git_repo).json()
    }
    assert all_ids[port_id] == "archived"

    index = (git_repo / ".wakeful/memory/MEMORY.md").read_text()
    assert "greet builds the greeting" in index and "port 8080" not in index


def test_memory_errors_are_one_line_without_traceback(cli, git_repo: Path) -> None:
    secret = cli(["memory", "add", "use key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv"], cwd=git_repo)
    assert secret.returncode != 0
    assert secret.stderr.startswith("wakeful: error: refusing to remember")
    assert "Traceback" not in secret.stderr

    bad_anchor = cli(["memory", "add", "x", "--anchor", "missing.py:1-2"], cwd=git_repo)
    assert bad_anchor.returncode != 0
    assert "no such file missing.py" in bad_anchor.stderr

    bad_range = cli(["memory", "add", "x", "--anchor", "app.py:5-2"], cwd=git_repo)
    assert "START must not exceed END" in bad_range.stderr

    missing = cli(["memory", "show", "mffffffffff"], cwd=git_repo)
    assert missing.returncode != 0 and "no memory with id" in missing.stderr

    bad_type = cli(["memory", "add", "x", "--type", "fact"], cwd=git_repo)
    assert bad_type.returncode != 0 and "unknown memory type" in bad_type.stderr


def test_empty_store_and_rebuild(cli, git_repo: Path) -> None:
    empty = cli(["memory", "list"], cwd=git_repo)
    assert empty.returncode == 0 and "No memories yet" in empty.stdout
    assert cli(["memory", "list", "--json"], cwd=git_repo).json() == []
    cli(["memory", "add", "builds use make"], cwd=git_repo)
    (git_repo / ".wakeful/memory/MEMORY.md").unlink()
    rebuilt = cli(["memory", "rebuild"], cwd=git_repo)
    assert rebuilt.returncode == 0 and "1 active memories" in rebuilt.stdout
    assert "builds use make" in (git_repo / ".wakeful/memory/MEMORY.md").read_text()
