"""AppTest for the Prompting page: three styles on one input, scores, links, other models (Llama, instruct)."""

from __future__ import annotations

import pytest

from genai_demo.text.prompting import compare_styles, load_tasks
from genai_demo.ui.literal import plain_markdown
from tests.conftest import reset_app_state, run_page

P = "prompting_"


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def test_prompting_three_styles_and_scores(app_env):
    at = run_page("prompting.py")
    assert not at.exception
    assert [m.label for m in at.metric] == ["zero-shot", "few-shot", "template"]
    assert all(m.value in ("positive", "negative") for m in at.metric)
    assert "Sentiment:" in at.code[0].value  # only the open tab's prompt is drawn
    at.button(key=P + "score").click().run()
    assert not at.exception
    scores = at.metric[3:]
    assert [m.label for m in scores] == ["zero-shot", "few-shot", "template"]
    results = at.session_state[P + "state"].scores["review_sentiment", False]  # per task and kind of model
    assert [s.value for s in scores] == [f"{r.correct}/6" for r in results]
    table = at.table[-1].value  # every column of the score table is there, texts wrapped, nothing cut
    assert list(table.columns) == ["input", "known answer", "zero-shot", "few-shot", "template"]
    assert len(table) == 6
    # Right and wrong are words, not a symbol alone; deltas compare with zero-shot, down and red when worse.
    assert all(cell.split(":")[0] in ("right", "wrong") for style in results for cell in table[style.style])
    for metric, result in zip(scores[1:], results[1:]):
        diff = result.correct - results[0].correct
        assert metric.delta == (f"{diff:+d} vs zero-shot" if diff else "same as zero-shot")
    # The page's words are the scores' own verdict.
    shown = _texts(at.markdown)
    assert all(plain_markdown(sentence) in shown for sentence in compare_styles(results))


def test_each_tasks_scores_are_kept_and_shown_again_without_a_click(app_env):
    at = run_page("prompting.py")
    at.button(key=P + "score").click().run()
    shown = [m.value for m in at.metric[3:]]
    first, other = [task.id for task in load_tasks()][:2]
    at.selectbox(key=P + "task").set_value(other).run()  # another task: its scores were never asked for
    assert not at.exception and len(at.metric) == 3
    assert any("Press the button" in caption.value for caption in at.caption)
    at.selectbox(key=P + "task").set_value(first).run()  # back: the kept scores, with no new click
    assert [m.value for m in at.metric[3:]] == shown
    assert list(at.session_state[P + "state"].scores) == [("review_sentiment", False)]


def test_a_link_opens_the_same_task_input_and_tab(app_env):
    link = {P + "task": "Is this email spam?", P + "input_email_spam": "WIN a FREE cruise, click now!",
            P + "style": "Template"}
    at = run_page("prompting.py", link=link)
    assert not at.exception
    assert at.text_input(key=P + "input_email_spam").value == link[P + "input_email_spam"]
    assert len(at.code) == 1 and "### Instruction" in at.code[0].value and "FREE cruise" in at.code[0].value
    again = run_page("prompting.py", link=link)
    assert [m.value for m in again.metric] == [m.value for m in at.metric]
    assert _texts(again.caption) == _texts(at.caption)  # the same shares, to the percent


def test_a_bad_prompting_link_gets_a_notice(app_env):
    at = run_page("prompting.py", link={P + "task": "<img src=x>", P + "model": "GPT-9"})
    assert not at.exception
    assert _texts(at.toast).count("not one of the options") == 2
    assert at.selectbox(key=P + "task").value == "review_sentiment"


def test_prompting_on_the_chat_model_and_empty_input(app_env):
    at = run_page("prompting.py")
    options = at.radio(key=P + "model").options
    assert options == ["tiny-gpt2 (text model)", "tiny-chat (chat model, instruction-tuned)"]  # the loaded models
    at.radio(key=P + "model").set_value(options[1])
    at.selectbox(key=P + "task").set_value("email_spam").run()
    assert not at.exception
    assert at.code[0].value.startswith("<|im_start|>user\n")
    assert all(m.value in ("spam", "ham") for m in at.metric)
    at.text_input(key=P + "input_email_spam").set_value("").run()
    assert not at.exception
    assert "Type an input" in _texts(at.info)


def test_changing_the_input_does_not_rescore_the_task(app_env, monkeypatch):
    from genai_demo.text import prompting

    at = run_page("prompting.py")
    at.button(key=P + "score").click().run()
    calls = []
    original = prompting.score_style
    monkeypatch.setattr(prompting, "score_style", lambda *a, **k: calls.append(1) or original(*a, **k))
    at.text_input(key=P + "input_review_sentiment").set_value("Dreadful, it broke at once.").run()
    assert not at.exception and calls == []
    assert len(at.metric) == 6  # the new input's three answers and the kept scores


@pytest.mark.parametrize("model", ["tiny_llama_dir", "tiny_chat_dir"])
def test_prompting_with_llama_or_an_instruct_model_as_the_text_model(app_env, request, model):
    folder = request.getfixturevalue(model)
    app_env.setenv("GENAI_TEXT_MODEL", str(folder))
    reset_app_state()
    at = run_page("prompting.py")
    assert not at.exception
    assert at.radio(key=P + "model").options[0].startswith(folder.name)
    assert all(m.value in ("positive", "negative") for m in at.metric)
    chat = model == "tiny_chat_dir"
    assert at.code[0].value.startswith("<|im_start|>user\n") == chat  # the template only where the model expects it
