"""genai_demo.text.generation on a tiny random GPT-2 with the real GPT-2 tokenizer, and on the real SmolLM2
where random weights cannot show it: greedy equivalences, seeds and batching, distributions, limits."""

from __future__ import annotations

import math
import threading

import pytest
import torch

from genai_demo.config import settings
from genai_demo.engine import kinds
from genai_demo.engine.loader import load_model
from genai_demo.engine.sampling import SamplingSettings, filter_logits
from genai_demo.text.generation import (
    generate,
    generate_texts,
    next_token_distribution,
    prepare_prompt,
    token_confidences,
)

PROMPT = "What's the weather like today?"


@pytest.fixture(scope="module")
def lm(tiny_gpt2_dir):
    settings.cache_clear()
    return load_model(kinds.TEXT, str(tiny_gpt2_dir))


def _last_logits(lm, text: str) -> torch.Tensor:
    ids = lm.tokenizer(text, return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        return lm.model(input_ids=ids).logits[0, -1].float()


def _hf_greedy_ids(lm, prompt: str, new_tokens: int) -> list[int]:
    ids = lm.tokenizer(prompt, return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        out = lm.model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False,
                                max_new_tokens=new_tokens, pad_token_id=lm.tokenizer.eos_token_id)
    return out[0, ids.shape[1]:].tolist()


def _final(lm, prompt, columns):
    last = None
    for last in generate(lm, prompt, columns):
        pass
    return last


# --- greedy equivalences ------------------------------------------------------------------------


@pytest.mark.parametrize("knobs", [
    SamplingSettings(temperature=0, max_new_tokens=12, seed=5),
    SamplingSettings(temperature=1.3, top_k=1, top_p=1.0, max_new_tokens=12, seed=6),
    SamplingSettings(temperature=1.0, top_k=0, top_p=1e-6, max_new_tokens=12, seed=7),
], ids=["temperature-0", "top-k-1", "tiny-top-p"])
def test_greedy_limits_equal_hugging_face_greedy_decoding(lm, knobs):
    expected = _hf_greedy_ids(lm, PROMPT, 12)
    assert _final(lm, PROMPT, [knobs]).token_ids[0] == expected


def test_tiny_temperature_tracks_greedy(lm):
    # Dividing logits by 1e-4 makes every gap between candidates enormous: sampling becomes argmax.
    greedy = generate_texts(lm, PROMPT, [SamplingSettings(temperature=0, max_new_tokens=8)])
    cold = generate_texts(lm, PROMPT, [SamplingSettings(temperature=1e-4, top_k=0, top_p=1.0, max_new_tokens=8)])
    assert cold == greedy


# --- seeds and batching -------------------------------------------------------------------------


COLUMNS = [
    SamplingSettings(temperature=0.8, top_k=50, top_p=0.95, max_new_tokens=10, seed=1),
    SamplingSettings(temperature=1.5, top_k=0, top_p=1.0, max_new_tokens=14, seed=2),
    SamplingSettings(temperature=0, max_new_tokens=6),
    SamplingSettings(temperature=1.0, top_k=20, top_p=0.5, repetition_penalty=1.8, max_new_tokens=10, seed=1),
]


def test_column_text_is_the_same_alone_or_beside_other_columns(lm):
    together = _final(lm, PROMPT, COLUMNS)
    for row, knobs in enumerate(COLUMNS):
        alone = _final(lm, PROMPT, [knobs])
        assert alone.token_ids[0] == together.token_ids[row]
        assert alone.texts[0] == together.texts[row]
    # Reordered columns: still each column's own text.
    reordered = _final(lm, PROMPT, COLUMNS[::-1])
    assert reordered.token_ids == together.token_ids[::-1]


def test_same_seed_repeats_and_another_seed_differs(lm):
    knobs = SamplingSettings(temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=10, seed=42)
    first = generate_texts(lm, PROMPT, [knobs])
    assert generate_texts(lm, PROMPT, [knobs]) == first
    other = SamplingSettings(temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=10, seed=43)
    assert generate_texts(lm, PROMPT, [other]) != first


def test_streaming_updates_grow_until_every_column_is_done(lm):
    knobs = [SamplingSettings(max_new_tokens=5, seed=3), SamplingSettings(max_new_tokens=3, seed=4)]
    updates = list(generate(lm, PROMPT, knobs))
    # A reader that keeps up sees the place in line, then each step; a slow one skips to the latest.
    running = [u for u in updates if not u.waiting]
    assert running and all(u.waiting for u in updates[:len(updates) - len(running)])
    lengths = [[len(ids) for ids in u.token_ids] for u in running]
    assert all(a[row] <= b[row] for a, b in zip(lengths, lengths[1:]) for row in range(2))
    for a, b in zip(running, running[1:]):  # each text only grows: nothing written is ever taken back
        assert all(later[:len(earlier)] == earlier for earlier, later in zip(a.token_ids, b.token_ids))
    assert [u.step for u in running] == [max(row) for row in lengths]
    assert updates[-1].done
    for row, limit in enumerate((5, 3)):
        assert lengths[-1][row] <= limit
        final_ids = updates[-1].token_ids[row]
        assert lengths[-1][row] == limit or final_ids[-1] == lm.tokenizer.eos_token_id
        # Each column's text is the decoding of its own tokens.
        assert updates[-1].texts[row] == lm.tokenizer.decode(
            [i for i in final_ids if i != lm.tokenizer.eos_token_id])


def test_lock_is_free_between_decoding_steps(lm):
    stream = generate(lm, PROMPT, [SamplingSettings(max_new_tokens=4)])
    next(stream)
    got = []
    worker = threading.Thread(target=lambda: got.append(lm.lock.acquire(timeout=5)) or lm.lock.release())
    worker.start()
    worker.join()
    assert got == [True]
    list(stream)


# --- distributions ------------------------------------------------------------------------------


def test_filtered_probabilities_sum_to_one_and_keep_what_the_knobs_say(lm):
    logits = _last_logits(lm, PROMPT)[None]
    probs = torch.softmax(logits[0], -1)
    for knobs in (SamplingSettings(top_k=5, top_p=1.0), SamplingSettings(top_k=0, top_p=0.3, temperature=1.0),
                  SamplingSettings(temperature=2.0, top_k=40, top_p=0.9), SamplingSettings(temperature=0)):
        filtered = torch.softmax(filter_logits(logits, [knobs])[0], -1)
        assert float(filtered.sum()) == pytest.approx(1.0, abs=1e-5)
        kept = filtered > 0
        if knobs.top_k == 5:
            assert int(kept.sum()) == 5
            assert set(torch.nonzero(kept).flatten().tolist()) == set(torch.topk(probs, 5).indices.tolist())
        if knobs.temperature == 0:
            assert int(kept.sum()) == 1 and bool(kept[int(torch.argmax(probs))])
        if knobs.top_k == 0:
            # The smallest set of most likely tokens whose mass reaches top_p.
            mass = probs[kept].sum()
            assert float(mass) >= knobs.top_p - 1e-6
            assert float(mass - probs[kept].min()) < knobs.top_p


def test_next_token_distribution_matches_a_direct_forward_pass(lm):
    knobs = SamplingSettings(temperature=0.7, top_k=8, top_p=1.0)
    dist = next_token_distribution(lm, PROMPT, knobs, top=20)
    probs = torch.softmax(_last_logits(lm, PROMPT), -1)
    top = torch.topk(probs, 20)
    assert dist.probs == pytest.approx(top.values.tolist(), abs=1e-6)
    assert dist.kept == [True] * 8 + [False] * 12
    assert sum(dist.adjusted_probs) == pytest.approx(1.0, abs=1e-5)
    assert dist.kept_mass == pytest.approx(float(top.values[:8].sum()), rel=1e-4)
    assert dist.kept_count == 8
    assert dist.model_entropy_bits == pytest.approx(float(-(probs * probs.log2()).sum()), rel=1e-4)
    assert 0 < dist.entropy_bits <= math.log2(8) + 1e-6
    assert dist.pieces == [lm.tokenizer.decode([i]) for i in dist.token_ids]
    # Lower temperature sharpens the kept candidates: less entropy.
    colder = next_token_distribution(lm, PROMPT, SamplingSettings(temperature=0.2, top_k=8, top_p=1.0))
    assert colder.entropy_bits < dist.entropy_bits


def test_token_confidences_of_a_greedy_text_are_the_top_choice(lm):
    update = _final(lm, PROMPT, [SamplingSettings(temperature=0, max_new_tokens=6)])
    ids = [i for i in update.token_ids[0] if i != lm.tokenizer.eos_token_id]
    confidences = token_confidences(lm, PROMPT, update.texts[0], continuation_ids=ids)
    assert [c.token_id for c in confidences] == ids
    for c in confidences:
        assert len(c.alternatives) == 5
        assert c.prob == pytest.approx(c.alternatives[0][1], rel=1e-3)
    first = next_token_distribution(lm, PROMPT)
    assert confidences[0].prob == pytest.approx(first.probs[0], rel=1e-3)


# --- limits and bad input -----------------------------------------------------------------------


def test_empty_prompt_is_refused_with_a_message(lm):
    for prompt in ("", "   \n"):
        with pytest.raises(ValueError, match="prompt is empty"):
            generate(lm, prompt, [SamplingSettings()])
    with pytest.raises(ValueError, match="empty"):
        next_token_distribution(lm, "")


def test_huge_prompt_is_cut_from_the_left_with_a_notice(lm):
    prompt = "The ship drifted past the moon. " * 625  # 20,000 characters
    assert len(prompt) == 20_000
    prepared = prepare_prompt(lm, prompt, [SamplingSettings(max_new_tokens=5)])
    full = lm.tokenizer(prompt)["input_ids"]
    assert prepared.truncated and prepared.dropped_tokens > 0
    assert prepared.ids == full[-len(prepared.ids):]
    assert len(prepared.ids) + 5 <= lm.context_window
    assert any("cut" in note for note in prepared.notices)
    update = _final(lm, prompt, [SamplingSettings(max_new_tokens=5, seed=2)])
    assert update.prompt.truncated and len(update.token_ids[0]) >= 1
    assert next_token_distribution(lm, prompt).prompt_truncated


def test_new_tokens_are_capped_by_the_server_limit(lm):
    limit = settings().limits.max_new_tokens
    prepared = prepare_prompt(lm, PROMPT, [SamplingSettings(max_new_tokens=10**6)])
    assert prepared.max_new_tokens == [limit]
    assert prepared.capped and prepared.notices


def test_public_mode_caps_columns(lm, monkeypatch):
    monkeypatch.setenv("GENAI_PUBLIC", "1")
    settings.cache_clear()
    try:
        limit = settings().limits.max_columns
        with pytest.raises(ValueError, match=f"At most {limit} columns"):
            generate(lm, PROMPT, [SamplingSettings(seed=i) for i in range(limit + 1)])
    finally:
        monkeypatch.delenv("GENAI_PUBLIC")
        settings.cache_clear()


@pytest.mark.parametrize("prompt", ["Hello 😀🚀 world", "今日の天気はどうですか", "מה שלומך היום?", "👩‍👩‍👧"])
def test_emoji_cjk_and_rtl_prompts_generate_and_show_honest_pieces(lm, prompt):
    texts = generate_texts(lm, prompt, [SamplingSettings(max_new_tokens=4, seed=9)])
    assert len(texts) == 1 and isinstance(texts[0], str)
    assert next_token_distribution(lm, prompt).pieces


def test_byte_pieces_of_an_emoji_show_its_utf8_bytes(lm):
    ids = lm.tokenizer("😀")["input_ids"]
    pieces = lm.pieces(ids)
    assert len(ids) > 1  # GPT-2 splits this emoji into byte pieces
    shown = [bytes.fromhex(p.strip("<>").replace(" ", "")) for p in pieces]
    assert b"".join(shown) == "😀".encode()


@pytest.mark.parametrize("knobs, word", [
    (dict(temperature=-1.0), "temperature"),
    (dict(temperature=float("nan")), "temperature"),
    (dict(temperature=1e9), "temperature"),
    (dict(top_p=0.0), "top_p"),
    (dict(top_p=1.5), "top_p"),
    (dict(top_k=-3), "top_k"),
    (dict(repetition_penalty=0.0), "repetition_penalty"),
    (dict(max_new_tokens=0), "max_new_tokens"),
    (dict(seed=-1), "seed"),
    (dict(top_k=2.5), "top_k"),
])
def test_absurd_knobs_raise_a_plain_value_error(lm, knobs, word):
    bad = SamplingSettings(**knobs)
    with pytest.raises(ValueError, match=word):
        bad.check()
    with pytest.raises(ValueError, match=word):
        generate(lm, PROMPT, [bad])
    with pytest.raises(ValueError, match=word):
        next_token_distribution(lm, PROMPT, bad)


# --- on the real weights of SmolLM2-135M-Instruct -------------------------------------------------


PROMPTS = ("Once upon a time, in a small village,", "The best way to learn programming is",
           "Photosynthesis is the process", "To make a cup of tea, you")


def test_a_learners_text_is_the_same_alone_and_among_others_on_real_weights(smollm2):
    knobs = [SamplingSettings(temperature=0.9, top_k=50, top_p=0.95, repetition_penalty=1.2, max_new_tokens=16,
                              seed=40 + i) for i in range(len(PROMPTS))]
    alone = [generate_texts(smollm2, prompt, [k])[0] for prompt, k in zip(PROMPTS, knobs)]
    together: list[str | None] = [None] * len(PROMPTS)
    start = threading.Barrier(len(PROMPTS))

    def learner(index: int) -> None:
        start.wait()
        together[index] = generate_texts(smollm2, PROMPTS[index], [knobs[index]])[0]

    threads = [threading.Thread(target=learner, args=(i,)) for i in range(len(PROMPTS))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert together == alone
    assert all(len(text.split()) >= 5 for text in alone)  # real sentences, not empty answers


def test_the_probabilities_shown_belong_to_the_text_shown(smollm2):
    """Greedy writing picks, at every step, the top token of the next-token view (one set of weights)."""
    prompt = PROMPTS[0]
    greedy = SamplingSettings(temperature=0, max_new_tokens=12)
    written = list(generate(smollm2, prompt, [greedy]))[-1].token_ids[0]
    assert len(written) == 12
    for step in range(len(written)):
        view = next_token_distribution(smollm2, prompt, SamplingSettings(temperature=1.0, top_k=0, top_p=1.0),
                                       top=1, extra_ids=written[:step])
        assert view.token_ids[0] == written[step], step
    scored = token_confidences(smollm2, prompt, "", continuation_ids=written)
    assert all(c.prob >= max(p for _, p in c.alternatives) - 1e-6 for c in scored)
    assert torch.get_default_dtype() == torch.float32 and smollm2.dtype == torch.float32
