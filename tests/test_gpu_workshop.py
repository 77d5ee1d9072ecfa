"""An offline workshop on a GPU machine, with the device choice faked to CUDA: the tokenizer page asks for
the image model that machine uses (the one `prefetch` downloaded there), and `prefetch` downloads the
half-size fp16 weight files the GPU loader reads."""

from __future__ import annotations

import shutil

import pytest

from genai_demo import cli
from genai_demo.config import DEFAULT_IMAGE_MODEL_CPU, DEFAULT_IMAGE_MODEL_GPU
from genai_demo.engine import device, kinds
from tests.conftest import reset_app_state, run_page
from tests.test_budget import SD15_FILES


@pytest.fixture
def gpu_machine(monkeypatch):
    monkeypatch.setattr(device, "resolve_device", lambda: "cuda")  # the sidebar still says CPU


@pytest.fixture
def cache_with_the_gpu_image_tokenizer(app_env, tmp_path, tiny_sd_dir):
    """The Hub cache as `prefetch` leaves it on a GPU machine: the SD 1.5 pipeline (a tiny one standing in
    for it, with the real CLIP tokenizer), and no sd-turbo."""
    from huggingface_hub import constants

    repo = tmp_path / ("models--" + DEFAULT_IMAGE_MODEL_GPU.replace("/", "--"))
    shutil.copytree(tiny_sd_dir, repo / "snapshots" / "abc123")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    app_env.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    app_env.delenv("GENAI_IMAGE_MODEL")
    reset_app_state()


def test_tokenizer_page_on_a_gpu_reads_the_gpu_image_models_tokenizer(cache_with_the_gpu_image_tokenizer, gpu_machine):
    at = run_page("tokenizer.py")
    assert not at.exception
    assert not at.error  # every column found its tokenizer offline
    assert len([m for m in at.metric if m.label == "Tokens"]) == 1 + 3


def test_tokenizer_page_on_a_cpu_asks_for_the_cpu_image_model(cache_with_the_gpu_image_tokenizer):
    at = run_page("tokenizer.py")
    assert not at.exception
    reasons = " ".join(m.value for m in [*at.markdown, *at.caption])  # a narrow column shows the reason as a caption
    assert DEFAULT_IMAGE_MODEL_CPU in reasons  # the CPU default is not in this cache


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
