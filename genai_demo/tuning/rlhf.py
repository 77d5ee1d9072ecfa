"""A small RLHF loop: preference pairs -> a reward model -> best-of-n sampling steered by that reward.

The reward model is Bradley-Terry: each completion gets a score r(x) = w . features(x), and the chance that
a labeller prefers A over B is sigmoid(r(A) - r(B)). Fitting w is logistic regression on the *difference*
of the two feature vectors. Features: the sentence embedding of the completion plus two plain numbers
(length in words / 10 and the share of repeated words), so a learner can see which ones the model leaned on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from genai_demo.config import DATA_DIR
from genai_demo.engine.bundles import Embedder, TextModel
from genai_demo.text.instruct import user_turn
from genai_demo.text.variety import repeated_share, word_count

PROMPTS_FILE = DATA_DIR / "rlhf_prompts.json"
PLAIN_FEATURES = ("length (words / 10)", "repeated-word share")
MAX_CANDIDATES = 16
MIN_NEW_TOKENS = 6


@dataclass(frozen=True)
class Preference:
    """A labeller's choice between two completions of one prompt."""

    prompt: str
    chosen: str
    rejected: str


@dataclass
class RewardModel:
    """r(x) = weights . features(x). The embedding part may be switched off (plain features only)."""

    weights: np.ndarray
    use_embeddings: bool
    training_accuracy: float
    pairs: int

    @property
    def plain_weights(self) -> dict[str, float]:
        return dict(zip(PLAIN_FEATURES, self.weights[-len(PLAIN_FEATURES):].tolist()))

    def score(self, embedder: Embedder | None, texts: list[str]) -> np.ndarray:
        return features(embedder, texts, self.use_embeddings) @ self.weights


@dataclass
class BestOfN:
    """Candidate completions, their rewards, and the one the reward model keeps."""

    candidates: list[str]
    rewards: np.ndarray
    best_index: int

    @property
    def best(self) -> str:
        return self.candidates[self.best_index]


def load_prompts() -> list[str]:
    """The prompts shipped in rlhf_prompts.json."""
    return list(json.loads(PROMPTS_FILE.read_text(encoding="utf-8")))


def plain_features(texts: list[str]) -> np.ndarray:
    """Each text's length and repetition, the features of the reward model without embeddings."""
    return np.array([[word_count(t) / 10.0, repeated_share(t)] for t in texts], dtype=np.float32).reshape(-1, 2)


def features(embedder: Embedder | None, texts: list[str], use_embeddings: bool = True) -> np.ndarray:
    """One row per text: [sentence embedding (if used)] + [length / 10, repeated-word share]."""
    plain = plain_features(texts)
    if not use_embeddings:
        return plain
    if embedder is None:
        raise ValueError("An embedder is needed when the reward model uses sentence embeddings.")
    from genai_demo.search.embeddings import encode

    return np.hstack([encode(embedder, [t if t.strip() else "(empty)" for t in texts]), plain])


# --- the labeller ---------------------------------------------------------------------------------

# A simulated labeller scores each completion; it prefers the higher score.
SIMULATED_LABELLERS: dict[str, Callable[[str], float]] = {
    "shorter answers": lambda text: -word_count(text),
    "longer answers": lambda text: word_count(text),
    "less repetition": lambda text: -repeated_share(text),
}


def simulated_choice(labeller: str, a: str, b: str) -> int:
    """0 when the simulated labeller prefers `a`, 1 when it prefers `b` (ties go to `a`)."""
    if labeller not in SIMULATED_LABELLERS:
        raise ValueError(f"Unknown labeller {labeller!r}; pick one of {', '.join(SIMULATED_LABELLERS)}.")
    prefer = SIMULATED_LABELLERS[labeller]
    return 0 if prefer(a) >= prefer(b) else 1


def preference(prompt: str, a: str, b: str, choice: int) -> Preference:
    """A Preference with completion `choice` (0 for `a`, 1 for `b`) as the chosen one."""
    if choice not in (0, 1):
        raise ValueError("A choice is 0 (the first completion) or 1 (the second).")
    return Preference(prompt, a, b) if choice == 0 else Preference(prompt, b, a)


def relabel(preferences: list[Preference], labeller: str) -> list[Preference]:
    """The same pairs, judged again by a simulated labeller."""
    return [preference(p.prompt, p.chosen, p.rejected, simulated_choice(labeller, p.chosen, p.rejected))
            for p in preferences]


# --- proposing completions ------------------------------------------------------------------------


def candidate_lengths(n: int, seed: int, max_new_tokens: int) -> list[int]:
    """Varied lengths, so that 'short vs long' is a real choice for the labeller."""
    if max_new_tokens < MIN_NEW_TOKENS:
        raise ValueError(f"Completions need at least {MIN_NEW_TOKENS} new tokens.")
    rng = np.random.default_rng(seed)
    return rng.integers(MIN_NEW_TOKENS, max_new_tokens + 1, size=n).tolist()


def model_prompt(lm: TextModel, prompt: str) -> str:
    """The text the model is really given: the prompt itself, or for a chat model the prompt as a user turn."""
    return user_turn(lm.tokenizer, prompt) if prompt.strip() else prompt


def sample_completions(lm: TextModel, prompt: str, n: int, seed: int, max_new_tokens: int = 40,
                       temperature: float = 0.9, vary_length: bool = True) -> list[str]:
    """`n` completions of `prompt`, each with its own seed (seed, seed+1, ...) and, if `vary_length`, length."""
    return [text for text, _ in sample_with_endings(lm, prompt, n, seed, max_new_tokens, temperature, vary_length)]


def sample_with_endings(lm: TextModel, prompt: str, n: int, seed: int, max_new_tokens: int = 40,
                        temperature: float = 0.9, vary_length: bool = True) -> list[tuple[str, bool]]:
    """Each completion's text and whether the model chose to end it (rather than running out of tokens)."""
    from genai_demo.config import settings
    from genai_demo.text.generation import SamplingSettings, generate

    if not 1 <= n <= MAX_CANDIDATES:
        raise ValueError(f"Ask for between 1 and {MAX_CANDIDATES} completions, not {n}.")
    limits = settings().limits
    max_new_tokens = min(max_new_tokens, limits.max_new_tokens)
    lengths = candidate_lengths(n, seed, max_new_tokens) if vary_length else [max_new_tokens] * n
    columns = [SamplingSettings(temperature=temperature, max_new_tokens=length, seed=seed + i)
               for i, length in enumerate(lengths)]
    given = model_prompt(lm, prompt)
    results: list[tuple[str, bool]] = []
    for start in range(0, n, limits.max_columns):  # the server's cap on columns decoded side by side
        last = None
        for last in generate(lm, given, columns[start:start + limits.max_columns]):
            pass
        assert last is not None
        results += [(text.strip(), bool(tokens) and tokens[-1] in lm.end_ids)
                    for text, tokens in zip(last.texts, last.token_ids)]
    return results


def propose_pair(lm: TextModel, prompt: str, seed: int, max_new_tokens: int = 40) -> tuple[str, str]:
    """Two completions of `prompt` for the labeller to choose between."""
    a, b = sample_completions(lm, prompt, 2, seed, max_new_tokens)
    return a, b


def simulate_preferences(lm: TextModel, prompts: list[str], labeller: str, count: int, seed: int,
                         max_new_tokens: int = 40, on_pair: Callable[[int], None] | None = None) -> list[Preference]:
    """`count` pairs over the prompts (in turn), each judged by a simulated labeller."""
    if not prompts:
        raise ValueError("No prompts to propose completions for.")
    preferences = []
    for i in range(count):
        prompt = prompts[i % len(prompts)]
        a, b = propose_pair(lm, prompt, seed + 2 * i, max_new_tokens)
        preferences.append(preference(prompt, a, b, simulated_choice(labeller, a, b)))
        if on_pair is not None:
            on_pair(i + 1)
    return preferences


# --- the reward model -----------------------------------------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def train_reward_model(embedder: Embedder | None, preferences: list[Preference], use_embeddings: bool = True,
                       l2: float = 0.01, steps: int = 500, learning_rate: float = 1.0) -> RewardModel:
    """Fit w so that sigmoid(w . (features(chosen) - features(rejected))) is close to 1 for every pair."""
    if not preferences:
        raise ValueError("The reward model needs at least one preference: pick the better completion first.")
    chosen = features(embedder, [p.chosen for p in preferences], use_embeddings)
    rejected = features(embedder, [p.rejected for p in preferences], use_embeddings)
    difference = (chosen - rejected).astype(np.float64)
    weights = np.zeros(difference.shape[1])
    for _ in range(steps):  # gradient descent on the mean logistic loss plus an L2 penalty
        p_chosen = _sigmoid(difference @ weights)
        gradient = -difference.T @ (1.0 - p_chosen) / len(difference) + l2 * weights
        weights -= learning_rate * gradient
    accuracy = float(np.mean(difference @ weights > 0))
    return RewardModel(weights.astype(np.float32), use_embeddings, accuracy, len(preferences))


def preference_accuracy(reward: RewardModel, embedder: Embedder | None, preferences: list[Preference]) -> float:
    """Share of pairs where the reward model scores the chosen completion above the rejected one."""
    chosen = reward.score(embedder, [p.chosen for p in preferences])
    rejected = reward.score(embedder, [p.rejected for p in preferences])
    return float(np.mean(chosen > rejected))


def pick_best(reward: RewardModel, embedder: Embedder | None, candidates: list[str]) -> BestOfN:
    """Score every candidate with the reward model and keep the highest."""
    if not candidates:
        raise ValueError("Best-of-n needs at least one candidate.")
    rewards = reward.score(embedder, candidates)
    return BestOfN(list(candidates), rewards, int(np.argmax(rewards)))


def best_of_n(lm: TextModel, embedder: Embedder | None, reward: RewardModel, prompt: str, n: int, seed: int,
              max_new_tokens: int = 40) -> BestOfN:
    """Sample n completions and keep the one the reward model scores highest."""
    return pick_best(reward, embedder, sample_completions(lm, prompt, n, seed, max_new_tokens))
