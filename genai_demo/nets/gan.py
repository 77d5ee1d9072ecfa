"""A tiny GAN on 2-D points: a generator and a discriminator trained against each other.

The generator turns random noise into points; the discriminator scores points as real (from the
target distribution) or fake (from the generator). Everything is small enough to train live on a CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch
from torch import nn

from genai_demo.nets.training import (
    TrainingDiverged,
    check_finite,
    diverged_message,
    one_cpu_thread,
    validate_learning_rate,
    validate_steps,
)

TARGETS = ("ring", "two moons", "blobs", "line")
PLOT_RANGE = 2.0  # every target fits in [-PLOT_RANGE, PLOT_RANGE]^2
ESCAPE_DISTANCE = 100.0  # generated points this far out mean training has blown up


def sample_target(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` points from one of the 2-D target distributions, shape (n, 2), float32."""
    if name == "ring":
        angle = rng.uniform(0, 2 * np.pi, n)
        radius = 1.2 + rng.normal(0, 0.05, n)
        points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    elif name == "two moons":
        upper = rng.random(n) < 0.5
        angle = rng.uniform(0, np.pi, n)
        x = np.where(upper, np.cos(angle), 1 - np.cos(angle))
        y = np.where(upper, np.sin(angle), 0.5 - np.sin(angle))
        points = np.stack([x - 0.5, y - 0.25], axis=1) * 1.2 + rng.normal(0, 0.06, (n, 2))
    elif name == "blobs":
        centres = np.array([[-1.0, -0.8], [1.0, -0.8], [0.0, 1.0]])
        points = centres[rng.integers(0, len(centres), n)] + rng.normal(0, 0.12, (n, 2))
    elif name == "line":
        t = rng.uniform(-1.4, 1.4, n)
        points = np.stack([t, 0.5 * t], axis=1) + rng.normal(0, 0.03, (n, 2))
    else:
        raise ValueError(f"Unknown target {name!r}; choose one of {', '.join(TARGETS)}.")
    return points.astype(np.float32)


def energy_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Energy distance between two point clouds: 0 when they come from the same distribution."""
    x, y = torch.from_numpy(np.asarray(a, np.float32)), torch.from_numpy(np.asarray(b, np.float32))
    between = torch.cdist(x, y).mean()
    within = torch.cdist(x, x).mean() + torch.cdist(y, y).mean()
    return float(2 * between - within)


def coverage(real: np.ndarray, generated: np.ndarray, radius: float = 0.15) -> float:
    """Fraction of real points with a generated point within `radius`: low when modes are missed."""
    nearest = torch.cdist(torch.from_numpy(real), torch.from_numpy(generated)).min(dim=1).values
    return float((nearest < radius).float().mean())


@dataclass(frozen=True)
class GanConfig:
    """The 2-D GAN's settings: the target shape, network sizes, learning rates, batch and seed."""

    target: str = "ring"
    noise_dim: int = 2
    hidden: int = 64
    generator_lr: float = 2e-3
    discriminator_lr: float = 2e-3
    discriminator_steps: int = 1  # discriminator updates per generator update
    batch: int = 256
    seed: int = 0

    def validated(self) -> GanConfig:
        if self.target not in TARGETS:
            raise ValueError(f"Unknown target {self.target!r}; choose one of {', '.join(TARGETS)}.")
        validate_learning_rate(self.generator_lr, "generator learning rate")
        validate_learning_rate(self.discriminator_lr, "discriminator learning rate")
        if not 1 <= self.discriminator_steps <= 10:
            raise ValueError("Discriminator updates per generator update must be between 1 and 10.")
        return self


# Healthy: balanced learning rates. Mode collapse: a generator that learns much faster than its
# critic keeps jumping to whichever spot the discriminator currently likes best, and its noise
# input is squeezed to one number, so it cannot spread out over several blobs at once.
PRESETS: dict[str, GanConfig] = {
    "healthy": GanConfig(target="ring"),
    "mode collapse": GanConfig(target="blobs", noise_dim=1, generator_lr=2e-2, discriminator_lr=5e-4),
}


def _mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(inputs, hidden), nn.LeakyReLU(0.2),
        nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
        nn.Linear(hidden, outputs),
    )


@dataclass
class StepReport:
    """What one update did, in numbers a learner can read."""

    player: str  # "discriminator" or "generator"
    loss_before: float
    loss_after: float
    real_score: float  # mean D(real) = probability "real" on real points
    fake_score: float  # mean D(fake) on generated points


@dataclass
class GanTrainer:
    """Holds both networks, their optimisers and the loss history; trained a few steps at a time."""

    config: GanConfig
    step: int = 0
    history: list[dict[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.config = self.config.validated()
        torch.manual_seed(self.config.seed)
        self.rng = np.random.default_rng(self.config.seed)
        self.noise = torch.Generator().manual_seed(self.config.seed)
        self.generator = _mlp(self.config.noise_dim, self.config.hidden, 2)
        self.discriminator = _mlp(2, self.config.hidden, 1)
        self.g_optimizer = torch.optim.Adam(self.generator.parameters(), self.config.generator_lr, betas=(0.5, 0.999))
        self.d_optimizer = torch.optim.Adam(
            self.discriminator.parameters(), self.config.discriminator_lr, betas=(0.5, 0.999)
        )
        self.eval_real = sample_target(self.config.target, 500, np.random.default_rng(self.config.seed + 1))
        self.eval_noise = torch.randn(500, self.config.noise_dim, generator=torch.Generator().manual_seed(7))
        self.diverged: str | None = None

    # --- the two players ------------------------------------------------------------------------

    def _noise(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.config.noise_dim, generator=self.noise)

    def _real(self, n: int) -> torch.Tensor:
        return torch.from_numpy(sample_target(self.config.target, n, self.rng))

    def _discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        real_logits, fake_logits = self.discriminator(real), self.discriminator(fake)
        bce = nn.functional.binary_cross_entropy_with_logits
        return bce(real_logits, torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits))

    def _generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        # The "non-saturating" loss: the generator wants the discriminator to call its points real.
        logits = self.discriminator(fake)
        return nn.functional.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))

    def _discriminator_step(self) -> tuple[float, torch.Tensor]:
        """One discriminator update (D(real) towards 1, D(fake) towards 0); its loss and the batches used."""
        self._check_alive()
        real = self._real(self.config.batch)
        with torch.no_grad():
            fake = self.generator(self._noise(self.config.batch))
        self._check_escape(fake)
        loss = self._discriminator_loss(real, fake)
        self.d_optimizer.zero_grad()
        loss.backward()
        self.d_optimizer.step()
        self._check_finite(loss.item())
        return loss.item(), torch.stack([real, fake])

    def _generator_step(self) -> tuple[float, torch.Tensor]:
        """One generator update (its points towards where D says 'real'); its loss and the noise used."""
        self._check_alive()
        noise = self._noise(self.config.batch)
        loss = self._generator_loss(self.generator(noise))
        self.g_optimizer.zero_grad()
        loss.backward()
        self.g_optimizer.step()
        self._check_finite(loss.item())
        return loss.item(), noise

    @torch.no_grad()
    def discriminator_update(self) -> StepReport:
        """One discriminator update, with its loss before and after and its verdicts afterwards."""
        with torch.enable_grad():
            before, (real, fake) = self._discriminator_step()
        after = float(self._discriminator_loss(real, fake))
        self._check_finite(after)
        return StepReport("discriminator", before, after, *self._scores(real, fake))

    @torch.no_grad()
    def generator_update(self) -> StepReport:
        """One generator update, with its loss before and after and the discriminator's verdicts afterwards."""
        with torch.enable_grad():
            before, noise = self._generator_step()
        fake = self.generator(noise)
        self._check_escape(fake)
        after = float(self._generator_loss(fake))
        self._check_finite(after)
        return StepReport("generator", before, after, *self._scores(self._real(self.config.batch), fake))

    def _scores(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[float, float]:
        probability = [torch.sigmoid(self.discriminator(points)).mean().item() for points in (real, fake)]
        return probability[0], probability[1]

    def train(self, steps: int, limit: int = 100_000) -> None:
        """`steps` rounds of (discriminator_steps D updates, then one G update), recorded in `history`.

        The history records each update's loss as computed for that update, before the weights moved."""
        validate_steps(steps, limit)
        with one_cpu_thread():
            for _ in range(steps):
                for _ in range(self.config.discriminator_steps):
                    d_loss, _ = self._discriminator_step()
                g_loss, _ = self._generator_step()
                self.record(d_loss, g_loss)
            with torch.no_grad():
                self._check_escape(self.generator(self.eval_noise))

    def single_update(self, player: str) -> StepReport:
        """Step-by-step mode: one update of one player; a generator update completes a training step."""
        with one_cpu_thread():
            if player == "discriminator":
                report = self.discriminator_update()
                self._last_d_loss = report.loss_after
            elif player == "generator":
                report = self.generator_update()
                self.record(getattr(self, "_last_d_loss", report.loss_before), report.loss_after)
            else:
                raise ValueError(f"Unknown player {player!r}: 'discriminator' or 'generator'.")
        return report

    def record(self, d_loss: float, g_loss: float) -> None:
        self.step += 1
        self.history.append({"step": self.step, "discriminator": d_loss, "generator": g_loss})

    # --- divergence -----------------------------------------------------------------------------

    def _check_alive(self) -> None:
        if self.diverged:
            raise TrainingDiverged(self.diverged)

    def _check_finite(self, *losses: float) -> None:
        try:
            check_finite(self.step, *losses)
        except TrainingDiverged as error:
            self.diverged = str(error)
            raise

    def _check_escape(self, fake: torch.Tensor) -> None:
        if not torch.isfinite(fake).all() or fake.abs().max() > ESCAPE_DISTANCE:
            self._stop("the generated points flew off far outside the picture")

    def _stop(self, what: str) -> None:
        self.diverged = diverged_message(self.step, what)
        raise TrainingDiverged(self.diverged)

    # --- what the page draws --------------------------------------------------------------------

    @torch.no_grad()
    def generated(self, n: int = 500) -> np.ndarray:
        with one_cpu_thread():
            return self.generator(self.eval_noise[:n]).numpy()

    def real(self, n: int = 500) -> np.ndarray:
        return self.eval_real[:n]

    @torch.no_grad()
    def decision_map(self, resolution: int = 32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Grid cell centres (x, y) and D's probability 'real' at each: the heatmap behind the points."""
        edges = np.linspace(-PLOT_RANGE, PLOT_RANGE, resolution + 1)
        centres = (edges[:-1] + edges[1:]) / 2
        xx, yy = np.meshgrid(centres, centres)
        grid = torch.from_numpy(np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32))
        with one_cpu_thread():
            return xx.ravel(), yy.ravel(), torch.sigmoid(self.discriminator(grid)).squeeze(1).numpy()

    def generator_push(self, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
        """Generated points and the direction the generator's loss pushes them (minus its gradient)."""
        with one_cpu_thread():
            fake = self.generator(self.eval_noise[:n]).detach().requires_grad_(True)
            self._generator_loss(fake).backward()
        return fake.detach().numpy(), -fake.grad.numpy() * n  # the mean loss divides each gradient by n

    def distance(self) -> float:
        """Energy distance between 500 real and 500 generated points (fixed noise, so it only moves with training)."""
        return self._evaluation()[0]

    def coverage(self) -> float:
        return self._evaluation()[1]

    def _evaluation(self) -> tuple[float, float]:
        if getattr(self, "_evaluated", (None,))[0] != self.step:
            generated = self.generated(500)
            with one_cpu_thread():
                self._evaluated = (self.step, energy_distance(self.eval_real, generated),
                                   coverage(self.eval_real, generated))
        return self._evaluated[1], self._evaluated[2]


def trainer_for(preset: str, **changes: Any) -> GanTrainer:
    """A fresh trainer from a named preset, with some fields changed (target, seed, ...)."""
    return GanTrainer(replace(PRESETS[preset], **changes))
