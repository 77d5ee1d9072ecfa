"""Half-size weight copies: the same numbers as converting while loading, written once, mapped in place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from genai_demo.engine.low_precision import low_precision_folder


def _stored_dtypes(path: Path) -> set[str]:
    """The dtypes a safetensors file's header lists."""
    with path.open("rb") as file:
        header = json.loads(file.read(int.from_bytes(file.read(8), "little")))
    return {info["dtype"] for name, info in header.items() if name != "__metadata__"}


def test_the_copy_of_real_minilm_loads_to_exactly_the_numbers_of_converting_while_loading(minilm_dir, tmp_path):
    from transformers import AutoModel

    copy = low_precision_folder(minilm_dir, torch.bfloat16, root=tmp_path)
    assert copy != minilm_dir and _stored_dtypes(copy / "model.safetensors") == {"BF16", "I64"}  # I64: positions
    assert (copy / "model.safetensors").stat().st_size < 0.55 * (minilm_dir / "model.safetensors").stat().st_size
    converted = AutoModel.from_pretrained(minilm_dir, dtype=torch.bfloat16).state_dict()
    mapped = AutoModel.from_pretrained(copy, dtype=torch.bfloat16).state_dict()
    assert converted.keys() == mapped.keys()
    assert all(torch.equal(converted[name], mapped[name]) for name in converted)


def test_the_copy_is_written_once_and_again_when_the_model_changes(tiny_gpt2_dir, tmp_path):
    source = tmp_path / "model"
    shutil.copytree(tiny_gpt2_dir, source)
    first = low_precision_folder(source, torch.bfloat16, root=tmp_path / "copies")
    written = (first / "model.safetensors").stat().st_mtime_ns
    assert low_precision_folder(source, torch.bfloat16, root=tmp_path / "copies") == first
    assert (first / "model.safetensors").stat().st_mtime_ns == written  # not written again
    assert low_precision_folder(first, torch.bfloat16, root=tmp_path / "copies") == first  # already bfloat16
    (source / "model.safetensors").write_bytes((tiny_gpt2_dir / "model.safetensors").read_bytes())  # re-saved
    second = low_precision_folder(source, torch.bfloat16, root=tmp_path / "copies")
    assert second != first and second.is_dir()
    assert not first.exists()  # the old files' copy is removed: one copy per model on disk


def test_a_cache_that_cannot_be_written_loads_the_original_files(tiny_gpt2_dir, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert low_precision_folder(tiny_gpt2_dir, torch.bfloat16, root=blocked / "copies") == tiny_gpt2_dir


def test_a_copy_that_fails_halfway_loads_the_original_files_and_leaves_nothing_behind(tiny_gpt2_dir, tmp_path,
                                                                                        monkeypatch):
    import safetensors.torch

    def disk_full(*args, **kwargs):
        raise safetensors.SafetensorError("Error while serializing: I/O error: No space left on device")

    monkeypatch.setattr(safetensors.torch, "save_file", disk_full)
    assert low_precision_folder(tiny_gpt2_dir, torch.bfloat16, root=tmp_path / "copies") == tiny_gpt2_dir
    assert list((tmp_path / "copies").iterdir()) == []


@pytest.fixture
def bfloat16_images(monkeypatch, tmp_path):
    from genai_demo.config import settings

    monkeypatch.setenv("GENAI_DTYPE", "bfloat16")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    settings.cache_clear()
    yield tmp_path / "hf-home"
    settings.cache_clear()


def test_the_image_pipeline_maps_its_half_size_copy_and_draws_the_same_picture(tiny_sd_dir, bfloat16_images):
    import psutil
    from diffusers import StableDiffusionPipeline

    from genai_demo.engine import kinds
    from genai_demo.engine.bundles import ImagePipeline
    from genai_demo.engine.loader import load_model
    from genai_demo.images import diffusion

    bundle = load_model(kinds.IMAGE, str(tiny_sd_dir))
    mapped = {Path(region.path) for region in psutil.Process().memory_maps()}
    copies = list(bfloat16_images.rglob("unet/diffusion_pytorch_model.safetensors"))
    assert len(copies) == 1 and copies[0] in mapped  # the UNet's weights are the copy's pages
    assert tiny_sd_dir / "unet" / "diffusion_pytorch_model.safetensors" not in mapped

    request = diffusion.check_settings(diffusion.ImageSettings("a lighthouse", steps=2, seed=3, width=64, height=64),
                                    diffusion.model_profile(bundle))
    picture = diffusion.generate_image(bundle, request, previews=False).image
    # The same pipeline converted in memory from the float32 files, as before the copies.
    converted = StableDiffusionPipeline.from_pretrained(tiny_sd_dir, dtype=torch.bfloat16, safety_checker=None,
                                                        requires_safety_checker=False)
    converted.set_progress_bar_config(disable=True)
    before = ImagePipeline(bundle.model_id, converted, "cpu", torch.bfloat16)
    again = diffusion.generate_image(before, request, previews=False).image
    assert np.array_equal(np.asarray(again), np.asarray(picture))


def _cache_safety_checker(cache: Path) -> None:
    """A tiny random safety checker where the Hub cache keeps CompVis/stable-diffusion-safety-checker."""
    from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
    from transformers import CLIPConfig, CLIPImageProcessor

    from genai_demo.config import SAFETY_CHECKER_MODEL

    repo = cache / ("models--" + SAFETY_CHECKER_MODEL.replace("/", "--"))
    snapshot = repo / "snapshots" / ("0" * 40)
    vision = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4, patch_size=8,
                  image_size=32)
    torch.manual_seed(0)
    StableDiffusionSafetyChecker(CLIPConfig(vision_config=vision, projection_dim=16)).save_pretrained(snapshot)
    CLIPImageProcessor(crop_size=32, size={"shortest_edge": 32}).save_pretrained(snapshot)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)


def test_public_mode_maps_the_safety_checkers_half_size_copy_too(tiny_sd_dir, bfloat16_images, monkeypatch):
    import psutil

    from genai_demo.config import settings
    from genai_demo.engine import kinds
    from genai_demo.engine.loader import load_model
    from genai_demo.images import diffusion

    cache = bfloat16_images.parent / "hub-cache"
    _cache_safety_checker(cache)
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))  # read when the library was imported
    monkeypatch.setenv("GENAI_PUBLIC", "1")
    settings.cache_clear()
    bundle = load_model(kinds.IMAGE, str(tiny_sd_dir))
    assert bundle.pipeline.safety_checker is not None
    mapped = {Path(region.path) for region in psutil.Process().memory_maps()}
    copies = list(bfloat16_images.rglob("models--CompVis--*/model.safetensors"))
    assert len(copies) == 1 and copies[0] in mapped
    request = diffusion.check_settings(diffusion.ImageSettings("a lighthouse", steps=1, width=64, height=64),
                                    diffusion.model_profile(bundle))
    assert diffusion.generate_image(bundle, request, previews=False).image.size == (64, 64)  # checked, and drawn
