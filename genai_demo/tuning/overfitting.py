"""Overfitting in text: fine-tune the model on one tiny text for many steps, then see that it can
only repeat that text, even after a prompt that has nothing to do with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from genai_demo.engine.bundles import TextModel
from genai_demo.text.generation import SamplingSettings, generate_texts
from genai_demo.tuning.finetune import StepReport, overfit

TINY_TEXT = ("The lighthouse keeper counted seven ships at dawn, painted the railings blue, "
             "and wrote every name in a green notebook.")
OVERFIT_STEPS = 20  # real SmolLM2 at these settings: loss 5.65 -> 0.01 by step 5; 20 and 60 steps copy the same
MIN_COPIED_CHARS = 12


@dataclass
class OverfitDemo:
    """What the base model and its overfitted copy write after each prompt, and how much is copied."""

    prompts: list[str]
    before: list[str]  # base model's continuation per prompt
    after: list[str]  # overfitted model's continuation per prompt
    copied_before: list[float]  # share of each continuation copied word for word from the tiny text
    copied_after: list[float]
    losses: list[float]
    notices: list[str] = field(default_factory=list)  # e.g. a first run that diverged and was trained again


def copied_share(generated: str, training_text: str) -> float:
    """The share of `generated` that appears verbatim in `training_text` (runs of 12+ characters)."""
    generated = generated.strip()
    if not generated:
        return 0.0
    matcher = SequenceMatcher(None, generated, training_text, autojunk=False)
    copied = sum(block.size for block in matcher.get_matching_blocks() if block.size >= MIN_COPIED_CHARS)
    return copied / len(generated)


def overfit_demo(lm: TextModel, text: str = TINY_TEXT,
                 prompts: tuple[str, ...] = ("The lighthouse", "My favourite food is"), steps: int = OVERFIT_STEPS,
                 on_step: Callable[[StepReport], None] | None = None, new_tokens: int = 30) -> OverfitDemo:
    """Overfit a copy of `lm` on `text`; compare greedy continuations of `prompts` before and after."""
    result = overfit(lm, text, steps=steps, on_step=on_step)
    greedy = [SamplingSettings(temperature=0.0, max_new_tokens=new_tokens)]
    before = [generate_texts(lm, prompt, greedy)[0] for prompt in prompts]
    after = [generate_texts(result.tuned, prompt, greedy)[0] for prompt in prompts]
    return OverfitDemo(list(prompts), before, after, [copied_share(t, text) for t in before],
                       [copied_share(t, text) for t in after], result.losses, result.notices)
