"""The agent loop on a real embedded model that calls tools in its template's own format.

Qwen2.5-Coder-1.5B (`make model-coder`; 1.1 GB, not part of `make install`, so this test is
skipped, saying why, where it is not installed): the template lists the tools in `<tools>`, the
model replies with a `<tool_call>` (grammar-constrained), the loop runs the tool, and the result
goes back as a `tool` message that the template wraps in `<tool_response>`. SmolLM2 cannot stand
in: given Qwen's template (local.chat_template) it never opens a `<tool_call>`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from wakeful.core.errors import ConfigError

pytest.importorskip("llama_cpp", reason="llama-cpp-python is part of wakeful[local]")

pytestmark = pytest.mark.slow


def _coder_file() -> Path | str:
    """The coder model's file, or why it is not installed."""
    from wakeful.providers.local_models import locate_model

    try:
        return locate_model("qwen2.5-coder-1.5b")
    except ConfigError as exc:
        return str(exc)


def test_headless_run_makes_native_tool_calls_and_completes_the_round_trip(
    git_repo: Path, home: Path, cli: Callable[..., object], tmp_path: Path
) -> None:
    found = _coder_file()
    if isinstance(found, str):
        pytest.skip(f"the coder model is not installed (make model-coder): {found}")
    # The CLI runs with a decoy HOME: point it at the folder the model was found in.
    user_config = home / ".config" / "wakeful" / "config.toml"
    user_config.parent.mkdir(parents=True, exist_ok=True)
    # Without local.preread, so that the model's own call makes the round trip.
    user_config.write_text(f'[local]\ncache_dir = "{found.parent}"\npreread = false\n')
    log = tmp_path / "requests.jsonl"
    result = cli(
        [
            "-p",
            "Read app.py and tell me which port it uses.",
            "--model",
            "local:qwen2.5-coder-1.5b",
            "--permission-mode",
            "auto",
            "--max-turns",
            "4",
            "--output-format",
            "stream-json",
        ],
        cwd=git_repo,
        env={"WAKEFUL_REQUEST_LOG": str(log)},
        timeout=1500,  # two 1.5B requests on 2 cores; minutes when the machine is shared
    )
    assert result.returncode == 0, result.stderr[-2000:]  # type: ignore[attr-defined]
    events = [json.loads(line) for line in result.stdout.splitlines()]  # type: ignore[attr-defined]
    starts = [e for e in events if e["type"] == "tool_start"]
    ends = [e for e in events if e["type"] == "tool_end"]
    final = events[-1]
    assert final["type"] == "result" and not final["is_error"], final
    # The loop received a native call and ran it; the answer comes from the tool's result.
    # The workspace is named in the prompt, so the model may read by the absolute path.
    assert starts and starts[0]["tool"] == "read"
    assert (git_repo / starts[0]["input"]["path"]).resolve() == (git_repo / "app.py").resolve()
    assert ends and "PORT = 8080" in ends[0]["summary"]
    # What the model concludes from it is measured by bench/tasks.py, not here: with greedy
    # decoding its reply depends on the workspace path in the prompt (one CI run's model went
    # on to edit the port). This test holds the harness's round trip.
    assert final["result"].strip()

    requests = [json.loads(line)["request"] for line in log.read_text().splitlines()]
    assert len(requests) >= 2
    first, second = requests[0], requests[1]
    assert first["format"] == "native" and second["format"] == "native"
    # The template's own tool list and call grammar, not wakeful's JSON reply format.
    assert "<tools>" in first["prompt"] and '"name": "read"' in first["prompt"]
    assert '{"answer"' not in first["prompt"]
    assert first["grammar"].startswith('root ::= "<tool_call>"')
    # The call went back in the template's format, and its result as a tool response.
    assert '<tool_call>\n{"name": "read", "arguments": {"path": ' in second["prompt"]
    assert "<tool_response>" in second["prompt"] and "PORT = 8080" in second["prompt"]
    assert "Result of read:" not in second["prompt"]


def test_an_unreadable_chat_template_is_a_one_line_error(
    git_repo: Path, home: Path, cli: Callable[..., object]
) -> None:
    config = home / ".config/wakeful/config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[local]\nchat_template = "/nonexistent/t.jinja"\n', encoding="utf-8")
    result = cli(["-p", "hi", "--model", "local"], cwd=git_repo, timeout=60)
    assert result.returncode != 0  # type: ignore[attr-defined]
    err = result.stderr  # type: ignore[attr-defined]
    assert "local.chat_template: cannot read /nonexistent/t.jinja" in err
    assert "Traceback" not in err
