"""The memory budget: the one place that keeps the process's models, and keeps them under
GENAI_MEMORY_BUDGET_GB.

Every shared model is asked for through `MemoryBudget.get` with a key (kind, id, device, dtype), a
loader and an estimate of its size, known before download (`sizes`). When the new model does not fit
beside the ones already loaded, the least recently used models that nobody is using are unloaded
first. A model counts as in use while
- text is being written or a picture drawn with it (its `engine` or `queue` is busy), or
- a session's page used it in the last HOLD_S seconds and that session has not moved to another page
  since (between the reruns of one page, a learner keeps their model).
If even that is not enough, the request waits (the page says so) until a model is free, and after
WAIT_S seconds gives up with a plain message instead of the process being killed.

An unloaded model can stay in memory a little longer if something still holds it: the page a learner
just left keeps its variables until the learner's next page has run once. That is not counted against
the next load (it would wait for its own run to end), but `held_elsewhere()` reports it, and `doctor`
and the memory benchmark show it. Without a budget, models are kept and a model larger than the free
memory is refused.
"""

from __future__ import annotations

import ctypes
import gc
import mmap
import sys
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from genai_demo.engine.sizes import loaded_bytes, torch_modules
from genai_demo.engine.threads import MODEL_BUILDING

HOLD_S = 120.0  # a session's page keeps its models this long after it last asked for them
WAIT_S = 60.0  # a request that finds no room waits this long before giving up
POLL_S = 0.25  # how often a waiting request looks again (and tells its page)
MADV_DONTNEED = 4  # Linux's madvise advice: the pages may go; a mapped file's are read again if touched

Holder = tuple[str, str]  # (session, page): who asked, and from which page
OnWait = Callable[[float, list[str]], None]  # (seconds waited, names of the models in use)


class NoRoom(RuntimeError):
    """A model does not fit in the budget, now (`busy`) or ever."""

    def __init__(self, needed: int, limit: int, overhead: int, busy: list[str], ever: bool) -> None:
        super().__init__(f"{needed / 1e9:.2f} GB needed; budget {limit / 1e9:.2f} GB")
        self.needed, self.limit, self.overhead, self.busy, self.ever = needed, limit, overhead, busy, ever


@dataclass
class Resident:
    """A model the budget holds: its size, when it was last used, and which sessions hold it now."""

    key: Hashable
    name: str
    value: Any
    size: int
    last_used: float
    holds: dict[str, tuple[str, float]] = field(default_factory=dict)  # session -> (page, when)


@dataclass(frozen=True)
class LoadedModel:
    """One line of `MemoryBudget.loaded()`: what `doctor` and the sidebar show."""

    name: str
    size: int
    in_use: bool
    idle_s: float


def _busy(value: Any) -> bool:
    """Whether work runs on a model right now: its text engine or its turn queue has something."""
    for part in ("engine", "queue"):
        worker = getattr(value, part, None)
        if worker is not None and worker.busy():
            return True
    return False


def _close(value: Any) -> None:
    """Stop the model's worker and let go of its weights, even if something still holds the bundle.

    A page's variables outlive its run (Streamlit keeps the page's callbacks, and with them its globals,
    for the whole session), so an unloaded bundle is emptied rather than only forgotten. Weights that
    something else shares (a fine-tuned copy built on them) stay until that goes, and are reported.
    """
    import torch

    engine = getattr(value, "engine", None)
    if engine is not None:
        engine.close()
        engine.model = None
    for name, part in list(vars(value).items()):
        if isinstance(part, torch.nn.Module) or isinstance(getattr(part, "components", None), dict):
            setattr(value, name, None)


class MemoryBudget:
    """Models of one process, kept under `limit` bytes (None: no limit) together with `overhead` (what
    the process holds without any model: Python, torch, Streamlit)."""

    def __init__(self, limit: int | None, overhead: int = 0, hold_s: float = HOLD_S, wait_s: float = WAIT_S,
                 measure: Callable[[], int] | None = None) -> None:
        self.limit, self.overhead, self.hold_s, self.wait_s = limit, overhead, hold_s, wait_s
        # What the process really holds (its resident memory), when that can be read: memory no model
        # accounts for (libraries imported later, caches, a batch's activations) then counts too.
        self._measure = measure
        self._cond = threading.Condition()
        self._residents: dict[Hashable, Resident] = {}
        self._loading: dict[Hashable, int] = {}  # key -> bytes reserved while it loads
        self._draining: list[tuple[list[weakref.ref], int]] = []  # unloaded but still referenced somewhere
        self.unloads = 0

    # --- asking for a model ------------------------------------------------------------------------

    def get(self, key: Hashable, name: str, load: Callable[[], Any], estimate: Callable[[], int | None],
            holder: Holder | None = None, on_wait: OnWait | None = None) -> Any:
        """The model under `key`, loading it with `load()` (after making room) if it is not loaded.

        `estimate()` gives its size in bytes before loading (None: unknown; counted once loaded).
        Raises NoRoom when it can never fit, or when no room came free within `wait_s`.
        """
        with self._cond:
            resident = self._residents.get(key)
            if resident is not None:
                self._touch(resident, holder)
                return resident.value
        needed = estimate() or 0  # may ask the Hub: outside the lock
        started = time.monotonic()
        while True:
            to_close: list[Resident] = []
            with self._cond:
                resident = self._residents.get(key)
                if resident is not None:
                    self._touch(resident, holder)
                    return resident.value
                if key in self._loading:  # another session is loading it: wait for that copy
                    self._cond.wait(POLL_S)
                    continue
                if self.limit is not None and self.overhead + needed > self.limit:
                    raise NoRoom(needed, self.limit, self.overhead, [], ever=False)
                self._release_other_pages(holder)
                to_close = self._make_room(needed)
                fits = not to_close and (self.limit is None or self._taken() + needed <= self.limit)
                if fits:
                    self._loading[key] = needed
                blockers = [r.name for r in self._residents.values() if self._in_use(r)]
                if not fits and not to_close and not self._residents and not self._loading:
                    # Nothing left to unload or wait for: the process's own memory leaves too little room.
                    raise NoRoom(needed, self.limit or 0, self._taken(), [], ever=False)
            if to_close:
                self._unload(to_close)
                continue  # look again now that their memory is free
            if fits:
                break
            waited = time.monotonic() - started
            if waited > self.wait_s:
                raise NoRoom(needed, self.limit or 0, self.overhead, blockers, ever=True)
            if on_wait is not None:
                on_wait(waited, blockers)
            with self._cond:
                self._cond.wait(POLL_S)
        try:
            value = load()
        except BaseException:
            with self._cond:
                del self._loading[key]
                self._cond.notify_all()
            raise
        size = max(loaded_bytes(value), needed)  # the room asked for stays reserved (a picture's, say)
        with self._cond:
            del self._loading[key]
            resident = Resident(key, name, value, size, time.monotonic())
            self._residents[key] = resident
            self._touch(resident, holder)
            to_close = self._make_room(0, keep=key)  # the estimate was low: make up for it now if we can
            self._cond.notify_all()
        self._unload(to_close)
        return value

    def peek(self, key: Hashable) -> Any | None:
        """The model under `key` if it is loaded, without loading it or marking it used."""
        with self._cond:
            resident = self._residents.get(key)
            return None if resident is None else resident.value

    # --- what is loaded ----------------------------------------------------------------------------

    def used(self) -> int:
        """Bytes counted now: the overhead, the loaded models and those loading."""
        with self._cond:
            return self.overhead + sum(r.size for r in self._residents.values()) + sum(self._loading.values())

    def _taken(self) -> int:
        """What decides whether a model fits: the count, or the process's real memory where that is larger."""
        counted = self.used()
        if self._measure is None:
            return counted
        return max(counted, self._measure() + sum(self._loading.values()))

    def held_elsewhere(self) -> int:
        """Bytes of unloaded models that something still holds (they go when it lets go)."""
        with self._cond:
            self._draining = [(refs, size) for refs, size in self._draining if any(ref() is not None for ref in refs)]
            return sum(size for _, size in self._draining)

    def loaded(self) -> list[LoadedModel]:
        """The loaded models, most recently used first."""
        now = time.monotonic()
        with self._cond:
            residents = sorted(self._residents.values(), key=lambda r: -r.last_used)
            return [LoadedModel(r.name, r.size, self._in_use(r), now - r.last_used) for r in residents]

    def clear(self) -> None:
        """Unload every model (tests, and a changed configuration)."""
        with self._cond:
            residents = list(self._residents.values())
            self._residents.clear()
            self._draining.clear()
        for resident in residents:
            _close(resident.value)

    # --- bookkeeping (callers hold self._cond) ---------------------------------------------------------

    def _touch(self, resident: Resident, holder: Holder | None) -> None:
        now = time.monotonic()
        resident.last_used = now
        if holder is not None:
            self._release_other_pages(holder)
            session, page = holder
            resident.holds[session] = (page, now)

    def _release_other_pages(self, holder: Holder | None) -> None:
        """A session asking from a page has left its other pages: it no longer holds their models."""
        if holder is None:
            return
        session, page = holder
        for resident in self._residents.values():
            held = resident.holds.get(session)
            if held is not None and held[0] != page:
                del resident.holds[session]

    def _in_use(self, resident: Resident) -> bool:
        now = time.monotonic()
        held = any(now - when < self.hold_s for _, when in resident.holds.values())
        return held or _busy(resident.value)

    def _make_room(self, needed: int, keep: Hashable | None = None) -> list[Resident]:
        """Take the least recently used idle models out until `needed` more bytes fit (or none is idle)."""
        gone: list[Resident] = []
        if self.limit is None:
            return gone
        idle = sorted((r for r in self._residents.values() if not self._in_use(r) and r.key != keep),
                      key=lambda r: r.last_used)
        used = self._taken()
        while idle and used + needed > self.limit:
            resident = idle.pop(0)
            del self._residents[resident.key]
            used -= resident.size
            gone.append(resident)
        # Reported until really gone: something outside (a page's variable) may still hold one.
        self._draining.extend(([weakref.ref(m) for m in torch_modules(r.value)], r.size) for r in gone)
        return gone

    def _unload(self, residents: list[Resident]) -> None:
        """Stop their workers and let the memory go (outside the lock: a worker ends its step first)."""
        if not residents:
            return
        for resident in residents:
            _close(resident.value)
            self.unloads += 1
        residents.clear()
        gc.collect()
        return_free_memory()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:
            pass
        with self._cond:
            self._cond.notify_all()


def return_free_memory() -> None:
    """Hand freed heap memory back to the system (glibc keeps it for reuse, so the process would still
    look as big as before the unload)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to hand back this way
            pass


def release_pages(tensor: Any) -> None:
    """Tell the kernel this process is done with the memory of a tensor nothing will read again (a weight that
    was packed into a copy): the pages of a weights file mapped in place leave the process at once, not when
    the whole file's mapping closes. Only for a tensor no other tensor shares memory with: its numbers are lost."""
    if not sys.platform.startswith("linux") or tensor.device.type != "cpu":
        return
    page = mmap.PAGESIZE
    start = tensor.data_ptr()
    first = -(-start // page) * page  # whole pages inside the tensor only
    last = (start + tensor.numel() * tensor.element_size()) // page * page
    if last > first:
        try:
            ctypes.CDLL("libc.so.6").madvise(ctypes.c_void_p(first), ctypes.c_size_t(last - first), MADV_DONTNEED)
        except (OSError, AttributeError):
            pass


def process_bytes() -> int:
    """What this process holds in memory now (resident set size), or 0 where that cannot be read."""
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except ImportError:
        return 0


def free_bytes() -> int | None:
    """The machine's available memory in bytes, or None without psutil."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        return None


_shared: MemoryBudget | None = None
_shared_lock = threading.Lock()


def shared_budget() -> MemoryBudget:
    """The process's budget, from GENAI_MEMORY_BUDGET_GB; what the process holds before any model
    is counted as its overhead."""
    from genai_demo.config import settings

    global _shared
    with _shared_lock:
        if _shared is None:
            gb = settings().memory_budget_gb
            if gb is None:
                _shared = MemoryBudget(None)
            else:
                with MODEL_BUILDING:  # an import beside a load in another thread is not safe (threads.py)
                    import torch  # noqa: F401 - the libraries every model needs are part of the overhead
                    import transformers  # noqa: F401

                _shared = MemoryBudget(int(gb * 1e9), process_bytes(), measure=process_bytes)
        return _shared


def reset_shared_budget(budget: MemoryBudget | None = None) -> None:
    """Unload every shared model and start again (with `budget`, or from the settings on next use)."""
    global _shared
    with _shared_lock:
        old, _shared = _shared, budget
    if old is not None:
        old.clear()
