"""A tiny multi-layer network learning to split 2-D points, in the spirit of TensorFlow Playground.

Numpy only: a 2 x 8 x 8 x 1 network on 500 points takes well under a millisecond per step, so a page
can train it live and redraw several times a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from genai_demo.nets.training import check_finite, validate_learning_rate

DATASETS = ("circles", "moons", "xor", "spiral")
HIDDEN_ACTIVATIONS = ("tanh", "relu", "sigmoid")
EXTENT = 1.6  # points live in [-EXTENT, EXTENT]^2; plots use the same square
MAX_LAYERS = 4
MAX_NEURONS = 16
MAX_POINTS = 2_000
MAX_L2 = 1.0
MAX_STEPS = 5_000  # per run; a page stops live training here


# --- data -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dataset:
    """The playground's points, split into training and validation, each labelled 0 or 1."""

    x_train: np.ndarray  # (n, 2)
    y_train: np.ndarray  # (n,) of 0/1
    x_val: np.ndarray
    y_val: np.ndarray


def _raw_points(name: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    half = n // 2
    labels = np.r_[np.zeros(n - half), np.ones(half)]
    if name == "circles":
        radius = np.where(labels == 0, rng.uniform(0.0, 0.5, n), rng.uniform(0.8, 1.3, n))
        angle = rng.uniform(0, 2 * np.pi, n)
        points = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    elif name == "moons":
        t = rng.uniform(0, np.pi, n)
        # annotated: np.c_ is typed Any, which makes mypy read where() below as its one-argument overload
        upper: np.ndarray = np.c_[np.cos(t) - 0.5, np.sin(t) - 0.25]
        lower: np.ndarray = np.c_[0.5 - np.cos(t), 0.25 - np.sin(t)]
        points = np.where(labels[:, None] == 0, upper, lower) * 0.9
    elif name == "xor":
        points = rng.uniform(-1.3, 1.3, (n, 2))
        points += np.sign(points) * 0.08  # a thin gap along the axes
        labels = (points[:, 0] * points[:, 1] < 0).astype(float)
    elif name == "spiral":
        t = rng.uniform(0.0, 1.0, n) ** 0.5 * 3.0 * np.pi
        radius = t / (3.0 * np.pi) * 1.3
        angle = t + np.pi * labels
        points = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    else:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {', '.join(DATASETS)}.")
    return points, labels


def make_dataset(name: str, n_points: int = 500, noise: float = 0.1, validation_fraction: float = 0.3,
                 seed: int = 0) -> Dataset:
    """Points of two classes with Gaussian noise, split at random into training and validation."""
    if not 10 <= n_points <= MAX_POINTS:
        raise ValueError(f"Choose between 10 and {MAX_POINTS} points.")
    if not 0.0 <= noise <= 1.0:
        raise ValueError("Noise must be between 0 and 1.")
    if not 0.1 <= validation_fraction <= 0.9:
        raise ValueError("Keep between 10% and 90% of the points for validation.")
    rng = np.random.default_rng(seed)
    points, labels = _raw_points(name, n_points, rng)
    points = np.clip(points + rng.normal(0.0, noise * 0.5, points.shape), -EXTENT, EXTENT)
    order = rng.permutation(n_points)
    n_val = max(1, int(round(n_points * validation_fraction)))
    val, train = order[:n_val], order[n_val:]
    return Dataset(points[train], labels[train], points[val], labels[val])


# --- the network ------------------------------------------------------------------------------------

class Adam:
    """Adam: each weight moves by its own recent average gradient, scaled by how noisy that gradient is."""

    def __init__(self, parameters: list[np.ndarray], beta1: float = 0.9, beta2: float = 0.999) -> None:
        self.parameters, self.beta1, self.beta2, self.t = parameters, beta1, beta2, 0
        self.moments = [(np.zeros_like(p), np.zeros_like(p)) for p in parameters]

    def step(self, grads: list[np.ndarray], learning_rate: float) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        for param, grad, (m, v) in zip(self.parameters, grads, self.moments):
            m *= b1
            m += (1 - b1) * grad
            v *= b2
            v += (1 - b2) * grad * grad
            param -= learning_rate * (m / (1 - b1**self.t)) / (np.sqrt(v / (1 - b2**self.t)) + 1e-8)


def _hidden(name: str, z: np.ndarray) -> np.ndarray:
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    return 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))


def _hidden_slope(name: str, a: np.ndarray) -> np.ndarray:
    """The activation's derivative, written in terms of its output a."""
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return (a > 0).astype(a.dtype)
    return a * (1.0 - a)


def check_settings(hidden_layers: tuple[int, ...], activation: str, learning_rate: float, l2: float) -> None:
    """Plain-language ValueErrors for settings that cannot train."""
    if any(n < 1 for n in hidden_layers):  # no hidden layer at all is allowed: a single neuron
        raise ValueError("Every hidden layer needs at least one neuron (zero neurons would pass nothing on).")
    if len(hidden_layers) > MAX_LAYERS or any(n > MAX_NEURONS for n in hidden_layers):
        raise ValueError(f"Use at most {MAX_LAYERS} hidden layers of {MAX_NEURONS} neurons.")
    if activation not in HIDDEN_ACTIVATIONS:
        raise ValueError(f"Unknown activation {activation!r}; choose one of {', '.join(HIDDEN_ACTIVATIONS)}.")
    validate_learning_rate(learning_rate)
    if not math.isfinite(l2) or not 0.0 <= l2 <= MAX_L2:
        raise ValueError(f"Regularisation must be between 0 and {MAX_L2}.")


@dataclass
class Network:
    """Fully connected layers, a sigmoid output (probability of the orange class), trained with Adam."""

    hidden_layers: tuple[int, ...]
    activation: str = "tanh"
    seed: int = 0
    inputs: int = 2  # the playground's points have two coordinates; the spam network reads more features
    weights: list[np.ndarray] = field(default_factory=list)
    biases: list[np.ndarray] = field(default_factory=list)
    steps: int = 0
    _optimizer: Adam | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        check_settings(self.hidden_layers, self.activation, 0.1, 0.0)
        if not self.weights:
            rng = np.random.default_rng(self.seed)
            sizes = (self.inputs, *self.hidden_layers, 1)
            self.weights = [rng.normal(0.0, 1.0 / math.sqrt(a), (a, b)) for a, b in zip(sizes, sizes[1:])]
            self.biases = [np.zeros(b) for b in sizes[1:]]
        self._optimizer = Adam(self.parameters())

    def parameters(self) -> list[np.ndarray]:
        return [*self.weights, *self.biases]

    def hidden_outputs(self, x: np.ndarray) -> list[np.ndarray]:
        """What every hidden layer outputs for each point: the 'stages of the factory'."""
        outputs, a = [], x
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            a = _hidden(self.activation, a @ w + b)
            outputs.append(a)
        return outputs

    def predict(self, x: np.ndarray) -> np.ndarray:
        last = ([x, *self.hidden_outputs(x)])[-1]
        return _hidden("sigmoid", last @ self.weights[-1] + self.biases[-1])[:, 0]

    def loss(self, x: np.ndarray, y: np.ndarray) -> float:
        """Binary cross-entropy: how surprised the network is by the true colours (lower is better)."""
        p = np.clip(self.predict(x), 1e-7, 1 - 1e-7)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean((self.predict(x) > 0.5) == (y > 0.5)))

    def train_step(self, x: np.ndarray, y: np.ndarray, learning_rate: float, l2: float = 0.0) -> None:
        """One full-batch step: forward, backpropagate the error, nudge every weight downhill."""
        activations = [x, *self.hidden_outputs(x)]
        logits = activations[-1] @ self.weights[-1] + self.biases[-1]
        p = _hidden("sigmoid", logits)[:, 0]
        delta = ((p - y) / len(y))[:, None]
        grads_w, grads_b = [], []
        for layer in range(len(self.weights) - 1, -1, -1):
            grads_w.append(activations[layer].T @ delta + l2 * self.weights[layer])
            grads_b.append(delta.sum(axis=0))
            if layer:
                delta = (delta @ self.weights[layer].T) * _hidden_slope(self.activation, activations[layer])
        assert self._optimizer is not None  # __post_init__ always sets it
        self._optimizer.step(grads_w[::-1] + grads_b[::-1], learning_rate)
        self.steps += 1



# --- training with a history ------------------------------------------------------------------------

@dataclass
class TrainingRun:
    """A network, its data and settings, and the loss after every step: what a page keeps in its session."""

    data: Dataset
    network: Network
    learning_rate: float
    l2: float
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_settings(self.network.hidden_layers, self.network.activation, self.learning_rate, self.l2)
        if not self.train_loss:
            self._record()

    def _record(self) -> None:
        self.train_loss.append(self.network.loss(self.data.x_train, self.data.y_train))
        self.val_loss.append(self.network.loss(self.data.x_val, self.data.y_val))

    def train(self, steps: int) -> None:
        """`steps` more full-batch steps (fewer if the run would pass MAX_STEPS, the most one run may take)."""
        if steps < 0:
            raise ValueError("The number of steps cannot be negative.")
        if steps and self.steps >= MAX_STEPS:
            raise ValueError(f"This run reached {MAX_STEPS} steps, the most one run may take. Press Reset to "
                             "start again.")
        steps = min(steps, MAX_STEPS - self.steps)
        for _ in range(steps):
            self.network.train_step(self.data.x_train, self.data.y_train, self.learning_rate, self.l2)
            self._record()
        check_finite(self.steps, self.train_loss[-1], self.val_loss[-1])

    @property
    def steps(self) -> int:
        return self.network.steps

    def best_validation_step(self) -> int:
        return int(np.argmin(self.val_loss))


def new_run(dataset: str = "circles", n_points: int = 500, noise: float = 0.1, validation_fraction: float = 0.3,
            hidden_layers: tuple[int, ...] = (8, 8), activation: str = "tanh", learning_rate: float = 0.03,
            l2: float = 0.0, seed: int = 0) -> TrainingRun:
    """A training run on a fresh dataset with a fresh network, after checking the settings."""
    check_settings(hidden_layers, activation, learning_rate, l2)
    data = make_dataset(dataset, n_points, noise, validation_fraction, seed)
    return TrainingRun(data, Network(tuple(hidden_layers), activation, seed), learning_rate, l2)


# --- presets ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Preset:
    """A ready set of playground settings, with its label, description and steps to train."""

    label: str
    description: str
    settings: dict
    steps: int


_OVERFIT = dict(dataset="xor", n_points=40, noise=0.4, validation_fraction=0.5, hidden_layers=(16, 16),
                activation="tanh", learning_rate=0.03, l2=0.0)

PRESETS = {
    "default": Preset("Circles, 2 x 8", "A friendly start: two rings, two hidden layers of 8 neurons.",
                      dict(dataset="circles", n_points=500, noise=0.1, validation_fraction=0.3,
                           hidden_layers=(8, 8), activation="tanh", learning_rate=0.03, l2=0.0), 300),
    "overfit": Preset("Overfit: 40 noisy points, 2 x 16", "Few noisy points, a big network, long training: "
                      "it memorises the training points and validation loss climbs.", _OVERFIT, 1000),
    "more_data": Preset("Fix 1: the same, with 1000 points", "The same network with 25 times more data cannot "
                        "memorise every point, so it has to learn the real pattern.",
                        {**_OVERFIT, "n_points": 1000}, 1000),
    "regularised": Preset("Fix 2: the same 40 points, L2 = 0.01", "The same few points, but every weight is "
                          "pulled towards zero, so the network prefers a smooth boundary.",
                          {**_OVERFIT, "l2": 0.01}, 1000),
}


def grid(resolution: int) -> np.ndarray:
    """Cell centres covering the plot square, as (resolution^2, 2) points, row by row from the bottom."""
    axis = np.linspace(-EXTENT, EXTENT, resolution)
    xx, yy = np.meshgrid(axis, axis)
    return np.c_[xx.ravel(), yy.ravel()]


# --- what the page draws ----------------------------------------------------------------------------


def probability_grid(network: Network, resolution: int = 40) -> np.ndarray:
    """The network's probability of 'orange' on a resolution x resolution grid over the plot square
    (row 0 at the bottom)."""
    points = grid(resolution)
    return network.predict(points).reshape(resolution, resolution)


def neuron_grids(network: Network, resolution: int = 14) -> dict[str, np.ndarray]:
    """What every hidden neuron outputs on the same grid, by name, layer by layer: "L1·N3" is layer 1's
    neuron 3."""
    points = grid(resolution)
    return {f"L{layer}·N{neuron + 1}": outputs[:, neuron].reshape(resolution, resolution)
            for layer, outputs in enumerate(network.hidden_outputs(points), start=1)
            for neuron in range(outputs.shape[1])}


def points_frame(data: Dataset) -> pd.DataFrame:
    """The training and validation points in one table, with each point's colour name."""
    frame = pd.concat([
        pd.DataFrame({"x": data.x_train[:, 0], "y": data.x_train[:, 1], "label": data.y_train, "split": "training"}),
        pd.DataFrame({"x": data.x_val[:, 0], "y": data.x_val[:, 1], "label": data.y_val, "split": "validation"}),
    ], ignore_index=True)
    frame["colour"] = np.where(frame["label"] > 0.5, "orange", "blue")
    return frame


def loss_frame(run: TrainingRun, max_points: int = 250) -> pd.DataFrame:
    """Both loss curves in long form, thinned to at most max_points steps so the chart stays light."""
    steps = np.unique(np.linspace(0, len(run.train_loss) - 1, min(max_points, len(run.train_loss))).astype(int))
    train, val = np.asarray(run.train_loss)[steps], np.asarray(run.val_loss)[steps]
    return pd.DataFrame({"step": np.r_[steps, steps], "loss": np.r_[train, val],
                         "data": ["training"] * len(steps) + ["validation"] * len(steps)})
