"""How fast the Training playground can train and redraw: steps/s and view updates/s.

    python benchmarks/playground.py            # 2 hidden layers x 8 neurons, 500 points, 10 steps per frame
    python benchmarks/playground.py --quick    # fewer frames, to check it runs

A view update is what the page does per frame: train `steps-per-frame` steps, build the decision-region
and loss data, put them into the two ready Vega-Lite specs and convert them to Arrow (what
st.vega_lite_chart sends).
The browser's drawing is not included. Goal (issue 8): at least 5 view updates per second.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402
from streamlit.dataframe_util import convert_anything_to_arrow_bytes  # noqa: E402

from genai_demo.nets.playground import loss_frame, neuron_grids, new_run, points_frame, probability_grid  # noqa: E402
from genai_demo.ui.charts import with_data  # noqa: E402
from genai_demo.ui.nets.neurons import loss_chart, neuron_maps_chart, region_chart  # noqa: E402

GOAL_UPDATES_PER_S = 5.0


def measure(frames: int, steps_per_frame: int) -> dict[str, float]:
    run = new_run("spiral", 500, noise=0.1, hidden_layers=(8, 8), learning_rate=0.03, seed=0)
    points = points_frame(run.data)

    started = time.perf_counter()
    steps = frames * steps_per_frame
    run.train(steps)
    steps_per_s = steps / (time.perf_counter() - started)

    started = time.perf_counter()
    for _ in range(frames):
        run.train(steps_per_frame)
        region = region_chart(probability_grid(run.network), points)
        best = pd.DataFrame({"step": [run.best_validation_step()]})
        losses = with_data(loss_chart(), losses=loss_frame(run), best=best)
        maps = neuron_maps_chart(neuron_grids(run.network), 4)
        for spec in (region, losses, maps):  # what st.vega_lite_chart does with each dataset
            for frame in spec["datasets"].values():
                convert_anything_to_arrow_bytes(frame)
    updates_per_s = frames / (time.perf_counter() - started)
    return {"steps_per_s": steps_per_s, "updates_per_s": updates_per_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--steps-per-frame", type=int, default=10)
    args = parser.parse_args()
    frames = 5 if args.quick else 40

    loss_chart()  # build the spec templates once, as the page does on its first frame
    result = measure(frames, args.steps_per_frame)
    print(f"network 2x8, 500 points (350 train), {args.steps_per_frame} steps per frame, {frames} frames")
    print(f"training steps/s (step + both losses): {result['steps_per_s']:.0f}")
    print(f"view updates/s (train + region, loss and hidden-neuron charts): {result['updates_per_s']:.1f}"
          f"   goal {GOAL_UPDATES_PER_S:.0f}/s   ratio {result['updates_per_s'] / GOAL_UPDATES_PER_S:.2f}x")
    frame_s = 1 / result["updates_per_s"]
    train_only_s = args.steps_per_frame / result["steps_per_s"]  # the baseline: the same steps, no view
    print(f"a frame with its view / the same {args.steps_per_frame} steps without one: {frame_s / train_only_s:.2f}x")


if __name__ == "__main__":
    main()
