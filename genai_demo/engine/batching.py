"""The classroom engine: one worker thread owns a text model's forward passes, and every session's
writing on that model joins one continuous batch.

A session submits a *job*: a prompt (token ids) and one row of sampling knobs per column. Jobs wait in
one first-in-first-out line. Then, over and over, the worker
  1. runs the single forward passes that are waiting (a next-token view, a confidence score, attention
     maps), so they wait at most one decoding step, never a whole generation;
  2. admits waiting jobs while the batch has room (GENAI_MAX_BATCH rows): a job's prompt is read once
     ("prefill"), each of its rows draws its first token, and each row's keys and values take a
     place of their own in the batch's cache (`row_cache.py`: nothing is padded or copied for the
     others). A prompt longer than PREFILL_CHUNK tokens is read one chunk per loop, between the
     batch's decoding steps, so a pasted essay delays the others' next token by one chunk's reading,
     not by the whole of it;
  3. runs one decoding step for all rows at once, and draws each row's next token with that row's own
     knobs and its own seeded random generator;
  4. lets finished and cancelled rows leave at once.
A row's text depends only on its prompt, knobs and seed, not on which other rows share its steps.

Why not transformers' `ContinuousBatchingManager`: it draws every request's tokens from one random
generator seeded once for the whole manager, so a learner's seed would not give back their text while
other learners write, and it has no per-request repetition penalty.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from genai_demo.config import settings
from genai_demo.engine.sampling import SamplingSettings, make_generator, penalize_repetition, sample_rows

if TYPE_CHECKING:
    import torch

    from genai_demo.engine.row_cache import PromptCache

T = TypeVar("T")

DEFAULT_MAX_BATCH = {"cpu": 16, "mps": 32, "cuda": 64}  # rows per step, when GENAI_MAX_BATCH is not set
IDLE_EXIT_S = 30.0  # a worker with nothing to do for this long ends; the next job starts a new one
ABANDONED_S = 60.0  # a job its session has not read for this long is cancelled (the session is gone)
POLL_S = 0.5  # how often a waiting session wakes up to show that it is still there
# Prompt tokens read in one forward pass. A longer prompt is read in chunks of this size, always from its
# first token, so it gives the same numbers whoever else is writing (and the next-token view reads the
# same chunks, so what it shows is what writing draws from).
PREFILL_CHUNK = 256
# One owner (a learner, with all their tabs) holds at most this share of a batch's rows, so a newcomer always
# finds room at the next step instead of waiting behind someone's six tabs of the longest texts.
OWNER_SHARE = 0.5


_running_engines: weakref.WeakSet[TextEngine] = weakref.WeakSet()


@atexit.register
def _stop_workers() -> None:
    """At exit, let each worker finish its step and end (killing it mid-step aborts the process noisily)."""
    for engine in list(_running_engines):
        engine.close()


def batch_cap(device: str) -> int:
    """Rows per decoding step on a device: GENAI_MAX_BATCH, else the device's default."""
    return settings().max_batch or DEFAULT_MAX_BATCH.get(device, DEFAULT_MAX_BATCH["cpu"])


class EngineError(RuntimeError):
    """A job failed inside the engine (out of memory, a bad request). Other jobs go on."""


@dataclass
class JobState:
    """What a session sees of its job: the tokens so far, and its place in line while it waits."""

    tokens: list[list[int]]  # per row (column), the tokens written so far
    finished: list[bool]
    rows_ahead: int | None  # rows waiting in line before this job; None once it runs
    expected_wait_s: float | None  # a rough estimate while waiting or reading; None once it writes
    cancelled: bool = False
    prompt_read: int | None = None  # while a long prompt is read chunk by chunk: its tokens read so far

    @property
    def shown(self) -> tuple[int | None, int | None, int | None]:
        """What a page shows of a job that is not writing yet (its place, its wait in whole seconds)."""
        wait = None if self.expected_wait_s is None else round(self.expected_wait_s)
        return self.rows_ahead, wait, self.prompt_read

    @property
    def done(self) -> bool:
        return all(self.finished)


class _Row:
    """One column of one job: its knobs, its random generator and what it has written."""

    def __init__(self, job: Job, knobs: SamplingSettings, max_new_tokens: int) -> None:
        self.job = job
        self.knobs = knobs
        self.max_new_tokens = max_new_tokens
        self.generator = make_generator(knobs.seed)
        self.written: list[int] = []
        self.seen: torch.Tensor | None = None  # bool [vocab]: tokens already in the text (repetition penalty)
        self.finished = False

    @property
    def remaining(self) -> int:
        return self.max_new_tokens - len(self.written)


class Job:
    """A session's request: its rows are written together, each with its own knobs and seed."""

    def __init__(self, engine: TextEngine, prompt_ids: Sequence[int], columns: Sequence[SamplingSettings],
                 max_new_tokens: Sequence[int], owner: str | None = None) -> None:
        self.engine = engine
        self.owner: object = owner if owner is not None else object()  # none given: an owner of its own
        self.prompt_ids = [int(i) for i in prompt_ids]
        self.rows = [_Row(self, knobs, int(n)) for knobs, n in zip(columns, max_new_tokens)]
        self.error: BaseException | None = None
        self.cancelled = False
        self.running = False
        self.version = 0  # bumped on every change; a session waits for it to move
        self.last_read = time.monotonic()
        self.prompt_read = 0  # prompt tokens read so far (a long prompt is read a chunk per loop)
        self.cache: PromptCache | None = None  # the keys and values of the prompt read so far

    def cancel(self) -> None:
        self.engine.cancel(self)

    def state(self) -> JobState:
        """The job's state right now."""
        return self.engine.wait_for_change(self, -1)[0]

    def updates(self) -> Iterator[JobState]:
        """Every new state of the job until it is done or cancelled. Leaving the loop early cancels the job."""
        version = -1
        state = None
        try:
            while True:
                writing = state is not None and state.rows_ahead is None and state.prompt_read is None
                state, version = self.engine.wait_for_change(self, version, None if writing else
                                                             (state.shown if state is not None else None))
                yield state
                if state.done or state.cancelled:
                    return
        finally:
            if state is None or not state.done:
                self.cancel()


@contextmanager
def attention_implementation(model: Any, name: str | None) -> Iterator[None]:
    """Run the `with` body with the model's attention computed by `name` ("eager" returns the weights),
    then switch back. Safe only on the thread that owns the model's forward passes (the engine worker):
    no other forward pass can see the switched model. A switch costs well under a millisecond."""
    previous = getattr(model.config, "_attn_implementation", None)
    if name is None or name == previous:
        yield
        return
    model.set_attn_implementation(name)
    try:
        yield
    finally:
        model.set_attn_implementation(previous)


class _Task:
    """A piece of work on the model (one or a few forward passes) to run between decoding steps."""

    def __init__(self, work: Callable[[Any], Any], attention: str | None = None) -> None:
        self.work = work
        self.attention = attention
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self, model: Any) -> None:
        try:
            with attention_implementation(model, self.attention):
                self.result = self.work(model)
        except BaseException as error:  # noqa: BLE001 - handed back to the session that asked
            self.error = error
        finally:
            self.done.set()


class TextEngine:
    """Runs every forward pass on one text model, batching the writing of all sessions."""

    def __init__(self, model: Any, end_ids: frozenset[int], max_batch: int | None = None) -> None:
        self.model = model
        self.end_ids = end_ids  # a row stops at any of these tokens
        self.max_batch = max_batch or batch_cap(str(getattr(model, "device", "cpu")).split(":")[0])
        self._cond = threading.Condition()
        self._tasks: deque[_Task] = deque()
        self._calls = 0  # `run` calls not yet answered (queued or running on the worker)
        self._waiting: deque[Job] = deque()
        self._active: list[_Row] = []  # the rows of the running batch, in cache order
        self._joining: list[_Row] = []  # the rows of the job being prefilled
        self._reading: Job | None = None  # the job whose long prompt is read one chunk per loop
        self._chunk_s = 0.5  # recent seconds per prompt chunk (for the expected wait)
        # Imported here, while the model loads (transformers' lazy imports are not thread-safe: threads.py).
        from genai_demo.engine.row_cache import RowCache, attends_whole_text

        if not attends_whole_text(model.config):
            raise ValueError("The classroom engine writes only with models whose every layer attends to the whole "
                             "text; this one reads through a sliding window.")
        self._cache: RowCache[_Row] = RowCache()  # the batch's keys and values, each row in its own place
        self._worker: threading.Thread | None = None
        self._closing = False
        self._step_s = 0.05  # recent seconds per decoding step (for the expected wait)
        self.steps = 0  # decoding steps run so far (tests and benchmarks read it)
        self.largest_batch = 0

    # --- what sessions call -------------------------------------------------------------------

    def submit(self, prompt_ids: Sequence[int], columns: Sequence[SamplingSettings],
               max_new_tokens: Sequence[int], owner: str | None = None) -> Job:
        """Queue a job (one row per column); read its progress with `job.updates()`.

        `owner` is who asks (a learner, in every tab of their browser): places in the batch go round the
        owners, not first come first served by job, and one owner holds at most OWNER_SHARE of the batch, so
        a visitor with six tabs on the longest setting leaves room for the next learner."""
        if not prompt_ids:
            raise ValueError("A job needs at least one prompt token.")
        if not columns or len(columns) != len(max_new_tokens):
            raise ValueError("A job needs one max_new_tokens per column.")
        job = Job(self, prompt_ids, columns, max_new_tokens, owner)
        with self._cond:
            self._waiting.append(job)
            self._ensure_worker()
            self._cond.notify_all()
        return job

    def run(self, work: Callable[[Any], T], attention: str | None = None) -> T:
        """Run `work(model)` on the worker between two decoding steps, and return what it returns.

        For single forward passes: they wait at most one step of the running batch. `attention="eager"`
        computes attention that call's way (so the model returns its attention weights), on the one
        shared copy of the model.
        """
        if threading.current_thread() is self._worker:
            with attention_implementation(self.model, attention):
                return work(self.model)
        task = _Task(work, attention)
        with self._cond:
            self._tasks.append(task)
            self._calls += 1
            self._ensure_worker()
            self._cond.notify_all()
        try:
            task.done.wait()
        finally:
            with self._cond:
                self._calls -= 1
        if task.error is not None:
            raise task.error
        return task.result

    def read(self, ids: Sequence[int], keep: int = 1) -> torch.Tensor:
        """The model's logits (float32, on the CPU, shape [keep, vocab]) at the last `keep` positions of `ids`.

        Read chunk by chunk as a prompt is read for writing (`read_chunk`), each chunk between two decoding
        steps: a long text's view delays the others by one chunk, and it shows what writing would draw from."""
        import torch

        from genai_demo.engine.row_cache import PromptCache

        total, parts = len(ids), []
        cache = PromptCache(room=total)
        for start in range(0, total, PREFILL_CHUNK):
            end = min(total, start + PREFILL_CHUNK)
            wanted = max(0, end - max(start, total - keep))  # of this chunk's positions, those among the last `keep`

            def chunk(model: Any, start: int = start, wanted: int = wanted) -> torch.Tensor:
                return read_chunk(model, ids, start, cache, max(1, wanted))

            logits = self.run(chunk)
            if wanted:
                parts.append(logits[0, -wanted:].cpu())
        return torch.cat(parts)

    def cancel(self, job: Job) -> None:
        """Stop a job: a waiting job leaves the line, a running one leaves the batch at the next step."""
        with self._cond:
            if job.cancelled:
                return
            job.cancelled = True
            if job in self._waiting:
                self._waiting.remove(job)
            job.version += 1
            self._cond.notify_all()

    def wait_for_change(self, job: Job, version: int, shown: tuple[Any, ...] | None = None) -> tuple[JobState, int]:
        """The job's state once it differs from `version` (or it failed), or, while the job is not writing
        yet, once its place in line, its expected wait or its reading progress differs from `shown`."""
        with self._cond:
            while job.version == version and job.error is None:
                job.last_read = time.monotonic()
                self._cond.wait(POLL_S)
                if shown is not None and job.version == version and job.error is None:
                    state = self._state(job)
                    still_waiting = state.rows_ahead is not None or state.prompt_read is not None
                    if still_waiting and state.shown != shown:  # it starts writing with its first token
                        return state, job.version
            job.last_read = time.monotonic()
            if job.error is not None:
                raise job.error
            return self._state(job), job.version

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker after its current step (at exit, and when the model is unloaded). Later work
        starts a new one."""
        with self._cond:
            worker, self._closing = self._worker, True
            self._cond.notify_all()
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout)
        with self._cond:
            self._closing = False
            if self._tasks or self._waiting:  # work that arrived while closing is not left waiting forever
                self._ensure_worker()

    def busy(self) -> bool:
        """Whether any session's work is running or waiting on this model right now."""
        with self._cond:
            return bool(self._calls or self._waiting or self._joining or self._reading
                        or any(not row.finished for row in self._active))

    def load(self) -> tuple[int, int]:
        """(rows still writing, rows waiting) right now."""
        with self._cond:
            return sum(not row.finished for row in self._active), sum(len(job.rows) for job in self._waiting)

    # --- bookkeeping (callers hold self._cond) ---------------------------------------------------

    def _ensure_worker(self) -> None:
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="genai-text-engine", daemon=True)
            self._worker.start()
            _running_engines.add(self)

    def _rows_held(self) -> dict[object, int]:
        """Rows in the batch (running, joining or reading their prompt) per owner."""
        held: dict[object, int] = {}
        reading = self._reading.rows if self._reading is not None else []
        for row in [*self._active, *self._joining, *reading]:
            if not row.finished:
                held[row.job.owner] = held.get(row.job.owner, 0) + 1
        return held

    def _fair_order(self) -> list[Job]:
        """The waiting jobs in the order they get places: round the owners, the owner holding the fewest rows
        first (a job's rows count once it would start), each owner's own jobs first come first served."""
        held = self._rows_held()
        queues: dict[object, deque[Job]] = {}
        for job in self._waiting:
            queues.setdefault(job.owner, deque()).append(job)
        order: list[Job] = []
        while queues:
            owner = min(queues, key=lambda o: (held.get(o, 0), self._waiting.index(queues[o][0])))
            job = queues[owner].popleft()
            order.append(job)
            held[owner] = held.get(owner, 0) + len(job.rows)
            if not queues[owner]:
                del queues[owner]
        return order

    def _owner_cap(self) -> int:
        return max(1, int(self.max_batch * OWNER_SHARE))

    def _state(self, job: Job) -> JobState:
        tokens = [list(row.written) for row in job.rows]
        finished = [row.finished for row in job.rows]
        if job is self._reading and not job.cancelled:
            return JobState(tokens, finished, None, self._reading_left_s(), False, job.prompt_read)
        if job.running or job.cancelled:
            return JobState(tokens, finished, None, None, job.cancelled)
        ahead = 0
        for other in self._fair_order():
            if other is job:
                break
            ahead += len(other.rows)
        return JobState(tokens, finished, ahead, self._expected_wait(job))

    def _expected_wait(self, job: Job) -> float:
        """Seconds until `job` starts, if every row runs to its token limit: the line played forward."""
        import heapq

        reading = [] if self._reading is None else self._reading.rows
        busy = [row.remaining for row in self._active] + [row.max_new_tokens for row in self._joining + reading]
        free_at = busy + [0] * max(0, self.max_batch - len(busy))  # steps until each place in the batch frees
        heapq.heapify(free_at)
        for other in self._fair_order():
            taken = [heapq.heappop(free_at) for _ in other.rows if free_at]
            start = max(taken, default=0)  # a job starts whole, once enough places are free
            if other is job:
                # A long prompt of its own (or one still being read ahead of it) is read a chunk per step.
                reading_s = self._chunks_left(job) * self._chunk_s
                if self._reading is not None and len(job.prompt_ids) > PREFILL_CHUNK:
                    reading_s += self._reading_left_s()  # one long prompt is read at a time
                return max(start, 1) * self._step_s + reading_s
            for row in other.rows:
                heapq.heappush(free_at, start + row.max_new_tokens)
        return self._step_s

    def _chunks_left(self, job: Job) -> int:
        """Prompt chunks still to read before `job` writes (0 for a prompt read in one piece)."""
        if len(job.prompt_ids) <= PREFILL_CHUNK:
            return 0
        return -(-(len(job.prompt_ids) - job.prompt_read) // PREFILL_CHUNK)

    def _reading_left_s(self) -> float:
        """Seconds until the long prompt being read is read, chunks and the decoding steps between them."""
        if self._reading is None:
            return 0.0
        return self._chunks_left(self._reading) * (self._chunk_s + (self._step_s if self._active else 0.0))

    def _changed(self, jobs: set[Job]) -> None:
        for job in jobs:
            job.version += 1
        self._cond.notify_all()

    # --- the worker --------------------------------------------------------------------------------

    def _work(self) -> None:
        import torch

        with torch.inference_mode():
            while True:
                with self._cond:
                    while not (self._tasks or self._waiting or self._active or self._reading) or self._closing:
                        if self._closing or (not self._cond.wait(IDLE_EXIT_S)
                                             and not (self._tasks or self._waiting or self._active
                                                      or self._reading)):
                            self._worker = None
                            return
                    tasks = list(self._tasks)
                    self._tasks.clear()
                    self._cancel_abandoned()
                for task in tasks:
                    task.run(self.model)
                self._admit()
                if self._active:
                    try:
                        self._step()
                    except Exception as error:  # noqa: BLE001 - every row of this step was touched: fail them, go on
                        self._fail_batch(_explain(error))

    def _cancel_abandoned(self) -> None:
        now = time.monotonic()
        reading = {self._reading} if self._reading is not None else set()
        for job in {row.job for row in self._active} | set(self._waiting) | reading:
            if now - job.last_read > ABANDONED_S:
                job.cancelled = True
                if job in self._waiting:
                    self._waiting.remove(job)

    def _admit(self) -> None:
        """Read one more chunk of a long prompt, then prefill waiting jobs while the batch has room, in fair
        order (round the owners). One long prompt is read at a time; short ones behind it start meanwhile."""
        if self._reading is not None:
            self._guarded(self._reading, self._read_chunk)
        while True:
            with self._cond:
                held = self._rows_held()
                # An owner who holds its share of the batch starts no more jobs (a job of its own, bigger than the
                # share, still starts when the owner holds nothing): the rest stays free for other learners.
                order = self._fair_order()
                within = [j for j in order if held.get(j.owner, 0) == 0
                          or held.get(j.owner, 0) + len(j.rows) <= self._owner_cap()]
                if not within:
                    return
                job = within[0]
                reserved = len(self._active) + (len(self._reading.rows) if self._reading is not None else 0)
                if reserved and reserved + len(job.rows) > self.max_batch:
                    return  # the first in fair order waits for room; nobody overtakes it
                long = len(job.prompt_ids) > PREFILL_CHUNK
                if long and self._reading is not None:
                    return  # it waits for the long prompt being read; so does everyone behind it
                self._waiting.remove(job)
                job.running = True
                if long:
                    self._reading = job
                    self._changed({job})
                    continue  # read a chunk per loop, from the next one on
                self._joining = job.rows
            try:
                self._guarded(job, self._prefill)
            finally:
                with self._cond:
                    self._joining = []

    def _guarded(self, job: Job, work: Callable[[Job], None]) -> None:
        """Run a job's reading; an error fails that job only, and the batch goes on."""
        try:
            work(job)
        except Exception as error:  # noqa: BLE001 - fails this job only; the batch goes on
            with self._cond:
                job.error = _explain(error)
                if job is self._reading:
                    self._reading = None
                self._changed({job})

    def _read_chunk(self, job: Job) -> None:
        """Read the next chunk of the long prompt being read; after its last chunk, the job joins the batch."""
        from genai_demo.engine.row_cache import PromptCache

        if job.cancelled:
            with self._cond:
                self._reading = None
                job.cache = None
            return
        started = time.perf_counter()
        if job.cache is None:
            job.cache = PromptCache(room=len(job.prompt_ids))
        logits = read_chunk(self.model, job.prompt_ids, job.prompt_read, job.cache, keep=1)
        job.prompt_read = min(len(job.prompt_ids), job.prompt_read + PREFILL_CHUNK)
        self._chunk_s = 0.8 * self._chunk_s + 0.2 * (time.perf_counter() - started)
        if job.prompt_read < len(job.prompt_ids):
            with self._cond:
                self._changed({job})
            return
        cache, job.cache = job.cache, None
        with self._cond:
            self._reading = None
        self._join_job(job, logits, cache)

    def _prefill(self, job: Job) -> None:
        """Read a short prompt once for all of a job's rows (one forward pass), then join the batch."""
        from genai_demo.engine.row_cache import PromptCache

        cache = PromptCache(room=len(job.prompt_ids))
        logits = read_chunk(self.model, job.prompt_ids, 0, cache, keep=1)
        self._join_job(job, logits, cache)

    def _join_job(self, job: Job, logits: torch.Tensor, cache: PromptCache) -> None:
        """With its prompt read: draw each of a job's rows' first token, and let the rows join the batch."""
        import torch

        rows = job.rows
        logits = logits[:, -1, :].expand(len(rows), -1)
        for row in rows:
            row.seen = torch.zeros(logits.shape[-1], dtype=torch.bool, device=logits.device)
            row.seen[job.prompt_ids] = True
        self._pick(rows, logits)
        staying = [row for row in rows if not row.finished]
        self._cache.add(staying, cache, [len(job.prompt_ids) + row.max_new_tokens for row in staying])
        with self._cond:
            self._active = list(self._cache.rows)
            self.largest_batch = max(self.largest_batch, len(self._active))

    def _step(self) -> None:
        """One decoding step for every row of the batch."""
        import torch

        from genai_demo.engine.row_cache import ATTENTION_NAME

        rows = list(self._active)
        feed = torch.tensor([[row.written[-1]] for row in rows], device=self.model.device)
        positions = torch.tensor([[len(row.job.prompt_ids) + len(row.written) - 1] for row in rows],
                                 device=self.model.device)
        started = time.perf_counter()
        self._cache.begin_step()
        try:
            with attention_implementation(self.model, ATTENTION_NAME):
                out = self.model(input_ids=feed, cache=self._cache, position_ids=positions, use_cache=True,
                                 row_cache=self._cache)
        finally:
            self._cache.end_step()
        self._pick(rows, out.logits[:, -1, :].float())
        self._step_s = 0.8 * self._step_s + 0.2 * (time.perf_counter() - started)
        self.steps += 1
        self._drop([row for row in rows if row.finished or row.job.cancelled])

    def _pick(self, rows: list[_Row], logits: torch.Tensor) -> None:
        """Draw each row's next token with its own knobs and generator; note which rows are finished."""
        import torch

        knobs = [row.knobs for row in rows]
        if any(k.repetition_penalty != 1 for k in knobs):
            seen = torch.stack([row.seen for row in rows])  # type: ignore[misc]  # _prefill gives every row its seen mask
            logits = penalize_repetition(logits, seen, [k.repetition_penalty for k in knobs])
        picks = sample_rows(logits, knobs, [row.generator for row in rows])
        with self._cond:
            for row, token in zip(rows, picks):
                row.written.append(token)
                row.seen[token] = True  # type: ignore[index]  # set in _prefill, before the row's first pick
                if token in self.end_ids or row.remaining <= 0 or row.job.cancelled:
                    row.finished = True
            self._changed({row.job for row in rows})

    def _drop(self, leaving: list[_Row]) -> None:
        """Let rows leave the batch (their places go to the rows still writing)."""
        if not leaving:
            return
        with self._cond:
            for row in leaving:
                row.finished = True
            self._cache.drop(leaving)
            self._active = list(self._cache.rows)
            self._changed({row.job for row in leaving})

    def _fail_batch(self, error: EngineError) -> None:
        with self._cond:
            jobs = {row.job for row in self._active}
            for job in jobs:
                job.error = error
            self._cache.drop(self._active)
            self._active = []
            self._changed(jobs)


def read_chunk(model: Any, ids: Sequence[int], start: int, cache: PromptCache, keep: int) -> torch.Tensor:
    """One forward pass over the chunk of `ids` that starts at `start` (PREFILL_CHUNK tokens at most), after
    the tokens before it, whose keys and values `cache` holds (it takes the chunk's too): the logits (float32)
    of the chunk's last `keep` positions. Every reader of a prompt goes through here, chunk by chunk."""
    import torch

    from genai_demo.engine.row_cache import ATTENTION_NAME

    end = min(len(ids), start + PREFILL_CHUNK)
    chunk = torch.tensor([list(ids[start:end])], device=model.device)
    positions = torch.arange(start, end, device=model.device)[None, :]
    with attention_implementation(model, ATTENTION_NAME):
        out = model(input_ids=chunk, position_ids=positions, cache=cache, use_cache=True, logits_to_keep=keep,
                    row_cache=cache)
    cache.advance(end - start)
    return out.logits.float()


def _explain(error: BaseException) -> EngineError:
    import torch

    if isinstance(error, (torch.OutOfMemoryError, MemoryError)):
        return EngineError("The model ran out of memory while writing. Try fewer new tokens or fewer columns, "
                           "or wait until fewer people are writing at once.")
    return EngineError(f"The model could not write this text ({type(error).__name__}: {error}).")
