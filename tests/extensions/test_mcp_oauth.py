"""OAuth for HTTP MCP servers against a real OAuth-protected MCP server (the SDK's FastMCP
with its own authorization server): login through the local redirect listener and by
pasting, tokens in the user's data folder (0600), refresh, logout, and a session that needs
a login getting one line instead of a hang."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.conftest import clean_env

from .conftest import SERVERS, free_port, wait_port

OAUTH = SERVERS / "oauth_server.py"


@pytest.fixture
def oauth_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log = tmp_path / "oauth-events.jsonl"
    proc = subprocess.Popen(
        [sys.executable, str(OAUTH), str(port), str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port, proc)
        yield f"http://127.0.0.1:{port}/mcp", log
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _events(log: Path) -> list[str]:
    if not log.exists():
        return []
    return [json.loads(line)["event"] for line in log.read_text().splitlines()]


def _login(home: Path, repo: Path, *extra: str, paste: bool = False) -> tuple[str, str]:
    """Run `wakeful mcp login docs`, play the browser (approve at once), return its output."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "wakeful.cli.main", "mcp", "login", "docs", *extra],
        cwd=repo,
        env=clean_env(home),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        lines: list[str] = []
        while not lines or "/authorize?" not in lines[-1]:
            line = proc.stdout.readline()
            assert line, "login exited before printing the authorization URL"
            lines.append(line)
        url = lines[-1].strip()
        assert url.startswith("http://127.0.0.1:") and "code_challenge=" in url
        if paste:  # the browser lands on a redirect the user copies from the address bar
            redirect = httpx.get(url, follow_redirects=False).headers["location"]
            proc.stdin.write(redirect + "\n")
            proc.stdin.flush()
        else:  # the browser follows the redirect to wakeful's 127.0.0.1 listener
            page = httpx.get(url, follow_redirects=True, timeout=10)
            assert page.status_code == 200 and "authorization received" in page.text
        proc.stdin.close()
        out = proc.stdout.read()  # to the end: the process exits once it has the code
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    return "".join(lines) + out, err


def _whoami(cli, script, repo: Path, tmp_path: Path):  # noqa: ANN001, ANN202
    turns = script(
        "t", [{"tool_calls": [{"name": "mcp__docs__whoami", "input": {}}]}, {"text": "ok"}]
    )
    log = tmp_path / "requests.jsonl"
    log.unlink(missing_ok=True)
    r = cli(
        ["-p", "who", "--model", f"scripted:{turns}", "--permission-mode", "auto"],
        cwd=repo,
        env={"WAKEFUL_REQUEST_LOG": str(log)},
    )
    assert r.returncode == 0, r.stderr
    last = json.loads(log.read_text().splitlines()[-1])["request"]
    result = [b for b in last["messages"][-1]["content"] if b["type"] == "tool_result"][0]
    return r, result


@pytest.mark.slow  # seven CLI runs, each importing the MCP SDK
def test_login_session_refresh_logout(
    cli, script, git_repo: Path, home: Path, tmp_path: Path, oauth_server
) -> None:
    url, events = oauth_server
    r = cli(["mcp", "add", "docs", "--url", url], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    (git_repo / ".wakeful").mkdir(exist_ok=True)
    (git_repo / ".wakeful" / "config.toml").write_text('[permissions]\nallow = ["mcp__docs"]\n')

    # No login yet: the session says what to run, within the start timeout, no traceback.
    r, result = _whoami(cli, script, git_repo, tmp_path)
    assert "MCP server 'docs'" in r.stderr and "run `wakeful mcp login docs`" in r.stderr
    assert "Traceback" not in r.stderr
    assert result["is_error"]
    assert _events(events) == []  # a session never registers or starts an authorization

    out, _ = _login(home, git_repo, "--no-browser")
    assert "logged in to MCP server 'docs'" in out
    [stored] = list((home / ".local/share/wakeful/mcp-oauth").iterdir())
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    data = json.loads(stored.read_text())
    access = data["tokens"]["access_token"]
    assert data["server_url"] == url and data["tokens"]["refresh_token"]
    # nothing of it in the repository
    tracked = subprocess.run(
        ["grep", "-r", "-l", access, str(git_repo)], capture_output=True, text=True
    )
    assert tracked.stdout == ""
    assert _events(events) == ["register", "authorize", "token"]

    r, result = _whoami(cli, script, git_repo, tmp_path)
    assert not result["is_error"], result
    assert result["content"] == f"client {data['client_info']['client_id']}"
    listed = cli(["mcp", "list", "--json"], cwd=git_repo).json()
    assert listed["servers"][0]["oauth"] == "logged in"

    # The access token expired: the next session refreshes it, without a login.
    data["expires_at"] = 1.0
    stored.write_text(json.dumps(data))
    r, result = _whoami(cli, script, git_repo, tmp_path)
    assert not result["is_error"], result
    assert _events(events)[-1] == "refresh"
    renewed = json.loads(stored.read_text())
    assert renewed["tokens"]["access_token"] != access
    assert renewed["expires_at"] > 1.0
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600

    r = cli(["mcp", "logout", "docs"], cwd=git_repo)
    assert r.returncode == 0 and "logged out of MCP server 'docs'" in r.stdout
    assert not stored.exists()
    r, result = _whoami(cli, script, git_repo, tmp_path)
    assert result["is_error"] and "wakeful mcp login docs" in r.stderr


@pytest.mark.slow
def test_login_by_pasting_the_redirect(
    cli, git_repo: Path, home: Path, tmp_path: Path, oauth_server
) -> None:
    url, events = oauth_server
    assert (
        cli(["mcp", "add", "docs", "--url", url, "--scope", "user"], cwd=git_repo).returncode == 0
    )
    out, _ = _login(home, git_repo, "--paste", paste=True)
    assert "Paste the URL" in out and "logged in to MCP server 'docs'" in out
    r = cli(["mcp", "test", "docs"], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert "mcp__docs__whoami" in r.stdout


def test_login_usage_errors(cli, git_repo: Path) -> None:
    cli(["mcp", "add", "local", "--", sys.executable, "-c", "pass"], cwd=git_repo)
    r = cli(["mcp", "login", "local"], cwd=git_repo)
    assert r.returncode == 2 and "is a stdio server; OAuth is for HTTP servers" in r.stderr
    r = cli(["mcp", "login", "nope"], cwd=git_repo)
    assert r.returncode == 2 and "no MCP server named 'nope'" in r.stderr
    cli(
        ["mcp", "add", "keyed", "--url", "http://127.0.0.1:9/mcp", "-H", "Authorization=Bearer k"],
        cwd=git_repo,
    )
    r = cli(["mcp", "login", "keyed"], cwd=git_repo)
    assert r.returncode == 2 and "sends its own Authorization header" in r.stderr


def test_login_refused_for_an_untrusted_workspace(cli, untrusted_repo: Path) -> None:
    (untrusted_repo / ".mcp.json").write_text(
        json.dumps({"mcpServers": {"docs": {"type": "http", "url": "http://127.0.0.1:9/mcp"}}})
    )
    r = cli(["mcp", "login", "docs"], cwd=untrusted_repo)
    assert r.returncode == 2 and "run `wakeful trust` first" in r.stderr
    assert "Traceback" not in r.stderr


def test_token_file_is_per_url_private_and_survives_damage(tmp_path: Path) -> None:
    import asyncio

    from mcp.shared.auth import OAuthToken

    from wakeful.core.errors import WakefulError
    from wakeful.extensions.mcp_oauth import TokenFile, parse_pasted, token_file

    a, b = "https://a.example/mcp", "https://b.example/mcp"
    assert token_file(tmp_path, a) != token_file(tmp_path, b)
    assert token_file(tmp_path, a) == token_file(tmp_path, a + "/")
    store = TokenFile(token_file(tmp_path, a), a)
    asyncio.run(store.set_tokens(OAuthToken(access_token="x", expires_in=60, refresh_token="r")))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert asyncio.run(store.get_tokens()).access_token == "x"
    assert store.expires_at() is not None
    # a file whose server_url is another server's gives nothing to this one
    other = TokenFile(store.path, b)
    assert asyncio.run(other.get_tokens()) is None
    store.path.write_text("{not json")
    assert asyncio.run(store.get_tokens()) is None and not store.logged_in()
    # what a user may paste
    assert parse_pasted("http://127.0.0.1:5/callback?code=C1&state=S1", "S0") == ("C1", "S1")
    assert parse_pasted("  C2 \n", "S0") == ("C2", "S0")
    with pytest.raises(WakefulError, match="access_denied"):
        parse_pasted("http://127.0.0.1:5/callback?error=access_denied&state=S", "S")
