"""A small GAN that draws: a generator of 8x8 handwritten digits against a discriminator, trained live.

The same contest as the 2-D GAN lab, only each sample is 64 pixels instead of two coordinates. The real
pictures are the 1,797 scikit-learn digits the VAE lab uses. How good the fakes are is measured, not
eyeballed: a judge trained on the real digits only (see `DigitJudge`) says which fakes it recognises.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

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
from genai_demo.nets.vae import IMAGE_SIDE, digits

PIXELS = IMAGE_SIDE * IMAGE_SIDE
GRID = 64  # the fixed-noise samples the page shows as an 8 x 8 sheet
CONFIDENT = 0.9  # the judge's probability for its best digit must reach this
RECOGNISABLE_SHARE = 0.3  # "recognisable digits": this share of the sheet recognised (real digits: ~0.86) ...
RECOGNISABLE_CLASSES = 8  # ... covering at least this many of the ten digits
COLLAPSE_DIVERSITY = 0.45  # fakes this much less varied than real digits (see `diversity`) have collapsed
COLLAPSE_CLASSES = 3
COLLAPSE_AFTER = 200  # steps: a fresh generator draws one blur for every input, which is not yet a collapse


@dataclass(frozen=True)
class DigitGanConfig:
    """The digit GAN's settings: noise size, network width, learning rates, batch and seed."""

    noise_dim: int = 16
    hidden: int = 256
    generator_lr: float = 3e-3
    discriminator_lr: float = 3e-3
    batch: int = 64
    generator_steps: int = 1  # generator updates per discriminator update
    seed: int = 0

    def validated(self) -> DigitGanConfig:
        validate_learning_rate(self.generator_lr, "generator learning rate")
        validate_learning_rate(self.discriminator_lr, "discriminator learning rate")
        if not 1 <= self.generator_steps <= 10:
            raise ValueError("Generator updates per discriminator update must be between 1 and 10.")
        return self


# Mode collapse on purpose: a generator that gets five updates for each of a slower critic's finds the few
# pictures the discriminator currently likes best and draws them for every noise input.
PRESETS: dict[str, DigitGanConfig] = {
    "healthy": DigitGanConfig(),
    "mode collapse": DigitGanConfig(generator_steps=5, discriminator_lr=1e-3),
}


# --- the judge ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    """What the judge says about a sheet of generated images, one entry per image."""

    labels: np.ndarray  # the judge's digit for each image
    confidence: np.ndarray  # its probability for that digit
    recognised: np.ndarray  # confident, and close to some real digit
    nearest_real: np.ndarray  # index of the closest real digit (pixel distance)

    @property
    def share(self) -> float:
        return float(self.recognised.mean())

    @property
    def classes(self) -> int:
        """How many different digits are among the recognised images."""
        return len(set(self.labels[self.recognised].tolist()))

    @property
    def recognisable(self) -> bool:
        return self.share >= RECOGNISABLE_SHARE and self.classes >= RECOGNISABLE_CLASSES


class DigitJudge:
    """Says which generated images read as digits, from the real digits alone.

    An image counts as recognised when (1) a softmax classifier trained on the 1,797 real digits (about
    97 % right on real digits it did not see) gives one digit at least CONFIDENT probability, and (2) the
    image is no further from its nearest real digit than 95 % of real digits are from theirs (so blurry
    averages and noise, which a classifier may still label, do not count)."""

    def __init__(self) -> None:
        images, labels = digits()
        self.images = torch.from_numpy(images)
        self.classifier = fit_classifier(self.images, torch.from_numpy(labels))
        distances = torch.cdist(self.images, self.images)
        distances.fill_diagonal_(float("inf"))
        self.near_enough = float(torch.quantile(distances.min(dim=1).values, 0.95))

    @torch.no_grad()
    def judge(self, images: np.ndarray) -> Judgement:
        flat = torch.from_numpy(np.asarray(images, np.float32).reshape(-1, PIXELS))
        with one_cpu_thread():
            confidence, labels = torch.softmax(self.classifier(flat), dim=1).max(dim=1)
            nearest = torch.cdist(flat, self.images).min(dim=1)
        recognised = (confidence >= CONFIDENT) & (nearest.values <= self.near_enough)
        return Judgement(labels.numpy(), confidence.numpy(), recognised.numpy(), nearest.indices.numpy())


def fit_classifier(images: torch.Tensor, labels: torch.Tensor, steps: int = 100) -> nn.Linear:
    """Multinomial logistic regression (one linear layer, softmax), fitted with L-BFGS and a little L2."""
    torch.manual_seed(0)
    model = nn.Linear(PIXELS, 10)
    optimizer = torch.optim.LBFGS(model.parameters(), max_iter=steps, line_search_fn="strong_wolfe")

    def loss() -> torch.Tensor:
        optimizer.zero_grad()
        value = nn.functional.cross_entropy(model(images), labels) + 1e-4 * model.weight.pow(2).sum()
        value.backward()
        return value

    with one_cpu_thread():
        optimizer.step(loss)
    return model.requires_grad_(False)


@cache
def judge() -> DigitJudge:
    """The shared digit judge, trained on the real digits once."""
    return DigitJudge()


def diversity(images: np.ndarray, reference: np.ndarray) -> float:
    """Mean pixel distance between pairs of `images`, divided by the same for `reference`: 1 is as varied
    as real digits, near 0 is one picture drawn over and over (mode collapse)."""
    def spread(batch: np.ndarray) -> float:
        flat = torch.from_numpy(np.asarray(batch, np.float32).reshape(len(batch), -1))
        return float(torch.pdist(flat).mean())
    return spread(images) / spread(reference)


# --- the two players --------------------------------------------------------------------------------


def _generator(noise_dim: int, hidden: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(noise_dim, hidden), nn.LeakyReLU(0.2),
        nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
        nn.Linear(hidden, PIXELS), nn.Sigmoid(),  # ink from 0 (paper) to 1 (full ink), like the real digits
    )


def _discriminator(hidden: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(PIXELS, hidden), nn.LeakyReLU(0.2),
        nn.Linear(hidden, hidden // 2), nn.LeakyReLU(0.2),
        nn.Linear(hidden // 2, 1),
    )


@dataclass(frozen=True)
class Scores:
    """The discriminator's mean verdict on real digits and on the generator's."""

    real: float  # mean D(real): the discriminator's probability "real" on real digits
    fake: float  # mean D(fake) on the generator's sheet


@dataclass
class DigitGanTrainer:
    """Both networks, their optimisers and the loss history; trained a few steps at a time."""

    config: DigitGanConfig
    step: int = 0
    history: list[dict[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.config = self.config.validated()
        torch.manual_seed(self.config.seed)
        self.generator = _generator(self.config.noise_dim, self.config.hidden)
        self.discriminator = _discriminator(self.config.hidden)
        betas = (0.5, 0.999)
        self.g_optimizer = torch.optim.Adam(self.generator.parameters(), self.config.generator_lr, betas=betas)
        self.d_optimizer = torch.optim.Adam(self.discriminator.parameters(), self.config.discriminator_lr, betas=betas)
        self.real_images = torch.from_numpy(digits()[0])
        self.randomness = torch.Generator().manual_seed(self.config.seed)
        # The sheet always shows the same 64 noise inputs, so its changes are the generator's learning.
        self.fixed_noise = torch.randn(GRID, self.config.noise_dim, generator=torch.Generator().manual_seed(7))
        self.diverged: str | None = None

    def train(self, steps: int, limit: int = 100_000) -> None:
        """`steps` rounds of one discriminator update then one generator update, recorded in `history`."""
        validate_steps(steps, limit)
        if self.diverged:
            raise TrainingDiverged(self.diverged)
        bce = nn.functional.binary_cross_entropy_with_logits
        batch = self.config.batch
        # 0.9, not 1: "one-sided label smoothing"
        real_target, fake_target = torch.full((batch, 1), 0.9), torch.zeros(batch, 1)
        with one_cpu_thread():
            for _ in range(steps):
                real = self.real_images[torch.randint(0, len(self.real_images), (batch,), generator=self.randomness)]
                fake = self.generator(torch.randn(batch, self.config.noise_dim, generator=self.randomness))
                d_loss = (bce(self.discriminator(real), real_target)
                          + bce(self.discriminator(fake.detach()), fake_target))
                self.d_optimizer.zero_grad()
                d_loss.backward()
                self.d_optimizer.step()
                for update in range(self.config.generator_steps):
                    if update:
                        fake = self.generator(torch.randn(batch, self.config.noise_dim, generator=self.randomness))
                    # The generator wants the discriminator to call its pictures real.
                    g_loss = bce(self.discriminator(fake), torch.ones(batch, 1))
                    self.g_optimizer.zero_grad()
                    g_loss.backward()
                    self.g_optimizer.step()
                self._record(d_loss.item(), g_loss.item())

    def _record(self, d_loss: float, g_loss: float) -> None:
        try:
            check_finite(self.step, d_loss, g_loss)
        except TrainingDiverged as error:
            self.diverged = str(error)
            raise
        self.step += 1
        self.history.append({"step": self.step, "discriminator": d_loss, "generator": g_loss})

    @torch.no_grad()
    def sheet(self) -> np.ndarray:
        """The generator's pictures for the 64 fixed noise inputs, shape (64, 8, 8), ink in [0, 1]."""
        if getattr(self, "_sheet", (None,))[0] != self.step:  # one computation per step, however often it is drawn
            with one_cpu_thread():
                images = self.generator(self.fixed_noise).reshape(GRID, IMAGE_SIDE, IMAGE_SIDE).numpy()
            self._sheet = (self.step, images, judge().judge(images))
        return self._sheet[1]

    @torch.no_grad()
    def scores(self) -> Scores:
        """The discriminator's verdicts: on the first 256 real digits and on the sheet."""
        with one_cpu_thread():
            real = torch.sigmoid(self.discriminator(self.real_images[:256])).mean().item()
            fake = torch.sigmoid(self.discriminator(self.generator(self.fixed_noise))).mean().item()
        return Scores(real, fake)

    def judgement(self) -> Judgement:
        self.sheet()
        return self._sheet[2]

    def diversity(self) -> float:
        return diversity(self.sheet(), self.real_images[:GRID].numpy())

    def collapsed(self) -> bool:
        """Mode collapse: the sheet is far less varied than real digits, or shows only a few digits."""
        if self.step < COLLAPSE_AFTER:
            return False
        labels = self.judgement().labels
        return self.diversity() < COLLAPSE_DIVERSITY or len(set(labels.tolist())) <= COLLAPSE_CLASSES


def digit_trainer_for(preset: str, **changes: Any) -> DigitGanTrainer:
    """A fresh trainer from a named preset, with some fields changed (seed, learning rates)."""
    return DigitGanTrainer(replace(PRESETS[preset], **changes))
