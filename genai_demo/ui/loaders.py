"""The pages' models: one copy of each per process (shared by every session), inside the memory budget.

Each `*_model()` function returns the loaded bundle, or shows the shared error panel and stops the
page. The `*_or_none()` forms return None instead of stopping, for pages that can go on without.
The memory budget (`genai_demo.engine.budget`) owns the models, not `st.cache_resource`: it can unload
the least recently used one to make room, which a cache that keeps every entry alive could not.
A new kind of model needs one `_shared(...)` call with its loader.
With GENAI_TEXT_SERVER set, `text_writer()` and `chat_writer()` return the served model (its tokenizer
here, its weights on the server); `text_model()` and `chat_model()` stay local, for views that need weights.
"""

from __future__ import annotations

from typing import Callable, TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

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
from genai_demo.text.tokenizer_source import (
    NOT_LOADED,
    TOKENIZER_FILES,
    TokenizerSource,
    allowed_roots,
    tokenizer_source,
)
from genai_demo.ui.panels import model_unavailable_panel

T = TypeVar("T")


def _holder() -> tuple[str, str] | None:
    """(session, page) of the script run asking: that page keeps its models while the learner is on it."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return (ctx.session_id, ctx.page_script_hash) if ctx is not None else None


def _shared(kind: str, what: str, model_id: str, load: Callable[[str], T]) -> T:
    """The shared model; while it waits for memory the page says so, and afterwards how long it waited."""
    if engine.loaded_model(kind, model_id) is not None:
        return engine.shared_model(kind, what, model_id, load, _holder())
    notice = st.empty()
    waited_s = 0.0

    def on_wait(seconds: float, busy: list[str]) -> None:
        nonlocal waited_s
        waited_s = seconds
        notice.info(f"The {what} is waiting for memory ({seconds:.0f} s so far): this server's memory budget is "
                    f"taken by models other learners are using right now ({', '.join(busy)}). It loads as soon "
                    "as one of them is free.", icon=":material/hourglass_top:")

    with st.spinner(f"Loading the {what} (only the first time)…"):
        try:
            model = engine.shared_model(kind, what, model_id, load, _holder(), on_wait)
        finally:
            notice.empty()
    if waited_s:
        st.caption(f"The {what} had to wait {waited_s:.0f} s for memory: other learners' models filled the "
                   "server's memory budget.")
    return model


def _text_model() -> TextModel:
    return _shared("text", "text model", settings().text_model, engine.load_text_model)


def _chat_model() -> TextModel:
    return _shared("chat", "chat model", settings().chat_model, engine.load_chat_model)


def _embedder() -> Embedder:
    return _shared("embed", "sentence embedder", settings().embed_model, engine.load_embedder)


def _image_pipeline() -> ImagePipeline:
    return _shared("image", "image model", engine.image_model_id(), engine.load_image_pipeline)


def _speech_model() -> SpeechModel:
    return _shared("tts", "voice", settings().tts_model, engine.load_speech_model)


def _music_model() -> MusicModel:
    return _shared("music", "music model", settings().music_model, engine.load_music_model)


@st.cache_resource(show_spinner="Loading the served model's tokenizer (only the first time)…", max_entries=1)
def _served_model(server: TextServer) -> RemoteTextModel:
    return engine.load_remote_text_model(server)  # a tokenizer and a client: small, outside the budget


@st.cache_resource(show_spinner="Loading a tokenizer…", max_entries=8)
def _tokenizer(model_id: str):  # type: ignore[no-untyped-def]
    return engine.load_tokenizer(model_id)


def _or_stop(load: Callable[[], T]) -> T:
    try:
        return load()
    except ModelUnavailable as error:
        model_unavailable_panel(error)
        st.stop()
        raise  # st.stop() raises; this line only tells type checkers so


def _or_none(load: Callable[[], T]) -> T | None:
    try:
        return load()
    except ModelUnavailable as error:
        model_unavailable_panel(error)
        return None


def text_model() -> TextModel:
    """The shared text model."""
    return _or_stop(_text_model)


def text_model_or_none() -> TextModel | None:
    return _or_none(_text_model)


def text_writer() -> TextModel | RemoteTextModel:
    """The model that writes text on the text pages: the served one when GENAI_TEXT_SERVER is set."""
    server = settings().text_server
    return _or_stop(lambda: _served_model(server)) if server else text_model()


def text_writer_or_none() -> TextModel | RemoteTextModel | None:
    server = settings().text_server
    return _or_none(lambda: _served_model(server)) if server else text_model_or_none()


def chat_model() -> TextModel:
    return _or_stop(_chat_model)


def chat_writer() -> TextModel | RemoteTextModel:
    """The model the chat page talks to: the served one when GENAI_TEXT_SERVER is set."""
    server = settings().text_server
    return _or_stop(lambda: _served_model(server)) if server else chat_model()


def embedder() -> Embedder:
    return _or_stop(_embedder)


def embedder_or_none() -> Embedder | None:
    return _or_none(_embedder)


def image_pipeline() -> ImagePipeline:
    return _or_stop(_image_pipeline)


def speech_model() -> SpeechModel:
    return _or_stop(_speech_model)


def music_model() -> MusicModel:
    return _or_stop(_music_model)


def image_pipeline_if_loaded() -> ImagePipeline | None:
    """The image pipeline only if it is loaded now (pages that reuse its VAE never load it)."""
    return engine.loaded_model("image", engine.image_model_id())


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
