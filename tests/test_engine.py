"""The classroom engine: many sessions' writing in one continuous batch, on the tiny GPT-2.

Sessions are threads calling `genai_demo.text.generate`, the same entry point the pages use.
"""

from __future__ import annotations

import threading

import pytest
import torch

from genai_demo.engine.batching import EngineError, TextEngine
from genai_demo.engine.sampling import SamplingSettings, filter_logits, make_generator, sample_rows
from genai_demo.text.generation import generate, generate_texts, next_token_distribution

PROMPTS = [f"Learner {i} asks about the {topic}" for i, topic in
           enumerate(["sea", "moon", "rain", "forest", "city", "music", "stars", "rivers"] * 2)]


def sampled(seed: int, tokens: int = 12, penalty: float = 1.0) -> SamplingSettings:
    return SamplingSettings(temperature=1.0, top_k=40, top_p=0.95, repetition_penalty=penalty,
                            max_new_tokens=tokens, seed=seed)


def in_threads(work, count: int) -> list:  # type: ignore[no-untyped-def]
    """Run work(i) for i in range(count) in threads that start together; results in order."""
    results: list = [None] * count
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work(index)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


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


def test_each_learner_gets_the_same_text_alone_or_among_fifteen_others(lm):
    alone = [generate_texts(lm, PROMPTS[i], [sampled(i, penalty=1.3 if i % 2 else 1.0)])[0] for i in range(16)]
    together = in_threads(
        lambda i: generate_texts(lm, PROMPTS[i], [sampled(i, penalty=1.3 if i % 2 else 1.0)])[0], 16)
    assert together == alone
    assert len(set(alone)) > 8  # different prompts and seeds really wrote different texts


def test_sessions_writing_at_once_share_decoding_steps(lm):
    engine = lm.engine
    steps_before = engine.steps
    written = in_threads(lambda i: list(generate(lm, PROMPTS[i], [sampled(100 + i, tokens=20)]))[-1], 8)
    total = sum(len(update.token_ids[0]) for update in written)
    # One session alone needs a step per token; eight sessions in one batch need far fewer than 8x.
    assert engine.steps - steps_before < total * 0.6
    assert engine.largest_batch > 1


def test_a_single_forward_pass_does_not_wait_for_a_whole_generation(lm):
    stream = generate(lm, PROMPTS[0], [sampled(1, tokens=400)])
    update = next(stream)
    while update.waiting or not update.token_ids[0]:
        update = next(stream)
    dist = next_token_distribution(lm, "A question in between")  # another learner's next-token view
    assert dist.token_ids
    update = next(stream)
    assert not update.done  # the long generation was still running when the view came back
    stream.close()


def test_leaving_a_generation_cancels_its_rows(lm):
    stream = generate(lm, PROMPTS[1], [sampled(2, tokens=400), sampled(3, tokens=400)])
    for update in stream:
        if not update.waiting and len(update.token_ids[0]) >= 2:
            break
    stream.close()  # what happens when the page's script stops (rerun, navigation, closed tab)
    generate_texts(lm, PROMPTS[2], [sampled(4, tokens=2)])  # runs after the cancelled rows have left
    assert lm.engine.load() == (0, 0)


def test_a_failing_request_fails_alone_and_the_engine_keeps_serving(lm):
    vocab = lm.model.config.vocab_size
    bad = lm.engine.submit([vocab + 5], [sampled(0)], [5])  # a token id the model has no embedding for
    good = generate(lm, PROMPTS[3], [sampled(5, tokens=8)])
    with pytest.raises(EngineError, match="could not write"):
        list(bad.updates())
    assert len(list(good)[-1].token_ids[0]) >= 1
    assert generate_texts(lm, PROMPTS[3], [sampled(5, tokens=8)])  # and later requests still work


def test_a_waiting_learner_sees_their_place_in_line(lm):
    engine = TextEngine(lm.model, frozenset(), max_batch=1)
    ids = lm.tokenizer(PROMPTS[4])["input_ids"]
    first = engine.submit(ids, [sampled(1, tokens=300)], [300])
    second = engine.submit(ids, [sampled(2, tokens=5)], [5])
    third = engine.submit(ids, [sampled(3, tokens=5)], [5])
    updates = first.updates()
    while next(updates).rows_ahead is not None:  # until the first job runs
        pass
    state_second, state_third = second.state(), third.state()
    assert state_second.rows_ahead == 0 and state_third.rows_ahead == 1
    assert state_third.expected_wait_s >= state_second.expected_wait_s > 0
    updates.close()  # the first learner leaves: the others move up and finish
    assert list(second.updates())[-1].done and list(third.updates())[-1].done
