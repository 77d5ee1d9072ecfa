"""The text path on real weights: SmolLM2-135M-Instruct (a Llama-architecture chat model).

Random tiny models cannot show that the engine writes what the real model says, that a learner's
text does not depend on who else is writing, or that the numbers a page shows belong to the text it
shows. These tests load the real weights through the app's own loader and engine.
"""

from __future__ import annotations

import threading

import pytest
import torch

from genai_demo.engine import kinds
from genai_demo.engine.loader import load_model
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.text import chat
from genai_demo.text.generation import generate, generate_texts, next_token_distribution, token_confidences

PROMPTS = ("Once upon a time, in a small village,", "The best way to learn programming is",
           "Photosynthesis is the process", "To make a cup of tea, you")


@pytest.fixture(scope="module")
def smollm2(smollm2_dir):
    return load_model(kinds.TEXT, str(smollm2_dir))


def test_the_chat_answers_a_plain_question_from_the_real_weights(smollm2):
    prompt = chat.build_prompt(smollm2, "", [{"role": "user", "content": "What is the capital of France?"}],
                               reply_tokens=16)
    updates = list(chat.stream_reply(smollm2, prompt, SamplingSettings(temperature=0, max_new_tokens=16)))
    assert updates[-1].texts[0].strip() == "The capital of France is Paris."
    assert updates[-1].done  # it ended its turn by itself, before the token limit


def test_the_chat_pages_defaults_answer_plain_questions_in_english(smollm2):
    """The page's default system prompt and knobs, on the real model (the old ones answered in French)."""
    answers = {}
    for question in ("What is the capital of France?", "Why is the sky blue?"):
        prompt = chat.build_prompt(smollm2, chat.DEFAULT_SYSTEM_PROMPT, [{"role": "user", "content": question}],
                                   reply_tokens=chat.DEFAULT_SETTINGS.max_new_tokens)
        answers[question] = list(chat.stream_reply(smollm2, prompt, chat.DEFAULT_SETTINGS))[-1].texts[0]
    assert answers["What is the capital of France?"].strip() == "The capital of France is Paris."
    assert "Rayleigh scattering" in answers["Why is the sky blue?"]


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


def test_overfitting_makes_the_real_model_repeat_its_tiny_text(smollm2):
    """The Overfitting page's defaults on real weights: the copy repeats the tiny text after its own start and
    after an unrelated prompt (an earlier learning rate blew the loss up to ~100 and wrote "keeper keeper")."""
    from genai_demo.tuning.overfitting import overfit_demo

    demo = overfit_demo(smollm2)
    assert not any("blew up" in notice for notice in demo.notices)  # the first run did not diverge
    assert demo.losses[-1] < 0.1 * demo.losses[0]
    for before, after in zip(demo.copied_before, demo.copied_after):
        assert after >= before + 0.4


def test_a_learning_rate_too_high_for_the_real_model_stops_with_a_message(smollm2):
    """The old overfitting settings (3e-2 on every linear layer) blow SmolLM2's loss up within a few steps."""
    from genai_demo.tuning import finetune

    tune = finetune.TuneSettings(learning_rate=3e-2, rank=16, alpha=32, targets=("all-linear",), batch_size=1,
                                 top_layers=0)
    with pytest.raises(finetune.Diverged, match="the loss rose to"):
        finetune.fine_tune(smollm2, "The lighthouse keeper counted seven ships at dawn.", 20, tune)
