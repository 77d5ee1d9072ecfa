"""The 8-bit copy that writes text on CPUs where it is faster."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from genai_demo import models
from genai_demo.quantize import Int8Linear, int8_decoder
from genai_demo.text import SamplingSettings, generate_texts


@pytest.fixture(scope="module")
def int8_lm(lm):
    return replace(lm, decoder=int8_decoder(lm.model))


def test_int8_layer_matches_the_full_layer_closely():
    torch.manual_seed(0)
    full = torch.nn.Linear(64, 256)
    x = torch.randn(3, 64)
    exact = full(x)
    approx = Int8Linear(full.weight, full.bias)(x).float()
    assert approx.shape == exact.shape
    # int8 rows with a per-row scale, bfloat16 activations: about 1% of the output's spread
    assert (approx - exact).abs().max() < 0.02 * exact.abs().max()


def test_the_copy_predicts_like_the_model_and_leaves_it_untouched(lm, int8_lm):
    before = {name: p.clone() for name, p in lm.model.named_parameters()}
    ids = torch.tensor([lm.tokenizer("The weather today is").input_ids])
    with torch.inference_mode():
        exact = torch.softmax(lm.model(input_ids=ids).logits[0, -1].float(), -1)
        approx = torch.softmax(int8_lm.decoder(input_ids=ids).logits[0, -1].float(), -1)
    assert float((exact - approx).abs().sum() / 2) < 0.05  # total variation distance
    assert all(isinstance(m, Int8Linear) for m in [int8_lm.decoder.lm_head])
    for name, parameter in lm.model.named_parameters():
        assert torch.equal(parameter, before[name]), name
    assert lm.model.lm_head.weight is lm.model.transformer.wte.weight  # the shared model stays tied


def test_columns_written_by_the_copy_stay_independent(int8_lm):
    knobs = SamplingSettings(temperature=0.9, top_k=40, top_p=0.9, max_new_tokens=12, seed=7)
    alone = generate_texts(int8_lm, "Once upon a time", [knobs])[0]
    beside = generate_texts(int8_lm, "Once upon a time",
                            [SamplingSettings(temperature=1.4, seed=1, max_new_tokens=12), knobs,
                             SamplingSettings(temperature=0.0, max_new_tokens=12)])[1]
    assert alone == beside
    assert alone  # it wrote something


def test_an_explicit_dtype_turns_the_copy_off(monkeypatch, tiny_gpt2_dir):
    from genai_demo.config import settings

    monkeypatch.setenv("GENAI_DTYPE", "float32")
    settings.cache_clear()
    try:
        plain = models.load_text_model(str(tiny_gpt2_dir))
    finally:
        monkeypatch.undo()
        settings.cache_clear()
    assert plain.decoder is None and plain.writer is plain.model
