"""Sentences as vectors: encode, compare (cosine), project to 2-D, and read the learner's sentence list.

Vectors are L2-normalised, so a dot product *is* the cosine similarity: sum over dimensions of
a[i] * b[i]. `dot_contributions` shows that sum term by term.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from genai_demo.config import DATA_DIR
from genai_demo.engine.bundles import Embedder

NO_GROUP = "(no group)"
PROJECTIONS = ("pca", "tsne")

# "animals: The cat sleeps." -> group "animals". A short label before the colon, at most three words.
_GROUP_PREFIX = re.compile(r"^\s*([^:\n]{1,24}?)\s*:\s+(\S.*)$")


def encode(embedder: Embedder, sentences: Sequence[str]) -> np.ndarray:
    """Normalised float32 vectors, one row per sentence (n, dim). Text past the model's window is cut."""
    sentences = list(sentences)
    if not sentences:
        dim = embedder.model.get_embedding_dimension() or 0
        return np.zeros((0, dim), dtype=np.float32)
    return np.asarray(embedder.encode(sentences), dtype=np.float32)


def token_counts(embedder: Embedder, sentences: Sequence[str]) -> list[int]:
    """How many tokens (special tokens included) each sentence has before the model's window cuts it."""
    if not sentences:
        return []
    return [len(ids) for ids in embedder.token_ids(list(sentences))]


def similarity_matrix(vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity of every pair of rows (n, n); rows need not be normalised."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1.0, norms)
    return np.clip(unit @ unit.T, -1.0, 1.0)


def ranked_pairs(matrix: np.ndarray) -> list[tuple[int, int, float]]:
    """Every pair (i < j) of a similarity matrix with its score, most similar first."""
    rows, cols = np.triu_indices(len(matrix), k=1)
    scores = matrix[rows, cols]
    order = np.argsort(-scores, kind="stable")
    return [(int(rows[o]), int(cols[o]), float(scores[o])) for o in order]


def dot_contributions(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a[i] * b[i] for every dimension: their sum is the dot product (the cosine for unit vectors)."""
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("Both vectors must be one-dimensional and the same length.")
    return a * b


def project_2d(vectors: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """Squash (n, dim) vectors to (n, 2) points: PCA (a fixed linear view) or t-SNE (keeps neighbours)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    if method not in PROJECTIONS:
        raise ValueError(f"Unknown projection {method!r}; choose one of {', '.join(PROJECTIONS)}.")
    if vectors.ndim != 2 or len(vectors) < 2:
        raise ValueError("A map needs at least two sentences.")
    if method == "tsne":
        return _tsne(vectors, seed)
    return _pca(vectors)


def _pca(vectors: np.ndarray) -> np.ndarray:
    centred = vectors - vectors.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    axes = components[:2]
    # An SVD axis may come out as +v or -v; fix the sign so the same sentences give the same picture.
    signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
    points = centred @ (axes * signs[:, None]).T
    if points.shape[1] < 2:  # two sentences span a single direction
        points = np.hstack([points, np.zeros((len(points), 2 - points.shape[1]))])
    return points.astype(np.float32)


def _tsne(vectors: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.manifold import TSNE

    # Perplexity is roughly "how many neighbours each point cares about"; it must stay below n.
    perplexity = float(min(30.0, max(1.0, (len(vectors) - 1) / 3)))
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", metric="cosine", random_state=seed)
    return tsne.fit_transform(vectors).astype(np.float32)


# --- the learner's sentences ------------------------------------------------------------------


@dataclass
class SentenceList:
    """Sentences parsed from a text area, with what was changed on the way (shown to the learner)."""

    sentences: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    empty_lines: int = 0
    duplicates: list[str] = field(default_factory=list)
    dropped: int = 0  # lines past the limit


def parse_sentences(text: str, limit: int) -> SentenceList:
    """One sentence per line, optionally "group: sentence". Empty lines are skipped, exact repeats merged
    (a repeat would only add a 1.000 cell), and anything past `limit` sentences is dropped."""
    if limit < 1:
        raise ValueError("The sentence limit must be at least 1.")
    parsed = SentenceList()
    seen: set[str] = set()
    for line in text.splitlines():
        if not line.strip():
            parsed.empty_lines += 1
            continue
        group, sentence = split_group(line)
        if sentence in seen:
            parsed.duplicates.append(sentence)
            continue
        if len(parsed.sentences) >= limit:
            parsed.dropped += 1
            continue
        seen.add(sentence)
        parsed.sentences.append(sentence)
        parsed.groups.append(group)
    return parsed


def split_group(line: str) -> tuple[str, str]:
    """("animals", "The cat sleeps.") from "animals: The cat sleeps."; (NO_GROUP, line) without a label."""
    match = _GROUP_PREFIX.match(line)
    if match and len(match.group(1).split()) <= 3:
        return match.group(1).strip(), " ".join(match.group(2).split())
    return NO_GROUP, " ".join(line.split())


def default_sentence_groups() -> dict[str, list[str]]:
    """The page's starting sentences, a few per clear topic."""
    return json.loads((DATA_DIR / "sentence_groups.json").read_text(encoding="utf-8"))


def default_sentences_text() -> str:
    """The default sentences in the text area's "group: sentence" form."""
    return "\n".join(f"{group}: {sentence}" for group, sentences in default_sentence_groups().items()
                     for sentence in sentences)
