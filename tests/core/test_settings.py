"""One typed configuration schema: every setting's type, default and documentation in
core.settings, the README's table generated from it, and no default repeated elsewhere."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import wakeful
from wakeful.core.config import DEFAULTS, Config, load_config
from wakeful.core.config_doc import current_section, replace_section, table
from wakeful.core.errors import ConfigError
from wakeful.core.paths import Paths
from wakeful.core.settings import Settings, describe, type_error

if TYPE_CHECKING:
    from conftest import CliResult

SRC = Path(wakeful.__file__).parent
README = SRC.parent.parent / "README.md"
SCHEMA_MODULES = {SRC / "core" / "settings.py"}


def _paths(tmp_path: Path, project: str = "", user: str = "") -> Paths:
    paths = Paths(tmp_path / "ws", tmp_path / "data", tmp_path / "conf")
    paths.project.mkdir(parents=True)
    paths.user_config.mkdir(parents=True)
    if project:
        paths.project_config.write_text(project)
    if user:
        paths.user_config_file.write_text(user)
    return paths


def _config_gets_with_default(path: Path) -> list[str]:
    """`config.get(..., default=...)` calls (any receiver named config or cfg) in a file."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "get" or not any(k.arg == "default" for k in node.keywords):
            continue
        receiver = node.func.value
        name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
        if name in ("config", "cfg"):
            found.append(f"{path.relative_to(SRC)}:{node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.slow
def test_no_setting_default_is_repeated_outside_the_schema() -> None:
    offenders = [
        line
        for path in sorted(SRC.rglob("*.py"))
        if path not in SCHEMA_MODULES
        for line in _config_gets_with_default(path)
    ]
    assert offenders == [], "read these from config.settings instead:\n" + "\n".join(offenders)


def test_the_readme_table_is_the_generated_one() -> None:
    text = README.read_text(encoding="utf-8")
    assert current_section(text) == table(), (
        "README.md's settings table is stale: run `python -m wakeful.core.config_doc --write "
        "README.md`"
    )


def test_every_setting_is_documented_and_its_default_has_its_type() -> None:
    rows = describe()
    assert len(rows) > 60 and len({r.key for r in rows}) == len(rows)
    for row in rows:
        assert row.doc.strip() and "\n" not in row.doc, row.key
        assert type_error(row.key, row.kind, row.default) is None, row.key


def test_the_defaults_read_back_as_the_schema() -> None:
    assert Config().settings == Settings()
    assert DEFAULTS["daemon"]["tick_seconds"] == 1.0 and DEFAULTS["permissions"]["allow"] == []


def test_doc_generator_checks_and_rewrites_a_readme(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    from wakeful.core.config_doc import END, START

    readme.write_text(f"# x\n\n{START}\n| old |\n{END}\n\nafter\n")
    run = [sys.executable, "-m", "wakeful.core.config_doc"]
    stale = subprocess.run([*run, "--check", str(readme)], capture_output=True, text=True)
    assert stale.returncode == 1 and "out of date" in stale.stderr
    subprocess.run([*run, "--write", str(readme)], check=True)
    assert subprocess.run([*run, "--check", str(readme)]).returncode == 0
    text = readme.read_text()
    assert text.startswith("# x\n") and text.endswith(f"{END}\n\nafter\n")
    assert "| `daemon.tick_seconds` | number | `1.0` |" in text
    with pytest.raises(ValueError, match="markers"):
        replace_section("no markers here", "x")


def test_unknown_keys_warn_with_the_closest_known_one(tmp_path: Path) -> None:
    paths = _paths(
        tmp_path,
        project="max_turn = 3\n[daemon]\ntick_secnds = 2.0\n[mcp.servers.x]\ncommand = 'y'\n",
        user="[memroy]\nrecall_limit = 2\n[hooks]\nStop = []\n",
    )
    cfg = load_config(paths, {})
    assert cfg.warnings == [
        f"{paths.user_config_file}: unknown setting `memroy`; did you mean `memory`?",
        f"{paths.project_config}: unknown setting `max_turn`; did you mean `max_turns`?",
        f"{paths.project_config}: unknown setting `daemon.tick_secnds`; did you mean "
        "`daemon.tick_seconds`?",
    ]


@pytest.mark.slow
def test_cli_prints_unknown_key_warnings_and_keeps_going(
    git_repo: Path, cli: Callable[..., CliResult]
) -> None:
    (git_repo / ".wakeful").mkdir(exist_ok=True)
    (git_repo / ".wakeful" / "config.toml").write_text("[compaction]\ntreshold = 0.7\n")
    result = cli(["cost"], cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert (
        "wakeful: warning: " in result.stderr
        and "unknown setting `compaction.treshold`; did you mean `compaction.threshold`?"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[daemon]\nwebhook = "x"\ntick_seconds = "fast"\n', ":3: `daemon.tick_seconds` must be"),
        ("[local]\nn_ctx = 1.5\n", ":2: `local.n_ctx` must be an integer, not 1.5"),
        ("[agents]\nwarm_first = 1\n", "`agents.warm_first` must be true or false"),
        ("[local]\ntools = [1]\n", "`local.tools` must be a string or a list of strings"),
        ("daemon = 3\n", "`daemon` must be a table"),
    ],
)
def test_every_section_is_type_checked_at_load(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(_paths(tmp_path, user=text), {})
    assert message in str(err.value) and "config.toml" in str(err.value)
    assert "\n" not in str(err.value)


def test_values_come_back_typed(tmp_path: Path) -> None:
    cfg = load_config(
        _paths(tmp_path, user='[agents]\nmax_worker_cost = 1\n[permissions]\nallow = ["Read"]\n'),
        {"WAKEFUL_MODEL": "scripted:x.json"},
    )
    settings = cfg.settings
    assert settings.agents.max_worker_cost == 1.0 and isinstance(
        settings.agents.max_worker_cost, float
    )
    assert settings.permissions.allow == ("Read",)
    assert settings.model == "scripted:x.json"
    assert settings.daemon.tick_seconds == 1.0  # unset: the schema's default
