"""What a loader returns: each kind of model with what it needs beside it (tokenizer, processor, device,
number format) and how sessions share it (a lock for the tokenizer, the engine or the line its runs wait in)."""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from genai_demo.engine.batching import TextEngine
from genai_demo.engine.queue import TurnQueue
from genai_demo.engine.writer import SharedTokenizer, Written

if TYPE_CHECKING:
    import numpy as np
    import torch

    from genai_demo.engine.sampling import SamplingSettings

T = TypeVar("T")


def end_of_text_ids(model: Any, tokenizer: Any) -> frozenset[int]:
    """The token ids that end a text for this model (its generation config's, else the tokenizer's)."""
    eos = model.generation_config.eos_token_id
    if eos is None:
        eos = tokenizer.eos_token_id
    if eos is None:
        return frozenset()
    return frozenset(eos) if isinstance(eos, (list, tuple)) else frozenset({int(eos)})


@dataclass
class TextModel(SharedTokenizer):
    """A causal language model with its tokenizer: a `TextWriter` whose weights are here.

    Its methods take `lock` (the tokenizer's) themselves. Run the model through `engine` (never call it
    from a page's thread): the engine batches every session's work on this model.
    """

    model_id: str
    model: Any
    tokenizer: Any
    device: str
    dtype: "torch.dtype"
    context_window: int
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    engine: TextEngine = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.engine = TextEngine(self.model, end_of_text_ids(self.model, self.tokenizer))

    @property
    def end_ids(self) -> set[int]:
        """The token ids that end a text (a chat model may have several); generation stops at any of them."""
        return set(self.engine.end_ids)

    @property
    def has_weights(self) -> bool:
        """The weights are here: every probability can be shown."""
        return True

    @property
    def has_scores(self) -> bool:
        """Every next-token probability is here."""
        return True

    def describe(self) -> str:
        """The number format and device, for a caption ("in float32 on CPU")."""
        return f"in {str(self.dtype).removeprefix('torch.')} on {self.device.upper()}"

    def generate(self, prompt_ids: Sequence[int], columns: Sequence["SamplingSettings"],
                 max_new_tokens: Sequence[int], prompt: str | None = None,
                 messages: list[dict[str, str]] | None = None, owner: str | None = None) -> Iterator[Written]:
        """Every column's text as the engine writes it after `prompt_ids` (`prompt` and `messages` are not needed).

        The job is submitted on the first read: an iterator nobody reads leaves no work behind."""
        job = self.engine.submit(prompt_ids, columns, max_new_tokens, owner)
        end = self.end_ids
        for state in job.updates():
            with self.lock:
                texts = [self.decode([i for i in ids if i not in end]) for ids in state.tokens]
            yield Written(texts, state.tokens, state.finished, state.rows_ahead, state.expected_wait_s,
                          prompt_read=state.prompt_read)

    def tokenizer_copy(self) -> Any:
        """A private copy of the tokenizer, for a session's own model (fast tokenizers are not thread-safe)."""
        with self.lock:  # copying reads the shared tokenizer, which other sessions may be using right now
            return copy.deepcopy(self.tokenizer)

    def model_copy(self) -> Any:
        """The model's modules copied, sharing (not copying) its weights and buffers."""
        shared = {id(tensor): tensor for tensor in itertools.chain(self.model.parameters(), self.model.buffers())}
        with self.lock:
            return copy.deepcopy(self.model, memo=shared)


@dataclass
class Embedder:
    """A loaded sentence embedder with its device, dtype, token limit and lock."""

    model_id: str
    model: Any  # sentence_transformers.SentenceTransformer
    device: str
    dtype: "torch.dtype"
    max_tokens: int
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def encode(self, sentences: list[str]) -> "np.ndarray":
        """Normalised vectors, one row per sentence (text past the model's window is cut)."""
        with self.lock:
            return self.model.encode(sentences, batch_size=32, normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False)

    def token_ids(self, sentences: list[str]) -> list[list[int]]:
        """Each sentence's token ids, special tokens included, before the model's window cuts it."""
        with self.lock:
            encoded = self.model.tokenizer(sentences, add_special_tokens=True, truncation=False, verbose=False)
        return [list(ids) for ids in encoded["input_ids"]]


@dataclass
class ImagePipeline:
    """A diffusers text-to-image pipeline. Its scheduler keeps state: copy it per request, never share."""

    model_id: str
    pipeline: Any
    device: str
    dtype: "torch.dtype"
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # Runs take turns: two at once on one device only halve each other's speed.
    queue: TurnQueue = field(default_factory=TurnQueue, repr=False)

    def run_alone(self, work: Callable[[], T]) -> T:
        """`work()` while no other `run_alone` call on this pipeline runs (one VAE round trip at a time)."""
        with self.lock:
            return work()


@dataclass
class SpeechModel:
    """A VITS text-to-speech model and its character tokenizer.

    Runs take turns in `queue`: the model draws its noise from torch's global random generator, so a
    seed holds only while no other run is sampling, and a sentence takes well under a second.
    """

    model_id: str
    model: Any
    tokenizer: Any
    device: str
    dtype: "torch.dtype"
    sample_rate: int
    queue: TurnQueue = field(default_factory=TurnQueue, repr=False)


@dataclass
class MusicModel:
    """MusicGen: a T5 text encoder, a decoder that predicts EnCodec tokens, and EnCodec's decoder.

    `codebooks` tokens make one frame, `frame_rate` frames one second of sound. Runs take turns in
    `queue` (each one keeps every core busy, and sampling uses the global random generator).
    """

    model_id: str
    model: Any
    processor: Any
    device: str
    dtype: "torch.dtype"
    sample_rate: int
    frame_rate: int
    codebooks: int
    codebook_size: int
    queue: TurnQueue = field(default_factory=TurnQueue, repr=False)
