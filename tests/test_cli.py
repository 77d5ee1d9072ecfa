"""The command line, `python -m genai_demo doctor` and `prefetch`: offline, local folders, the audio group,
and on a GPU machine (the device choice faked to CUDA) the half-size fp16 image weights its loader reads."""

from __future__ import annotations

import subprocess
import sys

import pytest

from genai_demo import cli
from genai_demo.config import DEFAULT_IMAGE_MODEL_GPU, settings
from genai_demo.engine import kinds
from genai_demo.engine.fast_linear import onednn_works, packs_weights
from tests.conftest import ROOT
from tests.helpers import SD15_FILES
from tests.helpers import clean_env as _clean_env


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "genai_demo", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, env={**_clean_env(), "HF_HUB_OFFLINE": "1", **(env or {})})


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
def test_doctor_reports_device_versions_and_which_models_are_missing(tmp_path, tiny_gpt2_dir):
    result = _cli("doctor", env={"GENAI_TEXT_MODEL": str(tiny_gpt2_dir), "HF_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "torch" in result.stdout and "device        CPU" in result.stdout
    assert f"model text    {tiny_gpt2_dir}: local folder" in result.stdout
    assert "model embed   sentence-transformers/all-MiniLM-L6-v2: NOT DOWNLOADED" in result.stdout
    assert ("products      oneDNN's for float32 text" in result.stdout) == onednn_works()
    assert ("weights packed in its order" in result.stdout) == (onednn_works() and packs_weights())


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
def test_prefetch_skips_local_folders_and_fails_clearly_offline(tmp_path, tiny_gpt2_dir):
    local = _cli("prefetch", "text", env={"GENAI_TEXT_MODEL": str(tiny_gpt2_dir)})
    assert local.returncode == 0 and "nothing to download" in local.stdout
    offline = _cli("prefetch", "embed", env={"HF_HOME": str(tmp_path)})
    assert offline.returncode == 1
    assert "FAILED" in offline.stderr and "could not be downloaded" in offline.stderr
    bad = _cli("prefetch", "everything")
    assert bad.returncode == 2 and "unknown model kind" in bad.stderr


def test_prefetch_audio_names_both_sound_models(sound_env, capsys):
    assert cli.main(["prefetch", "audio"]) == 0
    printed = capsys.readouterr().out
    assert f"[tts] {settings().tts_model}: a local folder" in printed
    assert f"[music] {settings().music_model}: a local folder" in printed
    assert "[text]" not in printed


# --- an offline workshop on a GPU machine: `prefetch` fetches the half-size weights the GPU loader reads ---


def test_prefetch_on_a_gpu_downloads_the_fp16_image_weights(gpu_machine):
    patterns = cli.download_patterns(kinds.IMAGE, DEFAULT_IMAGE_MODEL_GPU, SD15_FILES)
    assert "unet/diffusion_pytorch_model.fp16.safetensors" in patterns
    assert "unet/diffusion_pytorch_model.safetensors" not in patterns
    assert "text_encoder/model.fp16.safetensors" in patterns and "*/*.json" in patterns
    assert not [p for p in patterns if "non_ema" in p or p.startswith("v1-5-pruned")]
    assert cli.configured_models()["image"] == DEFAULT_IMAGE_MODEL_GPU


def test_prefetch_on_a_cpu_downloads_the_full_precision_image_weights():
    patterns = cli.download_patterns(kinds.IMAGE, DEFAULT_IMAGE_MODEL_GPU, SD15_FILES)
    assert "unet/diffusion_pytorch_model.safetensors" in patterns
    assert not [p for p in patterns if ".fp16." in p]


def test_prefetch_asks_the_hub_for_exactly_those_files(gpu_machine, monkeypatch):
    """The download itself, with the Hub's two calls answered here (tests never reach the network)."""
    import huggingface_hub

    asked = {}
    monkeypatch.setattr(huggingface_hub.HfApi, "list_repo_files", lambda self, repo_id: SD15_FILES)
    monkeypatch.setattr(huggingface_hub, "snapshot_download",
                        lambda repo_id, allow_patterns: asked.setdefault(repo_id, allow_patterns) and "/cache")
    assert cli.prefetch(["image"]) == 0
    assert asked[DEFAULT_IMAGE_MODEL_GPU] == cli.download_patterns(kinds.IMAGE, DEFAULT_IMAGE_MODEL_GPU, SD15_FILES)
