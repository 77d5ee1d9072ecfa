"""What the GAN lab keeps across reruns: the 2-D lab's live trainer and its step-by-step updates (see
live_training; the digits lab keeps a plain LiveLab)."""

from __future__ import annotations

from dataclasses import dataclass

from genai_demo.nets.gan import StepReport
from genai_demo.ui.nets.live_training import LiveLab


@dataclass
class GanPointsLab(LiveLab):
    """The 2-D points lab under gan_lab_lab: the live trainer, and in step-by-step mode the last single update
    and whose turn is next. Both are about this lab's trainer: a new trainer (Reset, other settings) comes with
    a new lab, so they start over with it."""

    last_update: StepReport | None = None
    next_player: str = "discriminator"
