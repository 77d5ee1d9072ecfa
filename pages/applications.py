"""Applications: what generative AI does for text, pictures, sound, video and conversation, each with the page
that tries it live here (text and links only, no model)."""

import streamlit as st

from genai_demo.config import display_name, settings
from genai_demo.ui.layout import linked_card, page_intro

page = page_intro(
    "applications",
    "The same idea (learn the patterns of many examples, then produce new material that follows them) "
    "powers tools for text, pictures, sound, video and conversation. For each one, here is what you can "
    "try live in this app and, where the app cannot run it, what real systems do.",
)

TEXT_MODEL = display_name(settings().text_model)
APPLICATIONS = {
    "Text": {
        "icon": ":material/edit_note:",
        "what": "Drafting essays and emails, answering questions, summarising long documents, translating, "
                "and writing or explaining code.",
        "live": [("pages/text_generation.py", f"Text generation: {TEXT_MODEL} with every sampling knob"),
                 ("pages/prompting.py", "Prompting: the same task asked three ways"),
                 ("pages/fine_tuning.py", f"Fine-tuning: teach {TEXT_MODEL} one style of writing")],
        "beyond": "Assistants such as ChatGPT use models hundreds of times larger than GPT-2, trained on far "
                  "more text and then tuned to follow instructions, which is why they summarise and code well "
                  "where GPT-2 rambles.",
    },
    "Images": {
        "icon": ":material/image:",
        "what": "Artwork, illustrations, product mock-ups, design variations and photo-like pictures from a "
                "sentence, as with DALL·E, Midjourney or Stable Diffusion.",
        "live": [("pages/image_generation.py", "Image generation: Stable Diffusion step by step"),
                 ("pages/gan_lab.py", "GAN lab: the generator-versus-discriminator idea"),
                 ("pages/vae_lab.py", "VAE lab: pictures squeezed into a few numbers and back")],
        "beyond": "Commercial image tools add much larger models, safety filters, editing (in-painting, "
                  "out-painting) and upscalers on top of the same denoising loop you can watch here.",
    },
    "Music and audio": {
        "icon": ":material/music_note:",
        "what": "Composing melodies, generating sound effects, cloning or synthesising voices, and turning "
                "text into speech.",
        "live": [("pages/text_to_speech.py", "Text to speech: a small voice model reads your sentence aloud"),
                 ("pages/text_to_music.py", "Text to music: MusicGen writes audio tokens one step at a time"),
                 ("pages/vae_lab.py", "VAE lab: the autoencoder idea behind EnCodec's audio tokens")],
        "beyond": "Commercial music and voice tools use much larger models trained on far more audio, and add "
                  "voice cloning from a short sample, singing, stereo and minutes-long songs. The principle is the "
                  "one the music page shows: audio becomes tokens, a model predicts the next token, and a "
                  "decoder turns the tokens back into sound.",
    },
    "Video": {
        "icon": ":material/movie:",
        "what": "Animating a still picture, generating short clips from a prompt, and editing footage, as "
                "creators do with tools such as Runway.",
        "live": [("pages/image_generation.py", "Image generation → Clip: morph between two seeds or two "
                                               "prompts and download the animation")],
        "beyond": "Video models generate many frames that must agree with each other over time; they are "
                  "far larger than the image model here. The clip on the image page shows the core trick "
                  "(moving smoothly through the model's hidden space), not a full video model.",
    },
    "Chatbots and assistants": {
        "icon": ":material/chat:",
        "what": "Customer-service bots, tutors and virtual assistants that hold a conversation and answer "
                "questions in a human-like way.",
        "live": [("pages/chat.py", "Chat: a small instruction-tuned model, and the exact text it reads"),
                 ("pages/how_llms_work.py", "How ChatGPT answers: tokens, attention, the next word"),
                 ("pages/rlhf.py", "RLHF: how human preferences steer the answers"),
                 ("pages/embeddings.py", "Embeddings: retrieval, so a bot can answer from your documents")],
        "beyond": "Production assistants connect the model to live data and tools (search, calendars, "
                  "databases) so they can answer questions such as today's weather, which a model alone "
                  "cannot know.",
    },
}

choice = page.choice("Application", "choice", list(APPLICATIONS), "Text", widget=st.pills,
                     label_visibility="collapsed")
application = APPLICATIONS[choice]
linked_card(f"{application['icon']} {choice}", "", application["what"], "Try it here", application["live"],
            "Beyond this app", application["beyond"])

with st.expander("All applications at a glance"):
    for name, details in APPLICATIONS.items():
        st.markdown(f"**{name}**: {details['what']} Live here: "
                    + ", ".join(label.split(":")[0] for _, label in details["live"]) + ".")
