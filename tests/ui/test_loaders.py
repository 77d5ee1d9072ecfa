"""genai_demo.ui.loaders: the pages' models inside a tiny memory budget, as a learner moves between pages,
waits for memory, or opens the image page."""

from __future__ import annotations

import pytest

from genai_demo.engine import kinds
from genai_demo.engine.budget import MemoryBudget, reset_shared_budget, shared_budget
from genai_demo.engine.bundles import ImagePipeline
from genai_demo.engine.estimates import estimate_bytes, room_to_load
from genai_demo.engine.loader import load_model
from genai_demo.engine.shared import loaded_model
from tests.conftest import reset_app_state, run_page


@pytest.fixture
def tiny_budget(app_env, tiny_gpt2_dir):
    """Room for one tiny text model at a time, beside nothing else."""
    one_model = estimate_bytes(kinds.TEXT, str(tiny_gpt2_dir))
    reset_shared_budget(MemoryBudget(limit=int(1.5 * one_model), wait_s=0.5))
    yield
    reset_app_state()


def test_a_learner_moving_between_pages_unloads_the_model_they_left(tiny_budget, tiny_gpt2_dir, tiny_chat_dir):
    at = run_page("text_generation.py")
    assert not at.exception and not at.error
    assert loaded_model(kinds.TEXT, str(tiny_gpt2_dir)) is not None
    at.switch_page("pages/chat.py").run()
    assert not at.exception and not at.error
    assert loaded_model(kinds.CHAT, str(tiny_chat_dir)) is not None
    assert loaded_model(kinds.TEXT, str(tiny_gpt2_dir)) is None


def test_a_page_whose_model_must_wait_says_so(tiny_budget, tiny_gpt2_dir):
    other_learner = ("another session", "text page")
    shared_budget().get(("held",), "text model `GPT-2` (another learner)",
                               lambda: load_model(kinds.TEXT, str(tiny_gpt2_dir)),
                               lambda: None, other_learner)
    at = run_page("chat.py")
    assert not at.exception
    title = " ".join(e.value for e in at.error)
    reason = " ".join(m.value for m in at.markdown)
    assert "waiting for memory" in title
    assert "other learners are using right now" in reason and "another learner" in reason


def test_image_page_loads_through_the_budget(app_env, tiny_sd_dir):
    reset_shared_budget(MemoryBudget(limit=int(1.2 * room_to_load(kinds.IMAGE, str(tiny_sd_dir))), wait_s=0.5))
    at = run_page("image_generation.py")
    assert not at.exception
    assert isinstance(loaded_model(kinds.IMAGE, str(tiny_sd_dir)), ImagePipeline)
