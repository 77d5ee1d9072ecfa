"""The perceptron's arithmetic, the activations, the spam features and the learning rule."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from genai_demo.nets import neurons


@pytest.mark.parametrize("bias", [-2.0, -1.5, -0.8, 0.0, 0.3])
def test_weighted_sum_of_primer_example_is_one_and_a_half_plus_bias(bias):
    assert neurons.weighted_sum((1, 1), (0.5, 1.0), bias) == pytest.approx(1.5 + bias)


@pytest.mark.parametrize("bias", [-2.0, -1.5, -0.8, 0.0, 0.3])
@pytest.mark.parametrize("activation", neurons.PERCEPTRON_ACTIVATIONS)
def test_fire_applies_the_activation_to_the_sum(bias, activation):
    total = 1.5 + bias
    expected = {"step": 1.0 if total > 0 else 0.0, "sigmoid": 1 / (1 + math.exp(-total)), "relu": max(0.0, total)}
    result = neurons.fire((1, 1), (0.5, 1.0), bias, activation)
    assert result.weighted_sum == pytest.approx(total)
    assert result.output == pytest.approx(expected[activation])
    assert result.spam == (total > 0)


def test_primer_sigmoid_example_is_0_668_not_0_68():
    assert float(neurons.sigmoid(0.7)) == pytest.approx(1 / (1 + math.exp(-0.7)))
    assert round(float(neurons.sigmoid(0.7)), 3) == 0.668


def test_activations_match_torch_at_known_points():
    xs = np.array([-50.0, -3.0, -1.0, -0.5, 0.0, 0.5, 0.7, 1.0, 3.0, 50.0])
    t = torch.tensor(xs, dtype=torch.float64)
    np.testing.assert_allclose(neurons.sigmoid(xs), torch.sigmoid(t).numpy(), rtol=1e-12)
    np.testing.assert_allclose(neurons.relu(xs), torch.relu(t).numpy())
    np.testing.assert_allclose(neurons.tanh(xs), torch.tanh(t).numpy(), rtol=1e-12)
    np.testing.assert_allclose(neurons.gelu(xs), F.gelu(t, approximate="tanh").numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(neurons.step(xs), (xs > 0).astype(float))
    assert float(neurons.relu(-2.0)) == 0.0 and float(neurons.relu(2.5)) == 2.5


def test_sigmoid_does_not_overflow_for_huge_inputs():
    with np.errstate(over="raise", invalid="raise"):
        assert float(neurons.sigmoid(-1000.0)) == 0.0
        assert float(neurons.sigmoid(1000.0)) == 1.0


def test_unknown_activation_and_non_finite_numbers_are_refused():
    with pytest.raises(ValueError):
        neurons.activate("swish", 1.0)
    with pytest.raises(ValueError, match="finite"):
        neurons.weighted_sum((1, 1), (float("nan"), 1.0), 0.0)


def test_email_features_follow_the_stated_definition():
    assert neurons.email_features("Big DISCOUNTED sale!!!").inputs == (1, 1)
    assert neurons.email_features("discount, only two!!").inputs == (1, 0)
    assert neurons.email_features("Wow! Great! Thanks!").inputs == (0, 1)
    assert neurons.email_features("割引です！！！").exclamation_count == 3  # full-width marks count
    assert neurons.email_features("שלום 🙂").inputs == (0, 0)


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_email_is_a_clear_error(text):
    with pytest.raises(ValueError, match="empty"):
        neurons.email_features(text)


def test_learning_step_is_rosenblatts_rule():
    step = neurons.learning_step((1, 0), 1, (0.0, 0.0), 0.0, 0.5)  # predicted 0 for spam: push up
    assert (step.prediction, step.error, step.weights, step.bias) == (0, 1, (0.5, 0.0), 0.5)
    step = neurons.learning_step((1, 1), 0, (0.5, 0.0), 0.5, 0.5)  # predicted 1 for ham: push down
    assert (step.error, step.weights, step.bias) == (-1, (0.0, -0.5), 0.0)
    with pytest.raises(ValueError, match="above 0"):  # the labs' shared learning-rate check
        neurons.learning_step((1, 1), 0, (0.0, 0.0), 0.0, 0.0)


def test_learning_rule_separates_the_shipped_inbox():
    examples = [(email.features.inputs, email.spam) for email in neurons.load_emails("inbox")]
    assert len({label for _, label in examples}) == 2
    fit = neurons.train_perceptron(examples, learning_rate=0.1)
    assert fit.separated and fit.accuracy == 1.0
    assert all(neurons.predict(x, fit.weights, fit.bias) == y for x, y in examples)


def test_learning_rule_reports_it_cannot_separate_xor():
    examples = [(email.features.inputs, email.spam) for email in neurons.load_emails("xor")]
    assert sorted({(tuple(x), y) for x, y in examples}) == [((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)]
    fit = neurons.train_perceptron(examples, learning_rate=0.1, max_epochs=30)
    assert not fit.separated and fit.epochs == 30 and fit.accuracy < 1.0
