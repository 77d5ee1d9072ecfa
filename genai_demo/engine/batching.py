"""The classroom engine: one worker thread owns a text model's forward passes, and every session's
writing on that model joins one continuous batch.

A session submits a *job*: a prompt (token ids) and one row of sampling knobs per column. Jobs wait in
one line. Then, over and over, the worker
  1. runs the single forward passes that are waiting (attention maps, the lens), so they wait at most one
     pass, never a whole generation;
  2. admits waiting jobs while the batch has room (GENAI_MAX_BATCH rows), round the learners: each
     admitted job's prompt starts being read;
  3. runs one forward pass for everything at once: a new token for every writing row, and a piece of
     each prompt being read ("prefill"), shortest prompt first. While others write, a question is read
     whole, and longer prompts get as many tokens as keep the pass within about READ_SHARE times a plain
     decoding step, so a learner who pastes an essay delays the others' next token by about half a step;
     while nobody writes, a prompt is read PREFILL_CHUNK tokens at a time. A prompt read to its end draws
     its rows' first tokens, and each row's keys and values take a place of their own in the batch's
     cache (`row_cache.py`);
  4. draws each writing row's next token with that row's own knobs and its own seeded random generator,
     and lets finished and cancelled rows leave at once.
A next-token view reads its text through the same passes (a prompt with no rows), so it delays the
others no more than a writer's prompt does, and it shows what writing draws from.

A row's text depends only on its prompt, knobs and seed, not on which other rows share its passes. (The
products of a pass are computed for all its tokens together, and the rounding of float32 sums moves with
their number, by about 1e-5 in a logit: far too little to change a token in the tests on real SmolLM2.)

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
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from genai_demo.config import settings
from genai_demo.engine.cpu_threads import small_work_alone
from genai_demo.engine.sampling import SamplingSettings, make_generator, penalize_repetition, sample_rows

if TYPE_CHECKING:
    import torch

    from genai_demo.engine.row_cache import BatchPass, PromptCache

T = TypeVar("T")

DEFAULT_MAX_BATCH = {"cpu": 16, "mps": 32, "cuda": 64}  # rows per step, when GENAI_MAX_BATCH is not set
IDLE_EXIT_S = 30.0  # a worker with nothing to do for this long ends; the next job starts a new one
ABANDONED_S = 60.0  # a job its session has not read for this long is cancelled (the session is gone)
POLL_S = 0.5  # how often a waiting session wakes up to show that it is still there
PREFILL_CHUNK = 256  # the most prompt tokens one forward pass reads (all of it while nobody writes)
# While others write, a pass that also reads prompts may take about this many times a plain decoding step (its
# pieces hold as many tokens as fit, at what a token was measured to add).
READ_SHARE = 1.5
WHOLE_PROMPT = 64  # a prompt this short (a question) is read in one pass even beside writers
FIRST_PIECE = 16  # prompt tokens a pass reads beside writers before it has measured what more would cost
FEWEST_READ = 1  # ... and at least this many of each prompt, so every prompt moves on
RE_MEASURE = 16  # while prompts are read beside writers, every this-many-th pass is a plain step, re-timed
# One owner (a learner, with all their tabs) holds at most this share of a batch's rows, so a newcomer always
# finds room at the next step instead of waiting behind someone's six tabs of the longest texts.
OWNER_SHARE = 0.5


_running_engines: weakref.WeakSet[TextEngine] = weakref.WeakSet()
_exiting = threading.Event()  # set at exit: no worker starts again


@atexit.register
def _stop_workers() -> None:
    """At exit, let each worker finish its pass and end, and start none again (a worker killed mid-pass, inside
    torch, aborts the process: "terminate called without an active exception")."""
    _exiting.set()
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
    prompt_read: int | None = None  # while its prompt is read, piece by piece: its tokens read so far

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


class _Reading:
    """A prompt being read into a PromptCache of its own, a piece per forward pass: a job's, or a view's
    (`job` None), which wants the logits of its last `keep` positions."""

    def __init__(self, ids: Sequence[int], keep: int = 1, job: Job | None = None) -> None:
        from genai_demo.engine.row_cache import PromptCache

        self.ids = list(ids)
        self.keep = keep
        self.job = job
        writes = max((row.max_new_tokens for row in job.rows), default=0) if job is not None else 0
        self.cache = PromptCache(room=len(self.ids) + writes)  # a row of its own may write on in it
        self.read = 0  # tokens read so far
        self.logits: list[torch.Tensor] = []  # of the positions among the last `keep`, in order, as they are read
        self.done = threading.Event()
        self.error: BaseException | None = None

    @property
    def left(self) -> int:
        return len(self.ids) - self.read

    def wanted(self, count: int) -> range:
        """Of the next `count` tokens, the offsets whose logits are kept."""
        return range(max(0, len(self.ids) - self.keep - self.read), count)


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
        self.reading: _Reading | None = None  # while its prompt is read

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
    """A piece of work on the model (one or a few forward passes) to run between two passes."""

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
        self._readings: list[_Reading] = []  # prompts being read (admitted jobs' and views'), in arrival order
        # Imported here, while the model loads (transformers' lazy imports are not thread-safe: threads.py).
        from genai_demo.engine.row_cache import RowCache, attends_whole_text

        if not attends_whole_text(model.config):
            raise ValueError("The classroom engine writes only with models whose every layer attends to the whole "
                             "text; this one reads through a sliding window.")
        self._cache: RowCache[_Row] = RowCache()  # the batch's keys and values, each row in its own place
        self._worker: threading.Thread | None = None
        self._closing = False
        self._step_s = 0.05  # recent seconds per plain decoding step (for the reading share and the expected wait)
        self._read_per_s = 1000.0  # recent prompt tokens read per second, passes and all (for the expected wait)
        self._piece = FIRST_PIECE  # prompt tokens a pass reads beside writers
        self._token_s: float | None = None  # recent seconds one more prompt token adds to a pass beside writers
        self._passes_reading = 0  # passes in a row that read prompts beside writers
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
        """Run `work(model)` on the worker between two passes, and return what it returns.

        For single forward passes: they wait at most one pass of the running batch. `attention="eager"`
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

        Read as a writer's prompt is, in pieces of the batch's passes: a long text's view delays the others by
        less than a step, and it shows what writing would draw from."""
        import torch

        if not ids:
            raise ValueError("Reading needs at least one token.")
        reading = _Reading(ids, min(keep, len(ids)))
        if threading.current_thread() is self._worker:  # inside `run`: read it here, a chunk at a time
            while reading.left:
                self._read_pieces([(reading, min(reading.left, PREFILL_CHUNK))])
        else:
            with self._cond:
                self._readings.append(reading)
                self._ensure_worker()
                self._cond.notify_all()
            reading.done.wait()
        if reading.error is not None:
            raise reading.error
        return torch.cat(reading.logits).cpu()

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
        """Stop the worker after its current pass (at exit, and when the model is unloaded). Later work
        starts a new one."""
        with self._cond:
            worker, self._closing = self._worker, True
            self._cond.notify_all()
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout)
        with self._cond:
            self._closing = False
            # Work someone waits on is not left waiting forever. Rows still writing are not restarted: another
            # engine on the same model (tests make them) may run meanwhile, and two workers must never share a model.
            if self._tasks or self._waiting or self._readings:
                self._ensure_worker()

    def busy(self) -> bool:
        """Whether any session's work is running or waiting on this model right now."""
        with self._cond:
            return bool(self._calls or self._waiting or self._readings
                        or any(not row.finished for row in self._active))

    def load(self) -> tuple[int, int]:
        """(rows still writing, rows waiting) right now."""
        with self._cond:
            return sum(not row.finished for row in self._active), sum(len(job.rows) for job in self._waiting)

    # --- bookkeeping (callers hold self._cond) ---------------------------------------------------

    def _has_work(self) -> bool:
        return bool(self._tasks or self._waiting or self._active or self._readings)

    def _ensure_worker(self) -> None:
        if self._worker is None and not _exiting.is_set():
            self._worker = threading.Thread(target=self._work, name="genai-text-engine", daemon=True)
            self._worker.start()
            _running_engines.add(self)

    def _reading_rows(self) -> list[_Row]:
        """The rows of the jobs whose prompts are being read (their places in the batch are kept for them)."""
        return [row for reading in self._readings if reading.job is not None for row in reading.job.rows]

    def _rows_held(self) -> dict[object, int]:
        """Rows in the batch (writing, or their prompt being read) per owner."""
        held: dict[object, int] = {}
        for row in [*self._active, *self._reading_rows()]:
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
        if job.reading is not None and not job.cancelled and len(job.prompt_ids) > WHOLE_PROMPT:  # a question: at once
            return JobState(tokens, finished, None, self._reading_s(job.reading.left), False, job.reading.read)
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

        busy = [row.remaining for row in self._active] + [row.max_new_tokens for row in self._reading_rows()]
        free_at = busy + [0] * max(0, self.max_batch - len(busy))  # steps until each place in the batch frees
        heapq.heapify(free_at)
        for other in self._fair_order():
            taken = [heapq.heappop(free_at) for _ in other.rows if free_at]
            start = max(taken, default=0)  # a job starts whole, once enough places are free
            if other is job:
                return max(start, 1) * self._step_s + self._reading_s(len(job.prompt_ids))
            for row in other.rows:
                heapq.heappush(free_at, start + row.max_new_tokens)
        return self._step_s

    def _reading_s(self, left: int) -> float:
        """Seconds to read a prompt's `left` tokens beside the prompts being read (shortest first, so each of
        them goes first by at most as many tokens)."""
        ahead = sum(min(reading.left, left) for reading in self._readings if reading.left != left)
        return (left + ahead) / self._read_per_s

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
                    while not self._has_work() or self._closing:
                        if self._closing or (not self._cond.wait(IDLE_EXIT_S) and not self._has_work()):
                            self._worker = None
                            return
                    tasks = list(self._tasks)
                    self._tasks.clear()
                    self._cancel_abandoned()
                    self._admit()
                    pieces = self._pieces()
                for task in tasks:
                    task.run(self.model)
                if self._active or pieces:
                    try:
                        with small_work_alone() if _products_on_onednn(self.model) else nullcontext():
                            self._pass(pieces)
                    except Exception as error:  # noqa: BLE001 - a fault after the pass: fail what it touched, go on
                        explained = _explain(error)
                        self._fail_readings([reading for reading, _ in pieces], explained)
                        self._fail_batch(explained)

    def _cancel_abandoned(self) -> None:
        now = time.monotonic()
        for job in {row.job for row in self._active} | set(self._waiting) | {row.job for row in self._reading_rows()}:
            if now - job.last_read > ABANDONED_S:
                job.cancelled = True
                if job in self._waiting:
                    self._waiting.remove(job)

    def _admit(self) -> None:
        """Start reading the prompts of waiting jobs while the batch has room for their rows, in fair order
        (round the owners)."""
        while True:
            held = self._rows_held()
            # An owner who holds its share of the batch starts no more jobs (a job of its own, bigger than the
            # share, still starts when the owner holds nothing): the rest stays free for other learners.
            within = [job for job in self._fair_order() if held.get(job.owner, 0) == 0
                      or held.get(job.owner, 0) + len(job.rows) <= self._owner_cap()]
            if not within:
                return
            job = within[0]
            reserved = len(self._active) + len(self._reading_rows())
            if reserved and reserved + len(job.rows) > self.max_batch:
                return  # the first in fair order waits for room; nobody overtakes it
            self._waiting.remove(job)
            job.running = True
            job.reading = _Reading(job.prompt_ids, job=job)
            self._readings.append(job.reading)
            self._changed({job})

    def _pieces(self) -> list[tuple[_Reading, int]]:
        """How many tokens of each prompt being read the next pass reads, shortest prompt first. While nobody
        writes: PREFILL_CHUNK tokens in all. While others write: a question (WHOLE_PROMPT tokens at most) is
        read whole, PREFILL_CHUNK tokens of them a pass at most, so a class that starts together starts at once;
        longer prompts share the pass's reading share. Every RE_MEASURE-th pass beside writers reads nothing,
        so a plain step's time stays measured."""
        for reading in [r for r in self._readings if r.job is not None and r.job.cancelled]:
            self._readings.remove(reading)
            reading.job.reading = None  # type: ignore[union-attr]  # a job's reading has its job
        writing = bool(self._active)
        if writing and self._passes_reading >= RE_MEASURE:
            return []
        share, whole = (self._piece, PREFILL_CHUNK) if writing else (PREFILL_CHUNK, 0)
        pieces = []
        for reading in sorted(self._readings, key=lambda r: r.left):
            if len(reading.ids) <= WHOLE_PROMPT and reading.left <= whole:
                count, whole = reading.left, whole - reading.left
            else:  # at least FEWEST_READ tokens each, so a paste moves on behind a stream of shorter prompts
                count = min(reading.left, max(share, FEWEST_READ))
                share = max(0, share - count)
            if count > 0:
                pieces.append((reading, count))
        return pieces

    def _pass(self, pieces: list[tuple[_Reading, int]]) -> None:
        """One forward pass: a decoding step for every writing row, and the next piece of each prompt in
        `pieces`. An error fails the prompts read in it (the rows try again at the next pass, alone), or,
        in a plain step, every row of it."""
        rows = list(self._active)
        started = time.perf_counter()
        try:
            logits = self._read_pieces(pieces, rows)
        except Exception as error:  # noqa: BLE001 - handed to the jobs and views it touched; the batch goes on
            if pieces:
                self._fail_readings([reading for reading, _ in pieces], _explain(error))
            else:
                self._fail_batch(_explain(error))
            return
        elapsed = time.perf_counter() - started
        if rows and not pieces:
            self._step_s = _recent(self._step_s, elapsed)
        self._adjust_share(bool(rows), pieces, elapsed)
        if rows:
            self.steps += 1
            self._pick(rows, logits[:len(rows)])
            self._drop([row for row in rows if row.finished or row.job.cancelled])
        for reading, _ in pieces:
            if reading.left == 0:
                self._finish_reading(reading)
            elif reading.job is not None:
                with self._cond:
                    self._changed({reading.job})

    def _read_pieces(self, pieces: list[tuple[_Reading, int]], rows: Sequence[_Row] = ()) -> torch.Tensor:
        """The forward pass of `_pass`: the logits of the rows' next tokens; each reading keeps its own."""
        from genai_demo.engine.row_cache import BatchPass

        tokens = [row.written[-1] for row in rows]
        positions = [len(row.job.prompt_ids) + len(row.written) - 1 for row in rows]
        keep = list(range(len(rows)))
        kept: list[range] = []  # per piece: where its wanted logits are among the kept ones
        for reading, count in pieces:
            offset = len(tokens)
            tokens += reading.ids[reading.read:reading.read + count]
            positions += range(reading.read, reading.read + count)
            wanted = reading.wanted(count)
            kept.append(range(len(keep), len(keep) + len(wanted)))
            keep += [offset + index for index in wanted]
        batch = BatchPass(self._cache if rows else None, [(reading.cache, count) for reading, count in pieces])
        logits = forward_pass(self.model, tokens, positions, batch, keep)
        for (reading, count), where in zip(pieces, kept):
            reading.read += count
            if len(where):
                reading.logits.append(logits[where.start:where.stop])
        return logits

    def _adjust_share(self, writing: bool, pieces: list[tuple[_Reading, int]], elapsed: float) -> None:
        """Learn what one more prompt token adds to a pass beside writers, and so how many tokens keep such a
        pass within READ_SHARE plain steps."""
        read = sum(count for _, count in pieces)
        if read:
            self._read_per_s = _recent(self._read_per_s, read / elapsed)
        if not writing:
            self._passes_reading = 0
            return
        self._passes_reading = self._passes_reading + 1 if pieces else 0
        if read:
            token_s = max(0.0, elapsed - self._step_s) / read
            self._token_s = _recent(self._token_s, token_s)
            fits = (READ_SHARE - 1) * self._step_s / max(self._token_s, 1e-6)
            self._piece = int(max(FEWEST_READ, min(PREFILL_CHUNK, fits)))

    def _finish_reading(self, reading: _Reading) -> None:
        """A prompt read to its end: a view gets its logits; a job's rows draw their first token and join."""
        with self._cond:
            self._readings.remove(reading)
        job = reading.job
        if job is None:
            reading.done.set()
            return
        job.reading = None
        try:
            self._join_job(job, reading.logits[-1][-1], reading.cache)
        except Exception as error:  # noqa: BLE001 - fails this job only; the batch goes on
            with self._cond:
                job.error = _explain(error)
                self._changed({job})

    def _join_job(self, job: Job, logits: torch.Tensor, cache: PromptCache) -> None:
        """With its prompt read: draw each of a job's rows' first token from the logits after the prompt, and
        let the rows join the batch."""
        import torch

        rows = job.rows
        for row in rows:
            row.seen = torch.zeros(logits.shape[-1], dtype=torch.bool, device=logits.device)
            row.seen[job.prompt_ids] = True
        self._pick(rows, logits[None].expand(len(rows), -1))
        staying = [row for row in rows if not row.finished]
        self._cache.add(staying, cache, [len(job.prompt_ids) + row.max_new_tokens for row in staying])
        with self._cond:
            self._active = list(self._cache.rows)
            self.largest_batch = max(self.largest_batch, len(self._active))

    def _pick(self, rows: list[_Row], logits: torch.Tensor) -> None:
        """Draw each row's next token with its own knobs and generator; note which rows are finished."""
        import torch

        knobs = [row.knobs for row in rows]
        if any(k.repetition_penalty != 1 for k in knobs):
            seen = torch.stack([row.seen for row in rows])  # type: ignore[misc]  # _join_job gives every row its seen mask
            logits = penalize_repetition(logits, seen, [k.repetition_penalty for k in knobs])
        picks = sample_rows(logits, knobs, [row.generator for row in rows])
        with self._cond:
            for row, token in zip(rows, picks):
                row.written.append(token)
                row.seen[token] = True  # type: ignore[index]  # set in _join_job, before the row's first pick
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

    def _fail_readings(self, readings: list[_Reading], error: EngineError) -> None:
        with self._cond:
            for reading in readings:
                if reading in self._readings:
                    self._readings.remove(reading)
                reading.error = error
                reading.done.set()
                if reading.job is not None:
                    reading.job.reading = None
                    reading.job.error = error
                    self._changed({reading.job})

    def _fail_batch(self, error: EngineError) -> None:
        with self._cond:
            jobs = {row.job for row in self._active}
            for job in jobs:
                job.error = error
            self._cache.drop(self._active)
            self._active = []
            self._changed(jobs)


def forward_pass(model: Any, tokens: Sequence[int], positions: Sequence[int], batch: BatchPass,
                 keep: Sequence[int]) -> torch.Tensor:
    """One forward pass over `tokens` laid end to end, each at its own position, with `batch` holding the keys
    and values they read and write: the logits (float32) at the `keep` offsets. Every pass of the engine,
    writing and reading, goes through here."""
    import torch

    from genai_demo.engine.row_cache import ATTENTION_NAME

    device = model.device
    try:
        with attention_implementation(model, ATTENTION_NAME):
            out = model(input_ids=torch.tensor([list(tokens)], device=device),
                        position_ids=torch.tensor([list(positions)], device=device), cache=batch, use_cache=True,
                        logits_to_keep=torch.tensor(list(keep), dtype=torch.long, device=device), row_cache=batch)
    except BaseException:
        batch.finish(wrote=False)
        raise
    batch.finish()
    return out.logits[0].float()


def _products_on_onednn(model: Any) -> bool:
    """Whether the model's products run on oneDNN (`fast_linear`), which hands them every CPU thread while the rest
    of a pass runs on one: a float32 model on a CPU that the loader switched. Asked at every pass (a benchmark may
    switch a model back); the device and dtype answer first, since looking through the layers of a model that was
    never switched (any GPU model) takes 0.1-0.3 ms."""
    import torch

    from genai_demo.engine.fast_linear import uses_fast_linear

    return model.device.type == "cpu" and model.dtype == torch.float32 and uses_fast_linear(model)


def _recent(average: float | None, value: float) -> float:
    """A running average that follows recent passes (none yet: the value itself)."""
    return value if average is None else 0.8 * average + 0.2 * value


def _explain(error: BaseException) -> EngineError:
    import torch

    if isinstance(error, (torch.OutOfMemoryError, MemoryError)):
        return EngineError("The model ran out of memory while writing. Try fewer new tokens or fewer columns, "
                           "or wait until fewer people are writing at once.")
    return EngineError(f"The model could not write this text ({type(error).__name__}: {error}).")
