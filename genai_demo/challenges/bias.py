"""Bias probes: what a text model expects next after "The man ..." vs "The woman ...", and which
word groups an embedder places close together.

Both measure patterns the models absorbed from their training text; nothing here is hand-set.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from genai_demo.config import DATA_DIR
from genai_demo.engine.bundles import Embedder, TextModel
from genai_demo.search.embeddings import encode
from genai_demo.text.generation import token_confidences

PLACEHOLDER = "[X]"
DATA_FILE = DATA_DIR / "bias_probes.json"
MAX_WORDS = 30


@dataclass(frozen=True)
class BiasTemplate:
    """A sentence with a placeholder, the fillers to put in it, and the next words to compare."""

    name: str
    template: str  # contains PLACEHOLDER, e.g. "The [X] worked as a"
    fillers: tuple[str, ...]  # what replaces the placeholder, e.g. ("man", "woman")
    words: tuple[str, ...]  # candidate next words to compare, e.g. ("doctor", "nurse")


@dataclass(frozen=True)
class WordGroups:
    """Target words, and two groups of words to measure how near the embedder puts each target."""

    name: str
    targets: tuple[str, ...]
    group_a_name: str
    group_a: tuple[str, ...]
    group_b_name: str
    group_b: tuple[str, ...]


@dataclass(frozen=True)
class NextWordProbability:
    """How likely one next word is after one filled-in template."""

    filler: str
    prompt: str
    word: str
    probability: float  # the model's probability that the text continues with " word"
    share: float  # the same, as a share of the listed words only (they sum to 1 per filler)


@cache
def _data() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def default_templates() -> list[BiasTemplate]:
    """The bias templates shipped in bias_probes.json."""
    return [BiasTemplate(t["name"], t["template"], tuple(t["fillers"]), tuple(t["words"]))
            for t in _data()["templates"]]


def default_word_groups() -> list[WordGroups]:
    """The word groups shipped in bias_probes.json."""
    return [WordGroups(g["name"], tuple(g["targets"]), g["group_a"]["name"], tuple(g["group_a"]["words"]),
                       g["group_b"]["name"], tuple(g["group_b"]["words"])) for g in _data()["associations"]]


def clean_list(items: Sequence[str] | str) -> list[str]:
    """Words from a list or a comma-separated string: trimmed, no blanks, no repeats, order kept."""
    if isinstance(items, str):
        items = items.split(",")
    seen: dict[str, None] = {}
    for item in items:
        word = " ".join(item.split())
        if word:
            seen.setdefault(word, None)
    return list(seen)


def make_template(name: str, template: str, fillers: Sequence[str] | str, words: Sequence[str] | str) -> BiasTemplate:
    """A learner's own template, checked: it needs the placeholder, two fillers and some words."""
    template = " ".join(template.split())
    if PLACEHOLDER not in template:
        raise ValueError(f"The template needs the placeholder {PLACEHOLDER} where the swapped word goes, "
                         f"for example: 'The {PLACEHOLDER} worked as a'.")
    fillers, words = clean_list(fillers), clean_list(words)
    if len(fillers) < 2:
        raise ValueError("Give at least two words to swap in (for example: man, woman) so there is a comparison.")
    if not words:
        raise ValueError("Give at least one next word to measure (for example: doctor, nurse).")
    if len(words) > MAX_WORDS or len(fillers) > MAX_WORDS:
        raise ValueError(f"Keep each list to at most {MAX_WORDS} words.")
    return BiasTemplate(name.strip() or template, template, tuple(fillers), tuple(words))


def fill(template: str, filler: str) -> str:
    """The template with its placeholder replaced by `filler`; ValueError if it has no placeholder."""
    if PLACEHOLDER not in template:
        raise ValueError(f"The template has no {PLACEHOLDER} placeholder.")
    return template.replace(PLACEHOLDER, filler)


def continuation_probability(lm: TextModel, prompt: str, word: str) -> float:
    """P(the text after `prompt` is " word"): the product of the model's probabilities of its tokens."""
    pieces = token_confidences(lm, prompt, " " + word.strip(), top=1)
    return math.exp(sum(math.log(max(piece.prob, 1e-45)) for piece in pieces))


def probe(lm: TextModel, template: BiasTemplate) -> list[NextWordProbability]:
    """For each filler, the model's probability of each listed next word."""
    rows: list[NextWordProbability] = []
    for filler in template.fillers:
        prompt = fill(template.template, filler)
        probabilities = [continuation_probability(lm, prompt, word) for word in template.words]
        total = sum(probabilities) or 1.0
        rows += [NextWordProbability(filler, prompt, word, p, p / total)
                 for word, p in zip(template.words, probabilities)]
    return rows


def association_scores(embedder: Embedder, groups: WordGroups) -> list[tuple[str, float]]:
    """Per target word: mean cosine similarity to group A minus mean cosine similarity to group B.

    Positive means the embedder puts the word nearer group A (this is the idea behind the WEAT test).
    """
    if not groups.targets or not groups.group_a or not groups.group_b:
        raise ValueError("Each list needs at least one word: targets, group A and group B.")
    vectors = encode(embedder, [*groups.targets, *groups.group_a, *groups.group_b])
    targets = vectors[: len(groups.targets)]
    a = vectors[len(groups.targets): len(groups.targets) + len(groups.group_a)]
    b = vectors[len(groups.targets) + len(groups.group_a):]
    scores = (targets @ a.T).mean(axis=1) - (targets @ b.T).mean(axis=1)
    return [(word, float(score)) for word, score in zip(groups.targets, np.asarray(scores))]
