"""VAE lab: a VAE trained live on digits, its 2-number latent space walked and morphed, and Stable Diffusion's own
VAE round trip (genai_demo.nets.vae, ui.nets.labs)."""

import numpy as np
import streamlit as st

from genai_demo.config import settings
from genai_demo.engine import kinds
from genai_demo.nets.vae import VaeConfig, VaeTrainer, demo_picture, digits, sd_vae_round_trip
from genai_demo.ui import loaders
from genai_demo.ui.charts import show_chart
from genai_demo.ui.colours import KL, RECONSTRUCTION
from genai_demo.ui.layout import page_intro
from genai_demo.ui.nets.labs import crisp_image, latent_map_chart, loss_chart
from genai_demo.ui.nets.live_training import live_training, session_trainer
from genai_demo.ui.nets.vae_lab import VaeLabState

page = page_intro(
    "vae_lab",
    "A **VAE** (variational autoencoder) has two halves. The **encoder** compresses a picture into a few "
    "numbers, its *latent* code; the **decoder** rebuilds the picture from them. Because training keeps "
    "the codes packed around zero, every point of that small space decodes to something plausible, so "
    "the decoder becomes a generator.",
)

LIMIT = settings().limits.max_train_steps
LOSSES = {"reconstruction": RECONSTRUCTION, "kl": KL}

lr_col, seed_col = st.columns(2)
with lr_col:
    lr = page.number("Learning rate", "lr", 0.0, 10.0, 0.002, 0.0005, format="%.4f")
with seed_col:
    seed = page.seed("Seed", "seed", 0)
try:
    config = VaeConfig(lr=float(lr), seed=seed).validated()
except ValueError as error:
    st.warning(str(error), icon=":material/warning:")
    st.stop()
if config.lr > 0.05:
    st.info("That learning rate is large: expect the loss to jump about, or training to stop with a message.",
            icon=":material/speed:")

trainer: VaeTrainer = session_trainer(page, config, lambda: VaeTrainer(config))

_, labels = digits()


def draw(trainer: VaeTrainer) -> None:
    losses = trainer.evaluate()
    step_m, rec_m, kl_m = st.columns(3)
    step_m.metric("Training step", trainer.step)
    rec_m.metric("Reconstruction loss", f"{losses.reconstruction:.1f}",
                 help="How badly the decoder rebuilds each digit (binary cross-entropy over 64 pixels).")
    kl_m.metric("KL term", f"{losses.kl:.2f}", help="How far the codes stray from a tidy cloud around zero.")
    if trainer.step == 0:
        st.info("The model is untrained: all digits sit in one blob and decode to grey mush. Press **Train**.",
                icon=":material/info:")
    show_chart(latent_map_chart(trainer.encode(), labels), width="stretch")
    st.markdown("**Training losses** (per digit, on the batches the model learned from)")
    show_chart(loss_chart(trainer.history, LOSSES), width="stretch")


live_training(page, trainer, draw, default_steps=1000, limit=LIMIT)
if trainer.diverged:
    st.stop()

# --- walk the latent space ------------------------------------------------------------------------

st.header("Walk through the latent space")
st.markdown("Every position below is two numbers. The decoder turns them into a brand-new 8x8 digit, one that "
            "may not exist in the data: this is how a VAE *generates*.")


@st.fragment
def latent_walk(trainer: VaeTrainer) -> None:
    slider_col, image_col = st.columns([3, 2])
    with slider_col:
        z1 = page.slider("Latent number 1", "z1", -3.0, 3.0, 0.0, 0.05)
        z2 = page.slider("Latent number 2", "z2", -3.0, 3.0, 0.0, 0.05)
    with image_col:
        crisp_image(trainer.decode(np.array([z1, z2]))[0], 160, caption=f"decoded from ({z1:.2f}, {z2:.2f})")
    with st.expander("Where is that point on the map?"):
        show_chart(latent_map_chart(trainer.encode(), labels, (z1, z2)), width="stretch")


@st.fragment
def morph(trainer: VaeTrainer) -> None:
    st.header("Morph one digit into another")
    first_col, second_col = st.columns(2)
    with first_col:
        first = page.choice("From digit", "from", list(range(10)), 0)
    with second_col:
        second = page.choice("To digit", "to", list(range(10)), 1)
    frames = trainer.interpolate(trainer.example_of(first), trainer.example_of(second), count=7)
    for column, image, weight in zip(st.columns(len(frames)), frames, np.linspace(0, 1, len(frames))):
        with column:
            crisp_image(image, 64, caption=f"{weight:.0%}")
    st.caption("Both digits are encoded, the straight line between their two codes is cut into steps, and each "
               "step is decoded. The in-between pictures are made up by the decoder.")


@st.fragment
def original_vs_reconstruction(trainer: VaeTrainer) -> None:
    st.header("Original vs reconstruction")
    index = int(page.number("Digit number (0 to 1796)", "index", 0, len(labels) - 1, 0, 1))
    original, rebuilt = trainer.reconstruct(index)
    left, right, numbers = st.columns([1, 1, 1.4])
    with left:
        crisp_image(original, 160, caption=f"original (a {labels[index]})")
    with right:
        crisp_image(rebuilt, 160, caption="after encoder → 2 numbers → decoder")
    with numbers:
        code = trainer.encode(original)[0]
        st.metric("Its code", f"({code[0]:.2f}, {code[1]:.2f})")
        st.caption(f"64 pixel values went in; 2 numbers came out, 32 times fewer. Mean pixel error: "
                   f"{np.abs(original - rebuilt).mean():.3f} (pixels run from 0 to 1).")


latent_walk(trainer)
morph(trainer)
original_vs_reconstruction(trainer)

with st.expander("Why 'variational'? The two losses"):
    st.markdown(
        "A plain autoencoder only learns to rebuild its inputs, and its codes can end up scattered with gaps "
        "that decode to nonsense. A VAE's encoder outputs a small *cloud* (a mean and a spread) instead of one "
        "point, the decoder must rebuild the digit from a random point of that cloud, and a second loss, the "
        "**KL term**, pulls every cloud towards one standard bell curve around zero. The clouds overlap and "
        "fill the space, so you can pick any point and decode it. The **reconstruction loss** measures how "
        "well digits come back; the two losses pull against each other."
    )

# --- the same idea at scale -----------------------------------------------------------------------

st.divider()
st.header("The same idea at scale: Stable Diffusion's VAE")
st.markdown(
    "Stable Diffusion does not paint pixels directly. Its VAE encoder squeezes a picture into a smaller grid "
    "of 4 channels (8 times smaller each way for the real model), the diffusion model works in that small "
    "latent space, and the VAE decoder turns the result back into pixels."
)
bundle = loaders.model_if_loaded(kinds.IMAGE)
if bundle is None:
    st.info("The image model is not loaded yet. It is large, so this page only borrows it once another page "
            "(or this button) has loaded it.", icon=":material/download:")
    if st.button("Load the image model", key="vae_lab_load_sd", icon=":material/download:"):
        bundle = loaders.model(kinds.IMAGE)
if bundle is not None:
    limits = settings().limits
    sides = [side for side in (128, 256, 512) if side <= limits.max_image_side]
    upload_col, side_col = st.columns([2, 1])
    upload = upload_col.file_uploader("Your picture (optional)", type=["png", "jpg", "jpeg", "webp"],
                                      key="vae_lab_upload")
    with side_col:
        side = page.choice("Longest side (px)", "side", sides, sides[min(1, len(sides) - 1)])
    state = page.state(VaeLabState)
    trip = page.action("Encode and decode", "round_trip", area="sd_area", type="primary", icon=":material/compress:")
    if trip.clicked:
        with trip.area:
            picture = demo_picture(side)
            if upload is not None:
                from PIL import Image, UnidentifiedImageError

                try:
                    picture = Image.open(upload)
                    picture.load()
                except (UnidentifiedImageError, OSError):
                    st.warning("That file is not a picture this app can read; using the test picture instead.")
                    picture = demo_picture(side)
                except Image.DecompressionBombError:  # a tiny file can declare hundreds of millions of pixels
                    st.warning("That picture has too many pixels to open safely; using the test picture instead.")
                    picture = demo_picture(side)
            with st.spinner("Encoding and decoding…"):
                state.round_trip = sd_vae_round_trip(bundle, picture, side)
    with trip.area:
        result = state.round_trip
        if result:
            channels, height, width = result.latent_shape
            shape_m, ratio_m = st.columns(2)
            shape_m.metric("Latent shape", f"{channels} × {height} × {width}",
                           help=f"The picture is 3 × {result.original.height} × {result.original.width}.")
            ratio_m.metric("Compression", f"{result.compression:.0f}× fewer numbers",
                           help=f"This model shrinks each side {result.original.width // width}× and keeps 4 channels "
                                "instead of 3 colours.")
            original_col, decoded_col = st.columns(2)
            original_col.image(result.original, caption=f"original, {result.original.width}×{result.original.height}")
            decoded_col.image(result.decoded, caption="decoded from the latent")
            st.caption("The 4 latent channels, each stretched to black-to-white:")
            for column, channel in zip(st.columns(channels), result.latent_channels):
                column.image((channel * 255).astype(np.uint8), width="stretch")
            st.caption("Fine text and tiny faces suffer most: they do not fit in the latent grid. Everything "
                       "Stable Diffusion draws passes through this decoder.")
