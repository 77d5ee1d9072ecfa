"""The tiny character model: it learns (loss drops), generates from its vocabulary, and refuses bad text."""

import numpy as np
import pytest

from genai_demo.nets import char_model


@pytest.fixture(scope="module")
def rhymes() -> str:
    return char_model.shipped_texts()["nursery_rhymes"].text


def test_shipped_texts_have_titles_and_sources():
    texts = char_model.shipped_texts()
    assert len(texts) >= 3
    for text in texts.values():
        assert text.title and text.source and len(text.text) > 300


def test_training_lowers_the_loss_on_the_training_text(rhymes):
    model = char_model.new_model(rhymes, seed=0)
    before = char_model.text_loss(model, rhymes)
    assert before == pytest.approx(char_model.uniform_loss(model), abs=0.3)  # a fresh model knows nothing
    char_model.train(model, rhymes, 300, seed=0)
    after = char_model.text_loss(model, rhymes)
    assert after < 0.5 * before
    assert model.steps == 300 and len(model.losses) == 300


def test_snapshots_improve_and_samples_use_the_texts_characters(rhymes):
    model, snapshots = char_model.train_with_snapshots(rhymes, 200, "Twinkle", checkpoints=(0, 50, 200),
                                                       n_chars=80, seed=1)
    assert [s.step for s in snapshots] == [0, 50, 200]
    losses = [s.loss for s in snapshots]
    assert losses == sorted(losses, reverse=True)
    for snapshot in snapshots:
        assert len(snapshot.sample) == 80 and set(snapshot.sample) <= set(rhymes)


def test_generation_is_reproducible_by_seed(rhymes):
    model = char_model.train(char_model.new_model(rhymes), rhymes, 50)
    first = char_model.generate(model, "Mary", 60, seed=5)
    assert first == char_model.generate(model, "Mary", 60, seed=5)
    assert first != char_model.generate(model, "Mary", 60, seed=6)


def test_cjk_and_emoji_text_trains_and_unknown_prompt_characters_are_skipped():
    text = "猫が好きです。🐱 猫は眠ります。🐱 犬も好きです。" * 4
    model = char_model.train(char_model.new_model(text), text, 30)
    sample = char_model.generate(model, "ZZZ猫", 20)  # Z is not in the vocabulary
    assert len(sample) == 20 and set(sample) <= set(text)
    assert np.isfinite(char_model.text_loss(model, text))


@pytest.mark.parametrize("text", ["", "too short", "a" * 500])
def test_text_that_cannot_teach_anything_is_refused(text):
    with pytest.raises(ValueError):
        char_model.clean_training_text(text, 10_000)


def test_long_text_is_cut_and_reported():
    text, was_cut = char_model.clean_training_text("abc def. " * 100, 200)
    assert was_cut and len(text) == 200


def test_blas_threads_come_back_when_overlapping_sessions_finish_in_either_order():
    import threading

    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads() -> list[int]:
        return [lib.num_threads for lib in threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers]

    before = blas_threads()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[list[int]] = []

    def first() -> None:
        with char_model.small_matrix_mode():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with char_model.small_matrix_mode():
            second_in.set()
            first_out.wait(5)
            seen.append(blas_threads())  # the first session has left; this one still wants one thread

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [[1] * len(before)]
    assert blas_threads() == before
