"""Secrets disguised on their way into memory: look-alike characters, zero-width and spacing,
credentials in URLs, webhook URLs, base64; and a dropped hand edit is reported."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from wakeful.memory import MemoryRefused, MemoryService
from wakeful.memory.secret_scan import find_secrets, normalise

KEY = "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
DISGUISED = {
    "full-width": "the key is "
    + "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in KEY),
    "zero-width": "the key is " + "\u200b".join(KEY),
    "soft hyphens": "the key is " + "\u00ad".join(KEY[:20]) + KEY[20:],
    "spaced out": "the key is " + " ".join(KEY),
    "spaced AWS id": "deploy with A K I A I O S F O D N N 7 E X A M P L E",
    "url credentials": "the db is postgres://deploy:Tr0ub4dor3x@db.internal:5432/app",
    "https credentials": "mirror at https://ci:ghp_notreallyatoken@git.example.com/x.git",
    "slack webhook": "alerts go to https://hooks.slack.com/services/T024BE7LD/B01ABCDEF/abcdefghijklmnopqrstuvwx",
    "discord webhook": "https://discord.com/api/webhooks/112233445566778899/AbCdEfGhIjKlMnOpQrStUvWxYz-0123456789",
    "teams webhook": "https://contoso.webhook.office.com/webhookb2/1234abcd-12ab-34cd-56ef-1234567890ab@x/IncomingWebhook/abc",
    "base64 key": "config blob " + base64.b64encode(f"ANTHROPIC_API_KEY={KEY}".encode()).decode(),
    "urlsafe base64 key": "blob "
    + base64.urlsafe_b64encode(f"key={KEY}??>>".encode()).decode().rstrip("="),
    "base64 webhook": "hook "
    + base64.b64encode(
        b"https://hooks.slack.com/services/T024BE7LD/B01ABCDEF/abcdefghijklmnopqrstuvwx"
    ).decode(),
}
BENIGN = [
    "the db is postgres://app:<password>@db.internal/app (password in the vault)",
    "clone with git@github.com:owner/repo.git or ssh://git@github.com:22/owner/repo",
    "the docs live at https://example.com/docs?page=2#install",
    "slack notifications are configured in notify.py",
    "base64 of 'hello world' is aGVsbG8gd29ybGQ=, used in the test fixture",
    "the build id is 3f9a2c1d4e5b6a7980f1e2d3c4b5a6978f0e1d2c",
    "ｆｕｌｌ－ｗｉｄｔｈ text is folded before scanning",
]


@pytest.mark.parametrize("name", sorted(DISGUISED))
def test_disguised_secrets_are_found(name: str) -> None:
    assert find_secrets(DISGUISED[name]), name


@pytest.mark.parametrize("text", BENIGN)
def test_benign_text_passes(text: str) -> None:
    assert find_secrets(text) == []


def test_normalise_folds_and_strips() -> None:
    assert normalise("ｓｋ\u200b－ａｎｔ") == "sk-ant"


def test_service_refuses_a_webhook(service: MemoryService) -> None:
    with pytest.raises(MemoryRefused, match="Slack webhook"):
        service.add(DISGUISED["slack webhook"])


def test_dropped_hand_edit_is_reported(service: MemoryService) -> None:
    kept = service.add("alerts are posted to the ops channel", type="project")
    topic = service.paths.memory_dir / "project.md"
    topic.write_text(
        topic.read_text().replace(
            "alerts are posted to the ops channel", DISGUISED["slack webhook"]
        )
        + f"- {DISGUISED['url credentials']}\n"
    )
    service.sync_files()
    assert service.get(kept.id).text == "alerts are posted to the ops channel"
    assert "hooks.slack.com" not in topic.read_text()
    notices = service.take_notices()
    assert len(notices) == 2, notices
    assert kept.id in notices[0] and "Slack webhook" in notices[0]
    assert "hand-written entry" in notices[1] and "URL with a password" in notices[1]
    assert service.take_notices() == []


@pytest.mark.slow
def test_dropped_hand_edit_is_reported_by_the_cli(cli, git_repo: Path) -> None:
    added = cli(["memory", "add", "deploys go through the release job"], cwd=git_repo)
    assert added.returncode == 0, added.stderr
    memory_id = added.stdout.strip()
    topic = next((git_repo / ".wakeful" / "memory").glob("project.md"))
    topic.write_text(
        topic.read_text().replace(
            "deploys go through the release job", "deploy token " + " ".join(KEY)
        )
    )
    rebuilt = cli(["memory", "rebuild"], cwd=git_repo)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"dropped the hand edit of {memory_id}" in rebuilt.stderr
    assert "Anthropic API key" in rebuilt.stderr
    assert "deploys go through the release job" in topic.read_text()
    assert "s k" not in topic.read_text()
