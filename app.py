"""genai_demo: see how generative AI works, on real models.

This file only builds the navigation and the sidebar. Nothing heavy is imported here: torch and
the models load when a page that needs them is opened.
"""

import streamlit as st

from genai_demo.catalogue import GROUPS, PAGES
from genai_demo.engine.device import describe_device
from genai_demo.ui.classroom.membership import class_sidebar, go_to_room_if_started, remember_learner
from genai_demo.ui.inputs import drop_params_no_input_took
from genai_demo.ui.layout import (
    PRESENTER_KEY,
    apply_presenter_style,
    copy_link_button,
    mark_navigation_run,
    presenter_mode,
    read_presenter_link,
)

st.set_page_config(
    page_title="Generative AI, hands on",
    page_icon=":material/auto_awesome:",
    layout="wide" if presenter_mode() else "centered",
    initial_sidebar_state="auto",  # open on a laptop or projector, folded away on a phone
)

pages = {
    group: [
        st.Page(f"pages/{page.file}", title=page.title, icon=page.icon, default=page.file == "home.py")
        for page in PAGES
        if page.group == group
    ]
    for group in GROUPS
}
# The menu is drawn below the presenter switch, so a teacher at 1280x720 reaches the switch without scrolling.
navigation = st.navigation(pages, position="hidden")

with st.sidebar:
    read_presenter_link()
    st.toggle("Presenter mode", key=PRESENTER_KEY, bind="query-params",
              help="Large fonts and a wide layout for a projector. It stays on in links you copy.")
    copy_link_button()
    class_sidebar()
    remember_learner()
    for group, group_pages in pages.items():
        st.caption(group)
        for page in group_pages:
            st.page_link(page)
    st.caption(f":material/memory: Running on **{describe_device()}**")

apply_presenter_style()
go_to_room_if_started()
mark_navigation_run()
navigation.run()
drop_params_no_input_took()  # now that the page has drawn its inputs
