"""A tiny variational autoencoder on scikit-learn's 8x8 digits, and Stable Diffusion's VAE round trip.

The encoder squeezes each 64-pixel digit into two numbers (a point in a 2-D "latent" map); the decoder
turns any point of that map back into an 8x8 picture. Trained for seconds on a CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from genai_demo.nets.training import (
    TrainingDiverged,
    check_finite,
    one_cpu_thread,
    validate_learning_rate,
    validate_steps,
)

if TYPE_CHECKING:
    from PIL import Image

    from genai_demo.engine.bundles import ImagePipeline

LATENT_DIM = 2
IMAGE_SIDE = 8


@cache
def digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 scikit-learn digits as (images (n, 64) in [0, 1], labels (n,)). Shipped, no download."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return (data.data / 16.0).astype(np.float32), data.target.astype(np.int64)


class DigitVAE(nn.Module):
    """The VAE for 8x8 digits: an encoder to a 2-number code's mean and spread, and a decoder back."""

    def __init__(self, hidden: int = 256) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.to_mean = nn.Linear(hidden, LATENT_DIM)
        self.to_log_var = nn.Linear(hidden, LATENT_DIM)
        self.decoder = nn.Sequential(
            nn.Linear(LATENT_DIM, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 64)
        )

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.encoder(images)
        return self.to_mean(features), self.to_log_var(features)

    def decode_logits(self, latent: torch.Tensor) -> torch.Tensor:
        return self.decoder(latent)


@dataclass(frozen=True)
class VaeConfig:
    """The VAE's training settings: learning rate, batch, KL weight and seed."""

    lr: float = 2e-3
    batch: int = 128
    beta: float = 1.0  # weight of the KL term that keeps the latent map tidy
    seed: int = 0

    def validated(self) -> VaeConfig:
        validate_learning_rate(self.lr)
        if not 0 <= self.beta <= 10:
            raise ValueError("The KL weight (beta) must be between 0 and 10.")
        return self


@dataclass
class Losses:
    """The two parts of the VAE's loss, per image."""

    reconstruction: float  # binary cross-entropy summed over the 64 pixels, per image
    kl: float  # how far the encoder's clouds are from a standard normal, per image

    @property
    def total(self) -> float:
        return self.reconstruction + self.kl


@dataclass
class VaeTrainer:
    """A VAE trained step by step on the digits, with its loss history."""

    config: VaeConfig
    step: int = 0
    history: list[dict[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.config = self.config.validated()
        torch.manual_seed(self.config.seed)
        self.model = DigitVAE()
        self.optimizer = torch.optim.Adam(self.model.parameters(), self.config.lr)
        images, self.labels = digits()
        self.images = torch.from_numpy(images)
        self.batches = torch.Generator().manual_seed(self.config.seed)
        self.diverged: str | None = None

    def _losses(self, images: torch.Tensor, sample: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_var = self.model.encode(images)
        # The reparameterisation trick: a random point of the encoder's cloud, still differentiable.
        latent = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean) if sample else mean
        logits = self.model.decode_logits(latent)
        reconstruction = nn.functional.binary_cross_entropy_with_logits(logits, images, reduction="sum") / len(images)
        kl = -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp()) / len(images)
        return reconstruction, kl

    def train(self, steps: int, limit: int = 100_000) -> None:
        validate_steps(steps, limit)
        if self.diverged:
            raise TrainingDiverged(self.diverged)
        with one_cpu_thread():
            for _ in range(steps):
                index = torch.randint(0, len(self.images), (self.config.batch,), generator=self.batches)
                reconstruction, kl = self._losses(self.images[index])
                loss = reconstruction + self.config.beta * kl
                try:
                    check_finite(self.step, loss.item())
                except TrainingDiverged as error:
                    self.diverged = str(error)
                    raise
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.step += 1
                self.history.append({"step": self.step, "reconstruction": reconstruction.item(), "kl": kl.item()})

    @torch.no_grad()
    def evaluate(self) -> Losses:
        """Losses over all digits, using each digit's mean latent point (no sampling noise).

        Computed once per training step: a page redrawn without training asks again for free."""
        if getattr(self, "_evaluated", (None,))[0] != self.step:
            with one_cpu_thread():
                reconstruction, kl = self._losses(self.images, sample=False)
            self._evaluated = (self.step, Losses(reconstruction.item(), kl.item()))
        return self._evaluated[1]

    @torch.no_grad()
    def encode(self, images: np.ndarray | None = None) -> np.ndarray:
        """Mean latent point of each image (all digits by default, computed once per step), shape (n, 2)."""
        if images is None and getattr(self, "_codes", (None,))[0] == self.step:
            return self._codes[1]
        batch = self.images if images is None else torch.from_numpy(np.asarray(images, np.float32).reshape(-1, 64))
        with one_cpu_thread():
            codes = self.model.encode(batch)[0].numpy()
        if images is None:
            self._codes: tuple[int, np.ndarray] = (self.step, codes)
        return codes

    @torch.no_grad()
    def decode(self, latent: np.ndarray) -> np.ndarray:
        """8x8 images in [0, 1] for latent points of shape (n, 2) or (2,)."""
        points = torch.as_tensor(np.asarray(latent, np.float32).reshape(-1, LATENT_DIM))
        if not torch.isfinite(points).all():
            raise ValueError("Latent coordinates must be finite numbers.")
        with one_cpu_thread():
            return torch.sigmoid(self.model.decode_logits(points)).reshape(-1, IMAGE_SIDE, IMAGE_SIDE).numpy()

    def reconstruct(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(original, reconstruction) of digit number `index`, both 8x8 in [0, 1]."""
        original = self.images[index].numpy()
        return original.reshape(IMAGE_SIDE, IMAGE_SIDE), self.decode(self.encode(original))[0]

    def interpolate(self, first: int, second: int, count: int = 8) -> np.ndarray:
        """Decoded images on the straight latent line from digit `first` to digit `second`."""
        start, end = self.encode(self.images[[first, second]].numpy())
        weights = np.linspace(0, 1, count, dtype=np.float32)[:, None]
        return self.decode((1 - weights) * start + weights * end)

    def example_of(self, digit: int) -> int:
        """Index of the first image of `digit` in the dataset."""
        return int(np.flatnonzero(self.labels == digit)[0])


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement: every pixel becomes a crisp factor x factor square."""
    return np.kron(np.asarray(image), np.ones((factor, factor), dtype=np.float32))


# --- Stable Diffusion's VAE: the same idea at scale -------------------------------------------------


@dataclass
class RoundTrip:
    """A picture through Stable Diffusion's VAE: the original, the decoded copy and the latents between."""

    original: Image.Image
    decoded: Image.Image
    latent_shape: tuple[int, ...]  # (channels, height, width)
    latent_channels: np.ndarray  # (channels, h, w), each scaled to [0, 1] for display
    compression: float  # numbers in the picture / numbers in the latent


def demo_picture(side: int = 256) -> Image.Image:
    """A simple picture with edges, flat colours and a gradient, drawn without any download."""
    from PIL import Image, ImageDraw

    ramp = np.linspace(0, 255, side, dtype=np.uint8)
    blue = np.full((side, side), 170, np.uint8)
    pixels = np.stack([np.tile(ramp, (side, 1)), np.tile(ramp[:, None], (1, side)), blue], axis=2)
    picture = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(picture)
    s = side / 256
    draw.ellipse([40 * s, 40 * s, 130 * s, 130 * s], fill=(240, 200, 40), outline=(20, 20, 20),
                 width=max(1, int(3 * s)))
    draw.rectangle([140 * s, 120 * s, 225 * s, 215 * s], fill=(30, 90, 200))
    for k in range(6):
        y = (150 + 14 * k) * s
        draw.line([20 * s, y, 120 * s, y], fill=(255, 255, 255) if k % 2 else (0, 0, 0), width=max(1, int(5 * s)))
    return picture


def fit_for_vae(image: Image.Image, max_side: int, multiple: int) -> Image.Image:
    """RGB, at most `max_side` on the longer edge, both sides a multiple of `multiple` (the VAE's factor)."""
    image = image.convert("RGB")
    scale = min(1.0, max_side / max(image.size))
    width, height = (max(multiple, int(side * scale) // multiple * multiple) for side in image.size)
    return image.resize((width, height))


def sd_vae_round_trip(bundle: ImagePipeline, image: Image.Image, max_side: int = 256) -> RoundTrip:
    """Encode `image` with the pipeline's VAE to its latent, and decode that latent back to a picture."""
    from PIL import Image as PILImage

    vae: Any = bundle.pipeline.vae
    factor = 2 ** (len(vae.config.block_out_channels) - 1)
    picture = fit_for_vae(image, max_side, factor)
    pixels = torch.from_numpy(np.asarray(picture, np.float32) / 127.5 - 1).permute(2, 0, 1)[None]

    def round_trip() -> tuple[torch.Tensor, torch.Tensor]:
        with torch.inference_mode():
            latent = vae.encode(pixels.to(bundle.device, vae.dtype)).latent_dist.mode()
            return latent, vae.decode(latent).sample

    latent, decoded = bundle.run_alone(round_trip)
    latent = latent.float().cpu()[0]
    decoded_pixels = ((decoded.float().cpu()[0].permute(1, 2, 0).clamp(-1, 1) + 1) * 127.5).round().byte().numpy()
    low, high = latent.amin(dim=(1, 2), keepdim=True), latent.amax(dim=(1, 2), keepdim=True)
    return RoundTrip(
        original=picture,
        decoded=PILImage.fromarray(decoded_pixels, "RGB"),
        latent_shape=tuple(latent.shape),
        latent_channels=((latent - low) / (high - low).clamp_min(1e-6)).numpy(),
        compression=pixels.numel() / latent.numel(),
    )
