"""The playground network: data, training, the overfitting preset and its fixes, and refused settings."""

import numpy as np
import pytest

from genai_demo.nets import playground


@pytest.mark.parametrize("name", playground.DATASETS)
def test_datasets_are_balanced_split_and_reproducible(name):
    data = playground.make_dataset(name, 200, noise=0.2, validation_fraction=0.25, seed=3)
    assert len(data.x_train) == 150 and len(data.x_val) == 50
    labels = np.r_[data.y_train, data.y_val]
    assert 0.35 < labels.mean() < 0.65
    assert np.abs(np.r_[data.x_train, data.x_val]).max() <= playground.EXTENT
    again = playground.make_dataset(name, 200, noise=0.2, validation_fraction=0.25, seed=3)
    np.testing.assert_array_equal(data.x_train, again.x_train)


def test_a_hidden_layer_learns_circles_that_no_line_can_split():
    run = playground.new_run("circles", 300, noise=0.1, hidden_layers=(8, 8), learning_rate=0.03, seed=0)
    before = run.network.accuracy(run.data.x_val, run.data.y_val)
    run.train(200)
    assert run.steps == 200 and len(run.train_loss) == 201
    assert run.train_loss[-1] < 0.25 * run.train_loss[0]
    assert run.network.accuracy(run.data.x_val, run.data.y_val) > max(0.95, before)


def _rise_above_minimum(preset: str) -> tuple[float, playground.TrainingRun]:
    spec = playground.PRESETS[preset]
    run = playground.new_run(**spec.settings, seed=0)
    run.train(spec.steps)
    return run.val_loss[-1] - min(run.val_loss), run


def test_overfit_preset_validation_loss_rises_while_training_loss_falls():
    rise, run = _rise_above_minimum("overfit")
    best = run.best_validation_step()
    assert best < run.steps // 2
    assert run.val_loss[-1] > 1.5 * run.val_loss[best]
    assert run.train_loss[-1] < 0.1 * run.train_loss[best]


def test_more_data_and_regularisation_shrink_the_overfitting():
    overfit_rise, _ = _rise_above_minimum("overfit")
    for fix in ("more_data", "regularised"):
        rise, run = _rise_above_minimum(fix)
        assert rise < 0.6 * overfit_rise, fix


@pytest.mark.parametrize("hidden, lr, l2, message", [
    ((0,), 0.03, 0.0, "at least one neuron"),
    ((8, 0), 0.03, 0.0, "at least one neuron"),
    ((8,), 0.0, 0.0, "above 0"),
    ((8,), 1e6, 0.0, "overshoot"),
    ((8,), float("nan"), 0.0, "above 0"),
    ((8,), 0.03, -1.0, "between"),
])
def test_settings_that_cannot_train_are_refused_plainly(hidden, lr, l2, message):
    with pytest.raises(ValueError, match=message):
        playground.new_run("xor", 100, hidden_layers=hidden, learning_rate=lr, l2=l2)


def test_chart_frames_are_finite_and_cover_every_neuron():
    run = playground.new_run("spiral", 200, hidden_layers=(4, 3), seed=1)
    run.train(5)
    region = playground.probability_grid(run.network, resolution=20)
    assert region.shape == (20, 20) and ((region >= 0) & (region <= 1)).all()
    maps = playground.neuron_grids(run.network, resolution=10)
    assert len(maps) == 7 and all(grid.shape == (10, 10) and np.isfinite(grid).all() for grid in maps.values())
    losses = playground.loss_frame(run)
    assert set(losses["data"]) == {"training", "validation"} and losses["step"].max() == 5
