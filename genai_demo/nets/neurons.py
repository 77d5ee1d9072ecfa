"""One artificial neuron: activations, the perceptron, its learning rule, and the spam-email features.

Pure numpy, no Streamlit, so every number a page shows can be checked in a test or a notebook.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from genai_demo.config import DATA_DIR
from genai_demo.nets.training import validate_learning_rate

EMAILS_FILE = DATA_DIR / "emails.csv"

ACTIVATIONS = ("step", "sigmoid", "relu", "tanh", "gelu")
PERCEPTRON_ACTIVATIONS = ("step", "sigmoid", "relu")

# "Many" exclamation marks, made precise: this many '!' anywhere in the email, or more.
MANY_EXCLAMATIONS = 3
_DISCOUNT = re.compile(r"discount", re.IGNORECASE)

MAX_PERCEPTRON_RATE = 10.0  # the rule only flips signs, so big steps cannot overflow
DEFAULT_WEIGHTS = (0.5, 1.0)
DEFAULT_BIAS = -0.8  # so that inputs (1, 1) give the weighted sum 0.7 of the primer


# --- activations ---------------------------------------------------------------------------------

def step(x: np.ndarray | float) -> np.ndarray:
    """On (1) when the input is above 0, off (0) otherwise: a switch."""
    return np.where(np.asarray(x, dtype=float) > 0, 1.0, 0.0)


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    """1 / (1 + e^-x), computed without overflow for large inputs."""
    x = np.asarray(x, dtype=float)
    # exp of a non-positive number only, so large inputs of either sign cannot overflow.
    small = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + small), small / (1.0 + small))


def relu(x: np.ndarray | float) -> np.ndarray:
    """x where it is positive, else 0."""
    return np.maximum(np.asarray(x, dtype=float), 0.0)


def tanh(x: np.ndarray | float) -> np.ndarray:
    """The hyperbolic tangent: from -1 to 1."""
    return np.tanh(np.asarray(x, dtype=float))


def gelu(x: np.ndarray | float) -> np.ndarray:
    """GELU in the tanh form GPT-2 uses ("gelu_new" in transformers)."""
    x = np.asarray(x, dtype=float)
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


_ACTIVATION_FUNCTIONS = {"step": step, "sigmoid": sigmoid, "relu": relu, "tanh": tanh, "gelu": gelu}


def activate(name: str, x: np.ndarray | float) -> np.ndarray:
    """The named activation function applied to `x`; ValueError for an unknown name."""
    if name not in _ACTIVATION_FUNCTIONS:
        raise ValueError(f"Unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}.")
    return _ACTIVATION_FUNCTIONS[name](x)


# --- the perceptron ----------------------------------------------------------------------------

@dataclass(frozen=True)
class NeuronResult:
    """One run of the neuron: inputs, weights and bias, their sum, the output and the verdict."""

    inputs: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    weighted_sum: float
    activation: str
    output: float
    spam: bool


def weighted_sum(inputs: Sequence[float], weights: Sequence[float], bias: float) -> float:
    """The sum of each input times its weight, plus the bias; ValueError for mismatched or odd numbers."""
    if len(inputs) != len(weights):
        raise ValueError(f"{len(inputs)} inputs but {len(weights)} weights; each input needs one weight.")
    values = [float(v) for v in (*inputs, *weights, bias)]
    if not all(math.isfinite(v) for v in values):
        raise ValueError("Inputs, weights and bias must be ordinary finite numbers.")
    return float(sum(x * w for x, w in zip(inputs, weights)) + bias)


def fire(inputs: Sequence[float], weights: Sequence[float], bias: float, activation: str = "step") -> NeuronResult:
    """Weighted sum, then activation. Every activation here says "spam" exactly when the sum is above 0
    (step gives 1, sigmoid more than 0.5, ReLU more than 0)."""
    if activation not in PERCEPTRON_ACTIVATIONS:
        raise ValueError(f"The perceptron uses one of {', '.join(PERCEPTRON_ACTIVATIONS)}, not {activation!r}.")
    total = weighted_sum(inputs, weights, bias)
    output = float(activate(activation, total))
    return NeuronResult(tuple(float(x) for x in inputs), tuple(float(w) for w in weights), float(bias), total,
                        activation, output, total > 0)


def decision_grid(weights: Sequence[float], bias: float, activation: str = "step",
                  resolution: int = 41) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The neuron's output over the whole input square [0, 1] x [0, 1], for a boundary plot."""
    axis = np.linspace(0.0, 1.0, resolution)
    x1, x2 = np.meshgrid(axis, axis)
    sums = weights[0] * x1 + weights[1] * x2 + bias
    return x1.ravel(), x2.ravel(), activate(activation, sums).ravel()


# --- spam features and the labelled emails -----------------------------------------------------

@dataclass(frozen=True)
class EmailFeatures:
    """The two yes/no inputs the neuron reads from an email, and the count of exclamation marks."""

    contains_discount: int
    many_exclamations: int
    exclamation_count: int

    @property
    def inputs(self) -> tuple[int, int]:
        return (self.contains_discount, self.many_exclamations)


def email_features(text: str) -> EmailFeatures:
    """Input 1: the word "discount" appears (any case, also "discounted"). Input 2: at least
    MANY_EXCLAMATIONS exclamation marks (full-width '！' counts too)."""
    if not text or not text.strip():
        raise ValueError("The email is empty: paste or type some text first.")
    count = text.count("!") + text.count("！")
    return EmailFeatures(int(bool(_DISCOUNT.search(text))), int(count >= MANY_EXCLAMATIONS), count)


@dataclass(frozen=True)
class LabelledEmail:
    """An email and whether it is spam (1) or not (0)."""

    text: str
    spam: int

    @property
    def features(self) -> EmailFeatures:
        return email_features(self.text)


EMAIL_SETS = {
    "inbox": "A small inbox (spam needs both signs; one line can split it)",
    "xor": "A tricky rule (XOR: spam when exactly one sign is present)",
}


LAYERS_EMAIL_SET = "layers"  # the spam network's emails: spam is an offer *and* pressure to act


def load_emails(email_set: str = "inbox") -> list[LabelledEmail]:
    """The labelled emails of one set in emails.csv."""
    if email_set not in (*EMAIL_SETS, LAYERS_EMAIL_SET):
        raise ValueError(f"Unknown email set {email_set!r}; choose one of {', '.join(EMAIL_SETS)}.")
    with EMAILS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["set"] == email_set]
    return [LabelledEmail(row["text"], int(row["spam"])) for row in rows]


# --- the perceptron learning rule ----------------------------------------------------------------

@dataclass(frozen=True)
class LearningStep:
    """One update of the perceptron rule: the example, the prediction, the error, the new weights."""

    inputs: tuple[int, ...]
    label: int
    prediction: int
    error: int  # label - prediction: +1 push the sum up, -1 push it down, 0 leave alone
    weights: tuple[float, ...]  # after the update
    bias: float


def predict(inputs: Sequence[float], weights: Sequence[float], bias: float) -> int:
    """1 (spam) when the weighted sum is above 0, else 0."""
    return int(weighted_sum(inputs, weights, bias) > 0)


def learning_step(inputs: Sequence[int], label: int, weights: Sequence[float], bias: float,
                  learning_rate: float) -> LearningStep:
    """Rosenblatt's rule: when the guess is wrong, move each weight by rate * error * input."""
    validate_learning_rate(learning_rate, maximum=MAX_PERCEPTRON_RATE)
    prediction = predict(inputs, weights, bias)
    error = int(label) - prediction
    new_weights = tuple(float(w + learning_rate * error * x) for w, x in zip(weights, inputs))
    return LearningStep(tuple(int(x) for x in inputs), int(label), prediction, error, new_weights,
                        float(bias + learning_rate * error))


def accuracy(examples: Sequence[tuple[Sequence[int], int]], weights: Sequence[float], bias: float) -> float:
    """The share of examples the weights and bias classify right."""
    if not examples:
        raise ValueError("There are no examples to score.")
    return sum(predict(x, weights, bias) == y for x, y in examples) / len(examples)


@dataclass(frozen=True)
class PerceptronFit:
    """The outcome of the perceptron rule: final weights and bias, epochs, accuracy and every step."""

    weights: tuple[float, ...]
    bias: float
    epochs: int
    separated: bool  # True: every example is classified right; False: the rule gave up
    accuracy: float
    history: tuple[LearningStep, ...]


def train_perceptron(examples: Sequence[tuple[Sequence[int], int]], learning_rate: float = 0.1,
                     max_epochs: int = 50, weights: Sequence[float] = (0.0, 0.0), bias: float = 0.0) -> PerceptronFit:
    """Sweep the examples until a whole pass makes no mistake, or give up after max_epochs.

    For a set a straight line can split, the rule is guaranteed to stop (the perceptron convergence
    theorem); for XOR it keeps correcting itself forever, so the cap is what ends it."""
    if not examples:
        raise ValueError("There are no examples to learn from.")
    weights, history = tuple(float(w) for w in weights), []
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for inputs, label in examples:
            result = learning_step(inputs, label, weights, bias, learning_rate)
            weights, bias = result.weights, result.bias
            mistakes += result.error != 0
            history.append(result)
        if mistakes == 0:
            return PerceptronFit(weights, bias, epoch, True, 1.0, tuple(history))
    return PerceptronFit(weights, bias, max_epochs, False, accuracy(examples, weights, bias), tuple(history))
