"""oneDNN's matrix products for float32 text models on a CPU: switched on by the loader, the same numbers
(to the last digits) and the same greedy text on the real SmolLM2, PyTorch's path whenever gradients flow."""

import pytest
import torch

from genai_demo.engine import kinds
from genai_demo.engine.fast_linear import FastLinear, onednn_works, use_fast_linear, uses_fast_linear, wanted_for
from genai_demo.engine.loader import load_model
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.text.generation import generate

pytestmark = pytest.mark.skipif(not onednn_works(), reason="this PyTorch has no oneDNN product")


def _logits(model, ids: list[int]) -> torch.Tensor:
    with torch.inference_mode():
        return model(input_ids=torch.tensor([ids]), use_cache=False).logits[0].float()


@pytest.mark.parametrize("folder", ["tiny_gpt2_dir", "tiny_llama_dir"])
def test_the_loader_switches_a_float32_cpu_model_and_its_numbers_stay(folder, request):
    lm = load_model(kinds.TEXT, str(request.getfixturevalue(folder)))
    try:
        assert wanted_for("cpu", torch.float32) and not wanted_for("cpu", torch.bfloat16)
        assert uses_fast_linear(lm.model)
        ids = list(range(5, 40))
        fast = _logits(lm.model, ids)
        plain = _logits(use_fast_linear(lm.model, on=False), ids)
        assert not uses_fast_linear(lm.model)
        assert torch.allclose(fast, plain, rtol=1e-4, atol=1e-5)
    finally:
        lm.engine.close()


def test_gradients_flow_through_a_switched_layer(lm):
    layer = lm.model.lm_head
    assert isinstance(layer, FastLinear)
    x = torch.randn(2, 3, layer.in_features, requires_grad=True)
    layer(x).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_real_smollm2_writes_the_same_greedy_text_and_top_tokens(smollm2):
    prompts = ["The capital of France is", "Photosynthesis is the process", "To make a cup of tea, you"]
    greedy = SamplingSettings(temperature=0.0, max_new_tokens=16)
    try:
        fast_texts = [list(generate(smollm2, prompt, [greedy]))[-1].token_ids[0] for prompt in prompts]
        fast = [_logits(smollm2.model, smollm2.tokenizer(p)["input_ids"] + t) for p, t in zip(prompts, fast_texts)]
        use_fast_linear(smollm2.model, on=False)
        plain_texts = [list(generate(smollm2, prompt, [greedy]))[-1].token_ids[0] for prompt in prompts]
        plain = [_logits(smollm2.model, smollm2.tokenizer(p)["input_ids"] + t) for p, t in zip(prompts, plain_texts)]
    finally:
        use_fast_linear(smollm2.model, on=True)
    assert fast_texts == plain_texts
    for a, b in zip(fast, plain):
        assert torch.equal(a.argmax(-1), b.argmax(-1))
        assert float((0.5 * (a.softmax(-1) - b.softmax(-1)).abs().sum(-1)).max()) < 1e-4
