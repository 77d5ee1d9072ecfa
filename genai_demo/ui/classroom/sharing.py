"""Pages send work to the class through here: one call, one toast that says what happened."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

import streamlit as st
from PIL import Image

from genai_demo.classroom.links import CLASS_PARAM, TEACHER_PARAM
from genai_demo.classroom.store import ClassError, ClassInfo
from genai_demo.ui.classroom.membership import current_member, store_or_none

APP_ONLY = (CLASS_PARAM, TEACHER_PARAM)  # parameters a gallery link leaves out
GALLERY_SIDE = 512


def class_info() -> ClassInfo | None:
    """The class this learner is in (its prompts and open rounds), or None outside one or with the store down."""
    member = current_member()
    store = store_or_none() if member else None
    if member is None or store is None:
        return None
    try:
        return store.get_class(member.code)
    except ClassError:
        return None


def send(page: str, entry_kind: str, items: list[tuple[str, dict[str, Any]]], data: bytes | None = None,
         what: str = "your work") -> bool:
    """Send entries to the learner's class; says so in a toast (or why not). False outside a class."""
    member = current_member()
    store = store_or_none() if member else None
    if member is None or store is None:
        return False
    try:
        store.submit(member.code, member.learner, page, entry_kind, items, data)
    except ClassError as error:
        st.toast(str(error), icon=":material/group_off:")
        return False
    st.toast(f"Sent {what} to class {member.code} as {member.name}.", icon=":material/co_present:")
    return True


def page_link_now(page: str) -> str:
    """A link to this page with its current setup (the address's parameters), without the class: whoever opens
    it makes the same thing again."""
    params = {name: value for name, value in st.query_params.to_dict().items() if name not in APP_ONLY}
    return f"/{page}" + (f"?{urlencode(params)}" if params else "")


def gallery_button(page: str, entry_kind: str, made_with: Any, prompt_field: str, model: str, data: Callable[[], bytes],
                   key: str) -> None:
    """'Send to the class gallery' under a picture or a clip, for a learner in a class (nothing otherwise).

    `made_with` is the settings dataclass the picture or clip was made with; its `prompt_field` is the caption."""
    if current_member() is None:
        return
    if st.button("Send to the class gallery", key=key, icon=":material/co_present:"):
        settings = asdict(made_with)
        prompt = str(settings.pop(prompt_field))
        send(page, entry_kind, [(prompt, {**settings, "model": model, "link": page_link_now(page)})], data=data(),
             what="your " + ("picture" if entry_kind == "picture" else "clip"))


def gallery_png(image: Image.Image, side: int = GALLERY_SIDE) -> bytes:
    """A picture as a PNG at most `side` pixels wide and high, small enough for a projector's grid."""
    small = image.copy()
    small.thumbnail((side, side))
    out = io.BytesIO()
    small.save(out, format="PNG")
    return out.getvalue()
