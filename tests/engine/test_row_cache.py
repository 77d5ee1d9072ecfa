"""Each row of the writing batch in a place of its own: rows of very different lengths (one in buffers of
its own, one far longer than the rest) get the logits a plain forward pass over their own text gives, before
and after another row leaves, while a prompt is read in the same passes, and a long row does not lengthen
the others' places."""

from __future__ import annotations

import pytest
import torch

from genai_demo.engine import batching, kinds, row_cache
from genai_demo.engine.batching import TextEngine, forward_pass
from genai_demo.engine.loader import load_model
from genai_demo.engine.row_cache import BatchPass, PromptCache, RowCache


def _plain_next(model, ids: list[int]) -> torch.Tensor:
    with torch.inference_mode():
        return model(input_ids=torch.tensor([ids]), use_cache=False).logits[0, -1].float()


def _read_piece(model, ids: list[int], start: int, end: int, cache: PromptCache) -> torch.Tensor:
    """Read ids[start:end] after the tokens before it (in `cache`): the logits of the piece's last position."""
    with torch.inference_mode():
        return forward_pass(model, ids[start:end], range(start, end), BatchPass(None, [(cache, end - start)]),
                            [end - start - 1])[0]


def _read(model, ids: list[int], room: int = 0) -> PromptCache:
    cache = PromptCache(room=max(room, len(ids)))
    for start in range(0, len(ids), batching.PREFILL_CHUNK):
        _read_piece(model, ids, start, min(len(ids), start + batching.PREFILL_CHUNK), cache)
    return cache


def _step(model, cache: RowCache, texts: dict[str, list[int]], reading: PromptCache, prompt: list[int],
          count: int) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """One pass as the engine runs it: a decoding step (each row feeds its text's last token, whose key is not
    stored yet) and, in the same pass, the next `count` tokens of `prompt` being read into `reading`. The rows'
    logits, and the piece's last."""
    tokens = [texts[row][-1] for row in cache.rows] + prompt[reading.length:reading.length + count]
    positions = [len(texts[row]) - 1 for row in cache.rows] + list(range(reading.length, reading.length + count))
    with torch.inference_mode():
        logits = forward_pass(model, tokens, positions, BatchPass(cache, [(reading, count)]),
                              [*range(len(cache.rows)), len(tokens) - 1])
    return {row: logits[index] for index, row in enumerate(cache.rows)}, logits[-1]


@pytest.mark.parametrize("folder", ["tiny_gpt2_dir", "tiny_llama_dir"])  # Llama: grouped key/value heads
@pytest.mark.parametrize("order", [("long", "short", "medium", "own"), ("short", "medium", "long", "own")])
def test_rows_of_any_length_get_the_logits_of_their_own_text(folder, order, request, monkeypatch):
    """Long first: it sets the shared places' width and is read apart from the short rows as an outlier.
    Long after short rows: it is far wider than their places and gets buffers of its own instead."""
    monkeypatch.setattr(row_cache, "SHARED_COLUMNS", 200)  # the 250-token text gets buffers of its own
    lm = load_model(kinds.TEXT, str(request.getfixturevalue(folder)))
    model = lm.model
    texts = {"short": list(range(300, 306)), "medium": list(range(400, 420)), "long": list(range(500, 640)),
             "own": list(range(700, 950)), "twin": list(range(400, 420))}
    cache: RowCache[str] = RowCache()
    for name in order:
        columns = len(texts[name]) + 4
        prompt = _read(model, texts[name][:-1], room=columns if name == "own" else 0)
        cache.add(["twin", name] if name == "medium" else [name], prompt, [columns] * (2 if name == "medium" else 1))
        assert prompt.lent == (name == "own")  # the one with room writes on in its prompt's buffers
    if order[0] == "long":
        assert cache.rows[-1] == "own" and cache.shared_columns == 144
    else:
        assert cache.rows[-2:] == ["long", "own"] and cache.shared_columns == 24
    prompt, reading = list(range(1000, 1030)), PromptCache(room=30)  # read beside the rows, 10 tokens a pass
    for round_ in range(3):
        got, piece = _step(model, cache, texts, reading, prompt, 10)
        for name, logits in got.items():
            assert torch.allclose(logits, _plain_next(model, texts[name]), atol=1e-4, rtol=1e-4), (name, round_)
        assert torch.allclose(piece, _plain_next(model, prompt[:reading.length]), atol=1e-4, rtol=1e-4)
        for name in texts:
            texts[name] = texts[name] + [int(got[name].argmax())]
        if round_ == 0:
            cache.drop(["medium"])  # the last shared row moves into its place
            del texts["medium"]
        if round_ == 1:
            cache.drop(["own"])
            del texts["own"]
    lm.engine.close()


def test_a_prompt_read_in_pieces_of_any_size_gives_the_logits_of_one_forward_pass(lm):
    ids = list(range(1700, 1760))
    cache = PromptCache(room=len(ids))
    ends = [16, 17, 40, 41, 60]
    logits = torch.stack([_read_piece(lm.model, ids, start, end, cache) for start, end in zip([0, *ends], ends)])
    with torch.inference_mode():
        whole = lm.model(input_ids=torch.tensor([ids]), use_cache=False).logits[0].float()
    assert torch.allclose(logits, whole[[end - 1 for end in ends]], atol=1e-4, rtol=1e-4)


def test_a_model_that_reads_through_a_sliding_window_is_refused_with_a_reason():
    from transformers import MistralConfig, MistralForCausalLM

    config = MistralConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                           num_attention_heads=2, num_key_value_heads=1, sliding_window=8)
    with pytest.raises(ValueError, match="sliding window"):
        TextEngine(MistralForCausalLM(config).eval(), frozenset())
