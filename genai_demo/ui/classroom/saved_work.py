"""A learner's own work kept in the class store, so a reload, a second tab or a server restart loses nothing.

A page reads its saved work back once per session (`restore`, before it draws it) and keeps it after every
change (`keep`, which writes only what changed). When the database is down the page works as before, for this
visit only, and says so once.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from genai_demo.classroom.store import ClassError
from genai_demo.ui.classroom.membership import RESTORED, learner_id, store_or_none

_SAVED = "_saved"  # <page>_<name>_saved: what was last written, so an unchanged piece is not written again
_WARNED = "saved_work_warned"


def restore(page: str, name: str) -> Any | None:
    """The learner's kept `name` of `page` on the session's first call (None when nothing is kept), else None."""
    flag = f"{page}_{name}{RESTORED}"
    if st.session_state.get(flag):
        return None
    st.session_state[flag] = True
    store = store_or_none()
    if store is None:
        return None
    try:
        payload = store.load_work(learner_id(), page, name)
    except ClassError as error:
        _warn_once(error)
        return None
    st.session_state[f"{page}_{name}{_SAVED}"] = payload
    return payload


def keep(page: str, name: str, payload: Any, made: bool = True) -> None:
    """Keep `payload` (JSON values) as the learner's `name` of `page`, if it changed since it was last kept.

    `made` False: the payload is the page's own default; it is kept only over something kept before."""
    saved = f"{page}_{name}{_SAVED}"
    if st.session_state.get(saved) == payload or (not made and st.session_state.get(saved) is None):
        return
    store = store_or_none()
    if store is None:
        return
    try:
        store.save_work(learner_id(), page, name, payload)
    except ClassError as error:
        _warn_once(error)
        return
    st.session_state[saved] = payload


def _warn_once(error: ClassError) -> None:
    if not st.session_state.get(_WARNED):
        st.session_state[_WARNED] = True
        st.toast(f"Your work is not being kept after this visit: {error}", icon=":material/database_off:")
