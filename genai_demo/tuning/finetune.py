"""Fine-tune a text model on a small focused text with LoRA, without ever touching the shared model.

How the copy stays cheap and safe: `lora_copy` deep-copies the module *structure* but shares the frozen
base weight tensors with the shared model (they are never written: LoRA trains only two small extra
matrices per targeted layer, and nothing is merged back). A tuned model therefore costs about one
megabyte per session instead of a second GPT-2. The adapters are float32 even when the shared model
runs in bfloat16, and the loss is always computed in float32.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from genai_demo.config import DATA_DIR, settings
from genai_demo.engine.bundles import TextModel
from genai_demo.text.generation import context_ids, last_logits

if TYPE_CHECKING:
    import torch

SAMPLES_FILE = DATA_DIR / "finetune_samples.json"
# The loss before/after is measured on at most this many blocks of the text, to stay quick.
MAX_EVAL_BLOCKS = 16
# A loss this many times the first step's means the run blew up (a falling run never comes close).
DIVERGED_FACTOR = 2.0
# Overfitting one tiny text: 3e-3 learns it by heart on SmolLM2-135M in 60 steps, 5e-3 blows up there
# (measured), so the app uses 2e-3 for every model and retries gentler if a run still diverges.
OVERFIT_LEARNING_RATE = 2e-3


@dataclass(frozen=True)
class TuneSettings:
    """One LoRA run. The defaults finish in about a minute for GPT-2 small on two CPU cores."""

    steps: int = 30
    learning_rate: float = 3e-3
    rank: int = 8
    alpha: int = 16
    # Which layers get adapters: () = the attention projections peft knows for this architecture
    # (GPT-2's fused c_attn, Llama's q_proj and v_proj, ...); ("all-linear",) = every linear layer.
    targets: tuple[str, ...] = ()
    # Only the top blocks get adapters: the backward pass then stops half way down, halving the time.
    top_layers: int = 6  # 0: every block
    sequence_length: int = 64
    batch_size: int = 4
    seed: int = 0
    # Each step moves the weights by at most this much (the gradient's length is cut to it): one odd batch
    # cannot throw a run off course.
    max_grad_norm: float = 1.0


@dataclass(frozen=True)
class StepReport:
    """Progress after one fine-tuning step."""

    step: int  # 1-based
    steps: int
    loss: float
    seconds: float


@dataclass
class TuneResult:
    """A finished (or stopped) run: the tuned model, the loss per step, and what was cut."""

    tuned: TextModel
    losses: list[float]
    settings: TuneSettings
    text: str
    notices: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stopped_early: bool = False

    @property
    def trainable_parameters(self) -> int:
        return trainable_parameter_count(self.tuned.model)


@dataclass(frozen=True)
class ProbabilityShift:
    """How one token's probability changed with fine-tuning."""

    token_id: int
    piece: str
    before: float
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class Sample:
    """A fine-tuning text shipped with the app, and a prompt that shows its effect."""

    text: str
    prompt: str  # a prompt that shows the change well


def load_samples() -> dict[str, Sample]:
    """The shipped tuning texts, by name (legal clauses, recipes, Shakespeare-like lines)."""
    import json

    raw = json.loads(SAMPLES_FILE.read_text(encoding="utf-8"))
    return {name: Sample(item["text"], item["prompt"]) for name, item in raw.items()}


def prepare_text(text: str, steps: int, tune: TuneSettings | None = None) -> tuple[str, TuneSettings, list[str]]:
    """Check and cap the learner's input. Returns the text, the settings to use and notices of what was cut."""
    limits = settings().limits
    tune = replace(tune or TuneSettings(), steps=steps)
    text = (text or "").strip()
    if not text:
        raise ValueError("The training text is empty: paste a few sentences or pick a sample.")
    if steps < 1:
        raise ValueError("Fine-tuning needs at least one step: with 0 steps the model would not change.")
    notices = []
    if len(text) > limits.max_train_chars:
        notices.append(f"The text was cut to its first {limits.max_train_chars:,} of {len(text):,} characters.")
        text = text[: limits.max_train_chars]
    if steps > limits.max_train_steps:
        notices.append(f"Steps were capped at {limits.max_train_steps:,} (you asked for {steps:,}).")
        tune = replace(tune, steps=limits.max_train_steps)
    if tune.rank < 1 or tune.sequence_length < 2 or tune.batch_size < 1 or not tune.learning_rate > 0:
        raise ValueError("Rank, batch size and learning rate must be positive, and sequences at least 2 tokens.")
    return text, tune, notices


def token_ids(lm: TextModel, text: str) -> "torch.Tensor":
    """The text's token ids as a tensor; ValueError when it has fewer than two tokens."""
    import torch

    ids = lm.encode(text)
    if len(ids) < 2:
        raise ValueError("The training text is too short: it needs at least two tokens.")
    return torch.tensor(ids, dtype=torch.long)


def random_batch(ids: "torch.Tensor", length: int, batch_size: int, generator: "torch.Generator") -> "torch.Tensor":
    """`batch_size` windows of `length` tokens cut from random places in the text."""
    import torch

    length = min(length, len(ids))
    starts = torch.randint(0, len(ids) - length + 1, (batch_size,), generator=generator)
    return torch.stack([ids[start:start + length] for start in starts.tolist()])


def language_model_loss(model: "torch.nn.Module", batch: "torch.Tensor") -> "torch.Tensor":
    """Mean cross-entropy of predicting each next token, in float32 whatever the model's dtype."""
    import torch.nn.functional as F

    logits = model(input_ids=batch).logits[:, :-1].float()
    targets = batch[:, 1:]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def text_loss(lm: TextModel, text: str, sequence_length: int = TuneSettings.sequence_length) -> float:
    """Average next-token loss of a model over a text (cut in consecutive blocks): lower = less surprised."""
    ids = token_ids(lm, text)
    length = min(sequence_length, len(ids))
    blocks = [ids[start:start + length] for start in range(0, len(ids) - length + 1, length)][:MAX_EVAL_BLOCKS]
    losses = lm.engine.run(lambda model: [language_model_loss(model, block.unsqueeze(0).to(lm.device)).item()
                                          for block in blocks])
    return sum(losses) / len(losses)


def lora_copy(lm: TextModel, tune: TuneSettings) -> "torch.nn.Module":
    """The shared model's structure with LoRA adapters added; base weights are shared and frozen."""
    import torch
    from peft import LoraConfig, get_peft_model

    base = lm.model
    structure = lm.model_copy()
    blocks_name, blocks = _blocks(base)
    layers = None
    if 0 < tune.top_layers < blocks:
        layers = list(range(blocks - tune.top_layers, blocks))
    config = LoraConfig(r=tune.rank, lora_alpha=tune.alpha, target_modules=lora_targets(base, tune.targets),
                        lora_dropout=0.0, fan_in_fan_out=_stores_weights_transposed(base), bias="none",
                        init_lora_weights="gaussian", layers_to_transform=layers,
                        layers_pattern=blocks_name if layers else None)
    model = get_peft_model(structure, config, autocast_adapter_dtype=True)
    # Seeded start for the A matrices (B starts at zero, so the tuned model starts equal to the base);
    # a private generator leaves the process-wide random state of other sessions alone.
    generator = torch.Generator().manual_seed(tune.seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            parameter.requires_grad_("lora_" in name)
            if "lora_A" in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) / tune.rank)
    # The plain transformers model with LoRA layers inside: it takes every argument generation passes.
    return model.get_base_model().eval()  # eval: no dropout, so a run with the same seed repeats exactly


def lora_targets(model: "torch.nn.Module", wanted: tuple[str, ...] = ()) -> list[str] | str:
    """The layer names LoRA adapts in this architecture (see `TuneSettings.targets`)."""
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as KNOWN

    if wanted == ("all-linear",):
        return "all-linear"
    if wanted:
        return list(wanted)
    model_type = getattr(model.config, "model_type", "")
    if model_type not in KNOWN:
        raise ValueError(f"LoRA does not know the attention layers of a '{model_type}' model; "
                         "fine-tuning needs a GPT-2, Llama, Mistral, Qwen or similar causal language model.")
    return list(KNOWN[model_type])


def _blocks(model: "torch.nn.Module") -> tuple[str, int]:
    """The name of the model's list of transformer blocks (GPT-2: h, Llama: layers) and its length."""
    import torch

    count = int(getattr(model.config, "n_layer", 0) or getattr(model.config, "num_hidden_layers", 0))
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.ModuleList) and len(module) == count:
            return name.split(".")[-1], count
    return "", count


def _stores_weights_transposed(model: "torch.nn.Module") -> bool:
    """GPT-2's projections are Conv1D layers that keep their weight as [in, out]; LoRA must know."""
    from transformers.pytorch_utils import Conv1D

    return any(isinstance(module, Conv1D) for module in model.modules())


def trainable_parameter_count(model: "torch.nn.Module") -> int:
    """The number of LoRA parameters that fine-tuning trains."""
    return sum(p.numel() for name, p in model.named_parameters() if "lora_" in name)


def fine_tune(
    lm: TextModel,
    text: str,
    steps: int = TuneSettings.steps,
    tune: TuneSettings | None = None,
    on_step: Callable[[StepReport], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TuneResult:
    """Fine-tune a LoRA copy of `lm` on `text` for `steps` steps; `lm` itself never changes.

    `on_step` sees each step's loss (a page draws the live curve from it); `should_stop` can end the run
    early. If the caller goes away mid-run (an exception from `on_step`), the copy is simply dropped.
    """
    import torch

    text, tune, notices = prepare_text(text, steps, tune)
    ids = token_ids(lm, text)
    if len(ids) < tune.sequence_length:
        notices.append(f"The text has only {len(ids)} tokens, so each example is the whole text.")
    model = lora_copy(lm, tune)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=tune.learning_rate,
                                  weight_decay=0.0)
    generator = torch.Generator().manual_seed(tune.seed)
    losses: list[float] = []
    started = time.perf_counter()
    stopped = False
    for step in range(1, tune.steps + 1):
        if should_stop is not None and should_stop():
            stopped = True
            break
        batch = random_batch(ids, tune.sequence_length, tune.batch_size, generator).to(lm.device)
        loss = language_model_loss(model, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], tune.max_grad_norm)
        optimizer.step()
        losses.append(float(loss.item()))
        check_not_diverged(losses, tune.learning_rate)
        if on_step is not None:
            on_step(StepReport(step, tune.steps, losses[-1], time.perf_counter() - started))
    tuned = tuned_text_model(lm, model, "LoRA")
    return TuneResult(tuned, losses, tune, text, notices, time.perf_counter() - started, stopped)


def tuned_text_model(lm: TextModel, model: "torch.nn.Module", how: str) -> TextModel:
    """A session's trained copy as a TextModel of its own (its own engine and tokenizer), frozen for use."""
    model.requires_grad_(False)
    return TextModel(model_id=f"{lm.model_id} + {how}", model=model, tokenizer=lm.tokenizer_copy(),
                     device=lm.device, dtype=lm.dtype, context_window=lm.context_window)


def next_token_probabilities(lm: TextModel, prompt: str) -> "torch.Tensor":
    """The full next-token probability vector after `prompt` (float32), with the prompt cut as text.py cuts it."""
    import torch

    ids, _ = context_ids(lm, prompt, ())
    return torch.softmax(last_logits(lm, ids)[0], dim=-1)


def probability_shifts(base: TextModel, tuned: TextModel, prompt: str, top: int = 8) -> tuple[
        list[ProbabilityShift], list[ProbabilityShift]]:
    """The next tokens whose probability rose most and fell most after fine-tuning."""
    import torch

    before = next_token_probabilities(base, prompt)
    after = next_token_probabilities(tuned, prompt)
    change = after - before
    top = max(1, min(top, len(change)))

    def shifts(indices: "torch.Tensor") -> list[ProbabilityShift]:
        return [ProbabilityShift(i, piece, float(before[i]), float(after[i]))
                for i, piece in zip(indices.tolist(), tuned.pieces(indices.tolist()))]

    return shifts(torch.topk(change, top).indices), shifts(torch.topk(-change, top).indices)


class Diverged(ValueError):
    """A run whose loss blew up instead of falling: the steps were too big for this model."""

    def __init__(self, step: int, first: float, loss: float, learning_rate: float) -> None:
        shown = f"{loss:.1f}" if math.isfinite(loss) else "infinity"
        super().__init__(f"The training went wrong: at step {step} the loss rose to {shown} (it started at "
                         f"{first:.1f}), so each step changed the weights too much for this model. Lower the "
                         f"learning rate (it was {learning_rate:g}) and train again.")
        self.learning_rate = learning_rate


def check_not_diverged(losses: list[float], learning_rate: float) -> None:
    """Raise `Diverged` when the latest loss is not a number or more than twice the first one."""
    if not math.isfinite(losses[-1]) or losses[-1] > DIVERGED_FACTOR * losses[0]:
        raise Diverged(len(losses), losses[0], losses[-1], learning_rate)


def overfit(lm: TextModel, text: str, steps: int = 60,
            on_step: Callable[[StepReport], None] | None = None) -> TuneResult:
    """Fine-tune hard on one tiny text (every linear layer, a bigger rank, one example per step) until the
    model can only repeat it. A run that diverges is trained again with smaller steps, and says so."""
    tune = TuneSettings(learning_rate=OVERFIT_LEARNING_RATE, rank=16, alpha=32, targets=("all-linear",),
                        batch_size=1, top_layers=0)
    try:
        return fine_tune(lm, text, steps, tune, on_step=on_step)
    except Diverged:
        gentler = replace(tune, learning_rate=tune.learning_rate / 4)
        result = fine_tune(lm, text, steps, gentler, on_step=on_step)
        result.notices.append(f"The first run's loss blew up at learning rate {tune.learning_rate:g}, so this "
                              f"copy was trained again with smaller steps ({gentler.learning_rate:g}).")
        return result
