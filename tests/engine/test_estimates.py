"""genai_demo.engine.estimates: a model's size known before loading (a local folder or the Hub cache), and
the budget check that refuses a model that can never fit."""

from __future__ import annotations

import pytest

from genai_demo.config import settings
from genai_demo.engine import kinds
from genai_demo.engine.errors import ModelUnavailable
from genai_demo.engine.estimates import estimate_bytes
from genai_demo.engine.loader import load_model
from genai_demo.engine.sizes import folder_parameters, loaded_bytes


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
def test_the_memory_budget_refuses_a_model_that_does_not_fit(monkeypatch, tiny_gpt2_dir):
    monkeypatch.setenv("GENAI_MEMORY_BUDGET_GB", "0.000001")
    with pytest.raises(ModelUnavailable, match="does not fit"):
        load_model(kinds.TEXT, str(tiny_gpt2_dir))


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
def test_the_memory_budget_also_applies_to_models_in_the_hub_cache(monkeypatch, tmp_path, tiny_gpt2_dir):
    """A downloaded Hub model (as `prefetch` leaves it) is measured in the cache, like a local folder."""
    import shutil

    from huggingface_hub import constants

    snapshot = tmp_path / "models--someone--tiny-gpt2" / "snapshots" / "0123456789abcdef"
    shutil.copytree(tiny_gpt2_dir, snapshot)
    (tmp_path / "models--someone--tiny-gpt2" / "refs").mkdir()
    (tmp_path / "models--someone--tiny-gpt2" / "refs" / "main").write_text("0123456789abcdef")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    assert load_model(kinds.TEXT, "someone/tiny-gpt2").context_window == 1024  # found in the cache
    monkeypatch.setenv("GENAI_MEMORY_BUDGET_GB", "0.000001")
    settings.cache_clear()
    with pytest.raises(ModelUnavailable, match="does not fit"):
        load_model(kinds.TEXT, "someone/tiny-gpt2")


def test_size_is_read_before_loading_and_matches_the_loaded_model(tiny_gpt2_dir, tiny_sd_dir):
    expected = estimate_bytes(kinds.TEXT, str(tiny_gpt2_dir))
    lm = load_model(kinds.TEXT, str(tiny_gpt2_dir))
    assert expected == loaded_bytes(lm) == 4 * sum(p.numel() for p in lm.model.parameters())
    pipeline = load_model(kinds.IMAGE, str(tiny_sd_dir))
    parts = [pipeline.pipeline.unet, pipeline.pipeline.vae, pipeline.pipeline.text_encoder]
    assert folder_parameters(tiny_sd_dir) == sum(p.numel() for part in parts for p in part.parameters())
