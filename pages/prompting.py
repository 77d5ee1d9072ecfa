"""Prompting: one task asked three ways (zero-shot, few-shot, template), each scored on known answers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from genai_demo.config import display_name, settings
from genai_demo.engine import kinds
from genai_demo.engine.bundles import TextModel
from genai_demo.text import prompting
from genai_demo.text.instruct import has_chat_template
from genai_demo.ui import loaders
from genai_demo.ui.layout import page_intro
from genai_demo.ui.literal import plain_markdown
from genai_demo.ui.text.prompting import PromptingState, answers, scores

TEXT_MODEL = display_name(settings().text_model)  # the model this page runs, by name
MODELS = (f"{TEXT_MODEL} (text model)", f"{display_name(settings().chat_model)} (chat model, instruction-tuned)")
MAX_INPUT_CHARS = 500

page = page_intro(
    "prompting",
    "The same model can do a task well or badly depending on **how you ask**. Here one task is asked in "
    "three ways: a bare instruction (**zero-shot**), the instruction plus a few solved examples "
    "(**few-shot**), and a **structured template** with headed sections. Each task comes with known "
    "answers, so every prompt style gets a score.",
)

tasks = {task.id: task for task in prompting.load_tasks()}
task = tasks[page.choice("Task", "task", list(tasks), next(iter(tasks)), format_func=lambda i: tasks[i].title)]
model_name = page.choice("Model", "model", MODELS, MODELS[0], widget=st.radio, horizontal=True)
lm = loaders.model(kinds.CHAT) if model_name == MODELS[1] else loaders.model(kinds.TEXT)
is_chat = has_chat_template(lm.tokenizer)  # an instruction-tuned model is asked inside its chat template
if is_chat:
    st.caption(f"{display_name(lm.model_id)} is instruction-tuned: each prompt is sent as one user message "
               "inside its chat template, and its answer starts the assistant's turn.")

with st.expander(f"The {len(task.items)} test inputs and their known answers"):
    st.table(pd.DataFrame([{"input": plain_markdown(i.input), "answer": plain_markdown(i.answer)}
                           for i in task.items]), hide_index=True)


@st.fragment
def one_input(lm: TextModel, task: prompting.Task, is_chat: bool) -> None:
    st.subheader("One input, three ways to ask")
    text = page.text("Input", f"input_{task.id}", task.items[0].input, MAX_INPUT_CHARS, area=False)
    if not text.strip():
        st.info("Type an input above to see the three prompts.", icon=":material/edit:")
        return
    chat_tokenizer = lm.tokenizer if is_chat else None
    prompts = {style: prompting.build_prompt(style, task, text, chat_tokenizer) for style in prompting.STYLES}
    for tab, style in zip(page.tabs([s.capitalize() for s in prompting.STYLES], "style"), prompting.STYLES):
        with tab:
            if tab.open:
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


@st.fragment
def score_all(lm: TextModel, task: prompting.Task, is_chat: bool) -> None:
    st.subheader("Score each style on every test input")
    kept = page.state(PromptingState).scores
    score = page.action("Score all three styles", "score", area="score_result", type="primary")
    if score.clicked:
        with score.area, st.spinner(f"Running {len(task.items) * len(prompting.STYLES)} prompts…"):
            kept[task.id, is_chat] = scores(task.id, lm.model_id, is_chat, lm)
    results = kept.get((task.id, is_chat))
    with score.area:
        if results is None:
            st.caption("Press the button to run every test input through each prompt style.")
            return
        baseline = results[0].correct  # zero-shot: the bare instruction
        for column, result in zip(st.columns(len(results)), results):
            diff = result.correct - baseline
            if result is results[0]:
                column.metric(result.style, f"{result.correct}/{len(result.results)}", "the bare instruction",
                              delta_color="off", delta_arrow="off")
            else:  # green and up when the style got more right than zero-shot, red and down when fewer
                column.metric(result.style, f"{result.correct}/{len(result.results)}",
                              f"{diff:+d} vs zero-shot" if diff else "same as zero-shot",
                              delta_color="normal" if diff else "off", delta_arrow="auto" if diff else "off")
        for sentence in prompting.compare_styles(results):
            st.markdown(f"- {plain_markdown(sentence)}")
        rows = []
        for index, item in enumerate(task.items):
            row = {"input": plain_markdown(item.input), "known answer": plain_markdown(item.answer)}
            for result in results:
                r = result.results[index]
                share = f" ({r.label_probs[r.predicted]:.0%})" if r.label_probs else ""
                verdict = "right" if r.correct else "wrong"
                row[result.style] = f"{verdict}: {plain_markdown(r.predicted)}{share}"
            rows.append(row)
        st.table(pd.DataFrame(rows), hide_index=True)  # wraps long inputs instead of cutting columns off


one_input(lm, task, is_chat)
score_all(lm, task, is_chat)

with st.expander("When do examples help?"):
    st.markdown(
        "A model trained only on plain text (a base model) was never taught to follow an instruction: it "
        "continues text. Worked examples show it the pattern, so continuing the pattern *is* doing the task. An "
        "instruction-tuned model learned to follow instructions, so a bare one is often enough, and a small "
        "model can even copy its examples instead of reading the new input.\n\n"
        "Measured on SmolLM2-135M-Instruct, the chat model here, inside its chat template: the bare instruction "
        "got all 6 film reviews right, the examples 4 and the template 3 (it called every review positive). "
        "Which style wins depends on the model and the task: the scores above are the verdict for the model "
        "and task you picked."
    )
