"""What every live-training lab shares: the settings checks, the diverged-run error, the CPU thread limit.

The GAN, VAE, playground, perceptron and spam-network trainers all use these, so a learner sees the same
plain-language message whichever lab they break.
"""

from __future__ import annotations

import math

import torch

from genai_demo.engine.threads import SharedLimit

MAX_LEARNING_RATE = 1.0


class TrainingDiverged(RuntimeError):
    """Training produced non-finite numbers (or exploded); the message says what and why."""


def diverged_message(step: int, what: str) -> str:
    """The one explanation of a blown-up run: where it stopped, what went wrong, what to do."""
    return (f"Training stopped at step {step}: {what}. The learning rate is too large, so each update "
            "overshoots and the next one overshoots even more. Lower it and press Reset.")


def check_finite(step: int, *losses: float) -> None:
    """Raise TrainingDiverged when any loss is infinite or not-a-number."""
    if not all(math.isfinite(value) for value in losses):
        raise TrainingDiverged(diverged_message(step, "the loss became infinite or not-a-number (NaN)"))


# Run tiny networks on one CPU thread: on a busy machine, splitting a 64-wide layer over several threads
# is tens of times slower than one. Torch's thread count is per process; the big models of other pages
# get theirs back when the last lab session leaves.
one_cpu_thread = SharedLimit(torch.get_num_threads, torch.set_num_threads, 1)


def validate_learning_rate(lr: float, name: str = "learning rate", maximum: float = MAX_LEARNING_RATE) -> float:
    """`lr`, or ValueError if it is not above 0 or above `maximum`."""
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"The {name} must be above 0: with {lr:g} the weights never move, so nothing is learned.")
    if lr > maximum:
        raise ValueError(
            f"A {name} of {lr:g} is far too large: every update would overshoot, throwing the weights so far "
            f"that the numbers overflow. Try something between 0.0001 and 0.01 (the maximum is {maximum:g})."
        )
    return lr


def validate_steps(steps: int, limit: int) -> int:
    """`steps`, or ValueError if it is below 1 or above `limit`."""
    if steps < 1:
        raise ValueError("Choose at least 1 training step: with 0 steps nothing changes.")
    if steps > limit:
        raise ValueError(f"At most {limit} steps at a time on this server; you asked for {steps}.")
    return steps
