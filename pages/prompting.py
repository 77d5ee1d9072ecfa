import pandas as pd
import streamlit as st

from genai_demo import prompting
from genai_demo.config import display_name, settings
from genai_demo.ui import loaders
from genai_demo.ui.layout import page_intro

TEXT_MODEL = display_name(settings().text_model)  # the model this page runs, by name
MODELS = (f"{TEXT_MODEL} (text model)", f"{display_name(settings().chat_model)} (chat model, instruction-tuned)")


@st.cache_data(show_spinner=False, max_entries=64)
def answers(task_id: str, prompts: dict[str, str], model_id: str, chat: bool, _lm) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Per style: the label shares (classification) or the written answer (extraction)."""
    task = prompting.task_by_id(task_id)
    if task.kind == "classify":
        return {style: prompting.label_shares(_lm, prompts[style], task.labels, chat=chat) for style in prompts}
    return {style: prompting.greedy_answer(_lm, prompts[style]) for style in prompts}


@st.cache_data(show_spinner=False, max_entries=16)
def scores(task_id: str, model_id: str, chat: bool, _lm) -> list[prompting.StyleScore]:  # type: ignore[no-untyped-def]
    task = prompting.task_by_id(task_id)
    tokenizer = _lm.tokenizer if chat else None
    return [prompting.score_style(_lm, task, style, tokenizer) for style in prompting.STYLES]


page_intro(
    "prompting",
    "The same model can do a task well or badly depending on **how you ask**. Here one task is asked in "
    "three ways: a bare instruction (**zero-shot**), the instruction plus a few solved examples "
    "(**few-shot**), and a **structured template** with headed sections. Each task comes with known "
    "answers, so every prompt style gets a score.",
)

tasks = prompting.load_tasks()
titles = [task.title for task in tasks]
task = tasks[titles.index(st.selectbox("Task", titles, key="prompt_task"))]
model_name = st.radio("Model", MODELS, key="prompt_model", horizontal=True)
is_chat = model_name == MODELS[1]
lm = loaders.chat_model() if is_chat else loaders.text_model()
chat_tokenizer = lm.tokenizer if is_chat else None
if is_chat:
    st.caption("For the chat model each prompt is sent as one user message inside its chat template.")

with st.expander(f"The {len(task.items)} test inputs and their known answers"):
    st.dataframe(pd.DataFrame([{"input": i.input, "answer": i.answer} for i in task.items]), hide_index=True)

# --- one input, three prompts ----------------------------------------------------------------------
st.subheader("One input, three ways to ask")
text = st.text_input("Input", task.items[0].input, key=f"prompt_input_{task.id}", max_chars=500)
if not text.strip():
    st.info("Type an input above to see the three prompts.", icon=":material/edit:")
    st.stop()

prompts = {style: prompting.build_prompt(style, task, text, chat_tokenizer) for style in prompting.STYLES}
for tab, style in zip(st.tabs([s.capitalize() for s in prompting.STYLES]), prompting.STYLES):
    with tab:
        st.code(prompts[style], language=None, wrap_lines=True)

with st.spinner("Asking the model three times…"):
    replies = answers(task.id, prompts, lm.model_id, is_chat, lm)
for column, style in zip(st.columns(len(prompting.STYLES)), prompting.STYLES):
    with column:
        if task.kind == "classify":
            shares = replies[style]
            st.metric(style, max(shares, key=shares.get))
            st.caption(" · ".join(f"{label} {share:.0%}" for label, share in shares.items()))
        else:
            st.metric(style, replies[style] or "(nothing)")
st.caption(
    "For a classification the model is not asked to write: we read how probable it finds each allowed "
    "answer right after the prompt, and the shares above compare them. For the date the model writes its "
    "most likely continuation, and only an exact match counts."
)

# --- scores over the whole task ----------------------------------------------------------------------
st.subheader("Score each style on every test input")
score_key = f"prompt_scores_{task.id}_{is_chat}"
if st.button("Score all three styles", key="prompt_score", type="primary"):
    with st.spinner(f"Running {len(task.items) * len(prompting.STYLES)} prompts…"):
        st.session_state[score_key] = scores(task.id, lm.model_id, is_chat, lm)

results = st.session_state.get(score_key)
if results is None:
    st.caption("Press the button to run every test input through each prompt style.")
else:
    for column, result in zip(st.columns(len(results)), results):
        column.metric(result.style, f"{result.correct}/{len(result.results)}", f"{result.accuracy:.0%} correct",
                      delta_color="off")
    rows = []
    for index, item in enumerate(task.items):
        row = {"input": item.input, "known answer": item.answer}
        for result in results:
            r = result.results[index]
            mark = "✅" if r.correct else "❌"
            share = f" ({r.label_probs[r.predicted]:.0%})" if r.label_probs else ""
            row[result.style] = f"{mark} {r.predicted}{share}"
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True)

with st.expander("Why do examples help?"):
    st.markdown(
        "A base model like GPT-2 was never taught to follow instructions; it continues text. A bare "
        "instruction leaves it guessing what kind of text comes next. Worked examples show the pattern, "
        "so continuing the pattern *is* doing the task. A template helps most with instruction-tuned "
        "models, which saw many prompts laid out like that during training. Small models are noisy "
        "judges: the scores show how much the wording alone changes the answer."
    )
