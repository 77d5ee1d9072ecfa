"""AppTest for the Fine-tuning and RLHF pages: default state, a real run, bad input, sessions kept apart."""

from __future__ import annotations

import pytest
import torch

from genai_demo.config import MAX_SEED
from tests.conftest import run_page

K = "fine_tuning_"


def tuned(at):
    """The session's tuned copy, from the page's one state key (None before a run or after forgetting)."""
    return at.session_state[K + "state"].tuned


def shared_text_model():
    """The model every session shares: the same st.cache_resource entry the pages use."""
    from genai_demo.engine import kinds
    from genai_demo.ui import loaders

    return loaders.model(kinds.TEXT)


def fast_settings(at, steps: int = 3):
    at.number_input(key=K + "steps").set_value(steps)
    at.radio(key=K + "lr").set_value(3e-2)
    at.selectbox(key=K + "batch").set_value(1)
    return at


def test_fine_tuning_page_trains_and_compares(app_env):
    at = run_page("fine_tuning.py")
    assert not at.exception
    assert any("No fine-tuned model" in info.value for info in at.info)
    assert at.text_area(key=K + "text").value.startswith("Lemon pancakes")  # the catalogue's try-this text
    try_this = next(m.value for m in at.markdown if "Try this" in m.value)
    assert "recipes" in try_this and "Preheat the" in try_this
    at.selectbox(key=K + "source").set_value("Legal clauses").run()
    assert at.text_area(key=K + "text").value.startswith("1. Definitions")
    assert at.session_state[K + "prompt"].startswith("13. Warranties")
    at.selectbox(key=K + "source").set_value("Recipes").run()
    fast_settings(at).button(key=K + "train").click().run()
    assert not at.exception
    result = tuned(at).result
    assert len(result.losses) == 3
    before, after = tuned(at).loss_before, tuned(at).loss_after
    assert after < before
    labels = [metric.label for metric in at.metric]
    assert "Loss on your text, before" in labels and "after" in labels
    assert len(at.get("vega_lite_chart")) == 2  # the loss curve and the moved probabilities
    shown = " ".join(block.value for block in at.markdown)
    assert "Base tiny\\-gpt2" in shown  # the loaded model by name (the test's folder), not always "GPT-2"
    assert "Your fine-tuned copy" in shown and "Preheat the" in shown

    at.button(key=K + "forget").click().run()
    assert tuned(at) is None
    at.run()  # a rerun after forgetting shows no copy and no comparison
    assert not at.exception and tuned(at) is None
    assert any("No fine-tuned model" in info.value for info in at.info)
    assert not any("Your fine-tuned copy" in block.value for block in at.markdown)
    assert len(at.get("vega_lite_chart")) == 0


@pytest.mark.parametrize("text, steps, message", [
    ("", 3, "empty"),
    ("   \n ", 3, "empty"),
    ("Whereas the parties agree.", 0, "at least one step"),
    ("Whereas", 3, "too short"),  # passes the text checks, but is a single token
])
def test_fine_tuning_bad_input_shows_a_warning(app_env, text, steps, message):
    at = run_page("fine_tuning.py")
    at.text_area(key=K + "text").set_value(text)
    fast_settings(at, steps).button(key=K + "train").click().run()
    assert not at.exception
    assert any(message in warning.value for warning in at.warning)
    assert tuned(at) is None


def test_huge_text_is_capped_with_a_notice(app_env):
    from genai_demo.config import settings

    limit = settings().limits.max_train_chars
    at = run_page("fine_tuning.py")
    at.text_area(key=K + "text").set_value("O gentle night, thou art long. " * (limit // 20)).run()
    assert any(f"the first {limit:,} are kept" in caption.value for caption in at.caption)
    fast_settings(at, 1).button(key=K + "train").click().run()
    assert not at.exception
    assert len(tuned(at).result.text) == limit


def test_a_session_that_leaves_mid_training_leaks_nothing(app_env):
    """Streamlit stops a closed tab's script with StopException at its next widget update: the page's
    progress callback. The run must end there, leave the shared model untouched and keep no result."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    from genai_demo.tuning.finetune import fine_tune

    model = shared_text_model().model
    weights = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    steps_seen = []

    def browser_tab_closes(report) -> None:
        steps_seen.append(report.step)
        if report.step == 3:
            raise StopException()

    with pytest.raises(StopException):
        fine_tune(shared_text_model(), "O gentle night, thou art long. " * 20, steps=2000, on_step=browser_tab_closes)
    assert steps_seen == [1, 2, 3]  # it stopped at once, not after 2000 steps

    second = run_page("fine_tuning.py")
    assert not second.exception
    assert tuned(second) is None
    assert any("No fine-tuned model" in info.value for info in second.info)
    assert shared_text_model().model is model
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, weights[name]), name


def test_a_link_reproduces_the_fine_tuning_and_its_comparison(app_env):
    link = {K + "source": "My own text", K + "text": "Whereas the Supplier shall deliver the goods. " * 4,
            K + "steps": "2", K + "lr": "0.03", K + "batch": "1", K + "prompt": "Whereas the"}
    texts = []
    for _ in range(2):
        at = run_page("fine_tuning.py", link=link)
        assert at.number_input(key=K + "steps").value == 2 and at.radio(key=K + "lr").value == 3e-2
        assert at.text_area(key=K + "text").value == link[K + "text"]
        at.button(key=K + "train").click().run()
        assert not at.exception
        comparison = tuned(at).comparison
        texts.append((comparison.base_text, comparison.tuned_text))
    assert texts[0] == texts[1]  # same link, same seed: the same base and tuned continuations


def test_a_bad_fine_tuning_link_gets_notices(app_env):
    at = run_page("fine_tuning.py", link={K + "steps": "99999999", K + "lr": "7", K + "rank": "<b>",
                                          K + "seed": "5000000000"})
    assert not at.exception
    toasts = " ".join(str(toast.value) for toast in at.toast)
    assert f"Seed = 5000000000; the range is 0 to {MAX_SEED}, so {MAX_SEED} is used" in toasts  # the app's one range
    assert at.number_input(key=K + "seed").value == MAX_SEED and at.query_params[K + "seed"] == str(MAX_SEED)
    assert "Training steps = 99999999" in toasts and "not one of the options" in toasts
    assert at.radio(key=K + "lr").value == 3e-3 and at.selectbox(key=K + "rank").value == 8


def test_fine_tuning_on_llama_and_a_knob_that_leaves_the_comparison_alone(app_env, tiny_llama_dir):
    from tests.conftest import reset_app_state

    app_env.setenv("GENAI_TEXT_MODEL", str(tiny_llama_dir))
    reset_app_state()
    at = fast_settings(run_page("fine_tuning.py"), 2)
    at.button(key=K + "train").click().run()
    assert not at.exception
    assert any("Base tiny\\-llama" in block.value for block in at.markdown)
    copy = tuned(at).result.tuned
    calls = []
    original = copy.engine.submit
    copy.engine.submit = lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs)
    at.number_input(key=K + "steps").set_value(7).run()  # a training knob: the comparison is not written again
    assert not at.exception and calls == []
    at.number_input(key=K + "compare_seed").set_value(4).run()  # the comparison's own knob writes again
    assert calls
