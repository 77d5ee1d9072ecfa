"""genai_demo.engine.sizes: which weight files each component of a pipeline loads (the half-size ones on a
GPU)."""

from __future__ import annotations

from genai_demo.engine.sizes import weight_files
from tests.helpers import SD15_FILES


def test_one_set_of_weights_per_component_and_the_half_size_files_on_a_gpu():
    full = weight_files(SD15_FILES, fp16_variant=False)
    half = weight_files(SD15_FILES, fp16_variant=True)
    assert full == ["safety_checker/model.safetensors", "text_encoder/model.safetensors",
                    "unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors"]
    assert half == ["safety_checker/model.safetensors", "text_encoder/model.fp16.safetensors",
                    "unet/diffusion_pytorch_model.fp16.safetensors", "vae/diffusion_pytorch_model.fp16.safetensors"]
    assert weight_files(["config.json", "model.safetensors"], fp16_variant=True) == ["model.safetensors"]
