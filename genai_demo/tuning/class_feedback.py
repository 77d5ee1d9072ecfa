"""A class's votes train the model in front of everyone: a reward model, then DPO, then the same prompts with
the same seeds before and after, as plain JSON values the projector can show to every learner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from genai_demo.engine.bundles import Embedder, TextModel
from genai_demo.text.variety import word_count
from genai_demo.tuning import dpo, rlhf

SAMPLES_PER_PROMPT = 2
FIRST_SEED = 11


def train_on_votes(lm: TextModel, embedder: Embedder | None, votes: list[rlhf.Preference], prompts: list[str],
                   new_tokens: int, tune: dpo.DpoSettings | None = None,
                   on_step: Callable[[dpo.DpoStep], None] | None = None) -> dict[str, Any]:
    """Fit the reward model and a DPO copy on the class's votes; sample each prompt with both models.

    Returns what everyone's projector shows: the pairs, the loss curve, the reward model's weights, and per
    prompt the base's and the copy's samples (same seeds) with their rewards and lengths."""
    reward = rlhf.train_reward_model(embedder, votes, use_embeddings=embedder is not None)
    result = dpo.train_dpo(lm, votes, tune, on_step=on_step)
    samples = []
    for prompt in prompts:
        before = rlhf.sample_with_endings(lm, prompt, SAMPLES_PER_PROMPT, FIRST_SEED, new_tokens, vary_length=False)
        after = rlhf.sample_with_endings(result.tuned, prompt, SAMPLES_PER_PROMPT, FIRST_SEED, new_tokens,
                                         vary_length=False)
        texts_before, texts_after = [t for t, _ in before], [t for t, _ in after]
        samples.append({
            "prompt": prompt, "seeds": [FIRST_SEED + i for i in range(SAMPLES_PER_PROMPT)],
            "before": texts_before, "after": texts_after,
            "reward_before": reward.score(embedder, texts_before).tolist(),
            "reward_after": reward.score(embedder, texts_after).tolist(),
            "kl": dpo.kl_from_base(lm, result.tuned, prompt, texts_after),
        })
    weights = reward.plain_weights
    return {
        "pairs": result.pairs, "losses": result.losses, "seconds": result.seconds, "notices": result.notices,
        "reward_accuracy": reward.training_accuracy,
        "length_weight": float(weights[rlhf.PLAIN_FEATURES[0]]),
        "words_before": _mean_words(s["before"] for s in samples),
        "words_after": _mean_words(s["after"] for s in samples),
        "samples": samples,
    }


def _mean_words(text_sets: Any) -> float:
    counts = [word_count(text) for texts in text_sets for text in texts]
    return sum(counts) / max(1, len(counts))
