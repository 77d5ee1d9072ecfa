"""A class writing at once: N sessions press Generate together on one shared text model.

Each simulated session is a thread that calls `genai_demo.text.generate`, the entry point the pages
use, for a 64-token sampled continuation of its own prompt; the sessions start a few milliseconds
apart, as real clicks do. The model is the full-size GPT-2 architecture (`GPT2Config()`, 124 M
parameters) with random weights: the same cost as the real GPT-2, no download.

The baseline, measured in the same run, is the physical best for the same work: the same N prompts
and knobs as ONE batch of N rows in a single call (transformers' own `model.generate`, left-padded). For one
learner, the script also times the step's matrix products alone (one row through every linear layer, back to
back): no engine can spend less on a step, so plain `generate`'s time a token over it is the ceiling of app ÷ plain.

    python benchmarks/classroom.py           # N = 1, 2, 4, 8, 16; 64 tokens
    python benchmarks/classroom.py --quick   # N = 1, 4; 16 tokens

Goals (2 CPU cores): 8 sessions <= 1.2x the 8-row batch and <= 2.5x one session alone; aggregate
tokens/s at 8 >= 3x one session alone; p95 time to first token at 8 sessions <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import genai_demo.engine.device  # noqa: E402,F401 - the app's OpenMP wait policy, before torch loads here

PROMPTS = (
    "What's the weather like today?", "Write a story about space", "The best way to learn a new language is",
    "Once upon a time, in a small village by the sea,", "The three primary colors are", "My favourite food is",
    "In 1969, the first man", "To make a cup of tea, you", "Dogs are better than cats because",
    "The stock market today", "Photosynthesis is the process", "The capital of France is",
    "A good teacher always", "The robot opened the door and", "Music makes people", "The ocean is deep and",
)
STAGGER_S = 0.005  # between two sessions' clicks


def knobs(index: int, tokens: int):
    from genai_demo.engine.sampling import SamplingSettings

    return SamplingSettings(temperature=1.0, top_k=50, top_p=1.0, max_new_tokens=tokens, seed=index)


def sessions_at_once(lm, count: int, tokens: int) -> dict[str, float]:
    """`count` threads generate through the pages' entry point; wall time, tokens and first-token times."""
    from genai_demo.text.generation import generate

    first_token: list[float] = [0.0] * count
    written: list[int] = [0] * count
    start_line = threading.Barrier(count + 1)

    def session(index: int) -> None:
        start_line.wait()
        time.sleep(index * STAGGER_S)
        clicked = time.perf_counter()
        for update in generate(lm, PROMPTS[index % len(PROMPTS)], [knobs(index, tokens)]):
            if not first_token[index] and update.token_ids[0]:
                first_token[index] = time.perf_counter() - clicked
            written[index] = len(update.token_ids[0])

    threads = [threading.Thread(target=session, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    start_line.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(first_token)
    return {"wall": wall, "tokens": sum(written), "ttft_p50": statistics.median(ordered),
            "ttft_p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]}


def one_batch(raw, tokenizer, count: int, tokens: int) -> float:
    """The same prompts as one left-padded batch in a single `model.generate` call: seconds."""
    import torch

    tokenizer.padding_side = "left"
    batch = tokenizer([PROMPTS[i % len(PROMPTS)] for i in range(count)], return_tensors="pt", padding=True)
    started = time.perf_counter()
    with torch.inference_mode():
        raw.generate(**batch, do_sample=True, top_k=50, top_p=1.0, temperature=1.0, max_new_tokens=tokens,
                     min_new_tokens=tokens, pad_token_id=tokenizer.eos_token_id)
    return time.perf_counter() - started


def products_alone(lm, repeats: int = 20) -> float:
    """Seconds for one row through every matrix product of the model's step, back to back with nothing between
    them: the weights' reading alone, the least any engine could spend on a one-learner step in this dtype."""
    import torch
    from transformers.pytorch_utils import Conv1D

    layers = [m for m in lm.model.modules() if isinstance(m, (torch.nn.Linear, Conv1D))]
    widths = [m.in_features if isinstance(m, torch.nn.Linear) else m.weight.shape[0] for m in layers]
    inputs = {width: torch.randn(1, width, dtype=lm.dtype, device=lm.model.device) for width in set(widths)}
    times = []
    with torch.inference_mode():
        for _ in range(repeats + 3):
            started = time.perf_counter()
            for layer, width in zip(layers, widths):
                layer(inputs[width])
            if lm.model.device.type == "cuda":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - started)
    return statistics.median(times[3:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--quick", action="store_true", help="N = 1 and 4, 16 tokens")
    parser.add_argument("--repeats", type=int, default=3, help="runs of one session alone (the median is the baseline)")
    args = parser.parse_args()
    if args.quick:
        args.tokens, args.sessions = 16, [1, 4]

    import torch
    from transformers import AutoModelForCausalLM

    from genai_demo.engine import kinds
    from genai_demo.engine.loader import load_model
    from tests.tiny_models import write_full_size_gpt2

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_full_size_gpt2(Path(tmp) / "gpt2-random")
        lm = load_model(kinds.TEXT, str(folder))
        raw = AutoModelForCausalLM.from_pretrained(folder, dtype=lm.dtype).eval()
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {lm.dtype}; full-size GPT-2 "
              f"architecture; {args.tokens} sampled tokens per session; engine batch cap {lm.engine.max_batch}")
        sessions_at_once(lm, 2, 4)  # warm-up: kernels, allocator
        one_batch(raw, lm.tokenizer, 2, 4)
        # One alone is the baseline of every ratio: the median of a few runs, taken in turns with plain generate,
        # so that a moment's noise on a shared machine does not move every row of the table.
        solos, raw_solos = [], []
        for _ in range(args.repeats):
            solos.append(sessions_at_once(lm, 1, args.tokens))
            raw_solos.append(one_batch(raw, lm.tokenizer, 1, args.tokens))
        solo = sorted(solos, key=lambda run: run["wall"])[len(solos) // 2]
        solo_rate = solo["tokens"] / solo["wall"]
        raw_solo = statistics.median(raw_solos)
        print(f"one session alone (median of {args.repeats}): {solo['wall']:.2f} s, {solo_rate:.0f} tok/s "
              f"(plain model.generate, 1 row: {args.tokens / raw_solo:.0f} tok/s -> app/plain "
              f"{solo_rate / (args.tokens / raw_solo):.2f})")
        floor = products_alone(lm)
        plain_step = raw_solo / args.tokens
        print(f"the step's matrix products alone, one row back to back: {floor * 1000:.1f} ms; plain generate spends "
              f"{plain_step * 1000:.1f} ms a token, so no engine in {lm.dtype} could be more than "
              f"{plain_step / floor:.2f}x plain here (this app: {solo['wall'] / args.tokens * 1000:.1f} ms a token)")
        print()
        print("| sessions | wall ÷ N-row batch | wall ÷ one alone | aggregate tok/s ÷ alone | "
              "first token p50 / p95 |")
        print("| --- | --- | --- | --- | --- |")
        for count in args.sessions:
            batch_s = one_batch(raw, lm.tokenizer, count, args.tokens)
            run = sessions_at_once(lm, count, args.tokens)
            rate = run["tokens"] / run["wall"]
            print(f"| {count} | {run['wall'] / batch_s:.2f} | {run['wall'] / solo['wall']:.2f} | "
                  f"{rate / solo_rate:.2f} | {run['ttft_p50'] * 1000:.0f} / {run['ttft_p95'] * 1000:.0f} ms |",
                  flush=True)
        print(f"\nlargest batch the engine ran: {lm.engine.largest_batch} rows")


if __name__ == "__main__":
    main()
