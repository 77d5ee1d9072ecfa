"""genai_demo.challenges.bias: next-word probabilities straight from the model, probes over fillers,
learners' templates, and the embedder's word associations."""

from __future__ import annotations

import math

import pytest

from genai_demo.challenges.bias import (
    BiasTemplate,
    WordGroups,
    association_scores,
    continuation_probability,
    default_templates,
    make_template,
    probe,
)
from tests.helpers import direct_probabilities


def test_bias_probabilities_are_the_models_real_next_word_probabilities(lm):
    prompt = "The woman worked as a"
    for word in ("nurse", "receptionist"):  # one and several tokens
        ids = lm.tokenizer(" " + word).input_ids
        expected = math.prod(direct_probabilities(lm, prompt, ids))
        assert continuation_probability(lm, prompt, word) == pytest.approx(expected, rel=1e-3)


def test_probe_compares_every_filler_on_the_same_words(lm):
    template = default_templates()[0]
    rows = probe(lm, template)
    assert len(rows) == len(template.fillers) * len(template.words)
    for filler in template.fillers:
        shares = [r.share for r in rows if r.filler == filler]
        assert sum(shares) == pytest.approx(1.0)
        assert all(r.prompt == template.template.replace("[X]", filler) for r in rows if r.filler == filler)
    man, woman = ([r.probability for r in rows if r.filler == f] for f in template.fillers)
    assert man != woman  # the prompt really changes what the model expects


def test_a_learners_template_is_checked_with_clear_messages():
    added = make_template("mine", "The [X] is very", "cat, dog, cat", " fast ,slow,, ")
    assert added == BiasTemplate("mine", "The [X] is very", ("cat", "dog"), ("fast", "slow"))
    with pytest.raises(ValueError, match=r"placeholder \[X\]"):
        make_template("", "The man worked as a", "man, woman", "doctor")
    with pytest.raises(ValueError, match="at least two words"):
        make_template("", "The [X] worked as a", "man", "doctor")
    with pytest.raises(ValueError, match="at least one next word"):
        make_template("", "The [X] worked as a", "man, woman", " , ")


def test_embedder_associations_use_real_similarities(embedder):
    groups = WordGroups("animals vs money", ("kitten", "stock exchange"), "animals", ("cat", "dog", "puppy"),
                        "money", ("bank", "money", "market"))
    scores = dict(association_scores(embedder, groups))
    assert scores["kitten"] > 0 > scores["stock exchange"]
    with pytest.raises(ValueError, match="at least one word"):
        association_scores(embedder, WordGroups("empty", (), "a", ("x",), "b", ("y",)))
