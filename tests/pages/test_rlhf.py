"""AppTest for the RLHF page: preferences -> reward model -> best-of-n -> reward hacking -> DPO, on GPT-2 and Llama."""

from __future__ import annotations

import pytest

from genai_demo.tuning.rlhf import word_count
from tests.conftest import reset_app_state, run_page

R = "rlhf_"
QUICK = {R + "tokens": 8}


def page_state(at):
    """The page's state: the one session key of the RLHF page."""
    return at.session_state[R + "state"]


def collect_and_train(at, pairs: int = 4):
    at.selectbox(key=R + "labeller").set_value("shorter answers")
    at.number_input(key=R + "count").set_value(pairs)
    at.button(key=R + "simulate").click().run()
    at.button(key=R + "train").click().run()
    return at


def test_rlhf_page_full_loop(app_env):
    at = run_page("rlhf.py", state=QUICK)
    assert not at.exception
    at.button(key=R + "propose").click().run()
    pair = page_state(at).pair
    a, b = pair.a, pair.b
    at.button(key=R + "pick_b").click().run()
    first = page_state(at).taste.preferences[0]
    assert (first.chosen, first.rejected) == (b, a)

    collect_and_train(at)
    assert not at.exception
    assert len(page_state(at).taste.preferences) == 5
    assert any("5 preferences collected" in block.value for block in at.markdown)
    assert page_state(at).taste.reward.pairs == 5
    assert "Pairs it agrees with" in [metric.label for metric in at.metric]

    at.number_input(key=R + "n").set_value(3)
    at.button(key=R + "sample").click().run()
    assert not at.exception
    best = page_state(at).taste.best.pick
    assert len(best.candidates) == 3
    shown = " ".join(block.value for block in at.markdown)
    assert "Plain sampling" in shown and "Best of 3" in shown
    assert len(at.get("vega_lite_chart")) == 1
    assert any("0 = the average reward" in caption.value for caption in at.caption)

    at.button(key=R + "hack_go").click().run()
    assert not at.exception
    longest = max(word_count(text) for text in best.candidates)
    assert any(f"({longest} words)" in block.value for block in at.markdown)


def test_dpo_changes_the_copy_and_shows_reward_and_drift(app_env):
    at = collect_and_train(run_page("rlhf.py", state=QUICK))
    at.number_input(key=R + "dpo_steps").set_value(4)
    at.button(key=R + "dpo_train").click().run()
    assert not at.exception
    result = page_state(at).taste.tuned.result
    assert len(result.losses) == 4 and result.losses[-1] < result.losses[0]
    comparison = page_state(at).taste.tuned.comparison
    before, after, kl = comparison.before, comparison.after, comparison.kl
    assert len(before) == len(after) == 3 and kl > 0
    metrics = {metric.label: metric.value for metric in at.metric}
    assert "→" in metrics["Mean reward: base → DPO copy"]
    assert float(metrics["Drift from the base (KL)"]) == pytest.approx(kl, abs=1e-3)
    shown = " ".join(block.value for block in at.markdown)
    assert "**Base**, seed 11" in shown and "**DPO copy**, seed 11" in shown
    assert len(at.get("vega_lite_chart")) == 1  # the DPO loss curve

    # The last result survives a visit to another page.
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/rlhf.py").run()
    assert not at.exception
    assert page_state(at).taste.tuned.result is result
    assert any("**DPO copy**, seed 11" in block.value for block in at.markdown)

    at.button(key=R + "dpo_forget").click().run()
    assert page_state(at).taste.tuned is None
    # Only the copy is forgotten.
    assert page_state(at).taste.reward is not None and len(page_state(at).taste.preferences) == 4
    at.run()  # and a rerun does not bring it back
    assert not at.exception and page_state(at).taste.tuned is None
    assert any("No DPO copy yet" in block.value for block in at.info)
    assert not any("**DPO copy**, seed" in block.value for block in at.markdown)


def test_forget_my_preferences_forgets_everything_learned_from_them(app_env):
    at = collect_and_train(run_page("rlhf.py", state=QUICK))
    at.button(key=R + "sample").click().run()
    at.button(key=R + "hack_go").click().run()
    at.number_input(key=R + "dpo_steps").set_value(2)
    at.button(key=R + "dpo_train").click().run()
    taste = page_state(at).taste
    assert taste.reward and taste.best and taste.hack and taste.tuned
    at.button(key=R + "clear").click().run()
    assert not at.exception
    taste = page_state(at).taste
    assert taste.preferences == [] and (taste.reward, taste.best, taste.hack, taste.tuned) == (None,) * 4
    at.run()  # a rerun shows nothing learned either
    assert any("No preferences yet" in block.value for block in at.info)
    assert any("Train the reward model first" in block.value for block in at.info)
    assert not any("Plain sampling" in block.value or "DPO copy**" in block.value for block in at.markdown)
    assert not at.get("vega_lite_chart")


def test_a_knob_of_best_of_n_does_not_rerun_the_dpo_samples(app_env):
    at = collect_and_train(run_page("rlhf.py", state=QUICK))
    at.number_input(key=R + "dpo_steps").set_value(2)
    at.button(key=R + "dpo_train").click().run()
    tuned = page_state(at).taste.tuned.result.tuned
    calls = []
    original = tuned.engine.submit
    tuned.engine.submit = lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs)
    at.number_input(key=R + "n").set_value(5).run()
    at.number_input(key=R + "best_seed").set_value(3).run()
    assert not at.exception and calls == []
    at.number_input(key=R + "dpo_sample_seed").set_value(12).run()  # its own knob does write again
    assert calls


def test_dpo_and_training_refuse_without_preferences(app_env):
    at = run_page("rlhf.py")
    at.button(key=R + "train").click().run()
    assert any("at least two preferences" in warning.value for warning in at.warning)
    assert page_state(at).taste.reward is None
    at.button(key=R + "hack_go").click().run()
    assert any("First collect" in warning.value for warning in at.warning)
    at.button(key=R + "dpo_train").click().run()
    assert not at.exception
    assert any("at least two preference pairs" in warning.value for warning in at.warning)
    assert page_state(at).taste.tuned is None


def test_a_link_reproduces_the_setup(app_env):
    link = {R + "prompt": "The robot looked at the sunset and said", R + "seed": "42", R + "tokens": "9",
            R + "labeller": "less repetition", R + "dpo_beta": "0.25"}
    at = run_page("rlhf.py", link=link)
    assert not at.exception
    assert at.selectbox(key=R + "prompt").value == link[R + "prompt"]
    assert at.number_input(key=R + "seed").value == 42
    assert at.selectbox(key=R + "labeller").value == "less repetition"
    assert at.selectbox(key=R + "dpo_beta").value == 0.25
    at.button(key=R + "propose").click().run()
    again = run_page("rlhf.py", link=link)
    again.button(key=R + "propose").click().run()
    assert page_state(again).pair == page_state(at).pair  # same link, same two completions


def test_the_top_seed_of_the_apps_range_works_with_the_offsets_the_page_adds(app_env):
    from genai_demo.config import MAX_SEED

    at = run_page("rlhf.py", state=QUICK, link={R + "seed": str(MAX_SEED)})
    assert at.number_input(key=R + "seed").value == MAX_SEED  # was clamped to 10,000 before one range for all
    at.button(key=R + "propose").click().run()
    at.button(key=R + "pick_a").click().run()
    at.button(key=R + "propose").click().run()  # the next pair is written with seeds past MAX_SEED
    assert not at.exception and not at.warning
    assert page_state(at).pair is not None and page_state(at).rounds == 1


def test_a_bad_link_value_gets_a_notice(app_env):
    at = run_page("rlhf.py", link={R + "tokens": "1e9", R + "prompt": "<script>alert(1)</script>"})
    assert not at.exception
    toasts = " ".join(str(toast.value) for toast in at.toast)
    assert "new tokens per completion = 1e9; the range is 6 to 60, so 60 is used" in toasts
    assert "range" in toasts and "not one of the options" in toasts
    at.button(key=R + "propose").click().run()
    assert not at.exception and page_state(at).pair.prompt == "The best way to learn a new language is"


@pytest.mark.parametrize("model", ["tiny_llama_dir", "tiny_chat_dir"])
def test_rlhf_and_dpo_on_llama_and_an_instruct_model(app_env, request, model):
    folder = request.getfixturevalue(model)
    app_env.setenv("GENAI_TEXT_MODEL", str(folder))
    reset_app_state()
    at = run_page("rlhf.py", state=QUICK)
    assert folder.name in at.markdown[0].value  # the intro names the loaded model
    chat = model == "tiny_chat_dir"
    assert chat == any("instruction-tuned" in caption.value for caption in at.caption)
    collect_and_train(at, pairs=3)
    at.number_input(key=R + "dpo_steps").set_value(2)
    at.button(key=R + "dpo_train").click().run()
    assert not at.exception
    assert len(page_state(at).taste.tuned.result.losses) == 2
    assert page_state(at).taste.tuned.comparison is not None
