"""The app's engine beside a serving engine a deployer would pick instead: llama.cpp's `llama-server`, on the
same SmolLM2-135M-Instruct weights, on the same cores.

Three engines write for 1, 8 and 16 learners at once:
- the app's own engine (the model inside the app, float32, one continuous batch for every session);
- llama.cpp's server on the same weights in F32 (the very float32 values the app loads);
- llama.cpp's server on the same weights in Q8_0 (8-bit blocks, a quarter of the memory).
Every learner is a thread calling `genai_demo.text.generate`, the entry point the pages use; for the
servers that goes through the app's own client (GENAI_TEXT_SERVER), as in a class. Each learner asks for
`--tokens` sampled tokens of its own prompt, seeded. Reported: tokens/s, wall time, first token p50 / p95,
resident memory of the process holding the model (for the app, the whole Python process that would be the
Streamlit server), and each format's greedy agreement with transformers' own float32 `model.generate`
(texts identical out of 16, and the share of the tokens written before the first difference).

    python benchmarks/peers.py            # 1, 8, 16 learners; 64 tokens
    python benchmarks/peers.py --quick    # 1 and 8 learners; 16 tokens

Needs llama.cpp's server: `tools/build_llama_server.sh` (once). llama-server gets `--threads` = the cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from benchmarks.classroom import PROMPTS, sessions_at_once  # noqa: E402 - after the path is set

AGREEMENT_TOKENS = 48


def plain_greedy(folder: Path) -> list[list[int]]:
    """transformers' own float32 `model.generate`, greedy, one prompt at a time: the reference token ids."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    reference = []
    with torch.inference_mode():
        for prompt in PROMPTS:
            ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)["input_ids"]
            out = model.generate(ids, do_sample=False, max_new_tokens=AGREEMENT_TOKENS,
                                 pad_token_id=tokenizer.eos_token_id)
            reference.append(out[0, ids.shape[1]:].tolist())
    return reference


def agreement(lm, reference: list[list[int]]) -> tuple[int, float]:
    """Greedy texts identical to the reference (out of the prompts), and the share of all the reference's
    tokens that were written before each text's first difference."""
    from genai_demo.engine.sampling import SamplingSettings
    from genai_demo.text.generation import generate

    greedy = SamplingSettings(temperature=0.0, max_new_tokens=AGREEMENT_TOKENS)
    same, agreed, total = 0, 0, 0
    for prompt, expected in zip(PROMPTS, reference):
        *_, last = generate(lm, prompt, [greedy])
        ids = [i for i in last.token_ids[0] if i not in lm.end_ids]
        expected = [i for i in expected if i not in lm.end_ids]
        same += ids == expected
        agreed += next((n for n, (a, b) in enumerate(zip(ids, expected)) if a != b), min(len(ids), len(expected)))
        total += len(expected)
    return same, agreed / max(1, total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--learners", type=int, nargs="+", default=[1, 8, 16])
    parser.add_argument("--quick", action="store_true", help="1 and 8 learners, 16 tokens")
    args = parser.parse_args()
    if args.quick:
        args.tokens, args.learners = 16, [1, 8]

    import torch

    from genai_demo.config import TextServer
    from genai_demo.engine import kinds
    from genai_demo.engine.loader import load_model
    from genai_demo.engine.remote import load_remote_text_model
    from tests.llama_server import llama_binaries, llama_server, resident_mib, smollm2_as
    from tests.tiny_models import write_smollm2

    binaries = llama_binaries()
    if binaries is None:
        sys.exit("llama.cpp's server is not built: run tools/build_llama_server.sh first")
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as servers:
        folder = write_smollm2(Path(tmp) / "smollm2")
        reference = plain_greedy(folder)
        engines = {"app (float32, in-process)": load_model(kinds.TEXT, str(folder))}
        holder = {"app (float32, in-process)": os.getpid()}  # the process whose memory holds the model
        for number_format in ("F32", "Q8_0"):
            pid: list[int] = []
            url = servers.enter_context(llama_server(binaries, smollm2_as(number_format, Path(tmp), binaries),
                                                     Path(tmp) / f"{number_format}.log", parallel=max(args.learners),
                                                     threads=cores, pid=pid))
            name = f"llama.cpp server ({number_format})"
            engines[name] = load_remote_text_model(TextServer(base_url=url, model=str(folder)))
            holder[name] = pid[0]
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; llama-server --threads {cores}; "
              f"SmolLM2-135M-Instruct; {args.tokens} sampled tokens per learner (temperature 1, top-k 50)\n")
        print("| engine | learners | tokens/s | wall | first token p50 / p95 | tokens/s ÷ app's |")
        print("| --- | --- | --- | --- | --- | --- |")
        app_rate: dict[int, float] = {}
        for count in args.learners:
            for name, lm in engines.items():
                sessions_at_once(lm, min(count, 2), 4)  # warm-up: kernels, connections, slots
                run = sessions_at_once(lm, count, args.tokens)
                rate = run["tokens"] / run["wall"]
                app_rate.setdefault(count, rate)
                print(f"| {name} | {count} | {rate:.0f} | {run['wall']:.1f} s | {run['ttft_p50'] * 1000:.0f} / "
                      f"{run['ttft_p95'] * 1000:.0f} ms | {rate / app_rate[count]:.2f} |", flush=True)
        print(f"\n| engine | resident memory | greedy texts = transformers float32 ({AGREEMENT_TOKENS} tokens) | "
              "tokens written before the first difference |")
        print("| --- | --- | --- | --- |")
        for name, lm in engines.items():
            same, prefix = agreement(lm, reference)
            print(f"| {name} | {resident_mib(holder[name]):.0f} MiB | {same} / {len(PROMPTS)} | {prefix:.0%} |",
                  flush=True)


if __name__ == "__main__":
    main()
