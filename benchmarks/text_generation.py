"""Text generation speed: the app's batched, streaming decoder against plain `model.generate`.

Full-size GPT-2 (124M parameters, from `GPT2Config()`) with random weights: the same cost as the real
model, no download. Both sides run in this process, so the ratios hold on whatever machine runs it.

    python benchmarks/text_generation.py          # 64 new tokens, 3 repeats
    python benchmarks/text_generation.py --quick  # a fast check that it works

Goals (2-core CPU): app tok/s / raw fp32 tok/s >= 1.4; 4 columns / 1 column wall time <= 2.2;
warm time to the first streamed token <= 150 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

PROMPT = "What's the weather like today?"
QUALITY_PROMPTS = (PROMPT, "Write a story about space", "The capital of France is", "def fibonacci(n):",
                   "Once upon a time")


def median_seconds(run, repeats: int) -> float:  # type: ignore[no-untyped-def]
    run()  # warm-up: first calls allocate caches and pick kernels
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="16 tokens, 1 repeat")
    parser.add_argument("--dtype", choices=("auto", "bfloat16", "float32"), default="auto",
                        help="the app's dtype; auto = what the app measures and picks on this machine")
    args = parser.parse_args()
    os.environ["GENAI_DTYPE"] = args.dtype
    if args.quick:
        args.tokens, args.repeats = 16, 1

    import torch
    from transformers import AutoModelForCausalLM

    from genai_demo.models import load_text_model
    from genai_demo.sampling import SamplingSettings
    from genai_demo.text import generate
    from tests.tiny_models import write_full_size_gpt2

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_full_size_gpt2(Path(tmp) / "gpt2-random")
        raw = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
        lm = load_text_model(str(folder))
        ids = lm.tokenizer(PROMPT, return_tensors="pt")["input_ids"]
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; app dtype: {lm.dtype}; "
              f"prompt {ids.shape[1]} tokens, {args.tokens} new tokens, median of {args.repeats}")

        def raw_generate() -> None:
            with torch.inference_mode():
                raw.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True, top_k=50, top_p=1.0,
                             temperature=1.0, max_new_tokens=args.tokens, min_new_tokens=args.tokens,
                             pad_token_id=lm.tokenizer.eos_token_id)

        produced: list[int] = []

        def app_generate(columns: int) -> None:
            knobs = [SamplingSettings(temperature=1.0, top_k=50, top_p=1.0, max_new_tokens=args.tokens, seed=s)
                     for s in range(columns)]
            last = None
            for last in generate(lm, PROMPT, knobs):
                pass
            produced.append(len(last.token_ids[0]))

        raw_s = median_seconds(raw_generate, args.repeats)
        app_s = median_seconds(lambda: app_generate(1), args.repeats)
        app_tokens = min(produced)  # a random model could draw end-of-text early; count what came out
        app4_s = median_seconds(lambda: app_generate(4), args.repeats)

        def first_token() -> None:
            next(iter(generate(lm, PROMPT, [SamplingSettings(top_k=50, top_p=1.0, max_new_tokens=args.tokens)])))

        first_s = median_seconds(first_token, max(3, args.repeats))

        worst = worst_tv = worst_logit = 0.0
        agree = 0
        for text in QUALITY_PROMPTS:
            prompt_ids = lm.tokenizer(text, return_tensors="pt")["input_ids"]
            with torch.inference_mode():
                exact_logits = raw(prompt_ids).logits[0, -1].float()
                fast_logits = lm.writer(prompt_ids).logits[0, -1].float()  # what actually writes the text
            exact, fast = torch.softmax(exact_logits, -1), torch.softmax(fast_logits, -1)
            worst_logit = max(worst_logit, float((exact_logits - fast_logits).abs().max() / exact_logits.std()))
            worst = max(worst, float((exact - fast).abs().max()))
            worst_tv = max(worst_tv, float((exact - fast).abs().sum() / 2))
            agree += int(exact.argmax() == fast.argmax())

        raw_rate = args.tokens / raw_s
        app_rate = app_tokens / app_s
        print(f"raw fp32 model.generate:   {raw_rate:7.1f} tok/s")
        writer = "int8 weights" if lm.decoder is not None else str(lm.dtype).split(".")[-1]
        print(f"app, 1 column ({writer}):  {app_rate:7.1f} tok/s")
        print(f"app / raw tok/s:           {app_rate / raw_rate:7.2f}   (goal >= 1.4)")
        print(f"4 columns / 1 column wall: {app4_s / app_s:7.2f}   (goal <= 2.2; 4 sequential runs = 4)")
        print(f"first streamed token:      {first_s * 1000:7.1f} ms (goal <= 150, warm)")
        print(f"quality: max |p_app - p_fp32| over {len(QUALITY_PROMPTS)} prompts = {worst:.2e}; "
              f"total variation <= {worst_tv:.2e}; same top token on {agree}/{len(QUALITY_PROMPTS)}; "
              f"max |logit error| = {worst_logit:.3f} logit standard deviations "
              "(random weights give flat distributions: small absolute differences)")


if __name__ == "__main__":
    main()
