"""The classroom engine: many sessions' writing in one continuous batch, on the tiny GPT-2.

Sessions are threads calling `genai_demo.text.generate`, the same entry point the pages use.
"""

from __future__ import annotations

import threading

import pytest

from genai_demo.engine import batching
from genai_demo.engine.batching import PREFILL_CHUNK, EngineError, TextEngine
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.text.generation import generate, generate_texts, last_logits, next_token_distribution, token_confidences
from genai_demo.ui.text.model_output import queue_note

PROMPTS = [f"Learner {i} asks about the {topic}" for i, topic in
           enumerate(["sea", "moon", "rain", "forest", "city", "music", "stars", "rivers"] * 2)]


def sampled(seed: int, tokens: int = 12, penalty: float = 1.0) -> SamplingSettings:
    return SamplingSettings(temperature=1.0, top_k=40, top_p=0.95, repetition_penalty=penalty,
                            max_new_tokens=tokens, seed=seed)


def in_threads(work, count: int) -> list:
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


def _while_busy(engine: TextEngine, arrive) -> None:
    """Everyone `arrive()` submits comes while the engine is busy, before any place in its batch is given."""
    hold = threading.Event()
    busy = threading.Thread(target=engine.run, args=(lambda model: hold.wait(10),))
    busy.start()
    while not engine.busy():
        hold.wait(0.01)
    arrive()
    hold.set()
    busy.join()


def test_places_go_round_the_learners_and_one_learner_holds_at_most_half_the_batch(lm):
    """A visitor with six tabs on a long setting, then a newcomer: the newcomer starts at the next step."""
    engine = TextEngine(lm.model, frozenset(), max_batch=4)
    ids = lm.tokenizer(PROMPTS[5])["input_ids"]
    jobs: dict[str, list] = {}

    def arrive() -> None:
        jobs["tabs"] = [engine.submit(ids, [sampled(i, tokens=400)], [400], owner="visitor") for i in range(6)]
        jobs["newcomer"] = [engine.submit(ids, [sampled(9, tokens=5)], [5], owner="newcomer")]
        assert jobs["newcomer"][0].state().rows_ahead == 1  # behind the visitor's first tab only, not all six

    _while_busy(engine, arrive)
    tabs, [newcomer] = jobs["tabs"], jobs["newcomer"]
    assert list(newcomer.updates())[-1].done
    assert [tab.running for tab in tabs] == [True, True, False, False, False, False]  # 2 of the 4 places
    waiting = tabs[2].state()
    assert waiting.rows_ahead == 0 and waiting.expected_wait_s > 0  # the visitor's next tab is told its place
    for tab in tabs:
        tab.cancel()


def test_without_owners_the_line_is_first_come_first_served(lm):
    engine = TextEngine(lm.model, frozenset(), max_batch=2)
    ids = lm.tokenizer(PROMPTS[6])["input_ids"]
    jobs: list = []

    def arrive() -> None:
        jobs.extend(engine.submit(ids, [sampled(i, tokens=3)], [3]) for i in range(4))
        assert [job.state().rows_ahead for job in jobs] == [0, 1, 2, 3]

    _while_busy(engine, arrive)
    assert all(list(job.updates())[-1].done for job in jobs)


# --- a long prompt: read a chunk at a time between the others' steps; the wait told as it changes ------

LONG_PROMPT = "The lighthouse keeper counted ships at dawn and wrote their names down. " * 60  # ~900 tokens


def greedy(tokens: int) -> list[SamplingSettings]:
    return [SamplingSettings(temperature=0.0, max_new_tokens=tokens)]


def test_a_long_prompt_is_read_in_chunks_and_writes_what_its_view_shows(lm):
    ids = lm.encode(LONG_PROMPT)[-(lm.context_window - 8):]
    assert len(ids) > 2 * PREFILL_CHUNK
    updates = list(generate(lm, lm.decode(ids), greedy(3)))
    reading = [u.prompt_read for u in updates if u.prompt_read is not None]
    assert reading == sorted(reading) and 0 < reading[-1] < len(ids)  # the prompt was read a chunk at a time
    first = updates[-1].token_ids[0][0]
    assert first == int(last_logits(lm, updates[-1].prompt.ids)[0].argmax())  # the view reads the same chunks
    assert generate_texts(lm, lm.decode(ids), greedy(3)) == [updates[-1].texts[0]]  # and again the same text


def test_confidences_of_a_long_text_read_in_chunks_match_one_piece(lm):
    """Scores whose positions span several chunks come out in order, one per written token."""
    continuation = " and the sea was calm" * 5
    scores = token_confidences(lm, LONG_PROMPT[-3000:], continuation)
    assert len(scores) == len(lm.encode(continuation))
    assert all(0.0 < s.prob <= 1.0 for s in scores)
    assert [s.token_id for s in scores] == lm.encode(continuation)


def test_others_keep_writing_while_a_long_prompt_is_read(lm, monkeypatch):
    monkeypatch.setattr(batching, "PREFILL_CHUNK", 16)  # many chunks, so the reading takes many loops
    engine = TextEngine(lm.model, frozenset(), max_batch=4)
    try:
        # The writer outlasts the reading, even at FEWEST_READ token a pass (a busy machine makes pieces small).
        short = engine.submit(lm.encode("A short question"), greedy(1000), [1000])
        short_updates = short.updates()
        next(short_updates)  # writing
        steps_while_reading = []  # the writer's steps when each new chunk of the prompt is read
        long = engine.submit(lm.encode(LONG_PROMPT)[:400], greedy(2), [2])
        read = None
        for state in long.updates():  # (a waiting learner's expected wait changes between chunks too)
            if state.prompt_read is not None and state.prompt_read != read:
                read = state.prompt_read
                steps_while_reading.append(engine.steps)
        assert len(steps_while_reading) > 5
        assert steps_while_reading[-1] - steps_while_reading[0] >= len(steps_while_reading) - 2  # a step per chunk
        short_updates.close()
    finally:
        engine.close()


def test_a_waiting_learner_sees_their_wait_change_while_they_wait(lm):
    engine = TextEngine(lm.model, frozenset(), max_batch=1)
    try:
        first = engine.submit(lm.encode("The first learner"), greedy(600), [600])
        first_updates = first.updates()
        next(first_updates)
        waiting = engine.submit(lm.encode("The second learner"), greedy(2), [2])
        shown = []
        for state in waiting.updates():
            if state.rows_ahead is None:
                assert state.tokens[0], "a job that stops waiting has written its first token"
                break
            shown.append(state.shown)
            if len(set(shown)) >= 2:
                break
        assert len(set(shown)) >= 2, shown  # the estimate moved while the job waited, without any change of its own
        first_updates.close()
        waiting.cancel()
    finally:
        engine.close()


def test_the_note_of_a_prompt_being_read_says_so(lm):
    seen = [queue_note(update) for update in generate(lm, LONG_PROMPT, greedy(2)) if update.prompt_read is not None]
    assert seen and "Reading your prompt" in seen[0] and "other learners keep writing" in seen[0]


@pytest.mark.parametrize("keep", [1, 3, PREFILL_CHUNK + 5])
def test_reading_in_chunks_gives_the_logits_of_one_forward_pass(lm, keep):
    import torch

    ids = lm.encode(LONG_PROMPT)[:PREFILL_CHUNK * 2 + 40]
    with torch.inference_mode():
        whole = lm.model(input_ids=torch.tensor([ids]), use_cache=False).logits[0, -keep:].float()
    chunked = lm.engine.read(ids, keep=keep)
    assert chunked.shape == whole.shape
    assert torch.allclose(chunked, whole, atol=1e-4)


def _steps_until_writing(engine: TextEngine, jobs: list) -> list[int]:
    """For each job, the engine's decoding steps until its first token (they are watched from a thread each)."""
    started = engine.steps
    steps = [0] * len(jobs)

    def watch(index: int) -> None:
        for state in jobs[index].updates():
            if state.tokens[0]:
                steps[index] = engine.steps - started
                return

    in_threads(watch, len(jobs))
    return steps


def test_questions_beside_writers_are_read_at_once_and_a_long_prompt_a_share_at_a_time(lm, monkeypatch):
    """While a learner writes, six questions and a 300-token prompt arrive at once. The questions start at the
    next pass; the long prompt is read a few tokens per pass (a share of 1 step allows only the fewest)."""
    monkeypatch.setattr(batching, "READ_SHARE", 1.0)
    engine = TextEngine(lm.model, frozenset(), max_batch=16)
    try:
        writer = engine.submit(lm.encode(PROMPTS[0]), greedy(500), [500]).updates()
        while not next(writer).tokens[0]:
            pass
        questions = [lm.encode(f"{PROMPTS[i]} and why the sky looks the way it does at dusk") for i in range(6)]
        assert all(len(ids) <= batching.WHOLE_PROMPT for ids in questions) and sum(map(len, questions)) > 60
        long_ids = lm.encode(LONG_PROMPT)[:300]
        jobs: list = []
        _while_busy(engine, lambda: jobs.extend(
            [engine.submit(ids, greedy(3), [3], owner=f"learner {i}") for i, ids in enumerate(questions)]
            + [engine.submit(long_ids, greedy(3), [3], owner="the paste")]))
        steps = _steps_until_writing(engine, jobs)
        assert max(steps[:6]) <= 2, steps  # every question read in one pass beside the writer
        assert steps[6] >= 300 / batching.FIRST_PIECE, steps  # the long prompt only a few tokens per pass
        writer.close()
    finally:
        engine.close()


def test_a_next_token_view_of_a_long_text_is_read_between_the_writers_tokens(lm, monkeypatch):
    import torch

    monkeypatch.setattr(batching, "PREFILL_CHUNK", 16)  # at most 16 tokens a pass, so the view takes many passes
    engine = TextEngine(lm.model, frozenset(), max_batch=4)
    try:
        writer = engine.submit(lm.encode("A short question"), greedy(600), [600]).updates()
        while not next(writer).tokens[0]:
            pass
        ids = lm.encode(LONG_PROMPT)[:400]
        before = engine.steps
        viewed = engine.read(ids, keep=2)
        assert engine.steps - before >= 400 // 16 - 1  # the writer wrote a token at every pass of the reading
        with torch.inference_mode():
            whole = lm.model(input_ids=torch.tensor([ids]), use_cache=False).logits[0, -2:].float()
        assert torch.allclose(viewed, whole, atol=1e-4)  # read in pieces beside a writer: the same numbers
        writer.close()
    finally:
        engine.close()


def test_two_long_prompts_beside_a_writer_are_read_side_by_side(lm, monkeypatch):
    """The shorter prompt goes first, but the other still moves on at every pass: neither waits for the other."""
    monkeypatch.setattr(batching, "READ_SHARE", 1.0)  # the share allows only the fewest tokens of each a pass
    engine = TextEngine(lm.model, frozenset(), max_batch=16)
    try:
        writer = engine.submit(lm.encode(PROMPTS[0]), greedy(800), [800]).updates()
        while not next(writer).tokens[0]:
            pass
        prompts = [lm.encode(LONG_PROMPT)[:300], lm.encode(LONG_PROMPT)[5:305]]
        jobs: list = []
        _while_busy(engine, lambda: jobs.extend(engine.submit(ids, greedy(2), [2], owner=f"learner {i}")
                                                for i, ids in enumerate(prompts)))
        steps = _steps_until_writing(engine, jobs)
        one_alone = 300 / batching.FEWEST_READ
        assert min(steps) >= 300 / batching.FIRST_PIECE and max(steps) <= 1.3 * one_alone, steps
        writer.close()
    finally:
        engine.close()
