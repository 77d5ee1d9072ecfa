"""The Embeddings page run for real (AppTest) with the real MiniLM and a tiny GPT-2 for the RAG answers."""

from __future__ import annotations

import pytest

from genai_demo import engine
from genai_demo.embeddings import default_sentence_groups, encode, similarity_matrix
from genai_demo.retrieval import build_plain_prompt, load_corpus
from genai_demo.text import SamplingSettings, generate_texts
from tests.conftest import reset_app_state, run_page

PAGE = "embeddings.py"


@pytest.fixture(scope="module")
def page_env(minilm_dir, tiny_gpt2_dir):
    """Like `app_env`, but once per module: the passage index is built once and reused, as in the app."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GENAI_EMBED_MODEL", str(minilm_dir))
        patch.setenv("GENAI_TEXT_MODEL", str(tiny_gpt2_dir))
        reset_app_state()
        yield patch
    reset_app_state()


@pytest.fixture(scope="module")
def default_page(page_env):
    at = run_page(PAGE)
    assert not at.exception
    return at


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def charts(at) -> list:
    return list(at.get("vega_lite_chart"))


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_default_render_shows_heatmap_map_vector_and_search(default_page):
    at = default_page
    assert len(charts(at)) == 4  # heatmap, map, vector strip, dot-product contributions
    assert any("Cosine similarity" in text for text in texts(at.markdown))
    # The closest pair of the default sentences belongs to one group (e.g. both about the weather).
    first, second = next(c.value for c in at.caption if "↔" in c.value).split(" ↔ ")
    assert any(first in group and second in group for group in default_sentence_groups().values())
    corpus = {p.passage_id: p.text for p in load_corpus()}
    hits = [text for text in texts(at.markdown) if text.startswith("**1.**")]
    assert hits and corpus["diffusion-01"] in hits[0]
    assert at.session_state["embeddings_query"] == "how do images get made from noise"


def test_edit_sentences_updates_the_numbers(page_env, embedder):
    at = run_page(PAGE)
    sentences = ["The cat is sleeping on the sofa.", "A dog is napping in its basket.",
                 "The stock market fell sharply today."]
    at.text_area(key="embeddings_sentences").set_value("\n".join(sentences)).run()
    assert not at.exception
    matrix = similarity_matrix(encode(embedder, sentences))
    assert metric(at, "Closest pair") == f"{matrix[0, 1]:.3f}"
    assert any(c.value == f"{sentences[0]} ↔ {sentences[1]}" for c in at.caption)
    assert metric(at, "Furthest pair") == f"{min(matrix[0, 2], matrix[1, 2]):.3f}"
    # Inside a vector: A = cat, B = stock market; the cosine shown is the sum of the products.
    at.selectbox(key="embeddings_vector_b").set_value(2).run()
    assert metric(at, "cosine(A, B)") == f"{matrix[0, 2]:.3f}"
    assert metric(at, "Length of A") == "1.000"


def test_tsne_map_renders(page_env):
    at = run_page(PAGE)
    at.radio(key="embeddings_projection").set_value("t-SNE").run()
    assert not at.exception
    assert at.number_input(key="embeddings_tsne_seed").value == 0
    assert len(charts(at)) == 4


def test_empty_lines_are_ignored(page_env):
    at = run_page(PAGE)
    at.text_area(key="embeddings_sentences").set_value("\n\nA cat.\n   \n\nA dog.\n\n").run()
    assert not at.exception
    assert any(c.value.startswith("2 sentences → 2 vectors") for c in at.caption)


def test_single_sentence_gives_a_hint_and_no_matrix(page_env):
    at = run_page(PAGE)
    at.text_area(key="embeddings_sentences").set_value("Only one lonely sentence.").run()
    assert not at.exception
    assert any("Only one sentence" in info.value for info in at.info)
    assert not [m for m in at.metric if m.label == "Closest pair"]
    assert len(charts(at)) == 1  # just its vector


def test_no_sentences_asks_for_some(page_env):
    at = run_page(PAGE)
    at.text_area(key="embeddings_sentences").set_value("   \n\n").run()
    assert not at.exception
    assert any("at least two sentences" in info.value for info in at.info)


def test_five_thousand_sentences_are_capped_with_a_notice(page_env):
    from genai_demo.config import settings

    limit = settings().limits.max_sentences
    at = run_page(PAGE)
    at.text_area(key="embeddings_sentences").set_value("\n".join(f"Line {i} is here." for i in range(5000))).run()
    assert not at.exception
    assert any(f"Only the first {limit} sentences" in info.value and f"{5000 - limit:,} more" in info.value
               for info in at.info)
    assert any(c.value.startswith(f"{limit} sentences → {limit} vectors") for c in at.caption)


def test_duplicates_are_merged_and_named(page_env):
    at = run_page(PAGE)
    at.text_area(key="embeddings_sentences").set_value("A cat.\nA dog.\nA cat.").run()
    assert not at.exception
    assert any("1 repeated line(s) merged" in info.value and "“A cat.”" in info.value for info in at.info)
    assert any(c.value.startswith("2 sentences → 2 vectors") for c in at.caption)


def test_very_long_text_says_it_was_cut(page_env, embedder):
    at = run_page(PAGE)
    at.text_area(key="embeddings_sentences").set_value("A cat.\n" + "words and more words " * 400).run()
    assert not at.exception
    notice = next(info.value for info in at.info if "Too long" in info.value)
    assert f"window of {embedder.max_tokens} tokens" in notice and "sentence 2" in notice


def test_search_shows_the_best_passages(page_env):
    at = run_page(PAGE)
    at.text_input(key="embeddings_query").set_value("mode collapse in GANs").run()
    at.slider(key="embeddings_top_k").set_value(3).run()
    assert not at.exception
    hits = [text for text in texts(at.markdown) if text[:5] in ("**1.*", "**2.*", "**3.*", "**4.*")]
    assert len(hits) == 3
    assert "gans-05" in hits[0]
    at.text_input(key="embeddings_query").set_value("   ").run()
    assert any("Type a question or a few words" in info.value for info in at.info)


def test_rag_answers_with_and_without_context(page_env, tiny_gpt2_dir):
    at = run_page(PAGE)
    prompt_block = at.code[0].value
    assert "GPT-2 was released by OpenAI in 2019." in prompt_block
    assert prompt_block.endswith("Question: Who released GPT-2, and in which year?\nAnswer:")
    at.button(key="embeddings_rag_generate").click().run()
    assert not at.exception
    answers = at.session_state["embeddings_rag_answers"]
    lm = engine.load_text_model(str(tiny_gpt2_dir))
    settings = [SamplingSettings(temperature=0, max_new_tokens=40)]
    assert answers["with"] == generate_texts(lm, prompt_block, settings)[0]
    plain = build_plain_prompt("Who released GPT-2, and in which year?")
    assert answers["without"] == generate_texts(lm, plain, settings)[0]
    assert [c.value for c in at.code] == [prompt_block, plain]
    assert any(text == "**Without context**" for text in texts(at.markdown))
    # A new question makes the old answers stale instead of showing them under the wrong prompt.
    at.text_input(key="embeddings_rag_question").set_value("Where is the Eiffel Tower?").run()
    assert "The Eiffel Tower is in Paris, France." in at.code[0].value
    assert any("press the button" in c.value for c in at.caption)
