import streamlit as st

from genai_demo.config import settings
from genai_demo.gan import PRESETS, TARGETS, GanConfig, GanTrainer, TrainingDiverged
from genai_demo.ui.labs import FAKE_COLOR, REAL_COLOR, gan_field_chart, lab_trainer, loss_chart, run_training
from genai_demo.ui.layout import page_intro, presenter_mode

page_intro(
    "gan_lab",
    "A **GAN** (generative adversarial network) is two networks in a contest. The **generator** turns random "
    "noise into fake samples; the **discriminator** looks at a sample and guesses *real* or *fake*. Each "
    "learns from the other's mistakes until the fakes are hard to tell apart. Here the samples are 2-D "
    "points, so you can watch the whole contest on one chart.",
)

LIMIT = settings().limits.max_train_steps
TRAINER = "gan_lab_trainer"  # where lab_trainer keeps it

# --- settings -------------------------------------------------------------------------------------

preset_col, target_col, seed_col = st.columns([1.2, 1, 0.8])
preset = preset_col.selectbox("Preset", list(PRESETS), key="gan_lab_preset",
                              help="'healthy': balanced players. 'mode collapse': a generator that learns much "
                                   "faster than the discriminator, with a one-number noise input.")
base = PRESETS[preset]
target = target_col.selectbox("Target distribution", TARGETS, index=TARGETS.index(base.target),
                              key=f"gan_lab_target_{preset}")
seed = seed_col.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1, key="gan_lab_seed")

with st.expander("Learning rates and network details"):
    g_col, d_col, k_col = st.columns(3)
    generator_lr = g_col.number_input("Generator learning rate", min_value=0.0, max_value=10.0, value=base.generator_lr,
                                      step=0.0005, format="%.4f", key=f"gan_lab_glr_{preset}")
    discriminator_lr = d_col.number_input("Discriminator learning rate", min_value=0.0, max_value=10.0,
                                          value=base.discriminator_lr, step=0.0005, format="%.4f",
                                          key=f"gan_lab_dlr_{preset}")
    d_steps = k_col.number_input("D updates per G update", min_value=1, max_value=10, value=base.discriminator_steps,
                                 key=f"gan_lab_dsteps_{preset}")
    st.caption(f"Noise input: {base.noise_dim} number(s) per point · both networks: 2 hidden layers of "
               f"{base.hidden} neurons · {base.batch} real and {base.batch} fake points per update.")

try:
    config = GanConfig(target=target, noise_dim=base.noise_dim, hidden=base.hidden, generator_lr=generator_lr,
                       discriminator_lr=discriminator_lr, discriminator_steps=int(d_steps), batch=base.batch,
                       seed=int(seed)).validated()
except ValueError as error:
    st.warning(str(error), icon=":material/warning:")
    st.stop()

if max(config.generator_lr, config.discriminator_lr) > 0.05:
    st.info("That learning rate is large. Watch for points that jump around instead of settling, or for training "
            "to stop with a message: big steps overshoot.", icon=":material/speed:")

trainer: GanTrainer
trainer, request = lab_trainer("gan_lab", config, GanTrainer, default_steps=500, limit=LIMIT)
if request.reset:
    st.session_state.pop("gan_lab_last_update", None)
    st.session_state.pop("gan_lab_next", None)

step_by_step = st.toggle("Step by step: one discriminator update, then one generator update", key="gan_lab_steps_mode")

# --- the live view --------------------------------------------------------------------------------

view = st.empty()


def draw() -> None:
    with view.container():
        if presenter_mode():
            field_col, side_col = st.columns([3, 2])
        else:
            field_col = side_col = st.container()
        with field_col:
            st.caption(":green[●] real points · :violet[●] generated points · background: the discriminator's "
                       "verdict (green *real*, purple *fake*, white *unsure*) · arrows: where the generator is pushed")
            st.altair_chart(gan_field_chart(trainer), width="content")
        with side_col:
            steps_m, distance_m, coverage_m = st.columns(3)
            steps_m.metric("Training step", trainer.step)
            distance_m.metric("Distance to target", f"{trainer.distance():.3f}",
                              help="Energy distance between real and generated points: 0 means same distribution.")
            coverage_m.metric("Real points covered", f"{trainer.coverage():.0%}",
                              help="Share of real points with a generated point within 0.15: low means missed modes.")
            st.markdown("**Losses** (about 1.39 for the discriminator and 0.69 for the generator when neither wins)")
            st.altair_chart(loss_chart(trainer.history, {"discriminator": REAL_COLOR, "generator": FAKE_COLOR}),
                            width="stretch")


if trainer.diverged:
    st.error(trainer.diverged, icon=":material/error:")
else:
    run_training("gan_lab", request, trainer.train, draw, LIMIT)
    if not trainer.diverged:
        draw()

# --- step by step ---------------------------------------------------------------------------------

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



def update_one_player(player: str) -> None:
    # A callback runs before the page is drawn, so the chart and the buttons already show the new state.
    try:
        report = st.session_state[TRAINER].single_update(player)
    except TrainingDiverged:
        return  # the trainer keeps the message; the page shows it
    st.session_state["gan_lab_last_update"] = report
    st.session_state["gan_lab_next"] = "generator" if player == "discriminator" else "discriminator"


if step_by_step and not trainer.diverged:
    next_player = st.session_state.get("gan_lab_next", "discriminator")
    d_col, g_col = st.columns(2)
    d_col.button("1 · Update the discriminator", key="gan_lab_d_step", disabled=next_player != "discriminator",
                 on_click=update_one_player, args=("discriminator",), width="stretch")
    g_col.button("2 · Update the generator", key="gan_lab_g_step", disabled=next_player != "generator",
                 on_click=update_one_player, args=("generator",), width="stretch")
    report = st.session_state.get("gan_lab_last_update")
    if report:
        st.markdown(EXPLAIN[report.player].format(batch=config.batch, before=report.loss_before,
                                                  after=report.loss_after, real=report.real_score,
                                                  fake=report.fake_score))
    else:
        st.caption("Press **1** to let the discriminator learn once, then **2** for the generator. Each press "
                   "is one update of one network, explained here.")

# --- explanations ---------------------------------------------------------------------------------

with st.expander("How to read the chart"):
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
        "The 'mode collapse' preset makes this likely on purpose: a generator learning 40 times faster than its "
        "critic, with a single noise number. Watch *Real points covered* stay at about a third (one blob of "
        "three) or less while the purple cloud hops between blobs."
    )
with st.expander("From dots to pictures"):
    st.markdown(
        "An image GAN plays exactly this game, only each 'point' has millions of coordinates (one per pixel "
        "colour) instead of two. StyleGAN's faces came from a generator and a discriminator trained this way "
        "on photos. Diffusion models have replaced GANs for most image generation because they train more "
        "stably and cover every mode; see **Model families**."
    )
st.page_link("pages/model_families.py", label="Compare GANs with VAEs, diffusion and LLMs", icon=":material/category:")
