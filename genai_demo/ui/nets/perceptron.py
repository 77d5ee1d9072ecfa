"""What the Perceptron page keeps across reruns, besides the hidden-layer lab's live trainer (see
live_training): the learning rule's progress on each set of emails."""

from __future__ import annotations

from dataclasses import dataclass, field

from genai_demo.nets.neurons import LearningStep, PerceptronFit


@dataclass
class Learning:
    """The perceptron rule's progress on one set of emails, from zero weights."""

    weights: tuple[float, ...] = (0.0, 0.0)
    bias: float = 0.0
    position: int = 0  # how many emails the rule has seen: the next one is position % the set's size
    log: list[dict[str, float]] = field(default_factory=list)  # one row per update, for the chart
    last: tuple[int, LearningStep] | None = None  # the last email shown one at a time, and its update
    verdict: PerceptronFit | None = None  # the last "Until it stops"


@dataclass
class PerceptronState:
    """Part 3's learning, one Learning per set of emails (by the set's name), made when the set is first shown."""

    learning: dict[str, Learning] = field(default_factory=dict)
