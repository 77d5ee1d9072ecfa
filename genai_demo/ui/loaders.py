"""The pages' models: one copy of each per process (shared by every session), inside the memory budget.

`model(kinds.TEXT)` returns the loaded bundle of a kind (typed: a `TextModel` here), or shows the shared
error panel and stops the page; `model_or_none(kind)` returns None instead of stopping, for pages that can
go on without. The memory budget (`genai_demo.engine.budget`) owns the models, not `st.cache_resource`: it
can unload the least recently used one to make room, which a cache that keeps every entry alive could not.
A new kind of model needs nothing here: its record in `genai_demo.engine.kinds`.
With GENAI_TEXT_SERVER set, `text_writer()` and `chat_writer()` return the served model (its tokenizer
here, its weights on the server); `model(kinds.TEXT)` and `model(kinds.CHAT)` stay local, for views that
need weights.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from genai_demo.config import TextServer, settings
from genai_demo.engine.errors import ModelUnavailable
from genai_demo.engine.kinds import CHAT, TEXT
from genai_demo.engine.loader import load_tokenizer
from genai_demo.engine.model_kind import ModelKind
from genai_demo.engine.remote import RemoteTextModel, load_remote_text_model
from genai_demo.engine.shared import loaded_model, shared_model
from genai_demo.engine.writer import TextWriter
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


def _shared(kind: ModelKind[T]) -> T:
    """The shared model; while it waits for memory the page says so, and afterwards how long it waited."""
    model_id, what = kind.model_id(), kind.label
    if loaded_model(kind, model_id) is not None:
        return shared_model(kind, model_id, _holder())
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
            bundle = shared_model(kind, model_id, _holder(), on_wait)
        finally:
            notice.empty()
    if waited_s:
        st.caption(f"The {what} had to wait {waited_s:.0f} s for memory: other learners' models filled the "
                   "server's memory budget.")
    return bundle


@st.cache_resource(show_spinner="Loading the served model's tokenizer (only the first time)…", max_entries=1)
def _served_model(server: TextServer) -> RemoteTextModel:
    return load_remote_text_model(server)  # a tokenizer and a client: small, outside the budget


@st.cache_resource(show_spinner="Loading a tokenizer…", max_entries=8)
def _tokenizer(model_id: str):
    return load_tokenizer(model_id)


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


def model(kind: ModelKind[T]) -> T:
    """The shared model of `kind`; stops the page with an explanation if it is unavailable."""
    return _or_stop(lambda: _shared(kind))


def model_or_none(kind: ModelKind[T]) -> T | None:
    """The shared model of `kind`, or None after showing why it is unavailable."""
    return _or_none(lambda: _shared(kind))


def model_if_loaded(kind: ModelKind[T]) -> T | None:
    """The shared model of `kind` only if it is loaded now (a page that reuses its parts never loads it)."""
    return loaded_model(kind)


def text_writer() -> TextWriter:
    """The model that writes text on the text pages: the served one when GENAI_TEXT_SERVER is set."""
    server = settings().text_server
    return _or_stop(lambda: _served_model(server)) if server else model(TEXT)


def text_writer_or_none() -> TextWriter | None:
    """The serving engine when one is configured, else the local text model; None if unavailable."""
    server = settings().text_server
    return _or_none(lambda: _served_model(server)) if server else model_or_none(TEXT)


def chat_writer() -> TextWriter:
    """The model the chat page talks to: the served one when GENAI_TEXT_SERVER is set."""
    server = settings().text_server
    return _or_stop(lambda: _served_model(server)) if server else model(CHAT)


def tokenizer_or_error(model_id: str):
    """(tokenizer, None) or (None, ModelUnavailable) without drawing anything: the caller decides."""
    try:
        return _tokenizer(model_id), None
    except ModelUnavailable as error:
        return None, error


@st.cache_resource(show_spinner="Loading a tokenizer…", max_entries=4)
def _visitor_tokenizer(source: TokenizerSource):
    if source.kind == "folder":
        return load_tokenizer(source.name)
    from huggingface_hub import snapshot_download

    # The Hub's own lookup (its cache, or a download of the tokenizer files alone): a Hub id is never
    # read as a folder relative to the server's working directory.
    return load_tokenizer(snapshot_download(source.name, allow_patterns=list(TOKENIZER_FILES)))


def visitor_tokenizer(typed: str):
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
