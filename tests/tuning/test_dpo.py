"""DPO: the loss matches its formula, training moves the copy towards the chosen completions, the base stays."""

from __future__ import annotations

import math

import pytest
import torch

from genai_demo.engine import kinds
from genai_demo.engine.loader import load_model
from genai_demo.tuning import dpo, rlhf

TOKENS = 12
FAST = dpo.DpoSettings(steps=10, learning_rate=1e-2)


def test_dpo_loss_matches_the_formula_on_known_numbers():
    # Pair 1: the chosen completion gained 1 nat on the reference, the rejected lost 1 -> margin beta * 2.
    # Pair 2: nothing moved -> margin 0 and loss log 2.
    loss, margins = dpo.dpo_loss(torch.tensor([-10.0, -5.0]), torch.tensor([-12.0, -7.0]),
                                 torch.tensor([-11.0, -5.0]), torch.tensor([-11.0, -7.0]), beta=0.5)
    assert margins.tolist() == pytest.approx([1.0, 0.0])
    expected = (math.log(1 + math.exp(-1.0)) + math.log(2)) / 2
    assert float(loss) == pytest.approx(expected, abs=1e-6)


@pytest.fixture(scope="module", params=["tiny_gpt2_dir", "tiny_llama_dir"])
def model_and_pairs(request):
    lm = load_model(kinds.TEXT, str(request.getfixturevalue(request.param)))
    pairs = rlhf.simulate_preferences(lm, rlhf.load_prompts(), "shorter answers", 6, seed=0, max_new_tokens=TOKENS)
    return lm, pairs


def margins_on(lm, tuned, pairs):
    encoded = dpo.encode_pairs(lm, pairs)
    base = lm.engine.run(lambda model: dpo._no_grad_logprobs(model, encoded, lm.device))
    after = tuned.engine.run(lambda model: dpo._no_grad_logprobs(model, encoded, lm.device))
    n = len(pairs)
    return (after[:n] - base[:n]) - (after[n:] - base[n:])


def test_dpo_moves_the_copy_towards_the_chosen_completions(model_and_pairs):
    lm, pairs = model_and_pairs
    weights = {name: tensor.clone() for name, tensor in lm.model.state_dict().items()}
    steps = []
    result = dpo.train_dpo(lm, pairs, FAST, on_step=steps.append)
    assert [s.step for s in steps] == list(range(1, FAST.steps + 1))
    assert result.losses[0] == pytest.approx(math.log(2), abs=1e-4)  # the copy starts equal to the base
    assert result.losses[-1] < 0.6 * result.losses[0]
    margins = margins_on(lm, result.tuned, pairs)
    assert bool((margins > 0).all())  # every chosen completion gained on its rejected one
    for name, tensor in lm.model.state_dict().items():  # the shared reference never changed
        assert torch.equal(tensor, weights[name]), name


def test_kl_is_zero_for_the_base_and_grows_with_training(model_and_pairs):
    lm, pairs = model_and_pairs
    tuned = dpo.train_dpo(lm, pairs, FAST).tuned
    texts = rlhf.sample_completions(tuned, pairs[0].prompt, 3, seed=5, max_new_tokens=TOKENS, vary_length=False)
    assert dpo.kl_from_base(lm, lm, pairs[0].prompt, texts) == pytest.approx(0.0, abs=1e-6)
    lightly_tuned = dpo.train_dpo(lm, pairs, dpo.DpoSettings(steps=2, learning_rate=1e-2)).tuned
    small = dpo.kl_from_base(lm, lightly_tuned, pairs[0].prompt, texts)
    large = dpo.kl_from_base(lm, tuned, pairs[0].prompt, texts)
    assert 0 < small < large


def test_same_seed_same_samples_before_training(model_and_pairs):
    lm, _ = model_and_pairs
    prompt = rlhf.load_prompts()[0]
    first = rlhf.sample_with_endings(lm, prompt, 2, seed=3, max_new_tokens=TOKENS, vary_length=False)
    assert first == rlhf.sample_with_endings(lm, prompt, 2, seed=3, max_new_tokens=TOKENS, vary_length=False)
    assert all(isinstance(ended, bool) for _, ended in first)


def test_dpo_bad_input(lm):
    same = rlhf.Preference("Hi", "a b", "a b")
    with pytest.raises(ValueError, match="at least two"):
        dpo.train_dpo(lm, [same, same, rlhf.Preference("Hi", "a", "b")])
    with pytest.raises(ValueError, match="between 1 and"):
        dpo.train_dpo(lm, [rlhf.Preference("Hi", "a", "b")] * 2, dpo.DpoSettings(steps=0))
    with pytest.raises(ValueError, match="positive"):
        dpo.DpoSettings(beta=0).check()
    # Emoji, CJK, HTML and control characters still train.
    odd = [rlhf.Preference("🙂 你好", "<b>ok</b>", "\x00\x07 no"), rlhf.Preference("Hi", "你好 🙂", "")]
    assert len(dpo.train_dpo(lm, odd, dpo.DpoSettings(steps=1)).losses) == 1
