"""The text generation page, run for real with AppTest on the tiny GPT-2."""

from __future__ import annotations

import pytest

from genai_demo.config import settings
from genai_demo.engine import SamplingSettings, load_text_model
from genai_demo.text import generate_texts, next_token_distribution, sample_next_token
from tests.conftest import run_page

PAGE = "text_generation.py"
K = "text_generation_"


def _shown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def _generate(at, tokens: int = 4):
    at.slider(key=K + "max_new_tokens").set_value(tokens)
    return at.button(key=K + "generate").click().run()


def test_default_run_shows_prompt_chart_and_metrics(app_env):
    at = run_page(PAGE)
    assert not at.exception
    assert at.text_area(key=K + "prompt").value == "What's the weather like today?"
    assert "Write a story about space" in at.selectbox(key=K + "example").options
    assert "Greedy" in _shown(at) and "Sampling" in _shown(at)
    assert len(at.get("vega_lite_chart")) >= 1
    labels = [m.label for m in at.metric]
    assert "Entropy after knobs" in labels and "Probability mass kept" in labels


def test_generate_streams_columns_matching_the_library(app_env):
    at = run_page(PAGE)
    at = _generate(at, 5)
    assert not at.exception
    result = at.session_state[K + "result"]
    assert len(result["texts"]) == 2
    lm = load_text_model(str(settings().text_model))
    expected = generate_texts(lm, "What's the weather like today?", result["knobs"])
    assert result["texts"] == expected
    assert result["knobs"][0].greedy and not result["knobs"][1].greedy
    assert all(len(ids) <= 5 for ids in result["ids"])


def test_changing_knobs_changes_the_next_token_view(app_env):
    at = run_page(PAGE)
    kept_before = [m.value for m in at.metric if m.label == "Tokens kept"][0]
    at.slider(key=K + "view_top_k").set_value(3).run()
    assert not at.exception
    kept_after = [m.value for m in at.metric if m.label == "Tokens kept"][0]
    assert kept_after == "3" and kept_before != kept_after
    at.slider(key=K + "view_temperature").set_value(0.0).run()
    assert [m.value for m in at.metric if m.label == "Tokens kept"][0] == "1"
    # Column knobs reach the generation.
    at.slider(key=K + "temperature_1").set_value(1.7)
    at = _generate(at, 3)
    assert at.session_state[K + "result"]["knobs"][1].temperature == pytest.approx(1.7)


def test_add_and_remove_columns(app_env):
    at = run_page(PAGE)
    assert at.session_state[K + "columns"] == 2
    at.button(key=K + "add_column").click().run()
    at.button(key=K + "add_column").click().run()
    assert at.session_state[K + "columns"] == 4
    assert at.button(key=K + "add_column").disabled  # the server limit: 4 columns
    at = _generate(at, 3)
    assert len(at.session_state[K + "result"]["texts"]) == 4
    for _ in range(3):
        at.button(key=K + "remove_column").click().run()
    assert at.session_state[K + "columns"] == 1
    assert at.button(key=K + "remove_column").disabled
    assert not at.exception


def test_step_mode_pick_sample_and_undo(app_env):
    at = run_page(PAGE)
    lm = load_text_model(str(settings().text_model))
    expected = next_token_distribution(lm, "What's the weather like today?", SamplingSettings(temperature=1.0,
                                                                                          top_k=0, top_p=1.0), top=8)
    at.button(key=K + "pick_2").click().run()
    steps = at.session_state[K + "steps"]
    assert [s.token_id for s in steps] == [expected.token_ids[2]]
    assert steps[0].prob == pytest.approx(expected.probs[2], rel=1e-4)
    assert "probability of" in _shown(at)
    at.button(key=K + "greedy").click().run()
    at.button(key=K + "sample").click().run()
    assert len(at.session_state[K + "steps"]) == 3
    at.button(key=K + "undo").click().run()
    assert [s.token_id for s in at.session_state[K + "steps"]][:1] == [expected.token_ids[2]]
    assert len(at.session_state[K + "steps"]) == 2
    assert not at.exception


def test_step_mode_greedy_is_the_top_candidate_and_a_sample_follows_the_knobs_and_seed(app_env):
    prompt = "What's the weather like today?"
    at = run_page(PAGE)
    at.slider(key=K + "step_top_k").set_value(3)
    at.number_input(key=K + "step_seed").set_value(11)
    at.button(key=K + "greedy").click().run()
    lm = load_text_model(str(settings().text_model))
    view = SamplingSettings(temperature=1.0, top_k=3, top_p=1.0, seed=11)  # the widget values set above
    greedy_id = next_token_distribution(lm, prompt, view).token_ids[0]
    assert [s.token_id for s in at.session_state[K + "steps"]] == [greedy_id]

    at.button(key=K + "sample").click().run()
    sampled_id = at.session_state[K + "steps"][-1].token_id
    assert sampled_id == sample_next_token(lm, prompt, view, extra_ids=[greedy_id])
    assert sampled_id in next_token_distribution(lm, prompt, view, top=3, extra_ids=[greedy_id]).token_ids
    at.button(key=K + "undo").click().run()
    at.button(key=K + "sample").click().run()  # the same seed draws the same token again
    assert at.session_state[K + "steps"][-1].token_id == sampled_id
    assert not at.exception


def test_the_seed_widget_decides_the_sampled_columns_text(app_env):
    prompt = "What's the weather like today?"
    lm = load_text_model(str(settings().text_model))
    at = run_page(PAGE)
    texts = {}
    for seed in (5, 6):
        at.number_input(key=K + "seed").set_value(seed)
        at = _generate(at, 8)
        # Column 2's widgets start at temperature 0.8, top-k 50, top-p 0.95, no penalty.
        column = SamplingSettings(temperature=0.8, top_k=50, top_p=0.95, max_new_tokens=8, seed=seed)
        texts[seed] = at.session_state[K + "result"]["texts"][1]
        assert texts[seed] == generate_texts(lm, prompt, [column])[0]
    assert texts[5] != texts[6]


def test_step_mode_stops_when_the_model_chooses_end_of_text(app_env):
    from genai_demo.text import TokenConfidence

    eos = 50256  # GPT-2's <|endoftext|>
    at = run_page(PAGE, state={K + "steps_prompt": "What's the weather like today?",
                               K + "steps": [TokenConfidence("<|endoftext|>", eos, 0.4, [])]})
    assert not at.exception
    assert any("The model ended here" in message.value for message in at.success)
    assert at.button(key=K + "sample").disabled and at.button(key=K + "greedy").disabled
    at.button(key=K + "undo").click().run()
    assert not at.button(key=K + "sample").disabled and not at.success


def test_confidence_view_after_generation(app_env):
    at = _generate(run_page(PAGE), 4)
    assert any("surprise" in h.proto.body for h in at.get("html"))
    assert at.selectbox(key=K + "confidence_token").options
    assert not at.exception


def test_empty_prompt_shows_a_message_and_no_generation(app_env):
    at = run_page(PAGE)
    at.text_area(key=K + "prompt").set_value("   ").run()
    assert not at.exception
    assert any("empty" in w.value for w in at.warning)
    assert not any(b.key == K + "generate" for b in at.button)
    assert K + "result" not in at.session_state


def test_huge_prompt_is_cut_with_a_notice(app_env):
    at = run_page(PAGE)
    at.text_area(key=K + "prompt").set_value("Stars and planets drift in the dark. " * 541 + "Then")  # ~20,000 chars
    at = _generate(at, 3)
    assert not at.exception
    notices = " ".join(i.value for i in at.info)
    assert "cut" in notices and "window" in notices
    assert at.session_state[K + "result"]["texts"]


@pytest.mark.parametrize("prompt", ["Hello 😀🚀", "今日はいい天気ですね", "שלום עולם، مرحبا"])
def test_emoji_cjk_and_rtl_prompts(app_env, prompt):
    at = run_page(PAGE)
    at.text_area(key=K + "prompt").set_value(prompt)
    at = _generate(at, 3)
    assert not at.exception
    assert at.session_state[K + "result"]["prompt"] == prompt
    at.button(key=K + "pick_0").click().run()
    assert not at.exception and len(at.session_state[K + "steps"]) == 1


def test_model_unavailable_shows_the_panel(missing_models_env):
    at = run_page(PAGE)
    assert not at.exception
    assert at.error and "not downloaded" in at.error[0].value
    assert any("prefetch" in c.value for c in at.code)


def test_public_mode_caps_columns_and_length(app_env):
    app_env.setenv("GENAI_PUBLIC", "1")
    settings.cache_clear()
    at = run_page(PAGE)
    limits = settings().limits
    assert at.session_state[K + "columns"] == 2 == limits.max_columns
    assert at.button(key=K + "add_column").disabled
    assert at.slider(key=K + "max_new_tokens").max == limits.max_new_tokens
    assert not at.exception
