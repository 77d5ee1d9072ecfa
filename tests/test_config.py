"""genai_demo.config: settings read from the environment, plain errors for bad values, and local model
folders named by their name only."""

from __future__ import annotations

import pytest

from genai_demo.config import FULL_LIMITS, PUBLIC_LIMITS, settings
from tests.conftest import reset_app_state, run_page
from tests.helpers import MUSIC, SPEECH
from tests.helpers import shown_text as texts


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
def test_settings_read_model_ids_and_local_folders_from_the_environment(monkeypatch, tiny_gpt2_dir):
    monkeypatch.chdir(tiny_gpt2_dir.parent)
    monkeypatch.setenv("GENAI_TEXT_MODEL", tiny_gpt2_dir.name)  # a relative folder works like an id
    monkeypatch.setenv("GENAI_EMBED_MODEL", "someone/some-embedder")
    monkeypatch.setenv("GENAI_PUBLIC", "1")
    config = settings()
    assert config.text_model == str(tiny_gpt2_dir)
    assert config.embed_model == "someone/some-embedder"
    assert config.public and config.limits == PUBLIC_LIMITS
    assert config.offline  # the test session runs with HF_HUB_OFFLINE=1


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
def test_default_image_model_depends_on_the_device(monkeypatch):
    monkeypatch.delenv("GENAI_IMAGE_MODEL", raising=False)
    config = settings()
    assert config.limits == FULL_LIMITS
    assert config.image_model_for("cuda") != config.image_model_for("cpu")
    monkeypatch.setenv("GENAI_IMAGE_MODEL", "my/pipeline")
    settings.cache_clear()
    assert settings().image_model_for("cuda") == settings().image_model_for("cpu") == "my/pipeline"


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
@pytest.mark.parametrize("name, value", [("GENAI_DEVICE", "tpu"), ("GENAI_DTYPE", "int3")])
def test_unknown_device_or_dtype_is_a_clear_error(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        settings()


def test_model_ids_come_from_the_environment(monkeypatch, tiny_vits_dir):
    monkeypatch.setenv("GENAI_TTS_MODEL", str(tiny_vits_dir))
    monkeypatch.setenv("GENAI_MUSIC_MODEL", "someone/another-musicgen")
    reset_app_state()
    try:
        assert settings().tts_model == str(tiny_vits_dir)
        assert settings().music_model == "someone/another-musicgen"
    finally:
        reset_app_state()


@pytest.mark.parametrize("page, folder", [(SPEECH, "tiny_vits_dir"), (MUSIC, "tiny_musicgen_dir")])
def test_a_local_model_is_named_by_its_folder_never_by_the_servers_path(sound_env, page, folder, request):
    model_folder = request.getfixturevalue(folder)
    at = run_page(f"{page}.py")
    shown = texts(at.caption, at.markdown, at.info)
    assert f"`{model_folder.name}`" in shown
    assert str(model_folder.parent) not in shown
