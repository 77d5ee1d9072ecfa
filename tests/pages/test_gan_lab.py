"""AppTest for the GAN lab: 2-D points and digit images, both trained through the one Play/Pause loop."""

from __future__ import annotations

from genai_demo.ui.nets.gan_lab import GanPointsLab
from genai_demo.ui.nets.live_training import LiveLab
from tests.conftest import run_page
from tests.helpers import kept_keys, train_until_paused, widget_keys


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_points_train_steps_and_explain_each_update(app_env):
    at = run_page("gan_lab.py")
    assert not at.exception
    assert metric(at, "Training step") == "0"
    start = float(metric(at, "Distance to target"))

    at.number_input(key="gan_lab_steps").set_value(60)
    at.button(key="gan_lab_train").click().run()
    train_until_paused(at, "gan_lab")
    assert not at.exception
    assert metric(at, "Training step") == "60"
    assert float(metric(at, "Distance to target")) < start
    assert len(at.session_state["gan_lab_lab"].trainer.history) == 60

    at.toggle(key="gan_lab_step_by_step").set_value(True).run()
    at.button(key="gan_lab_d_step").click().run()
    assert any("The **discriminator** looked at" in m.value for m in at.markdown)
    assert at.button(key="gan_lab_d_step").disabled and not at.button(key="gan_lab_g_step").disabled
    at.button(key="gan_lab_g_step").click().run()
    assert any("The **generator** moved" in m.value for m in at.markdown)
    assert metric(at, "Training step") == "61"

    at.button(key="gan_lab_reset").click().run()
    assert metric(at, "Training step") == "0"
    assert not any("The **generator** moved" in m.value for m in at.markdown)


def test_play_trains_on_each_tick_and_pause_stops_it(app_env):
    at = run_page("gan_lab.py")
    at.button(key="gan_lab_play").click().run()
    assert at.session_state["gan_lab_lab"].live.playing
    first = at.session_state["gan_lab_lab"].trainer.step
    at.run()
    second = at.session_state["gan_lab_lab"].trainer.step
    assert 0 < first < second  # each tick of the timer trains more
    assert at.button(key="gan_lab_pause")  # the Play button has become Pause
    at.button(key="gan_lab_pause").click().run()
    paused = at.session_state["gan_lab_lab"].trainer.step
    at.run()
    at.run()
    assert at.session_state["gan_lab_lab"].trainer.step == paused
    assert not at.session_state["gan_lab_lab"].live.playing and at.button(key="gan_lab_play")


def test_mode_collapse_preset_sets_its_knobs_and_a_link_reproduces_them(app_env):
    at = run_page("gan_lab.py")
    at.selectbox(key="gan_lab_preset").select("mode collapse").run()
    assert not at.exception
    assert at.selectbox(key="gan_lab_target").value == "blobs"
    assert at.session_state["gan_lab_lab"].trainer.config.noise_dim == 1

    linked = run_page("gan_lab.py", link={"gan_lab_preset": "mode collapse", "gan_lab_target": "blobs",
                                          "gan_lab_glr": "0.02", "gan_lab_dlr": "0.0005", "gan_lab_seed": "3"})
    assert not linked.exception
    config = linked.session_state["gan_lab_lab"].trainer.config
    assert (config.target, config.noise_dim, config.generator_lr, config.seed) == ("blobs", 1, 0.02, 3)


def test_bad_inputs_and_links_show_messages(app_env):
    at = run_page("gan_lab.py")
    at.number_input(key="gan_lab_glr").set_value(0.0).run()
    assert any("above 0" in w.value for w in at.warning) and not at.exception

    at.number_input(key="gan_lab_glr").set_value(5.0).run()
    assert any("too large" in w.value for w in at.warning)

    at.number_input(key="gan_lab_glr").set_value(1.0).run()  # allowed, but it blows up
    assert any("large" in i.value for i in at.info)
    at.number_input(key="gan_lab_steps").set_value(50)
    at.button(key="gan_lab_train").click().run()
    train_until_paused(at, "gan_lab")
    assert not at.exception
    assert any("learning rate is too large" in e.value for e in at.error)
    assert not any("nan" in m.value.lower() for m in at.metric)

    linked = run_page("gan_lab.py", link={"gan_lab_seed": "-5", "gan_lab_target": "<b>square</b>"})
    assert not linked.exception
    assert linked.session_state["gan_lab_lab"].trainer.config.seed == 0
    assert linked.session_state["gan_lab_lab"].trainer.config.target == "ring"
    assert len(linked.toast) == 2  # one notice per bad link value


def test_digit_images_train_and_show_a_sheet_judged_live(app_env):
    at = run_page("gan_lab.py", link={"gan_lab_mode": "Digit images"})
    assert not at.exception
    assert metric(at, "Training step") == "0" and metric(at, "Recognised") == "0/64"
    assert at.get("image") and any("same 64 noise inputs" in c.value for c in at.caption)
    at.number_input(key="gan_lab_digits_steps").set_value(30)
    at.button(key="gan_lab_digits_train").click().run()
    train_until_paused(at, "gan_lab_digits")
    assert not at.exception
    trainer = at.session_state["gan_lab_digits_lab"].trainer
    assert trainer.step == 30 and len(trainer.history) == 30
    assert metric(at, "Training step") == "30"
    assert metric(at, "Real digits judged real").endswith("%")


def test_play_left_running_pauses_itself_with_a_notice(app_env):
    at = run_page("gan_lab.py")
    at.button(key="gan_lab_play").click().run()
    at.session_state["gan_lab_lab"].live.started -= 10_000  # as if the tab had been forgotten for hours
    at.run()
    assert not at.session_state["gan_lab_lab"].live.playing
    assert any("Paused after" in i.value for i in at.info)


def test_each_lab_keeps_one_state_object_and_reset_forgets_it(app_env):
    """Besides its widgets the 2-D lab keeps one GanPointsLab (trainer, loop, step-by-step updates) under
    gan_lab_lab, and the digits lab one LiveLab under gan_lab_digits_lab; Reset starts a fresh one."""
    at = run_page("gan_lab.py")
    widgets = widget_keys(at)
    at.number_input(key="gan_lab_steps").set_value(20)
    at.button(key="gan_lab_train").click().run()
    train_until_paused(at, "gan_lab")
    at.toggle(key="gan_lab_step_by_step").set_value(True).run()
    at.button(key="gan_lab_d_step").click().run()
    widgets |= widget_keys(at)
    points = at.session_state["gan_lab_lab"]
    assert isinstance(points, GanPointsLab) and points.trainer.step == 20
    assert (points.last_update.player, points.next_player) == ("discriminator", "generator")
    assert kept_keys(at, "gan_lab", widgets) == {"gan_lab_lab"}

    at.button(key="gan_lab_reset").click().run()
    widgets |= widget_keys(at)
    fresh = at.session_state["gan_lab_lab"]
    assert fresh is not points and fresh.trainer.step == 0 and not fresh.live.playing
    assert (fresh.last_update, fresh.next_player) == (None, "discriminator")
    assert metric(at, "Training step") == "0"
    assert not at.button(key="gan_lab_d_step").disabled and at.button(key="gan_lab_g_step").disabled
    assert kept_keys(at, "gan_lab", widgets) == {"gan_lab_lab"}

    digits = run_page("gan_lab.py", link={"gan_lab_mode": "Digit images"})
    widgets = widget_keys(digits)
    digits.number_input(key="gan_lab_digits_steps").set_value(2)
    digits.button(key="gan_lab_digits_train").click().run()
    train_until_paused(digits, "gan_lab_digits")
    widgets |= widget_keys(digits)
    assert type(digits.session_state["gan_lab_digits_lab"]) is LiveLab
    assert digits.session_state["gan_lab_digits_lab"].trainer.step == 2
    assert kept_keys(digits, "gan_lab", widgets) == {"gan_lab_digits_lab"}
