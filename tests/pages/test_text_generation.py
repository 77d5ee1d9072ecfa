"""The text generation page, run for real with AppTest on the tiny GPT-2 (and a tiny Llama, a chat model)."""

from __future__ import annotations

import pytest

from genai_demo.config import settings
from genai_demo.engine import kinds
from genai_demo.engine.batching import TextEngine
from genai_demo.engine.loader import load_model
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.text.generation import generate_texts, next_token_distribution, sample_next_token
from genai_demo.ui.text.text_generation import Generation, TextGenerationState
from tests.conftest import run_page

PAGE = "text_generation.py"
K = "text_generation_"


def page_state(at):
    """The page's state: the one session key of the text generation page."""
    return at.session_state[K + "state"]


def with_result(text: str, ids: list[int], finished: bool = True) -> dict:
    """Session state of a learner whose last Generate wrote one greedy column."""
    result = Generation(PROMPT, PROMPT, [SamplingSettings(temperature=0.0)], [text], [ids], [finished], [])
    return {K + "state": TextGenerationState(result=result)}
PROMPT = "What's the weather like today?"
VIEW = {K + "tab": "Next-token view"}
STEPS = {K + "tab": "Step by step"}


def _shown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def _html(at) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


def _kept(at) -> str:
    return [m.value for m in at.metric if m.label == "Tokens kept"][0]


def _generate(at, tokens: int = 4):
    at.slider(key=K + "max_new_tokens").set_value(tokens)
    return at.button(key=K + "generate").click().run()


@pytest.fixture
def model_calls(monkeypatch):
    """Counts the single readings of a text through any text model's engine (next-token views, scoring: `read`)
    and the other forward passes run on it (`run`)."""
    calls = []

    def counting(real):
        def counted(self, *args, **kwargs):
            calls.append(args[0])
            return real(self, *args, **kwargs)
        return counted

    for name in ("run", "read"):
        monkeypatch.setattr(TextEngine, name, counting(getattr(TextEngine, name)))
    return calls


def test_default_run_shows_prompt_and_the_side_by_side_columns(app_env):
    at = run_page(PAGE)
    assert not at.exception
    assert at.text_area(key=K + "prompt").value == PROMPT
    assert "Write a story about space" in at.selectbox(key=K + "example").options
    assert "Greedy" in _shown(at) and "Sampling" in _shown(at)
    assert "**Column 1**" in _shown(at) and "**Column 2**" in _shown(at)
    assert not any(t.key == K + "chat_template" for t in at.toggle)  # GPT-2 has no chat template


def test_the_next_token_tab_shows_chart_and_metrics(app_env):
    at = run_page(PAGE, link=VIEW)
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 1
    labels = [m.label for m in at.metric]
    assert "Entropy after knobs" in labels and "Probability mass kept" in labels
    assert not any(b.key == K + "generate" for b in at.button)  # the closed tab did not run


def test_generate_streams_columns_matching_the_library(app_env):
    at = _generate(run_page(PAGE), 5)
    assert not at.exception
    result = page_state(at).result
    assert len(result.texts) == 2 and all(result.finished)
    lm = load_model(kinds.TEXT, str(settings().text_model))
    expected = generate_texts(lm, PROMPT, result.knobs)
    assert result.texts == expected
    assert result.knobs[0].greedy and not result.knobs[1].greedy
    assert all(len(ids) <= 5 for ids in result.ids)
    assert all(text in _html(at) for text in expected)  # what the learner sees is the library's text
    assert "st-key-text_generation_output" in _html(at)  # the result area is scrolled into view


def test_knobs_change_the_next_token_view_without_running_the_model_again(app_env, model_calls):
    at = run_page(PAGE, link=VIEW)
    kept_before = _kept(at)
    calls = len(model_calls)
    assert calls == 1
    at.slider(key=K + "view_top_k").set_value(3).run()
    assert not at.exception and _kept(at) == "3" != kept_before
    at.slider(key=K + "view_temperature").set_value(0.0).run()
    assert _kept(at) == "1"
    assert len(model_calls) == calls  # the chart changed, the model was not asked again


def test_a_side_by_side_knob_runs_no_next_token_or_step_forward_pass(app_env, model_calls):
    at = run_page(PAGE)
    at.slider(key=K + "temperature_1").set_value(1.7).run()
    at.number_input(key=K + "seed").set_value(3).run()
    assert not at.exception
    assert model_calls == []  # the other tabs' forward passes did not run
    at = _generate(at, 3)
    assert page_state(at).result.knobs[1].temperature == pytest.approx(1.7)


def test_columns_are_chosen_up_to_the_server_limit(app_env):
    at = run_page(PAGE)
    columns = at.button_group(key=K + "columns")
    assert columns.value == 2 and columns.options == ["1", "2", "3", str(settings().limits.max_columns)]
    columns.set_value(4).run()
    at = _generate(at, 3)
    assert len(page_state(at).result.texts) == 4
    assert _html(at).count("· cut at Max new tokens") == 4  # none ended on its own within 3 tokens
    # Four columns are laid out two to a row, knobs and texts alike: each gets half the page's width.
    assert [column.weight for column in at.columns if column.proto.show_border] == [0.5] * 8
    at.button_group(key=K + "columns").set_value(1).run()
    assert _shown(at).count("**Column") == 1
    assert not at.exception


def test_a_link_reproduces_the_setup_and_the_text(app_env):
    link = {K + "prompt": "Once upon a time", K + "seed": "7", K + "temperature_1": "1.2",
            K + "max_new_tokens": "6", K + "columns": "3"}
    at = run_page(PAGE, link=link)
    assert not at.exception
    assert at.text_area(key=K + "prompt").value == "Once upon a time"
    assert at.number_input(key=K + "seed").value == 7
    assert at.slider(key=K + "temperature_1").value == pytest.approx(1.2)
    assert at.button_group(key=K + "columns").value == 3
    at = at.button(key=K + "generate").click().run()
    lm = load_model(kinds.TEXT, str(settings().text_model))
    # Column 2 keeps its preset's top-k 50 and top-p 0.95; the link set its temperature, the seed and the length.
    column = SamplingSettings(temperature=1.2, top_k=50, top_p=0.95, max_new_tokens=6, seed=7)
    assert page_state(at).result.texts[1] == generate_texts(lm, "Once upon a time", [column])[0]


def test_bad_link_values_get_a_notice_not_a_traceback(app_env):
    at = run_page(PAGE, link={K + "max_new_tokens": "99999", K + "temperature_0": "<b>hot</b>",
                              K + "columns": "12", K + "tab": "Nowhere"})
    assert not at.exception
    toasts = "\n".join(str(t.value) for t in at.toast)
    assert f"so {settings().limits.max_new_tokens} is used" in toasts
    assert "is not a number" in toasts
    assert at.slider(key=K + "max_new_tokens").value == settings().limits.max_new_tokens
    assert at.slider(key=K + "temperature_0").value == 0.0


def test_settings_and_the_last_result_survive_a_visit_to_another_page(app_env):
    at = run_page(PAGE)
    at = _generate(at, 6)
    texts = page_state(at).result.texts
    at.switch_page("pages/perceptron.py").run()
    at.switch_page(f"pages/{PAGE}").run()
    assert not at.exception
    assert at.slider(key=K + "max_new_tokens").value == 6
    assert all(text in _html(at) for text in texts)


def test_a_text_cut_short_by_leaving_is_shown_with_a_note(app_env):
    at = run_page(PAGE, state=with_result(" It is sunny and", [632, 318, 27737, 290], finished=False))
    assert not at.exception
    assert " It is sunny and" in _html(at)
    assert any("Stopped before the end" in c.value for c in at.caption)


def test_model_text_is_shown_literally(app_env):
    text = "\n# Title\n$x^2$ <b>bold</b> **stars** \ufffd"
    at = run_page(PAGE, state=with_result(text, [1, 2, 3]))
    body = _html(at)
    assert "&lt;b&gt;bold&lt;/b&gt;" in body and "<b>bold</b>" not in body
    assert "# Title<br>$x^2$" in body and "**stars**" in body
    assert "\ufffd" not in body  # the half character is dropped until its other bytes arrive


def test_step_mode_pick_sample_and_undo(app_env):
    at = run_page(PAGE, link=STEPS)
    lm = load_model(kinds.TEXT, str(settings().text_model))
    expected = next_token_distribution(lm, PROMPT, SamplingSettings(temperature=1.0, top_k=0, top_p=1.0), top=8)
    at.button(key=K + "pick_2").click().run()
    steps = page_state(at).steps
    assert [s.token_id for s in steps] == [expected.token_ids[2]]
    assert steps[0].prob == pytest.approx(expected.probs[2], rel=1e-4)
    assert "probability of" in _shown(at)
    at.button(key=K + "greedy").click().run()
    at.button(key=K + "sample").click().run()
    assert len(page_state(at).steps) == 3
    at.button(key=K + "undo").click().run()
    assert [s.token_id for s in page_state(at).steps][:1] == [expected.token_ids[2]]
    assert len(page_state(at).steps) == 2
    assert not at.exception


def test_step_mode_greedy_is_the_top_candidate_and_a_sample_follows_the_knobs_and_seed(app_env):
    at = run_page(PAGE, link=STEPS)
    at.slider(key=K + "step_top_k").set_value(3)
    at.number_input(key=K + "step_seed").set_value(11)
    at.button(key=K + "greedy").click().run()
    lm = load_model(kinds.TEXT, str(settings().text_model))
    view = SamplingSettings(temperature=1.0, top_k=3, top_p=1.0, seed=11)  # the widget values set above
    greedy_id = next_token_distribution(lm, PROMPT, view).token_ids[0]
    assert [s.token_id for s in page_state(at).steps] == [greedy_id]

    at.button(key=K + "sample").click().run()
    sampled_id = page_state(at).steps[-1].token_id
    assert sampled_id == sample_next_token(lm, PROMPT, view, extra_ids=[greedy_id]).token_id
    assert sampled_id in next_token_distribution(lm, PROMPT, view, top=3, extra_ids=[greedy_id]).token_ids
    at.button(key=K + "undo").click().run()
    at.button(key=K + "sample").click().run()  # the same seed draws the same token again
    assert page_state(at).steps[-1].token_id == sampled_id
    assert not at.exception


def test_the_seed_widget_decides_the_sampled_columns_text(app_env):
    lm = load_model(kinds.TEXT, str(settings().text_model))
    at = run_page(PAGE)
    texts = {}
    for seed in (5, 6):
        at.number_input(key=K + "seed").set_value(seed)
        at = _generate(at, 8)
        # Column 2's widgets start at temperature 0.8, top-k 50, top-p 0.95, no penalty.
        column = SamplingSettings(temperature=0.8, top_k=50, top_p=0.95, max_new_tokens=8, seed=seed)
        texts[seed] = page_state(at).result.texts[1]
        assert texts[seed] == generate_texts(lm, PROMPT, [column])[0]
    assert texts[5] != texts[6]


def test_step_mode_stops_when_the_model_chooses_end_of_text(app_env):
    from genai_demo.text.generation import TokenConfidence

    eos = 50256  # GPT-2's <|endoftext|>
    chosen = [TokenConfidence("<|endoftext|>", eos, 0.4, [])]
    at = run_page(PAGE, link=STEPS, state={K + "state": TextGenerationState(steps=chosen, steps_context=PROMPT)})
    assert not at.exception
    assert any("The model ended the text here" in message.value for message in at.success)
    assert at.button(key=K + "sample").disabled and at.button(key=K + "greedy").disabled
    at.button(key=K + "undo").click().run()
    assert not at.button(key=K + "sample").disabled and not at.success


def test_confidence_view_after_generation(app_env):
    at = _generate(run_page(PAGE), 4)
    assert "surprise" in _html(at)
    assert at.selectbox(key=K + "confidence_token").options
    assert not at.exception


def test_empty_prompt_shows_a_message_and_no_generation(app_env):
    at = run_page(PAGE)
    at.text_area(key=K + "prompt").set_value("   ").run()
    assert not at.exception
    assert any("empty" in w.value for w in at.warning)
    assert not any(b.key == K + "generate" for b in at.button)
    assert page_state(at).result is None


def test_a_pasted_prompt_over_the_limit_is_kept_cut_with_a_notice(app_env):
    limit = settings().limits.max_prompt_chars
    at = run_page(PAGE)
    at.text_area(key=K + "prompt").input("Stars and planets drift in the dark. " * 1400).run()  # ~52,000
    assert len(at.text_area(key=K + "prompt").value) == limit
    assert any(f"the first {limit:,} are kept" in c.value for c in at.caption)
    at = _generate(at, 3)
    assert not at.exception
    notices = " ".join(i.value for i in at.info)
    assert "cut" in notices and "window" in notices
    assert page_state(at).result.texts


@pytest.mark.parametrize("prompt", ["Hello 😀🚀", "今日はいい天気ですね", "שלום עולם، مرحبا"])
def test_emoji_cjk_and_rtl_prompts(app_env, prompt):
    at = run_page(PAGE, link={K + "prompt": prompt})
    at = _generate(at, 3)
    assert not at.exception
    assert page_state(at).result.prompt == prompt
    at = run_page(PAGE, link={K + "prompt": prompt, **STEPS})
    at.button(key=K + "pick_0").click().run()
    assert not at.exception and len(page_state(at).steps) == 1


def test_a_tiny_llama_runs_every_tab(app_env, tiny_llama_dir):
    app_env.setenv("GENAI_TEXT_MODEL", str(tiny_llama_dir))
    settings.cache_clear()
    at = _generate(run_page(PAGE), 4)
    assert not at.exception and page_state(at).result.texts[0]
    at = run_page(PAGE, link=VIEW)
    assert not at.exception and at.get("vega_lite_chart")
    at = run_page(PAGE, link=STEPS)
    at.button(key=K + "greedy").click().run()
    assert not at.exception and len(page_state(at).steps) == 1


def test_an_instruct_model_reads_the_prompt_as_a_user_turn(app_env, tiny_chat_dir):
    app_env.setenv("GENAI_TEXT_MODEL", str(tiny_chat_dir))
    settings.cache_clear()
    at = run_page(PAGE)
    assert at.toggle(key=K + "chat_template").value is True
    at = _generate(at, 4)
    context = page_state(at).result.context
    assert context.endswith("<|im_start|>user\nWhat's the weather like today?<|im_end|>\n<|im_start|>assistant\n")
    # The answer comes first in its column; the template is one click away, under the columns.
    assert "im_start" not in _html(at) and "weather" not in _html(at)
    assert [e.label for e in at.expander if "chat template" in e.label] == [
        "What the model read: your prompt inside the chat template"]
    assert [code.value for code in at.code] == [context]  # exactly what the model read
    at.toggle(key=K + "chat_template").set_value(False).run()
    at = _generate(at, 4)
    assert page_state(at).result.context == PROMPT
    assert "weather like today?" in _html(at)  # a bare continuation reads on from the end of the prompt
    assert not any("chat template" in e.label for e in at.expander)
    assert not at.exception


def test_a_column_that_ends_at_once_says_so(app_env, tiny_chat_dir):
    app_env.setenv("GENAI_TEXT_MODEL", str(tiny_chat_dir))
    settings.cache_clear()
    lm = load_model(kinds.TEXT, str(tiny_chat_dir))
    end = sorted(lm.end_ids)[0]
    at = run_page(PAGE, state=with_result("", [end]))
    assert "the model ended its turn (end token) at once, writing nothing" in _html(at)


def test_model_unavailable_shows_the_panel(missing_models_env):
    at = run_page(PAGE)
    assert not at.exception
    assert at.error and "not downloaded" in at.error[0].value
    assert any("prefetch" in c.value for c in at.code)


def test_public_mode_caps_columns_and_length(app_env):
    app_env.setenv("GENAI_PUBLIC", "1")
    # The budget counts the whole process's memory, and this test process holds every session fixture's
    # models (2.5 GB or more by now), which a deployed app does not: the limits are what this test checks,
    # the budget is tested in tests/engine/test_budget.py.
    app_env.setenv("GENAI_MEMORY_BUDGET_GB", "64")
    settings.cache_clear()
    at = run_page(PAGE)
    limits = settings().limits
    assert at.button_group(key=K + "columns").options == ["1", "2"]
    assert at.slider(key=K + "max_new_tokens").max == limits.max_new_tokens
    assert not at.exception


def test_real_instruct_weights_write_an_answer_in_the_greedy_column(app_env, smollm2_dir):
    app_env.setenv("GENAI_TEXT_MODEL", str(smollm2_dir))
    settings.cache_clear()
    at = _generate(run_page(PAGE), 12)
    assert not at.exception
    result = page_state(at).result
    assert result.knobs[0].greedy
    assert len(result.ids[0]) > 3 and result.texts[0].strip()  # not "greedy · 1 tokens" and an empty box
