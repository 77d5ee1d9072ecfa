"""The reading pages (home, applications, tools and systems): links reproduce the choice, the map follows
the catalogue whatever groups it has."""

from __future__ import annotations

import dataclasses

import pytest

from genai_demo import catalogue
from tests.conftest import run_page


def subheaders(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.value for s in at.subheader]


def test_the_home_map_shows_every_group_of_the_catalogue_even_a_new_one(monkeypatch):
    moved = {"tools_and_systems.py", "applications.py"}
    pages = tuple(dataclasses.replace(page, group="Extra") if page.file in moved else page for page in catalogue.PAGES)
    monkeypatch.setattr(catalogue, "PAGES", pages)
    monkeypatch.setattr(catalogue, "GROUPS", (*catalogue.GROUPS, "Extra"))
    at = run_page("home.py")
    assert not at.exception
    groups_with_cards = [group for group in catalogue.GROUPS if any(p.group == group and p.file != "home.py"
                                                                    for p in pages)]
    assert [s for s in subheaders(at) if s in catalogue.GROUPS] == groups_with_cards
    assert "Extra" in groups_with_cards
    links = [str(link.proto) for link in at.main.get("page_link")]
    assert len(links) == len(pages) - 1  # one card per page but the home page itself
    assert sum('page: "tools_and_systems"' in link or 'page: "applications"' in link for link in links) == 2


@pytest.mark.parametrize(("page", "choice", "expected"), [
    ("applications", "Video", "image_generation"),
    ("tools_and_systems", "LangChain", "embeddings"),
])
def test_a_link_opens_the_same_entry(page, choice, expected):
    at = run_page(f"{page}.py", link={f"{page}_choice": choice})
    assert not at.exception
    assert at.subheader[0].value.endswith(choice)
    assert f'page: "{expected}"' in " ".join(str(link.proto) for link in at.main.get("page_link"))
    assert at.query_params[f"{page}_choice"] == choice


@pytest.mark.parametrize("page", ["applications", "tools_and_systems"])
def test_an_unknown_entry_in_a_link_gets_a_notice_and_the_default(page):
    at = run_page(f"{page}.py", link={f"{page}_choice": "<b>Skynet</b>"})
    assert not at.exception
    assert "not one of the options" in " ".join(str(t.value) for t in at.toast)
    assert at.subheader[0].value.endswith(("Text", "OpenAI"))


def test_reading_pages_name_the_text_model_that_runs(monkeypatch, tiny_llama_dir):
    from tests.conftest import reset_app_state

    monkeypatch.setenv("GENAI_TEXT_MODEL", str(tiny_llama_dir))
    reset_app_state()
    at = run_page("tools_and_systems.py")
    text = " ".join(m.value for m in at.markdown)
    assert "instead of OpenAI's GPT-2" in text and "published openly by OpenAI" not in text
    for page in ("tools_and_systems.py", "applications.py", "model_families.py"):
        at = run_page(page)
        labels = [link.proto.label for link in at.main.get("page_link") if link.proto.page == "text_generation"]
        assert labels and all("tiny-llama" in label and "GPT-2" not in label for label in labels), (page, labels)
    reset_app_state()
