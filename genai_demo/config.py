"""Every model id, path, limit and flag of the app, read once from environment variables.

A `.streamlit/secrets.toml` or a `.env` file may set the same names; Streamlit copies top-level
secrets into the environment, and `python-dotenv` (when installed) reads `.env`.
Call `settings.cache_clear()` after changing the environment (tests do).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DEFAULT_TEXT_MODEL = "openai-community/gpt2"
DEFAULT_EMBED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_CHAT_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
# A one-to-four step distilled model gives a CPU user a picture in seconds; SD 1.5 needs a GPU.
DEFAULT_IMAGE_MODEL_CPU = "stabilityai/sd-turbo"
DEFAULT_IMAGE_MODEL_GPU = "stable-diffusion-v1-5/stable-diffusion-v1-5"
# A public deployment (Community Cloud: a few GB, no GPU) needs an image model that fits beside the app:
# BK-SDM-Tiny, SD 1.4 with a 0.33 B UNet (sd-turbo's 0.87 B UNet alone takes 3.5 GB in float32).
DEFAULT_IMAGE_MODEL_PUBLIC = "nota-ai/bk-sdm-tiny"
# What a small container gives an app (issue 18's target). The budget keeps the models and what the
# process holds beside them under it; a picture being drawn needs up to about 0.9 GB on top at 512x512.
PUBLIC_MEMORY_BUDGET_GB = 3.0
# The standard Stable Diffusion image filter: public deployments add it to models shipped without one.
SAFETY_CHECKER_MODEL = "CompVis/stable-diffusion-safety-checker"

DEVICES = ("auto", "cpu", "cuda", "mps")
DTYPES = ("auto", "float32", "bfloat16", "float16")


@dataclass(frozen=True)
class Limits:
    """Server-side limits. Pages set widget ranges from these, and genai_demo enforces them again."""

    max_prompt_chars: int
    max_new_tokens: int
    max_columns: int
    max_tokenizer_chars: int
    max_sentences: int
    max_image_side: int
    max_image_steps: int
    max_image_batch: int
    max_clip_frames: int
    max_train_steps: int
    max_train_chars: int


FULL_LIMITS = Limits(
    max_prompt_chars=20_000,
    max_new_tokens=512,
    max_columns=4,
    max_tokenizer_chars=20_000,
    max_sentences=200,
    max_image_side=1024,
    max_image_steps=100,
    max_image_batch=8,
    max_clip_frames=24,
    max_train_steps=2_000,
    max_train_chars=50_000,
)

# A public deployment (Streamlit Community Cloud) shares one small CPU between many visitors.
PUBLIC_LIMITS = Limits(
    max_prompt_chars=4_000,
    max_new_tokens=128,
    max_columns=2,
    max_tokenizer_chars=5_000,
    max_sentences=50,
    max_image_side=512,
    max_image_steps=30,
    max_image_batch=4,
    max_clip_frames=12,
    max_train_steps=300,
    max_train_chars=10_000,
)


@dataclass(frozen=True)
class Settings:
    text_model: str
    embed_model: str
    chat_model: str
    image_model: str | None  # None: chosen by device when the pipeline is loaded
    device: str
    dtype: str
    public: bool
    offline: bool
    memory_budget_gb: float | None
    max_batch: int | None  # rows per decoding step of a text engine; None: chosen by device
    limits: Limits

    def image_model_for(self, device: str) -> str:
        if self.image_model:
            return self.image_model
        if device == "cuda":
            return DEFAULT_IMAGE_MODEL_GPU
        return DEFAULT_IMAGE_MODEL_PUBLIC if self.public else DEFAULT_IMAGE_MODEL_CPU


# Names people know the default models by; any other model is called by the last part of its id or folder.
KNOWN_NAMES = {"openai-community/gpt2": "GPT-2", "gpt2": "GPT-2", DEFAULT_CHAT_MODEL: "SmolLM2-135M-Instruct"}


def display_name(model_id: str) -> str:
    """A model's name for a page: "GPT-2" for the default, else the last part of a Hub id or folder path."""
    if model_id in KNOWN_NAMES:
        return KNOWN_NAMES[model_id]
    return Path(model_id.rstrip("/\\")).name or model_id


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    value = os.environ.get(name, "auto").strip().lower() or "auto"
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(allowed)}")
    return value


def _model(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    # A local folder works like a Hub id; "~" and relative paths are resolved for the user.
    expanded = Path(value).expanduser()
    return str(expanded.resolve()) if expanded.exists() else value


def _positive_int(name: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name}={value!r} must be a whole number of at least 1")
    return int(value)


def _positive_float(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0 or number == float("inf"):
        raise ValueError(f"{name}={value!r} must be a number of gigabytes above 0, e.g. 2.5")
    return number


def _load_dotenv() -> None:
    try:
        from dotenv import load_dotenv
    except ImportError:
        return
    load_dotenv(override=False)


@cache
def settings() -> Settings:
    """The app's settings, read from the environment once per process."""
    _load_dotenv()
    public = _flag("GENAI_PUBLIC")
    budget = os.environ.get("GENAI_MEMORY_BUDGET_GB", "").strip()
    max_batch = os.environ.get("GENAI_MAX_BATCH", "").strip()
    image_model = os.environ.get("GENAI_IMAGE_MODEL", "").strip()
    return Settings(
        text_model=_model("GENAI_TEXT_MODEL", DEFAULT_TEXT_MODEL),
        embed_model=_model("GENAI_EMBED_MODEL", DEFAULT_EMBED_MODEL),
        chat_model=_model("GENAI_CHAT_MODEL", DEFAULT_CHAT_MODEL),
        image_model=_model("GENAI_IMAGE_MODEL", image_model) if image_model else None,
        device=_choice("GENAI_DEVICE", DEVICES),
        dtype=_choice("GENAI_DTYPE", DTYPES),
        public=public,
        offline=_flag("HF_HUB_OFFLINE") or _flag("TRANSFORMERS_OFFLINE"),
        memory_budget_gb=_positive_float("GENAI_MEMORY_BUDGET_GB", budget) if budget else (
            PUBLIC_MEMORY_BUDGET_GB if public else None),
        max_batch=_positive_int("GENAI_MAX_BATCH", max_batch) if max_batch else None,
        limits=PUBLIC_LIMITS if public else FULL_LIMITS,
    )
