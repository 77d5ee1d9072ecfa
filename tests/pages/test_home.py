"""AppTest for the home page: the idea, a card for every page, and a map that follows the catalogue whatever
groups it has."""

from __future__ import annotations

import dataclasses

import pytest

from genai_demo import catalogue
from genai_demo.catalogue import PAGES
from tests.conftest import run_page


def subheaders(at) -> list[str]:
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


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
def test_home_page_shows_the_idea_and_a_card_for_every_page():
    at = run_page("home.py")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Training" in " ".join(h.value for h in at.subheader)
    assert "weights" in text and "prompt" in text
    for page in PAGES:
        if page.file != "home.py":
            assert page.summary in text
