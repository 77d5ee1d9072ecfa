"""The class's votes train a reward model and a DPO copy; the projector's before/after is plain JSON."""

from __future__ import annotations

import json

from genai_demo.tuning import class_feedback, dpo, rlhf

SHORT, LONG = "Hi.", "Well, hello there, how are you doing on this fine day, my friend?"


def test_training_on_the_votes_gives_before_and_after_with_the_same_seeds(lm, embedder):
    votes = [rlhf.Preference(prompt, SHORT, LONG) for prompt in ("Say hello.", "Greet me.") for _ in range(2)]
    result = class_feedback.train_on_votes(lm, embedder, votes, ["Say hello."], new_tokens=8,
                                           tune=dpo.DpoSettings(steps=3))
    assert json.loads(json.dumps(result)) == result  # stored in the class database as it is
    assert result["pairs"] == 4 and len(result["losses"]) == 3
    assert result["length_weight"] < 0 and result["reward_accuracy"] == 1.0  # the class liked short answers
    [sample] = result["samples"]
    base = rlhf.sample_with_endings(lm, "Say hello.", class_feedback.SAMPLES_PER_PROMPT, class_feedback.FIRST_SEED,
                                    8, vary_length=False)
    assert sample["before"] == [text for text, _ in base]  # the base model's own samples, same seeds
    assert sample["seeds"] == [class_feedback.FIRST_SEED, class_feedback.FIRST_SEED + 1]
    assert len(sample["after"]) == len(sample["reward_after"]) == class_feedback.SAMPLES_PER_PROMPT
    assert sample["kl"] >= 0
