"""Sound as numbers: WAV files that carry their settings, and the pictures of a sound (waveform, spectrogram).

Shared by the text-to-speech and text-to-music topics. numpy only; no model, no streamlit.
"""

from __future__ import annotations

import io
import json
import struct
import wave
from dataclasses import dataclass

import numpy as np

WAV_SOFTWARE = "genai_demo"


@dataclass(frozen=True)
class Envelope:
    """A waveform squeezed to a few hundred points: the lowest and highest sample in each slice of time."""

    seconds: np.ndarray
    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True)
class Spectrogram:
    """Loudness in decibels for each (time, frequency) cell: `decibels[frequency_index, time_index]`."""

    seconds: np.ndarray
    hertz: np.ndarray
    decibels: np.ndarray


def as_mono_float(samples: np.ndarray) -> np.ndarray:
    """One channel of float32 samples clipped to [-1, 1], whatever shape a model returned."""
    flat = np.asarray(samples, dtype=np.float32).reshape(-1)
    return np.clip(np.nan_to_num(flat), -1.0, 1.0)


def _info_chunk(fields: dict[str, str]) -> bytes:
    """A RIFF LIST/INFO chunk: the metadata block WAV players and soundfile/sox read (ICMT = comment)."""
    body = b"INFO"
    for tag, text in fields.items():
        data = text.encode("utf-8") + b"\0"
        if len(data) % 2:
            data += b"\0"
        body += tag.encode("ascii") + struct.pack("<I", len(data)) + data
    return b"LIST" + struct.pack("<I", len(body)) + body


def wav_bytes(samples: np.ndarray, sample_rate: int, settings: dict[str, object], title: str = "") -> bytes:
    """16-bit mono WAV whose comment holds `settings` as JSON, so the file says how it was made."""
    pcm = (as_mono_float(samples) * 32767).round().astype("<i2").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(int(sample_rate))
        writer.writeframes(pcm)
    riff = buffer.getvalue()
    fields = {"ISFT": WAV_SOFTWARE, "ICMT": json.dumps(settings, ensure_ascii=False, sort_keys=True)}
    if title:
        fields["INAM"] = title
    chunk = _info_chunk(fields)
    return b"RIFF" + struct.pack("<I", len(riff) - 8 + len(chunk)) + riff[8:] + chunk


def envelope(samples: np.ndarray, sample_rate: int, points: int = 400) -> Envelope:
    """The waveform's outline: `points` slices of time, each with its lowest and highest sample."""
    flat = as_mono_float(samples)
    points = max(1, min(points, flat.size))
    edges = np.linspace(0, flat.size, points + 1).astype(int)
    low = np.array([flat[a:b].min() if b > a else 0.0 for a, b in zip(edges[:-1], edges[1:])], dtype=np.float32)
    high = np.array([flat[a:b].max() if b > a else 0.0 for a, b in zip(edges[:-1], edges[1:])], dtype=np.float32)
    return Envelope(edges[:-1] / sample_rate, low, high)


def spectrogram(samples: np.ndarray, sample_rate: int, window_s: float = 0.025, columns: int = 120,
                rows: int = 64, top_hertz: float = 8_000.0, floor_db: float = -80.0) -> Spectrogram:
    """How loud each pitch is over time: short Hann-windowed slices, Fourier transform, decibels.

    Frequencies above `top_hertz` (or half the sample rate) are left out; speech and most music live below.
    The picture is pooled to at most `columns` x `rows` cells so a chart can draw it.
    """
    flat = as_mono_float(samples)
    size = max(16, int(window_s * sample_rate))
    if flat.size < size:
        flat = np.pad(flat, (0, size - flat.size))
    hop = max(1, (flat.size - size) // max(columns - 1, 1))
    starts = np.arange(0, flat.size - size + 1, hop)[:columns]
    frames = np.stack([flat[s:s + size] for s in starts]) * np.hanning(size)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    hertz = np.fft.rfftfreq(size, 1.0 / sample_rate)
    keep = hertz <= min(top_hertz, sample_rate / 2)
    power, hertz = power[:, keep], hertz[keep]
    bands = np.array_split(np.arange(hertz.size), min(rows, hertz.size))
    pooled = np.stack([power[:, band].mean(axis=1) for band in bands], axis=0)
    decibels = np.maximum(10 * np.log10(pooled + 1e-12), floor_db)
    band_hertz = np.array([hertz[band].mean() for band in bands])
    return Spectrogram((starts + size / 2) / sample_rate, band_hertz, decibels.astype(np.float32))



class TimedSound:
    """What a made sound says about itself: its length, and how fast it was made. Needs the attributes
    samples (a 1-D array), sample_rate and compute_s (seconds it took)."""

    samples: np.ndarray
    sample_rate: int
    compute_s: float

    @property
    def audio_s(self) -> float:
        return self.samples.size / self.sample_rate

    @property
    def realtime_factor(self) -> float:
        """Seconds of sound made per second of computing (above 1: faster than real time)."""
        return self.audio_s / max(self.compute_s, 1e-9)
