"""Text to music with MusicGen: a prompt becomes a grid of EnCodec tokens, predicted one frame at a time.

EnCodec is an autoencoder for sound: its encoder squeezes audio into a few codebooks of numbered
tokens per frame (50 frames a second for musicgen-small), and its decoder turns tokens back into a
waveform. MusicGen's decoder is a language model over those tokens, guided by a T5 reading of the
prompt; it predicts the next token exactly as a text model predicts the next word piece.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from genai_demo.config import MAX_SEED, settings
from genai_demo.engine.bundles import MusicModel
from genai_demo.engine.threads import MODEL_BUILDING
from genai_demo.sound.audio import TimedSound, as_mono_float, wav_bytes

MIN_SECONDS = 0.5
MAX_PROMPT_CHARS = 500  # MusicGen learned from one- or two-sentence descriptions; T5's cost grows with length
MAX_GUIDANCE = 10.0
MAX_TOP_K = 2048
TEMPERATURE_RANGE = (0.1, 2.0)
EMPTY = -1  # a grid cell not predicted yet


class MusicStopped(RuntimeError):
    """The learner left (or the run was cancelled) before the clip was finished."""


@dataclass(frozen=True)
class MusicSettings:
    """Everything that decides a clip: the prompt, its length, guidance, temperature, top-k and seed."""

    prompt: str
    seconds: float = 3.0
    guidance_scale: float = 3.0
    temperature: float = 1.0
    top_k: int = 250
    seed: int = 0


@dataclass(frozen=True)
class Music(TimedSound):
    """A composed clip with its settings and the EnCodec tokens it was decoded from."""

    samples: np.ndarray
    sample_rate: int
    settings: MusicSettings
    codes: np.ndarray  # (codebooks, frames) EnCodec token ids
    compute_s: float


@dataclass
class TokenGrid:
    """The clip's tokens as they arrive: `codes[codebook, frame]`, EMPTY where not predicted yet.

    MusicGen predicts all codebooks at every step, each one a step behind the one above it (the
    "delay pattern"), so at step s codebook k fills frame s - k: the grid fills in as a staircase.
    """

    codebooks: int
    frames: int
    codes: np.ndarray = field(init=False)
    steps: int = 0

    def __post_init__(self) -> None:
        self.codes = np.full((self.codebooks, self.frames), EMPTY, dtype=np.int64)

    @property
    def total_steps(self) -> int:
        return self.frames + self.codebooks - 1

    def add_step(self, tokens: list[int]) -> None:
        """The tokens predicted at one step, one per codebook."""
        for codebook, token in enumerate(tokens[: self.codebooks]):
            frame = self.steps - codebook
            if 0 <= frame < self.frames:
                self.codes[codebook, frame] = token
        self.steps += 1

    @property
    def filled(self) -> float:
        return float((self.codes != EMPTY).mean())


def frames_for(bundle: MusicModel, seconds: float) -> int:
    """How many token frames make `seconds` of music (at least one)."""
    return max(1, round(seconds * bundle.frame_rate))


def default_seconds(device: str) -> float:
    """Two seconds on a CPU (each second is 50 decoding steps of a 300 M decoder); longer on a GPU."""
    return min(2.0 if device == "cpu" else 8.0, settings().limits.max_music_seconds)


def check_music(request: MusicSettings) -> MusicSettings:
    """The request ready to run, or ValueError with a plain message."""
    limits = settings().limits
    prompt = " ".join("".join(" " if not c.isprintable() else c for c in request.prompt or "").split())
    if not prompt:
        raise ValueError("Describe the music first, for example “calm piano over soft rain”.")
    most = min(limits.max_prompt_chars, MAX_PROMPT_CHARS)
    if len(prompt) > most:
        raise ValueError(f"The description is {len(prompt):,} characters; at most {most:,} are used. MusicGen "
                         "learned from short descriptions: name the instruments, the mood and the tempo.")
    if not MIN_SECONDS <= request.seconds <= limits.max_music_seconds:
        raise ValueError(f"The length must be between {MIN_SECONDS} and {limits.max_music_seconds:g} seconds "
                         "on this server.")
    if not 1 <= request.guidance_scale <= MAX_GUIDANCE:
        raise ValueError(f"Guidance must be between 1 (the prompt is read once, no push) and {MAX_GUIDANCE:g}.")
    if not TEMPERATURE_RANGE[0] <= request.temperature <= TEMPERATURE_RANGE[1]:
        raise ValueError(f"Temperature must be between {TEMPERATURE_RANGE[0]} and {TEMPERATURE_RANGE[1]}.")
    if not 1 <= request.top_k <= MAX_TOP_K:
        raise ValueError(f"Top-k must be between 1 and {MAX_TOP_K}.")
    if not 0 <= request.seed <= MAX_SEED:
        raise ValueError(f"The seed must be a whole number from 0 to {MAX_SEED:,}.")
    return MusicSettings(prompt, float(request.seconds), float(request.guidance_scale), float(request.temperature),
                         int(request.top_k), int(request.seed))


def _grid_watcher(grid: TokenGrid, codebooks: int, on_step: Callable[[TokenGrid], None] | None):
    """A stopping criterion that never stops the model itself: it copies each step's tokens into the grid.

    (MusicGen's generate() does not feed a streamer in this transformers version; stopping criteria see
    every step.) If `on_step` raises, for example because the learner left the page, generation ends there.
    """
    import torch

    with MODEL_BUILDING:  # transformers' lazy import is not thread-safe (engine/threads.py)
        from transformers import StoppingCriteria

    class Watcher(StoppingCriteria):
        def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor,
                     **kwargs: object) -> torch.Tensor:
            if grid.steps < grid.total_steps:
                grid.add_step(input_ids[:codebooks, -1].tolist())
                if on_step is not None:
                    on_step(grid)
            return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

    return Watcher()


def compose(bundle: MusicModel, request: MusicSettings, on_step: Callable[[TokenGrid], None] | None = None,
            on_wait: Callable[[int, float], None] | None = None) -> Music:
    """Generate a clip. `on_step(grid)` runs after every predicted step; runs take turns on the model."""
    import torch

    with MODEL_BUILDING:
        from transformers import StoppingCriteriaList

    request = check_music(request)
    grid = TokenGrid(bundle.codebooks, frames_for(bundle, request.seconds))
    inputs = bundle.processor(text=[request.prompt], padding=True, return_tensors="pt").to(bundle.device)
    with bundle.queue.turn(on_wait):
        started = time.perf_counter()
        torch.manual_seed(request.seed)
        with torch.inference_mode():
            audio = bundle.model.generate(
                **inputs, do_sample=True, temperature=request.temperature, top_k=request.top_k,
                guidance_scale=request.guidance_scale, max_new_tokens=grid.total_steps,
                stopping_criteria=StoppingCriteriaList([_grid_watcher(grid, bundle.codebooks, on_step)]),
            )
        samples = as_mono_float(audio[0].float().cpu().numpy())
        compute_s = time.perf_counter() - started
    return Music(samples, bundle.sample_rate, request, grid.codes.copy(), compute_s)


def music_wav(music: Music, model_id: str) -> bytes:
    """The clip as a WAV file whose comment records the model and every setting."""
    return wav_bytes(music.samples, music.sample_rate, {"model": model_id, **asdict(music.settings)},
                     title=music.settings.prompt[:120])
