"""The packaged model, offline, through the content cache."""
import numpy as np
import pytest

from newstopics import embeddings as E


def test_packaged_model_embeds_offline(packaged_embedder):
    v = packaged_embedder.embed(["Chinese open-weight models are cheap.", "Export controls on AI chips."])
    assert v.shape == (2, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-4)
    assert packaged_embedder.describe()["window_tokens"] == 256


def test_cache_serves_a_new_process_identical_vectors(packaged_embedder):
    texts = ["Qwen overtook Llama in downloads.", "Senators asked about data privacy.", "Qwen overtook Llama in downloads."]
    first = packaged_embedder.embed(texts)
    fresh = E.Embedder()  # new instance: reads the shards from disk
    again = fresh.embed(texts)
    assert fresh.stats == {"hits": 3, "misses": 0}
    assert fresh._model is None  # nothing was embedded, so the neural model was never loaded
    assert np.array_equal(first, again)
    shards = list(fresh.cache.dir.glob("*.npz"))
    assert shards and all(not p.name.startswith(".") for p in shards)


def test_cache_files_hold_no_pickles(packaged_embedder):
    packaged_embedder.embed(["A sentence to cache."])
    for shard in packaged_embedder.cache.dir.glob("*.npz"):
        with np.load(shard, allow_pickle=False) as z:  # would raise on object arrays
            assert z["keys"].dtype.kind == "S" and z["vectors"].dtype == np.float32


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
    assert np.allclose(emb.embed(["same model, named by its folder"]), packaged_embedder.embed(["same model, named by its folder"]), atol=1e-6)
