"""Fine-tuning lab: teach the loaded model a style with a small focused text (LoRA), then compare before and after."""

from __future__ import annotations

import streamlit as st

from genai_demo.config import display_name, settings
from genai_demo.engine import kinds
from genai_demo.engine.bundles import TextModel
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.text.generation import generate_texts
from genai_demo.text.instruct import has_chat_template
from genai_demo.tuning import finetune
from genai_demo.ui import loaders
from genai_demo.ui.charts import show_chart
from genai_demo.ui.classroom import saved_work
from genai_demo.ui.layout import page_intro
from genai_demo.ui.literal import plain_markdown
from genai_demo.ui.panels import input_notice
from genai_demo.ui.tuning.charts import loss_chart, shift_chart
from genai_demo.ui.tuning.fine_tuning import Comparison, FineTuningState, TunedCopy

OWN_TEXT = "My own text"
DEFAULT_SAMPLE = "Recipes"  # the catalogue's "try this" starts from it
limits = settings().limits
TEXT_MODEL = display_name(settings().text_model)  # the model this page runs, by name
samples = finetune.load_samples()
defaults = finetune.TuneSettings()

page = page_intro(
    "fine_tuning",
    f"{TEXT_MODEL} learned general language from a huge amount of text. *Fine-tuning* keeps training it a little "
    "on a small, focused text, so it drifts towards that style: recipes, legal clauses, old-fashioned "
    "verse. Here you do it for real, on a copy that only you see, in about a minute.",
)

lm = loaders.model(kinds.TEXT)
state = page.state(FineTuningState)


def _use_sample() -> None:
    sample = samples.get(st.session_state[page.key("source")])
    st.session_state[page.key("text")] = sample.text if sample else ""
    if sample:
        st.session_state[page.key("prompt")] = sample.prompt


kept = saved_work.restore("fine_tuning", "text")  # the text this learner worked on in an earlier visit
if (isinstance(kept, dict) and kept.get("source") in [*samples, OWN_TEXT] and isinstance(kept.get("text"), str)
        and not any(page.key(name) in st.session_state or page.key(name) in st.query_params
                    for name in ("source", "text"))):
    st.session_state[page.key("source")], st.session_state[page.key("text")] = kept["source"], kept["text"]

st.subheader("1. The focused text")
source = page.choice("Training text", "source", [*samples, OWN_TEXT], DEFAULT_SAMPLE, on_change=_use_sample)
text = page.text("Text the model will study (edit it or paste your own)", "text", samples[DEFAULT_SAMPLE].text,
                 limits.max_train_chars, height=180)
saved_work.keep("fine_tuning", "text", {"source": source, "text": text},
                made=source not in samples or text != samples[source].text)
st.caption(f"{len(text):,} characters · up to {limits.max_train_chars:,} are used.")


@st.fragment
def training(lm: TextModel, text: str) -> None:
    st.subheader("2. Train")
    left, right = st.columns(2)
    with left:
        steps = int(page.number("Training steps", "steps", 0, limits.max_train_steps, defaults.steps, step=5,
                                help="Each step shows the model a few random snippets of your text and nudges it."))
    with right:
        learning_rate = page.choice("Learning rate", "lr", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2],
                                    defaults.learning_rate, widget=st.radio, horizontal=True,
                                    format_func=lambda v: f"{v:g}",
                                    help="How big each nudge is. Too big and the loss jumps around.")
    with st.expander("More training settings (LoRA)"):
        a, b, c = st.columns(3)
        with a:
            rank = page.choice("LoRA rank", "rank", [2, 4, 8, 16, 32], defaults.rank)
        with b:
            batch_size = page.choice("Snippets per step", "batch", [1, 2, 4, 8], defaults.batch_size)
        with c:
            seed = page.seed("Seed", "seed", defaults.seed)
        st.markdown(
            f"Each snippet is {defaults.sequence_length} tokens long. Adapters sit in the attention layers of "
            f"the top {defaults.top_layers} transformer blocks; the rest of {TEXT_MODEL} stays frozen."
        )
    tune = finetune.TuneSettings(steps=steps, learning_rate=float(learning_rate), rank=int(rank),
                                 alpha=2 * int(rank), batch_size=int(batch_size), seed=seed)
    tuning = page.action("Fine-tune a copy of the model", "train", area="train_result", keep_click=True,
                         type="primary", icon=":material/tune:")
    if tuning.clicked:
        with tuning.area:
            train(lm, text, tune)
    with tuning.area:
        if state.tuned is None:
            st.info("No fine-tuned model in this session yet. Press the button above: the loss curve appears live.")
            return
        result, before, after = state.tuned.result, state.tuned.loss_before, state.tuned.loss_after
        for notice in result.notices:
            input_notice(notice)
        show_chart(loss_chart(result.losses, result.settings.steps), width="stretch")
        m1, m2, m3 = st.columns(3)
        m1.metric("Loss on your text, before", f"{before:.3f}")
        m2.metric("after", f"{after:.3f}", delta=f"{after - before:+.3f}", delta_color="inverse")
        total = sum(p.numel() for p in lm.model.parameters())
        m3.metric("Weights trained", f"{result.trainable_parameters:,}",
                  help=f"out of {total:,} in the model ({result.trainable_parameters / total:.2%})")
        st.caption(f"{len(result.losses)} steps in {result.seconds:.0f} s. Loss = how surprised the model is by "
                   "each next token of your text (lower is better). The tuned copy lives only in this browser "
                   "session.")


def train(lm: TextModel, text: str, tune: finetune.TuneSettings) -> None:
    """One run with a live loss curve; the result replaces the session's previous tuned copy."""
    state.tuned = None  # one tuned model per session: the old one goes first
    progress = st.progress(0.0, text="Copying the model…")
    chart = st.empty()
    losses: list[float] = []

    def on_step(report: finetune.StepReport) -> None:
        losses.append(report.loss)
        progress.progress(report.step / report.steps,
                          text=f"Step {report.step}/{report.steps} · loss {report.loss:.3f} · {report.seconds:.0f} s")
        show_chart(loss_chart(losses, report.steps), where=chart, width="stretch")

    try:  # fine_tune checks the text and settings first, and stops if the loss becomes infinite
        result = finetune.fine_tune(lm, text, tune.steps, tune, on_step=on_step)
    except ValueError as error:
        progress.empty()
        chart.empty()
        st.warning(str(error))
        return
    progress.progress(1.0, text="Measuring the loss on your text before and after…")
    state.tuned = TunedCopy(result, finetune.text_loss(lm, result.text), finetune.text_loss(result.tuned, result.text))
    st.rerun()  # the whole page: the comparison below needs the new copy


@st.fragment
def comparison(lm: TextModel, tuned: TunedCopy) -> None:
    st.subheader("3. Before vs after")
    p1, p2, p3 = st.columns([3, 1, 1])
    with p1:
        prompt = page.text("Prompt for both models", "prompt", samples[DEFAULT_SAMPLE].prompt, 500, area=False)
    with p2:
        seed = page.seed("Seed", "compare_seed", 0)
    with p3:
        new_tokens = int(page.number("New tokens", "new_tokens", 5, min(80, limits.max_new_tokens), 30))
    if has_chat_template(lm.tokenizer):
        st.caption(f"{TEXT_MODEL} is instruction-tuned, but here both models simply continue the prompt as text, "
                   "the same way the copy studied your text.")
    if not prompt.strip():
        st.warning("Type a prompt to compare the two models.")
        return
    result = tuned.result
    request = (id(result), prompt, seed, new_tokens)
    shown = tuned.comparison
    if shown is None or shown.request != request:
        columns = [SamplingSettings(max_new_tokens=new_tokens, seed=seed)]
        with st.spinner("Both models are writing, with the same prompt and seed…"):
            texts = (generate_texts(lm, prompt, columns)[0], generate_texts(result.tuned, prompt, columns)[0])
            risers, fallers = finetune.probability_shifts(lm, result.tuned, prompt)
        shown = tuned.comparison = Comparison(request, *texts, risers, fallers)
    base_text, tuned_text, risers, fallers = shown.base_text, shown.tuned_text, shown.risers, shown.fallers
    c1, c2 = st.columns(2)
    with c1.container(border=True):
        st.markdown(f"**Base {plain_markdown(TEXT_MODEL)}** (shared by everyone)")
        st.markdown(f"*{plain_markdown(prompt)}*{plain_markdown(base_text)}")
    with c2.container(border=True):
        st.markdown("**Your fine-tuned copy**")
        st.markdown(f"*{plain_markdown(prompt)}*{plain_markdown(tuned_text)}")
    st.markdown("**Next-token probabilities that moved most** after the prompt (green rose, red fell):")
    show_chart(shift_chart(risers, fallers), width="stretch")

    if page.button("Forget my fine-tuned model", "forget", keep_click=True, icon=":material/delete:"):
        state.tuned = None
        st.rerun()


training(lm, text)
if state.tuned is not None:
    comparison(lm, state.tuned)

with st.expander("What happened? LoRA in plain words"):
    st.markdown(
        "Training changes a model's weights a little at a time so that the text it studies becomes less "
        f"surprising (the loss goes down). Changing every weight of {TEXT_MODEL} would need a lot of "
        "memory and time, so this page uses **LoRA** (low-rank adaptation): next to some weight matrices "
        "it adds two thin matrices, *A* (inputs × rank) and *B* (rank × outputs), and trains only those. Their "
        "product is a small correction added to the frozen weight. *B* starts at zero, so at step 0 the "
        "copy writes exactly like the original.\n\n"
        "Big companies fine-tune the same way, with far more text: a base model becomes a chat assistant "
        "by studying thousands of example conversations, or a legal helper by studying contracts."
    )
with st.expander("Why your training never changes the model other people use"):
    st.markdown(
        f"The app loads {TEXT_MODEL} once and every visitor shares it. Your run builds a *copy* of the model's "
        "structure that points at the same frozen weights and adds its own small LoRA matrices, so it "
        "costs about a megabyte. Nothing is ever written back: leave the page mid-training and the copy "
        "is simply thrown away."
    )
with st.expander("Too much of a good thing: overfitting"):
    st.markdown(
        "Train for many steps on a tiny text and the loss keeps falling until the model can only repeat "
        "that text: it has memorised it instead of learning a style. Try 300 steps on two sentences "
        "with learning rate 0.01 and watch the 'after' column copy your text word for word. The "
        "Challenges page measures this effect."
    )
