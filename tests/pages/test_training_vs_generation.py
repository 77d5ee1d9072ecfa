"""AppTest for the Training vs generation page: train, write, reproduce a run from a link, bad values
and texts."""

import pytest

from tests.conftest import run_page
from tests.helpers import shown_lines as _texts

# Every test here starts and ends with fresh settings, budget and caches.
pytestmark = pytest.mark.usefixtures("fresh_settings")

TVG = "training_vs_generation.py"


def test_training_vs_generation_trains_and_writes():
    at = run_page(TVG)
    assert not at.exception and "Press **Train**" in _texts(at.info)
    at.slider(key="training_vs_generation_steps").set_value(200).run()
    at.button(key="training_vs_generation_train").click().run()
    assert not at.exception
    stages = [m.value for m in at.markdown if m.value.startswith("**After")]
    loss_at = {int(s.split()[1]): float(s.split("**")[-2]) for s in stages}
    assert sorted(loss_at) == [0, 50, 200]
    assert loss_at[200] < loss_at[50] < loss_at[0]
    before = len(at.code)
    at.button(key="training_vs_generation_write").click().run()
    prompt = at.text_input(key="training_vs_generation_prompt").value
    assert len(at.code) == before + 1 and at.code[-1].value.startswith(prompt)
    assert "last 8 characters" in _texts(at.markdown)  # the fixed window, named beside the transformer's reach
    assert "how_llms_work_step" in " ".join(str(link.proto) for link in at.get("page_link"))


def test_a_link_reproduces_the_training_run_and_its_samples():
    link = {"training_vs_generation_text": "Nursery rhymes", "training_vs_generation_steps": "60",
            "training_vs_generation_seed": "7", "training_vs_generation_temperature": "0.5"}
    samples = []
    for _ in range(2):
        at = run_page(TVG, link=link)
        assert at.radio(key="training_vs_generation_text").value == "nursery_rhymes"
        assert at.slider(key="training_vs_generation_steps").value == 60
        at.button(key="training_vs_generation_train").click().run()
        assert not at.exception
        samples.append([c.value for c in at.code])
    assert samples[0] == samples[1] and len(samples[0]) == 3  # steps 0, 50 and 60: the same text both times


def test_both_seeds_of_training_vs_generation_take_the_apps_one_range():
    from genai_demo.config import MAX_SEED

    at = run_page(TVG, link={"training_vs_generation_seed": "20000", "training_vs_generation_steps": "10",
                             "training_vs_generation_sample_seed": str(MAX_SEED + 1)})
    assert not at.exception
    assert at.number_input(key="training_vs_generation_seed").value == 20000  # inside the range every seed has
    at.button(key="training_vs_generation_train").click().run()
    assert not at.exception
    assert f"the range is 0 to {MAX_SEED}, so {MAX_SEED} is used" in _texts(at.toast)


def test_training_vs_generation_bad_link_values_get_a_notice():
    at = run_page(TVG, link={"training_vs_generation_steps": "-5", "training_vs_generation_text": "Klingon",
                             "training_vs_generation_temperature": "hot"})
    assert not at.exception
    toasts = _texts(at.toast)
    assert "so 10 is used" in toasts and "not one of the options" in toasts and "is not a number" in toasts
    assert at.slider(key="training_vs_generation_steps").value == 10


def test_training_vs_generation_own_text_too_short_is_explained():
    at = run_page(TVG)
    at.radio(key="training_vs_generation_text").set_value("own").run()
    at.text_area(key="training_vs_generation_own_text").set_value("🙂 hi").run()
    assert not at.exception and "at least" in _texts(at.info)
    at.text_area(key="training_vs_generation_own_text").set_value("שלום עולם, 你好世界! " * 10).run()
    at.button(key="training_vs_generation_train").click().run()
    assert not at.exception and any(m.value.startswith("**After") for m in at.markdown)
