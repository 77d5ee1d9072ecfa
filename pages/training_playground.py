"""Training playground: a network with hidden layers learns, live, to colour the plane blue and orange, with a map
of what each hidden neuron responds to (genai_demo.nets.playground, ui.nets.neurons)."""

import pandas as pd
import streamlit as st

from genai_demo.nets.playground import (
    DATASETS,
    HIDDEN_ACTIVATIONS,
    MAX_LAYERS,
    MAX_NEURONS,
    MAX_STEPS,
    PRESETS,
    TrainingRun,
    check_settings,
    loss_frame,
    neuron_grids,
    new_run,
    points_frame,
    probability_grid,
)
from genai_demo.ui.charts import show_chart, with_data
from genai_demo.ui.layout import page_intro
from genai_demo.ui.nets.live_training import live_training, session_trainer
from genai_demo.ui.nets.neurons import loss_chart, neuron_maps_chart, number, region_chart

L2_CHOICES = [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]

page = page_intro(
    "training_playground",
    "One neuron can only draw a straight line. Stack neurons in **hidden layers** and each layer reshapes what "
    "the previous one passed on, like stations on a factory line, until curved borders become possible. "
    "Press **Play** and watch the network adjust its weights to colour the plane blue and orange.",
)
DEFAULT = PRESETS["default"].settings


def load_preset() -> None:
    """A preset writes its values into the knobs (callbacks run before the widgets are drawn)."""
    values = dict(PRESETS[st.session_state[page.key("preset")]].settings)
    layers = values.pop("hidden_layers")
    values.update(layers=len(layers), neurons=layers[0], validation=int(values.pop("validation_fraction") * 100))
    for name, value in values.items():
        st.session_state[page.key(name)] = value


def draw(run: TrainingRun) -> None:
    step, train, val, acc = st.columns(4)
    step.metric("step", run.steps)
    train.metric("training loss", f"{run.train_loss[-1]:.3g}")
    val.metric("validation loss", f"{run.val_loss[-1]:.3g}")
    acc.metric("validation accuracy", f"{run.network.accuracy(run.data.x_val, run.data.y_val):.0%}")
    show_chart(region_chart(probability_grid(run.network), points_frame(run.data)), width="stretch")
    best = run.best_validation_step()
    show_chart(with_data(loss_chart(), losses=loss_frame(run), best=pd.DataFrame({"step": [best]})),
               width="stretch")
    st.caption("Circles are training points, triangles validation points. The dashed line marks the step with the "
               "lowest validation loss.")
    if run.steps > best + 20 and run.val_loss[-1] > 1.1 * run.val_loss[best]:
        st.warning(
            f"**Overfitting.** Validation loss was lowest ({number(run.val_loss[best])}) at step {best} and has risen "
            f"to {number(run.val_loss[-1])}, while training loss fell to {run.train_loss[-1]:.3g}. The network is "
            "memorising the training points, noise included. Try the 'more data' or 'L2' preset.",
            icon=":material/trending_up:")
    st.subheader("What each hidden neuron responds to")
    show_chart(neuron_maps_chart(neuron_grids(run.network), min(4, run.network.hidden_layers[0])),
               width="content")
    st.caption("Each square is one neuron's output over the same plane (L1·N3: layer 1, neuron 3). First-layer "
               "neurons can only draw straight borders; later layers combine them into curves.")


@st.fragment  # a knob re-runs this part of the page only: the title, the menu and the sidebar stay
def playground() -> None:
    preset = page.choice("Preset", "preset", list(PRESETS), "default", format_func=lambda key: PRESETS[key].label,
                         on_change=load_preset)
    st.caption(PRESETS[preset].description + f" Suggested: about {PRESETS[preset].steps} steps.")

    data_column, network_column = st.columns(2, gap="large")
    with data_column:
        st.markdown("**Data**")
        dataset = page.choice("Dataset", "dataset", DATASETS, DEFAULT["dataset"])
        n_points = page.slider("Points", "n_points", 20, 1000, DEFAULT["n_points"], 10)
        noise = page.slider("Noise", "noise", 0.0, 1.0, DEFAULT["noise"], 0.05)
        validation = page.slider("Kept for validation (%)", "validation", 10, 90,
                                 int(DEFAULT["validation_fraction"] * 100), 5,
                                 help="These points are never used for training: they show how well the network "
                                      "does on data it has not seen.")
        seed = page.seed("Seed", "seed", 0)
    with network_column:
        st.markdown("**Network**")
        layers = int(page.number("Hidden layers", "layers", 1, MAX_LAYERS, len(DEFAULT["hidden_layers"]), 1))
        neurons = int(page.number("Neurons per hidden layer", "neurons", 0, MAX_NEURONS, DEFAULT["hidden_layers"][0],
                                  1))
        activation = page.choice("Activation", "activation", HIDDEN_ACTIVATIONS, DEFAULT["activation"])
        learning_rate = float(page.number("Learning rate", "learning_rate", 0.0, 1e6, DEFAULT["learning_rate"], 0.01,
                                          format="%.4f"))
        l2 = page.choice("L2 regularisation", "l2", L2_CHOICES, DEFAULT["l2"],
                         help="Pulls every weight towards zero a little each step, which favours smooth borders.")

    hidden_layers = (neurons,) * layers
    try:
        check_settings(hidden_layers, activation, learning_rate, l2)
    except ValueError as error:
        st.warning(str(error), icon=":material/block:")
        return

    signature = (dataset, n_points, noise, validation, seed, hidden_layers, activation, learning_rate, l2)
    run: TrainingRun = session_trainer(page, signature, lambda: new_run(dataset, n_points, noise, validation / 100,
                                                                        hidden_layers, activation, learning_rate, l2,
                                                                        seed))

    live_training(page, run, draw, default_steps=100, limit=MAX_STEPS)


playground()

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
