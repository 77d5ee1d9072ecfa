"""What the Text generation page keeps across reruns: the last side-by-side run and the tokens picked by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

from genai_demo.engine.errors import ModelUnavailable
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.engine.writer import ScoredToken
from genai_demo.text.generation import TokenConfidence


@dataclass
class Generation:
    """One press of Generate: what every column read and has written so far (kept even if the run stops)."""

    prompt: str  # as the learner typed it
    context: str  # what the model read: the prompt, in the chat template when that is on
    knobs: list[SamplingSettings]  # one per column
    texts: list[str]
    ids: list[list[int]]
    finished: list[bool]
    notices: list[str]
    scores: list[list[ScoredToken]] | None = None  # a server's scores of each written token, per column
    confidences: dict[int, list[TokenConfidence]] = field(default_factory=dict)  # scored once per column


@dataclass
class TextGenerationState:
    """The page's state: the side-by-side result and step mode's tokens with the context they continue."""

    result: Generation | None = None
    steps: list[TokenConfidence] = field(default_factory=list)
    steps_context: str | None = None
    step_error: ModelUnavailable | None = None  # the last Sample press failed (a server that is down): shown once
