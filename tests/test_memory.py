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
