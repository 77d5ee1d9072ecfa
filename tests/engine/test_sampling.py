"""genai_demo.engine.sampling: tokens are drawn as often as the knob-adjusted probabilities say, and the
repetition penalty follows its formula."""

from __future__ import annotations

import torch

from genai_demo.engine.sampling import SamplingSettings, filter_logits, make_generator, penalize_repetition, sample_rows


def test_sampler_draws_tokens_as_often_as_the_knob_adjusted_probabilities_say():
    logits = torch.tensor([[2.0, 1.5, 1.0, 0.2, -0.5, -1.0, -3.0]])
    knobs = SamplingSettings(temperature=0.7, top_k=5, top_p=0.9)
    shown = torch.softmax(filter_logits(logits, [knobs])[0], dim=-1)  # what the next-token view shows
    generator = make_generator(7)
    draws = 20_000
    counts = torch.zeros(7)
    for _ in range(draws):
        counts[sample_rows(logits, [knobs], [generator])[0]] += 1
    frequencies = counts / draws
    # Binomial standard error is below 0.0036 here: 0.012 is more than three of them.
    assert torch.allclose(frequencies, shown, atol=0.012), (frequencies, shown)
    assert counts[shown == 0].sum() == 0  # tokens the knobs cut are never drawn


def test_repetition_penalty_follows_its_formula():
    logits = torch.tensor([[2.0, -2.0, 1.0, 0.5]])
    seen = torch.tensor([[True, True, False, False]])
    out = penalize_repetition(logits, seen, [2.0])
    assert out.tolist() == [[1.0, -4.0, 1.0, 0.5]]


def test_rows_sampled_together_get_what_each_gets_alone():
    """A class's rows are scaled and cut together where their knobs agree: each row's filtered logits and draws
    are the ones it gets alone, whatever the knobs of the rows beside it."""
    logits = torch.randn(9, 500, generator=torch.Generator().manual_seed(0)) * 3
    logits[4, :10] = logits[4, 0]  # a tie at the top
    columns = [SamplingSettings(temperature=0.8, top_k=50, top_p=0.95),
               SamplingSettings(temperature=0.0),
               SamplingSettings(temperature=0.8, top_k=50, top_p=0.5),
               SamplingSettings(temperature=1.3, top_k=0, top_p=1.0),
               SamplingSettings(temperature=0.8, top_k=50, top_p=0.95),
               SamplingSettings(temperature=1.0, top_k=1),
               SamplingSettings(temperature=0.8, top_k=7, top_p=1.0),
               SamplingSettings(temperature=1.3, top_k=0, top_p=0.9),
               SamplingSettings(temperature=0.8, top_k=50, top_p=0.95)]
    together = filter_logits(logits, columns)
    for row, knobs in enumerate(columns):
        assert torch.equal(together[row], filter_logits(logits[row:row + 1], [knobs])[0])
    generators = [make_generator(row) for row in range(len(columns))]
    alone = [make_generator(row) for row in range(len(columns))]
    for _ in range(40):
        drawn = sample_rows(logits, columns, generators)
        assert drawn == [sample_rows(logits[row:row + 1], [knobs], [alone[row]])[0]
                         for row, knobs in enumerate(columns)]
        assert (drawn[1], drawn[5]) == (int(logits[1].argmax()), int(logits[5].argmax()))  # the greedy rows
        assert all(together[row, token] > float("-inf") for row, token in enumerate(drawn))  # never a cut token
