"""Image generation: Stable Diffusion turning noise into a picture, step by step."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from genai_demo.config import MAX_SEED, public_name, settings
from genai_demo.engine import kinds
from genai_demo.images import diffusion
from genai_demo.images.diffusion import ImageSettings
from genai_demo.ui import loaders
from genai_demo.ui.classroom.sharing import gallery_button, gallery_png
from genai_demo.ui.images import image_generation as image_ui
from genai_demo.ui.images.image_generation import Clip, GridRow, ImageGenerationState, Picture
from genai_demo.ui.inputs import PageInputs
from genai_demo.ui.layout import page_intro
from genai_demo.ui.progress import place_in_line

page = page_intro(
    "image_generation",
    "Stable Diffusion, like DALL·E, draws a picture from a sentence. It starts from pure random noise and "
    "removes a little of it at every step, each time nudged towards what your prompt describes. "
    "Watch the picture appear step by step, then compare settings side by side.",
)

bundle = loaders.model(kinds.IMAGE)
profile = diffusion.model_profile(bundle)
MODEL_NAME = public_name(bundle.model_id)  # a Hub id, or a local folder by its name only
st.caption(f"Model `{MODEL_NAME}` on {bundle.device.upper()} ({str(bundle.dtype).removeprefix('torch.')})"
           + (" · safety checker on" if settings().public else ""))

request = image_ui.image_settings(page, profile)
state = page.state(ImageGenerationState)


def run_safely(action):
    """Run a drawing action; a full device gets an explanation instead of a crash."""
    try:
        return action()
    except diffusion.NotEnoughMemory as error:
        st.error(str(error), icon=":material/memory:")
    except ValueError as error:
        st.warning(str(error), icon=":material/warning:")
    return None


@st.fragment
def one_image(page: PageInputs, request: ImageSettings) -> None:
    draw = page.action("Generate", "generate", area="picture_area", type="primary", icon=":material/brush:")
    with draw.area:
        if draw.clicked:
            checked = image_ui.checked_or_warn(request, profile)
            if checked is not None:
                window = diffusion.prompt_window(bundle, checked.prompt)
                image_ui.prompt_cut_notice(window)
                with place_in_line() as on_wait, image_ui.live_progress(checked.steps) as on_step:
                    result = run_safely(lambda: diffusion.generate_image(bundle, checked, on_step=on_step,
                                                                      on_wait=on_wait))
                if result is not None:
                    state.picture = Picture(result, window)
        if state.picture is not None:
            result, window = state.picture.result, state.picture.window
            if result.settings != image_ui.checked_quietly(request, profile):
                st.caption(":material/history: Your last picture; the settings above have changed since. Press "
                           "**Generate** to draw them.")
            image_ui.show_result(result, key=page.key("download"))
            gallery_button("image_generation", "picture", result.settings, "prompt", MODEL_NAME,
                           lambda: gallery_png(result.image), key=page.key("to_gallery"))
            image_ui.how_it_works(result, window, diffusion.latent_grid_note(bundle, result.settings.width,
                                                                          result.settings.height))
        else:
            st.info("Press **Generate**. A progress bar and a preview follow every denoising step.")


@st.fragment
def comparison_grid(page: PageInputs, request: ImageSettings) -> None:
    st.markdown("One row, one knob: everything else stays exactly as set above.")
    knobs = [k for k in diffusion.GRID_KNOBS if not (profile.few_step and k == "guidance")]
    left, right = st.columns(2)
    most = min(4, settings().limits.max_image_batch)
    with left:
        knob = page.choice("Vary", "grid_knob", knobs, knobs[0])
    with right:
        count = page.slider("Pictures in the row", "grid_count", 2, most, min(3, most))
    draw = page.action("Draw the row", "grid_go", area="grid_area", icon=":material/grid_view:")
    with draw.area:
        if draw.clicked:
            checked = image_ui.checked_or_warn(request, profile)
            values = checked and run_safely(lambda: diffusion.grid_values(knob, checked, count, profile))
            if values:
                bar = st.progress(0.0, text=f"Drawing 0 of {len(values)}")
                with place_in_line() as on_wait:
                    row = run_safely(lambda: diffusion.comparison_grid(
                        bundle, checked, knob, values, on_wait=on_wait,
                        on_image=lambda i, _: bar.progress((i + 1) / len(values),
                                                           text=f"Drawing {i + 1} of {len(values)}")))
                bar.empty()
                if row is not None:
                    state.grid = GridRow(knob, row)
        if state.grid is not None:
            knob_shown, row = state.grid.knob, state.grid.pictures
            for column, cell in zip(st.columns(len(row)), row):
                value = {"seed": cell.settings.seed, "guidance": cell.settings.guidance_scale,
                         "steps": cell.settings.steps}[knob_shown]
                column.image(cell.image, caption=f"{knob_shown} = {value:g}", width="stretch")
                column.download_button("PNG", image_ui.png_data(cell), file_name=f"{knob_shown}_{value:g}.png",
                                       mime="image/png", key=page.key(f"grid_png_{value}"), icon=":material/download:")
    with st.expander("What each knob does"):
        st.markdown(
            "- **Seed** picks the starting noise. Different noise, different picture; the same seed with the same "
            "settings redraws the same picture, pixel for pixel.\n"
            "- **Guidance** compares the UNet's guess *with* your prompt to its guess *without* it and pushes "
            "further in the direction of the difference. Low: loose and varied; high: literal, then over-cooked. "
            "It costs a second UNet call per step.\n"
            "- **Steps** are how many small denoising moves the scheduler makes. Few steps: blurry; more: "
            "detail, until it stops improving. Turbo models were distilled to finish in 1–4."
        )


@st.fragment
def clip_maker(page: PageInputs, request: ImageSettings) -> None:
    st.markdown("Video tools such as Runway make clips by moving smoothly through the model's inputs. Here every "
                "frame is a full picture, and only the starting noise or the prompt's embedding slides.")
    mode = page.choice("Move between", "clip_mode", ["two seeds", "two prompts"], "two seeds", widget=st.radio,
                       horizontal=True)
    left, right = st.columns(2)
    seed_b, prompt_b = None, None
    with left:
        if mode == "two seeds":
            seed_b = page.seed("Second seed", "clip_seed", (request.seed + 1) % (MAX_SEED + 1))
        else:
            prompt_b = page.text("Second prompt", "clip_prompt",
                                 "a lighthouse on a cliff in a snow storm, oil painting",
                                 settings().limits.max_prompt_chars, area=False)
        small = [s for s in image_ui.SIZE_PRESETS
                 if diffusion.MIN_SIDE <= s <= min(profile.default_side, profile.max_side)]
        default_side = min(small, key=lambda s: abs(s - (256 if bundle.device == "cpu" else profile.default_side)))
        side = page.choice("Frame size (px)", "clip_side", small, default_side,
                           help="Small frames keep a clip quick on a CPU.")
    with right:
        frames_limit = settings().limits.max_clip_frames
        frames = page.slider("Frames", "clip_frames", 2, frames_limit, min(8, frames_limit))
        bounce = page.toggle("Play forward and back", "clip_bounce", True)
    make = page.action("Make the clip", "clip_go", area="clip_area", icon=":material/movie:")
    with make.area:
        if make.clicked:
            checked = image_ui.checked_or_warn(replace(request, width=side, height=side), profile)
            if checked is not None:
                bar = st.progress(0.0, text=f"Frame 0 of {frames}")
                with place_in_line() as on_wait:
                    gif = run_safely(lambda: diffusion.gif_bytes(diffusion.interpolation_clip(
                        bundle, checked, frames, seed_b=seed_b, prompt_b=prompt_b, on_wait=on_wait,
                        on_frame=lambda i, _: bar.progress((i + 1) / frames, text=f"Frame {i + 1} of {frames}")),
                        bounce=bounce))
                bar.empty()
                if gif is not None:
                    state.clip = Clip(gif, frames)
        if state.clip is not None:
            gif, made = state.clip.gif, state.clip.frames
            st.image(gif, caption=f"{made} frames", width="content")
            st.download_button("Download GIF", gif, file_name="clip.gif", mime="image/gif",
                               key=page.key("clip_download"), icon=":material/download:")
    with st.expander("Why seeds move along a circle and prompts along a line"):
        st.markdown(
            "Random noise of this size almost always has the same length. A straight line between two noise "
            "samples passes through shorter vectors the model never saw, and the middle frames turn grey. "
            "**Spherical interpolation** (slerp) keeps the length, so every frame starts from believable noise. "
            "Text embeddings are not noise, so a straight line (**lerp**) between two prompts works."
        )


one, grid, clip = page.tabs(["One image", "Comparison grid", "Clip"])
with one:
    if one.open:
        one_image(page, request)
with grid:
    if grid.open:
        comparison_grid(page, request)
with clip:
    if clip.open:
        clip_maker(page, request)

with st.expander("Why the previews are not just noise"):
    st.markdown(
        "At every step the scheduler also estimates what the *finished* latents will look like. That estimate is "
        "what the preview shows, so the layout appears early and the details sharpen. Turning latents into "
        "pixels properly needs the VAE decoder; for a preview, a fixed 4×3 matrix that maps the four latent "
        "channels to red, green and blue is close enough and costs almost nothing."
    )
with st.expander("Latents, the UNet and the VAE"):
    st.markdown(
        "Stable Diffusion does not denoise pixels. The VAE's encoder once learned to squeeze a picture 8× per "
        "side into 4 numbers per cell, the *latents*; the UNet works on that small grid, which is why it is fast "
        "enough to run many steps. The text embedding enters the UNet through cross-attention: every cell of the "
        "grid looks at the 77 token vectors. At the end the VAE's decoder turns the latents back into pixels."
    )
