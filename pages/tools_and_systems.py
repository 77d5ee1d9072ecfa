"""Tools and systems: the companies, platforms and products behind generative AI, each with the page that shows the
same idea and what this app uses from it (text and links only, no model)."""

import streamlit as st

from genai_demo.config import display_name, settings
from genai_demo.ui.layout import linked_card, page_intro

page = page_intro(
    "tools_and_systems",
    "Generative AI reaches people through a handful of companies, platforms and products. For each one: "
    "what it is, which page of this app demonstrates the same idea on a small scale, and what this app "
    "actually uses from it.",
)

config = settings()
SYSTEMS = {
    "OpenAI": {
        "kind": "Company and research lab",
        "what": "Builds the GPT family of language models, the DALL·E image models and the ChatGPT assistant, "
                "and sells access to them through an API.",
        "pages": [("pages/text_generation.py", f"Text generation (with {display_name(config.text_model)})"),
                  ("pages/how_llms_work.py", "How ChatGPT answers")],
        "uses": (f"GPT-2's weights and its tokenizer, published openly by OpenAI: `{config.text_model}`."
                 if display_name(config.text_model) == "GPT-2" else
                 f"Nothing at the moment: this server's text pages run `{config.text_model}` instead of OpenAI's "
                 "GPT-2 (`GENAI_TEXT_MODEL=openai-community/gpt2` brings it back)."),
    },
    "Hugging Face": {
        "kind": "Platform and open-source libraries",
        "what": "A hub where researchers and companies share models and datasets, plus the libraries "
                "(transformers, diffusers, sentence-transformers, peft) that load and run them.",
        "pages": [("pages/tokenizer.py", "Tokenizer: three tokenizers from the Hub, side by side")],
        "uses": "Every model in this app comes from the Hub and is loaded with its libraries: "
                f"`{config.text_model}`, `{config.chat_model}`, `{config.embed_model}` and "
                f"`{config.image_model or 'a Stable Diffusion pipeline chosen by device'}`.",
    },
    "LangChain": {
        "kind": "Developer framework",
        "what": "Glue code that connects language models to documents, databases, search engines and other "
                "tools, for example by retrieving relevant passages and pasting them into the prompt.",
        "pages": [("pages/embeddings.py", "Embeddings → retrieval-augmented answer"),
                  ("pages/made_up_facts.py", "Made-up facts, with and without retrieved context")],
        "uses": "Nothing directly: the retrieval step is written out in a few lines (`genai_demo/retrieval.py`) "
                "so you can see what such frameworks automate.",
    },
    "Stable Diffusion": {
        "kind": "Open image model",
        "what": "A text-to-image diffusion model whose weights are public, so anyone can run, study and "
                "fine-tune it.",
        "pages": [("pages/image_generation.py", "Image generation: every denoising step"),
                  ("pages/vae_lab.py", "VAE lab: its autoencoder at work")],
        "uses": "A Stable Diffusion pipeline through diffusers: "
                f"`{config.image_model or 'stabilityai/sd-turbo on CPU, stable-diffusion-v1-5 on GPU'}`.",
    },
    "ChatGPT": {
        "kind": "Product (assistant)",
        "what": "OpenAI's chat assistant: a large language model fine-tuned on conversations and refined with "
                "human feedback so that it answers helpfully, in a human-like way.",
        "pages": [("pages/chat.py", "Chat: the same recipe on a small model"),
                  ("pages/rlhf.py", "RLHF: preferences into a reward model"),
                  ("pages/how_llms_work.py", "How ChatGPT answers: 'What's the weather like today?'")],
        "uses": f"A small instruction-tuned model stands in for it: `{config.chat_model}`.",
    },
    "DALL·E": {
        "kind": "Product (image generator)",
        "what": "OpenAI's models that draw pictures from text descriptions.",
        "pages": [("pages/image_generation.py", "Image generation: prompt, steps, guidance, seed")],
        "uses": "Nothing: DALL·E's weights are not public. The image page runs an open model that works on "
                "the same principle of denoising guided by a text encoder.",
    },
    "Runway": {
        "kind": "Product (creative video tools)",
        "what": "Tools that let creators generate and edit video and images with AI: text-to-video, "
                "removing objects, extending shots.",
        "pages": [("pages/image_generation.py", "Image generation → Clip: a short animation between seeds")],
        "uses": "Nothing: the clip on the image page shows the core idea (moving smoothly through the model's "
                "hidden space) at a small scale.",
    },
}

choice = page.choice("System", "choice", list(SYSTEMS), "OpenAI", widget=st.pills, label_visibility="collapsed")
system = SYSTEMS[choice]
linked_card(choice, system["kind"], system["what"], "See the same idea here", system["pages"],
            "What this app uses from it", system["uses"])

st.subheader("At a glance")
st.dataframe(
    [{"system": name, "kind": details["kind"], "shown on": ", ".join(label.split(":")[0].split(" →")[0]
                                                                   for _, label in details["pages"])}
     for name, details in SYSTEMS.items()],
    hide_index=True, width="stretch",
)
