"""Image generation: Stable Diffusion turning noise into a picture, step by step."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from genai_demo import images
from genai_demo.config import settings
from genai_demo.ui import images as image_ui
from genai_demo.ui import loaders
from genai_demo.ui.layout import page_intro

KEY = image_ui.KEY
RESULT, GRID, CLIP = f"{KEY}_result", f"{KEY}_grid", f"{KEY}_clip"

page_intro(
    "image_generation",
    "Stable Diffusion, like DALL·E, draws a picture from a sentence. It starts from pure random noise and "
    "removes a little of it at every step, each time nudged towards what your prompt describes. "
    "Watch the picture appear step by step, then compare settings side by side.",
)

bundle = loaders.image_pipeline()
profile = images.model_profile(bundle)
st.caption(f"Model `{bundle.model_id}` on {bundle.device.upper()} ({str(bundle.dtype).removeprefix('torch.')})"
           + (" · safety checker on" if settings().public else ""))

request = image_ui.image_settings(profile)


def run_safely(action):  # type: ignore[no-untyped-def]
    """Run a drawing action; a full device gets an explanation instead of a crash."""
    try:
        return action()
    except images.NotEnoughMemory as error:
        st.error(str(error), icon=":material/memory:")
    except ValueError as error:
        st.warning(str(error), icon=":material/warning:")
    return None


one, grid, clip = st.tabs(["One image", "Comparison grid", "Clip"])

with one:
    if st.button("Generate", key=f"{KEY}_generate", type="primary", icon=":material/brush:"):
        checked = image_ui.checked_or_warn(request, profile)
        if checked is not None:
            window = images.prompt_window(bundle, checked.prompt)
            image_ui.prompt_cut_notice(window)
            with image_ui.place_in_line() as on_wait, image_ui.live_progress(checked.steps) as on_step:
                result = run_safely(lambda: images.generate_image(bundle, checked, on_step=on_step, on_wait=on_wait))
            if result is not None:
                st.session_state[RESULT] = (result, window)
    if RESULT in st.session_state:
        result, window = st.session_state[RESULT]
        image_ui.show_result(result, key=f"{KEY}_download")
        image_ui.how_it_works(result, window, images.latent_grid_note(bundle, result.settings.width,
                                                                      result.settings.height))
    else:
        st.info("Press **Generate**. A progress bar and a preview follow every denoising step.")

with grid:
    st.markdown("One row, one knob: everything else stays exactly as set above.")
    knobs = [k for k in images.GRID_KNOBS if not (profile.few_step and k == "guidance")]
    left, right = st.columns(2)
    knob = left.selectbox("Vary", knobs, key=f"{KEY}_grid_knob")
    most = min(4, settings().limits.max_image_batch)
    count = right.slider("Pictures in the row", 2, most, min(3, most), key=f"{KEY}_grid_count")
    if st.button("Draw the row", key=f"{KEY}_grid_go", icon=":material/grid_view:"):
        checked = image_ui.checked_or_warn(request, profile)
        if checked is not None:
            values = run_safely(lambda: images.grid_values(knob, checked, count, profile))
            if values:
                bar = st.progress(0.0, text=f"Drawing 0 of {len(values)}")
                with image_ui.place_in_line() as on_wait:
                    row = run_safely(lambda: images.comparison_grid(
                        bundle, checked, knob, values, on_wait=on_wait,
                        on_image=lambda i, _: bar.progress((i + 1) / len(values),
                                                           text=f"Drawing {i + 1} of {len(values)}")))
                bar.empty()
                if row is not None:
                    st.session_state[GRID] = (knob, row)
    if GRID in st.session_state:
        knob_shown, row = st.session_state[GRID]
        for column, cell in zip(st.columns(len(row)), row):
            value = {"seed": cell.settings.seed, "guidance": cell.settings.guidance_scale,
                     "steps": cell.settings.steps}[knob_shown]
            column.image(cell.image, caption=f"{knob_shown} = {value:g}", width="stretch")
            column.download_button("PNG", image_ui.png_data(cell), file_name=f"{knob_shown}_{value:g}.png",
                                   mime="image/png", key=f"{KEY}_grid_png_{value}", icon=":material/download:")
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

with clip:
    st.markdown("Video tools such as Runway make clips by moving smoothly through the model's inputs. Here every "
                "frame is a full picture, and only the starting noise or the prompt's embedding slides.")
    mode = st.radio("Move between", ["two seeds", "two prompts"], horizontal=True, key=f"{KEY}_clip_mode")
    left, right = st.columns(2)
    if mode == "two seeds":
        seed_b = int(left.number_input("Second seed", 0, images.MAX_SEED, (request.seed + 1) % (images.MAX_SEED + 1),
                                         key=f"{KEY}_clip_seed"))
        prompt_b = None
    else:
        prompt_b = left.text_input("Second prompt", "a lighthouse on a cliff in a snow storm, oil painting",
                                   key=f"{KEY}_clip_prompt", max_chars=settings().limits.max_prompt_chars)
        seed_b = None
    frames_limit = settings().limits.max_clip_frames
    frames = right.slider("Frames", 2, frames_limit, min(8, frames_limit), key=f"{KEY}_clip_frames")
    small = [s for s in image_ui.SIZE_PRESETS if images.MIN_SIDE <= s <= min(profile.default_side, profile.max_side)]
    default_side = min(small, key=lambda s: abs(s - (256 if bundle.device == "cpu" else profile.default_side)))
    side = left.selectbox("Frame size (px)", small, index=small.index(default_side), key=f"{KEY}_clip_side",
                          help="Small frames keep a clip quick on a CPU.")
    bounce = right.toggle("Play forward and back", True, key=f"{KEY}_clip_bounce")
    if st.button("Make the clip", key=f"{KEY}_clip_go", icon=":material/movie:"):
        checked = image_ui.checked_or_warn(replace(request, width=side, height=side), profile)
        if checked is not None:
            bar = st.progress(0.0, text=f"Frame 0 of {frames}")
            with image_ui.place_in_line() as on_wait:
                gif = run_safely(lambda: images.gif_bytes(images.interpolation_clip(
                    bundle, checked, frames, seed_b=seed_b, prompt_b=prompt_b, on_wait=on_wait,
                    on_frame=lambda i, _: bar.progress((i + 1) / frames, text=f"Frame {i + 1} of {frames}")),
                    bounce=bounce))
            bar.empty()
            if gif is not None:
                st.session_state[CLIP] = (gif, frames)
    if CLIP in st.session_state:
        gif, made = st.session_state[CLIP]
        st.image(gif, caption=f"{made} frames", width="content")
        st.download_button("Download GIF", gif, file_name="clip.gif", mime="image/gif", key=f"{KEY}_clip_download",
                           icon=":material/download:")
    with st.expander("Why seeds move along a circle and prompts along a line"):
        st.markdown(
            "Random noise of this size almost always has the same length. A straight line between two noise "
            "samples passes through shorter vectors the model never saw, and the middle frames turn grey. "
            "**Spherical interpolation** (slerp) keeps the length, so every frame starts from believable noise. "
            "Text embeddings are not noise, so a straight line (**lerp**) between two prompts works."
        )

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
