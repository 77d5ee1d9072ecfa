"""genai_demo.engine.cpu_threads: while the engine steps, its thread runs small operations on one of torch's
threads and products on all of them; other threads keep theirs, and the numbers do not change."""

from __future__ import annotations

import threading

import pytest
import torch

from genai_demo.engine.cpu_threads import all_threads, per_thread_counts, small_work_alone
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.text.generation import generate

FULL = torch.get_num_threads()
pytestmark = pytest.mark.skipif(not per_thread_counts(), reason="one CPU thread, or an OpenMP runtime this "
                                "process cannot reach (not Linux or macOS)")


def in_a_thread(work):
    out: list = []
    thread = threading.Thread(target=lambda: out.append(work()))
    thread.start()
    thread.join(timeout=60)
    return out[0]


def test_small_work_runs_on_one_thread_products_on_all_and_other_threads_keep_theirs():
    inside, released = threading.Event(), threading.Event()

    def engine_thread() -> list[int]:
        counts = []
        with small_work_alone():
            counts.append(torch.get_num_threads())
            with all_threads():
                counts.append(torch.get_num_threads())
            counts.append(torch.get_num_threads())
            inside.set()
            released.wait(timeout=60)
        counts.append(torch.get_num_threads())
        return counts

    worker = threading.Thread(target=lambda: counts.extend(engine_thread()))
    counts: list[int] = []
    worker.start()
    assert inside.wait(timeout=60)
    others = [torch.get_num_threads(), in_a_thread(torch.get_num_threads)]  # this thread, and one started now
    released.set()
    worker.join(timeout=60)
    assert counts == [1, FULL, 1, FULL]
    assert others == [FULL, FULL]


def test_outside_small_work_all_threads_changes_nothing():
    with all_threads():
        assert torch.get_num_threads() == FULL
    assert torch.get_num_threads() == FULL


def test_the_engine_steps_with_small_work_alone_and_products_on_every_thread(lm, monkeypatch):
    small, products = [], []
    norm = lm.model.transformer.ln_f
    hook = norm.register_forward_hook(lambda *_: small.append(torch.get_num_threads()))
    product = torch.ops.mkldnn._linear_pointwise

    def counted(*args):
        products.append(torch.get_num_threads())
        return product(*args)

    monkeypatch.setattr(torch.ops.mkldnn, "_linear_pointwise", counted)
    try:
        knobs = SamplingSettings(temperature=1.0, top_k=20, max_new_tokens=6, seed=3)
        update = list(generate(lm, "The moon is", [knobs, knobs]))[-1]
    finally:
        hook.remove()
    assert all(len(ids) == 6 for ids in update.token_ids)
    assert small and set(small) == {1}
    assert products and set(products) == {FULL}
    assert torch.get_num_threads() == FULL  # the session's own thread


@pytest.mark.parametrize("model", ["lm", "smollm2"])
def test_logits_are_the_same_bit_for_bit_with_small_work_alone(model, request):
    """On the real SmolLM2 too: a prompt read at once, then one more token, as the engine's passes do."""
    text_model = request.getfixturevalue(model)
    ids = text_model.tokenizer("Photosynthesis is the process by which plants")["input_ids"]

    def logits() -> torch.Tensor:
        with torch.inference_mode():
            first = text_model.model(input_ids=torch.tensor([ids]), use_cache=True)
            step = text_model.model(input_ids=torch.tensor([[int(first.logits[0, -1].argmax())]]),
                                    past_key_values=first.past_key_values, use_cache=True)
            return torch.cat([first.logits[0], step.logits[0]])

    def alone() -> torch.Tensor:
        with small_work_alone():
            return logits()

    assert torch.equal(in_a_thread(alone), in_a_thread(logits))
