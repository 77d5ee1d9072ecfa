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
