"""Models cached once per process (shared by every session), keyed by (id, device, dtype).

Each `*_model()` function returns the loaded bundle, or shows the shared error panel and stops the
page. The `*_or_none()` forms return None instead of stopping, for pages that can go on without.
With GENAI_TEXT_SERVER set, `text_writer()` and `chat_writer()` return the served model (its tokenizer
here, its weights on the server); `text_model()` and `chat_model()` stay local, for views that need weights.
"""

from __future__ import annotations

import streamlit as st

from genai_demo import engine
from genai_demo.config import TextServer, settings
from genai_demo.engine import (
    Embedder,
    ImagePipeline,
    ModelUnavailable,
    MusicModel,
    RemoteTextModel,
    SpeechModel,
    TextModel,
)
from genai_demo.tokenizer_source import NOT_LOADED, TOKENIZER_FILES, TokenizerSource, allowed_roots, tokenizer_source
from genai_demo.ui.panels import model_unavailable_panel

# One entry per kind keeps a small deployment's memory bounded: a changed setting replaces the model.


@st.cache_resource(show_spinner="Loading the text model (only the first time)…", max_entries=2)
def _text_model(model_id: str, device: str, dtype: str, attention: str) -> TextModel:
    return engine.load_text_model(model_id, attention=attention)


@st.cache_resource(show_spinner="Loading the chat model (only the first time)…", max_entries=1)
def _chat_model(model_id: str, device: str, dtype: str) -> TextModel:
    return engine.load_chat_model(model_id)


@st.cache_resource(show_spinner="Loading the served model's tokenizer (only the first time)…", max_entries=1)
def _served_model(server: TextServer) -> RemoteTextModel:
    return engine.load_remote_text_model(server)


@st.cache_resource(show_spinner="Loading the sentence embedder (only the first time)…", max_entries=1)
def _embedder(model_id: str, device: str, dtype: str) -> Embedder:
    return engine.load_embedder(model_id)


@st.cache_resource(show_spinner="Loading the image model (only the first time; it is large)…", max_entries=1)
def _image_pipeline(model_id: str, device: str, dtype: str) -> ImagePipeline:
    return engine.load_image_pipeline(model_id)


@st.cache_resource(show_spinner="Loading a tokenizer…", max_entries=8)
def _tokenizer(model_id: str):  # type: ignore[no-untyped-def]
    return engine.load_tokenizer(model_id)


def _or_stop(load, *args):  # type: ignore[no-untyped-def]
    try:
        return load(*args)
    except ModelUnavailable as error:
        model_unavailable_panel(error)
        st.stop()


def _or_none(load, *args):  # type: ignore[no-untyped-def]
    try:
        return load(*args)
    except ModelUnavailable as error:
        model_unavailable_panel(error)
        return None


def _key() -> tuple[str, str]:
    return settings().device, settings().dtype


def text_model(attention: str = "sdpa") -> TextModel:
    """The shared text model; `attention="eager"` for a copy that returns attention weights."""
    return _or_stop(_text_model, settings().text_model, *_key(), attention)


def text_model_or_none(attention: str = "sdpa") -> TextModel | None:
    return _or_none(_text_model, settings().text_model, *_key(), attention)


def text_writer() -> TextModel | RemoteTextModel:
    """The model that writes text on the text pages: the served one when GENAI_TEXT_SERVER is set."""
    server = settings().text_server
    return _or_stop(_served_model, server) if server else text_model()


def text_writer_or_none() -> TextModel | RemoteTextModel | None:
    server = settings().text_server
    return _or_none(_served_model, server) if server else text_model_or_none()


def chat_model() -> TextModel:
    return _or_stop(_chat_model, settings().chat_model, *_key())


def chat_writer() -> TextModel | RemoteTextModel:
    """The model the chat page talks to: the served one when GENAI_TEXT_SERVER is set."""
    server = settings().text_server
    return _or_stop(_served_model, server) if server else chat_model()


def embedder() -> Embedder:
    return _or_stop(_embedder, settings().embed_model, *_key())


def embedder_or_none() -> Embedder | None:
    return _or_none(_embedder, settings().embed_model, *_key())


def image_pipeline() -> ImagePipeline:
    pipeline = _or_stop(_image_pipeline, settings().image_model or "", *_key())
    _loaded_kinds.add("image")
    return pipeline


def image_pipeline_if_loaded() -> ImagePipeline | None:
    """The image pipeline only if a session already loaded it (pages that reuse its VAE never load it)."""
    if "image" not in _loaded_kinds:
        return None
    try:
        return _image_pipeline(settings().image_model or "", *_key())
    except ModelUnavailable:
        return None


_loaded_kinds: set[str] = set()


def tokenizer_or_error(model_id: str):  # type: ignore[no-untyped-def]
    """(tokenizer, None) or (None, ModelUnavailable) without drawing anything: the caller decides."""
    try:
        return _tokenizer(model_id), None
    except ModelUnavailable as error:
        return None, error


@st.cache_resource(show_spinner="Loading a tokenizer…", max_entries=4)
def _visitor_tokenizer(source: TokenizerSource):  # type: ignore[no-untyped-def]
    if source.kind == "folder":
        return engine.load_tokenizer(source.name)
    from huggingface_hub import snapshot_download

    # The Hub's own lookup (its cache, or a download of the tokenizer files alone): a Hub id is never
    # read as a folder relative to the server's working directory.
    return engine.load_tokenizer(snapshot_download(source.name, allow_patterns=list(TOKENIZER_FILES)))


def visitor_tokenizer(typed: str):  # type: ignore[no-untyped-def]
    """(tokenizer, None) or (None, message) for a name a visitor typed: a Hub id or a folder under the app's
    model folders. The message is the same whatever exists on the server."""
    try:
        source = tokenizer_source(typed, allowed_roots(settings()))
    except ValueError as refused:
        return None, str(refused)
    try:
        return _visitor_tokenizer(source), None
    except Exception:  # noqa: BLE001 - any failure (missing, offline, not a tokenizer) reads the same
        return None, NOT_LOADED


@st.cache_resource(show_spinner="Loading the voice (only the first time)…", max_entries=1)
def _speech_model(model_id: str, device: str, dtype: str) -> SpeechModel:
    return engine.load_speech_model(model_id)


@st.cache_resource(show_spinner="Loading the music model (only the first time; it is large)…", max_entries=1)
def _music_model(model_id: str, device: str, dtype: str) -> MusicModel:
    return engine.load_music_model(model_id)


def speech_model() -> SpeechModel:
    return _or_stop(_speech_model, settings().tts_model, *_key())


def music_model() -> MusicModel:
    return _or_stop(_music_model, settings().music_model, *_key())
