"""Fine-tuning with LoRA on a tiny GPT-2: the loss on the tuning text falls, the shared model never changes."""

from __future__ import annotations

import pytest
import torch

from genai_demo.config import settings
from genai_demo.text.generation import SamplingSettings, generate_texts
from genai_demo.tuning import finetune

TEXT = ("Preheat the oven to 180 degrees. Whisk two eggs with sugar until pale. Fold in the flour. "
        "Bake for twenty minutes until golden. ") * 3
FAST = finetune.TuneSettings(learning_rate=3e-2, batch_size=2, sequence_length=32)


def snapshot(lm) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().clone() for name, tensor in lm.model.state_dict().items()}


def assert_unchanged(lm, before: dict[str, torch.Tensor]) -> None:
    after = lm.model.state_dict()
    assert after.keys() == before.keys()
    for name, tensor in before.items():
        assert torch.equal(after[name], tensor), f"shared weight {name} changed"
    assert not any(p.requires_grad for p in lm.model.parameters())


def test_fine_tuning_lowers_the_loss_on_the_text_and_leaves_the_base_model_alone(lm):
    before = snapshot(lm)
    base_output = generate_texts(lm, "Preheat the", [SamplingSettings(seed=3, max_new_tokens=8)])
    loss_before = finetune.text_loss(lm, TEXT)
    seen = []
    result = finetune.fine_tune(lm, TEXT, 30, FAST, on_step=seen.append)

    assert [report.step for report in seen] == list(range(1, 31))
    assert len(result.losses) == 30
    assert finetune.text_loss(result.tuned, TEXT) < loss_before - 0.1
    assert finetune.text_loss(lm, TEXT) == pytest.approx(loss_before, abs=1e-6)
    assert_unchanged(lm, before)
    # The shared model still writes exactly what it wrote before anyone fine-tuned.
    assert generate_texts(lm, "Preheat the", [SamplingSettings(seed=3, max_new_tokens=8)]) == base_output
    # Only the small LoRA matrices were trained, and the tuned copy does not hold a second set of weights.
    total = sum(p.numel() for p in lm.model.parameters())
    assert 0 < result.trainable_parameters < total / 10
    assert result.tuned.lock is not lm.lock


def test_tuned_model_moves_probability_towards_the_text(lm):
    result = finetune.fine_tune(lm, TEXT, 12, FAST)
    risers, fallers = finetune.probability_shifts(lm, result.tuned, "Preheat the")
    assert risers[0].after > risers[0].before and fallers[0].after < fallers[0].before
    full_before = finetune.next_token_probabilities(lm, "Preheat the")
    full_after = finetune.next_token_probabilities(result.tuned, "Preheat the")
    assert risers[0].change == pytest.approx(float((full_after - full_before).max()), abs=1e-6)
    # " oven" follows "Preheat the" in the text: the tuned copy must think it likelier than the base did.
    oven = lm.tokenizer(" oven")["input_ids"][0]
    assert full_after[oven] > full_before[oven]


def test_same_seed_same_run(lm):
    first = finetune.fine_tune(lm, TEXT, 3, FAST)
    second = finetune.fine_tune(lm, TEXT, 3, FAST)
    assert first.losses == second.losses


def test_bad_input_is_refused_or_capped(lm, monkeypatch):
    with pytest.raises(ValueError, match="empty"):
        finetune.fine_tune(lm, "   ", 5, FAST)
    with pytest.raises(ValueError, match="at least one step"):
        finetune.fine_tune(lm, TEXT, 0, FAST)
    with pytest.raises(ValueError, match="too short"):
        finetune.fine_tune(lm, "a", 1, FAST)
    limits = settings().limits
    huge = "The Supplier shall pay. " * (limits.max_train_chars // 10)
    text, tune, notices = finetune.prepare_text(huge, limits.max_train_steps * 10, FAST)
    assert len(text) == limits.max_train_chars and tune.steps == limits.max_train_steps
    assert len(notices) == 2


def test_a_run_that_is_abandoned_mid_way_leaks_nothing(lm):
    """Streamlit stops a script whose session left by raising inside its next st call, i.e. in on_step."""
    before = snapshot(lm)

    class SessionLeft(Exception):
        pass

    def leave(report: finetune.StepReport) -> None:
        if report.step == 2:
            raise SessionLeft

    with pytest.raises(SessionLeft):
        finetune.fine_tune(lm, TEXT, 50, FAST, on_step=leave)
    assert_unchanged(lm, before)


def test_overfitting_hook_trains_more_of_the_model_on_one_tiny_text(lm):
    # Whether it memorises is GPT-2's business (a random 2-layer model cannot within a test); what must
    # hold everywhere: the loss on the tiny text falls and far more weights are adapted than normally.
    tiny = "The cat sat on the mat."
    normal = finetune.fine_tune(lm, tiny, 15)
    overfit = finetune.overfit(lm, tiny, steps=15)
    assert len(overfit.losses) == 15
    assert finetune.text_loss(overfit.tuned, tiny) < finetune.text_loss(lm, tiny) - 0.1
    assert overfit.trainable_parameters > 2 * normal.trainable_parameters


def test_a_loss_that_doubles_or_is_not_a_number_counts_as_diverged():
    finetune.check_not_diverged([5.6, 2.6, 0.5, 9.0], 0.01)  # noisy but not blown up
    for losses in ([5.6, 14.1], [5.6, float("nan")], [5.6, float("inf")]):
        with pytest.raises(finetune.Diverged, match=r"Lower the learning rate \(it was 0.01\)"):
            finetune.check_not_diverged(losses, 0.01)


def test_fine_tuning_and_overfitting_work_on_a_llama_architecture_too(tiny_llama_dir):
    """LoRA's targets come from the architecture: Llama's q_proj/v_proj, not GPT-2's c_attn."""
    from genai_demo.engine import kinds
    from genai_demo.engine.loader import load_model

    llama = load_model(kinds.TEXT, str(tiny_llama_dir))
    before = snapshot(llama)
    loss_before = finetune.text_loss(llama, TEXT)
    result = finetune.fine_tune(llama, TEXT, 20, FAST)
    assert finetune.lora_targets(llama.model) == ["q_proj", "v_proj"]
    assert result.trainable_parameters > 0
    assert finetune.text_loss(result.tuned, TEXT) < loss_before - 0.1
    assert generate_texts(result.tuned, "Preheat the", [SamplingSettings(seed=3, max_new_tokens=6)])[0]
    overfitted = finetune.overfit(llama, "The cat sat on the mat.", steps=5)
    assert len(overfitted.losses) == 5
    assert_unchanged(llama, before)


# --- on the real weights of SmolLM2-135M-Instruct -------------------------------------------------


def test_a_learning_rate_too_high_for_the_real_model_stops_with_a_message(smollm2):
    """The old overfitting settings (3e-2 on every linear layer) blow SmolLM2's loss up within a few steps."""
    from genai_demo.tuning import finetune

    tune = finetune.TuneSettings(learning_rate=3e-2, rank=16, alpha=32, targets=("all-linear",), batch_size=1,
                                 top_layers=0)
    with pytest.raises(finetune.Diverged, match="the loss rose to"):
        finetune.fine_tune(smollm2, "The lighthouse keeper counted seven ships at dawn.", 20, tune)
