"""The digits VAE learns to rebuild digits; the Stable Diffusion VAE round trip keeps the picture's size."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from genai_demo.engine import kinds
from genai_demo.engine.loader import load_model
from genai_demo.nets.training import TrainingDiverged
from genai_demo.nets.vae import VaeConfig, VaeTrainer, demo_picture, digits, fit_for_vae, sd_vae_round_trip, upscale


@pytest.fixture(scope="module")
def trained() -> VaeTrainer:
    trainer = VaeTrainer(VaeConfig(seed=0))
    trainer.start_loss = trainer.evaluate()
    trainer.train(200)
    return trainer


def test_the_digits_are_the_real_scikit_learn_set():
    images, labels = digits()
    assert images.shape == (1797, 64) and images.min() == 0 and images.max() == 1
    assert sorted(set(labels.tolist())) == list(range(10))


def test_reconstruction_loss_falls_clearly(trained):
    assert trained.evaluate().reconstruction < trained.start_loss.reconstruction * 0.7
    assert trained.history[-1]["step"] == trained.step == 200


def test_reconstructions_beat_guessing_the_average_digit(trained):
    images, _ = digits()
    average_error = np.abs(images - images.mean(axis=0)).mean()
    errors = [np.abs(np.subtract(*trained.reconstruct(index))).mean() for index in range(0, 1797, 60)]
    assert np.mean(errors) < average_error


def test_decoding_a_latent_point_gives_an_8x8_image_in_range(trained):
    image = trained.decode(np.array([0.5, -1.0]))
    assert image.shape == (1, 8, 8)
    assert image.min() >= 0 and image.max() <= 1
    assert trained.decode(np.zeros((5, 2))).shape == (5, 8, 8)
    with pytest.raises(ValueError, match="finite"):
        trained.decode(np.array([np.nan, 0.0]))


def test_interpolation_starts_and_ends_at_the_two_digits(trained):
    first, second = trained.example_of(0), trained.example_of(1)
    frames = trained.interpolate(first, second, count=5)
    assert frames.shape == (5, 8, 8)
    np.testing.assert_allclose(frames[0], trained.reconstruct(first)[1], atol=1e-5)
    np.testing.assert_allclose(frames[-1], trained.reconstruct(second)[1], atol=1e-5)


def test_upscale_is_nearest_neighbour():
    image = np.arange(64, dtype=np.float32).reshape(8, 8) / 63
    big = upscale(image, 20)
    assert big.shape == (160, 160)
    np.testing.assert_array_equal(big, np.repeat(np.repeat(image, 20, axis=0), 20, axis=1))


@pytest.mark.parametrize("lr, words", [(0.0, "above 0"), (50.0, "too large")])
def test_absurd_learning_rates_are_refused(lr, words):
    with pytest.raises(ValueError, match=words):
        VaeTrainer(VaeConfig(lr=lr))


def test_zero_steps_are_refused():
    with pytest.raises(ValueError, match="at least 1"):
        VaeTrainer(VaeConfig()).train(0)


def test_a_non_finite_loss_stops_training_with_a_message():
    trainer = VaeTrainer(VaeConfig())
    with torch.no_grad():
        trainer.model.decoder[0].weight.fill_(float("inf"))
    with pytest.raises(TrainingDiverged, match="not-a-number"):
        trainer.train(3)
    assert trainer.step == 0 and trainer.history == []


def test_fit_for_vae_makes_sides_multiples_of_the_factor():
    picture = fit_for_vae(Image.new("RGBA", (1001, 77)), max_side=256, multiple=8)
    assert picture.mode == "RGB" and picture.width <= 256
    assert picture.width % 8 == 0 and picture.height % 8 == 0


def test_stable_diffusion_vae_round_trip_on_the_tiny_pipeline(tiny_sd_dir):
    bundle = load_model(kinds.IMAGE, str(tiny_sd_dir))
    factor = 2 ** (len(bundle.pipeline.vae.config.block_out_channels) - 1)
    result = sd_vae_round_trip(bundle, demo_picture(96), max_side=96)
    assert result.decoded.size == result.original.size == (96, 96)
    assert result.latent_shape == (4, 96 // factor, 96 // factor)
    assert result.compression == pytest.approx(3 * 96 * 96 / (4 * (96 // factor) ** 2))
    assert result.latent_channels.shape == result.latent_shape
    assert result.latent_channels.min() >= 0 and result.latent_channels.max() <= 1
