"""N sessions writing at once through a serving engine vs through the app's in-process engine.

Each session is a thread calling `genai_demo.text.generate` (the pages' entry point) for a sampled
continuation of its own prompt, as in `classroom.py`. The same model folder (full-size GPT-2
architecture with random weights by default, `--tiny` for the 2-layer test model) is written with
  - the in-process engine (the app without GENAI_TEXT_SERVER), the baseline, measured in the same run;
  - a real `transformers serve` on loopback (CPU), through the openai client (the app with
    GENAI_TEXT_SERVER); `--continuous-batching` turns on the server's own batching.
Both run on the same machine, so the ratio shows the cost of the HTTP/streaming path and of the
server's scheduling, not the gain of a GPU server. Tokens on the server side are counted by
re-tokenizing the streamed text (the server sends text).

    python benchmarks/serving.py                     # N = 1, 8, 16; 32 tokens
    python benchmarks/serving.py --tiny --tokens 16  # quick
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 8, 16])
    parser.add_argument("--tiny", action="store_true", help="the 2-layer test model instead of GPT-2's size")
    parser.add_argument("--continuous-batching", action="store_true", help="transformers serve's own batching")
    args = parser.parse_args()

    import torch

    from benchmarks.classroom import sessions_at_once
    from genai_demo.config import TextServer
    from genai_demo.engine import kinds
    from genai_demo.engine.loader import load_model
    from genai_demo.engine.remote import load_remote_text_model
    from tests.text_server import sample_by_default, text_server
    from tests.tiny_models import write_full_size_gpt2, write_tiny_gpt2

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "model"
        write_tiny_gpt2(folder) if args.tiny else write_full_size_gpt2(folder)
        sample_by_default(folder)
        local = load_model(kinds.TEXT, str(folder))
        with text_server(folder, Path(tmp) / "serve.log", args.continuous_batching, threads=None) as url:
            served = load_remote_text_model(TextServer(url, str(folder), timeout_s=600))
            print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
                  f"{'tiny 2-layer' if args.tiny else 'full-size'} GPT-2 architecture; {args.tokens} sampled "
                  f"tokens per session; transformers serve on loopback, continuous batching "
                  f"{'on' if args.continuous_batching else 'off'}; in-process batch cap {local.engine.max_batch}")
            for lm in (local, served):
                sessions_at_once(lm, 2, 4)  # warm-up: kernels, allocator, connections
            print()
            print("| sessions | in-process wall | in-process tok/s | server wall | server tok/s | "
                  "server ÷ in-process (wall) |")
            print("| --- | --- | --- | --- | --- | --- |")
            for count in args.sessions:
                inside = sessions_at_once(local, count, args.tokens)
                remote = sessions_at_once(served, count, args.tokens)
                print(f"| {count} | {inside['wall']:.2f} s | {inside['tokens'] / inside['wall']:.0f} | "
                      f"{remote['wall']:.2f} s | {remote['tokens'] / remote['wall']:.0f} | "
                      f"{remote['wall'] / inside['wall']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
