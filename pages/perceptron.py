"""Perceptron: one neuron decides whether an email is spam, first set by hand, then trained, then helped by a hidden
layer (genai_demo.nets.neurons, nets.spam_network, ui.nets.neurons)."""

import altair as alt
import pandas as pd
import streamlit as st

from genai_demo.nets.neurons import (
    DEFAULT_BIAS,
    DEFAULT_WEIGHTS,
    EMAIL_SETS,
    MANY_EXCLAMATIONS,
    PERCEPTRON_ACTIVATIONS,
    accuracy,
    email_features,
    fire,
    learning_step,
    load_emails,
    predict,
    train_perceptron,
)
from genai_demo.nets.spam_network import FEATURES, MAX_HIDDEN, SpamLayersConfig, SpamLayersTrainer
from genai_demo.ui.charts import show_chart
from genai_demo.ui.inputs import PageInputs
from genai_demo.ui.layout import page_intro
from genai_demo.ui.literal import plain_markdown
from genai_demo.ui.nets.labs import loss_chart
from genai_demo.ui.nets.live_training import live_training, session_trainer
from genai_demo.ui.nets.neurons import (
    BLUE,
    ORANGE,
    hidden_weights_chart,
    neuron_diagram,
    number,
    perceptron_boundary_chart,
    perceptron_formula,
)
from genai_demo.ui.nets.perceptron import Learning, PerceptronState

INPUT_NAMES = ("contains 'discount'", "many '!'")

page = page_intro(
    "perceptron",
    "A **perceptron** is the smallest neural network there is: one neuron. It multiplies each input by a "
    "**weight** (how much that input matters), adds everything up together with a **bias**, and lets an "
    "**activation function** decide whether to fire. Here it decides whether an email is spam from two "
    "yes/no signals.",
)

# --- 1. by hand ---------------------------------------------------------------------------------


@st.fragment
def by_hand() -> None:
    """Parts 1 and 2: the email of part 2 goes through the neuron set in part 1."""
    st.header("1. Set the neuron by hand")
    controls, result_column = st.columns([1, 1.3], gap="large")
    with controls:
        x1 = int(page.toggle("Input 1: the email contains 'discount'", "x1", value=True))
        x2 = int(page.toggle(f"Input 2: it has many '!' ({MANY_EXCLAMATIONS} or more)", "x2", value=True))
        w1 = page.slider("Weight 1 (discount)", "w1", -2.0, 2.0, DEFAULT_WEIGHTS[0], 0.1)
        w2 = page.slider("Weight 2 (exclamation marks)", "w2", -2.0, 2.0, DEFAULT_WEIGHTS[1], 0.1)
        bias = page.slider("Bias", "bias", -2.0, 2.0, DEFAULT_BIAS, 0.1,
                           help="A constant added to the sum. Negative: the neuron needs more evidence before it "
                                "fires.")
        activation = page.choice("Activation function", "activation", PERCEPTRON_ACTIVATIONS, "step")
    with result_column:
        result = fire((x1, x2), (w1, w2), bias, activation)
        perceptron_formula(result)
        st.caption("With both inputs on and the primer's weights 0.5 and 1.0 the sum is 1.5 + bias; "
                   f"the default bias {number(DEFAULT_BIAS)} gives 0.7, the primer's example.")
        neuron_diagram(INPUT_NAMES, (x1, x2), (w1, w2), bias, activation, result.output)

    st.subheader("Where does the neuron say spam?")
    show_chart(perceptron_boundary_chart((w1, w2), bias, activation), width="stretch")
    st.caption("Colour is the neuron's output for every mix of inputs; the dashed line is where the weighted sum is "
               "exactly 0. Real inputs are only the four corners: one straight line splits them into spam and not "
               "spam.")
    with st.expander("Why a straight line?"):
        st.markdown(
            "The weighted sum `w1·x1 + w2·x2 + bias` is a flat slope over the input square. The neuron fires "
            "wherever the slope is above zero, so the border between *spam* and *not spam* is always a straight line. "
            "Changing a weight tilts the line; changing the bias slides it. The activation only changes how "
            "the output looks on each side: **step** jumps from 0 to 1, **sigmoid** fades smoothly (read it as a "
            "probability), **ReLU** passes positive sums through and clips negatives to 0."
        )

    # --- 2. a real email ------------------------------------------------------------------------------
    st.header("2. Feed it an email")
    email = page.text("Paste or type an email", "email", "Hello!!! Get a 50% DISCOUNT on everything today only!",
                      max_chars=5_000)
    try:
        features = email_features(email)
    except ValueError as error:
        st.info(str(error), icon=":material/mail:")
    else:
        found, marks = st.columns(2)
        found.metric("contains 'discount'", "yes (1)" if features.contains_discount else "no (0)")
        marks.metric("exclamation marks", features.exclamation_count,
                     f"many (1): {MANY_EXCLAMATIONS} or more" if features.many_exclamations
                     else f"few (0): fewer than {MANY_EXCLAMATIONS}", delta_color="off", delta_arrow="off")
        perceptron_formula(fire(features.inputs, (w1, w2), bias, activation))
        st.caption("The neuron uses the weights, bias and activation you set in part 1.")


by_hand()

# --- 3. learning ------------------------------------------------------------------------------------


@st.fragment
def learn_weights() -> None:
    st.header("3. Let it learn the weights")
    st.markdown(
        "Instead of setting weights by hand, start from zero and show the neuron labelled emails one at a time. "
        "The **perceptron learning rule**: if the guess was right, change nothing; if it said *not spam* for spam, "
        "add `rate × input` to each weight (and `rate` to the bias); if it said *spam* for a normal email, subtract."
    )
    chosen_set = page.choice("Emails to learn from", "set", list(EMAIL_SETS), "inbox", widget=st.radio,
                             format_func=EMAIL_SETS.get)
    rate = page.number("Learning rate", "rate", 0.0, 10.0, 0.1, 0.05, help="How big each correction is.")
    emails = load_emails(chosen_set)
    examples = [(email.features.inputs, email.spam) for email in emails]

    state = page.state(PerceptronState)
    learning = state.learning.setdefault(chosen_set, Learning())


    def record(step_result, index: int) -> None:
        learning.weights, learning.bias = step_result.weights, step_result.bias
        learning.log.append({"step": len(learning.log) + 1, "email": index + 1, "w1": step_result.weights[0],
                             "w2": step_result.weights[1], "bias": step_result.bias,
                             "accuracy": accuracy(examples, step_result.weights, step_result.bias),
                             "error": step_result.error})


    step_button, pass_button, solve_button, reset_button = st.columns(4)
    clicked_step = step_button.button("Next email", key="perceptron_learn_step", icon=":material/skip_next:")
    clicked_pass = pass_button.button("One full pass", key="perceptron_learn_pass", icon=":material/replay:")
    clicked_solve = solve_button.button("Until it stops", key="perceptron_learn_solve", icon=":material/fast_forward:",
                                        help="Up to 50 passes over all emails.")
    if reset_button.button("Reset to zero", key="perceptron_learn_reset", icon=":material/restart_alt:"):
        state.learning[chosen_set] = learning = Learning()

    if (clicked_step or clicked_pass or clicked_solve) and rate <= 0:
        st.warning("With a learning rate of 0 every correction is zero, so the weights never change. "
                   "Pick a rate above 0.", icon=":material/block:")
    elif clicked_step or clicked_pass:
        for _ in range(1 if clicked_step else len(examples)):
            index = learning.position % len(examples)
            inputs, label = examples[index]
            step_result = learning_step(inputs, label, learning.weights, learning.bias, rate)
            record(step_result, index)
            learning.position += 1
            learning.last = (index, step_result)
    elif clicked_solve:
        fit = train_perceptron(examples, rate, max_epochs=50, weights=learning.weights, bias=learning.bias)
        for number_in_fit, step_result in enumerate(fit.history):
            record(step_result, (learning.position + number_in_fit) % len(examples))
        learning.position += len(fit.history)
        learning.verdict = fit

    weights, bias_now = learning.weights, learning.bias
    score = accuracy(examples, weights, bias_now)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("weight 1", number(weights[0]))
    m2.metric("weight 2", number(weights[1]))
    m3.metric("bias", number(bias_now))
    predictions = [predict(inputs, weights, bias_now) for inputs, _ in examples]
    right_count = sum(p == label for p, (_, label) in zip(predictions, examples))
    m4.metric("accuracy", f"{score:.0%}", f"{right_count} of {len(examples)} right", delta_color="off",
              delta_arrow="off")

    if learning.last is not None and (clicked_step or clicked_pass):
        index, last = learning.last
        verdict = {0: "right, so nothing changes", 1: "wrong (missed spam): weights go **up** by rate × input",
                   -1: "wrong (false alarm): weights go **down** by rate × input"}[last.error]
        st.markdown(f"**Email {index + 1}:** {plain_markdown(emails[index].text)}  \n"
                    f"inputs {last.inputs}, label **{'spam' if last.label else 'not spam'}**, the neuron said "
                    f"**{'spam' if last.prediction else 'not spam'}**: {verdict}.")

    fit = learning.verdict
    if fit is not None and clicked_solve:
        if fit.separated:
            st.success(f"Every email is classified correctly after {fit.epochs} pass(es). A straight line separates "
                       "this set, and the learning rule is guaranteed to find one.", icon=":material/check_circle:")
        else:
            st.warning(f"After {fit.epochs} passes the neuron still gets {fit.accuracy:.0%} right and keeps flipping. "
                       "No straight line can separate this set: spam sits at two opposite corners (XOR). "
                       "One neuron cannot do it; a hidden layer can (see the Training playground).",
                       icon=":material/block:")

    if learning.log:
        log = pd.DataFrame(learning.log)
        long = log.melt("step", ["w1", "w2", "bias", "accuracy"], var_name="value of", value_name="value")
        show_chart(alt.Chart(long).mark_line(point=len(log) < 60).encode(
            x=alt.X("step:Q", title="emails seen"), y=alt.Y("value:Q", title=None),
            color=alt.Color("value of:N", title=None),
        ).properties(height=220), width="stretch")

    left, right = st.columns([1, 1])
    with left:
        labelled = (pd.DataFrame([(*e.features.inputs, e.spam) for e in emails], columns=["x1", "x2", "label"])
                    .value_counts().reset_index(name="emails"))
        labelled["text"] = [f"{n} × {'spam' if label else 'not spam'}" for n, label in zip(labelled["emails"],
                                                                                           labelled["label"])]
        show_chart(perceptron_boundary_chart(weights, bias_now, "step", labelled, height=260), width="stretch")
    with right:
        st.dataframe(pd.DataFrame({
            "email": [e.text for e in emails],
            "label": ["spam" if e.spam else "not spam" for e in emails],
            "neuron says": ["spam" if p else "not spam" for p in predictions],
        }), hide_index=True, height=260)


learn_weights()

# --- 4. layers ----------------------------------------------------------------------------------------
st.header("4. Add a hidden layer")
st.markdown(
    "Real spam filters look at more than two signals. These emails are judged on four: *discount*, many "
    "*'!'*, *money or prize*, and a *deadline*. Here an email is spam when it makes an **offer** (a discount, "
    "money or a prize) **and** puts on **pressure** (many '!' or a deadline). One neuron can only draw one "
    "straight cut through the signals, so some email always lands on the wrong side. Put a **hidden layer** "
    "in between and each hidden neuron can learn one part of the rule; the output neuron combines them. "
    "Press **Play** to train both side by side on the same emails."
)
layers_page = PageInputs("perceptron_layers")
hidden_col, seed_col = st.columns(2)
with hidden_col:
    hidden = layers_page.slider("Hidden neurons", "hidden", 1, MAX_HIDDEN, 2, 1,
                                help="With one hidden neuron the network is no better than a single neuron.")
with seed_col:
    layers_seed = layers_page.seed("Seed", "seed", 0, help="The random starting weights.")
layers_config = SpamLayersConfig(hidden=int(hidden), seed=layers_seed)
spam_trainer = session_trainer(layers_page, layers_config, lambda: SpamLayersTrainer(layers_config))


def verdict_word(probability: float) -> str:
    return f"spam ({probability:.0%})" if probability > 0.5 else f"not spam ({probability:.0%})"


def draw_layers(trainer: SpamLayersTrainer) -> None:
    verdicts = trainer.verdicts()
    neuron_right, network_right = (sum(getattr(v, f"{who}_right") for v in verdicts) for who in ("neuron", "network"))
    step_m, neuron_m, network_m = st.columns(3)
    step_m.metric("Training step", trainer.step)
    neuron_m.metric("One neuron gets right", f"{neuron_right} of {len(verdicts)}")
    network_m.metric("With a hidden layer", f"{network_right} of {len(verdicts)}")
    fixed = trainer.fixed_by_network()
    if trainer.step and fixed:
        with st.container(border=True):
            st.markdown(f"**Emails the single neuron gets wrong and the hidden layer gets right ({len(fixed)})**")
            for verdict in fixed:
                st.markdown(f"- {plain_markdown(verdict.text)}  \n  really **{'spam' if verdict.spam else 'not spam'}**"
                            f" · one neuron: {verdict_word(verdict.neuron)} · hidden layer: "
                            f"{verdict_word(verdict.network)}")
    elif trainer.step:
        st.caption("No email is fixed by the hidden layer yet: keep training.")

    st.markdown("**What each hidden neuron has learned to look for** (orange bars switch it on, blue bars off)")
    neurons = trainer.hidden_neurons()
    for column, neuron in zip(st.columns(len(neurons)), neurons):
        with column:
            show_chart(hidden_weights_chart(neuron.weights, FEATURES), width="stretch")
            st.markdown(f"**Neuron {neuron.number}** {neuron.describe() if trainer.step else 'is still random.'}")
    st.caption("The output neuron weighs these hidden outputs exactly as the single neuron weighs the four signals: "
               "a weighted sum, a bias, a sigmoid. The layer in between is what lets it sort every email.")
    with st.expander("Every email, both verdicts, and the training loss"):
        frame = pd.DataFrame({
            "email": [v.text for v in verdicts],
            "really": ["spam" if v.spam else "not spam" for v in verdicts],
            "one neuron": [verdict_word(v.neuron) for v in verdicts],
            "hidden layer": [verdict_word(v.network) for v in verdicts],
        })
        st.dataframe(frame, hide_index=True, width="stretch")
        show_chart(loss_chart(trainer.history, {"one neuron": BLUE, "hidden layer": ORANGE}, height=180),
                        width="stretch")


live_training(layers_page, spam_trainer, draw_layers, default_steps=300, limit=2_000)
with st.expander("Why can't one neuron learn this?"):
    st.markdown(
        "Give *discount* and *deadline* together enough weight to fire, and *money or prize* plus many '!' "
        "too. Then add up all four weights: it is more than twice the threshold. But *discount* with *money or "
        "prize* (an offer, no pressure) must stay below the threshold, and so must many '!' with a *deadline* "
        "(pressure, no offer); those two pairs add up to the same four weights, less than twice the threshold. "
        "Both cannot hold, so one weighted sum can never sort every email. A hidden neuron for *offer* and one "
        "for *pressure*, combined by the output neuron, can. This is the primer's 'putting it all together': "
        "inputs, weights, activations and layers, all in one small network."
    )
