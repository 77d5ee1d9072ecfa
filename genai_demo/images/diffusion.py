"""Text to image with a Stable Diffusion pipeline, one visible step at a time.

The path of one image, in the order `generate_image` runs it:
1. the prompt becomes CLIP tokens (at most 77) and then a text embedding (77 vectors);
2. a seed becomes the initial noise in the latent grid (the image's size / 8, 4 channels);
3. the UNet removes a little noise per step, steered by the embedding (classifier-free guidance);
   after each step we turn the scheduler's current estimate of the *final* latents into a small RGB
   preview with a 4x3 linear map, which costs nothing next to a UNet call;
4. the VAE decoder turns the final latents into pixels.

The loaded pipeline is shared by every session: each request builds its own pipeline object around
the same weights with a fresh scheduler, because schedulers (and the pipeline's call) keep state.
"""

from __future__ import annotations

import functools
import io
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from genai_demo.config import MAX_SEED, SAFETY_CHECKER_MODEL, public_name, settings
from genai_demo.engine.threads import tokenizer_lock
from genai_demo.text.tokens import TokenPiece, tokenize

if TYPE_CHECKING:
    import numpy as np
    import torch
    from PIL import Image

    from genai_demo.engine.bundles import ImagePipeline

# Label shown to the learner -> diffusers scheduler class.
SCHEDULERS = {
    "Euler": "EulerDiscreteScheduler",
    "Euler ancestral": "EulerAncestralDiscreteScheduler",
    "DDIM": "DDIMScheduler",
    "DPM++ 2M": "DPMSolverMultistepScheduler",
}
# The widely used linear approximation of SD 1.x/2.x latents (4 channels) -> RGB in [-1, 1].
LATENT_RGB_FACTORS = (
    (0.3512, 0.2297, 0.3227),
    (0.3250, 0.4974, 0.2350),
    (-0.2829, 0.1762, 0.2721),
    (-0.2120, -0.2616, -0.7177),
)
CLIP_WINDOW = 77
MIN_SIDE = 64
SIDE_MULTIPLE = 8
MAX_GUIDANCE = 20.0
FEW_STEP_MAX = 4
# Distilled models trained to draw in 1-4 steps, without classifier-free guidance.
FEW_STEP_MARKERS = ("turbo", "lightning", "lcm", "sdxs", "hyper-sd")
GRID_KNOBS = ("seed", "guidance", "steps")
PNG_SETTINGS_KEY = "genai_demo"


class NotEnoughMemory(RuntimeError):
    """The device ran out of memory while drawing; the message says what to try."""


def extra_models_to_prefetch() -> dict[str, str]:
    """Models `python -m genai_demo prefetch` fetches beside the configured image model."""
    return {"safety checker": SAFETY_CHECKER_MODEL} if settings().public else {}


# --- what the loaded model allows ------------------------------------------------------------


@dataclass(frozen=True)
class ModelProfile:
    """What suits an image model: few-step or not, its picture sizes, steps and guidance."""

    model_id: str
    few_step: bool  # a turbo-style model: 1-4 steps, guidance ignored
    default_side: int
    max_side: int
    default_steps: int
    max_steps: int
    default_guidance: float


def is_few_step_model(model_id: str) -> bool:
    """Whether the model id names a few-step (turbo-style) model."""
    name = model_id.lower()
    return any(marker in name for marker in FEW_STEP_MARKERS)


def model_profile(bundle: "ImagePipeline") -> ModelProfile:
    """Sizes, steps and guidance that suit the loaded model, within the server's limits."""
    limits = settings().limits
    pipe = bundle.pipeline
    native_side = int(pipe.unet.config.sample_size) * int(pipe.vae_scale_factor)
    max_side = limits.max_image_side
    default_side = max(MIN_SIDE, min(native_side, max_side))
    few_step = is_few_step_model(bundle.model_id)
    if few_step:
        return ModelProfile(bundle.model_id, True, default_side, max_side, 1,
                            min(FEW_STEP_MAX, limits.max_image_steps), 0.0)
    default_steps = 20 if bundle.device == "cuda" else 12
    return ModelProfile(bundle.model_id, False, default_side, max_side, min(default_steps, limits.max_image_steps),
                        limits.max_image_steps, 7.5)


# --- settings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageSettings:
    """Everything that decides a picture: prompts, steps, guidance, seed, size and scheduler."""

    prompt: str
    negative_prompt: str = ""
    steps: int = 12
    guidance_scale: float = 7.5
    seed: int = 0
    width: int = 512
    height: int = 512
    scheduler: str = "Euler"

    @property
    def uses_guidance(self) -> bool:
        """Classifier-free guidance runs the UNet twice per step; at 1 or below it is switched off."""
        return self.guidance_scale > 1.0


def _check_side(name: str, value: int, profile: ModelProfile) -> None:
    if value < MIN_SIDE:
        raise ValueError(f"{name} {value} px is too small: use at least {MIN_SIDE} px.")
    if value > profile.max_side:
        raise ValueError(f"{name} {value} px is too large: this server allows up to {profile.max_side} px "
                         "(memory and time grow with the number of pixels).")
    if value % SIDE_MULTIPLE:
        lower = value - value % SIDE_MULTIPLE
        raise ValueError(f"{name} {value} px is not a multiple of {SIDE_MULTIPLE}: the VAE shrinks the picture "
                         f"{SIDE_MULTIPLE}x into a grid of latents, so use {max(lower, MIN_SIDE)} or "
                         f"{lower + SIDE_MULTIPLE} px.")


def check_settings(request: ImageSettings, profile: ModelProfile) -> ImageSettings:
    """The request as it will run, or ValueError with a plain message for values that cannot work."""
    prompt = request.prompt.strip()
    if not prompt:
        raise ValueError("The prompt is empty: describe the picture you want, e.g. 'a lighthouse at dawn'.")
    if request.steps < 1:
        raise ValueError(f"{request.steps} steps cannot draw anything: use at least 1 step.")
    if request.steps > profile.max_steps:
        if profile.few_step:
            raise ValueError(f"{request.steps:,} steps is too many: this model was distilled to draw in 1 to "
                             f"{profile.max_steps} steps.")
        raise ValueError(f"{request.steps:,} steps is too many: this server allows up to {profile.max_steps} "
                         "(quality stops improving long before that).")
    _check_side("Width", request.width, profile)
    _check_side("Height", request.height, profile)
    if not 0.0 <= request.guidance_scale <= MAX_GUIDANCE:
        raise ValueError(f"Guidance {request.guidance_scale:g} is outside 0 to {MAX_GUIDANCE:g}.")
    if not 0 <= request.seed <= MAX_SEED:
        raise ValueError(f"The seed must be a whole number from 0 to {MAX_SEED:,}.")
    if request.scheduler not in SCHEDULERS:
        raise ValueError(f"Unknown scheduler {request.scheduler!r}; choose one of {', '.join(SCHEDULERS)}.")
    max_chars = settings().limits.max_prompt_chars
    # A few-step model was trained without guidance: it is switched off, whatever was asked.
    guidance = 0.0 if profile.few_step else request.guidance_scale
    return replace(request, prompt=prompt[:max_chars], negative_prompt=request.negative_prompt.strip()[:max_chars],
                   guidance_scale=guidance)


# --- prompt -> tokens -> embedding -------------------------------------------------------------


@dataclass(frozen=True)
class PromptWindow:
    """The prompt as CLIP reads it: 77 tokens at most, start and end markers included."""

    kept: list[TokenPiece]
    dropped: list[TokenPiece]
    dropped_text: str

    @property
    def was_cut(self) -> bool:
        return bool(self.dropped)


def prompt_window(bundle: "ImagePipeline", prompt: str) -> PromptWindow:
    """Which tokens of the prompt the text encoder sees, and which fall beyond its 77-token window."""
    tokenizer = bundle.pipeline.tokenizer
    window = min(int(getattr(tokenizer, "model_max_length", CLIP_WINDOW)), CLIP_WINDOW)
    pieces = tokenize(tokenizer, prompt, add_special_tokens=True)
    if len(pieces) <= window:
        return PromptWindow(pieces, [], "")
    # The pipeline keeps the first 76 pieces and puts the end marker last.
    kept = pieces[: window - 1] + pieces[-1:]
    dropped = pieces[window - 1 : -1]
    dropped_text = prompt[dropped[0].start:] if dropped[0].start >= 0 else ""
    return PromptWindow(kept, dropped, dropped_text.strip())


@dataclass
class TextEmbedding:
    """The prompt as the UNet reads it: one vector per token position (77 x width)."""

    prompt: "torch.Tensor"
    negative: "torch.Tensor | None"


def encode_prompt(bundle: "ImagePipeline", prompt: str, negative_prompt: str = "",
                  with_negative: bool = True) -> TextEmbedding:
    """Run the CLIP text encoder. The negative prompt (or "") is only needed when guidance is on."""
    pipe = bundle.pipeline
    with tokenizer_lock(pipe.tokenizer), _no_grad():
        embeds, negative = pipe.encode_prompt(prompt, pipe.device, 1, with_negative, negative_prompt or None)
    return TextEmbedding(embeds, negative if with_negative else None)


# --- noise and latents -----------------------------------------------------------------------


def latent_shape(bundle: "ImagePipeline", width: int, height: int) -> tuple[int, int, int, int]:
    """The shape of the latents for a picture of this size: (1, channels, rows, columns)."""
    pipe = bundle.pipeline
    scale = int(pipe.vae_scale_factor)
    return (1, int(pipe.unet.config.in_channels), height // scale, width // scale)


def initial_noise(bundle: "ImagePipeline", seed: int, width: int, height: int) -> "torch.Tensor":
    """The seed's starting noise, drawn on the CPU so a seed gives the same picture on any device."""
    import torch

    generator = torch.Generator("cpu").manual_seed(seed)
    noise = torch.randn(latent_shape(bundle, width, height), generator=generator, dtype=torch.float32)
    return noise.to(bundle.device, bundle.dtype)


def slerp(a: "torch.Tensor", b: "torch.Tensor", t: float) -> "torch.Tensor":
    """Spherical interpolation: in-between noise keeps the length of real noise (a straight line would not)."""
    import torch

    if t <= 0.0 or t >= 1.0:
        return a if t <= 0.0 else b
    a32, b32 = a.float(), b.float()
    cos = torch.sum(a32 * b32) / (a32.norm() * b32.norm())
    angle = torch.acos(cos.clamp(-1.0, 1.0))
    if angle.abs() < 1e-4:
        mixed = (1 - t) * a32 + t * b32
    else:
        mixed = (torch.sin((1 - t) * angle) * a32 + torch.sin(t * angle) * b32) / torch.sin(angle)
    return mixed.to(a.dtype)


def latents_to_preview(latents: "torch.Tensor") -> "Image.Image":
    """A cheap RGB look at latents (1 x 4 x h x w): a 4x3 linear map instead of the VAE decoder."""
    import torch
    from PIL import Image

    factors = torch.tensor(LATENT_RGB_FACTORS, dtype=torch.float32)
    rgb = latents[0].detach().float().cpu().permute(1, 2, 0) @ factors  # h x w x 3, roughly in [-1, 1]
    pixels = ((rgb + 1.0) / 2.0).clamp(0, 1).mul(255).round().to(torch.uint8).numpy()
    return Image.fromarray(pixels, mode="RGB")


# --- one image ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepPreview:
    """A quick look at the picture after one denoising step."""

    step: int  # 1-based
    total: int
    timestep: int
    image: "Image.Image"  # latent-sized estimate of the final picture


@dataclass
class GeneratedImage:
    """A finished picture with its settings, its step previews and how long it took."""

    image: "Image.Image"
    settings: ImageSettings
    model_id: str
    previews: list[StepPreview] = field(default_factory=list)
    blocked_by_safety_checker: bool = False
    seconds: float = 0.0
    embedding_shape: tuple[int, ...] = ()
    embedding_numbers: "np.ndarray | None" = None  # the first numbers of each token's vector, for display

    def metadata(self) -> dict[str, Any]:
        return {**asdict(self.settings), "model": public_name(self.model_id)}  # never a server's folder path


def _request_pipeline(bundle: "ImagePipeline", scheduler_name: str, few_step: bool) -> Any:
    """A new pipeline object around the shared weights with its own fresh scheduler.

    (`from_pipe` would also do, but it casts the shared modules to its own dtype.)
    """
    import diffusers

    shared = bundle.pipeline
    scheduler_class = getattr(diffusers, SCHEDULERS[scheduler_name])
    # Few-step models start from pure noise at the last timestep ("trailing" spacing).
    overrides: dict[str, Any] = {"timestep_spacing": "trailing"} if few_step else {}
    if scheduler_class.__name__ == "DDIMScheduler" and "clip_sample" not in shared.scheduler.config:
        overrides.update(clip_sample=False, set_alpha_to_one=False)  # Stable Diffusion's own DDIM settings
    scheduler = scheduler_class.from_config(shared.scheduler.config, **overrides)
    components = {**shared.components, "scheduler": scheduler}
    extra = {}
    if "requires_safety_checker" in shared.config:
        extra["requires_safety_checker"] = components.get("safety_checker") is not None
    pipe = type(shared)(**components, **extra)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _remember_final_estimates(scheduler: Any) -> list["torch.Tensor"]:
    """Keep the scheduler's estimate of the final latents from every step (for the previews).

    Euler, Euler ancestral and DDIM return it as `pred_original_sample`; DPM-Solver++ keeps it as its
    latest `model_outputs` entry. The wrapper lives on this request's own scheduler only.
    """
    estimates: list["torch.Tensor"] = []
    step = scheduler.step

    @functools.wraps(step)
    def step_and_remember(*args: Any, **kwargs: Any) -> Any:
        output = step(*args, **kwargs)
        if isinstance(output, tuple):
            estimate = output[1] if len(output) > 1 else None
        else:
            estimate = getattr(output, "pred_original_sample", None)
        estimates.append(estimate if estimate is not None else scheduler.model_outputs[-1])
        return output

    scheduler.step = step_and_remember
    return estimates


@contextmanager
def _no_grad() -> Iterator[None]:
    import torch

    with torch.inference_mode():
        yield


@contextmanager
def _explain_out_of_memory(width: int, height: int) -> Iterator[None]:
    import torch

    try:
        yield
    except (torch.OutOfMemoryError, MemoryError, RuntimeError) as error:
        if isinstance(error, RuntimeError) and not isinstance(error, torch.OutOfMemoryError) \
                and "out of memory" not in str(error).lower():
            raise
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        raise NotEnoughMemory(
            f"The device ran out of memory drawing a {width}x{height} picture. Try a smaller size "
            "(half the side needs a quarter of the memory) or fewer images at once; the app keeps running."
        ) from error


def generate_image(bundle: "ImagePipeline", request: ImageSettings,
                   on_step: Callable[[StepPreview], None] | None = None, previews: bool = True,
                   noise: "torch.Tensor | None" = None, embedding: TextEmbedding | None = None,
                   on_wait: Callable[[int, float], None] | None = None) -> GeneratedImage:
    """Draw one picture. `request` must have passed `check_settings`.

    Runs take turns on the shared pipeline (`bundle.queue`): `on_wait(ahead, seconds)` hears the place in
    line while waiting. `on_step` gets a preview after every denoising step. `noise` and `embedding`
    replace the ones made from the seed and prompt (the clip interpolates them).
    """
    with bundle.queue.turn(on_wait):
        return _draw(bundle, request, on_step, previews, noise, embedding)


def _draw(bundle: "ImagePipeline", request: ImageSettings, on_step: Callable[[StepPreview], None] | None,
          previews: bool, noise: "torch.Tensor | None", embedding: TextEmbedding | None) -> GeneratedImage:
    import torch

    few_step = is_few_step_model(bundle.model_id)
    start = time.perf_counter()
    with _explain_out_of_memory(request.width, request.height):
        # 1. prompt -> text embedding (the negative prompt only matters with guidance on)
        if embedding is None:
            embedding = encode_prompt(bundle, request.prompt, request.negative_prompt, request.uses_guidance)
        # 2. seed -> starting noise
        if noise is None:
            noise = initial_noise(bundle, request.seed, request.width, request.height)
        # 3. denoising steps on a pipeline object of our own, 4. VAE decode (inside the pipeline call)
        pipe = _request_pipeline(bundle, request.scheduler, few_step)
        estimates = _remember_final_estimates(pipe.scheduler)
        step_previews: list[StepPreview] = []

        def after_step(pipeline: Any, index: int, timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
            if previews:
                preview = StepPreview(index + 1, request.steps, int(timestep), latents_to_preview(estimates[-1]))
                step_previews.append(preview)
                if on_step is not None:
                    on_step(preview)
            return tensors

        with _no_grad():
            output = pipe(
                prompt_embeds=embedding.prompt,
                negative_prompt_embeds=embedding.negative if request.uses_guidance else None,
                latents=noise,
                num_inference_steps=request.steps,
                guidance_scale=request.guidance_scale,
                width=request.width,
                height=request.height,
                generator=torch.Generator("cpu").manual_seed(request.seed),  # ancestral samplers add noise
                callback_on_step_end=after_step,
            )
    blocked = bool(output.nsfw_content_detected and any(output.nsfw_content_detected))
    return GeneratedImage(output.images[0], request, bundle.model_id, step_previews, blocked,
                          time.perf_counter() - start, tuple(embedding.prompt.shape), embedding_strip(embedding))


# --- comparison grid ------------------------------------------------------------------------------


def grid_values(knob: str, base: ImageSettings, count: int, profile: ModelProfile) -> list[Any]:
    """Values for one row of the grid: the chosen knob changes, everything else stays as in `base`."""
    if knob not in GRID_KNOBS:
        raise ValueError(f"The grid can vary {', '.join(GRID_KNOBS)}; not {knob!r}.")
    count = max(1, min(count, settings().limits.max_image_batch))
    if knob == "seed":
        return [(base.seed + i) % (MAX_SEED + 1) for i in range(count)]
    if knob == "guidance":
        if profile.few_step:
            raise ValueError("This model ignores guidance, so a guidance row would show the same picture; "
                             "vary the seed or the steps instead.")
        return [round(1.0 + i * (12.0 - 1.0) / max(count - 1, 1), 1) for i in range(count)]
    top = profile.max_steps if profile.few_step else min(profile.max_steps, max(base.steps * 2, count))
    values = sorted({max(1, round(top * (i + 1) / count)) for i in range(count)})
    return values


def with_knob(base: ImageSettings, knob: str, value: Any) -> ImageSettings:
    """A copy of `base` with one knob (seed, guidance or steps) set to `value`."""
    field_name = {"seed": "seed", "guidance": "guidance_scale", "steps": "steps"}[knob]
    return replace(base, **{field_name: value})


def comparison_grid(bundle: "ImagePipeline", base: ImageSettings, knob: str, values: list[Any],
                    on_image: Callable[[int, GeneratedImage], None] | None = None,
                    on_wait: Callable[[int, float], None] | None = None) -> list[GeneratedImage]:
    """One picture per value of the knob; the prompt embedding is computed once and reused."""
    profile = model_profile(bundle)
    requests = [check_settings(with_knob(base, knob, value), profile) for value in values]
    embedding = encode_prompt(bundle, requests[0].prompt, requests[0].negative_prompt,
                              any(r.uses_guidance for r in requests))
    results = []
    for index, request in enumerate(requests):
        result = generate_image(bundle, request, previews=False, embedding=embedding, on_wait=on_wait)
        results.append(result)
        if on_image is not None:
            on_image(index, result)
    return results


# --- clip -------------------------------------------------------------------------------------------


def check_frames(frames: int) -> int:
    """The number of frames of a clip, or ValueError if it is below 2 or above the server's limit."""
    limit = settings().limits.max_clip_frames
    if frames < 2:
        raise ValueError("A clip needs at least 2 frames.")
    if frames > limit:
        raise ValueError(f"{frames} frames is too many: this server allows up to {limit}.")
    return frames


def interpolation_clip(bundle: "ImagePipeline", base: ImageSettings, frames: int, seed_b: int | None = None,
                       prompt_b: str | None = None,
                       on_frame: Callable[[int, "Image.Image"], None] | None = None,
                       on_wait: Callable[[int, float], None] | None = None) -> list["Image.Image"]:
    """Frames that walk from `base` to a second seed (slerp of the noise) or a second prompt (lerp of embeddings).

    Give exactly one of `seed_b` and `prompt_b`.
    """
    if (seed_b is None) == (prompt_b is None):
        raise ValueError("Choose what the clip moves between: a second seed or a second prompt.")
    check_frames(frames)
    profile = model_profile(bundle)
    request = check_settings(base, profile)
    noise_a = initial_noise(bundle, request.seed, request.width, request.height)
    embed_a = encode_prompt(bundle, request.prompt, request.negative_prompt, request.uses_guidance)
    noise_b, embed_b = noise_a, embed_a
    if seed_b is not None:
        if seed_b == request.seed:
            raise ValueError("Both seeds are the same, so every frame would be identical: "
                             "pick a different second seed.")
        check_settings(replace(request, seed=seed_b), profile)
        noise_b = initial_noise(bundle, seed_b, request.width, request.height)
    else:
        second = check_settings(replace(request, prompt=prompt_b or ""), profile).prompt
        if second == request.prompt:
            raise ValueError("Both prompts are the same: type a different second prompt.")
        embed_b = encode_prompt(bundle, second, request.negative_prompt, request.uses_guidance)
    images = []
    for index in range(frames):
        t = index / (frames - 1)
        noise = slerp(noise_a, noise_b, t)
        negative = None
        if embed_a.negative is not None and embed_b.negative is not None:
            negative = lerp(embed_a.negative, embed_b.negative, t)
        embedding = TextEmbedding(lerp(embed_a.prompt, embed_b.prompt, t), negative)
        image = generate_image(bundle, request, previews=False, noise=noise, embedding=embedding,
                               on_wait=on_wait).image
        images.append(image)
        if on_frame is not None:
            on_frame(index, image)
    return images


def lerp(a: "torch.Tensor", b: "torch.Tensor", t: float) -> "torch.Tensor":
    """Straight-line interpolation (text embeddings are not noise, so no sphere is needed)."""
    import torch

    return torch.lerp(a, b, t)  # exact at both ends, unlike a + (b - a) * t


def gif_bytes(frames: list["Image.Image"], frames_per_second: float = 6.0, bounce: bool = False) -> bytes:
    """An animated GIF that loops forever; `bounce` plays it forward then back."""
    if not frames:
        raise ValueError("No frames to write.")
    sequence = frames + frames[-2:0:-1] if bounce and len(frames) > 2 else list(frames)
    buffer = io.BytesIO()
    sequence[0].save(buffer, format="GIF", save_all=True, append_images=sequence[1:],
                     duration=max(20, round(1000 / frames_per_second)), loop=0, optimize=False, disposal=1)
    return buffer.getvalue()


# --- PNG with its settings -----------------------------------------------------------------------


def parameters_text(metadata: dict[str, Any]) -> str:
    """The settings in the one-line form other Stable Diffusion tools also write."""
    text = metadata.get("prompt", "")
    if metadata.get("negative_prompt"):
        text += f"\nNegative prompt: {metadata['negative_prompt']}"
    return (f"{text}\nSteps: {metadata.get('steps')}, Sampler: {metadata.get('scheduler')}, "
            f"CFG scale: {metadata.get('guidance_scale')}, Seed: {metadata.get('seed')}, "
            f"Size: {metadata.get('width')}x{metadata.get('height')}, Model: {metadata.get('model')}")


def png_bytes(result: GeneratedImage) -> bytes:
    """The picture as PNG with every setting in its text chunks (JSON, plus a human-readable line)."""
    from PIL.PngImagePlugin import PngInfo

    metadata = result.metadata()
    info = PngInfo()
    info.add_itxt(PNG_SETTINGS_KEY, json.dumps(metadata, ensure_ascii=False))
    info.add_itxt("parameters", parameters_text(metadata))
    buffer = io.BytesIO()
    result.image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def read_png_settings(data: bytes) -> dict[str, Any]:
    """The settings stored by `png_bytes` (empty when the PNG has none)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        text = getattr(image, "text", {}) or {}
        stored = text.get(PNG_SETTINGS_KEY)
    return json.loads(stored) if stored else {}


def settings_from_metadata(metadata: dict[str, Any]) -> ImageSettings:
    """The ImageSettings stored in a picture's metadata (other keys are ignored)."""
    names = {f for f in ImageSettings.__dataclass_fields__}
    return ImageSettings(**{k: v for k, v in metadata.items() if k in names})


# --- numbers for the "how it works" strip ---------------------------------------------------------


def embedding_strip(embedding: TextEmbedding, tokens: int = CLIP_WINDOW, dims: int = 16) -> "np.ndarray":
    """The first `dims` numbers of each of the first `tokens` vectors (float32, tokens x dims)."""
    return embedding.prompt[0, :tokens, :dims].detach().float().cpu().numpy()


def latent_grid_note(bundle: "ImagePipeline", width: int, height: int) -> str:
    """A sentence comparing the picture's pixels with the grid of latents it is drawn as."""
    _, channels, rows, columns = latent_shape(bundle, width, height)
    ratio = (width * height * 3) / (channels * rows * columns)
    return (f"{width}x{height}x3 pixels are drawn as a {columns}x{rows}x{channels} grid of latents "
            f"({ratio:.0f}x fewer numbers).")



def unet_calls(request: ImageSettings) -> int:
    """UNet evaluations for one picture: two per step with guidance (with and without the prompt)."""
    return request.steps * (2 if request.uses_guidance else 1)
