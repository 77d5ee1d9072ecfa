"""The digit GAN and its judge: real digits pass, noise and blurred averages do not, collapse is measured."""

from __future__ import annotations

import numpy as np
import pytest

from genai_demo.nets.gan_digits import (
    COLLAPSE_DIVERSITY,
    RECOGNISABLE_SHARE,
    DigitGanConfig,
    DigitGanTrainer,
    digit_trainer_for,
    diversity,
    judge,
)
from genai_demo.nets.training import TrainingDiverged
from genai_demo.nets.vae import digits


def test_the_judge_recognises_real_digits_and_their_labels():
    images, labels = digits()
    sample = np.arange(0, len(images), 7)[:200]
    judgement = judge().judge(images[sample])
    assert judgement.share > 0.75 and judgement.classes == 10
    agreed = judgement.labels[judgement.recognised] == labels[sample][judgement.recognised]
    assert agreed.mean() > 0.97
    assert judgement.share > RECOGNISABLE_SHARE  # real digits clear the bar the GAN must reach


def test_the_judge_rejects_noise_and_the_blurry_average_digit():
    images, _ = digits()
    noise = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    average = np.repeat(images.mean(axis=0, keepdims=True), 64, axis=0)
    assert judge().judge(noise).share == 0
    assert judge().judge(average).share == 0
    assert not judge().judge(average).recognisable


def test_diversity_is_one_for_real_digits_and_zero_for_one_picture_repeated():
    images, _ = digits()
    assert diversity(images[64:128], images[:64]) == pytest.approx(1.0, abs=0.15)
    assert diversity(np.repeat(images[:1], 64, axis=0), images[:64]) < COLLAPSE_DIVERSITY / 10


def test_training_moves_the_sheet_and_is_reproducible():
    first, second = digit_trainer_for("healthy", seed=1), digit_trainer_for("healthy", seed=1)
    before = first.sheet().copy()
    first.train(20)
    second.train(20)
    assert first.step == 20 and len(first.history) == 20
    assert np.abs(first.sheet() - before).mean() > 0.01
    np.testing.assert_allclose(first.sheet(), second.sheet(), atol=1e-6)
    scores = first.scores()
    assert 0 <= scores.fake <= 1 and 0 <= scores.real <= 1
    assert not first.collapsed()  # too early to call anything a collapse


def test_a_huge_learning_rate_stops_with_the_shared_message():
    trainer = DigitGanTrainer(DigitGanConfig(generator_lr=1.0, discriminator_lr=1.0))
    for parameter in trainer.discriminator.parameters():
        parameter.data.fill_(float("nan"))
    with pytest.raises(TrainingDiverged, match="learning rate is too large"):
        trainer.train(3)
    with pytest.raises(ValueError, match="above 0"):
        DigitGanTrainer(DigitGanConfig(generator_lr=0.0))
