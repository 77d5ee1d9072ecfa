"""The 2-D GAN: seeded training moves the generated points onto the target; bad settings are refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genai_demo.nets.gan import (
    PLOT_RANGE,
    TARGETS,
    GanConfig,
    GanTrainer,
    energy_distance,
    sample_target,
    trainer_for,
)
from genai_demo.nets.training import TrainingDiverged


def test_training_brings_generated_points_onto_the_ring():
    trainer = trainer_for("healthy", target="ring", seed=0)
    start_distance, start_coverage = trainer.distance(), trainer.coverage()
    trainer.train(200)
    assert trainer.distance() < start_distance / 5
    assert start_coverage < 0.2 < 0.8 < trainer.coverage()
    radii = np.linalg.norm(trainer.generated(500), axis=1)
    assert abs(np.median(radii) - 1.2) < 0.15  # the real ring has radius 1.2


def test_mode_collapse_preset_covers_far_less_than_the_healthy_one():
    healthy, collapsed = trainer_for("healthy", target="blobs"), trainer_for("mode collapse", target="blobs")
    healthy.train(200)
    collapsed.train(200)
    assert healthy.coverage() > 0.7
    assert collapsed.coverage() < 0.4


def test_same_seed_same_points_and_another_seed_differs():
    first, second, other = (GanTrainer(GanConfig(seed=seed)) for seed in (3, 3, 4))
    for trainer in (first, second, other):
        trainer.train(5)
    np.testing.assert_array_equal(first.generated(), second.generated())
    assert not np.allclose(first.generated(), other.generated())


@pytest.mark.parametrize("target", TARGETS)
def test_targets_fit_in_the_picture(target):
    points = sample_target(target, 2000, np.random.default_rng(0))
    assert points.shape == (2000, 2) and points.dtype == np.float32
    assert np.abs(points).max() < PLOT_RANGE


def test_energy_distance_is_zero_for_the_same_cloud_and_grows_with_a_shift():
    cloud = sample_target("blobs", 500, np.random.default_rng(1))
    assert energy_distance(cloud, cloud) == pytest.approx(0, abs=1e-5)
    near, far = energy_distance(cloud, cloud + 0.1), energy_distance(cloud, cloud + 1.0)
    assert 0 < near < far


def test_push_arrows_point_where_the_discriminator_says_real():
    trainer = trainer_for("healthy", seed=2)
    trainer.train(30)
    points, push = trainer.generator_push(40)
    moved = points + 0.01 * push / np.linalg.norm(push, axis=1, keepdims=True)
    with torch.no_grad():
        before = torch.sigmoid(trainer.discriminator(torch.from_numpy(points)))
        after = torch.sigmoid(trainer.discriminator(torch.from_numpy(moved.astype(np.float32))))
    assert (after > before).float().mean() > 0.9


def test_step_by_step_updates_report_real_numbers():
    trainer = trainer_for("healthy", seed=0)
    d = trainer.single_update("discriminator")
    assert d.player == "discriminator" and d.loss_after < d.loss_before and 0 < d.fake_score < 1
    g = trainer.single_update("generator")
    assert g.loss_after < g.loss_before
    assert trainer.step == 1 and trainer.history[-1]["generator"] == g.loss_after


def test_decision_map_is_a_probability_grid():
    xs, ys, probability = trainer_for("healthy").decision_map(resolution=10)
    assert len(xs) == len(ys) == len(probability) == 100
    assert ((probability > 0) & (probability < 1)).all()


@pytest.mark.parametrize("lr, words", [
    (0.0, "above 0"), (-1.0, "above 0"), (5.0, "too large"), (float("nan"), "above 0"),
])
def test_absurd_learning_rates_are_refused_with_a_message(lr, words):
    with pytest.raises(ValueError, match=words):
        GanTrainer(GanConfig(generator_lr=lr))


def test_zero_steps_are_refused():
    with pytest.raises(ValueError, match="at least 1"):
        trainer_for("healthy").train(0)


def test_a_huge_learning_rate_stops_with_an_explanation_instead_of_nan():
    trainer = trainer_for("healthy", generator_lr=1.0, discriminator_lr=1.0)
    with pytest.raises(TrainingDiverged, match="learning rate is too large"):
        trainer.train(200)
    assert trainer.diverged
    assert all(np.isfinite(list(row.values())).all() for row in trainer.history)
    with pytest.raises(TrainingDiverged):  # stays stopped until reset
        trainer.train(1)


def test_nan_weights_stop_training():
    trainer = trainer_for("healthy")
    with torch.no_grad():
        trainer.discriminator[0].weight.fill_(float("nan"))
    with pytest.raises(TrainingDiverged, match="not-a-number"):
        trainer.train(1)
