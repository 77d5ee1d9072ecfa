"""Text generation speed for one learner: the app's engine (streaming, batched) against plain `model.generate`.

Full-size GPT-2 (124M parameters, from `GPT2Config()`) with random weights: the same cost as the real
model, no download. Both sides run in this process, so the ratios hold on whatever machine runs it.

    python benchmarks/text_generation.py          # 64 new tokens, 3 repeats
    python benchmarks/text_generation.py --quick  # a fast check that it works

Goals (2-core CPU): app tok/s / plain tok/s >= 0.95 (same weights, same dtype: the engine's queue and
streaming cost little); 4 columns / 1 column wall time <= 2.2; warm time to the first streamed token
<= 150 ms. Many learners at once: benchmarks/classroom.py.
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


def median_seconds(run, repeats: int) -> float:
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
                        help="the app's dtype; auto = the app's rule for this machine")
    args = parser.parse_args()
    os.environ["GENAI_DTYPE"] = args.dtype
    if args.quick:
        args.tokens, args.repeats = 16, 1

    import torch
    from transformers import AutoModelForCausalLM

    from genai_demo.engine import kinds
    from genai_demo.engine.loader import load_model
    from genai_demo.engine.sampling import SamplingSettings
    from genai_demo.text.generation import generate
    from tests.tiny_models import write_full_size_gpt2

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_full_size_gpt2(Path(tmp) / "gpt2-random")
        lm = load_model(kinds.TEXT, str(folder))
        raw = AutoModelForCausalLM.from_pretrained(folder, dtype=lm.dtype).eval()
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
            stream = generate(lm, PROMPT, [SamplingSettings(top_k=50, top_p=1.0, max_new_tokens=args.tokens)])
            for update in stream:
                if update.token_ids[0]:
                    break
            stream.close()  # the rest of the generation is cancelled

        first_s = median_seconds(first_token, max(3, args.repeats))

        raw_rate = args.tokens / raw_s
        app_rate = app_tokens / app_s
        print(f"plain model.generate:      {raw_rate:7.1f} tok/s")
        print(f"app, 1 column:             {app_rate:7.1f} tok/s")
        print(f"app / plain tok/s:         {app_rate / raw_rate:7.2f}   (goal >= 0.95)")
        print(f"4 columns / 1 column wall: {app4_s / app_s:7.2f}   (goal <= 2.2; 4 sequential runs = 4)")
        print(f"first streamed token:      {first_s * 1000:7.1f} ms (goal <= 150, warm)")


if __name__ == "__main__":
    main()
