"""genai_demo.search.retrieval with the real all-MiniLM-L6-v2: the passage corpus, semantic search and the
retrieval-augmented prompt."""

from __future__ import annotations

import subprocess
import sys

import pytest

from genai_demo.search.embeddings import (
    encode,
)
from genai_demo.search.retrieval import (
    FACTS_TOPIC,
    build_plain_prompt,
    build_rag_prompt,
    load_corpus,
)
from tests.conftest import ROOT


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
