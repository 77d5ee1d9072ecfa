"""DPO: change the model itself so that it prefers the completions people chose, with no reward model.

Direct Preference Optimisation compares two models on each preference pair: the *policy* (a LoRA copy
being trained) and the *reference* (the frozen base: the shared model, which no session ever changes).
For a pair (chosen c, rejected r) after prompt x it looks at how much more likely each completion became:

    margin = beta * ([log p(c|x) - log p_ref(c|x)] - [log p(r|x) - log p_ref(r|x)])
    loss   = -log sigmoid(margin)

The loss falls when the chosen completion gains probability *relative to* the rejected one; beta sets
how far from the reference the policy may move for a given gain. Each completion counts as a whole answer,
so it ends with the model's end-of-text token: the model can learn where preferred answers stop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from genai_demo.engine.bundles import TextModel
from genai_demo.text.instruct import has_chat_template
from genai_demo.tuning import finetune
from genai_demo.tuning.rlhf import Preference, model_prompt

if TYPE_CHECKING:
    import torch

MAX_PAIRS = 64
MAX_STEPS = 200
MAX_COMPLETION_TOKENS = 80


@dataclass(frozen=True)
class DpoSettings:
    """One DPO run. The defaults finish well inside 90 s for GPT-2 small on two CPU cores."""

    steps: int = 12
    # On real SmolLM2, 0.01 pulled the copy far from the base (KL ~0.9 per token) and its answers fell apart;
    # 0.003 kept them fluent (KL ~0.1) while still fitting the pairs.
    learning_rate: float = 3e-3
    beta: float = 0.5
    pairs_per_step: int = 4
    rank: int = 8
    top_layers: int = 6
    seed: int = 0

    def check(self) -> None:
        if not 1 <= self.steps <= MAX_STEPS:
            raise ValueError(f"DPO needs between 1 and {MAX_STEPS} steps, not {self.steps}.")
        if not (self.beta > 0 and self.learning_rate > 0 and self.pairs_per_step >= 1 and self.rank >= 1):
            raise ValueError("Beta, learning rate, pairs per step and rank must all be positive.")


@dataclass(frozen=True)
class DpoStep:
    """Progress after one DPO step: its loss and how often the chosen completion gained more."""

    step: int  # 1-based
    steps: int
    loss: float
    accuracy: float  # share of this step's pairs where the chosen completion gained more than the rejected
    seconds: float


@dataclass
class DpoResult:
    """The DPO-tuned copy with its losses, accuracies, settings, time and notices."""

    tuned: TextModel
    losses: list[float]
    accuracies: list[float]
    settings: DpoSettings
    pairs: int
    seconds: float
    notices: list[str]


@dataclass(frozen=True)
class EncodedPairs:
    """Chosen rows then rejected rows, right-padded; `completion` marks the tokens whose probability counts."""

    ids: "torch.Tensor"
    attention: "torch.Tensor"
    completion: "torch.Tensor"
    pairs: int


def dpo_loss(policy_chosen: "torch.Tensor", policy_rejected: "torch.Tensor", reference_chosen: "torch.Tensor",
             reference_rejected: "torch.Tensor", beta: float) -> tuple["torch.Tensor", "torch.Tensor"]:
    """Mean DPO loss over pairs, and each pair's margin (positive: the chosen completion gained more)."""
    import torch.nn.functional as F

    margins = beta * ((policy_chosen - reference_chosen) - (policy_rejected - reference_rejected))
    return -F.logsigmoid(margins).mean(), margins


def end_token(lm: TextModel) -> int | None:
    """The token that ends an answer: the tokenizer's end-of-text when the model stops there, else any end id."""
    ends = lm.end_ids
    eos = getattr(lm.tokenizer, "eos_token_id", None)
    if eos in ends:
        return int(eos)
    return min(ends) if ends else None


def encode_pairs(lm: TextModel, preferences: Sequence[Preference]) -> EncodedPairs:
    """Token rows for every pair: the prompt as the model sees it, then the completion and its end token."""
    import torch

    end = end_token(lm)
    chat = has_chat_template(lm.tokenizer)
    rows: list[list[int]] = []
    starts: list[int] = []
    for completions in ([p.chosen for p in preferences], [p.rejected for p in preferences]):
        for preference, completion_text in zip(preferences, completions):
            prompt = lm.encode(model_prompt(lm, preference.prompt))
            answer = lm.encode(("" if chat else " ") + completion_text)
            answer = answer[:MAX_COMPLETION_TOKENS] + ([end] if end is not None else [])
            room = lm.context_window - len(answer)
            prompt = prompt[-room:]
            rows.append(prompt + answer)
            starts.append(len(prompt))
    width = max(len(row) for row in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    attention = torch.zeros_like(ids)
    completion = torch.zeros_like(ids, dtype=torch.bool)
    for i, (row, start) in enumerate(zip(rows, starts)):
        ids[i, :len(row)] = torch.tensor(row)
        attention[i, :len(row)] = 1
        completion[i, start:len(row)] = True
    return EncodedPairs(ids, attention, completion, len(preferences))


def sequence_logprobs(model: "torch.nn.Module", ids: "torch.Tensor", attention: "torch.Tensor",
                      completion: "torch.Tensor") -> "torch.Tensor":
    """log p(completion | prompt) per row: the sum of the log-probabilities of the completion's tokens."""
    import torch

    logits = model(input_ids=ids, attention_mask=attention, use_cache=False).logits[:, :-1].float()
    token_logprobs = torch.log_softmax(logits, dim=-1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    return (token_logprobs * completion[:, 1:]).sum(dim=-1)


def _rows(encoded: EncodedPairs, pairs: list[int]) -> tuple["torch.Tensor", ...]:
    """The chosen and rejected rows of some pairs, as one batch (chosen first)."""
    index = pairs + [encoded.pairs + i for i in pairs]
    return encoded.ids[index], encoded.attention[index], encoded.completion[index]


def train_dpo(lm: TextModel, preferences: Sequence[Preference], tune: DpoSettings | None = None,
              on_step: Callable[[DpoStep], None] | None = None) -> DpoResult:
    """Train a LoRA copy of `lm` with DPO on the preference pairs; `lm` itself (the reference) never changes."""
    import torch

    tune = tune or DpoSettings()
    tune.check()
    preferences = [p for p in preferences if p.chosen.strip() != p.rejected.strip()]
    if len(preferences) < 2:
        raise ValueError("DPO needs at least two preference pairs whose completions differ.")
    notices = []
    if len(preferences) > MAX_PAIRS:
        notices.append(f"DPO used the first {MAX_PAIRS} of your {len(preferences)} pairs.")
        preferences = preferences[:MAX_PAIRS]
    encoded = encode_pairs(lm, preferences)
    # The reference log-probabilities never change: one pass of the shared base model, run by its engine.
    reference = lm.engine.run(lambda model: _no_grad_logprobs(model, encoded, lm.device))
    model = finetune.lora_copy(lm, finetune.TuneSettings(rank=tune.rank, alpha=2 * tune.rank,
                                                         top_layers=tune.top_layers, seed=tune.seed))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=tune.learning_rate,
                                  weight_decay=0.0)
    generator = torch.Generator().manual_seed(tune.seed)
    per_step = min(tune.pairs_per_step, len(preferences))
    losses: list[float] = []
    accuracies: list[float] = []
    started = time.perf_counter()
    for step in range(1, tune.steps + 1):
        pairs = torch.randperm(len(preferences), generator=generator)[:per_step].tolist()
        ids, attention, completion = (t.to(lm.device) for t in _rows(encoded, pairs))
        policy = sequence_logprobs(model, ids, attention, completion)
        chosen_ref, rejected_ref = reference[pairs], reference[[encoded.pairs + i for i in pairs]]
        loss, margins = dpo_loss(policy[:per_step], policy[per_step:], chosen_ref.to(policy.device),
                                 rejected_ref.to(policy.device), tune.beta)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.item()))
        accuracies.append(float((margins > 0).float().mean()))
        if not math.isfinite(losses[-1]):
            raise ValueError("The DPO loss became infinite: lower the learning rate.")
        if on_step is not None:
            on_step(DpoStep(step, tune.steps, losses[-1], accuracies[-1], time.perf_counter() - started))
    tuned = finetune.tuned_text_model(lm, model, "DPO")
    return DpoResult(tuned, losses, accuracies, tune, len(preferences), time.perf_counter() - started,
                     notices)


def _no_grad_logprobs(model: "torch.nn.Module", encoded: EncodedPairs, device: str) -> "torch.Tensor":
    import torch

    with torch.no_grad():
        return sequence_logprobs(model, encoded.ids.to(device), encoded.attention.to(device),
                                 encoded.completion.to(device)).cpu()


def kl_from_base(base: TextModel, tuned: TextModel, prompt: str, completions: Sequence[str]) -> float:
    """How far the tuned model drifted: KL(tuned || base) per token, averaged over the completions' tokens.

    At each position both models give a full next-token distribution; KL sums p_tuned * log(p_tuned / p_base)
    over the vocabulary (0 = identical). Measured on text the tuned model wrote, where the drift matters.
    """
    import torch

    texts = [c for c in completions if c.strip()]
    if not texts:
        return 0.0
    encoded = encode_pairs(base, [Preference(prompt, text, text) for text in texts])
    n = len(texts)
    ids, attention, completion = encoded.ids[:n], encoded.attention[:n], encoded.completion[:n]

    def log_probs(model: "torch.nn.Module") -> "torch.Tensor":
        with torch.no_grad():
            logits = model(input_ids=ids.to(base.device), attention_mask=attention.to(base.device),
                           use_cache=False).logits[:, :-1].float().cpu()
        return torch.log_softmax(logits, dim=-1)

    before, after = base.engine.run(log_probs), tuned.engine.run(log_probs)
    per_position = (after.exp() * (after - before)).sum(dim=-1)
    mask = completion[:, 1:]
    return float((per_position * mask).sum() / mask.sum())
