"""genai_demo.attention on a tiny random GPT-2 with the real GPT-2 tokenizer, loaded as users load it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genai_demo.engine import kinds
from genai_demo.engine.loader import load_model
from genai_demo.text import attention

QUESTION = "What's the weather like today?"


@pytest.fixture(scope="module")
def lm(tiny_gpt2_dir):
    return load_model(kinds.TEXT, str(tiny_gpt2_dir))


@pytest.fixture(scope="module")
def walk(lm):
    return attention.walkthrough(lm, attention.token_window(lm, QUESTION).token_ids)


def test_question_tokens_are_gpt2s(lm, walk):
    # The real GPT-2 tokenizer splits the page's question into these seven pieces.
    assert walk.tokens == ["What", "'s", " the", " weather", " like", " today", "?"]
    assert walk.token_ids == [2061, 338, 262, 6193, 588, 1909, 30]


def test_attention_rows_sum_to_one_and_are_causal(lm, walk):
    layers, heads = lm.model.config.n_layer, lm.model.config.n_head
    assert walk.attentions.shape == (layers, heads, 7, 7)
    # bfloat16 softmax rounds each weight to ~3 significant digits.
    np.testing.assert_allclose(walk.attentions.sum(axis=-1), 1.0, atol=2e-2)
    future = np.triu(np.ones((7, 7), dtype=bool), k=1)
    assert (walk.attentions[..., future] == 0).all()
    assert (walk.attentions[..., ~future] > 0).all()
    # The first token can only look at itself.
    np.testing.assert_allclose(walk.attentions[:, :, 0, 0], 1.0, atol=1e-2)


def test_logit_lens_last_layer_is_the_models_real_prediction(lm, walk):
    with torch.inference_mode():
        logits = lm.model(torch.tensor([walk.token_ids])).logits[0].float()
    real_next = logits.argmax(dim=-1)
    assert walk.lens_top_ids.shape[0] == lm.model.config.n_layer + 1
    for column, position in enumerate(walk.lens_positions):
        assert walk.lens_top_ids[-1, column, 0] == real_next[position]
    assert walk.final_prediction() == int(real_next[-1])
    # Probabilities are sorted and come from a softmax over the vocabulary.
    assert (np.diff(walk.lens_top_probs, axis=-1) <= 1e-6).all()
    assert (walk.lens_top_probs.sum(axis=-1) <= 1.0 + 1e-4).all()
    assert walk.lens_labels()[0] == "embeddings" and walk.lens_labels()[-1] == f"layer {lm.model.config.n_layer}"


def test_embeddings_are_token_plus_position_rows(lm, walk):
    view = attention.input_embeddings(lm, walk.token_ids, dims=8)
    wte = lm.model.transformer.wte.weight.float()
    wpe = lm.model.transformer.wpe.weight.float()
    ids = torch.tensor(walk.token_ids)
    expected = (wte[ids] + wpe[: len(ids)]).detach().numpy()
    np.testing.assert_allclose(view.input_vectors, expected[:, :8], atol=1e-5)
    np.testing.assert_allclose(view.token_vectors, wte[ids, :8].detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(view.input_norms, np.linalg.norm(expected, axis=-1), rtol=1e-4)
    assert view.hidden_size == lm.model.config.n_embd


def test_walkthrough_is_cached_per_text(lm, walk):
    again = attention.walkthrough(lm, list(walk.token_ids))
    assert again is walk
    other = attention.walkthrough(lm, attention.token_window(lm, "Is it raining?").token_ids)
    assert other is not walk and other.tokens[-1] == "?"


def test_long_text_is_cut_to_the_walkthrough_cap(lm):
    text = "The sun rises in the east. " * 40
    window = attention.token_window(lm, text)
    assert window.truncated
    assert len(window.token_ids) == attention.WALKTHROUGH_TOKENS
    assert window.total_tokens == len(lm.tokenizer(text)["input_ids"]) > attention.WALKTHROUGH_TOKENS
    # Never beyond the model's window, whatever cap is asked for.
    assert len(attention.token_window(lm, text * 5, max_tokens=10_000).token_ids) == lm.context_window


@pytest.mark.parametrize("bad", ["", "   \n "])
def test_empty_text_is_refused_plainly(lm, bad):
    with pytest.raises(ValueError, match="Type some text"):
        attention.token_window(lm, bad)
    with pytest.raises(ValueError, match="Type some text"):
        attention.walkthrough(lm, [])


def test_strongest_links_match_the_map(walk):
    links = attention.strongest_links(walk, 0, 1, query=5, top=3)
    row = walk.attentions[0, 1, 5, :6]
    assert [k for k, _ in links] == list(np.argsort(-row)[:3])
    assert all(k <= 5 for k, _ in links)
    with pytest.raises(ValueError):
        attention.strongest_links(walk, 99, 0, 0)


def test_attention_comes_from_the_shared_model_switched_per_call(lm, walk, tiny_gpt2_dir):
    """No second copy: the shared (sdpa) model gives the same maps an eager-loaded copy gives, and is
    back on sdpa afterwards, so generation keeps its fast path."""
    from transformers import AutoModelForCausalLM

    assert lm.model.config._attn_implementation == "sdpa"
    from genai_demo.engine.fast_linear import use_fast_linear, uses_fast_linear

    eager = AutoModelForCausalLM.from_pretrained(str(tiny_gpt2_dir), attn_implementation="eager", dtype=lm.dtype)
    use_fast_linear(eager, on=uses_fast_linear(lm.model))  # the same products as the shared model's
    with torch.inference_mode():
        expected = torch.stack(eager(torch.tensor([walk.token_ids]), output_attentions=True).attentions)[:, 0]
    np.testing.assert_array_equal(walk.attentions, expected.float().numpy())

    def fails(model):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        lm.engine.run(fails, attention="eager")
    assert lm.model.config._attn_implementation == "sdpa"


def test_walkthroughs_during_generation_leave_the_text_unchanged(lm):
    """Maps requested while other learners write: their text is the same as without the maps."""
    import threading

    from genai_demo.engine.sampling import SamplingSettings
    from genai_demo.text import generation

    columns = [SamplingSettings(temperature=0.9, seed=7, max_new_tokens=40)]
    alone = generation.generate_texts(lm, "The weather today", columns)
    maps_done = []

    def ask_for_maps() -> None:
        for n in range(6):
            attention.clear_cache()
            maps_done.append(attention.walkthrough(lm, list(range(100, 110 + n))).n_layers)

    thread = threading.Thread(target=ask_for_maps)
    thread.start()
    together = generation.generate_texts(lm, "The weather today", columns)
    thread.join()
    assert together == alone
    assert len(maps_done) == 6
    assert lm.model.config._attn_implementation == "sdpa"
