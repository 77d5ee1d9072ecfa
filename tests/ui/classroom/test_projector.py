"""The Class page's live views, run for real with AppTest: the class's texts and chart, learners with the same
settings, the guessing round and its reveal against the model's own numbers, the vote tally, the gallery."""

from __future__ import annotations

import html

import torch

from genai_demo.config import settings
from genai_demo.engine import kinds
from genai_demo.engine.loader import load_model
from genai_demo.text.guessing import guess_ids
from genai_demo.text.variety import repeated_share
from tests.conftest import run_page
from tests.helpers import (
    CLASS_PROMPT,
    chart_count,
    class_with_teacher,
    generate_on_class_prompt,
    learner_in,
    shown_lines,
)

PAGE = "class_room.py"
KNOBS = {"prompt": CLASS_PROMPT, "temperature": 0.8, "top_k": 50, "top_p": 0.95, "repetition_penalty": 1.0,
         "max_new_tokens": 6, "seed": 0}


def _cards(at) -> str:
    """The learners' text cards: one HTML block on the text tab."""
    return "".join(e.proto.body for e in at.get("html") if 'class="gd-cards"' in e.proto.body)


def _room(code: str, tab: str = "Text generation", teacher_key: str | None = None):
    link = {"class": code, "class_room_tab": tab}
    if teacher_key:
        link["teacher"] = teacher_key
    at = run_page(PAGE, link=link)
    assert not at.exception
    return at


def test_the_projector_shows_every_learners_latest_texts_and_the_temperature_chart(app_env, class_env):
    made, _ = class_with_teacher(class_env, text_prompt=CLASS_PROMPT)
    written = {}
    for temperature in (0.0, 1.2):
        at = generate_on_class_prompt(made.code, temperature)
        written[at.session_state["class_member"].name] = at.session_state["text_generation_state"].result.texts[0]
    at = _room(made.code)
    cards = _cards(at)
    for name, text in written.items():
        assert html.escape(name) in cards and html.escape(text.strip()) in cards
    assert "2 learners · 2 texts" in shown_lines(at.caption)
    assert chart_count(at) == 1
    low, high = (repeated_share(text.strip()) for text in written.values())  # greedy first, then 1.2
    assert (f"temperature 0.5 or less repeat {low:.0%} of their words, texts at 1 or more {high:.0%}"
            in shown_lines(at.caption))  # the chart's words follow the class's own texts


def test_learners_with_the_same_settings_are_shown_to_write_the_same_text(app_env, class_env):
    made, _ = class_with_teacher(class_env, text_prompt=CLASS_PROMPT)
    first = generate_on_class_prompt(made.code, 0.9, seed=3)
    second = generate_on_class_prompt(made.code, 0.9, seed=3)
    texts = [at.session_state["text_generation_state"].result.texts[0] for at in (first, second)]
    assert texts[0] == texts[1]  # the same seed and knobs, two learners: the same words
    shown = shown_lines(_room(made.code).markdown)
    assert "wrote exactly the same text" in shown and "temperature 0.9" in shown


def test_a_learners_html_markdown_and_latex_show_literally(app_env, class_env):
    made, _ = class_with_teacher(class_env, text_prompt=CLASS_PROMPT)
    learner = learner_in(class_env, made.code)
    class_env.rename(made.code, learner, "**Bold** <b>me</b>")
    class_env.submit(made.code, learner, "text_generation", "text",
                     [("<script>alert(1)</script>\n# heading $x^2$ [link](http://evil)", KNOBS)])
    cards = _cards(_room(made.code))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\n# heading $x^2$ [link](http://evil)" in cards  # as sent, escaped
    assert "**Bold** &lt;b&gt;me&lt;/b&gt;" in cards
    assert "<script>alert" not in cards and "<b>me</b>" not in cards


def test_guesses_stay_hidden_until_the_teacher_closes_the_round_then_rank_against_the_model(app_env, class_env):
    prompt = "The cat sat on the"
    made, teacher = class_with_teacher(class_env, guess_prompt=prompt)
    guesses = {"mat": 3, "floor": 1, "zebra": 1}
    for word, count in guesses.items():
        for _ in range(count):
            learner = learner_in(class_env, made.code)
            class_env.submit(made.code, learner, "class_room", "guess", [(word, {"prompt": prompt})])
    learner_view = _room(made.code, "Guess the next word")
    assert "appears when the teacher closes the round" in shown_lines(learner_view.info)
    assert not learner_view.dataframe  # nothing of the model's numbers yet
    class_env.set_open(made.code, teacher, "guess", False)
    revealed = _room(made.code, "Guess the next word")
    table = revealed.dataframe[0].value
    assert list(table["guess"]) == ["mat", "floor", "zebra"] and list(table["learners"]) == [3, 1, 1]
    lm = load_model(kinds.TEXT, settings().text_model)
    with torch.no_grad():
        probs = torch.softmax(lm.model(input_ids=torch.tensor([lm.encode(prompt)])).logits[0, -1].float(), -1)
    for word, rank in zip(table["guess"], table["rank"]):
        first = guess_ids(lm, prompt, word)[0]
        assert rank == int((probs > probs[first]).sum()) + 1


def test_a_learner_sends_a_guess_from_the_class_page(app_env, class_env):
    made, _ = class_with_teacher(class_env, guess_prompt="The sky is")
    at = _room(made.code, "Guess the next word")
    at.text_input(key="class_room_guess").set_value("  blue ")
    at.button[[b.label for b in at.button].index("Send my guess")].click().run()
    assert not at.exception
    assert [e.text for e in class_env.entries(made.code, ("guess",))] == ["blue"]


def test_the_vote_tally_counts_each_pair(app_env, class_env):
    made, _ = class_with_teacher(class_env)
    vote = {"prompt": "Say hi", "chosen": "Hi!", "rejected": "Hello there, friend."}
    swapped = {**vote, "chosen": vote["rejected"], "rejected": vote["chosen"]}
    for settings_ in (vote, vote, swapped):
        learner = learner_in(class_env, made.code)
        class_env.submit(made.code, learner, "rlhf", "vote", [(settings_["chosen"], settings_)])
    at = _room(made.code, "Class feedback (RLHF)")
    assert [m.value for m in at.metric[:3]] == ["3", "3", "1"]
    row = at.dataframe[0].value.iloc[0]
    assert (row["answer A"], row["votes A"], row["answer B"], row["votes B"]) == ("Hi!", 2, "Hello there, friend.", 1)


def test_the_gallery_shows_pictures_with_their_prompt_and_link(app_env, class_env):
    from PIL import Image

    from genai_demo.ui.classroom.sharing import gallery_png

    made, _ = class_with_teacher(class_env)
    learner = learner_in(class_env, made.code)
    class_env.submit(made.code, learner, "image_generation", "picture",
                     [("a red boat", {"seed": 5, "link": "/image_generation?image_generation_seed=5"})],
                     data=gallery_png(Image.new("RGB", (64, 64), "red")))
    at = _room(made.code, "Gallery")
    assert len(at.get("image")) == 2  # the join QR code and the one picture
    shown = shown_lines(at.markdown)
    assert "a red boat" in shown and "(/image_generation?image_generation_seed=5)" in shown
