"""Prompt styles compared on tasks with known answers: zero-shot, few-shot and a structured template.

Classification is scored from the model's own probabilities: each candidate label is appended to the
prompt and the model's log-probability of its tokens is summed; the most probable label is the answer.
Extraction is scored by exact match of the model's greedy continuation (its first line).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genai_demo.config import DATA_DIR
from genai_demo.engine.sampling import SamplingSettings

if TYPE_CHECKING:
    from genai_demo.engine.bundles import TextModel

TASKS_FILE = DATA_DIR / "prompting_tasks.json"
STYLES = ("zero-shot", "few-shot", "template")
EXTRACT_TOKENS = 12


@dataclass(frozen=True)
class Example:
    """One input and its expected answer."""

    input: str
    answer: str


@dataclass(frozen=True)
class Task:
    """A prompting task: its instruction, labels, few-shot examples and the items it is tested on."""

    id: str
    title: str
    kind: str  # "classify" or "extract"
    instruction: str
    input_name: str
    answer_name: str
    labels: tuple[str, ...]
    examples: tuple[Example, ...]  # shown to the model in the few-shot prompt
    items: tuple[Example, ...]  # what the model is tested on


@dataclass(frozen=True)
class ItemResult:
    """The model's answer to one test item, and whether it was right."""

    input: str
    expected: str
    predicted: str
    correct: bool
    label_probs: dict[str, float]  # classification: each label's share of the candidates' probability


@dataclass(frozen=True)
class StyleScore:
    """How one prompt style did on every item of a task."""

    style: str
    example_prompt: str  # the prompt for the first item, to show
    results: list[ItemResult]

    @property
    def correct(self) -> int:
        return sum(r.correct for r in self.results)

    @property
    def accuracy(self) -> float:
        return self.correct / len(self.results) if self.results else 0.0


@cache
def load_tasks(path: Path = TASKS_FILE) -> tuple[Task, ...]:
    """The tasks in prompting_tasks.json; ValueError for a task of an unknown kind."""
    data = json.loads(path.read_text(encoding="utf-8"))
    tasks = []
    for t in data["tasks"]:
        if t["kind"] not in ("classify", "extract"):
            raise ValueError(f"Task {t['id']}: kind must be classify or extract, not {t['kind']!r}.")
        tasks.append(Task(
            id=t["id"], title=t["title"], kind=t["kind"], instruction=t["instruction"],
            input_name=t["input_name"], answer_name=t["answer_name"], labels=tuple(t["labels"]),
            examples=tuple(Example(**e) for e in t["examples"]), items=tuple(Example(**e) for e in t["items"]),
        ))
    return tuple(tasks)


def task_by_id(task_id: str) -> Task:
    """The task with this id; ValueError if there is none."""
    for task in load_tasks():
        if task.id == task_id:
            return task
    raise ValueError(f"There is no prompting task called {task_id!r}.")


# --- the three prompt styles ---------------------------------------------------------------------


def _labelled(task: Task, text: str, answer: str | None = None) -> str:
    line = f"{task.input_name}: {text}\n{task.answer_name}:"
    return line + (f" {answer}" if answer is not None else "")


def zero_shot(task: Task, text: str) -> str:
    """Only the instruction and the input: the model must guess the format from the wording alone."""
    return f"{task.instruction}\n\n{_labelled(task, text)}"


def few_shot(task: Task, text: str) -> str:
    """Worked examples first: the model continues a pattern it has just seen."""
    shots = "\n\n".join(_labelled(task, e.input, e.answer) for e in task.examples)
    return f"{task.instruction}\n\n{shots}\n\n{_labelled(task, text)}"


def template(task: Task, text: str) -> str:
    """A structured prompt with headed sections and the allowed answers spelled out."""
    allowed = f" Answer with one word: {' or '.join(task.labels)}." if task.labels else " Answer with the date only."
    return (f"### Instruction\n{task.instruction}{allowed}\n\n"
            f"### {task.input_name}\n{text}\n\n### {task.answer_name}:")


PROMPT_STYLES: dict[str, Callable[[Task, str], str]] = {"zero-shot": zero_shot, "few-shot": few_shot,
                                                       "template": template}


def build_prompt(style: str, task: Task, text: str, chat_tokenizer: Any = None) -> str:
    """The prompt text in one style; with a chat model's tokenizer, wrapped as a user turn in its template."""
    if style not in PROMPT_STYLES:
        raise ValueError(f"Prompt style must be one of {', '.join(STYLES)}, not {style!r}.")
    if not text.strip():
        raise ValueError("The input is empty: type a sentence for the model to work on.")
    prompt = PROMPT_STYLES[style](task, text.strip())
    if chat_tokenizer is not None:
        from genai_demo.text.chat import render_template

        prompt = render_template(chat_tokenizer, [{"role": "user", "content": prompt}])
    return prompt


# --- scoring ------------------------------------------------------------------------------------


def label_logprobs(lm: "TextModel", prompt: str, labels: tuple[str, ...], prefix: str = " ") -> dict[str, float]:
    """log P(label | prompt) for each candidate: the sum of the model's log-probabilities of its tokens.

    All candidates go through the model in one batch; they are padded on the right, where the causal
    mask keeps padding from changing any earlier position.
    """
    import torch

    if not labels:
        raise ValueError("A classification task needs at least one label.")
    prompt_ids = lm.encode(prompt)
    label_ids = [lm.encode(prefix + label) for label in labels]
    longest = max(len(ids) for ids in label_ids)
    if len(prompt_ids) + longest > lm.context_window:
        prompt_ids = prompt_ids[-(lm.context_window - longest):]
    rows = [prompt_ids + ids + [0] * (longest - len(ids)) for ids in label_ids]
    # Only the positions that predict a label token need the output layer: the prompt's last one and the
    # labels' own (not a vocabulary-wide score for every prompt token).
    logits = lm.engine.run(lambda model: model(input_ids=torch.tensor(rows, device=lm.device), use_cache=False,
                                               logits_to_keep=longest + 1).logits.float().cpu())
    logprobs = torch.log_softmax(logits, dim=-1)
    scores = {}
    for row, (label, ids) in enumerate(zip(labels, label_ids)):
        # Label token i is predicted by the logits at kept position i (the prompt's last position is 0).
        scores[label] = float(sum(logprobs[row, i, token] for i, token in enumerate(ids)))
    return scores


def label_shares(lm: "TextModel", prompt: str, labels: tuple[str, ...], chat: bool = False) -> dict[str, float]:
    """Each label's share of the probability the model gives the candidates (they sum to 1).

    A base model's answer follows "Label:" after a space; a chat model starts its turn directly.
    """
    return _softmax(label_logprobs(lm, prompt, labels, prefix="" if chat else " "))


def normalize_answer(text: str) -> str:
    """Case, surrounding spaces and a final full stop do not count against an extracted answer."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".").strip().lower()


def greedy_answer(lm: "TextModel", prompt: str, max_new_tokens: int = EXTRACT_TOKENS) -> str:
    """The model's most likely continuation, up to its first line break."""
    from genai_demo.text.generation import generate

    text = ""
    for update in generate(lm, prompt, [SamplingSettings(temperature=0, max_new_tokens=max_new_tokens)]):
        text = update.texts[0]
        if "\n" in text.lstrip("\n"):
            break
    return text.strip().split("\n")[0].strip()


def score_style(lm: "TextModel", task: Task, style: str, chat_tokenizer: Any = None,
                limit: int | None = None) -> StyleScore:
    """Run one prompt style over the task's items and compare each answer with the known one."""
    items = task.items[:limit] if limit else task.items
    results = []
    prompts = [build_prompt(style, task, item.input, chat_tokenizer) for item in items]
    for item, prompt in zip(items, prompts):
        if task.kind == "classify":
            shares = label_shares(lm, prompt, task.labels, chat=chat_tokenizer is not None)
            predicted = max(shares, key=shares.__getitem__)
            results.append(ItemResult(item.input, item.answer, predicted, predicted == item.answer, shares))
        else:
            predicted = greedy_answer(lm, prompt)
            correct = normalize_answer(predicted) == normalize_answer(item.answer)
            results.append(ItemResult(item.input, item.answer, predicted, correct, {}))
    return StyleScore(style, prompts[0] if prompts else "", results)


def compare_styles(scores: list[StyleScore]) -> list[str]:
    """What the scores say, in plain sentences (shown literally under them): which style did best, whether
    the examples and the template helped against the bare instruction, a style that gave the same answer to
    every input, and how much one answer weighs. Written from the scores, so the words never contradict them."""
    if not scores or not scores[0].results:
        return []
    total = len(scores[0].results)
    top = max(score.correct for score in scores)
    best = [score.style for score in scores if score.correct == top]
    if len(best) == len(scores):
        sentences = [f"All three styles scored the same here: {top} of {total} right."]
    else:
        sentences = [f"{' and '.join(best).capitalize()} did best here: {top} of {total} right."]
    by_style = {score.style: score for score in scores}
    zero = by_style.get("zero-shot")
    what = {"few-shot": "The worked examples (few-shot)", "template": "The template"}
    for style, name in what.items():
        if zero is None or style not in by_style:
            continue
        diff = by_style[style].correct - zero.correct
        if diff > 0:
            sentences.append(f"{name} helped: {diff} more right than the bare instruction (zero-shot).")
        elif diff < 0:
            sentences.append(f"{name} did not help: {-diff} fewer right than the bare instruction (zero-shot).")
        else:
            sentences.append(f"{name} changed nothing: as many right as the bare instruction (zero-shot).")
    known = {result.expected for result in scores[0].results}
    for score in scores:
        answers = {result.predicted for result in score.results}
        if len(answers) == 1 and len(known) > 1 and total > 1:
            sentences.append(f"{score.style.capitalize()} gave the same answer to every input "
                             f"({next(iter(answers))[:60]!r}): its {score.correct} of {total} is what a constant "
                             "answer scores, without reading the inputs.")
    if total < 20:
        sentences.append(f"With {total} inputs, one answer moves a score by {100 / total:.0f} points: small "
                         "differences can be luck.")
    return sentences


def _softmax(scores: dict[str, float]) -> dict[str, float]:
    import math

    top = max(scores.values())
    weights = {k: math.exp(v - top) for k, v in scores.items()}
    total = sum(weights.values())
    return {k: w / total for k, w in weights.items()}
