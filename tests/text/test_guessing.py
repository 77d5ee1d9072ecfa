"""Guesses ranked against the model's own next-token numbers (tiny GPT-2, checked against a direct forward pass)."""

from __future__ import annotations

import torch

from genai_demo.text.generation import last_logits
from genai_demo.text.guessing import guess_ids, score_guesses


def test_a_word_after_a_word_gets_its_leading_space_and_after_a_space_it_does_not(lm):
    assert guess_ids(lm, "The cat sat on the", "mat") == lm.encode(" mat")
    assert guess_ids(lm, "The cat sat on the ", " mat ") == lm.encode("mat")
    assert guess_ids(lm, "", "mat") == lm.encode("mat")


def test_each_guess_gets_the_models_probability_and_rank_of_its_first_token(lm):
    prompt = "The cat sat on the"
    ids = lm.encode(prompt)
    logits = last_logits(lm, ids)
    with torch.no_grad():
        direct = torch.softmax(lm.model(input_ids=torch.tensor([ids])).logits[0, -1].float(), dim=-1)
    top = int(direct.argmax())
    top_word = lm.tokenizer.decode([top]).strip() or "x"
    scores = score_guesses(lm, prompt, logits, ["mat", "", "  ", "hippopotamus", top_word])
    assert [s.guess for s in scores] == ["mat", "hippopotamus", top_word]
    for score in scores:
        first = guess_ids(lm, prompt, score.guess)[0]
        assert abs(score.prob - float(direct[first])) < 1e-5
        assert score.rank == int((direct > direct[first]).sum()) + 1
    assert scores[1].whole_word is (len(lm.encode(" hippopotamus")) == 1)
