"""AppTest for the Tools and systems page, and the reading pages it sits among: they name the text model
that runs."""

from __future__ import annotations

from tests.conftest import run_page


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
