"""What the VAE lab keeps across reruns, besides its live trainer (see live_training)."""

from __future__ import annotations

from dataclasses import dataclass

from genai_demo.nets.vae import RoundTrip


@dataclass
class VaeLabState:
    """The last trip of a picture through Stable Diffusion's VAE."""

    round_trip: RoundTrip | None = None
