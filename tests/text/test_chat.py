"""genai_demo.text.chat on a tiny random GPT-2 whose tokenizer has a ChatML template (a stand-in instruct
model), and on the real SmolLM2-135M-Instruct."""

from __future__ import annotations

import pytest
import torch

from genai_demo.engine import kinds
from genai_demo.engine.loader import load_model
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.text import chat

SYSTEM = "You are a helpful assistant."


@pytest.fixture(scope="module")
def lm(tiny_chat_dir):
    return load_model(kinds.CHAT, str(tiny_chat_dir))


def test_prompt_is_the_templates_text_and_its_tokens(lm):
    history = [{"role": "user", "content": "What's the weather like today?"}]
    prompt = chat.build_prompt(lm, SYSTEM, history, reply_tokens=20)
    expected = lm.tokenizer.apply_chat_template([{"role": "system", "content": SYSTEM}] + history,
                                                tokenize=False, add_generation_prompt=True)
    assert prompt.text == expected
    assert prompt.text == ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                           "<|im_start|>user\nWhat's the weather like today?<|im_end|>\n<|im_start|>assistant\n")
    assert prompt.token_ids == lm.tokenizer(prompt.text, add_special_tokens=False)["input_ids"]
    # The markers are single special tokens, not spelled out letter by letter.
    start = lm.tokenizer.convert_tokens_to_ids("<|im_start|>")
    assert prompt.token_ids.count(start) == 3
    assert lm.tokenizer.decode(prompt.token_ids) == prompt.text
    assert prompt.dropped_messages == 0 and not prompt.system_merged


def test_reply_is_generated_from_exactly_the_shown_tokens(lm):
    prompt = chat.build_prompt(lm, SYSTEM, [{"role": "user", "content": "Hello there"}], reply_tokens=6)
    greedy = SamplingSettings(temperature=0, max_new_tokens=6)
    streamed = [update.texts[0] for update in chat.stream_reply(lm, prompt, greedy)]
    assert len(streamed) >= 1 and all(later.startswith(earlier) for earlier, later in zip(streamed, streamed[1:]))
    # Greedy decoding by hand from the shown ids gives the same reply only if those ids are what was fed.
    ids = list(prompt.token_ids)
    eos = lm.model.generation_config.eos_token_id
    written = []
    with torch.inference_mode():
        for _ in range(6):
            token = int(lm.model(torch.tensor([ids])).logits[0, -1].float().argmax())
            if token == eos:
                break
            written.append(token)
            ids.append(token)
    assert streamed[-1] == lm.tokenizer.decode(written)


def test_oldest_turns_are_dropped_to_fit_the_window(lm):
    long_turn = "tell me about the weather " * 60  # about 300 tokens
    history = []
    for i in range(4):
        history += [{"role": "user", "content": f"{i} {long_turn}"}, {"role": "assistant", "content": long_turn}]
    history.append({"role": "user", "content": "And tomorrow?"})
    prompt = chat.build_prompt(lm, SYSTEM, history, reply_tokens=100)
    assert prompt.dropped_messages > 0 and prompt.dropped_messages % 2 == 0
    assert len(prompt.token_ids) + 100 <= lm.context_window
    assert prompt.messages[0]["role"] == "system"
    assert prompt.messages[1]["role"] == "user"  # the kept conversation still starts with a question
    assert prompt.messages[-1]["content"] == "And tomorrow?"
    assert prompt.messages[1:] == history[prompt.dropped_messages:]


def test_a_message_too_long_for_the_window_is_refused(lm):
    with pytest.raises(ValueError, match="window"):
        chat.build_prompt(lm, SYSTEM, [{"role": "user", "content": "rain " * 1200}], reply_tokens=50)


@pytest.mark.parametrize("history", [[], [{"role": "user", "content": "  "}],
                                     [{"role": "assistant", "content": "hi"}], [{"role": "robot", "content": "x"}]])
def test_bad_conversations_are_refused_plainly(lm, history):
    with pytest.raises(ValueError):
        chat.build_prompt(lm, SYSTEM, history, reply_tokens=10)


def test_a_tokenizer_without_template_is_not_a_chat_model(tiny_gpt2_dir):
    base = load_model(kinds.TEXT, str(tiny_gpt2_dir))
    with pytest.raises(ValueError, match="no chat template"):
        chat.build_prompt(base, SYSTEM, [{"role": "user", "content": "hi"}], reply_tokens=10)


def test_plain_transcript_for_a_base_model():
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
               {"role": "user", "content": "Weather?"}]
    assert chat.plain_transcript(SYSTEM, history) == (
        "System: You are a helpful assistant.\nUser: Hi\nAssistant: Hello!\nUser: Weather?\nAssistant:")
    assert chat.plain_transcript("", history[-1:]) == "User: Weather?\nAssistant:"


# --- on the real weights of SmolLM2-135M-Instruct -------------------------------------------------


def test_the_chat_answers_a_plain_question_from_the_real_weights(smollm2):
    prompt = chat.build_prompt(smollm2, "", [{"role": "user", "content": "What is the capital of France?"}],
                               reply_tokens=16)
    updates = list(chat.stream_reply(smollm2, prompt, SamplingSettings(temperature=0, max_new_tokens=16)))
    assert updates[-1].texts[0].strip() == "The capital of France is Paris."
    assert updates[-1].done  # it ended its turn by itself, before the token limit


def test_the_chat_pages_defaults_answer_plain_questions_right_in_english_and_end_their_turn(smollm2):
    """The page's default system prompt and knobs on the real model, all twelve plain questions at once (the
    engine batches them; each answer is the one it gets alone). The old defaults answered "One fruit is a
    fruit, but it's not a fruit." and the capital of Italy in Italian: 5 of 12."""
    from tests.plain_questions import ask_all

    judged = ask_all(smollm2, chat.DEFAULT_SYSTEM_PROMPT, [chat.DEFAULT_SETTINGS])
    assert all(j.ended for j in judged), [j.reply for j in judged if not j.ended]  # none cut at the length limit
    assert sum(j.good for j in judged) >= 10, [(j.question, j.reply) for j in judged if not j.good]
