"""Semantic search over the app's passage corpus, and the retrieval-augmented prompt built from it.

This is what tools such as LangChain do between a question and a language model: embed the
question, find the nearest stored passages, paste them into the prompt above the question.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from genai_demo.engine.bundles import Embedder
from genai_demo.search.embeddings import DATA_DIR, encode

CORPUS_FILE = DATA_DIR / "passages.json"
FACTS_TOPIC = "facts"


@dataclass(frozen=True)
class Passage:
    """One passage of the library, with its id and topic."""

    passage_id: str
    topic: str
    text: str


@cache
def _corpus() -> tuple[Passage, ...]:
    grouped: dict[str, list[str]] = json.loads(CORPUS_FILE.read_text(encoding="utf-8"))
    # Ids follow the order inside each topic (append new passages at the end to keep old ids).
    return tuple(Passage(f"{topic}-{number:02d}", topic, text)
                 for topic, texts in grouped.items() for number, text in enumerate(texts, start=1))


def load_corpus() -> list[Passage]:
    """Every passage shipped with the app, grouped by topic ("tokens", "diffusion", ..., "facts")."""
    return list(_corpus())


class PassageIndex:
    """Passages with their vectors, computed once; a search costs one query encoding and a matrix product."""

    def __init__(self, embedder: Embedder, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        if len(passages) != len(vectors):
            raise ValueError("Need exactly one vector per passage.")
        self.embedder = embedder
        self.passages = list(passages)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)

    @classmethod
    def build(cls, embedder: Embedder, passages: Sequence[Passage]) -> "PassageIndex":
        if not passages:
            raise ValueError("The index needs at least one passage.")
        return cls(embedder, passages, encode(embedder, [passage.text for passage in passages]))

    def __len__(self) -> int:
        return len(self.passages)

    def search(self, query: str, k: int = 3, topic: str | None = None) -> list[tuple[Passage, float]]:
        """The k passages closest in meaning to `query`, best first, with their cosine similarity."""
        query = " ".join(query.split())
        if not query:
            raise ValueError("Type a question or a few words to search for.")
        if k < 1:
            raise ValueError("Ask for at least one passage.")
        scores = self.vectors @ encode(self.embedder, [query])[0]
        if topic is not None:
            scores = np.where([passage.topic == topic for passage in self.passages], scores, -np.inf)
        candidates = int(np.isfinite(scores).sum())
        k = min(k, candidates)
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.passages[i], float(scores[i])) for i in top]


def build_plain_prompt(question: str) -> str:
    """The same question with no retrieved context, in the same layout as the retrieval prompt."""
    return f"Question: {' '.join(question.split())}\nAnswer:"


def build_rag_prompt(question: str, hits: Sequence[tuple[Passage, float]]) -> str:
    """Retrieved passages pasted above the question: all the model 'knows' extra is this text."""
    context = "\n".join(f"- {passage.text}" for passage, _ in hits)
    return f"Use the context to answer the question.\n\nContext:\n{context}\n\n{build_plain_prompt(question)}"
