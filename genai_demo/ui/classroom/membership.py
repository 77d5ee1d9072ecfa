"""Who this learner is and which class they are in: the sidebar's class panel, read by every page.

A learner has no account: a random id in a browser cookie finds their saved work and their place in a class
again after a reload, in a second tab and after a server restart. The class is in the address (`?class=CODE`,
bound to the sidebar's code box like presenter mode), so it follows the learner from page to page. A teacher
link's key (`?teacher=KEY`) is read once, makes this learner a teacher of the class in the database, and is
removed from the address at once: the projector never shows it, and a copied link never carries it.
"""

from __future__ import annotations

import streamlit as st

from genai_demo.classroom import codes, links
from genai_demo.classroom.shared import class_store
from genai_demo.classroom.store import ClassError, ClassStore, Member
from genai_demo.ui.inputs import correct_link_value

CLASS_KEY = links.CLASS_PARAM  # the sidebar's code box; also its URL parameter
LEARNER_KEY = "learner"  # this session's learner id
MEMBER_KEY = "class_member"  # the Member this run found (None outside a class)
TEACHER_KEY_KEY = "class_teacher_key"  # the key of a class this session started: shown to its teacher only
LEARNER_COOKIE = "genai_learner"
COOKIE_DAYS = 365
_JOIN_NOTICE = "class_notice"
RESTORED = "_restored"  # <page>_restored: the page's saved work was read back this session

_SET_COOKIE = """<script>
document.cookie = "{name}={value}; path=/; max-age={seconds}; SameSite=Lax";
</script>"""


def learner_id() -> str:
    """This learner's id: from the session, else the browser's cookie, else a new one (written to the cookie)."""
    known = st.session_state.get(LEARNER_KEY)
    if codes.valid_learner_id(known):
        return known
    cookie = st.context.cookies.get(LEARNER_COOKIE)
    learner = cookie if codes.valid_learner_id(cookie) else codes.new_learner_id()
    st.session_state[LEARNER_KEY] = learner
    return learner


def remember_learner() -> None:
    """Write the learner's id into the browser's cookie when the browser does not have it yet (app.py, each run)."""
    learner = learner_id()
    if st.context.cookies.get(LEARNER_COOKIE) != learner:
        st.html(_SET_COOKIE.format(name=LEARNER_COOKIE, value=learner, seconds=COOKIE_DAYS * 86_400),
                unsafe_allow_javascript=True, width=1)


def current_member() -> Member | None:
    """The class membership the sidebar found on this run (None outside a class or with the store down)."""
    member = st.session_state.get(MEMBER_KEY)
    return member if isinstance(member, Member) else None


def store_or_none() -> ClassStore | None:
    """The class store, or None with the reason shown once, when its database is down: pages keep working."""
    try:
        return class_store()
    except ClassError as error:
        st.sidebar.warning(str(error), icon=":material/database_off:")
        return None


def class_sidebar() -> None:
    """The sidebar's class panel: join by code or link, start a class, rename, leave, forget my work."""
    st.session_state[MEMBER_KEY] = None
    teacher_key = st.query_params.get(links.TEACHER_PARAM)
    if teacher_key is not None:
        del st.query_params[links.TEACHER_PARAM]  # never kept in the address, a copied link or a screenshot
    linked = st.query_params.get(CLASS_KEY)
    if linked is not None and CLASS_KEY not in st.session_state:
        normalised = codes.normalise_code(linked)
        if normalised and normalised != linked:  # ?class=k7qh-2m: the code in its one written form
            correct_link_value(CLASS_KEY, normalised, normalised)
            linked = normalised
    typed = st.session_state.get(CLASS_KEY, linked) or ""
    code = codes.normalise_code(typed)
    member = None
    if code:
        store = store_or_none()
        if store is None:
            return
        try:
            # One query a run for a learner already in the class (a class's members go with it).
            member = store.member(code, learner_id()) if teacher_key is None else None
            if member is None:
                member = store.join(code, learner_id(), teacher_key=teacher_key)
        except ClassError as error:
            member = None
            st.session_state[_JOIN_NOTICE] = str(error)
        st.session_state[MEMBER_KEY] = member
    elif typed.strip():
        st.session_state[_JOIN_NOTICE] = (f"'{typed[:12]}' is not a class code: a code has "
                                          f"{codes.CODE_LENGTH} letters and digits, such as K7QH2M.")
    label = f"Class {member.code} · {member.name}" if member else "Join or start a class"
    with st.popover(label, icon=":material/groups:", width="stretch"):
        _class_panel(member)
    notice = st.session_state.pop(_JOIN_NOTICE, None)
    if notice:
        st.warning(notice, icon=":material/group_off:")


def _class_panel(member: Member | None) -> None:
    st.text_input("Class code", key=CLASS_KEY, bind="query-params", max_chars=12, placeholder="K7QH2M",
                  help="The code on the teacher's screen. Empty it to leave the class.")
    if member is None:
        st.caption("Or start a class for your room: you get the join code, a QR code and the teacher's controls.")
        start_class_button()
    else:
        role = "the teacher" if member.teacher else "a learner"
        st.markdown(f"You are **{member.name}**, {role} of class **{member.code}**.")
        st.text_input("Your name in the class", value=member.name, key="class_name", max_chars=30,
                      on_change=_rename, args=(member,))
        st.page_link(f"pages/{links.CLASS_PAGE}.py", label="Open the class's projector view",
                     icon=":material/co_present:", query_params={CLASS_KEY: member.code})
        st.button("Leave the class", key="class_leave", icon=":material/logout:", on_click=_leave)
    st.divider()
    st.caption("Your chats, RLHF choices, fine-tuning text and class entries are kept on this server for "
               "your browser, so a reload loses nothing.")
    st.button("Forget my work", key="class_forget", icon=":material/delete_forever:", on_click=_forget,
              help="Deletes everything this server keeps for your browser: saved work and your class entries.")


def start_class_button(key: str = "class_start") -> None:
    """'Start a class': a new class with this learner as its teacher, then its projector view."""
    st.button("Start a class", key=key, icon=":material/add:", on_click=_start_class)


def _start_class() -> None:
    store = store_or_none()
    if store is None:
        return
    try:
        made = store.new_class()
        store.join(made.code, learner_id(), teacher_key=made.teacher_key)
    except ClassError as error:
        st.session_state[_JOIN_NOTICE] = str(error)
        return
    st.session_state[CLASS_KEY] = made.code
    st.session_state[TEACHER_KEY_KEY] = (made.code, made.teacher_key)
    st.session_state["class_go_to_room"] = True


def go_to_room_if_started() -> None:
    """After 'Start a class' (app.py, before the page runs): open the new class's projector view."""
    if st.session_state.pop("class_go_to_room", False):
        st.switch_page(f"pages/{links.CLASS_PAGE}.py", query_params={CLASS_KEY: st.session_state[CLASS_KEY]})


def _rename(member: Member) -> None:
    store = store_or_none()
    if store is None:
        return
    try:
        st.session_state["class_name"] = store.rename(member.code, member.learner, st.session_state["class_name"])
    except ClassError as error:
        st.session_state[_JOIN_NOTICE] = str(error)


def _leave() -> None:
    st.session_state[CLASS_KEY] = ""


def _forget() -> None:
    store = store_or_none()
    if store is None:
        return
    try:
        store.forget_learner(learner_id())
    except ClassError as error:
        st.session_state[_JOIN_NOTICE] = str(error)
        return
    st.session_state[CLASS_KEY] = ""
    for key in [key for key in st.session_state if key.endswith(("_state", RESTORED))]:
        del st.session_state[key]  # what the pages hold of it in this session goes too
    st.toast("Everything this server kept for your browser is deleted.", icon=":material/delete_forever:")
