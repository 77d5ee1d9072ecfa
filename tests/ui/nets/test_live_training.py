"""genai_demo.ui.nets.live_training: one frame of the live Play/Pause loop trains for about its time and
never past its step budget."""

from __future__ import annotations

from genai_demo.nets.gan import trainer_for
from genai_demo.ui.nets.live_training import LiveState, train_one_frame


def test_one_frame_trains_for_about_its_time_and_learns_the_speed():
    trainer = trainer_for("healthy")
    state = LiveState(playing=True)
    done = train_one_frame(trainer, state, seconds=0.2)
    assert done == trainer.step > 0 and state.steps_per_second > 0
    again = train_one_frame(trainer, state, seconds=0.2)
    assert again > 1  # the second frame trains in chunks sized from the measured speed


def test_a_step_budget_is_never_overshot():
    trainer = trainer_for("healthy")
    state = LiveState(playing=True, steps_left=7, steps_per_second=1e6)  # a speed that would ask for far more
    assert train_one_frame(trainer, state, seconds=5.0) == 7
    assert trainer.step == 7 and state.steps_left == 0
