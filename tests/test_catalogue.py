"""genai_demo.catalogue: the app's pages and their groups."""

from __future__ import annotations


def test_the_three_challenges_are_three_pages_of_the_challenges_group():
    from genai_demo.catalogue import PAGES

    challenges = [page.file for page in PAGES if page.group == "Challenges"]
    assert challenges[:3] == ["bias.py", "made_up_facts.py", "overfitting.py"]
    assert "challenges.py" not in [page.file for page in PAGES]
