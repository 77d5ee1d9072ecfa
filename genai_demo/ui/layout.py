"""Page furniture shared by every page: the intro block and presenter mode."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from genai_demo.catalogue import page_info
from genai_demo.ui.colours import LINK_HOVER
from genai_demo.ui.inputs import PageInputs, correct_link_value

PRESENTER_KEY = "presenter"  # also its URL parameter: ?presenter=true survives reloads and page changes

_PRESENTER_CSS = """
<style>
/* Only the page grows: the sidebar menu keeps its size so every page name still fits. */
MAIN { font-size: 22px; }
MAIN [data-testid="stMarkdownContainer"] p,
MAIN [data-testid="stMarkdownContainer"] li { font-size: 1.15rem; }
MAIN [data-testid="stCaptionContainer"] { font-size: 1rem; }
MAIN h1 { font-size: 2.6rem !important; }
MAIN h2 { font-size: 2.0rem !important; }
MAIN h3 { font-size: 1.6rem !important; }
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; max-width: 100%; }
MAIN [data-testid="stMetricValue"],
MAIN [data-testid="stMetricValue"] * { font-size: 2.4rem !important; }
MAIN [data-testid="stMetricLabel"] p { font-size: 1.1rem !important; }
MAIN .gd-note { font-size: 0.8em; }  /* token ids under the chips: 16px or more */
/* What a learner types or picks is as large as the text around it. */
MAIN textarea, MAIN input,
MAIN [data-baseweb="select"] div { font-size: 1.1rem !important; }
MAIN [data-testid="stWidgetLabel"] p { font-size: 1.1rem !important; }
MAIN [data-testid="stTooltipIcon"] svg { width: 1.2rem; height: 1.2rem; }
/* Metric labels wrap instead of ending in "…" in narrow columns. */
MAIN [data-testid="stMetricLabel"],
MAIN [data-testid="stMetricLabel"] * { white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; height: auto !important; }
</style>
""".replace(
    # The page body: stMain, or on a page with a chat input the scroll-to-bottom container that replaces it.
    "MAIN", ':is([data-testid="stMain"], [data-testid="stAppScrollToBottomContainer"])')


_ON = ("true", "1", "yes", "on")
_OFF = ("false", "0", "no", "off")


def presenter_mode() -> bool:
    """On when the sidebar toggle is on, or (before the toggle has run this session) when the link says so."""
    if PRESENTER_KEY in st.session_state:
        return bool(st.session_state[PRESENTER_KEY])
    return st.query_params.get(PRESENTER_KEY, "").strip().lower() in _ON


def read_presenter_link() -> None:
    """Before the sidebar's toggle: a link's presenter=1, yes or on means on, as true does (the toggle itself
    reads only true and false); a value that is neither on nor off is removed with a notice."""
    linked = st.query_params.get(PRESENTER_KEY)
    if linked is None or PRESENTER_KEY in st.session_state:
        return
    word = linked.strip().lower()
    if word in _ON:
        correct_link_value(PRESENTER_KEY, "true", True)
    elif word not in _OFF:
        del st.query_params[PRESENTER_KEY]
        st.toast(f"The link's presenter={linked[:20]!r} is neither on nor off (true or false), so presenter mode "
                 "is off.", icon=":material/link_off:")


_COPY_LINK = """
<button class="genai-copy-link">Copy link</button>
<script>
for (const button of document.querySelectorAll('.genai-copy-link')) {
  button.onclick = () => {
    const url = window.location.href;
    const done = () => {
      button.textContent = 'Link copied'; setTimeout(() => button.textContent = 'Copy link', 2000);
    };
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(url).then(done); return; }
    const box = document.createElement('textarea');  // plain http on a classroom network: the old way
    box.value = url; document.body.appendChild(box); box.select(); document.execCommand('copy'); box.remove(); done();
  };
}
</script>
<style>
.genai-copy-link { font: inherit; font-size: 0.9rem; padding: 0.25rem 0.75rem; border-radius: 0.5rem;
  border: 1px solid rgba(49, 51, 63, 0.2); background: white; cursor: pointer; }
""" + f""".genai-copy-link:hover {{ border-color: {LINK_HOVER}; color: {LINK_HOVER}; }}
</style>
"""


def copy_link_button() -> None:
    """A button that copies the address bar: the page with its current prompt, knobs and seed."""
    # The browser knows the URL (Streamlit keeps each page's inputs in it); the server does not need to.
    st.html(_COPY_LINK, unsafe_allow_javascript=True)


def apply_presenter_style() -> None:
    """Large fonts for a projector; called by app.py on every run when presenter mode is on."""
    if presenter_mode():
        st.html(_PRESENTER_CSS)


def presenter_sized() -> None:
    """A page made for the projector (the Class page): wide and large whatever the presenter switch says."""
    st.set_page_config(layout="wide")
    if not presenter_mode():  # else app.py has already applied it
        st.html(_PRESENTER_CSS)


def mark_navigation_run() -> None:
    """app.py, just before it runs the page: this run of the session's page is inside the navigation."""
    st.session_state[_IN_NAVIGATION] = True


def run_through_navigation() -> None:
    """Make sure a page opened by a deep link runs inside app.py's navigation.

    Streamlit treats a `pages/` folder beside the entry script as an old-style multipage app until
    `st.navigation` has been called once in the process. A link such as /perceptron opened first after
    a restart would run the page on its own: no grouped menu, no sidebar, no presenter mode. So can a page
    that was open in a browser during the restart and reconnects on its own. Switching the process to
    navigation mode and rerunning sends the same page through app.py. The rerun happens only on a session's
    first run, which carries no button click that a rerun would drop.
    """
    # Each case reruns at most once per session, whatever Streamlit does.
    if _use_navigation_mode() and not st.session_state.get(_NAVIGATION_CHECKED):
        st.session_state[_NAVIGATION_CHECKED] = True
        st.rerun()
    if not st.session_state.get(_IN_NAVIGATION) and not st.session_state.get(_UNMARKED_CHECKED):
        st.session_state[_UNMARKED_CHECKED] = True
        st.rerun()


def _use_navigation_mode() -> bool:
    """Switch the process out of old-style multipage mode; True when it was still in it."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without this internal: nothing to correct
        return False
    if not getattr(PagesManager, "uses_pages_directory", False):
        return False
    PagesManager.uses_pages_directory = False
    return True


_NAVIGATION_CHECKED = "_navigation_checked"
_UNMARKED_CHECKED = "_unmarked_checked"
_IN_NAVIGATION = "_in_navigation"


def page_intro(page: str, intro: str) -> PageInputs:
    """Every page opens the same way: its catalogue title, two or three plain sentences, one thing to try.

    `page` is the page's file name without .py; the returned PageInputs binds the page's widgets.
    """
    run_through_navigation()
    info = page_info(page)
    inputs = PageInputs(page)
    inputs.start_run()
    st.title(info.page_title)
    st.markdown(intro)
    st.markdown(f":material/lightbulb: **Try this:** {info.try_this}")  # body text: readable on a projector
    return inputs


def grid(count: int, per_row: int = 2, border: bool = False) -> list[DeltaGenerator]:
    """`count` side-by-side cells, at most `per_row` to a row (the last row keeps the same cell width), so four
    columns of text stay readable on a laptop and on a projector."""
    cells: list[DeltaGenerator] = []
    for start in range(0, count, per_row):
        cells.extend(st.columns(per_row, border=border)[:count - start])
    return cells


def linked_card(title: str, kind: str, what: str, links_heading: str, links: list[tuple[str, str]],
                closing_heading: str, closing: str) -> None:
    """A bordered card: what something is, links to the pages that show it live, and a closing note."""
    with st.container(border=True):
        st.subheader(title)
        if kind:
            st.caption(kind)
        st.markdown(what)
        st.markdown(f"**{links_heading}**")
        for page, label in links:
            st.page_link(page, label=label, icon=":material/play_circle:")
        st.markdown(f"**{closing_heading}**")
        st.markdown(closing)
