"""A tiny character-level language model: learn the patterns of one text, then write more of it.

The same two phases as GPT, in miniature: training nudges weights so the next character is less of a
surprise; generation repeatedly samples the next character and feeds it back in. The network looks at
the previous CONTEXT characters (an embedding per character, one hidden layer), like makemore's MLP.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from genai_demo.config import DATA_DIR
from genai_demo.engine.threads import SharedLimit
from genai_demo.nets.playground import Adam
from genai_demo.nets.training import validate_learning_rate

TEXTS_DIR = DATA_DIR / "texts"
CONTEXT = 8
MIN_TEXT_CHARS = 40
MAX_GENERATE_CHARS = 1_000
DEFAULT_CHECKPOINTS = (0, 50, 200, 500)


def small_matrix_mode() -> AbstractContextManager:
    """Run numpy's BLAS on one thread. These matrices are tiny: on a busy 2-core machine, waking a second
    BLAS thread for each product made a step ~25x slower (measured: 47 ms against 1.7 ms)."""
    limit = _blas_limit()
    return limit() if limit else nullcontext()


@cache
def _blas_limit() -> SharedLimit | None:
    try:  # threadpoolctl comes with scikit-learn; without it we only lose speed
        from threadpoolctl import OpenBLASController, ThreadpoolController
    except ImportError:
        return None
    blas = ThreadpoolController().select(user_api="blas").lib_controllers  # scanning is slow: do it once

    def write(counts: list[int]) -> None:
        # OpenBLAS obeys only the thread that set it first; the session restoring it may be another one.
        OpenBLASController.clear_controlling_thread(force=True)
        for library, count in zip(blas, counts):
            library.set_num_threads(count)
        OpenBLASController.clear_controlling_thread(force=True)

    return SharedLimit(lambda: [library.num_threads for library in blas], write, [1] * len(blas))


@dataclass(frozen=True)
class ShippedText:
    """A training text shipped with the app, with its title and source."""

    name: str
    title: str
    source: str
    text: str


def shipped_texts() -> dict[str, ShippedText]:
    """The texts in data/texts/*.txt; each file starts with 'title: ...' and 'source: ...' lines."""
    texts = {}
    for path in sorted(TEXTS_DIR.glob("*.txt")):
        header, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        meta = dict(line.split(": ", 1) for line in header.splitlines())
        texts[path.stem] = ShippedText(path.stem, meta["title"], meta["source"], body.strip() + "\n")
    return texts


def clean_training_text(text: str, max_chars: int) -> tuple[str, bool]:
    """The text to train on and whether it was cut to max_chars. ValueError when too short to learn from."""
    text = text.replace("\r\n", "\n")
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise ValueError(f"Give the model at least {MIN_TEXT_CHARS} characters of text to learn from.")
    if len(set(text)) < 2:
        raise ValueError("The text repeats a single character; there is no pattern to learn.")
    return (text[:max_chars], True) if len(text) > max_chars else (text, False)


@dataclass
class CharModel:
    """The vocabulary (every distinct character of the training text) and the network's weights:
    an embedding per character, one tanh hidden layer, and a score for every possible next character."""

    vocab: list[str]
    embedding: np.ndarray  # (vocab, EMBED)
    w_hidden: np.ndarray  # (CONTEXT * EMBED, HIDDEN)
    b_hidden: np.ndarray
    w_out: np.ndarray  # (HIDDEN, vocab)
    b_out: np.ndarray
    steps: int = 0
    losses: list[float] = field(default_factory=list)
    optimizer: Adam | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.optimizer = Adam(self.parameters())

    def parameters(self) -> list[np.ndarray]:
        return [self.embedding, self.w_hidden, self.b_hidden, self.w_out, self.b_out]

    @property
    def parameter_count(self) -> int:
        return sum(p.size for p in self.parameters())

    def encode(self, text: str) -> list[int]:
        index = {ch: i for i, ch in enumerate(self.vocab)}
        return [index[ch] for ch in text if ch in index]

    def decode(self, ids: list[int]) -> str:
        return "".join(self.vocab[i] for i in ids)

    def forward(self, contexts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Scores (logits) for the next character after each row of CONTEXT ids, plus what backprop needs."""
        flat = self.embedding[contexts].reshape(len(contexts), -1)
        hidden = np.tanh(flat @ self.w_hidden + self.b_hidden)
        return hidden @ self.w_out + self.b_out, flat, hidden


def new_model(text: str, seed: int = 0, embed: int = 16, hidden: int = 128) -> CharModel:
    """An untrained character model for `text`, its weights drawn from `seed`."""
    vocab = sorted(set(text))
    rng = np.random.default_rng(seed)

    def init(*shape: int) -> np.ndarray:
        return (rng.normal(0.0, 1.0, shape) / math.sqrt(shape[0])).astype(np.float32)

    return CharModel(vocab, rng.normal(0.0, 1.0, (len(vocab), embed)).astype(np.float32),
                     init(CONTEXT * embed, hidden), np.zeros(hidden, np.float32),
                     init(hidden, len(vocab)) * 0.1, np.zeros(len(vocab), np.float32))


def _windows(model: CharModel, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Every (previous CONTEXT characters, next character) pair; the start is padded with the first id."""
    ids = model.encode(text)
    if not ids:
        raise ValueError("None of these characters are in the model's vocabulary.")
    padded = np.array([ids[0]] * CONTEXT + ids)
    contexts = np.lib.stride_tricks.sliding_window_view(padded, CONTEXT)[:-1]
    return contexts, padded[CONTEXT:]


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _cross_entropy(probs: np.ndarray, targets: np.ndarray) -> float:
    return float(-np.mean(np.log(probs[np.arange(len(targets)), targets] + 1e-12)))


def text_loss(model: CharModel, text: str) -> float:
    """Average surprise (cross-entropy, in nats) of the model at each next character of text."""
    contexts, targets = _windows(model, text)
    return _cross_entropy(_softmax(model.forward(contexts)[0]), targets)


def train(model: CharModel, text: str, steps: int, learning_rate: float = 3e-3, batch_size: int = 64,
          seed: int = 0, on_step: Callable[[int, float], None] | None = None) -> CharModel:
    """Train in place for `steps` random mini-batches; on_step(step, loss) is called after each one."""
    if steps < 0:
        raise ValueError("The number of training steps cannot be negative.")
    validate_learning_rate(learning_rate)
    contexts, targets = _windows(model, text)
    rng = np.random.default_rng(seed + model.steps)
    with small_matrix_mode():
        for _ in range(steps):
            _train_step(model, contexts, targets, rng.integers(0, len(targets), batch_size), learning_rate)
            if on_step:
                on_step(model.steps, model.losses[-1])
    return model


def _train_step(model: CharModel, contexts: np.ndarray, targets: np.ndarray, batch: np.ndarray,
                learning_rate: float) -> None:
    """One mini-batch: forward, backpropagation written out (the chain rule, one layer per line), Adam."""
    ctx, tgt = contexts[batch], targets[batch]
    logits, flat, hidden = model.forward(ctx)
    probs = _softmax(logits)
    model.losses.append(_cross_entropy(probs, tgt))
    d_logits = probs
    d_logits[np.arange(len(batch)), tgt] -= 1.0
    d_logits /= len(batch)
    d_hidden = (d_logits @ model.w_out.T) * (1.0 - hidden * hidden)
    d_flat = d_hidden @ model.w_hidden.T
    d_embedding = np.zeros_like(model.embedding)
    np.add.at(d_embedding, ctx, d_flat.reshape(*ctx.shape, -1))
    grads = [d_embedding, flat.T @ d_hidden, d_hidden.sum(0), hidden.T @ d_logits, d_logits.sum(0)]
    assert model.optimizer is not None  # __post_init__ always sets it
    model.optimizer.step(grads, learning_rate)
    model.steps += 1


def generate(model: CharModel, prompt: str, n_chars: int = 200, temperature: float = 0.8, seed: int = 0) -> str:
    """Continue the prompt one sampled character at a time. Characters the model never saw are skipped."""
    if not 1 <= n_chars <= MAX_GENERATE_CHARS:
        raise ValueError(f"Generate between 1 and {MAX_GENERATE_CHARS} characters.")
    if not (math.isfinite(temperature) and 0 < temperature <= 5):
        raise ValueError("Temperature must be above 0 and at most 5.")
    ids = model.encode(prompt) or [0]
    context = ([ids[0]] * CONTEXT + ids)[-CONTEXT:]
    rng = np.random.default_rng(seed)
    out: list[int] = []
    with small_matrix_mode():
        for _ in range(n_chars):
            logits = model.forward(np.array([context]))[0][0].astype(np.float64) / temperature
            next_id = int(rng.choice(len(model.vocab), p=_softmax(logits)))
            out.append(next_id)
            context = context[1:] + [next_id]
    return model.decode(out)


@dataclass(frozen=True)
class Snapshot:
    """The model's loss and a sample of its writing at one training step."""

    step: int
    loss: float  # on the whole training text
    sample: str


def train_with_snapshots(text: str, steps: int, prompt: str, checkpoints: tuple[int, ...] = DEFAULT_CHECKPOINTS,
                         n_chars: int = 120, seed: int = 0,
                         on_step: Callable[[int, float], None] | None = None) -> tuple[CharModel, list[Snapshot]]:
    """Train a fresh model, stopping at each checkpoint (and at the end) to write a sample with one seed,
    so the samples differ only in how much the model has learned."""
    model = new_model(text, seed)
    stops = sorted({c for c in checkpoints if 0 <= c <= steps} | {steps})
    snapshots = []
    for stop in stops:
        train(model, text, stop - model.steps, seed=seed, on_step=on_step)
        snapshots.append(Snapshot(stop, text_loss(model, text), generate(model, prompt, n_chars, seed=seed)))
    return model, snapshots


def uniform_loss(model: CharModel) -> float:
    """The loss of a model that guesses every character equally likely: the 'knows nothing' line."""
    return float(np.log(len(model.vocab)))
