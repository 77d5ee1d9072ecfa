"""genai_demo.tuning.overfitting: the copied share, a run on the tiny GPT-2 that leaves the base model alone,
and the Overfitting page's defaults on the real SmolLM2."""

from __future__ import annotations

from genai_demo.tuning.overfitting import TINY_TEXT, copied_share, overfit_demo


def test_copied_share_measures_word_for_word_repetition():
    text = "The lighthouse keeper counted seven ships at dawn."
    assert copied_share(text, text) == 1.0
    assert copied_share("Bananas are yellow and sweet.", text) == 0.0
    assert copied_share("", text) == 0.0


def test_overfitting_trains_a_copy_on_the_tiny_text_and_leaves_the_base_alone(lm):
    # A random 2-layer model cannot memorise in a test's time; GPT-2 does (see the page). What must
    # hold everywhere: the copy's loss on the tiny text falls, both models answer, the base is untouched.
    before = {name: p.clone() for name, p in lm.model.named_parameters()}
    demo = overfit_demo(lm, steps=15, new_tokens=8)
    assert len(demo.losses) == 15 and demo.losses[-1] < demo.losses[0]
    assert len(demo.before) == len(demo.after) == len(demo.prompts) == 2
    assert demo.copied_after == [copied_share(text, TINY_TEXT) for text in demo.after]
    for name, parameter in lm.model.named_parameters():
        assert (parameter == before[name]).all(), name


# --- on the real weights of SmolLM2-135M-Instruct -------------------------------------------------


def test_overfitting_makes_the_real_model_repeat_its_tiny_text(smollm2):
    """The Overfitting page's defaults on real weights: the copy repeats the tiny text after its own start and
    after an unrelated prompt (an earlier learning rate blew the loss up to ~100 and wrote "keeper keeper")."""
    from genai_demo.tuning.overfitting import overfit_demo

    demo = overfit_demo(smollm2)
    assert not any("blew up" in notice for notice in demo.notices)  # the first run did not diverge
    assert demo.losses[-1] < 0.1 * demo.losses[0]
    for before, after in zip(demo.copied_before, demo.copied_after):
        assert after >= before + 0.4
