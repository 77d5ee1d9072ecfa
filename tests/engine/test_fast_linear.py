"""oneDNN's matrix products for float32 text models on a CPU: switched on by the loader, the same numbers
(to the last digits) and the same greedy text on the real SmolLM2, PyTorch's path whenever gradients flow."""

import threading

import pytest
import torch
from transformers import AutoModelForCausalLM

from genai_demo.engine import fast_linear, kinds
from genai_demo.engine.fast_linear import (
    FastLinear,
    onednn_works,
    packs_weights,
    use_fast_linear,
    uses_fast_linear,
    wanted_for,
)
from genai_demo.engine.loader import load_model
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.engine.sizes import loaded_bytes
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
        # A model loaded apart, never switched: packing (and letting the plain weights' pages go) lost no number.
        reference = AutoModelForCausalLM.from_pretrained(request.getfixturevalue(folder), dtype=torch.float32).eval()
        assert torch.allclose(fast, _logits(reference, ids), rtol=1e-4, atol=1e-5)
        plain = _logits(use_fast_linear(lm.model, on=False), ids)
        assert not uses_fast_linear(lm.model)
        assert torch.allclose(fast, plain, rtol=1e-4, atol=1e-5)
    finally:
        lm.engine.close()


@pytest.mark.skipif(not packs_weights(), reason="this PyTorch cannot pack weights for oneDNN")
@pytest.mark.parametrize("folder", ["tiny_gpt2_dir", "tiny_llama_dir"])
def test_weights_are_packed_once_and_a_models_copy_shares_them(folder, request):
    lm = load_model(kinds.TEXT, str(request.getfixturevalue(folder)))
    try:
        layers = [m for m in lm.model.modules() if uses_fast_linear(m) and not list(m.children())]
        head, table = lm.model.get_output_embeddings(), lm.model.get_input_embeddings()
        packed = [layer for layer in layers if layer.packed_weight is not None]
        assert packed and all(layer is not head for layer in packed)  # the tied output layer stays plain
        assert head.weight is table.weight and head.packed_weight is None
        for layer in packed:  # the plain numbers are gone: a stand-in of the right shape, holding 4 bytes
            assert layer.weight.untyped_storage().nbytes() == layer.weight.element_size()
        held = loaded_bytes(lm)
        copy = lm.model_copy()
        copied = [m for m in copy.modules() if getattr(m, "packed_weight", None) is not None]
        assert [m.packed_weight for m in copied] == [layer.packed_weight for layer in packed]  # the same tensors
        use_fast_linear(lm.model, on=False)
        assert loaded_bytes(lm) == held  # packing counts the same memory as the plain weights
    finally:
        lm.engine.close()


@pytest.mark.skipif(not packs_weights(), reason="this PyTorch cannot pack weights for oneDNN")
def test_a_rows_numbers_from_a_packed_layer_are_the_same_alone_or_among_others(lm):
    layer = next(m for m in lm.model.modules() if getattr(m, "packed_weight", None) is not None)
    rows = torch.randn(16, layer.packed_weight.shape[1], generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        together = layer(rows)
        for count in (1, 2, 3, 5):
            assert torch.equal(layer(rows[:count]), together[:count])


def test_gradients_flow_through_a_switched_layer(lm):
    layer = lm.model.lm_head
    assert isinstance(layer, FastLinear)
    x = torch.randn(2, 3, layer.in_features, requires_grad=True)
    layer(x).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


@pytest.mark.skipif(not packs_weights(), reason="this PyTorch cannot pack weights for oneDNN")
def test_gradients_flow_through_a_packed_layer_with_its_numbers(lm):
    packed = next(m for m in lm.model.modules() if getattr(m, "packed_weight", None) is not None)
    x = torch.randn(2, 3, packed.packed_weight.shape[1], requires_grad=True)
    out = packed(x)
    out.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    with torch.inference_mode():
        assert torch.allclose(out.detach(), packed(x.detach()), rtol=1e-4, atol=1e-5)


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


@pytest.mark.skipif(not packs_weights(), reason="this PyTorch cannot pack weights for oneDNN")
def test_a_llama_layers_query_key_value_and_gate_up_are_one_product_with_the_same_numbers(tiny_llama_dir, monkeypatch):
    lm = load_model(kinds.TEXT, str(tiny_llama_dir))
    try:
        attention, mlp = lm.model.model.layers[0].self_attn, lm.model.model.layers[0].mlp
        for layers in ([attention.q_proj, attention.k_proj, attention.v_proj], [mlp.gate_proj, mlp.up_proj]):
            assert all(layer.packed_weight is layers[0].packed_weight for layer in layers)  # held once, stacked
            assert layers[0].packed_weight.shape[0] == sum(layer.out_features for layer in layers)
        assert attention.o_proj.siblings is None and mlp.down_proj.siblings is None
        calls = []
        monkeypatch.setattr(fast_linear, "_onednn_product",
                            lambda x, w, b, real=fast_linear._onednn_product: calls.append(w) or real(x, w, b))
        ids = list(range(5, 40))
        stacked = _logits(lm.model, ids)
        assert len(calls) == 4 * len(lm.model.model.layers) + 1  # a layer: (q, k, v), o, (gate, up), down; the head
        monkeypatch.setattr(fast_linear, "SIBLINGS", ())
        apart = use_fast_linear(AutoModelForCausalLM.from_pretrained(tiny_llama_dir, dtype=torch.float32).eval())
        assert apart.model.layers[0].self_attn.q_proj.siblings is None
        assert torch.equal(stacked, _logits(apart, ids))  # each output is the same product, to the last bit
        copy = lm.model_copy()  # a fine-tuning copy: siblings of its own, the same packed weight
        q = copy.model.layers[0].self_attn.q_proj
        assert q.siblings is not attention.q_proj.siblings and q.packed_weight is attention.q_proj.packed_weight
        assert q.siblings.layers[1] is copy.model.layers[0].self_attn.k_proj
        assert torch.equal(_logits(copy, ids), stacked)
        use_fast_linear(lm.model, on=False)  # back to plain weights, each layer its own rows
        k = attention.k_proj.weight
        assert k.shape == (attention.k_proj.out_features, attention.k_proj.in_features)
        assert k.untyped_storage().nbytes() == k.numel() * k.element_size()  # its own rows, not the whole stack
        assert torch.allclose(_logits(lm.model, ids), stacked, rtol=1e-4, atol=1e-5)
    finally:
        lm.engine.close()


@pytest.mark.skipif(not packs_weights(), reason="this PyTorch cannot pack weights for oneDNN")
def test_threads_running_one_stacked_model_at_once_each_get_their_own_numbers(tiny_llama_dir):
    lm = load_model(kinds.TEXT, str(tiny_llama_dir))
    try:
        texts = [[(7 * i + j) % 300 + 5 for j in range(16)] for i in range(6)]  # one shape: identity tells them apart
        alone = [_logits(lm.model, ids) for ids in texts]
        results: dict[int, list[bool]] = {i: [] for i in range(len(texts))}
        start = threading.Barrier(len(texts))

        def read(index: int) -> None:
            start.wait()
            for _ in range(15):
                results[index].append(torch.equal(_logits(lm.model, texts[index]), alone[index]))

        threads = [threading.Thread(target=read, args=(i,)) for i in range(len(texts))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(len(done) == 15 and all(done) for done in results.values())
    finally:
        lm.engine.close()
