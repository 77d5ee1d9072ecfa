"""Embeddings and retrieval with the real all-MiniLM-L6-v2, loaded the way the app loads it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from genai_demo.search import rag
from genai_demo.search.embeddings import (
    NO_GROUP,
    default_sentence_groups,
    default_sentences_text,
    dot_contributions,
    encode,
    parse_sentences,
    project_2d,
    ranked_pairs,
    similarity_matrix,
    token_counts,
)
from genai_demo.search.retrieval import (
    FACTS_TOPIC,
    PassageIndex,
    build_plain_prompt,
    build_rag_prompt,
    load_corpus,
)
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def index(embedder):
    return PassageIndex.build(embedder, load_corpus())


def test_cat_is_closer_to_dog_than_to_stock_market(embedder):
    cat, dog, stocks = encode(embedder, ["The cat is sleeping on the sofa.", "A dog is napping in its basket.",
                                         "The stock market fell sharply today."])
    assert float(cat @ dog) > float(cat @ stocks) + 0.2


def test_encode_gives_unit_float32_rows_equal_to_the_model(embedder):
    sentences = ["Heavy rain tomorrow.", "The striker scored twice.", "Ünïcödé, 日本語, שלום 🙂"]
    vectors = encode(embedder, sentences)
    assert vectors.shape == (3, embedder.model.get_embedding_dimension()) == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    raw = embedder.model.encode(sentences, convert_to_numpy=True)
    np.testing.assert_allclose(vectors, raw / np.linalg.norm(raw, axis=1, keepdims=True), atol=1e-5)
    assert encode(embedder, []).shape == (0, 384)


def test_similarity_matrix_is_the_cosine_of_every_pair():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(5, 7)).astype(np.float32)
    matrix = similarity_matrix(vectors)
    a, b = vectors[1], vectors[3]
    assert matrix[1, 3] == pytest.approx(float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)), abs=1e-6)
    np.testing.assert_allclose(matrix, matrix.T, atol=1e-6)
    np.testing.assert_allclose(np.diag(matrix), 1.0, atol=1e-6)
    pairs = ranked_pairs(matrix)
    assert len(pairs) == 10 and pairs[0][2] == pytest.approx(matrix[np.triu_indices(5, 1)].max())


def test_same_group_sentences_are_most_similar_in_the_defaults(embedder):
    groups = default_sentence_groups()
    assert len(groups) >= 4 and all(len(sentences) >= 2 for sentences in groups.values())
    parsed = parse_sentences(default_sentences_text(), 200)
    matrix = similarity_matrix(encode(embedder, parsed.sentences))
    i, j, _ = ranked_pairs(matrix)[0]
    assert parsed.groups[i] == parsed.groups[j]


def test_dot_contributions_add_up_to_the_cosine(embedder):
    a, b = encode(embedder, ["I love pizza.", "Pasta is my favourite food."])
    products = dot_contributions(a, b)
    assert products.shape == (384,)
    assert float(products.sum()) == pytest.approx(float(similarity_matrix(np.stack([a, b]))[0, 1]), abs=1e-5)
    with pytest.raises(ValueError):
        dot_contributions(a, b[:10])


def test_pca_map_keeps_the_distances_of_sklearn_pca(embedder):
    from sklearn.decomposition import PCA

    vectors = encode(embedder, [sentence for group in default_sentence_groups().values() for sentence in group])
    ours = project_2d(vectors, "pca")
    reference = PCA(n_components=2).fit_transform(vectors)
    distances = lambda p: np.linalg.norm(p[:, None] - p[None], axis=-1)  # noqa: E731
    np.testing.assert_allclose(distances(ours), distances(reference), atol=1e-4)
    np.testing.assert_array_equal(project_2d(vectors, "pca"), ours)  # the same picture every time


def test_tsne_map_is_reproducible_with_a_seed(embedder):
    vectors = encode(embedder, [sentence for group in default_sentence_groups().values() for sentence in group])
    first, again = project_2d(vectors, "tsne", seed=3), project_2d(vectors, "tsne", seed=3)
    assert first.shape == (len(vectors), 2)
    np.testing.assert_allclose(first, again)
    assert project_2d(vectors[:2], "tsne").shape == (2, 2)  # tiny inputs still work


def test_project_2d_refuses_what_cannot_be_drawn():
    with pytest.raises(ValueError, match="at least two"):
        project_2d(np.ones((1, 8)), "pca")
    with pytest.raises(ValueError, match="Unknown projection"):
        project_2d(np.ones((3, 8)), "umap")
    assert project_2d(np.eye(2, 8), "pca").shape == (2, 2)


# --- the learner's sentence list ------------------------------------------------------------------


def test_parse_ignores_empty_lines_and_reads_groups():
    parsed = parse_sentences("animals: The cat sleeps.\n\n   \nIt rains.\nweather:   Snow  today.\n", 10)
    assert parsed.sentences == ["The cat sleeps.", "It rains.", "Snow today."]
    assert parsed.groups == ["animals", NO_GROUP, "weather"]
    assert parsed.empty_lines == 2


def test_parse_does_not_take_a_long_clause_for_a_group():
    parsed = parse_sentences("The reason is simple and quite long: it rained.", 10)
    assert parsed.groups == [NO_GROUP]


def test_parse_merges_duplicates_and_says_which():
    parsed = parse_sentences("A cat.\nA dog.\nA cat.\npets: A cat.\n", 10)
    assert parsed.sentences == ["A cat.", "A dog."]
    assert parsed.duplicates == ["A cat.", "A cat."]


def test_parse_caps_five_thousand_sentences():
    parsed = parse_sentences("\n".join(f"Sentence number {i}." for i in range(5000)), 200)
    assert len(parsed.sentences) == 200 and parsed.dropped == 4800
    assert parsed.sentences[-1] == "Sentence number 199."
    with pytest.raises(ValueError):
        parse_sentences("x", 0)


def test_very_long_text_is_cut_at_the_models_window(embedder):
    start = "Generative models learn the patterns of their data. " * 80
    counts = token_counts(embedder, [start, "short"])
    assert counts[0] > embedder.max_tokens >= counts[1]
    # Anything past the window changes nothing: the model never reads it.
    cut, extended = encode(embedder, [start, start + "But this ending is about football and money."])
    np.testing.assert_allclose(cut, extended, atol=1e-6)


# --- corpus and search ----------------------------------------------------------------------------


def test_corpus_is_a_few_hundred_short_unique_passages():
    corpus = load_corpus()
    assert len(corpus) >= 200
    assert len({p.passage_id for p in corpus}) == len(corpus)
    assert len({p.text for p in corpus}) == len(corpus)
    assert all(0 < len(p.text) <= 240 for p in corpus)
    assert len({p.topic for p in corpus}) >= 15
    facts = [p.text for p in corpus if p.topic == FACTS_TOPIC]
    assert "GPT-2 was released by OpenAI in 2019." in facts
    assert any("Eiffel Tower" in fact and "Paris" in fact for fact in facts)


def test_corpus_does_not_copy_the_seed_text():
    seed_file = ROOT.parent / "shared" / "seed" / "000_991efc529cb130aa.txt"
    if not seed_file.exists():
        pytest.skip("the primer (../shared/seed) is not beside this checkout")
    seed = " ".join(seed_file.read_text().split()).lower()
    for passage in load_corpus():
        words = passage.text.lower().split()
        eight_grams = {" ".join(words[i:i + 8]) for i in range(len(words) - 7)}
        assert not any(gram in seed for gram in eight_grams), passage.passage_id


@pytest.mark.parametrize(("query", "expected"), [
    ("Which company put out GPT-2, and in what year?", "facts-01"),
    ("In which city would I find the Eiffel Tower?", "facts-03"),
    ("The model begins with pure static and strips away some of it at every step until an image appears.",
     "diffusion-01"),
    ("LoRA trains tiny low-rank add-on matrices and keeps the original weights frozen.", "fine_tuning-03"),
    ("A failure where the generator produces only a few kinds of output rather than the full variety of the data.",
     "gans-05"),
    ("a lower setting makes the output more predictable", "sampling-01"),
    ("turning a photo's caption and the photo into nearby points", "embeddings-10"),
    ("How many tokens are in GPT-2's vocabulary?", "tokens-04"),
])
def test_search_finds_the_paraphrased_passage_first(index, query, expected):
    hits = index.search(query, k=3)
    assert hits[0][0].passage_id == expected
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)


def test_search_scores_are_the_cosines(index, embedder):
    query = "attention lets each token look at earlier tokens"
    hits = index.search(query, k=5)
    query_vector = encode(embedder, [query])[0]
    for passage, score in hits:
        assert score == pytest.approx(float(encode(embedder, [passage.text])[0] @ query_vector), abs=1e-4)
    everything = index.vectors @ query_vector
    assert hits[0][1] == pytest.approx(float(everything.max()), abs=1e-6)


def test_search_by_topic_and_bad_requests(index):
    hits = index.search("Where is the Eiffel Tower?", k=50, topic=FACTS_TOPIC)
    assert len(hits) == sum(p.topic == FACTS_TOPIC for p in load_corpus())
    assert {p.topic for p, _ in hits} == {FACTS_TOPIC}
    assert len(index.search("anything", k=10_000)) == len(index)
    assert index.search("x", topic="no such topic") == []
    with pytest.raises(ValueError, match="Type a question"):
        index.search("   ")
    with pytest.raises(ValueError):
        index.search("cats", k=0)


def test_rag_prompt_holds_the_passages_then_the_question(index):
    question = "  Who released   GPT-2? "
    hits = index.search(question, k=2)
    prompt = build_rag_prompt(question, hits)
    positions = [prompt.index(passage.text) for passage, _ in hits]
    assert positions == sorted(positions)
    assert prompt.endswith(build_plain_prompt(question)) and prompt.endswith("Question: Who released GPT-2?\nAnswer:")
    assert "GPT-2 was released by OpenAI in 2019." in prompt


def test_retrieval_imports_without_streamlit():
    code = ("import sys, genai_demo.search.retrieval, genai_demo.search.embeddings; "
            "assert 'streamlit' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# --- retrieval-augmented answers on base and instruct models -------------------------------------


def _update(lm, text: str, end: bool = False):  # type: ignore[no-untyped-def]
    """A finished generation update holding `text` as the model's tokens (plus its end token)."""
    from genai_demo.text.generation import GenerationUpdate, PreparedPrompt

    ids = list(lm.tokenizer(text, add_special_tokens=False)["input_ids"]) + ([min(lm.end_ids)] if end else [])
    return GenerationUpdate(len(ids), [text], [ids], [True], PreparedPrompt([1], [40], False, 0, False))


def test_a_base_models_answer_is_its_first_line(lm):
    answer = rag.read_answer(lm, _update(lm, " OpenAI, in 2019.\nQuestion: Who made BERT?\nAnswer:"), chat=False)
    assert answer.text == "OpenAI, in 2019." and answer.went_on and not answer.ended_turn
    ended = rag.read_answer(lm, _update(lm, " OpenAI.", end=True), chat=False)
    assert ended.text == "OpenAI." and ended.ended_turn and not ended.went_on


def test_a_character_cut_between_tokens_is_not_shown_as_a_replacement_sign(lm):
    robot = lm.tokenizer("🤖", add_special_tokens=False)["input_ids"]
    partial = lm.tokenizer.decode(robot[:-1])
    assert partial.endswith("\ufffd")
    assert rag.read_answer(lm, _update(lm, "Hi " + partial), chat=True).text == "Hi"


def test_the_prompt_is_plain_for_a_base_model_and_a_user_turn_for_an_instruct_model(lm, tiny_chat_dir, index):
    from genai_demo.engine.loader import load_tokenizer

    question = "Who released GPT-2?"
    hits = index.search(question, k=2)
    assert rag.model_prompt(lm.tokenizer, question, hits) == build_rag_prompt(question, hits)
    assert rag.model_prompt(lm.tokenizer, question) == build_plain_prompt(question)
    wrapped = rag.model_prompt(load_tokenizer(str(tiny_chat_dir)), question, hits)
    assert wrapped == f"<|im_start|>user\n{build_rag_prompt(question, hits)}<|im_end|>\n<|im_start|>assistant\n"


def test_real_smollm2_answers_from_the_passages_and_guesses_without_them(smollm2_dir, index):
    """The case of issue 20: an instruct model used to answer '(nothing)' to the bare 'Question: ... Answer:'."""
    from genai_demo.engine import kinds
    from genai_demo.engine.loader import load_model

    lm = load_model(kinds.TEXT, str(smollm2_dir))
    question = "Who released GPT-2, and in which year?"
    with_context = rag.answer(lm, rag.model_prompt(lm.tokenizer, question, index.search(question, k=2)))
    without = rag.answer(lm, rag.model_prompt(lm.tokenizer, question))
    assert "OpenAI" in with_context.text and "2019" in with_context.text and with_context.ended_turn
    assert without.text and without.ended_turn  # it answers (and ends its turn) on its own, from memory
    assert "2019" not in without.text  # ... and without the passage it gets the year wrong
