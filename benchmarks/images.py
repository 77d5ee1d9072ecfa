"""Does the app's image path (per-request scheduler, step previews) cost speed next to a raw pipeline call?

    python benchmarks/images.py --quick                # the tiny test pipeline, 64 px
    python benchmarks/images.py --full-size --steps 2  # SD 1.5's architecture with random weights, 256 px
    python benchmarks/images.py --model /path/to/pipeline --side 512 --steps 4

Both paths draw the same picture (same model, steps, size, seed, starting noise); runs alternate so
both see the same machine load. Printed: seconds per image for each, and app ÷ raw images/s (goal ≥ 0.9).
With a CUDA GPU the same comparison runs again in float16 and the UNet's it/s is printed.
No download: the full-size UNet, VAE and CLIP text encoder are built from their configs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from genai_demo.config import settings  # noqa: E402
from genai_demo.engine import kinds
from genai_demo.engine.bundles import ImagePipeline
from genai_demo.engine.device import pick_dtype
from genai_demo.engine.loader import load_model
from genai_demo.images import diffusion

# Stable Diffusion 1.5 (UNet 860M, VAE 84M, CLIP ViT-L/14 text encoder 123M).
SD15_UNET = dict(sample_size=64, in_channels=4, out_channels=4, layers_per_block=2,
                 block_out_channels=(320, 640, 1280, 1280), cross_attention_dim=768, attention_head_dim=8,
                 down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                   "DownBlock2D"),
                 up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"))
SD15_TEXT = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                 num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu")
# Stable Diffusion 2.1 / sd-turbo: a wider-attention UNet and the larger OpenCLIP ViT-H/14 text encoder.
SD21_UNET = {**SD15_UNET, "cross_attention_dim": 1024, "attention_head_dim": (5, 10, 20, 20),
             "use_linear_projection": True}
SD21_TEXT = dict(vocab_size=49408, hidden_size=1024, intermediate_size=4096, num_hidden_layers=23,
                 num_attention_heads=16, max_position_embeddings=77, hidden_act="gelu", projection_dim=512)
SD_VAE = dict(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(128, 256, 512, 512),
              layers_per_block=2, sample_size=512,
              down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4)


def build_components(unet_config: dict, text_config: dict) -> dict:
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    return {"unet": UNet2DConditionModel(**unet_config), "vae": AutoencoderKL(**SD_VAE),
            "text_encoder": CLIPTextModel(CLIPTextConfig(**text_config))}


def parameter_counts(unet_config: dict, text_config: dict) -> dict[str, int]:
    """Parameters per component, counted on the meta device (no memory used)."""
    with torch.device("meta"):
        parts = build_components(unet_config, text_config)
    return {name: sum(p.numel() for p in module.parameters()) for name, module in parts.items()}


def print_memory_estimate(name: str, unet_config: dict, text_config: dict) -> None:
    counts = parameter_counts(unet_config, text_config)
    total = sum(counts.values())
    detail = ", ".join(f"{part} {count / 1e6:.0f}M" for part, count in counts.items())
    print(f"{name}: {total / 1e9:.2f}B parameters ({detail}); weights alone: "
          f"fp32 {total * 4 / 1e9:.2f} GB, bf16/fp16 {total * 2 / 1e9:.2f} GB")


def full_size_bundle(device: str, dtype: torch.dtype, tokenizer_dir: Path) -> ImagePipeline:
    """SD 1.5's architecture with random weights (pictures are noise; the timings are real)."""
    from diffusers import EulerDiscreteScheduler, StableDiffusionPipeline
    from transformers import CLIPTokenizer

    torch.manual_seed(0)
    parts = build_components(SD15_UNET, SD15_TEXT)
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                       num_train_timesteps=1000, steps_offset=1)
    pipe = StableDiffusionPipeline(**parts, tokenizer=CLIPTokenizer.from_pretrained(tokenizer_dir),
                                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.to(device, dtype)
    pipe.set_progress_bar_config(disable=True)
    return ImagePipeline("random weights, SD 1.5 architecture", pipe, device, dtype)


def raw_call(bundle: ImagePipeline, request: diffusion.ImageSettings) -> None:
    """What a diffusers tutorial does: call the shared pipeline directly, no previews."""
    with torch.inference_mode():
        bundle.pipeline(request.prompt, num_inference_steps=request.steps, guidance_scale=request.guidance_scale,
                        width=request.width, height=request.height,
                        latents=diffusion.initial_noise(bundle, request.seed, request.width, request.height),
                        generator=torch.Generator("cpu").manual_seed(request.seed))


def app_call(bundle: ImagePipeline, request: diffusion.ImageSettings) -> None:
    diffusion.generate_image(bundle, request, on_step=lambda preview: None, previews=True)


def synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def compare(bundle: ImagePipeline, request: diffusion.ImageSettings, repeats: int) -> None:
    timings: dict[str, list[float]] = {"raw": [], "app": []}
    calls = {"raw": raw_call, "app": app_call}
    for name in calls:  # warm-up (first calls allocate and pick kernels)
        calls[name](bundle, request)
    for _ in range(repeats):
        for name, call in calls.items():
            synchronize(bundle.device)
            start = time.perf_counter()
            call(bundle, request)
            synchronize(bundle.device)
            timings[name].append(time.perf_counter() - start)
    raw, app = statistics.median(timings["raw"]), statistics.median(timings["app"])
    unet_calls = diffusion.unet_calls(request)
    print(f"  {bundle.model_id} on {bundle.device} {str(bundle.dtype).removeprefix('torch.')}, "
          f"{request.width}x{request.height}, {request.steps} steps, guidance {request.guidance_scale:g}, "
          f"{repeats} runs each (median)")
    print(f"  raw pipeline call : {raw:8.3f} s/image  ({request.steps / raw:6.2f} it/s, {unet_calls} UNet calls)")
    print(f"  app path+previews : {app:8.3f} s/image  ({request.steps / app:6.2f} it/s)")
    print(f"  app ÷ raw images/s: {raw / app:8.3f}  (goal ≥ 0.9)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny pipeline, 64 px, 2 runs")
    parser.add_argument("--full-size", action="store_true", help="SD 1.5 architecture with random weights")
    parser.add_argument("--model", help="a local pipeline folder (or cached Hub id) instead")
    parser.add_argument("--side", type=int, default=None, help="image side in px (default 64 tiny, 256 full)")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--guidance", type=float, default=7.5)
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    repeats = args.repeats or (2 if args.quick or args.full_size else 5)

    with tempfile.TemporaryDirectory() as folder:
        from tests.tiny_models import write_clip_tokenizer, write_tiny_stable_diffusion

        if args.full_size:
            print_memory_estimate("SD 1.5 architecture", SD15_UNET, SD15_TEXT)
            print_memory_estimate("SD 2.1 / sd-turbo architecture", SD21_UNET, SD21_TEXT)
            tokenizer_dir = write_clip_tokenizer(Path(folder) / "clip")
            devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
            for device in devices:
                # A GPU draws the real thing (512 px, 20 steps); the CPU a few steps at a smaller size.
                side, steps = (args.side or 256, args.steps or 2) if device == "cpu" else (512, 20)
                bundle = full_size_bundle(device, pick_dtype(device, "images"), tokenizer_dir)
                request = diffusion.ImageSettings("a lighthouse at dawn", steps=steps, guidance_scale=args.guidance,
                                               seed=0, width=side, height=side)
                compare(bundle, request, repeats)
                del bundle
            return
        model = args.model or str(write_tiny_stable_diffusion(Path(folder) / "tiny-sd"))
        for device in ["cpu"] + (["cuda"] if torch.cuda.is_available() and not args.quick else []):
            os.environ["GENAI_DEVICE"] = device
            settings.cache_clear()
            bundle = load_model(kinds.IMAGE, model)
            profile = diffusion.model_profile(bundle)
            request = diffusion.ImageSettings("a lighthouse at dawn", steps=args.steps or (4 if args.quick else 10),
                                           guidance_scale=args.guidance, seed=0,
                                           width=args.side or profile.default_side,
                                           height=args.side or profile.default_side)
            compare(bundle, diffusion.check_settings(request, profile), repeats)


if __name__ == "__main__":
    main()
