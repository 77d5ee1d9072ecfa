"""How many of torch's CPU threads the engine's decoding step uses: all of them for its matrix products and
attention, one for everything else.

torch splits an operation over its CPU threads once the operation is large enough, and with the app's passive
OpenMP wait (`engine/device.py`) every split first wakes the other threads: 50-70 us on a 2-core server, whatever
the work. A decoding step makes a few dozen products, where two threads read the weights faster, and hundreds of
small operations (adding, normalising, an activation over a few thousand numbers, a row's top-k), for which the
waking costs far more than the work: `tanh` of 3,072 numbers takes 70 us split, 2 us on one thread. So while the
engine steps, its thread runs small operations alone and lends its other threads to the products, and to an
attention or a top-k only where it is large enough (`all_threads`). Measured on 2 cores, in turns with the
engine before: a 16-row step of the full-size GPT-2 architecture 62-65 ms instead of 71-79 ms, of the real
SmolLM2 105-110 ms instead of 114-120 ms; a one-row step about as before. Each operation computes the same
numbers on one thread or several (`tests/engine/test_cpu_threads.py`, on the real SmolLM2 too).

OpenMP counts threads per calling thread, so this changes the engine's own thread and no other: a session's
script thread keeps every core. torch's own `set_num_threads` could not do it, since it also changes the count
every thread started afterwards begins with.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

# Where splitting pays for the waking, measured on 2 cores inside `small_work_alone`: an attention that multiplies
# at least this many query numbers by keys (one row of SmolLM2's 9 heads of 64 over 512 keys: 54 us alone, 125 us
# split; 16 rows over 256 keys: 578 us alone, 448 us split), and a top-k over at least this many rows of GPT-2's
# 50,257 logits (1 row: 88 us alone, 97 us split; 4 rows: 314 and 295 us; 16 rows: 1.39 and 0.74 ms).
SPLIT_ATTENTION_FROM = 1_000_000
SPLIT_TOP_K_FROM_ROWS = 4

_local = threading.local()  # per thread: `full`, the thread count products get back, while small work runs alone


@cache
def _openmp() -> Any | None:
    """The process's OpenMP runtime (loaded with torch), or None where it cannot be reached."""
    try:
        runtime = ctypes.CDLL(None)
        runtime.omp_set_num_threads.argtypes = [ctypes.c_int]
        return runtime
    except (AttributeError, OSError, TypeError):  # not Linux or macOS, or torch built without OpenMP
        return None


@contextmanager
def small_work_alone() -> Iterator[None]:
    """Run the body's small operations on one of torch's threads (products and attention inside `all_threads`
    get every thread back), then give the calling thread its threads back. Where torch's threads cannot be
    counted per thread, the body runs as it would anyway."""
    import torch

    full = torch.get_num_threads()  # also starts this thread's OpenMP settings, which would undo the change
    runtime = _openmp()
    if full < 2 or runtime is None or getattr(_local, "full", None) is not None:
        yield
        return
    runtime.omp_set_num_threads(1)
    if torch.get_num_threads() != 1:  # another OpenMP runtime than torch's answered: leave torch as it is
        runtime.omp_set_num_threads(full)
        yield
        return
    _local.full = full
    try:
        yield
    finally:
        _local.full = None
        runtime.omp_set_num_threads(full)


@contextmanager
def all_threads(worth_it: bool = True) -> Iterator[None]:
    """Inside `small_work_alone`: run the body (a matrix product, an attention, a top-k) on every thread, where
    it is `worth_it` (see the rules above). Elsewhere: nothing changes."""
    full = getattr(_local, "full", None)
    if full is None or not worth_it:
        yield
        return
    runtime = _openmp()
    assert runtime is not None  # `full` is set only where it was found
    runtime.omp_set_num_threads(full)
    try:
        yield
    finally:
        runtime.omp_set_num_threads(1)


def splits_attention(query: "torch.Tensor", columns: int) -> bool:
    """Whether an attention of `query` [rows, heads, tokens, head size] over `columns` keys is worth every thread."""
    return query.numel() * columns >= SPLIT_ATTENTION_FROM


def per_thread_counts() -> bool:
    """Whether `small_work_alone` can give the calling thread one of torch's threads on this machine."""
    import torch

    full = torch.get_num_threads()
    with small_work_alone():
        return full > 1 and torch.get_num_threads() == 1
