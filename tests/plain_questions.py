"""Plain questions a class asks a chat model first, with the answers that count as right, and a judge.

The chat page's defaults (system prompt, sampling, repetition penalty, reply length) are chosen by how the
real SmolLM2-135M-Instruct answers these (`benchmarks/chat_defaults.py`), and a test holds them to it.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

PLAIN_QUESTIONS: dict[str, tuple[str, ...]] = {
    "Name one fruit.": ("apple", "banana", "orange", "mango", "grape", "pear", "strawberr", "cherr", "peach",
                        "lemon", "pineapple", "kiwi", "plum", "watermelon", "berry", "berries"),
    "Name one colour.": ("red", "blue", "green", "yellow", "purple", "orange", "pink", "black", "white",
                         "violet", "brown", "grey", "gray"),
    "What is the capital of Italy?": ("Rome",),
    "What is the capital of France?": ("Paris",),
    "How many legs does a spider have?": ("eight", "8"),
    "What do bees make?": ("honey",),
    "Which planet do we live on?": ("Earth",),
    "What is the opposite of hot?": ("cold",),
    "What language do people speak in Spain?": ("Spanish",),
    "Who wrote Romeo and Juliet?": ("Shakespeare",),
    "What colour is the sky on a clear day?": ("blue",),
    "What is frozen water called?": ("ice",),
}


@dataclass(frozen=True)
class Judged:
    """How one reply did: right, ended by the model itself, in English, without looping."""

    question: str
    reply: str
    right: bool
    ended: bool
    english: bool
    loops: bool

    @property
    def good(self) -> bool:
        return self.right and self.ended and self.english and not self.loops


def judge(question: str, reply: str, ended: bool) -> Judged:
    accepted = PLAIN_QUESTIONS[question]
    right = any(re.search(rf"\b{re.escape(word)}", reply, re.IGNORECASE) for word in accepted)
    letters = [ch for ch in reply if ch.isalpha()]
    english = bool(letters) and sum(ch.isascii() for ch in letters) / len(letters) > 0.97 and not re.search(
        r"\b(est|une|le|la|les|des|il|elle|è|di|della)\b", reply, re.IGNORECASE)
    return Judged(question, reply, right, ended, english, loops(reply))


def loops(reply: str) -> bool:
    """A word three times in a row ("keeper keeper keeper"), or the same four words twice."""
    words = re.findall(r"\w+", reply.lower())
    if any(words[i] == words[i + 1] == words[i + 2] for i in range(len(words) - 2)):
        return True
    runs = [tuple(words[i:i + 4]) for i in range(len(words) - 3)]
    return len(runs) != len(set(runs))


def ask_all(lm, system_prompt: str, samplings: list) -> list[Judged]:
    """Every plain question under each sampling setting, through the chat page's own path (`chat.build_prompt`,
    `chat.stream_reply`), all at once so the engine batches them; judged, in order (setting, then question)."""
    from genai_demo.text import chat
    from genai_demo.text.instruct import ended_turn

    def ask(job: tuple) -> Judged:
        sampling, question = job
        prompt = chat.build_prompt(lm, system_prompt, [{"role": "user", "content": question}],
                                   sampling.max_new_tokens)
        last = list(chat.stream_reply(lm, prompt, sampling))[-1]
        return judge(question, last.texts[0].strip(), ended_turn(lm, last.token_ids[0]))

    jobs = [(sampling, question) for sampling in samplings for question in PLAIN_QUESTIONS]
    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(ask, jobs))
