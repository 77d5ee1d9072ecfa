"""genai_demo.nets.training, what every live-training lab shares: one message for a diverged run, the CPU
thread limit, and redraws that run no model again."""

from __future__ import annotations

import math

import pytest
import torch

from genai_demo.nets.gan import (
    trainer_for,
)
from genai_demo.nets.playground import new_run
from genai_demo.nets.training import TrainingDiverged, diverged_message, one_cpu_thread
from genai_demo.nets.vae import VaeConfig, VaeTrainer


@pytest.mark.parametrize("make", [
    lambda: trainer_for("healthy", generator_lr=1.0, discriminator_lr=1.0),
    lambda: VaeTrainer(VaeConfig(lr=1.0)),
    lambda: new_run("xor", 100, learning_rate=1.0),
])
def test_every_lab_reports_a_blown_up_run_the_same_way(make):
    trainer = make()
    trainer.train(1)
    first = trainer.network.weights[0] if hasattr(trainer, "network") else None
    if first is not None:
        first *= math.inf  # the playground's numpy network: poison it directly
    else:
        for parameter in (getattr(trainer, "generator", None) or trainer.model).parameters():
            parameter.data.fill_(math.nan)
    with pytest.raises(TrainingDiverged, match="learning rate is too large"):
        trainer.train(5)
    assert diverged_message(3, "x").startswith("Training stopped at step 3: x.")


def test_a_redraw_without_training_runs_no_model_again():
    from genai_demo.nets.gan_digits import digit_trainer_for

    vae, gan = VaeTrainer(VaeConfig()), digit_trainer_for("healthy")
    calls = {"vae": 0, "gan": 0}
    vae.model.encoder.register_forward_hook(lambda *_: calls.__setitem__("vae", calls["vae"] + 1))
    gan.generator.register_forward_hook(lambda *_: calls.__setitem__("gan", calls["gan"] + 1))
    for _ in range(3):  # three redraws of the same step, as reruns of an idle page would ask
        vae.evaluate(), vae.encode(), gan.sheet(), gan.judgement()
    assert calls == {"vae": 2, "gan": 1}  # evaluate and the map's codes once each; the sheet once
    vae.train(1)
    gan.train(1)
    before = dict(calls)
    vae.evaluate(), gan.sheet()
    assert calls["vae"] > before["vae"] and calls["gan"] > before["gan"]  # a new step is drawn anew


def test_one_cpu_thread_restores_the_thread_count():
    before = torch.get_num_threads()
    with one_cpu_thread():
        assert torch.get_num_threads() == 1
        with one_cpu_thread():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
