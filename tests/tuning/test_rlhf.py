"""RLHF lab logic: a Bradley-Terry reward model learns a labeller's taste; best-of-n raises the reward."""

from __future__ import annotations

import numpy as np
import pytest

from genai_demo.tuning import rlhf

TOKENS = 12


@pytest.fixture(scope="module")
def shorter_preferences(lm):
    return rlhf.simulate_preferences(lm, rlhf.load_prompts(), "shorter answers", 8, seed=0, max_new_tokens=TOKENS)


def test_simulated_labeller_keeps_its_promise(shorter_preferences):
    assert len(shorter_preferences) == 8
    for p in shorter_preferences:
        assert rlhf.word_count(p.chosen) <= rlhf.word_count(p.rejected)
    assert any(rlhf.word_count(p.chosen) < rlhf.word_count(p.rejected) for p in shorter_preferences)


def test_reward_model_ranks_preferred_above_rejected(embedder, shorter_preferences):
    reward = rlhf.train_reward_model(embedder, shorter_preferences)
    chosen = reward.score(embedder, [p.chosen for p in shorter_preferences])
    rejected = reward.score(embedder, [p.rejected for p in shorter_preferences])
    strict = [i for i, p in enumerate(shorter_preferences) if p.chosen != p.rejected]
    assert np.all(chosen[strict] > rejected[strict])
    assert reward.training_accuracy == rlhf.preference_accuracy(reward, embedder, shorter_preferences) == 1.0
    assert reward.plain_weights["length (words / 10)"] < 0  # it learned "shorter is better"


def test_reward_model_learns_meaning_from_embeddings_alone(embedder):
    """Same length, different topic: only the embedding can tell them apart."""
    kind = ["Thank you, that is a kind and helpful idea.", "I am glad to help you with this today.",
            "What a lovely and thoughtful suggestion, thanks."]
    rude = ["Go away, that is a stupid and useless idea.", "I refuse to help you with this today.",
            "What a dumb and pointless suggestion, honestly."]
    preferences = [rlhf.Preference("Reply:", k, r) for k, r in zip(kind, rude)]
    reward = rlhf.train_reward_model(embedder, preferences)
    unseen = reward.score(embedder, ["Thanks so much, you are very kind.", "Shut up, you are very annoying."])
    assert unseen[0] > unseen[1]


def test_best_of_n_raises_the_mean_reward(lm, embedder, shorter_preferences):
    reward = rlhf.train_reward_model(embedder, shorter_preferences)
    plain, best = [], []
    for i, prompt in enumerate(rlhf.load_prompts()[:3]):
        picked = rlhf.best_of_n(lm, embedder, reward, prompt, n=4, seed=100 + 10 * i, max_new_tokens=TOKENS)
        assert picked.rewards[picked.best_index] == picked.rewards.max()
        best.append(picked.rewards.max())
        # Plain sampling: a fresh sample with another seed, no selection.
        fresh = rlhf.sample_completions(lm, prompt, 1, seed=500 + i, max_new_tokens=TOKENS)
        plain.append(reward.score(embedder, fresh)[0])
    assert np.mean(best) > np.mean(plain)


def test_reward_hacking_length_reward_picks_the_longest(shorter_preferences):
    hacked = rlhf.train_reward_model(None, rlhf.relabel(shorter_preferences, "longer answers"), use_embeddings=False)
    assert hacked.plain_weights["length (words / 10)"] > 0
    candidates = ["Short.", "A somewhat longer answer here.",
                  "And then and then it went on and on and on and on without any point at all really."]
    assert rlhf.pick_best(hacked, None, candidates).best_index == 2


def test_bad_input(lm, embedder):
    with pytest.raises(ValueError, match="at least one preference"):
        rlhf.train_reward_model(embedder, [])
    with pytest.raises(ValueError, match="Unknown labeller"):
        rlhf.simulated_choice("nobody", "a", "b")
    with pytest.raises(ValueError, match="between 1 and"):
        rlhf.sample_completions(lm, "Hi", 0, 0)
    with pytest.raises(ValueError):
        rlhf.sample_completions(lm, "", 2, 0, max_new_tokens=TOKENS)
    # Empty completions and emoji/CJK still become features.
    assert rlhf.features(embedder, ["", "🙂 你好 مرحبا"]).shape == (2, 386)
