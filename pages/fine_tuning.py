"""Fine-tuning lab: teach GPT-2 a style with a small focused text (LoRA), then compare before and after."""

from __future__ import annotations

import streamlit as st

from genai_demo import finetune
from genai_demo.config import display_name, settings
from genai_demo.engine import SamplingSettings
from genai_demo.text import generate_texts
from genai_demo.ui import loaders
from genai_demo.ui.labs_text import action_button, loss_chart, shift_chart
from genai_demo.ui.layout import page_intro
from genai_demo.ui.panels import input_notice
from genai_demo.ui.text import plain_markdown

K = "fine_tuning_"  # session-state prefix
OWN_TEXT = "My own text"
limits = settings().limits
TEXT_MODEL = display_name(settings().text_model)  # the model this page runs, by name
samples = finetune.load_samples()
defaults = finetune.TuneSettings()

page_intro(
    "fine_tuning",
    f"{TEXT_MODEL} learned general language from a huge amount of text. *Fine-tuning* keeps training it a little "
    "on a small, focused text, so it drifts towards that style: legal clauses, recipes, old-fashioned "
    "verse. Here you do it for real, on a copy that only you see, in about a minute.",
)

lm = loaders.text_model()


def _use_sample() -> None:
    sample = samples.get(st.session_state[K + "source"])
    st.session_state[K + "text"] = sample.text if sample else ""
    if sample:
        st.session_state[K + "prompt"] = sample.prompt


first = next(iter(samples.values()))
st.session_state.setdefault(K + "text", first.text)
st.session_state.setdefault(K + "prompt", first.prompt)


st.subheader("1. The focused text")
st.selectbox("Training text", [*samples, OWN_TEXT], key=K + "source", on_change=_use_sample)
text = st.text_area("Text the model will study (edit it or paste your own)", key=K + "text", height=180)
st.caption(f"{len(text):,} characters · up to {limits.max_train_chars:,} are used.")

st.subheader("2. Train")
left, right = st.columns(2)
steps = left.number_input("Training steps", min_value=0, max_value=limits.max_train_steps, value=defaults.steps,
                          step=5, key=K + "steps",
                          help="Each step shows the model a few random snippets of your text and nudges it.")
learning_rate = right.select_slider("Learning rate", options=[1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2],
                                    value=defaults.learning_rate, key=K + "lr", format_func=lambda v: f"{v:g}",
                                    help="How big each nudge is. Too big and the loss jumps around.")
with st.expander("More training settings (LoRA)"):
    a, b, c = st.columns(3)
    rank = a.selectbox("LoRA rank", [2, 4, 8, 16, 32], index=2, key=K + "rank")
    batch_size = b.selectbox("Snippets per step", [1, 2, 4, 8], index=2, key=K + "batch")
    seed = c.number_input("Seed", min_value=0, max_value=2**31 - 1, value=defaults.seed, key=K + "seed")
    st.markdown(
        f"Each snippet is {defaults.sequence_length} tokens long. Adapters sit in the attention layers of the "
        f"top {defaults.top_layers} transformer blocks; the rest of {TEXT_MODEL} stays frozen."
    )

tune = finetune.TuneSettings(steps=int(steps), learning_rate=float(learning_rate), rank=int(rank),
                             alpha=2 * int(rank), batch_size=int(batch_size), seed=int(seed))

if action_button("Fine-tune a copy of the model", type="primary", key=K + "train", icon=":material/tune:"):
    st.session_state.pop(K + "result", None)  # one tuned model per session: the old one goes first
    st.session_state.pop(K + "comparison", None)
    live = st.empty()  # the live view; the finished result is drawn below, so it goes afterwards
    with live.container():
        progress = st.progress(0.0, text="Copying the model…")
        chart = st.empty()
    losses: list[float] = []

    def on_step(report: finetune.StepReport) -> None:
        losses.append(report.loss)
        progress.progress(report.step / report.steps,
                          text=f"Step {report.step}/{report.steps} · loss {report.loss:.3f} · "
                               f"{report.seconds:.0f} s")
        chart.altair_chart(loss_chart(losses, report.steps), width="stretch")

    try:  # fine_tune checks the text and settings first, and stops if the loss becomes infinite
        result = finetune.fine_tune(lm, text, int(steps), tune, on_step=on_step)
    except ValueError as error:
        live.empty()
        st.warning(str(error))
    else:
        with st.spinner("Measuring the loss on your text before and after…"):
            before = finetune.text_loss(lm, result.text)
            after = finetune.text_loss(result.tuned, result.text)
        live.empty()
        st.session_state[K + "result"] = result
        st.session_state[K + "losses"] = (before, after)

result: finetune.TuneResult | None = st.session_state.get(K + "result")
if result is None:
    st.info("No fine-tuned model in this session yet. Press the button above: the loss curve appears live.")
else:
    for notice in result.notices:
        input_notice(notice)
    before, after = st.session_state[K + "losses"]
    st.altair_chart(loss_chart(result.losses, result.settings.steps), width="stretch")
    m1, m2, m3 = st.columns(3)
    m1.metric("Loss on your text, before", f"{before:.3f}")
    m2.metric("after", f"{after:.3f}", delta=f"{after - before:+.3f}", delta_color="inverse")
    total = sum(p.numel() for p in lm.model.parameters())
    m3.metric("Weights trained", f"{result.trainable_parameters:,}",
              help=f"out of {total:,} in the model ({result.trainable_parameters / total:.2%})")
    st.caption(f"{len(result.losses)} steps in {result.seconds:.0f} s. Loss = how surprised the model is by "
               "each next token of your text (lower is better). The tuned copy lives only in this browser "
               "session.")

    st.subheader("3. Before vs after")
    p1, p2, p3 = st.columns([3, 1, 1])
    prompt = p1.text_input("Prompt for both models", key=K + "prompt")
    compare_seed = p2.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, key=K + "compare_seed")
    new_tokens = p3.number_input("New tokens", min_value=5, max_value=min(80, limits.max_new_tokens), value=30,
                                 key=K + "new_tokens")
    if not prompt.strip():
        st.warning("Type a prompt to compare the two models.")
    else:
        request = (id(result), prompt, int(compare_seed), int(new_tokens))
        comparison = st.session_state.get(K + "comparison")
        if comparison is None or comparison[0] != request:
            columns = [SamplingSettings(max_new_tokens=int(new_tokens), seed=int(compare_seed))]
            with st.spinner("Both models are writing, with the same prompt and seed…"):
                texts = (generate_texts(lm, prompt, columns)[0], generate_texts(result.tuned, prompt, columns)[0])
                shifts = finetune.probability_shifts(lm, result.tuned, prompt)
            comparison = (request, texts, shifts)
            st.session_state[K + "comparison"] = comparison
        _, (base_text, tuned_text), (risers, fallers) = comparison
        c1, c2 = st.columns(2)
        with c1.container(border=True):
            st.markdown(f"**Base {plain_markdown(TEXT_MODEL)}** (shared by everyone)")
            st.markdown(f"*{plain_markdown(prompt)}*{plain_markdown(base_text)}")
        with c2.container(border=True):
            st.markdown("**Your fine-tuned copy**")
            st.markdown(f"*{plain_markdown(prompt)}*{plain_markdown(tuned_text)}")
        st.markdown("**Next-token probabilities that moved most** after the prompt (green rose, red fell):")
        st.altair_chart(shift_chart(risers, fallers), width="stretch")

    if action_button("Forget my fine-tuned model", key=K + "forget", icon=":material/delete:"):
        for name in ("result", "losses", "comparison"):
            st.session_state.pop(K + name, None)
        st.rerun()

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
