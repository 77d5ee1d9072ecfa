"""Streamlit widgets for the image generation page: its state, the knobs, live step previews, the "how it works"
strip."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import altair as alt
import streamlit as st
from PIL import Image
from streamlit.delta_generator import DeltaGenerator

from genai_demo.config import settings
from genai_demo.images import diffusion
from genai_demo.images.diffusion import GeneratedImage, ImageSettings, ModelProfile, PromptWindow, StepPreview
from genai_demo.text.tokens import TokenPiece
from genai_demo.ui.charts import show_chart, vector_heatmap
from genai_demo.ui.inputs import PageInputs
from genai_demo.ui.literal import plain_markdown
from genai_demo.ui.panels import input_notice
from genai_demo.ui.tokens import token_chips

PREVIEW_SIDE = 256  # previews are latent-sized (1/8 of the picture); shown larger, smoothly scaled
SIZE_PRESETS = (64, 128, 256, 384, 512, 640, 768, 1024)


@dataclass
class Picture:
    """The last picture of "One image", with the prompt's CLIP tokens it was drawn from."""

    result: GeneratedImage
    window: PromptWindow


@dataclass
class GridRow:
    """The last comparison row: the knob it varied and one picture per value."""

    knob: str
    pictures: list[GeneratedImage]


@dataclass
class Clip:
    """The last clip, as an animated GIF."""

    gif: bytes
    frames: int


@dataclass
class ImageGenerationState:
    """What the image generation page keeps across reruns: the last result of each tab."""

    picture: Picture | None = None
    grid: GridRow | None = None
    clip: Clip | None = None


def image_settings(page: PageInputs, profile: ModelProfile) -> ImageSettings:
    """Every knob of one picture, bound to the page's link. Numbers out of range are replaced by the nearest
    allowed one (with a note); what no range can express (a width that is not a multiple of 8) is checked
    later by `diffusion.check_settings`."""
    limits = settings().limits
    prompt = page.text("Prompt", "prompt", "a lighthouse on a cliff at sunset, oil painting", limits.max_prompt_chars,
                       height=80, help="CLIP reads at most 77 tokens; anything after that is cut.")
    negative = page.text("Negative prompt (what to steer away from)", "negative", "", limits.max_prompt_chars,
                         area=False, disabled=profile.few_step, help="Only used with guidance above 1.")
    left, middle, right = st.columns(3)
    with left:
        steps = page.number("Steps", "steps", 1, profile.max_steps, profile.default_steps, 1,
                            help=f"Denoising steps, 1 to {profile.max_steps} for this model.")
    with middle:
        guidance = page.slider("Guidance", "guidance", 0.0, diffusion.MAX_GUIDANCE, profile.default_guidance, 0.5,
                               disabled=profile.few_step,
                               help="How strongly the picture follows the prompt (classifier-free guidance).")
    with right:
        seed = page.seed("Seed", "seed", 42, help="The starting noise. Same seed + same settings = same picture.")
    left, middle, right = st.columns(3)
    sides = diffusion.MIN_SIDE, profile.max_side, profile.default_side, diffusion.SIDE_MULTIPLE
    with left:
        width = page.number("Width (px)", "width", *sides, help=f"A multiple of 8, up to {profile.max_side}.")
    with middle:
        height = page.number("Height (px)", "height", *sides, help=f"A multiple of 8, up to {profile.max_side}.")
    with right:
        scheduler = page.choice("Scheduler", "scheduler", list(diffusion.SCHEDULERS), next(iter(diffusion.SCHEDULERS)),
                                help="The rule that decides how much noise to remove at each step.")
    if profile.few_step:
        st.caption(f":material/bolt: This is a few-step (turbo) model: it was distilled to draw in 1 to "
                   f"{profile.max_steps} steps without guidance, so the guidance slider and the negative "
                   "prompt are switched off; they would be ignored.")
    return ImageSettings(prompt, negative, int(steps), float(guidance), seed, int(width), int(height), scheduler)


def checked_or_warn(request: ImageSettings, profile: ModelProfile) -> ImageSettings | None:
    """The request ready to run, or None after a plain warning."""
    try:
        return diffusion.check_settings(request, profile)
    except ValueError as error:
        st.warning(str(error), icon=":material/warning:")
        return None


def checked_quietly(request: ImageSettings, profile: ModelProfile) -> ImageSettings | None:
    """The request as it would run, or None when it could not run; shows nothing."""
    try:
        return diffusion.check_settings(request, profile)
    except ValueError:
        return None


def prompt_cut_notice(window: PromptWindow) -> None:
    """A notice when CLIP cut the end of the prompt, quoting the words it dropped."""
    if window.was_cut:
        dropped = window.dropped_text
        shown = dropped if len(dropped) <= 160 else dropped[:160] + "…"
        input_notice(f"CLIP reads at most {diffusion.CLIP_WINDOW} tokens, so the last {len(window.dropped):,} "
                     f"tokens of the prompt were cut and do not affect the picture: “{plain_markdown(shown)}”")


def _upscaled(image: Image.Image, side: int = PREVIEW_SIDE) -> Image.Image:
    scale = side / max(image.size)
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BILINEAR)


@contextmanager
def live_progress(total_steps: int) -> Iterator[Callable[[StepPreview], None]]:
    """A progress bar and a preview that update after every denoising step, cleared when drawing ends."""
    bar = st.progress(0.0, text=f"Encoding the prompt, then {total_steps} denoising steps…")
    slot = st.empty()

    def on_step(preview: StepPreview) -> None:
        bar.progress(preview.step / preview.total, text=f"Denoising: step {preview.step} of {preview.total}")
        slot.image(_upscaled(preview.image),
                   caption=f"Step {preview.step}: the model's current guess of the final picture (cheap preview)")

    try:
        yield on_step
    finally:
        bar.empty()
        slot.empty()


def png_data(result: GeneratedImage) -> Callable[[], bytes]:
    """The PNG for a download button, encoded only when the button is clicked, not on every rerun."""
    return functools.partial(diffusion.png_bytes, result)


def png_download(result: GeneratedImage, key: str, label: str = "Download PNG") -> None:
    """A button that downloads the picture as a PNG carrying its settings."""
    name = f"seed{result.settings.seed}_{result.settings.steps}steps.png"
    st.download_button(label, png_data(result), file_name=name, mime="image/png", key=key,
                       icon=":material/download:", help="The PNG stores every setting, so the picture can be redrawn.")


def show_result(result: GeneratedImage, key: str) -> None:
    """The picture, its numbers and its PNG download."""
    if result.blocked_by_safety_checker:
        st.warning("The safety checker flagged this picture, so it is shown black. Try another prompt or seed.")
    s = result.settings
    st.image(result.image, caption=f"“{plain_markdown(s.prompt[:120])}” · seed {s.seed} · {s.steps} steps · guidance "
                                   f"{s.guidance_scale:g} · {s.scheduler}", width="content")
    columns = st.columns(3)
    columns[0].metric("Seconds", f"{result.seconds:.1f}")
    columns[1].metric("UNet calls", diffusion.unet_calls(s),
                      help="With guidance above 1 every step runs the UNet twice: with and without the prompt.")
    columns[2].metric("Size", f"{s.width}×{s.height}")
    png_download(result, key=key)


def _stage(number: int, title: str) -> DeltaGenerator:
    box = st.container(border=True)
    box.markdown(f"**{number}. {title}**")
    return box


def embedding_chart(numbers, pieces: list[TokenPiece]) -> alt.Chart:
    """A heatmap: one row per token, one column per number of its vector (the first few only)."""
    labels = [f"{position:02d} {piece.text.strip() or piece.raw}"[:18]
              for position, piece in enumerate(pieces[: len(numbers)])]
    return vector_heatmap(numbers[: len(labels)], labels, alt.Scale(scheme="redblue", domainMid=0),
                          min(18 * len(pieces), 300), dimension_title="number in the vector", legend_title="value")


def how_it_works(result: GeneratedImage, window: PromptWindow, latent_note: str, max_tokens: int = 12) -> None:
    """Prompt → CLIP tokens → text embedding → UNet steps (the previews) → VAE decode, for this picture."""
    st.subheader("How it works")
    _stage(1, "Prompt").markdown(f"“{plain_markdown(result.settings.prompt[:300])}”")
    with _stage(2, "CLIP tokens"):
        token_chips(window.kept)
        if window.was_cut:
            st.caption(f"{len(window.dropped):,} more tokens did not fit in the {diffusion.CLIP_WINDOW}-token window.")
        else:
            st.caption(f"{len(window.kept)} tokens, including the start and end markers; the rest of the "
                       f"{diffusion.CLIP_WINDOW} positions are filled with padding.")
    with _stage(3, "Text embedding"):
        _, positions, width = result.embedding_shape
        st.markdown(f"The text encoder turns the tokens into **{positions} vectors of {width} numbers** "
                    f"(shape {list(result.embedding_shape)}). The UNet reads them at every step.")
        if result.embedding_numbers is not None:
            shown = window.kept[:max_tokens]
            show_chart(embedding_chart(result.embedding_numbers[: len(shown)], shown), width="stretch")
            st.caption(f"The first {result.embedding_numbers.shape[1]} numbers of the first {len(shown)} vectors.")
    with _stage(4, "UNet denoising steps"):
        filmstrip(result.previews)
    with _stage(5, "VAE decode"):
        st.markdown(f"The decoder turns the final latents into pixels. {latent_note}")
        st.image(result.image, width=160)


def filmstrip(previews: list[StepPreview], most: int = 6) -> None:
    """Up to `most` evenly spaced step previews in one row (wraps on narrow screens)."""
    if not previews:
        st.caption("No previews for this picture.")
        return
    count = min(most, len(previews))
    picks = sorted({round(i * (len(previews) - 1) / max(count - 1, 1)) for i in range(count)})
    columns = st.columns(len(picks))
    for column, index in zip(columns, picks):
        preview = previews[index]
        column.image(_upscaled(preview.image, 128), caption=f"step {preview.step}/{preview.total}", width="stretch")
    st.caption("Each preview is the scheduler's estimate of the *final* latents after that step, turned into "
               "colours with a fixed 4→3 linear map (no VAE), so early steps already show the layout.")
