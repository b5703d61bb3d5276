"""How an app instance's process allocates memory: settings made once per process, so an instance
holds what its pages need rather than what its allocators keep in reserve.

Measured by ``make bench`` (``memory``: one instance after every page is visited at 528,000 values):

* Arrow's memory pool. pandas keeps text columns in Arrow arrays, and Streamlit sends every table
  as Arrow; Arrow's default pool (mimalloc) keeps freed blocks for reuse, some tens of MB after a
  large page. The system allocator's pool gives them back to ``malloc``, shared with everything else.
* ``malloc``'s arenas. glibc gives each thread that meets contention an arena of its own (up to
  eight per core), and each keeps its own freed memory; Streamlit runs every session's page in a
  thread of its own, so after a few readers the process holds several arenas' worth of free space.
  Two arenas serve the page threads as fast on this app's work (it spends its time in DuckDB, numpy
  and Arrow, which release the GIL only in long stretches).
* Giving freed memory back: after a page run the process hands the free space at the top of each
  arena back to the system (``malloc_trim``), so what one large page used is not held until the
  next one.

None of this changes what a page shows; each step is skipped where it does not apply (another C
library than glibc, another platform).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading

# glibc's mallopt parameters (malloc.h).
M_TRIM_THRESHOLD = -1
M_ARENA_MAX = -8
ARENAS = 2
TRIM_THRESHOLD_BYTES = 4 * 2**20  # free space above this at an arena's top goes back at once

_lock = threading.Lock()
_done = False
_libc: ctypes.CDLL | None = None


def _glibc() -> ctypes.CDLL | None:
    """glibc, when this process runs on it (``mallopt`` and ``malloc_trim`` are glibc's own)."""
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):  # musl and others have neither
        return None
    return libc


def settle_process() -> bool:
    """Make the settings above, once per process (later calls do nothing). Returns whether this
    call made them."""
    global _done, _libc
    with _lock:
        if _done:
            return False
        _done = True
        import pyarrow as pa

        pa.set_memory_pool(pa.system_memory_pool())
        _libc = _glibc()
        if _libc is not None:
            _libc.mallopt(M_ARENA_MAX, ARENAS)
            _libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
        return True


def give_back_free_memory() -> None:
    """Hand the free space malloc holds back to the system (a few ms; nothing is freed that is in
    use). Does nothing before :func:`settle_process` or off glibc."""
    if _libc is not None:
        _libc.malloc_trim(0)
