"""genai_demo.search.embeddings with the real all-MiniLM-L6-v2, loaded the way the app loads it: vectors,
similarities, 2-D maps and the learner's sentence list."""

from __future__ import annotations

import numpy as np
import pytest

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
