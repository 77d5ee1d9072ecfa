"""Text to speech with a VITS voice: what the model reads, its knobs, and the sound it makes.

VITS reads characters (not word pieces), predicts how long each one lasts, and turns that into a
waveform in one pass: no token-by-token loop, which is why it runs faster than real time on a CPU.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from genai_demo.config import MAX_SEED, settings
from genai_demo.engine.bundles import SpeechModel
from genai_demo.sound.audio import TimedSound, as_mono_float, wav_bytes

SPEAKING_RATE_RANGE = (0.5, 2.0)
NOISE_RANGE = (0.0, 1.5)


@dataclass(frozen=True)
class SpeechSettings:
    """Everything that decides a spoken sentence: the text, speaking rate, noise and seed."""

    text: str
    speaking_rate: float = 1.0
    noise_scale: float = 0.667  # MMS-TTS's own defaults
    noise_scale_duration: float = 0.8
    seed: int = 0


@dataclass(frozen=True)
class ReadText:
    """The text as the voice will read it: its characters and ids, and what it had to leave out."""

    characters: list[tuple[str, int]]  # (character, id), without the blanks placed between them
    ids: list[int]  # what the model receives, blanks included
    unreadable: str  # distinct characters the voice has no symbol for, in order of appearance
    digits: str  # distinct digits that were left out

    @property
    def notes(self) -> list[str]:
        """Plain-language notes about what was left out."""
        notes = []
        if self.digits:
            notes.append(f"Digits ({' '.join(self.digits)}) were left out: this voice learned from words, so spell "
                         "numbers out (“twenty one”, not “21”).")
        if self.unreadable:
            notes.append("These characters are not in this voice's alphabet and were skipped: "
                         f"{_shown(self.unreadable)}. "
                         "A voice reads only the script it was trained on; the default one reads English. Text in "
                         "another script needs a voice for that language (MMS-TTS has one per language, for "
                         "example facebook/mms-tts-fra, set with GENAI_TTS_MODEL).")
        return notes


@dataclass(frozen=True)
class Speech(TimedSound):
    """A spoken sentence with its settings and what the voice could read of the text."""

    samples: np.ndarray
    sample_rate: int
    settings: SpeechSettings
    read: ReadText
    compute_s: float


def _shown(characters: str) -> str:
    return " ".join(f"“{c}”" if c.isprintable() and not c.isspace() else f"U+{ord(c):04X}" for c in characters)


def _cleaned(text: str) -> str:
    """Control characters and line breaks become spaces; runs of spaces become one."""
    spaced = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    return " ".join(spaced.split())


def _alphabet(bundle: SpeechModel) -> dict[str, int]:
    return dict(bundle.tokenizer.get_vocab())


def read_text(bundle: SpeechModel, text: str) -> ReadText:
    """Which characters the voice reads, with their ids, and which it cannot."""
    alphabet = _alphabet(bundle)
    blank = bundle.tokenizer.pad_token or ""
    kept, unreadable, digits = [], "", ""
    for char in _cleaned(text).lower():
        if char.isdigit():
            digits += "" if char in digits else char
            continue
        if char not in alphabet:
            bare = unicodedata.normalize("NFKD", char)[0]  # é -> e, but 猫 stays 猫
            if bare in alphabet and bare != char:
                char = bare
            else:
                unreadable += "" if char in unreadable or not char.strip() or not char.isalpha() else char
                continue
        if char == blank:
            continue
        kept.append(char)
    spoken = " ".join("".join(kept).split())
    ids = bundle.tokenizer(spoken, add_special_tokens=False).input_ids if spoken else []
    characters = [(char, alphabet[char]) for char in spoken]
    return ReadText(characters, list(ids), unreadable, digits)


def check_speech(bundle: SpeechModel, request: SpeechSettings) -> tuple[SpeechSettings, ReadText]:
    """The request ready to speak and what will be read, or ValueError with a plain message."""
    limit = settings().limits.max_speech_chars
    text = request.text or ""
    if not text.strip():
        raise ValueError("Type a sentence first: there is nothing to say yet.")
    if len(text) > limit:
        raise ValueError(f"That is {len(text):,} characters; this app speaks at most {limit:,} at a time. "
                         "Try one or two sentences.")
    low, high = SPEAKING_RATE_RANGE
    if not low <= request.speaking_rate <= high:
        raise ValueError(f"The speaking rate must be between {low} and {high}.")
    for name, value in (("noise", request.noise_scale), ("duration noise", request.noise_scale_duration)):
        if not NOISE_RANGE[0] <= value <= NOISE_RANGE[1]:
            raise ValueError(f"The {name} must be between {NOISE_RANGE[0]} and {NOISE_RANGE[1]}.")
    if not 0 <= request.seed <= MAX_SEED:
        raise ValueError(f"The seed must be a whole number from 0 to {MAX_SEED:,}.")
    read = read_text(bundle, text)
    if not read.characters or not any(char.isalpha() for char, _ in read.characters):
        reason = " ".join(read.notes) or "It holds no letters."
        raise ValueError(f"Nothing in this text can be spoken by this voice. {reason}")
    return request, read


def speak(bundle: SpeechModel, request: SpeechSettings,
          on_wait: Callable[[int, float], None] | None = None) -> Speech:
    """Say the text. Runs take turns on the voice, so the same seed always gives the same sound."""
    import torch

    request, read = check_speech(bundle, request)
    ids = torch.tensor([read.ids], device=bundle.device)
    with bundle.queue.turn(on_wait):
        started = time.perf_counter()
        model = bundle.model
        model.noise_scale, model.noise_scale_duration = request.noise_scale, request.noise_scale_duration
        torch.manual_seed(request.seed)
        with torch.inference_mode():
            output = model(input_ids=ids, speaking_rate=request.speaking_rate)
        samples = as_mono_float(output.waveform[0].float().cpu().numpy())
        compute_s = time.perf_counter() - started
    return Speech(samples, bundle.sample_rate, request, read, compute_s)


def speech_wav(speech: Speech, model_id: str) -> bytes:
    """The sound as a WAV file whose comment records the model and every setting."""
    return wav_bytes(speech.samples, speech.sample_rate, {"model": model_id, **asdict(speech.settings)},
                     title=speech.settings.text[:120])
