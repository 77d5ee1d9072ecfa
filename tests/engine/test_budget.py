"""The memory budget: least-recently-used unloading, models in use kept, waiting, room kept for a picture,
the process's real memory. Tiny real models and a tiny budget."""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass

import pytest
import torch

from genai_demo.engine import kinds
from genai_demo.engine.budget import MemoryBudget, NoRoom, reset_shared_budget
from genai_demo.engine.errors import ModelUnavailable
from genai_demo.engine.estimates import estimate_bytes, room_to_load
from genai_demo.engine.queue import TurnQueue
from genai_demo.engine.shared import loaded_model, shared_model

KB = 1000


@dataclass
class Bundle:
    """A model bundle as the loaders make them: a torch module, and a turn queue for its runs."""

    model: torch.nn.Module
    queue: TurnQueue


def bundle(kilobytes: int) -> Bundle:
    return Bundle(torch.nn.Linear(kilobytes * KB // 4, 1, bias=False), TurnQueue())  # float32: 4 bytes a number


def ask(budget: MemoryBudget, name: str, kilobytes: int, holder=None, on_wait=None):
    return budget.get(name, name, lambda: bundle(kilobytes), lambda: kilobytes * KB, holder, on_wait)


def names(budget: MemoryBudget) -> list[str]:
    return [model.name for model in budget.loaded()]


def test_the_least_recently_used_idle_model_is_unloaded_to_make_room():
    budget = MemoryBudget(limit=100 * KB)
    ask(budget, "a", 40)
    ask(budget, "b", 40)
    ask(budget, "a", 40)  # a used again: b is now the oldest
    ask(budget, "c", 40)
    assert names(budget) == ["c", "a"]
    assert budget.used() <= 100 * KB and budget.unloads == 1


def test_a_model_that_can_never_fit_is_refused_before_loading():
    budget = MemoryBudget(limit=100 * KB, overhead=30 * KB)
    loads = []
    with pytest.raises(NoRoom) as caught:
        budget.get("big", "big", lambda: loads.append(1), lambda: 80 * KB)
    assert not loads and not caught.value.ever


def test_a_model_a_session_is_on_is_kept_and_the_newcomer_waits_then_gives_up():
    budget = MemoryBudget(limit=100 * KB, wait_s=0.6)
    ask(budget, "a", 60, holder=("learner 1", "text page"))
    waits = []
    with pytest.raises(NoRoom) as caught:
        ask(budget, "b", 60, holder=("learner 2", "image page"), on_wait=lambda s, busy: waits.append(busy))
    assert caught.value.busy == ["a"] and waits and waits[0] == ["a"]
    assert names(budget) == ["a"]


def test_a_session_that_moves_to_another_page_lets_its_old_model_go():
    budget = MemoryBudget(limit=100 * KB, wait_s=0)
    ask(budget, "a", 60, holder=("learner", "text page"))
    ask(budget, "b", 60, holder=("learner", "image page"))
    assert names(budget) == ["b"]


def test_a_waiting_request_loads_as_soon_as_the_busy_model_is_free():
    budget = MemoryBudget(limit=100 * KB)
    queue = ask(budget, "a", 60).queue  # the queue only: a reference to the model would keep its memory
    waiting, loaded = threading.Event(), []

    def newcomer() -> None:
        loaded.append(ask(budget, "b", 60, on_wait=lambda s, models: waiting.set()))

    with queue.turn():  # a picture is being drawn with "a"
        thread = threading.Thread(target=newcomer)
        thread.start()
        assert waiting.wait(30)
        assert names(budget) == ["a"]
    thread.join(30)
    assert loaded and names(budget) == ["b"]


def test_an_unloaded_bundle_lets_its_weights_go_even_if_something_still_holds_it():
    """A page's variables outlive its run; weights something else shares are reported until they go."""
    budget = MemoryBudget(limit=100 * KB, wait_s=0)
    stale_page_variable = ask(budget, "a", 60)
    weights = ask(budget, "b", 40).model  # e.g. a fine-tuned copy built on b's weights
    ask(budget, "c", 90)
    assert names(budget) == ["c"] and stale_page_variable.model is None
    assert budget.held_elsewhere() == 40 * KB
    del weights
    gc.collect()
    assert budget.held_elsewhere() == 0


# --- room for a picture, and the process's real memory ------------------------------------------


def test_loading_the_image_model_makes_room_for_a_picture_not_only_its_weights(app_env, tiny_gpt2_dir, tiny_sd_dir):
    """The text model fits beside the image model's weights, but not beside what drawing then needs too."""
    text_bytes = estimate_bytes(kinds.TEXT, str(tiny_gpt2_dir))
    weights, room = estimate_bytes(kinds.IMAGE, str(tiny_sd_dir)), room_to_load(kinds.IMAGE, str(tiny_sd_dir))
    assert room > weights
    assert text_bytes // 2 < room - weights  # so text + weights fit in the limit below, text + room do not
    reset_shared_budget(MemoryBudget(limit=room + text_bytes // 2, wait_s=0.5))
    try:
        shared_model(kinds.TEXT, str(tiny_gpt2_dir))
        shared_model(kinds.IMAGE, str(tiny_sd_dir))
        assert loaded_model(kinds.TEXT, str(tiny_gpt2_dir)) is None
        assert loaded_model(kinds.IMAGE, str(tiny_sd_dir)) is not None
    finally:
        reset_shared_budget()


def test_the_room_for_a_picture_stays_reserved_while_the_image_model_is_loaded(app_env, tiny_gpt2_dir, tiny_sd_dir):
    """A learner on the image page holds its model; a text model that would fit beside the weights alone
    must not take the room the next picture needs."""
    text_bytes = estimate_bytes(kinds.TEXT, str(tiny_gpt2_dir))
    room = room_to_load(kinds.IMAGE, str(tiny_sd_dir))
    reset_shared_budget(MemoryBudget(limit=room + text_bytes // 2, wait_s=0.3))
    try:
        shared_model(kinds.IMAGE, str(tiny_sd_dir), holder=("drawing learner", "image page"))
        with pytest.raises(ModelUnavailable):
            shared_model(kinds.TEXT, str(tiny_gpt2_dir), holder=("writing learner", "text page"))
        assert loaded_model(kinds.IMAGE, str(tiny_sd_dir)) is not None
        assert loaded_model(kinds.TEXT, str(tiny_gpt2_dir)) is None
    finally:
        reset_shared_budget()


def test_memory_no_model_accounts_for_counts_too():
    """The process's real memory decides when it is larger than the count (libraries, caches, activations)."""
    other = {"bytes": 0}
    budget = MemoryBudget(limit=100 * KB, wait_s=0)
    budget._measure = lambda: other["bytes"] + budget.used()  # the models, and whatever else the process holds
    ask(budget, "a", 40)
    other["bytes"] = 30 * KB  # something else grew: a and b together no longer fit
    ask(budget, "b", 40)
    assert names(budget) == ["b"]


def test_when_the_process_itself_leaves_too_little_room_the_model_is_refused_at_once_not_after_a_wait():
    """Nothing loaded, nobody to wait for: the process's own memory (freed but still held, libraries) is what
    leaves too little room. The learner is told it does not fit (it said "waiting for memory, taken by models
    other learners are using" for a minute, with no model loaded)."""
    budget = MemoryBudget(limit=100 * KB, wait_s=30)
    budget._measure = lambda: 50 * KB + budget.used()  # the process holds 50 KB beyond any model
    waits = []
    with pytest.raises(NoRoom) as caught:
        ask(budget, "big", 60, on_wait=lambda s, busy: waits.append(busy))
    assert not caught.value.ever and not waits and names(budget) == []
