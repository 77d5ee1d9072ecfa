"""Layers on the spam example: one neuron cannot sort the 'layers' inbox, a hidden layer can."""

from __future__ import annotations

import pytest

from genai_demo.nets.spam_network import FEATURES, SpamLayersConfig, SpamLayersTrainer, spam_features


def test_features_follow_their_definitions():
    assert list(spam_features("Huge DISCOUNT!!! Order before midnight")) == [1, 1, 0, 1]
    assert list(spam_features("You won a free prize")) == [0, 0, 1, 0]
    assert list(spam_features("Lunch at noon?")) == [0, 0, 0, 0]
    with pytest.raises(ValueError, match="empty"):
        spam_features("  ")


def test_a_hidden_layer_fixes_what_one_neuron_cannot():
    trainer = SpamLayersTrainer(SpamLayersConfig(hidden=2, seed=0))
    trainer.train(300)
    neuron, network = trainer.accuracy()
    assert network == 1.0 and neuron < 1.0
    fixed = [v.text for v in trainer.fixed_by_network()]
    assert fixed == ["Your receipt: the student discount was applied and the gift wrapping was free."]


def test_hidden_neurons_split_the_rule_into_offer_and_pressure():
    trainer = SpamLayersTrainer(SpamLayersConfig(hidden=2, seed=0))
    trainer.train(300)
    groups = sorted(tuple(sorted(on + off)) for on, off in (n.signals() for n in trainer.hidden_neurons()))
    offer, pressure = (FEATURES[0], FEATURES[2]), (FEATURES[1], FEATURES[3])
    assert groups == sorted([tuple(sorted(offer)), tuple(sorted(pressure))])
    assert all("pushes the verdict towards" in n.describe() for n in trainer.hidden_neurons())


def test_one_hidden_neuron_is_no_better_than_one_neuron_and_bad_settings_are_refused():
    trainer = SpamLayersTrainer(SpamLayersConfig(hidden=1, seed=0))
    trainer.train(300)
    assert trainer.accuracy()[1] < 1.0
    with pytest.raises(ValueError, match="hidden neurons"):
        SpamLayersTrainer(SpamLayersConfig(hidden=0))
    with pytest.raises(ValueError, match="above 0"):
        SpamLayersTrainer(SpamLayersConfig(learning_rate=0.0))
