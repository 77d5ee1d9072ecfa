"""Training vs generation: a tiny character model trains on a text you pick, writes at each stage, and shows the
fixed window it reads (genai_demo.nets.char_model)."""

import altair as alt
import pandas as pd
import streamlit as st

from genai_demo.config import settings
from genai_demo.nets.char_model import (
    CONTEXT,
    DEFAULT_CHECKPOINTS,
    MAX_GENERATE_CHARS,
    clean_training_text,
    generate,
    shipped_texts,
    train_with_snapshots,
    uniform_loss,
)
from genai_demo.ui.charts import show_chart
from genai_demo.ui.colours import COMPARED_LOSS, TRAINING_LOSS
from genai_demo.ui.inputs import PageInputs
from genai_demo.ui.layout import page_intro
from genai_demo.ui.literal import plain_markdown
from genai_demo.ui.nets.neurons import number
from genai_demo.ui.nets.training_vs_generation import TrainingRun, TrainingVsGenerationState, Written
from genai_demo.ui.panels import input_notice

OWN_TEXT = "own"

page = page_intro(
    "training_vs_generation",
    "Every generative model lives two lives. First it **trains**: it reads examples and nudges its weights "
    "until the next piece is less of a surprise. Then it **generates**: it guesses the next piece, adds it, and "
    "guesses again. Here a tiny network does both, one character at a time, on a text you pick, in seconds.",
)

limits = settings().limits
texts = shipped_texts()
choice = page.choice("Text to learn from", "text", [*texts, OWN_TEXT], next(iter(texts)), widget=st.radio,
                     horizontal=True, format_func=lambda key: "Your own text" if key == OWN_TEXT else texts[key].title)
if choice == OWN_TEXT:
    raw = page.text("Your text (a few paragraphs work best; it repeats patterns, the model learns them)", "own_text",
                    "", max_chars=limits.max_train_chars, height=160)
    source = "your own text"
else:
    raw = texts[choice].text
    source = texts[choice].source
    with st.expander(f"Read the text ({len(raw)} characters; {source})"):
        st.text(raw)

try:
    text, was_cut = clean_training_text(raw, limits.max_train_chars)
except ValueError as error:
    st.info(str(error), icon=":material/edit_note:")
    st.stop()
if was_cut:
    input_notice(f"Only the first {limits.max_train_chars:,} characters are used for training.")

settings_column, prompt_column = st.columns(2)
max_steps = limits.max_train_steps
with settings_column:
    steps = page.slider("Training steps", "steps", 10, max_steps, min(500, max_steps), 10,
                        help="Each step shows the model 64 random snippets and corrects it once.")
    seed = page.seed("Seed", "seed", 0)
with prompt_column:
    prompt = page.text("Start the text with", "prompt", text[:CONTEXT].strip() or text[:CONTEXT], max_chars=200,
                       area=False)
    temperature = page.slider("Temperature", "temperature", 0.1, 2.0, 0.8, 0.1,
                              help="Low: the safest next character. High: more surprising picks.")

signature = (text, steps, seed, prompt, temperature)
state = page.state(TrainingVsGenerationState)
training = page.action("Train, then write at each stage", "train", type="primary", icon=":material/school:")
area = training.area
if training.clicked:
    progress = area.progress(0.0, text="Training…")

    def on_step(step: int, loss: float) -> None:
        if step % 25 == 0 or step == steps:
            progress.progress(step / steps, text=f"Training… step {step} of {steps}, batch loss {loss:.2f}")

    checkpoints = tuple(c for c in DEFAULT_CHECKPOINTS if c < steps)
    model, snapshots = train_with_snapshots(text, steps, prompt, checkpoints, seed=seed, on_step=on_step)
    progress.empty()
    state.trained = TrainingRun(model, snapshots, signature)

result = state.trained
if result is None:
    area.info("Press **Train** to watch a model go from random letters to something that sounds like the text.",
              icon=":material/play_arrow:")
    st.stop()
model, snapshots = result.model, result.snapshots


def show_training() -> None:
    if result.signature != signature:
        st.caption(":material/info: The settings changed since this training run; press Train again to use them.")
    st.subheader("The same prompt, the same seed, at each stage of training")
    stage_columns = st.columns(2)
    for index, snapshot in enumerate(snapshots):
        with stage_columns[index % 2].container(border=True):
            st.markdown(f"**After {snapshot.step} steps** · loss on the whole text: **{number(snapshot.loss, 2)}**")
            st.code(prompt + snapshot.sample, language=None, wrap_lines=True)
    curve = pd.DataFrame({"step": range(1, len(model.losses) + 1), "loss": model.losses})
    curve["loss (smoothed)"] = curve["loss"].rolling(10, min_periods=1).mean()
    baseline = uniform_loss(model)
    show_chart(alt.layer(
        alt.Chart(curve).mark_line(color=TRAINING_LOSS).encode(x=alt.X("step:Q", title="training step"),
                                                           y=alt.Y("loss (smoothed):Q", title="loss")),
        alt.Chart(pd.DataFrame({"loss": [baseline]})).mark_rule(strokeDash=[4, 4], color=COMPARED_LOSS).encode(
            y=alt.Y("loss:Q")),
    ).properties(height=220), width="stretch")
    st.caption(f"Dashed: the loss of blind guessing among the {len(model.vocab)} characters of the text "
               f"({number(baseline, 2)}). Training pushes the loss far below it: the model has found patterns.")


with area:
    show_training()


@st.fragment
def let_it_create(page: PageInputs) -> None:
    st.subheader("Now let it create")
    length_column, seed_column = st.columns(2)
    with length_column:
        length = page.slider("Characters to write", "length", 20, min(MAX_GENERATE_CHARS, 600), 300, 20)
    with seed_column:
        sample_seed = page.seed("Sampling seed", "sample_seed", 1)
    setup = (id(model), prompt, length, temperature, sample_seed)
    if page.button("Write", "write", icon=":material/edit:"):
        unknown = sorted({ch for ch in prompt if ch not in model.vocab})
        if unknown:
            input_notice(f"The model never saw {', '.join(repr(ch) for ch in unknown)}; those characters are skipped.")
        state.written = Written(setup, prompt + generate(model, prompt, length, temperature, sample_seed))
    written = state.written
    if written is not None and written.setup == setup:
        st.code(written.text, language=None, wrap_lines=True)


let_it_create(page)

st.subheader("What it can see: a fixed window")
seen = prompt[-CONTEXT:]
st.markdown(
    f"To choose each next character this model reads only the **last {CONTEXT} characters**, never more: here "
    f"that is **{plain_markdown(repr(seen))}**. Everything earlier is invisible to it, which is why its sentences "
    "wander after a few words. A transformer's attention can reach back to any earlier token of its window in one "
    "step; the walk-through measures how far each layer of a real model actually looks, on the Alice passage."
)
st.page_link("pages/how_llms_work.py", label="How ChatGPT answers → Reach: how far back attention looks",
             icon=":material/hub:", query_params={"how_llms_work_step": "Reach"})

with st.expander("How does this tiny model compare with GPT-2?"):
    st.markdown(
        f"- **What it reads**: the previous {CONTEXT} characters. GPT-2 reads up to 1024 *tokens* (word pieces).\n"
        f"- **Size**: {model.parameter_count:,} weights. GPT-2 small has 124 million, GPT-3 175 billion.\n"
        f"- **Training data**: {len(text):,} characters of {source}. GPT-2 read about 40 GB of web text.\n"
        "- **The recipe is the same**: predict the next piece, measure the surprise (loss), adjust the weights, "
        "repeat. Then generate by sampling one piece at a time and feeding it back in.\n\n"
        "With so little data the model soon copies whole phrases of its text: it has learned *this* text, "
        "not language in general. That is overfitting, and the reason real models need huge datasets."
    )
