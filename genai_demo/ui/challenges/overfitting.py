"""What the Overfitting page keeps across reruns."""

from __future__ import annotations

from dataclasses import dataclass

from genai_demo.tuning.overfitting import OverfitDemo


@dataclass
class OverfittingState:
    """The last run: the overfitted copy's losses and its texts before and after."""

    demo: OverfitDemo | None = None
