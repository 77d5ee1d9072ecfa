"""The transformer named and measured: sizes from the real config, parameters per part, attention reach."""

from __future__ import annotations

import numpy as np
import pytest

from genai_demo.engine import kinds
from genai_demo.engine.loader import load_model
from genai_demo.text import attention
from genai_demo.text.transformer import architecture, attention_reach, read_architecture


def test_gpt2_small_has_its_published_size_and_parts():
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    with torch.device("meta"):  # the real architecture, no weights needed
        model = GPT2LMHeadModel(GPT2Config())
    arch = read_architecture(model, 1024)
    assert (arch.n_layers, arch.n_heads, arch.hidden_size, arch.mlp_size, arch.head_size) == (12, 12, 768, 3072, 64)
    assert arch.total_params == 124_439_808  # GPT-2 small's well-known count
    assert sum(size for _, size in arch.parts()) == arch.total_params
    d = 768
    assert arch.attention_params_per_block == 4 * d * d + 4 * d  # q, k, v and output projections with biases
    assert arch.mlp_params_per_block == 2 * d * 4 * d + 4 * d + d
    assert arch.position_embedding_params == 1024 * d and arch.positions == "learned table"
    assert arch.tied_unembedding and arch.unembedding_params == 0


def test_a_llama_model_is_read_from_its_own_config(tiny_llama_dir):
    lm = load_model(kinds.TEXT, str(tiny_llama_dir))
    arch = architecture(lm)
    assert (arch.n_layers, arch.n_heads, arch.n_kv_heads, arch.hidden_size, arch.mlp_size) == (2, 4, 2, 32, 64)
    assert arch.positions == "rotary" and arch.position_embedding_params == 0
    d, kv = 32, 2 * 8  # two key/value heads of 8 numbers each
    assert arch.attention_params_per_block == d * d + 2 * d * kv + d * d
    assert arch.mlp_params_per_block == 3 * d * 64
    assert sum(size for _, size in arch.parts()) == arch.total_params == sum(p.numel() for p in lm.model.parameters())


def test_attention_reach_matches_the_attention_maps_it_summarises(tiny_gpt2_dir):
    lm = load_model(kinds.TEXT, str(tiny_gpt2_dir))  # the engine switches to eager attention per call
    ids = lm.encode("The cat sat on the mat because the mat was warm and the cat was cold.")
    reach = attention_reach(lm, ids)
    maps = attention.walkthrough(lm, ids).attentions.mean(axis=1)  # [layers, query, key], heads averaged
    n = len(ids)
    assert reach.weight.shape == (maps.shape[0], n)
    np.testing.assert_allclose(reach.by_distance().sum(axis=1), 1.0, rtol=1e-6)
    for layer in range(maps.shape[0]):
        expected = sum(maps[layer, q, k] * (q - k) for q in range(n) for k in range(q + 1)) / n
        assert reach.mean_distance()[layer] == pytest.approx(expected, rel=1e-4)
        np.testing.assert_allclose(reach.first_token[layer], maps[layer, :, 0] / n, rtol=1e-4, atol=1e-7)
    labels, hist = reach.histogram()
    assert labels[0] == "0 (itself)" and labels[1] == "1" and labels[2] == "2–3" and labels[-1].endswith(str(n - 1))
    np.testing.assert_allclose(hist.sum(axis=1), 1.0, rtol=1e-6)
    # Leaving out the first token: the same average over every other key, renormalised.
    for layer in range(maps.shape[0]):
        kept = [(maps[layer, q, k], q - k) for q in range(n) for k in range(1, q + 1)]
        expected = sum(w * d for w, d in kept) / sum(w for w, _ in kept)
        assert reach.mean_distance(skip_first_token=True)[layer] == pytest.approx(expected, rel=1e-4)
    with pytest.raises(ValueError, match="at least two tokens"):
        attention_reach(lm, ids[:1])
