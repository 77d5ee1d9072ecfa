"""What the Training vs generation page keeps across reruns: the last trained model and what it wrote."""

from __future__ import annotations

from dataclasses import dataclass

from genai_demo.nets.char_model import CharModel, Snapshot


@dataclass
class TrainingRun:
    """A finished training run: the model, its samples along the way, and the settings it was trained with."""

    model: CharModel
    snapshots: list[Snapshot]
    signature: tuple[object, ...]  # text, steps, seed, prompt, temperature


@dataclass
class Written:
    """The last text of "Now let it create", and what it was written with (model, prompt, length, knobs)."""

    setup: tuple[object, ...]
    text: str


@dataclass
class TrainingVsGenerationState:
    """The page's state: one trained model per session and its last written text."""

    trained: TrainingRun | None = None
    written: Written | None = None
