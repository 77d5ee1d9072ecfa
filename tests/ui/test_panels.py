"""genai_demo.ui.panels: the one panel every model page shows when its model is missing or broken, with the
command that fetches it, while the rest of the app keeps working."""

from __future__ import annotations

import pytest

from tests.conftest import reset_app_state, run_page
from tests.helpers import MUSIC, SPEECH
from tests.helpers import shown_text as texts

MODEL_PAGES = ["text_generation.py", "how_llms_work.py", "embeddings.py", "chat.py", "image_generation.py",
               "fine_tuning.py"]


def _all_text(at) -> str:
    parts = [e.value for kind in ("markdown", "error", "caption", "code") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
@pytest.mark.parametrize("page", MODEL_PAGES)
def test_model_pages_offline_with_an_empty_cache_show_the_fetch_command(missing_models_env, page):
    at = run_page(page)
    assert not at.exception
    text = _all_text(at)
    assert "not downloaded yet" in text
    assert "python -m genai_demo prefetch" in text
    assert any(code.value.startswith("python -m genai_demo prefetch") for code in at.code)


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
@pytest.mark.parametrize("broken", ["nonexistent", "pickle_only"])
def test_a_bad_text_model_gives_the_same_panel_and_the_rest_of_the_app_works(monkeypatch, tmp_path, pickle_only_dir,
                                                                              broken):
    folder = tmp_path / "missing-model" if broken == "nonexistent" else pickle_only_dir
    monkeypatch.setenv("GENAI_TEXT_MODEL", str(folder))
    reset_app_state()
    at = run_page("text_generation.py")
    assert not at.exception
    expected = "does not exist" if broken == "nonexistent" else "no safetensors weights"
    assert expected in " ".join(e.value for e in at.error)
    for other in ("perceptron.py", "home.py"):
        assert not run_page(other).exception


@pytest.mark.parametrize("page", [f"{SPEECH}.py", f"{MUSIC}.py"])
def test_sound_pages_offline_with_an_empty_cache_show_the_prefetch_audio_command(missing_models_env, page):
    at = run_page(page)
    assert not at.exception
    assert "python -m genai_demo prefetch audio" in texts(at.code)
    assert "not downloaded yet" in texts(at.error)
