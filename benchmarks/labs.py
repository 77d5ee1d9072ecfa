"""GAN and VAE labs: time to a recognisable result, and view updates per second while training.

    python benchmarks/labs.py            # full run (goals: result within 30 s, >= 2 view updates/s)
    python benchmarks/labs.py --quick    # a few seconds, only to prove the script works

Each "frame" is what the page's live loop does on each tick of its timer: train for about
TRAIN_SECONDS (`train_one_frame`, the same function the page uses), then build every chart and picture
of the view. Targets:
GAN on the ring: energy distance to the target < 0.03 and >= 90 % of real points covered.
GAN on the digits: "recognisable digits", measured by `gan_digits.DigitJudge` (a softmax classifier
trained on the real digits only, ~97 % right on held-out real digits): at least RECOGNISABLE_SHARE of the
64-drawing sheet is recognised (judge >= 90 % sure and the drawing as close to some real digit as real
digits are to each other), covering >= RECOGNISABLE_CLASSES different digits. Sheets of real digits are
scored the same way for reference.
VAE on the digits: reconstruction loss < 21.5 per digit (the level where reconstructions read clearly).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from streamlit.dataframe_util import convert_anything_to_arrow_bytes  # noqa: E402

from genai_demo.nets.gan import trainer_for  # noqa: E402
from genai_demo.nets.gan_digits import (  # noqa: E402
    GRID,
    RECOGNISABLE_CLASSES,
    RECOGNISABLE_SHARE,
    digit_trainer_for,
    judge,
)
from genai_demo.nets.vae import VaeConfig, VaeTrainer, digits  # noqa: E402
from genai_demo.ui.nets.labs import digit_sheet, gan_field_chart, loss_chart  # noqa: E402
from genai_demo.ui.nets.live_training import LiveState, train_one_frame  # noqa: E402

GOAL_SECONDS = 30.0
GOAL_FRAMES_PER_SECOND = 2.0
GAN_DISTANCE, GAN_COVERAGE = 0.03, 0.90
VAE_RECONSTRUCTION = 21.5


def run(name: str, trainer, draw, reached, budget: float) -> float:
    """Train live until `reached()` is true or `budget` seconds pass; print the result against the goals.

    Returns the seconds it took."""
    start = time.perf_counter()
    frames = steps = 0
    frame_times: list[float] = []
    state = LiveState()
    while time.perf_counter() - start < budget:
        began = time.perf_counter()
        before = trainer.step
        train_one_frame(trainer, state)
        draw()
        frames, steps = frames + 1, steps + trainer.step - before
        frame_times.append(time.perf_counter() - began)
        if reached():
            break
    seconds = time.perf_counter() - start
    done = reached()
    rate = frames / seconds
    print(f"{name}: {'reached' if done else 'NOT reached'} after {seconds:.1f} s ({steps} steps); "
          f"goal < {GOAL_SECONDS:.0f} s -> {'ok' if done and seconds < GOAL_SECONDS else 'MISSED'}")
    print(f"{name}: {rate:.1f} view updates/s (slowest frame: {1 / max(frame_times):.1f}/s); "
          f"goal >= {GOAL_FRAMES_PER_SECOND:.0f}/s -> {'ok' if rate >= GOAL_FRAMES_PER_SECOND else 'MISSED'}")
    return seconds


def headless_seconds(name: str, trainer, reached, live_seconds: float, budget: float) -> None:
    """The baseline: the same training from the same seed with no view at all, checked every 50 steps."""
    start = time.perf_counter()
    while not reached(trainer) and time.perf_counter() - start < budget:
        trainer.train(50)
    seconds = time.perf_counter() - start
    print(f"{name}: without the live view the target takes {seconds:.1f} s ({trainer.step} steps, checked every 50); "
          f"live / no view: {live_seconds / seconds:.2f}x")


def gan(budget: float) -> None:
    trainer = trainer_for("healthy", target="ring", seed=0)

    def draw() -> None:
        for frame in gan_field_chart(trainer)["datasets"].values():  # what st.vega_lite_chart sends
            convert_anything_to_arrow_bytes(frame)
        loss_chart(trainer.history, {"discriminator": "green", "generator": "purple"}).to_dict()
        trainer.distance(), trainer.coverage()

    def reached() -> bool:
        return trainer.distance() < GAN_DISTANCE and trainer.coverage() >= GAN_COVERAGE

    live = run("GAN ring", trainer, draw, reached, budget)
    headless_seconds("GAN ring", trainer_for("healthy", target="ring", seed=0),
                     lambda t: t.distance() < GAN_DISTANCE and t.coverage() >= GAN_COVERAGE, live, budget)
    print(f"GAN ring: distance {trainer.distance():.3f} (target < {GAN_DISTANCE}), "
          f"coverage {trainer.coverage():.0%} (target >= {GAN_COVERAGE:.0%})")


def gan_digits(budget: float) -> None:
    trainer = digit_trainer_for("healthy", seed=0)
    judge()  # built once per process (the page shares it too), not counted as training time

    def draw() -> None:
        judgement = trainer.judgement()
        digit_sheet(trainer.sheet(), judgement.recognised)
        loss_chart(trainer.history, {"discriminator": "green", "generator": "purple"}).to_dict()
        trainer.scores(), trainer.collapsed()

    live = run("GAN digits", trainer, draw, lambda: trainer.judgement().recognisable, budget)
    headless_seconds("GAN digits", digit_trainer_for("healthy", seed=0), lambda t: t.judgement().recognisable,
                     live, budget)
    judgement = trainer.judgement()
    images, _ = digits()
    real = [judge().judge(images[start:start + GRID]).share for start in range(0, len(images) - GRID, 300)]
    print(f"GAN digits: {int(judgement.recognised.sum())} of {GRID} drawings recognised ({judgement.share:.0%}, "
          f"target >= {RECOGNISABLE_SHARE:.0%}), {judgement.classes} different digits (target >= "
          f"{RECOGNISABLE_CLASSES}); sheets of real digits: {np.mean(real):.0%} recognised")


def vae(budget: float) -> None:
    import altair as alt
    import pandas as pd

    trainer = VaeTrainer(VaeConfig(seed=0))

    def draw() -> None:
        codes = trainer.encode()
        trainer.evaluate()
        alt.Chart(pd.DataFrame({"z1": codes[:, 0], "z2": codes[:, 1], "digit": trainer.labels})).mark_circle().encode(
            x="z1", y="z2", color="digit:N").to_dict()
        loss_chart(trainer.history, {"reconstruction": "blue", "kl": "orange"}).to_dict()

    def reached() -> bool:
        return trainer.evaluate().reconstruction < VAE_RECONSTRUCTION

    live = run("VAE digits", trainer, draw, reached, budget)
    headless_seconds("VAE digits", VaeTrainer(VaeConfig(seed=0)),
                     lambda t: t.evaluate().reconstruction < VAE_RECONSTRUCTION, live, budget)
    losses = trainer.evaluate()
    error = np.mean([np.abs(np.subtract(*trainer.reconstruct(i))).mean() for i in range(0, 1797, 10)])
    print(f"VAE digits: reconstruction loss {losses.reconstruction:.2f} (target < {VAE_RECONSTRUCTION}), "
          f"mean pixel error {error:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 s per lab: proves the script runs, not the goals")
    parser.add_argument("labs", nargs="*", help=f"which labs: {', '.join(LABS)} (default: all)")
    args = parser.parse_args()
    unknown = set(args.labs) - set(LABS)
    if unknown:
        parser.error(f"unknown lab(s): {', '.join(sorted(unknown))}; choose from {', '.join(LABS)}")
    args.labs = args.labs or list(LABS)
    budget = 3.0 if args.quick else 2 * GOAL_SECONDS
    for lab in args.labs:
        LABS[lab](budget)


LABS = {"gan": gan, "gan_digits": gan_digits, "vae": vae}

if __name__ == "__main__":
    main()
