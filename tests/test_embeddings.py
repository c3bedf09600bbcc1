"""The packaged model, offline, through the content cache."""
import hashlib
import os

import numpy as np
import pytest

from newstopics import embed as E


def test_packaged_model_embeds_offline(packaged_embedder):
    v = packaged_embedder.embed(["Chinese open-weight models are cheap.", "Export controls on AI chips."])
    assert v.shape == (2, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-4)
    assert packaged_embedder.describe()["window_tokens"] == 256


def test_cache_serves_a_new_process_identical_vectors(packaged_embedder):
    texts = [
        "Qwen overtook Llama in downloads.",
        "Senators asked about data privacy.",
        "Qwen overtook Llama in downloads.",
    ]
    first = packaged_embedder.embed(texts)
    fresh = E.Embedder()  # new instance: reads the shards from disk
    again = fresh.embed(texts)
    assert fresh.stats == {"hits": 3, "misses": 0}
    assert fresh._encoder is None  # nothing was embedded, so the neural model was never loaded
    assert np.array_equal(first, again)
    shards = list(fresh.cache.dir.glob("*.npy"))
    assert shards and all(not p.name.startswith(".") for p in shards)


def test_cache_files_hold_no_pickles(packaged_embedder):
    packaged_embedder.embed(["A sentence to cache."])
    shards = sorted(packaged_embedder.cache.dir.glob("*.keys.npy"))
    assert shards
    for keys in shards:
        vectors = keys.with_name(keys.name.replace(".keys.", ".vectors."))
        # allow_pickle=False would raise on object arrays
        assert np.load(keys, allow_pickle=False).dtype.kind == "S"
        assert np.load(vectors, allow_pickle=False, mmap_mode="r").dtype == np.float32


def test_long_text_is_not_truncated(packaged_embedder):
    head = "Chinese AI labs release open-weight models that developers download and adapt. " * 30
    tail = "Export controls on advanced semiconductors tighten as lawmakers debate national security. " * 30
    assert packaged_embedder.count_tokens(head) > packaged_embedder.max_tokens
    whole, only_head = packaged_embedder.embed([head + tail, head])
    assert float(whole @ only_head) < 0.95  # the tail changed the embedding: it was read


def test_unknown_model_fails_with_clear_message():
    emb = E.Embedder("some-org/not-on-this-machine", use_cache=False)
    with pytest.raises(E.EmbeddingModelError, match="not on this machine.*all-MiniLM-L6-v2"):
        emb.embed(["text"])


def test_local_model_folder_is_accepted(packaged_embedder):
    emb = E.Embedder(str(packaged_embedder.path))
    assert emb.key.split("-")[-1] == packaged_embedder.key.split("-")[-1]  # same files, same identity
    assert np.allclose(
        emb.embed(["same model, named by its folder"]),
        packaged_embedder.embed(["same model, named by its folder"]),
        atol=1e-6,
    )


def test_model_identity_is_a_hash_of_every_byte_cached_by_file(tmp_path):
    from conftest import change_the_middle, copy_of_the_packaged_model

    from newstopics.embed import resolve as R

    copy = copy_of_the_packaged_model(tmp_path)
    weights = copy / "model.safetensors"
    size, ends = weights.stat().st_size, _ends(weights)
    before = E.model_identity(str(copy))
    assert before == E.model_identity("all-MiniLM-L6-v2")  # the same bytes: the same identity, wherever they are
    read = dict(R.HASHED)
    assert E.model_identity(str(copy)) == before and R.HASHED == read  # asked again: from the cache, nothing read
    change_the_middle(weights)
    assert weights.stat().st_size == size and _ends(weights) == ends  # what the earlier identity looked at
    after = E.model_identity(str(copy))
    assert after != before and after.startswith("all-MiniLM-L6-v2-")
    assert R.HASHED == {"files": read["files"] + 1, "bytes": read["bytes"] + size}  # that file alone, read again
    assert E.Embedder(str(copy), use_cache=False).describe()["identity"] == after


def test_a_hub_name_is_identified_by_its_cached_files(tmp_path, monkeypatch):
    """A model named by its hub name (as users with a Hugging Face cache do) is hashed from its snapshot there, so a
    re-downloaded or edited copy changes its identity; a name cached nowhere falls back to the name."""
    from huggingface_hub import constants

    from newstopics.embed import resolve as R

    repo = tmp_path / "hub" / "models--acme--news-encoder"
    snapshot = repo / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    (snapshot / "config.json").write_text("{}")
    (snapshot / "model.safetensors").write_bytes(b"weights, first download")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("NEWSTOPICS_CACHE_DIR", str(tmp_path / "cache"))

    def by_hand() -> str:  # SHA-256 over each file's relative path and its bytes' SHA-256, in path order
        h = hashlib.sha256()
        for f in sorted(p for p in snapshot.rglob("*") if p.is_file()):
            h.update(f"{f.relative_to(snapshot).as_posix()}\0{hashlib.sha256(f.read_bytes()).hexdigest()}\n".encode())
        return h.hexdigest()

    assert R.hub_snapshot("acme/news-encoder") == snapshot
    before = R.model_identity("acme/news-encoder")
    assert before == "news-encoder-" + by_hand()[:16]
    (snapshot / "model.safetensors").write_bytes(b"weights, edited in place")
    after = R.model_identity("acme/news-encoder")
    assert after != before and after == "news-encoder-" + by_hand()[:16]
    assert R.hub_snapshot("acme/not-downloaded") is None
    assert R.model_identity("acme/not-downloaded") == (
        "not-downloaded-" + hashlib.sha256(b"acme/not-downloaded").hexdigest()[:16])


def _ends(path, n: int = 1 << 20) -> tuple[bytes, bytes]:
    with open(path, "rb") as f:
        head = f.read(n)
        f.seek(-n, os.SEEK_END)
        return head, f.read(n)


# -- the encoders behind the speed: ONNX MiniLM without torch, the static distillation -------------------


def _seed_paragraphs(n: int = 40) -> list[str]:
    from conftest import SEEDS

    from newstopics.corpus import load_corpus

    return load_corpus(str(SEEDS), "paragraph").documents["text"].tolist()[:n]


def test_onnx_encoder_equals_sentence_transformers_on_the_seeds(packaged_embedder):
    from sentence_transformers import SentenceTransformer

    from newstopics.embed.onnx import OnnxSentenceEncoder

    texts = _seed_paragraphs()
    assert OnnxSentenceEncoder.supports(packaged_embedder.path)
    ours = E.Embedder(use_cache=False, show_progress=False).embed(texts)
    reference = SentenceTransformer(str(packaged_embedder.path), device="cpu").encode(texts, normalize_embeddings=True)
    assert np.abs(ours - reference).max() < 1e-5


def test_embedding_with_the_packaged_model_never_imports_torch(tmp_path):
    import json
    import os
    import subprocess
    import sys

    code = """
import sys, json
from newstopics.embed import Embedder
from newstopics import model  # imports BERTopic, the cheap way in a batch run
v = Embedder(use_cache=False, show_progress=False).embed(["Open-weight models from "
                                                          "Qwen.", "Chips and export controls."])
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"torch", "transformers", "sentence_transformers"})
import sentence_transformers  # still importable for the models that need it
print(json.dumps({"shape": list(v.shape), "loaded": loaded}))
"""
    env = {
        **os.environ,
        "NEWSTOPICS_CACHE_DIR": str(tmp_path),
        "NEWSTOPICS_BATCH": "1",
    }  # a batch run, as the CLI makes
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"shape": [2, 384], "loaded": []}


@pytest.mark.slow
def test_static_model_is_distilled_once_and_keeps_meaning(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSTOPICS_CACHE_DIR", str(tmp_path))
    static = E.Embedder("static", show_progress=False)
    assert static.key.startswith("static256v2-") and static.key != E.Embedder().key
    texts = [
        "Chinese open-weight language models are cheap to download and adapt.",
        "Developers download open-source language models from Chinese labs.",
        "The central bank raised interest rates to fight inflation.",
    ]
    v = static.embed(texts)
    assert v.shape == (3, 256) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] and v[0] @ v[1] > v[1] @ v[2]  # like with like
    table = next((tmp_path / "models").glob("static256v2-*/embeddings.npy"))
    stamp = table.stat().st_mtime_ns
    again = E.Embedder("static", use_cache=False, show_progress=False)
    assert (
        np.allclose(again.embed(texts), v, atol=1e-6) and table.stat().st_mtime_ns == stamp
    )  # loaded, not distilled again
    # distilled again elsewhere (another cache, as a Dask worker on another node would): the same table, bit for bit
    monkeypatch.setenv("NEWSTOPICS_CACHE_DIR", str(tmp_path / "elsewhere"))
    E.Embedder("static", use_cache=False, show_progress=False).embed(texts[:1])
    other = next((tmp_path / "elsewhere" / "models").glob("static256v2-*/embeddings.npy"))
    assert np.array_equal(np.load(other), np.load(table))


def test_static_needs_a_bert_teacher(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSTOPICS_CACHE_DIR", str(tmp_path))
    with pytest.raises(E.EmbeddingModelError, match="cannot distil 'static:some-org/elsewhere'"):
        E.Embedder("static:some-org/elsewhere", use_cache=False).embed(["text"])


def test_the_cache_gives_each_text_its_own_vector_from_any_mix_of_shards(tmp_path):
    import pandas as pd

    from newstopics.embed.cache import EmbeddingCache, text_key

    def vector(t):  # a vector that depends on the text alone
        return [len(t), sum(map(ord, t)) % 101, t.count("a")]

    asked = []

    def compute(texts):
        texts = list(texts)
        asked.append(texts)
        return np.array([vector(t) for t in texts], np.float32)

    old = EmbeddingCache(tmp_path, "m")  # a shard in the earlier .npz format, still read
    old.dir.mkdir(parents=True)
    np.savez(old.dir / "legacy.npz", keys=np.array([text_key("from before")], dtype="S64"),
             vectors=np.array([vector("from before")], np.float32))
    first, misses = EmbeddingCache(tmp_path, "m").through(["b", "a", "b", "from before", "c"], compute)
    assert misses == 4 and asked == [["b", "a", "c"]]  # each missing text once, in order of first appearance
    texts = pd.Series(["c", "new", "a", "from before", "new", "zz"])
    again, misses = EmbeddingCache(tmp_path, "m").through(texts, compute)
    assert misses == 3 and asked[-1] == ["new", "zz"]
    np.testing.assert_array_equal(first, [vector(t) for t in ["b", "a", "b", "from before", "c"]])
    np.testing.assert_array_equal(again, [vector(t) for t in texts])
    assert len(list(old.dir.glob("*.keys.npy"))) == 2 and not list(old.dir.glob(".*"))


def test_a_large_corpus_reads_its_vectors_from_the_cache_file_not_a_copy(tmp_path):
    from newstopics.embed.cache import EmbeddingCache, text_keys

    texts = [f"paragraph {i} on open-weight models" for i in range(2000)]

    def compute(batch):
        return np.array([[len(t), i % 7, t.count("o")] for i, t in enumerate(batch)], np.float32)

    small = EmbeddingCache(tmp_path, "m")  # below its size: held in memory as before
    held, _ = small.through(texts[:10], compute)
    assert not isinstance(held, np.memmap) and held.flags.writeable
    cache = EmbeddingCache(tmp_path, "m", map_from=1)  # every corpus counts as large
    first, misses = cache.through(texts, compute)
    # ten rows came from another shard: put together in a file beside the shards, removed from the folder at once
    assert misses == 1990 and isinstance(first, np.memmap) and not first.flags.writeable
    assert not os.path.exists(first.filename) and not list(cache.dir.glob(".*"))
    np.testing.assert_array_equal(first, np.concatenate([compute(texts[:10]), compute(texts[10:])]))
    others = [t + " again" for t in texts]
    fresh, misses = cache.through(others, compute)  # all new: the shard just written, memory-mapped
    assert misses == 2000 and isinstance(fresh, np.memmap) and not fresh.flags.writeable
    np.testing.assert_array_equal(fresh, compute(others))
    overlap = others[1:] + ["one more"]  # a shard holding most of the same texts (another run of a sweep)
    cache.put(text_keys(overlap), compute(overlap))
    name = next(p.name.split(".")[0] for p in cache.dir.glob("*.keys.npy") if len(np.load(p)) == 2000
                and p.name.split(".")[0] not in str(fresh.filename))
    for first in ("0" * 32, "f" * 32):  # read before the corpus's own shard, then after it
        for part in ("keys", "vectors"):
            (cache.dir / f"{name}.{part}.npy").rename(cache.dir / f"{first}.{part}.npy")
        name = first
        warm, misses = EmbeddingCache(tmp_path, "m", map_from=1).through(others, compute)  # the same corpus again
        assert misses == 0 and isinstance(warm, np.memmap) and warm.filename == fresh.filename
    shuffled = others[::-1]  # the same texts in another order: rows picked, in memory
    back, misses = EmbeddingCache(tmp_path, "m", map_from=1).through(shuffled, compute)
    assert misses == 0 and not os.path.exists(back.filename)  # rows picked, put together on disk
    np.testing.assert_array_equal(back, np.asarray(fresh)[::-1])


def _tokenizer_texts() -> list[str]:
    """Real texts (the seeds, the messy fixtures) and adversarial ones: every kind of character the fast path must
    leave to the tokenizer, or must cut exactly as it does."""
    import random

    from conftest import SEEDS

    folders = (SEEDS, SEEDS.parent / "tests" / "fixtures" / "messy")
    texts = [p.read_bytes().decode("utf-8", "replace") for folder in folders
             for p in sorted(folder.glob("*")) if p.suffix in {".txt", ".md", ".html"}]
    texts += [para for t in list(texts) for para in t.split("\n\n")]
    pool = (list("abcXYZ019 ,.;:!?'\"()[]{}<>-_/\\@#$%^&*+=|~`") + ["\t", "\n", "\r", "\x0b", "\x0c", "\x00", "\x1f",
            "\x7f", "\x85", "\xa0", "é", "É", "ß", "ﬁ", "中", "😀", "“", "”", "‘", "’", "—", "–", "…", "•", "«", "»",
            "\u2028", "\u200b", "[CLS]", "[SEP]", "[UNK]", "[cls]", "word", "Tokenization", "x" * 120, "naïve"])
    rng = random.Random(0)
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(0, 60))) for _ in range(3000)]
    texts += ["“Quoted” — a dash… and ‘single’ quotes», «guillemets» • bullets", "NO\xa0BREAK space", ""]
    return texts


def test_word_pieces_are_the_tokenizers_own_on_every_kind_of_text(packaged_embedder):
    """The fast word pieces (embed/encoders.py) give exactly the tokenizer's ids and counts: on the real texts and on
    3,000 random strings of letters, digits, punctuation, whitespace of every kind, control characters, accents,
    ligatures, CJK, emoji, typographic punctuation, added tokens and over-long words."""
    from newstopics.embed.encoders import WordPieces, load_tokenizer

    tok = load_tokenizer(packaged_embedder.path, None)
    pieces = WordPieces(tok)
    assert pieces.fast  # the packaged tokenizer is an uncased BERT one: the fast path is taken
    texts = _tokenizer_texts()
    plain = [t for t in texts if pieces._plain(t)]
    assert len(plain) > 200 and len(texts) - len(plain) > 1000  # both paths are exercised
    for text in texts:
        expected = tok.encode(text, add_special_tokens=False).ids
        assert pieces.ids(text) == expected, repr(text)
        assert pieces.count(text) == len(expected), repr(text)
    # a tokenizer that truncates is not taken for a plain one
    assert not WordPieces(load_tokenizer(packaged_embedder.path, 16)).fast
