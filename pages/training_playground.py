import time

import pandas as pd
import streamlit as st

from genai_demo.playground import (
    DATASETS,
    HIDDEN_ACTIVATIONS,
    MAX_LAYERS,
    MAX_NEURONS,
    MAX_STEPS,
    PRESETS,
    check_settings,
    decision_frame,
    loss_frame,
    neuron_frame,
    new_run,
    points_frame,
)
from genai_demo.ui.layout import page_intro
from genai_demo.ui.neurons import loss_chart, neuron_maps_chart, number, region_chart, with_data

L2_CHOICES = [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]

page_intro(
    "training_playground",
    "One neuron can only draw a straight line. Stack neurons in **hidden layers** and each layer reshapes what "
    "the previous one passed on, like stations on a factory line, until curved borders become possible. "
    "Press **Start** and watch the network adjust its weights to colour the plane blue and orange.",
)


def load_preset() -> None:
    preset = PRESETS[st.session_state["playground_preset"]]
    values = dict(preset.settings)
    layers = values.pop("hidden_layers")
    values.update(layers=len(layers), neurons=layers[0], validation=int(values.pop("validation_fraction") * 100),
                  live_until=preset.steps)
    for name, value in values.items():
        st.session_state[f"playground_{name}"] = value
    st.session_state["playground_live"] = False


if "playground_dataset" not in st.session_state:
    st.session_state["playground_preset"] = "default"
    load_preset()

st.selectbox("Preset", list(PRESETS), format_func=lambda key: PRESETS[key].label, key="playground_preset",
             on_change=load_preset)
st.caption(PRESETS[st.session_state["playground_preset"]].description)

data_column, network_column = st.columns(2, gap="large")
with data_column:
    st.markdown("**Data**")
    dataset = st.selectbox("Dataset", DATASETS, key="playground_dataset")
    n_points = st.slider("Points", 20, 1000, step=10, key="playground_n_points")
    noise = st.slider("Noise", 0.0, 1.0, step=0.05, key="playground_noise")
    validation = st.slider("Kept for validation (%)", 10, 90, step=5, key="playground_validation",
                           help="These points are never used for training: they show how well the network "
                                "does on data it has not seen.")
    seed = int(st.number_input("Seed", 0, 10_000, 0, key="playground_seed"))
with network_column:
    st.markdown("**Network**")
    layers = int(st.number_input("Hidden layers", 1, MAX_LAYERS, key="playground_layers"))
    neurons = int(st.number_input("Neurons per hidden layer", 0, MAX_NEURONS, key="playground_neurons"))
    activation = st.selectbox("Activation", HIDDEN_ACTIVATIONS, key="playground_activation")
    learning_rate = float(st.number_input("Learning rate", min_value=0.0, step=0.01, format="%.4f",
                                          key="playground_learning_rate"))
    l2 = st.select_slider("L2 regularisation", L2_CHOICES, key="playground_l2",
                          help="Pulls every weight towards zero a little each step, which favours smooth borders.")

hidden_layers = (neurons,) * layers
try:
    check_settings(hidden_layers, activation, learning_rate, l2)
except ValueError as error:
    st.warning(str(error), icon=":material/block:")
    st.stop()

signature = (dataset, n_points, noise, validation, seed, hidden_layers, activation, learning_rate, l2)
if st.session_state.get("playground_signature") != signature:
    st.session_state["playground_run"] = new_run(dataset, n_points, noise, validation / 100, hidden_layers,
                                                 activation, learning_rate, l2, seed)
    st.session_state["playground_signature"] = signature
run = st.session_state["playground_run"]


def set_live(value: bool) -> None:
    st.session_state["playground_live"] = value


def reset() -> None:
    st.session_state.pop("playground_signature", None)
    st.session_state["playground_live"] = False


live = st.session_state.get("playground_live", False)
start, steps_button, reset_button = st.columns(3)
if live:
    start.button("Pause", key="playground_pause", icon=":material/pause:", on_click=set_live, args=(False,),
                 type="primary")
else:
    start.button("Start", key="playground_start", icon=":material/play_arrow:", on_click=set_live, args=(True,),
                 type="primary")
burst = steps_button.button("Train 100 steps", key="playground_train_steps", icon=":material/fast_forward:")
reset_button.button("Reset weights", key="playground_reset", icon=":material/restart_alt:", on_click=reset)
with st.expander("Live training speed"):
    steps_per_frame = st.slider("Steps between redraws", 1, 50, 10, key="playground_steps_per_frame")
    live_until = int(st.number_input("Stop live training at step", 1, MAX_STEPS, key="playground_live_until"))

metrics_slot, region_slot, loss_slot, notice_slot = st.empty(), st.empty(), st.empty(), st.empty()
points = points_frame(run.data)


def draw() -> None:
    with metrics_slot.container():
        step, train, val, acc = st.columns(4)
        step.metric("step", run.steps)
        train.metric("training loss", f"{run.train_loss[-1]:.3g}")
        val.metric("validation loss", f"{run.val_loss[-1]:.3g}")
        acc.metric("validation accuracy", f"{run.network.accuracy(run.data.x_val, run.data.y_val):.0%}")
    region_slot.vega_lite_chart(spec=with_data(region_chart(), region=decision_frame(run.network), points=points),
                                width="stretch")
    best = pd.DataFrame({"step": [run.best_validation_step()]})
    loss_slot.vega_lite_chart(spec=with_data(loss_chart(), losses=loss_frame(run), best=best), width="stretch")


def train(steps: int) -> bool:
    try:
        run.train(steps)
    except FloatingPointError as error:
        notice_slot.error(str(error), icon=":material/error:")
        reset()
        return False
    return True


if burst:
    train(min(100, MAX_STEPS - run.steps))
if live:
    while run.steps < min(live_until, MAX_STEPS):
        if not train(min(steps_per_frame, live_until - run.steps)):
            break
        draw()
        time.sleep(0.02)  # let the browser paint; this loop still redraws many times a second
    st.session_state["playground_live"] = False
    st.rerun()  # show the Start button again
draw()
if run.steps >= MAX_STEPS:
    notice_slot.info(f"This run reached {MAX_STEPS} steps, the most one run may take. Reset to start again.")

best = run.best_validation_step()
if run.steps > best + 20 and run.val_loss[-1] > 1.1 * run.val_loss[best]:
    st.warning(
        f"**Overfitting.** Validation loss was lowest ({number(run.val_loss[best])}) at step {best} and has risen to "
        f"{number(run.val_loss[-1])}, while training loss fell to {run.train_loss[-1]:.3g}. The network is "
        "memorising the training points, noise included. Try the 'more data' or 'L2' preset.",
        icon=":material/trending_up:")
st.caption("Circles are training points, triangles validation points. The dashed line marks the step with the "
           "lowest validation loss.")

st.subheader("What each hidden neuron responds to")
st.vega_lite_chart(spec=with_data(neuron_maps_chart(min(4, neurons)), neurons=neuron_frame(run.network)),
                  width="stretch")
st.caption("Each square is one neuron's output over the same plane (L1·N3: layer 1, neuron 3). First-layer "
           "neurons can only draw straight borders; later layers combine them into curves.")

with st.expander("What is going on?"):
    st.markdown(
        "- **Input layer**: the two coordinates of a point.\n"
        "- **Hidden layers**: each neuron takes a weighted sum of the previous layer and applies the activation.\n"
        "- **Output layer**: one sigmoid neuron, the probability that the point is orange (the heatmap).\n\n"
        "**Loss** measures how wrong the probabilities are on average. Each training step computes how every "
        "weight should move to lower it (backpropagation) and moves it a little; the **learning rate** sets how "
        "far. **Validation loss** is the same measure on points the network never trains on: when it rises "
        "while training loss falls, the network is learning the quirks of its few examples, not the pattern. "
        "That is **overfitting**, the same challenge large generative models face."
    )
