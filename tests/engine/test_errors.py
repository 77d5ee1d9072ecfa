"""genai_demo.engine.errors: a missing, pickle-only, corrupt or not-downloaded model is explained in plain
words, with the command that fixes it."""

from __future__ import annotations

import pytest

from genai_demo.engine import kinds
from genai_demo.engine.errors import ModelUnavailable
from genai_demo.engine.loader import load_model


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
def test_a_nonexistent_folder_gives_a_plain_message(tmp_path):
    with pytest.raises(ModelUnavailable) as caught:
        load_model(kinds.TEXT, str(tmp_path / "no-such-model"))
    assert "does not exist" in caught.value.title
    assert "python -m genai_demo prefetch text" in caught.value.fix


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
def test_a_pickle_only_folder_is_refused(pickle_only_dir):
    with pytest.raises(ModelUnavailable) as caught:
        load_model(kinds.TEXT, str(pickle_only_dir))
    assert "safetensors" in caught.value.title
    assert "pickle" in caught.value.reason


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
def test_a_corrupt_folder_is_explained(tmp_path, tiny_gpt2_dir):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((tiny_gpt2_dir / "config.json").read_text())
    (broken / "model.safetensors").write_bytes(b"not really safetensors")
    with pytest.raises(ModelUnavailable) as caught:
        load_model(kinds.TEXT, str(broken))
    assert "could not be loaded" in caught.value.title


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
def test_a_hub_model_that_is_not_downloaded_offline_names_the_prefetch_command(missing_models_env):
    for record, kind in [(kinds.TEXT, "text"), (kinds.EMBED, "embed"), (kinds.CHAT, "chat"), (kinds.IMAGE, "image")]:
        with pytest.raises(ModelUnavailable) as caught:
            load_model(record)
        assert "not downloaded" in caught.value.title
        assert f"python -m genai_demo prefetch {kind}" in caught.value.fix


def test_a_sound_model_missing_offline_names_the_prefetch_audio_command(missing_models_env):
    for kind in (kinds.TTS, kinds.MUSIC):
        with pytest.raises(ModelUnavailable) as caught:
            load_model(kind)
        assert "python -m genai_demo prefetch audio" in caught.value.fix
