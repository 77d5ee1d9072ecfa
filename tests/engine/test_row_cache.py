"""Each row of the writing batch in a place of its own: rows of very different lengths (one in buffers of
its own, one far longer than the rest) get the logits a plain forward pass over their own text gives, before
and after another row leaves, and a long row does not lengthen the others' places."""

from __future__ import annotations

import pytest
import torch

from genai_demo.engine import batching, kinds, row_cache
from genai_demo.engine.batching import TextEngine, attention_implementation, read_chunk
from genai_demo.engine.loader import load_model
from genai_demo.engine.row_cache import ATTENTION_NAME, PromptCache, RowCache


def _plain_next(model, ids: list[int]) -> torch.Tensor:
    with torch.inference_mode():
        return model(input_ids=torch.tensor([ids]), use_cache=False).logits[0, -1].float()


def _read(model, ids: list[int]) -> PromptCache:
    cache = PromptCache(room=len(ids))
    with torch.inference_mode():
        for start in range(0, len(ids), batching.PREFILL_CHUNK):
            read_chunk(model, ids, start, cache, keep=1)
    return cache


def _step(model, cache: RowCache, texts: dict[str, list[int]]) -> dict[str, torch.Tensor]:
    """One decoding step: each row feeds its text's last token, whose key is not stored yet."""
    feed = torch.tensor([[texts[row][-1]] for row in cache.rows])
    positions = torch.tensor([[len(texts[row]) - 1] for row in cache.rows])
    cache.begin_step()
    with torch.inference_mode(), attention_implementation(model, ATTENTION_NAME):
        out = model(input_ids=feed, cache=cache, position_ids=positions, use_cache=True, row_cache=cache)
    cache.end_step()
    return {row: out.logits[index, -1].float() for index, row in enumerate(cache.rows)}


@pytest.mark.parametrize("folder", ["tiny_gpt2_dir", "tiny_llama_dir"])  # Llama: grouped key/value heads
def test_rows_of_any_length_get_the_logits_of_their_own_text(folder, request, monkeypatch):
    monkeypatch.setattr(row_cache, "SHARED_COLUMNS", 200)  # the 250-token text gets buffers of its own
    lm = load_model(kinds.TEXT, str(request.getfixturevalue(folder)))
    model = lm.model
    texts = {"short": list(range(300, 306)), "medium": list(range(400, 420)), "long": list(range(500, 640)),
             "own": list(range(700, 950)), "twin": list(range(400, 420))}
    cache: RowCache[str] = RowCache()
    for name in ("short", "medium", "long", "own"):
        prompt = texts[name][:-1]
        columns = len(texts[name]) + 4
        cache.add(["twin", name] if name == "medium" else [name], _read(model, prompt),
                  [columns] * (2 if name == "medium" else 1))
    assert cache.shared_columns < 200 and cache.rows[-1] == "own"
    for round_ in range(3):
        got = _step(model, cache, texts)
        for name, logits in got.items():
            assert torch.allclose(logits, _plain_next(model, texts[name]), atol=1e-4, rtol=1e-4), (name, round_)
        for name in texts:
            texts[name] = texts[name] + [int(got[name].argmax())]
        if round_ == 0:
            cache.drop(["medium"])  # the last shared row moves into its place
            del texts["medium"]
        if round_ == 1:
            cache.drop(["own"])
            del texts["own"]
    lm.engine.close()


def test_a_prompt_read_in_chunks_gives_the_logits_of_one_forward_pass(lm, monkeypatch):
    monkeypatch.setattr(batching, "PREFILL_CHUNK", 16)
    ids = list(range(1700, 1760))
    cache = PromptCache(room=len(ids))
    with torch.inference_mode():
        logits = torch.cat([read_chunk(lm.model, ids, start, cache, keep=1)[0]
                            for start in range(0, len(ids), 16)])
        whole = lm.model(input_ids=torch.tensor([ids]), use_cache=False).logits[0].float()
    assert torch.allclose(logits, whole[[15, 31, 47, 59]], atol=1e-4, rtol=1e-4)


def test_a_model_that_reads_through_a_sliding_window_is_refused_with_a_reason():
    from transformers import MistralConfig, MistralForCausalLM

    config = MistralConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                           num_attention_heads=2, num_key_value_heads=1, sliding_window=8)
    with pytest.raises(ValueError, match="sliding window"):
        TextEngine(MistralForCausalLM(config).eval(), frozenset())
