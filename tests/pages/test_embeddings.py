"""The Embeddings page run for real (AppTest) with the real MiniLM and a tiny GPT-2 for the RAG answers."""

from __future__ import annotations

import pytest

from genai_demo.engine import kinds
from genai_demo.engine.loader import load_model
from genai_demo.engine.shared import loaded_model
from genai_demo.search import rag
from genai_demo.search.embeddings import default_sentence_groups, encode, similarity_matrix
from genai_demo.search.retrieval import build_plain_prompt, load_corpus
from genai_demo.ui.literal import plain_markdown
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


def test_default_render_shows_heatmap_and_search(default_page):
    at = default_page
    assert len(charts(at)) == 1  # only the open tab (Similarity) draws: the heatmap
    assert any("Cosine similarity" in text for text in texts(at.markdown))
    # The closest pair of the default sentences belongs to one group (e.g. both about the weather).
    first, second = next(c.value for c in at.caption if "↔" in c.value).split(" ↔ ")
    shown_groups = [[plain_markdown(sentence) for sentence in group] for group in default_sentence_groups().values()]
    assert any(first in group and second in group for group in shown_groups)
    corpus = {p.passage_id: p.text for p in load_corpus()}
    hits = [text for text in texts(at.markdown) if text.startswith("**1.**")]
    assert hits and plain_markdown(corpus["diffusion-01"]) in hits[0]
    assert at.session_state["embeddings_query"] == "how do images get made from noise"


def test_edit_sentences_updates_the_numbers(page_env, embedder):
    at = run_page(PAGE)
    sentences = ["The cat is sleeping on the sofa.", "A dog is napping in its basket.",
                 "The stock market fell sharply today."]
    at.text_area(key="embeddings_sentences").set_value("\n".join(sentences)).run()
    assert not at.exception
    matrix = similarity_matrix(encode(embedder, sentences))
    assert metric(at, "Closest pair") == f"{matrix[0, 1]:.3f}"
    assert any(c.value == plain_markdown(f"{sentences[0]} ↔ {sentences[1]}") for c in at.caption)
    assert metric(at, "Furthest pair") == f"{min(matrix[0, 2], matrix[1, 2]):.3f}"
    # Inside a vector: A = cat, B = stock market; the cosine shown is the sum of the products.
    at.session_state["embeddings_tab"] = "Inside a vector"
    at.run()
    at.selectbox(key="embeddings_vector_b").set_value(2).run()
    assert metric(at, "cosine(A, B)") == f"{matrix[0, 2]:.3f}"
    assert metric(at, "Length of A") == "1.000"


def test_tsne_map_renders(page_env):
    at = run_page(PAGE, link={"embeddings_tab": "Map"})
    at.radio(key="embeddings_projection").set_value("t-SNE").run()
    assert not at.exception
    assert at.number_input(key="embeddings_tsne_seed").value == 0
    assert len(charts(at)) == 1


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


def test_a_pasted_query_over_the_limit_is_cut_and_still_searched(page_env):
    from genai_demo.config import settings

    limit = settings().limits.max_prompt_chars
    at = run_page(PAGE)
    at.text_input(key="embeddings_query").input("mode collapse in GANs " + "x" * limit).run()
    assert not at.exception
    assert len(at.text_input(key="embeddings_query").value) == limit
    assert any(f"the first {limit:,} are kept" in c.value for c in at.caption)
    assert any(text.startswith("**1.**") for text in texts(at.markdown))


def rag_answers(at):
    at.button(key="embeddings_go").click().run()
    assert not at.exception
    return at.session_state["embeddings_state"].answers


def test_rag_answers_with_and_without_context_on_a_base_model(page_env, tiny_gpt2_dir, embedder):
    at = run_page(PAGE)
    prompt_block = at.code[0].value
    assert "GPT-2 was released by OpenAI in 2019." in prompt_block
    assert prompt_block.endswith("Question: Who released GPT-2, and in which year?\nAnswer:")
    answers = rag_answers(at)
    lm = load_model(kinds.TEXT, str(tiny_gpt2_dir))
    assert answers.with_context == rag.answer(lm, prompt_block)
    plain = build_plain_prompt("Who released GPT-2, and in which year?")
    assert answers.without == rag.answer(lm, plain)
    assert [c.value for c in at.code] == [prompt_block, plain]
    assert any(text == "**Without context**" for text in texts(at.markdown))
    # What the model wrote is shown literally: Markdown characters are escaped, never rendered.
    for answer in (answers.with_context, answers.without):
        assert answer.text and plain_markdown(answer.text) in texts(at.markdown)
    # A new question makes the old answers stale instead of showing them under the wrong prompt.
    at.text_input(key="embeddings_question").set_value("Where is the Eiffel Tower?").run()
    assert "The Eiffel Tower is in Paris, France." in at.code[0].value
    assert any("press the button" in c.value for c in at.caption)


def test_rag_on_a_llama_architecture_base_model(monkeypatch, page_env, tiny_llama_dir):
    monkeypatch.setenv("GENAI_TEXT_MODEL", str(tiny_llama_dir))
    reset_app_state()
    at = run_page(PAGE)
    answers = rag_answers(at)
    lm = load_model(kinds.TEXT, str(tiny_llama_dir))
    assert answers.with_context == rag.answer(lm, at.code[0].value) and not answers.chat
    assert any("tiny-llama" in c.value for c in at.caption)


def test_rag_on_an_instruct_model_uses_its_chat_template_and_says_when_it_ended(monkeypatch, page_env,
                                                                                tiny_chat_dir):
    monkeypatch.setenv("GENAI_TEXT_MODEL", str(tiny_chat_dir))
    reset_app_state()
    at = run_page(PAGE)
    prompt_block = at.code[0].value
    assert prompt_block.startswith("<|im_start|>user\nUse the context")
    assert prompt_block.endswith("<|im_end|>\n<|im_start|>assistant")
    assert any("chat template" in c.value for c in at.caption)
    answers = rag_answers(at)
    assert answers.chat
    notes = " ".join(c.value for c in at.caption)
    for answer in (answers.with_context, answers.without):
        assert answer.ended_turn or answer.tokens == rag.ANSWER_SETTINGS.max_new_tokens
        assert ("ended its turn" in notes) if answer.ended_turn else ("token limit" in notes)


def test_a_link_reproduces_the_search_and_the_open_tab(page_env):
    link = {"embeddings_query": "mode collapse in GANs", "embeddings_top_k": "2", "embeddings_tab": "Map",
            "embeddings_projection": "t-SNE", "embeddings_tsne_seed": "3",
            "embeddings_sentences": "cats: A cat sleeps.\ncats: A kitten naps.\nmoney: Shares fell today."}
    first, second = run_page(PAGE, link=link), run_page(PAGE, link=link)
    for at in (first, second):
        assert not at.exception
        assert at.text_input(key="embeddings_query").value == "mode collapse in GANs"
        assert at.slider(key="embeddings_top_k").value == 2
        assert at.radio(key="embeddings_projection").value == "t-SNE"
        assert at.number_input(key="embeddings_tsne_seed").value == 3
        assert any(c.value.startswith("3 sentences → 3 vectors") for c in at.caption)
    hits = [[text for text in texts(at.markdown) if text[:5] in ("**1.*", "**2.*", "**3.*")] for at in (first, second)]
    assert len(hits[0]) == 2 and hits[0] == hits[1] and "gans-05" in hits[0][0]
    # The map is the same picture: same points from the same seed.
    spec = [charts(at)[0].spec for at in (first, second)]
    assert spec[0] == spec[1]


def test_the_map_highlights_a_group_in_the_browser_without_a_rerun(page_env):
    at = run_page(PAGE, link={"embeddings_tab": "Map"})
    spec = charts(at)[0].spec
    assert '"group_pick"' in spec and '"legend"' in spec  # a click selection bound to the legend
    assert '"hovered"' in spec


def test_bad_link_values_get_a_notice_not_a_traceback(page_env):
    from genai_demo.config import settings

    at = run_page(PAGE, link={"embeddings_top_k": "999", "embeddings_projection": "UMAP", "embeddings_tab": "Map",
                              "embeddings_query": "🙂" * 30_000})
    assert not at.exception
    toasts = " ".join(str(t.value) for t in at.toast)
    assert "the range is 1 to 10, so 10 is used" in toasts
    assert "'UMAP'" in toasts and "not one of the options" in toasts
    assert at.slider(key="embeddings_top_k").value == 10
    assert at.radio(key="embeddings_projection").value == "PCA"
    limit = settings().limits.max_prompt_chars
    assert any(f"had 30,000 characters; the first {limit:,} are kept" in c.value for c in at.caption)
    at = run_page(PAGE, link={"embeddings_tab": "Nowhere"})
    assert not at.exception and len(charts(at)) == 1  # the first tab




def test_the_last_search_and_answers_survive_a_visit_to_another_page(page_env):
    at = run_page(PAGE)
    at.text_input(key="embeddings_query").set_value("mode collapse in GANs").run()
    answers = rag_answers(at)
    at.switch_page("pages/activations.py").run()
    at.switch_page("pages/embeddings.py").run()
    assert not at.exception
    assert at.text_input(key="embeddings_query").value == "mode collapse in GANs"
    assert "gans-05" in next(text for text in texts(at.markdown) if text.startswith("**1.**"))
    assert at.session_state["embeddings_state"].answers == answers
    assert plain_markdown(answers.with_context.text) in texts(at.markdown)


def test_a_knob_reruns_only_its_own_model_work(page_env, embedder, monkeypatch):
    """Showing more passages, or pasting more into the prompt, embeds nothing again: the searches are kept."""
    at = run_page(PAGE)
    encoded: list[list[str]] = []
    real_encode = type(embedder.model).encode

    def counting_encode(model, sentences, *args, **kwargs):
        encoded.append(list(sentences))
        return real_encode(model, sentences, *args, **kwargs)

    monkeypatch.setattr(type(embedder.model), "encode", counting_encode)
    at.slider(key="embeddings_top_k").set_value(7).run()
    assert not at.exception
    assert any(caption.startswith("The 7 closest of") for caption in texts(at.caption))
    assert sum(markdown.value.startswith(f"**{rank}.**") for rank in range(1, 11) for markdown in at.markdown) == 7
    at.slider(key="embeddings_passages").set_value(3).run()  # the RAG knob: three passages in the prompt
    prompt = at.code[0].value
    assert prompt.count("\n- ") == 3
    assert encoded == []
    at.text_input(key="embeddings_query").set_value("what is a token").run()  # a new question is embedded once
    assert encoded == [["what is a token"]]


def test_opening_the_page_shows_the_prompt_without_loading_the_text_model(page_env, tiny_gpt2_dir, tmp_path,
                                                                          monkeypatch):
    import shutil

    fresh = shutil.copytree(tiny_gpt2_dir, tmp_path / "another-gpt2")  # a model id no test has loaded yet
    monkeypatch.setenv("GENAI_TEXT_MODEL", str(fresh))
    from genai_demo.config import settings

    settings.cache_clear()
    at = run_page(PAGE)
    assert not at.exception
    assert at.code[0].value.endswith("Question: Who released GPT-2, and in which year?\nAnswer:")
    assert loaded_model(kinds.TEXT, str(fresh)) is None  # the page showed the prompt from the tokenizer alone
    rag_answers(at)
    assert loaded_model(kinds.TEXT, str(fresh)) is not None
    settings.cache_clear()
