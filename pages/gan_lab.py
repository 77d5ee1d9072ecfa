"""GAN lab: a generator and a discriminator trained live against each other, on 2-D points and on handwritten
digits (genai_demo.nets.gan, nets.gan_digits, ui.nets.labs)."""

from dataclasses import replace

import streamlit as st

from genai_demo.config import settings
from genai_demo.nets.gan import PRESETS, TARGETS, GanConfig, GanTrainer, TrainingDiverged
from genai_demo.nets.gan_digits import (
    COLLAPSE_DIVERSITY,
    RECOGNISABLE_CLASSES,
    RECOGNISABLE_SHARE,
    DigitGanTrainer,
)
from genai_demo.nets.gan_digits import PRESETS as DIGIT_PRESETS
from genai_demo.ui.charts import show_chart
from genai_demo.ui.colours import FAKE, REAL
from genai_demo.ui.inputs import PageInputs
from genai_demo.ui.layout import page_intro, presenter_mode
from genai_demo.ui.nets.gan_lab import GanPointsLab
from genai_demo.ui.nets.labs import digit_sheet, gan_field_chart, loss_chart
from genai_demo.ui.nets.live_training import lab, live_training, session_trainer

page = page_intro(
    "gan_lab",
    "A **GAN** (generative adversarial network) is two networks in a contest. The **generator** turns random "
    "noise into fake samples; the **discriminator** looks at a sample and guesses *real* or *fake*. Each "
    "learns from the other's mistakes until the fakes are hard to tell apart. Start with 2-D points, where "
    "you can watch the whole contest on one chart, then switch to handwritten digits.",
)

LIMIT = settings().limits.max_train_steps
LOSSES = {"discriminator": REAL, "generator": FAKE}
MODES = ("2-D points", "Digit images")


def load_preset(inputs: PageInputs, presets: dict, fields: dict[str, str]) -> None:
    """A preset writes its values into the knobs it sets (callbacks run before the widgets are drawn)."""
    chosen = presets[st.session_state[inputs.key("preset")]]
    for name, attribute in fields.items():
        st.session_state[inputs.key(name)] = getattr(chosen, attribute)


def learning_rates(inputs: PageInputs, base) -> tuple[float, float]:
    g_col, d_col = st.columns(2)
    with g_col:
        g_lr = inputs.number("Generator learning rate", "glr", 0.0, 10.0, base.generator_lr, 0.0005, format="%.4f")
    with d_col:
        d_lr = inputs.number("Discriminator learning rate", "dlr", 0.0, 10.0, base.discriminator_lr, 0.0005,
                             format="%.4f")
    return float(g_lr), float(d_lr)


def warn_if_large(*rates: float) -> None:
    if max(rates) > 0.05:
        st.info("That learning rate is large. Watch for samples that jump around instead of settling, or for "
                "training to stop with a message: big steps overshoot.", icon=":material/speed:")


# --- 2-D points ---------------------------------------------------------------------------------------

EXPLAIN = {
    "discriminator": "The **discriminator** looked at {batch} real and {batch} generated points and nudged its "
                     "weights so it says *real* more often on real points and *fake* on generated ones. Its loss "
                     "went from **{before:.3f}** to **{after:.3f}**. It now gives real points a mean "
                     "P(real) of **{real:.2f}** and generated points **{fake:.2f}**. The background colours moved.",
    "generator": "The **generator** moved its points along the arrows: towards places the discriminator colours "
                 "green (*real*). It never sees a real point; the discriminator's judgement is its only teacher. "
                 "Its loss went from **{before:.3f}** to **{after:.3f}**, and the discriminator now gives its points "
                 "a mean P(real) of **{fake:.2f}**.",
}


def draw_points(trainer: GanTrainer) -> None:
    field_col, side_col = st.columns([3, 2]) if presenter_mode() else (st.container(), st.container())
    with field_col:
        st.caption(":green[●] real points · :violet[●] generated points · background: the discriminator's "
                   "verdict (green *real*, purple *fake*, white *unsure*) · arrows: where the generator is pushed")
        show_chart(gan_field_chart(trainer), width="content")
    with side_col:
        steps_m, distance_m, coverage_m = st.columns(3)
        steps_m.metric("Training step", trainer.step)
        distance_m.metric("Distance to target", f"{trainer.distance():.3f}",
                          help="Energy distance between real and generated points: 0 means same distribution.")
        coverage_m.metric("Real points covered", f"{trainer.coverage():.0%}",
                          help="Share of real points with a generated point within 0.15: low means missed modes.")
        st.markdown("**Losses** (about 1.39 for the discriminator and 0.69 for the generator when neither wins)")
        show_chart(loss_chart(trainer.history, LOSSES), width="stretch")


def update_one_player(player: str) -> None:
    # A callback runs before the page is drawn, so the chart and the buttons already show the new state.
    points = lab(page, GanPointsLab)
    try:
        report = points.trainer.single_update(player)
    except TrainingDiverged:
        return  # the trainer keeps the message; the view shows it
    points.last_update = report
    points.next_player = "generator" if player == "discriminator" else "discriminator"


def step_by_step(batch: int) -> None:
    points = lab(page, GanPointsLab)  # a trainer that Reset replaced took its reports with it
    next_player = points.next_player
    d_col, g_col = st.columns(2)
    d_col.button("1 · Update the discriminator", key=page.key("d_step"), disabled=next_player != "discriminator",
                 on_click=update_one_player, args=("discriminator",), width="stretch")
    g_col.button("2 · Update the generator", key=page.key("g_step"), disabled=next_player != "generator",
                 on_click=update_one_player, args=("generator",), width="stretch")
    report = points.last_update
    if report:
        st.markdown(EXPLAIN[report.player].format(batch=batch, before=report.loss_before, after=report.loss_after,
                                                  real=report.real_score, fake=report.fake_score))
    else:
        st.caption("Press **1** to let the discriminator learn once, then **2** for the generator. Each press "
                   "is one update of one network, explained here.")


def points_lab() -> None:
    preset_col, target_col, seed_col = st.columns([1.2, 1, 0.8])
    fields = {"target": "target", "glr": "generator_lr", "dlr": "discriminator_lr", "dsteps": "discriminator_steps"}
    with preset_col:
        preset = page.choice("Preset", "preset", list(PRESETS), "healthy", on_change=load_preset,
                             args=(page, PRESETS, fields),
                             help="'healthy': balanced players. 'mode collapse': a generator that learns much "
                                  "faster than the discriminator, with a one-number noise input.")
    base = PRESETS[preset]
    with target_col:
        target = page.choice("Target distribution", "target", TARGETS, base.target)
    with seed_col:
        seed = page.seed("Seed", "seed", 0)
    with st.expander("Learning rates and network details"):
        g_lr, d_lr = learning_rates(page, base)
        d_steps = page.number("D updates per G update", "dsteps", 1, 10, base.discriminator_steps, 1)
        st.caption(f"Noise input: {base.noise_dim} number(s) per point · both networks: 2 hidden layers of "
                   f"{base.hidden} neurons · {base.batch} real and {base.batch} fake points per update.")
    try:
        config = GanConfig(target=target, noise_dim=base.noise_dim, hidden=base.hidden, generator_lr=g_lr,
                           discriminator_lr=d_lr, discriminator_steps=int(d_steps), batch=base.batch,
                           seed=seed).validated()
    except ValueError as error:
        st.warning(str(error), icon=":material/warning:")
        return
    warn_if_large(config.generator_lr, config.discriminator_lr)
    trainer = session_trainer(page, config, lambda: GanTrainer(config), GanPointsLab)
    stepping = page.toggle("Step by step: one discriminator update, then one generator update", "step_by_step")
    live_training(page, trainer, draw_points, default_steps=500, limit=LIMIT)
    if stepping and not trainer.diverged:
        step_by_step(config.batch)


# --- digit images -------------------------------------------------------------------------------------


def draw_digits(trainer: DigitGanTrainer) -> None:
    judgement, scores = trainer.judgement(), trainer.scores()
    sheet_col, side_col = st.columns([1.1, 1], gap="medium")
    with sheet_col:
        st.image(digit_sheet(trainer.sheet(), judgement.recognised if trainer.step else None), width="stretch",
                 output_format="PNG")
        st.caption("The generator's drawings for the same 64 noise inputs at every step, so every change is "
                   "learning. :green[Green frame]: the judge recognises the digit.")
    with side_col:
        step_m, share_m, classes_m = st.columns(3)
        step_m.metric("Training step", trainer.step)
        share_m.metric("Recognised", f"{int(judgement.recognised.sum())}/64",
                       help="Judged by a classifier trained on the real digits only, and close to some real digit. "
                            "A sheet of real digits scores about 55 of 64.")
        classes_m.metric("Digits seen", judgement.classes, help="How many different digits are among the recognised "
                                                              "drawings.")
        real_m, fake_m = st.columns(2)
        real_m.metric("Real digits judged real", f"{scores.real:.0%}",
                      help="The discriminator's mean probability 'real' on 256 real digits.")
        fake_m.metric("Drawings judged real", f"{scores.fake:.0%}",
                      help="The discriminator's mean probability 'real' on the 64 drawings of the sheet.")
        st.markdown("**Losses** (the players fight, so the curves wobble)")
        show_chart(loss_chart(trainer.history, LOSSES, height=170), width="stretch")
    # One message in one place, so the view does not jump while it redraws during training.
    if trainer.collapsed():
        st.warning(
            f"**Mode collapse.** The drawings are {trainer.diversity():.0%} as varied as real digits "
            f"(below {COLLAPSE_DIVERSITY:.0%} counts as collapse) or show at most a few different digits. The "
            "generator found a few pictures that fool the discriminator and now draws them whatever the noise "
            "says: it is rewarded for fooling, never for variety. When the discriminator catches on, it jumps to "
            "another favourite instead of spreading out.", icon=":material/warning:")
    elif judgement.recognisable:
        st.success(f"Recognisable digits: the judge reads {judgement.share:.0%} of the sheet as {judgement.classes} "
                   "different digits.", icon=":material/check_circle:")
    else:
        st.caption(f"Not recognisable yet: the sheet counts as digits once {RECOGNISABLE_SHARE:.0%} of it is "
                   f"recognised, covering {RECOGNISABLE_CLASSES} or more different digits.")


def digits_lab() -> None:
    digits_page = PageInputs("gan_lab_digits")
    preset_col, seed_col = st.columns([2, 1])
    with preset_col:
        preset = digits_page.choice("Preset", "preset", list(DIGIT_PRESETS), "healthy", on_change=load_preset,
                                    args=(digits_page, DIGIT_PRESETS, {"glr": "generator_lr",
                                                                       "dlr": "discriminator_lr"}),
                                    help="'mode collapse': the generator gets five updates for each update of a "
                                         "slower discriminator.")
    base = DIGIT_PRESETS[preset]
    with seed_col:
        seed = digits_page.seed("Seed", "seed", 0)
    with st.expander("Learning rates and network details"):
        g_lr, d_lr = learning_rates(digits_page, base)
        st.caption(f"Noise input: {base.noise_dim} numbers per drawing · generator and discriminator: 2 hidden "
                   f"layers of {base.hidden} neurons · {base.batch} real and {base.batch} drawn digits per update · "
                   f"{base.generator_steps} generator update(s) per discriminator update.")
    try:
        config = replace(base, generator_lr=g_lr, discriminator_lr=d_lr, seed=seed).validated()
    except ValueError as error:
        st.warning(str(error), icon=":material/warning:")
        return
    warn_if_large(config.generator_lr, config.discriminator_lr)
    trainer = session_trainer(digits_page, config, lambda: DigitGanTrainer(config))
    live_training(digits_page, trainer, draw_digits, default_steps=1000, limit=LIMIT)
    with st.expander("How is 'recognised' decided?"):
        st.markdown(
            "A separate judge, trained only on the 1,797 real digits, looks at each drawing. It counts as "
            "recognised when the judge is at least 90% sure which digit it is **and** the drawing is about as "
            "close to some real digit as real digits are to each other (pixel by pixel). Blurry averages and "
            f"scribbles fail the second test. The sheet reads as *recognisable digits* once at least "
            f"{RECOGNISABLE_SHARE:.0%} of it is recognised, covering at least {RECOGNISABLE_CLASSES} different "
            "digits. Real digits pass about 86% of the time.")


mode = page.choice("What the GAN makes", "mode", MODES, MODES[0], widget=st.segmented_control)
if mode == MODES[0]:
    points_lab()
else:
    digits_lab()

# --- explanations ---------------------------------------------------------------------------------

with st.expander("How to read the 2-D chart"):
    st.markdown(
        "- **Green dots** are real samples from the target; **purple dots** are the generator's fakes.\n"
        "- The **background** is the discriminator's opinion of every spot: green means *looks real*, purple "
        "*looks fake*, white *cannot tell*.\n"
        "- The **arrows** start at generated points and show where the generator's loss pushes them (the "
        "negative gradient of its loss with respect to each point). They point uphill in greenness.\n"
        "- The **losses** are not a progress bar: the two players fight, so the curves wobble. When both hover "
        "near their stand-off values (about 1.39 for the discriminator, 0.69 for the generator) neither is "
        "winning, which is what you want."
    )
with st.expander("Why GANs are hard to train: mode collapse"):
    st.markdown(
        "The generator is only rewarded for fooling the current discriminator, never for **variety**. If one "
        "spot fools it, the generator can send every point there. The discriminator then learns that spot is "
        "fake, the generator jumps to another one, and the chase goes round in circles: **mode collapse**. "
        "The 'mode collapse' presets make this likely on purpose: a generator learning far faster than its "
        "critic, with a single noise number. With points, *Real points covered* stays at about a third; with "
        "digits, the sheet fills with copies of one or two shapes."
    )
with st.expander("From dots to pictures"):
    st.markdown(
        "An image GAN plays exactly this game, only each sample has one coordinate per pixel: 64 for these "
        "digits, millions for a photo. StyleGAN's faces came from a generator and a discriminator trained this "
        "way on photos. Diffusion models have replaced GANs for most image generation because they train more "
        "stably and cover every mode; see **Model families**."
    )
st.page_link("pages/model_families.py", label="Compare GANs with VAEs, diffusion and LLMs", icon=":material/category:")
