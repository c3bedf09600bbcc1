"""Memory a run has let go of, given back to the system between stages.

A large corpus passes through the kernel as tables (Arrow strings) and arrays, made and dropped stage after stage.
Freed memory stays with the allocator unless it is handed back: measured on 300,000 paragraphs read through a local
cluster, the kernel still held 530 MiB after the corpus stage, of which its tables were 186 MiB. Two things hand it
back, both guarded (they do nothing where they do not apply):

* Arrow's columns are allocated with the C library's ``malloc`` rather than Arrow's bundled allocator (which kept its
  freed pages), so that
* :func:`give_back`, at the end of every stage, can ask glibc to return its free pages (``malloc_trim``): the next
  stage's large arrays then take the place of the last stage's, not room beside them.

Linux with glibc only; elsewhere both are no-ops. Neither changes a result.

Vectors too large to hold are read from a file through a read-only memory map (:mod:`newstopics.embed.cache`); the
pages a pass has read count as the process's memory until :func:`let_go` drops them, as :func:`in_blocks` does after
each block. The file is not changed and the pages are read again if needed, so this does not change a result either.
"""
from __future__ import annotations

import ctypes
import sys

_LIBC: list = []


def _libc():
    if not _LIBC:
        try:
            _LIBC.append(ctypes.CDLL("libc.so.6") if sys.platform.startswith("linux") else None)
        except OSError:  # another C library (musl): nothing to ask
            _LIBC.append(None)
    return _LIBC[0]


def arrow_on_malloc() -> None:
    """Allocate Arrow's memory with the C library's ``malloc`` from now on (Linux with glibc only)."""
    if _libc() is None or not hasattr(_libc(), "malloc_trim"):
        return
    try:
        import pyarrow

        pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    except Exception:  # noqa: BLE001  (an older or odd pyarrow: its own pool stays, and so does the memory)
        pass


def give_back() -> None:
    """Return the free memory glibc holds to the system (``malloc_trim(0)``)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def resident_mib() -> int | None:
    """This process's resident memory now, in MiB (Linux; None elsewhere)."""
    import os

    try:
        with open("/proc/self/statm") as f:
            return round(int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20)
    except (OSError, ValueError, IndexError):
        return None


def let_go(array) -> None:
    """Drop from this process the pages it has touched of a memory-mapped array: they stay in the system's file
    cache and are read again if touched, so the process holds only what it is using. A read-only map
    (``np.load(..., mmap_mode="r")``) is let go of as it is; a writable shared one (``"r+"``, ``"w+"``, as
    :func:`on_disk` makes) is first written to its file, so what it holds does not pile up as unwritten pages (they
    stay in the file either way). Any other array (in memory, or
    a copy-on-write map, whose changes live only in this process): nothing to do. Where ``madvise`` is missing, a
    no-op."""
    import mmap

    while array is not None and getattr(array, "_mmap", None) is None:  # a view's memory map is its base's
        array = getattr(array, "base", None)
    m = getattr(array, "_mmap", None) if array is not None else None
    mode = getattr(array, "mode", None)
    if m is None or m.closed or not hasattr(mmap, "MADV_DONTNEED") or mode not in ("r", "r+", "w+"):
        return
    if mode != "r":
        m.flush()
    m.madvise(mmap.MADV_DONTNEED)


def on_disk(shape: tuple[int, int], folder, dtype="float32"):
    """A zeroed array backed by a file in ``folder`` rather than by memory, to assemble something too large to hold:
    write it a block at a time, calling :func:`let_go` after each block. The file is removed from the folder at once
    (POSIX), so nothing is left behind; its space is freed when the array is."""
    import os
    import uuid
    from pathlib import Path

    from numpy.lib.format import open_memmap

    path = Path(folder) / f".scratch-{uuid.uuid4().hex}.npy"
    array = open_memmap(path, mode="w+", dtype=dtype, shape=shape)
    try:
        if hasattr(os, "posix_fallocate"):  # the space taken now: a full disk is an OSError here, not a crash later
            with open(path, "r+b") as f:
                os.posix_fallocate(f.fileno(), 0, os.fstat(f.fileno()).st_size)
    except OSError:
        del array
        os.unlink(path)
        raise
    try:
        os.unlink(path)
    except OSError:  # a system that cannot remove an open file: it stays, hidden (its name starts with a dot)
        pass
    return array


def take(X, rows):
    """``X[rows]``, a copy, and the pages read for it let go of (:func:`let_go`). Even a few rows spread over a
    memory-mapped file bring most of it in: the system maps the pages around each one read (fault-around), so
    2,500 rows of 1,000,000 held about 1 GB until let go of."""
    out = X[rows]
    let_go(X)
    return out


def in_blocks(X, rows=None, size: int = 4096):
    """``(start, block)`` for consecutive blocks of ``X`` (or of its ``rows``); a memory-mapped ``X`` is let go of
    (:func:`let_go`) after each block is used, so a pass over vectors on disk holds one block at a time. A block may
    be a view: read again after it is let go of, it is read from the file again, the same."""
    n = len(X) if rows is None else len(rows)
    for start in range(0, n, size):
        yield start, (X[start:start + size] if rows is None else X[rows[start:start + size]])
        let_go(X)
