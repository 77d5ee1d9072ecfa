"""Model families: LLMs, GANs, VAEs and diffusion models side by side: how each learns and generates (text only,
with links to the labs)."""

import streamlit as st

from genai_demo.config import display_name, settings
from genai_demo.ui.layout import page_intro

page_intro(
    "model_families",
    "Every generative model learns the patterns of its training data and then produces fresh examples, but "
    "the four big families go about it very differently. **LLMs** write text one token at a time, **GANs** "
    "pit a forger against a detective, **VAEs** squeeze data into a small code and rebuild it, and "
    "**diffusion** models learn to clean noise away.",
)

FAMILIES = [
    {
        "name": "LLMs",
        "icon": ":material/edit_note:",
        "page": "pages/text_generation.py",
        "link": f"Text generation ({display_name(settings().text_model)})",
        "makes": "Text (and code), one token after another.",
        "learns": "Reads huge amounts of text and is corrected every time it guesses the next token wrong.",
        "generates": "Repeatedly samples the next token from a probability list and appends it.",
        "strong": "Flexible: one model answers, summarises, translates and follows instructions.",
        "fails": "Confident made-up facts; repeats the biases of its data; limited context window.",
    },
    {
        "name": "GANs",
        "icon": ":material/swords:",
        "page": "pages/gan_lab.py",
        "link": "GAN lab",
        "makes": "Images (faces, art, textures), in one quick pass.",
        "learns": "A generator tries to fool a discriminator that judges real vs fake; both improve together.",
        "generates": "Feeds random noise through the generator: one forward pass, very fast.",
        "strong": "Sharp, detailed pictures and instant generation once trained.",
        "fails": "Unstable training; mode collapse (only a few kinds of output); hard to steer with text.",
    },
    {
        "name": "VAEs",
        "icon": ":material/blur_on:",
        "page": "pages/vae_lab.py",
        "link": "VAE lab",
        "makes": "Images, sounds, molecules, 3-D shapes: anything it can encode.",
        "learns": "An encoder squeezes each example into a small code; a decoder must rebuild it from there.",
        "generates": "Picks a point in the smooth code space and decodes it.",
        "strong": "Stable training, a meaningful and smooth code space, cheap compression.",
        "fails": "Blurry outputs on their own; fine details get lost in the squeeze.",
    },
    {
        "name": "Diffusion",
        "icon": ":material/image:",
        "page": "pages/image_generation.py",
        "link": "Image generation (Stable Diffusion)",
        "makes": "Images (and video, audio), guided by a text prompt.",
        "learns": "Noise is added to real pictures; the model learns to predict and remove that noise.",
        "generates": "Starts from pure noise and removes a little of it in each of many steps.",
        "strong": "High quality and variety, follows prompts well, stable to train.",
        "fails": "Slow (many steps); garbled text and hands; copies styles from its data.",
    },
]
ROWS = [("makes", "What it generates"), ("learns", "How it learns"), ("generates", "How it generates"),
        ("strong", "Strengths"), ("fails", "Failure modes")]

for pair in (FAMILIES[:2], FAMILIES[2:]):
    for column, family in zip(st.columns(2), pair):
        with column, st.container(border=True):
            st.subheader(f"{family['icon']} {family['name']}")
            for key, label in ROWS:
                st.markdown(f"**{label}.** {family[key]}")
            st.page_link(family["page"], label=f"Try it: {family['link']}", icon=":material/play_circle:")

st.header("At a glance")
GLANCE = {
    "Learns from": ("next-token errors", "a rival's verdict", "rebuild error + tidy code", "noise-removal error"),
    "Passes per output": ("one per token", "one", "one", "many (1 to 50+)"),
    "Typical failure": ("made-up facts", "mode collapse", "blur", "slow, odd hands"),
}
table = "| | " + " | ".join(family["name"] for family in FAMILIES) + " |\n" + "|---" * (len(FAMILIES) + 1) + "|\n"
table += "".join(f"| **{row}** | " + " | ".join(cells) + " |\n" for row, cells in GLANCE.items())
st.markdown(table)

with st.expander("How they connect"):
    st.markdown(
        "- The primer describes a GAN as a **generator** that creates images and a **discriminator** that "
        "checks whether an image is real or fake, competing until the fakes look real. The GAN lab lets you "
        "watch that contest on 2-D points, arrows and all.\n"
        "- It describes VAEs as another way to generate images, music or 3-D objects. What makes them "
        "generators is the small, smooth **latent space** in the middle: the VAE lab lets you drive through it.\n"
        "- The families mix. **Stable Diffusion** runs its diffusion steps inside a VAE's latent space (the "
        "VAE lab shows that VAE at work), and its prompt is read by a text encoder related to LLMs.\n"
        "- GANs led image generation for years; diffusion took over because it trains steadily and covers the "
        "full variety of its data instead of collapsing onto a few favourites."
    )
