"""One way for a page to own its inputs: named after the page, kept for the session, written into the URL.

Every widget a page binds through `PageInputs` gets the session key `<page>_<name>` (the page's file
name, then the input's name). Streamlit mirrors the value into the address bar under that key
(`bind="query-params"`), so a copied link reproduces the setup, and keeps it when the learner visits
another page and comes back (`persist_state="session"`).

Values a learner cannot pick by hand (a link's temperature of 99, a pasted text over the limit, a number
typed past its range) are not dropped silently: they are clamped or cut, and the page says which value it
used instead.

Besides its inputs a page owns:
- its **actions**: `page.action(label, name)` is a button with the area its result appears in right under it,
  scrolled into view on the click's run;
- its **state**: what it keeps across reruns (results, a trained copy, a chat) is one dataclass per page,
  `page.state(Kind)`, under the one session key `<page>_state`; forgetting something resets (part of) it.
  Shared machinery that keeps its own state for a page names its one key: a live-training lab's trainer and
  loop are `page.state(LiveLab, "lab")`, under `<page>_lab`;
- its **seeds**: `page.seed(label, name, value)`, every one from 0 to `config.MAX_SEED`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from genai_demo.config import MAX_SEED
from genai_demo.ui.progress import bring_into_view

T = TypeVar("T")
S = TypeVar("S")
N = TypeVar("N", int, float)  # a slider's or number box's numbers: all whole, or all floats

# Parameters that belong to the whole app rather than one page (app.py's sidebar, Streamlit's own).
APP_PARAMS = frozenset({"presenter", "class", "teacher", "embed", "embed_options"})
_NOTICE = "_notice"
_DRAWN = "_inputs_drawn"  # (page, the keys of the inputs this run has drawn so far)
STATE = "state"  # the name of a page's one state key: <page>_state


@dataclass(frozen=True)
class Action:
    """A page's button and the area under it where the work it starts shows its result."""

    clicked: bool  # on this run
    area: DeltaGenerator  # st.container(key=<page>_<area>)


class PageInputs:
    """The inputs of one page. Create it once per page (page_intro does) and bind every widget through it."""

    def __init__(self, page: str) -> None:
        self.page = page

    def key(self, name: str) -> str:
        """The session-state key (and URL parameter) of one input of this page."""
        return f"{self.page}_{name}"

    # --- the widgets -------------------------------------------------------------------------------

    def slider(self, label: str, name: str, min_value: N, max_value: N, value: N, step: N | None = None,
               **kwargs: Any) -> N:
        """A slider whose link value is clamped into its range (with a notice) instead of being dropped."""
        key = self.key(name)
        self._clamp_link_value(key, label, min_value, max_value, value)
        return st.slider(label, min_value, max_value, value, step, **self._bind(key), **kwargs)

    def number(self, label: str, name: str, min_value: N, max_value: N, value: N, step: N | None = None,
               **kwargs: Any) -> N:
        """A number box. A typed or linked value out of range is replaced by the nearest allowed one, and
        the page says so (Streamlit's own range check would keep the old value with only a red outline)."""
        key = self.key(name)
        self._clamp_link_value(key, label, min_value, max_value, value)
        kind = type(value)
        result = st.number_input(label, value=value, step=step, on_change=_clamp_number,
                                 args=(key, label, kind(min_value), kind(max_value)), **self._bind(key), **kwargs)
        if not min_value <= result <= max_value:
            # A link's value reaches the box before _clamp_link_value can replace it (on a first load the link
            # beats session state, and the box has no range of its own): the page uses the nearest allowed one.
            used = kind(min(max(result, min_value), max_value))
            _set_notice(key, _out_of_range_message(label, result, min_value, max_value, used))
            result = used
        self._show_notice(key)
        return result

    def text(self, label: str, name: str, value: str, max_chars: int, area: bool = True, **kwargs: Any) -> str:
        """A text box that accepts any paste and keeps the first max_chars characters, saying so."""
        key = self.key(name)
        linked = st.query_params.get(key)
        if linked is not None and len(linked) > max_chars and key not in st.session_state:
            correct_link_value(key, linked[:max_chars], linked[:max_chars])
            _set_notice(key, _cut_message(label, len(linked), max_chars))
        widget = st.text_area if area else st.text_input
        result = widget(label, value=value, on_change=_cut_text, args=(key, label, max_chars),
                        **self._bind(key), **kwargs)
        self._show_notice(key)
        return result[:max_chars]

    def choice(self, label: str, name: str, options: Sequence[T], value: T, widget: Callable[..., Any] = st.selectbox,
               **kwargs: Any) -> T:
        """One of options, as a selectbox (default), st.radio, st.segmented_control or st.pills.

        In a link the choice is written as its label (format_func's text when given)."""
        key = self.key(name)
        label_of = kwargs.get("format_func", str)
        self._check_link_choice(key, label, [str(label_of(option)) for option in options])
        index = list(options).index(value)
        if widget in (st.segmented_control, st.pills):
            chosen = widget(label, options, default=value, **self._bind(key), **kwargs)
            return value if chosen is None else chosen  # clicking the chosen segment again unselects it
        return widget(label, options, index=index, **self._bind(key), **kwargs)

    def toggle(self, label: str, name: str, value: bool = False, **kwargs: Any) -> bool:
        return st.toggle(label, value=value, **self._bind(self.key(name)), **kwargs)

    def checkbox(self, label: str, name: str, value: bool = False, **kwargs: Any) -> bool:
        return st.checkbox(label, value=value, **self._bind(self.key(name)), **kwargs)

    def multiselect(self, label: str, name: str, options: Sequence[T], value: Sequence[T], **kwargs: Any) -> list[T]:
        return st.multiselect(label, options, default=list(value), **self._bind(self.key(name)), **kwargs)

    def tabs(self, labels: Sequence[str], name: str = "tab") -> Sequence[Any]:
        """Tabs whose open tab is in the URL, so a link opens the same tab.

        The tabs track which one is open, so a page runs only that tab's work:
        `with tab: if tab.open: ...` (Streamlit otherwise runs every tab's body on each rerun)."""
        _drawn(self.key(name))
        return st.tabs(list(labels), key=self.key(name), bind="query-params")

    def seed(self, label: str = "Seed", name: str = "seed", value: int = 0, **kwargs: Any) -> int:
        """A seed box. Every seed of the app runs from 0 to MAX_SEED; a link's seed past it is clamped, with a
        notice."""
        return int(self.number(label, name, 0, MAX_SEED, value, 1, **kwargs))

    # --- actions and state -------------------------------------------------------------------------

    def button(self, label: str, name: str, keep_click: bool = False, **kwargs: Any) -> bool:
        """A button keyed <page>_<name>: True on the run its click starts.

        keep_click: the button's callback (callbacks run before the script) remembers the click until the page
        draws the button again, so the click still counts when another rerun, say of a fragment, comes first,
        and a long action runs exactly once."""
        key = self.key(name)
        if not keep_click:
            return st.button(label, key=key, **kwargs)
        requested = key + "_requested"
        st.button(label, key=key, on_click=st.session_state.__setitem__, args=(requested, True), **kwargs)
        return bool(st.session_state.pop(requested, False))

    def action(self, label: str, name: str, area: str = "result", keep_click: bool = False, **kwargs: Any) -> Action:
        """The one way to start a piece of work: the button <page>_<name> and, right under it, the area
        <page>_<area> where the work shows its progress and its result.

        On the click's run the browser scrolls the area into view before the work starts, so the learner
        watches the result arrive. Keep the result in the page's state and show it in `.area` on every run.
        """
        clicked = self.button(label, name, keep_click, **kwargs)
        if clicked:
            bring_into_view(self.key(area))
        return Action(clicked, st.container(key=self.key(area)))

    def state(self, kind: type[S], name: str = STATE) -> S:
        """This session's state of the page: one `kind()` under the key <page>_state, made on first use.

        `kind` is a dataclass whose fields all have defaults. It lives in a module (the page's view module),
        not in the page script: Python runs the script anew on every rerun, which would make a new class, and
        a kept instance would no longer be one of it. A kept instance of a subclass of `kind` is kept.

        `name` is for shared machinery with state of its own on the page (live_training's `<page>_lab`), so
        it never takes the page's own state key.
        """
        if kind.__module__ == "__main__":
            raise TypeError(f"{kind.__name__} is defined in the page script; define it in the page's view module.")
        key = self.key(name)
        kept = st.session_state.get(key)
        if not isinstance(kept, kind):
            kept = st.session_state[key] = kind()
        return kept

    # --- the link ----------------------------------------------------------------------------------

    def start_run(self) -> None:
        """The top of the page's run (page_intro calls it): remove URL parameters of other pages (and of none),
        saying which were ignored, and start listing the inputs this run draws.

        Parameters named after this page but taken by none of its inputs are removed once the page has run
        (`drop_params_no_input_took`), when the page's inputs are known."""
        st.session_state[_DRAWN] = (self.page, set())
        _drop_params([name for name in st.query_params
                      if name not in APP_PARAMS and not name.startswith(f"{self.page}_")])

    @staticmethod
    def _bind(key: str) -> dict[str, Any]:
        _drawn(key)
        return {"key": key, "bind": "query-params", "persist_state": "session"}

    def _clamp_link_value(self, key: str, label: str, low: Any, high: Any, default: Any) -> None:
        """A link's number out of range becomes the nearest end of the range (Streamlit would drop it)."""
        linked = st.query_params.get(key)
        if linked is None or key in st.session_state:
            return
        try:
            number = type(default)(float(linked))
        except (TypeError, ValueError, OverflowError):
            st.toast(f"The link's value for '{label}' ({linked[:40]!r}) is not a number; using {default}.",
                     icon=":material/link_off:")
            return
        if not low <= number <= high:
            clamped = min(max(number, low), high)
            correct_link_value(key, str(clamped), clamped)
            st.toast(f"The link asked for {label} = {linked[:40]}; the range is {low} to {high}, so {clamped} "
                     "is used.", icon=":material/link_off:")

    @staticmethod
    def _check_link_choice(key: str, label: str, options: list[str]) -> None:
        linked = st.query_params.get(key)
        if linked is not None and key not in st.session_state and linked not in options:
            st.toast(f"The link's choice for '{label}' ({linked[:40]!r}) is not one of the options; the default "
                     "is used.", icon=":material/link_off:")

    @staticmethod
    def _show_notice(key: str) -> None:
        notice = st.session_state.pop(key + _NOTICE, None)
        if notice:
            st.caption(f":orange[:material/info: {notice}]")


def drop_params_no_input_took() -> None:
    """After a page's full run: remove the URL parameters named after the page that none of its inputs took
    (a misspelt `text_generation_temprature=2`), and say so, as for another page's parameters."""
    page, drawn = st.session_state.get(_DRAWN, ("", set()))
    if page:
        _drop_params([name for name in st.query_params if name.startswith(f"{page}_") and name not in drawn])


def _drawn(key: str) -> None:
    _page, drawn = st.session_state.get(_DRAWN, ("", set()))
    drawn.add(key)


def _drop_params(names: list[str]) -> None:
    for name in names:
        del st.query_params[name]
    if names:
        shown = ", ".join(repr(name[:40]) for name in names[:5])
        st.toast(f"This link had settings this page does not know ({shown}); they were ignored.",
                 icon=":material/link_off:")


def correct_link_value(key: str, shown: str, value: Any) -> None:
    """Replace a link's value the page cannot use by `value`, in the address bar too (`shown` is its text there).

    A bound widget takes its first value from the address as it was when the page opened, and drops a value
    it cannot take (a temperature of 1e9), which leaves the address without it. Correcting that first-load
    copy as well makes the widget start from the corrected value and keep it in the address, so a link copied
    now holds what the page uses. (If a Streamlit release moves that copy, the page still uses the corrected
    value; only the address loses it.)"""
    st.query_params[key] = shown
    first_load = _first_load_params()
    if first_load is None:
        st.session_state[key] = value
    else:
        first_load[key] = [shown]


def _first_load_params() -> dict[str, list[str]] | None:
    """Streamlit's copy of the address's parameters as the page opened (its bound widgets read it)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    query_params = getattr(getattr(ctx and ctx.session_state, "_state", None), "query_params", None)
    first_load = getattr(query_params, "_initial_query_params", None)
    return first_load if isinstance(first_load, dict) else None


def _set_notice(key: str, message: str) -> None:
    st.session_state[key + _NOTICE] = message


def _cut_message(label: str, length: int, max_chars: int) -> str:
    return f"{label}: your text had {length:,} characters; the first {max_chars:,} are kept."


def _out_of_range_message(label: str, asked: float, low: float, high: float, used: float) -> str:
    def shown(value: float) -> str:  # 99,999,999 for whole numbers, not 1e+08
        return f"{value:,.0f}" if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"

    return f"{label}: {shown(asked)} is outside {shown(low)} to {shown(high)}, so {shown(used)} is used."


def _cut_text(key: str, label: str, max_chars: int) -> None:
    text = st.session_state.get(key) or ""
    if len(text) > max_chars:
        st.session_state[key] = text[:max_chars]
        _set_notice(key, _cut_message(label, len(text), max_chars))


def _clamp_number(key: str, label: str, low: float, high: float) -> None:
    typed = st.session_state.get(key)
    if typed is None:
        return
    if not low <= typed <= high:
        used = min(max(typed, low), high)
        st.session_state[key] = used
        _set_notice(key, _out_of_range_message(label, typed, low, high, used))
