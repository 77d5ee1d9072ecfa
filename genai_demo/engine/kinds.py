"""Every kind of model the app loads: one `ModelKind` record each, in `KINDS`.

The loader (`loader.load_model`), the shared copies inside the memory budget (`shared`), the pages'
loaders (`genai_demo.ui.loaders.model(kinds.TEXT)`) and the command line (`prefetch`, `doctor`) read
every kind-specific fact from these records. A new kind is one record here, added to `KINDS`, and its
loader function; pages then ask for it with `loaders.model(kinds.<its record>)`.
"""

from __future__ import annotations

from typing import Any

from genai_demo.config import Settings
from genai_demo.engine.bundles import Embedder, ImagePipeline, MusicModel, SpeechModel, TextModel
from genai_demo.engine.device import machine_device
from genai_demo.engine.estimates import picture_work_bytes
from genai_demo.engine.loader import (
    load_causal_lm,
    load_embedder,
    load_image_pipeline,
    load_music_model,
    load_speech_model,
)
from genai_demo.engine.model_kind import ModelKind


def image_model_for_this_machine(config: Settings) -> str:
    """GENAI_IMAGE_MODEL, else the default for the device the app picks (a GPU's is not a CPU's)."""
    return config.image_model_for(machine_device())


TEXT: ModelKind[TextModel] = ModelKind(
    name="text", label="text model", configured_id=lambda config: config.text_model, loader=load_causal_lm,
    prefetch_group="text")
CHAT: ModelKind[TextModel] = ModelKind(
    name="chat", label="chat model", configured_id=lambda config: config.chat_model, loader=load_causal_lm,
    prefetch_group="chat")
EMBED: ModelKind[Embedder] = ModelKind(
    name="embed", label="sentence embedder", configured_id=lambda config: config.embed_model, loader=load_embedder,
    prefetch_group="embed", workload="similarity")
IMAGE: ModelKind[ImagePipeline] = ModelKind(
    name="image", label="image model", configured_id=image_model_for_this_machine, loader=load_image_pipeline,
    prefetch_group="image", workload="images", fp16_files=True, work_bytes=picture_work_bytes)
TTS: ModelKind[SpeechModel] = ModelKind(
    name="tts", label="voice", configured_id=lambda config: config.tts_model, loader=load_speech_model,
    prefetch_group="audio")
MUSIC: ModelKind[MusicModel] = ModelKind(
    name="music", label="music model", configured_id=lambda config: config.music_model, loader=load_music_model,
    prefetch_group="audio")

KINDS: tuple[ModelKind[Any], ...] = (TEXT, CHAT, EMBED, IMAGE, TTS, MUSIC)


def named(name: str) -> ModelKind[Any]:
    """The kind called `name` (KeyError for a name no kind has)."""
    for kind in KINDS:
        if kind.name == name:
            return kind
    raise KeyError(f"no model kind is called {name!r}; the kinds are {', '.join(k.name for k in KINDS)}")


def prefetch_groups() -> list[str]:
    """The groups `python -m genai_demo prefetch` accepts, in the order of `KINDS`."""
    return list(dict.fromkeys(kind.prefetch_group for kind in KINDS))
