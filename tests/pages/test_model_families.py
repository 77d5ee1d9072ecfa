"""AppTest for the Model families overview: each family links to its live page."""

from __future__ import annotations

import pytest

from tests.conftest import run_page


@pytest.mark.parametrize("family_page", ["text_generation", "gan_lab", "vae_lab", "image_generation"])
def test_model_families_links_each_family_to_its_live_page(app_env, family_page):
    at = run_page("model_families.py")
    assert not at.exception
    links = " ".join(str(link.proto) for link in at.get("page_link"))
    assert f'page: "{family_page}"' in links
    assert [s.value.split(" ", 1)[1] for s in at.subheader] == ["LLMs", "GANs", "VAEs", "Diffusion"]
