"""genai_demo.engine.shared: the process's one copy of a model; unloading a text model stops its engine."""

from __future__ import annotations

from genai_demo.engine import kinds
from genai_demo.engine.budget import MemoryBudget, reset_shared_budget
from genai_demo.engine.estimates import estimate_bytes
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.engine.shared import loaded_model, shared_model
from genai_demo.text import generation


def test_unloading_a_text_model_stops_its_engine_worker(tiny_gpt2_dir, tiny_chat_dir):
    reset_shared_budget(MemoryBudget(limit=int(1.5 * estimate_bytes(kinds.TEXT, str(tiny_gpt2_dir))), wait_s=0))
    try:
        lm = shared_model(kinds.TEXT, str(tiny_gpt2_dir))
        generation.generate_texts(lm, "Hello", [SamplingSettings(max_new_tokens=3)])
        worker = lm.engine._worker
        assert worker is not None and worker.is_alive()
        del lm  # the page's run is over: nothing holds the model any more
        shared_model(kinds.CHAT, str(tiny_chat_dir))
        assert loaded_model(kinds.TEXT, str(tiny_gpt2_dir)) is None
        assert not worker.is_alive()
    finally:
        reset_shared_budget()
