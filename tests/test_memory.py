"""What a stage frees goes back to the system (newstopics.memory): Arrow's columns on malloc, malloc_trim after."""
import gc
import sys

import pandas as pd
import psutil
import pytest

from newstopics import memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim: Linux only")
def test_a_dropped_table_is_given_back_to_the_system():
    import pyarrow

    memory.arrow_on_malloc()
    assert pyarrow.default_memory_pool().backend_name == "system"
    process = psutil.Process()
    memory.give_back()
    before = process.memory_info().rss
    table = pd.Series(["a paragraph of news text " * 12] * 500_000)  # about 150 MB of Arrow strings
    assert process.memory_info().rss - before > 100 * 2**20
    del table
    gc.collect()
    memory.give_back()
    assert process.memory_info().rss - before < 30 * 2**20


def _file_backed_mib() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("RssFile")) / 1024


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc: Linux only")
def test_a_pass_over_vectors_on_disk_holds_one_block_at_a_time(tmp_path):
    import numpy as np

    X = np.random.default_rng(0).random((200_000, 64), dtype=np.float32)  # 49 MiB
    np.save(tmp_path / "v.npy", X)
    mapped = np.load(tmp_path / "v.npy", mmap_mode="r")
    before = _file_backed_mib()
    total = sum(float(block.sum(dtype=np.float64)) for _, block in memory.in_blocks(mapped, size=8192))
    assert _file_backed_mib() - before < 10  # each block let go of after use
    assert total == pytest.approx(float(X.sum(dtype=np.float64)), rel=1e-12)
    rows = np.random.default_rng(1).permutation(len(X))[:50_000]
    picked = np.concatenate([b for _, b in memory.in_blocks(mapped, rows, size=4096)])
    assert np.array_equal(picked, X[rows])
    float(mapped.sum())  # read whole: held until let go of
    assert _file_backed_mib() - before > 40
    memory.let_go(mapped[5:9])  # through a view too
    assert _file_backed_mib() - before < 10
    assert np.array_equal(np.asarray(mapped[:3]), X[:3])  # still readable, from the file
    memory.let_go(X)  # an array in memory: nothing to do
    changed = np.load(tmp_path / "v.npy", mmap_mode="c")  # copy-on-write: its pages hold changes, kept
    changed[0, 0] = -5.0
    memory.let_go(changed)
    assert changed[0, 0] == -5.0
    memory.let_go(mapped)
    built = memory.on_disk(X.shape, tmp_path)  # a writable map of a file already gone from the folder
    assert not list(tmp_path.glob(".*")) and float(np.abs(built).max()) == 0.0
    memory.let_go(built)
    for start in range(0, len(X), 50_000):
        built[start:start + 50_000] = X[start:start + 50_000]
        memory.let_go(built)  # written to the file, then let go of
    assert _file_backed_mib() - before < 20
    np.testing.assert_array_equal(built, X)  # nothing lost: read back from the file
    memory.let_go(built)
    rows = np.sort(np.random.default_rng(2).choice(len(X), 500, replace=False))  # a few rows spread over the file
    np.testing.assert_array_equal(memory.take(mapped, rows), X[rows])
    assert _file_backed_mib() - before < 10
