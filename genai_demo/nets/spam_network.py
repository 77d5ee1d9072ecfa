"""Layers on the spam example: the perceptron's email signals fed to a network with one hidden layer.

In the shipped "layers" inbox an email is spam when it makes an *offer* (a discount, money, a prize)
*and* puts on *pressure* (many '!' or a deadline). No single straight line splits that, so one neuron
always gets some emails wrong; a hidden layer can learn "is there an offer?" and "is there pressure?"
as two neurons and let the output neuron combine them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from genai_demo.nets.neurons import LAYERS_EMAIL_SET, MANY_EXCLAMATIONS, LabelledEmail, load_emails
from genai_demo.nets.playground import Network
from genai_demo.nets.training import TrainingDiverged, check_finite, validate_learning_rate, validate_steps

_PATTERNS = {
    "discount": re.compile(r"discount|\d+\s?% off", re.IGNORECASE),
    "money or prize": re.compile(r"\bfree\b|\bwon\b|\bwin(ner)?s?\b|prize|cash|voucher|\$\d", re.IGNORECASE),
    "deadline": re.compile(r"\b(now|today|tonight|hurry|expires?|last chance|before midnight|only \d+ left)\b",
                           re.IGNORECASE),
}
FEATURES = ("discount", f"many '!' ({MANY_EXCLAMATIONS}+)", "money or prize", "deadline")
MAX_HIDDEN = 6


def spam_features(text: str) -> np.ndarray:
    """The four yes/no signals of one email, in the order of FEATURES."""
    if not text or not text.strip():
        raise ValueError("The email is empty: paste or type some text first.")
    marks = text.count("!") + text.count("！")
    return np.array([bool(_PATTERNS["discount"].search(text)), marks >= MANY_EXCLAMATIONS,
                     bool(_PATTERNS["money or prize"].search(text)), bool(_PATTERNS["deadline"].search(text))],
                    dtype=float)


@dataclass(frozen=True)
class SpamLayersConfig:
    """The spam network's settings: hidden neurons, learning rate and seed."""

    hidden: int = 2
    learning_rate: float = 0.1
    seed: int = 0

    def validated(self) -> SpamLayersConfig:
        if not 1 <= self.hidden <= MAX_HIDDEN:
            raise ValueError(f"Choose between 1 and {MAX_HIDDEN} hidden neurons.")
        validate_learning_rate(self.learning_rate)
        return self


@dataclass(frozen=True)
class EmailVerdict:
    """One email as judged by the single neuron and by the network with a hidden layer."""

    text: str
    spam: bool
    neuron: float  # the single neuron's probability of spam
    network: float  # the hidden-layer network's

    @property
    def neuron_right(self) -> bool:
        return (self.neuron > 0.5) == self.spam

    @property
    def network_right(self) -> bool:
        return (self.network > 0.5) == self.spam


@dataclass(frozen=True)
class HiddenNeuron:
    """What one hidden neuron learned: a weight per signal, a bias, and how its output counts for 'spam'."""

    number: int
    weights: tuple[float, ...]
    bias: float
    output_weight: float  # how its output counts towards "spam" (negative: towards "not spam")

    def signals(self, clear: float = 1.0) -> tuple[list[str], list[str]]:
        """(signals that switch it on, signals that switch it off): weights at least `clear` and at least
        half the strongest one."""
        cut = max(clear, max(abs(w) for w in self.weights) / 2)
        return ([name for name, w in zip(FEATURES, self.weights) if w >= cut],
                [name for name, w in zip(FEATURES, self.weights) if w <= -cut])

    def describe(self) -> str:
        on, off = self.signals()
        if not on and not off:
            return "has not picked out a signal yet"
        parts = []
        if on:
            parts.append("lights up for " + " or ".join(f"*{name}*" for name in on))
        if off:
            parts.append(("and " if on else "") + "is on unless the email has "
                         + " or ".join(f"*{name}*" for name in off))
        side = "spam" if self.output_weight > 0 else "not spam"
        return f"{' '.join(parts)}; when on, it pushes the verdict towards **{side}**"


@dataclass
class SpamLayersTrainer:
    """One neuron and a one-hidden-layer network, trained side by side on the same emails and steps."""

    config: SpamLayersConfig
    step: int = 0
    history: list[dict[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.config = self.config.validated()
        self.emails: list[LabelledEmail] = load_emails(LAYERS_EMAIL_SET)
        self.x = np.stack([spam_features(email.text) for email in self.emails])
        self.y = np.array([email.spam for email in self.emails], dtype=float)
        self.neuron = Network((), "sigmoid", self.config.seed, inputs=len(FEATURES))
        self.network = Network((self.config.hidden,), "sigmoid", self.config.seed, inputs=len(FEATURES))
        self.diverged: str | None = None

    def train(self, steps: int, limit: int = 100_000) -> None:
        """`steps` full passes over the emails, for both models (Adam, cross-entropy loss)."""
        validate_steps(steps, limit)
        if self.diverged:
            raise TrainingDiverged(self.diverged)
        for _ in range(steps):
            self.neuron.train_step(self.x, self.y, self.config.learning_rate)
            self.network.train_step(self.x, self.y, self.config.learning_rate)
            self.step += 1
            losses = self.neuron.loss(self.x, self.y), self.network.loss(self.x, self.y)
            try:
                check_finite(self.step, *losses)
            except TrainingDiverged as error:
                self.diverged = str(error)
                raise
            self.history.append({"step": self.step, "one neuron": losses[0], "hidden layer": losses[1]})

    def verdicts(self) -> list[EmailVerdict]:
        neuron, network = self.neuron.predict(self.x), self.network.predict(self.x)
        return [EmailVerdict(email.text, bool(email.spam), float(a), float(b))
                for email, a, b in zip(self.emails, neuron, network)]

    def fixed_by_network(self) -> list[EmailVerdict]:
        """The emails the single neuron gets wrong and the network gets right."""
        return [v for v in self.verdicts() if v.network_right and not v.neuron_right]

    def hidden_neurons(self) -> list[HiddenNeuron]:
        weights, biases = self.network.weights[0], self.network.biases[0]
        output = self.network.weights[1][:, 0]
        return [HiddenNeuron(j + 1, tuple(float(w) for w in weights[:, j]), float(biases[j]), float(output[j]))
                for j in range(weights.shape[1])]

    def hidden_outputs(self) -> np.ndarray:
        """Each hidden neuron's output (0..1) for each email, shape (emails, hidden)."""
        return self.network.hidden_outputs(self.x)[0]

    def accuracy(self) -> tuple[float, float]:
        verdicts = self.verdicts()
        return (sum(v.neuron_right for v in verdicts) / len(verdicts),
                sum(v.network_right for v in verdicts) / len(verdicts))
