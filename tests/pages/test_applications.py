"""AppTest for the Applications page: the sound entry links to the sound pages."""

from __future__ import annotations

from tests.conftest import run_page
from tests.helpers import shown_text as texts


def test_the_applications_page_links_to_the_sound_pages(sound_env):
    at = run_page("applications.py")
    at.pills(key="applications_choice").set_value("Music and audio").run()
    assert not at.exception
    links = [link.proto.page for link in at.get("page_link")]
    assert {"text_to_speech", "text_to_music"} <= set(links)
    assert "runs no audio model" not in texts(at.markdown)
