"""How the tokenizer's memory-mapped dictionary costs each process as little as it can (Linux).

SudachiPy maps the ~190 MB ``system.dic`` of the sudachidict-core wheel read-only
and shared; every process that tokenizes counts the pages it touches in its RSS.
Two things keep that count at what a process really uses:

* :func:`cache_in_small_pages`, before the dictionary is opened: newer kernels
  (6.16 and later on ext4, xfs, …) keep a file read sequentially in *large
  folios* (up to 2 MB) and, on a fault, map the whole folio. A tokenizer's
  lookups are scattered, so each question then maps 10–30 MB of the file (seen
  on 6.18: a web worker at 372 MB RSS after a benchmark, 147 MB of it the
  dictionary). Read once with ``POSIX_FADV_RANDOM``, the file is cached in
  4 KiB pages and a fault maps only its neighbourhood (the same questions:
  ~3 MB). Pages some other process still maps cannot be dropped and stay as
  they are; nothing breaks, the effect is only smaller.
* :func:`release_mapped`, after the web master has built the FAQ index: the
  master never tokenizes again, so it gives its mappings back; the pages stay
  in the page cache for the workers.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

MADV_DONTNEED = 4
CHUNK = 1 << 20


def system_dictionary() -> Path | None:
    """The path of sudachidict-core's ``system.dic`` (what ``Dictionary(dict="core")`` opens)."""
    try:
        from importlib.resources import files

        path = Path(str(files("sudachidict_core") / "resources" / "system.dic"))
    except (ImportError, TypeError):  # pragma: no cover - the wheel is a dependency
        return None
    return path if path.is_file() else None


def cache_in_small_pages(path: Path | None) -> int:
    """Re-read ``path`` into the page cache in base pages; the bytes read (0: not done).

    Drops the file's cached pages that no process maps (written back first, if a
    fresh install left them dirty), then reads it through
    with random-access advice, so the kernel neither reads ahead nor builds
    large folios. About 0.2 s for the dictionary; it also warms the cache.
    """
    if path is None or not hasattr(os, "posix_fadvise"):
        return 0
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return 0
    done = 0
    try:
        try:
            os.fdatasync(fd)  # dirty pages (a fresh install) cannot be dropped
        except OSError:
            pass  # a read-only filesystem: nothing is dirty
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
        while chunk := os.read(fd, CHUNK):
            done += len(chunk)
    except OSError:
        return done
    finally:
        os.close(fd)
    return done


def release_mapped(suffix: str = ".dic") -> int:
    """Drop this process's page mappings of files ending in ``suffix``; how many ranges.

    MADV_DONTNEED on a read-only shared file mapping is safe: a later read
    faults the page in again from the page cache.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        with open("/proc/self/maps", encoding="ascii") as fh:
            ranges = [line.split()[0] for line in fh if line.rstrip().endswith(suffix)]
    except OSError:  # pragma: no cover - not Linux
        return 0
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    for span in ranges:
        start, end = (int(x, 16) for x in span.split("-"))
        libc.madvise(start, end - start, MADV_DONTNEED)
    return len(ranges)
