"""What the Fine-tuning page keeps across reruns: the session's one tuned copy and its last comparison."""

from __future__ import annotations

from dataclasses import dataclass

from genai_demo.tuning.finetune import ProbabilityShift, TuneResult


@dataclass
class Comparison:
    """Base and tuned copy on one prompt with one seed: their texts and the next-token probabilities that moved."""

    request: tuple[object, ...]  # what it was written for: the copy, prompt, seed, length
    base_text: str
    tuned_text: str
    risers: list[ProbabilityShift]
    fallers: list[ProbabilityShift]


@dataclass
class TunedCopy:
    """A finished run: the copy, its loss on the text before and after, and its last comparison."""

    result: TuneResult
    loss_before: float
    loss_after: float
    comparison: Comparison | None = None


@dataclass
class FineTuningState:
    """One tuned copy per session: a new run or "Forget my fine-tuned model" replaces it."""

    tuned: TunedCopy | None = None
