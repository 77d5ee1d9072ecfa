"""Models cached once per process (shared by every session), keyed by (id, device, dtype).

Each `*_model()` function returns the loaded bundle, or shows the shared error panel and stops the
page. The `*_or_none()` forms return None instead of stopping, for pages that can go on without.
"""

from __future__ import annotations

import streamlit as st

from genai_demo import engine
from genai_demo.config import settings
from genai_demo.engine import Embedder, ImagePipeline, ModelUnavailable, TextModel
from genai_demo.ui.panels import model_unavailable_panel

# One entry per kind keeps a small deployment's memory bounded: a changed setting replaces the model.


@st.cache_resource(show_spinner="Loading the text model (only the first time)…", max_entries=1)
def _text_model(model_id: str, device: str, dtype: str) -> TextModel:
    return engine.load_text_model(model_id)


@st.cache_resource(show_spinner="Loading the chat model (only the first time)…", max_entries=1)
def _chat_model(model_id: str, device: str, dtype: str) -> TextModel:
    return engine.load_chat_model(model_id)


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


def text_model() -> TextModel:
    """The shared text model."""
    return _or_stop(_text_model, settings().text_model, *_key())


def text_model_or_none() -> TextModel | None:
    return _or_none(_text_model, settings().text_model, *_key())


def chat_model() -> TextModel:
    return _or_stop(_chat_model, settings().chat_model, *_key())


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
