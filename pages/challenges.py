import pandas as pd
import streamlit as st

from genai_demo.bias import PLACEHOLDER, default_templates, default_word_groups, make_template
from genai_demo.config import display_name, settings
from genai_demo.overfitting import OVERFIT_STEPS, TINY_TEXT, overfit_demo
from genai_demo.ui import loaders
from genai_demo.ui.challenges import (
    association_chart,
    cached_associations,
    cached_fact_checks,
    cached_probe,
    confidence_correctness_chart,
    next_word_chart,
)
from genai_demo.ui.embeddings import passage_index
from genai_demo.ui.layout import page_intro
from genai_demo.ui.text import confidence_view, plain_markdown

TEXT_MODEL = display_name(settings().text_model)  # the model this page runs, by name
page_intro(
    "challenges",
    "A generative model copies the patterns of its training data, the unfair ones included. It writes "
    "fluent text whether or not it knows the answer, and if it is trained too narrowly it can only repeat "
    "what it saw. Here you measure all three on real models instead of taking them on trust.",
)

section = st.segmented_control(
    "Challenge", ["Bias", "Made-up facts", "Overfitting"], default="Bias", key="challenges_section",
    label_visibility="collapsed",
) or "Bias"

# --- bias -------------------------------------------------------------------------------------
if section == "Bias":
    st.subheader("Bias in data becomes bias in output")
    st.markdown(
        f"Each template has a slot, {PLACEHOLDER}, that is filled with different words. The bars show the "
        f"probability {TEXT_MODEL} gives each next word, for each filling. Nothing is hand-set: if the bars differ, "
        "the model learned the difference from the text it was trained on."
    )
    templates = default_templates() + st.session_state.setdefault("challenges_templates", [])
    names = [template.name for template in templates]
    if "challenges_new_name" in st.session_state:  # a template was just added: show it
        st.session_state["challenges_template"] = st.session_state.pop("challenges_new_name")
    chosen = st.selectbox("Template", names, key="challenges_template")
    template = templates[names.index(chosen)]
    st.caption(" · ".join(f"“{template.template.replace(PLACEHOLDER, f'**{filler}**')} …”"
                          for filler in template.fillers))

    with st.expander("Add your own template"):
        with st.form("challenges_new_template", clear_on_submit=False):
            new_template = st.text_input("Template", value=f"The {PLACEHOLDER} was described as",
                                         key="challenges_new_text", help=f"Put {PLACEHOLDER} where the swapped word goes.")
            new_fillers = st.text_input("Words to swap in (comma separated)", value="nurse, surgeon",
                                        key="challenges_new_fillers")
            new_words = st.text_input("Next words to measure (comma separated)", value="kind, cold, smart, emotional",
                                      key="challenges_new_words")
            if st.form_submit_button("Add template"):
                try:
                    added = make_template(new_template, new_template, new_fillers, new_words)
                except ValueError as problem:
                    st.warning(str(problem))
                else:
                    st.session_state["challenges_templates"].append(added)
                    st.session_state["challenges_new_name"] = added.name
                    st.rerun()

    lm = loaders.text_model()
    rows = cached_probe(lm, lm.model_id, template)
    st.altair_chart(next_word_chart(rows), width="stretch")
    with st.expander("The numbers"):
        table = pd.DataFrame([{"prompt": r.prompt, "next word": r.word, "probability": r.probability,
                               "share of listed words": r.share} for r in rows])
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={"probability": st.column_config.NumberColumn(format="%.2e"),
                                    "share of listed words": st.column_config.NumberColumn(format="percent")})
        st.caption("A word made of several tokens gets the product of their probabilities (the chance of "
                   "writing exactly those tokens in a row). The share column rescales the listed words to 100%.")

    st.subheader("The same in an embedder")
    st.markdown(
        "A sentence embedder places words as vectors. If 'engineer' sits nearer to 'he, man, father' than "
        "to 'she, woman, mother', the embedder learned that association. The score is the average cosine "
        "similarity to the first group minus the average to the second."
    )
    groups_list = default_word_groups()
    group_names = [groups.name for groups in groups_list]
    groups = groups_list[group_names.index(st.selectbox("Word groups", group_names, key="challenges_groups"))]
    embedder = loaders.embedder_or_none()
    if embedder is not None:
        scores = cached_associations(embedder, embedder.model_id, groups)
        st.altair_chart(association_chart(scores, groups), width="stretch")
        st.caption(f"{groups.group_a_name}: {', '.join(groups.group_a)} · {groups.group_b_name}: "
                   f"{', '.join(groups.group_b)}")

    with st.expander("Where the bias comes from, and what helps"):
        st.markdown(
            "- **Source:** the training text. Web pages, books and news describe people unevenly, and a model "
            "learns those frequencies as faithfully as it learns grammar.\n"
            "- **Measure it:** probes like these templates, and benchmark sets built for the purpose, show "
            "where a model treats groups differently.\n"
            "- **Mitigate it:** curate and balance the training data; add counter-examples (the same sentence "
            "with the words swapped); fine-tune and use human feedback (RLHF) to reward fair answers; filter "
            "outputs; and keep people reviewing what matters.\n"
            "- **Limits:** removing one visible bias can hide others; no fix makes a model neutral by itself."
        )

# --- made-up facts ------------------------------------------------------------------------------
elif section == "Made-up facts":
    st.subheader("Fluent is not the same as true")
    st.markdown(
        "A language model always writes *something*: it continues the text with likely tokens, whether or "
        f"not it knows the fact. Below, {TEXT_MODEL} answers questions whose answers we know. Each dot is one answer: "
        "how sure the model was of the tokens it wrote, and whether it was right. Wrong answers with high "
        "confidence are the dangerous ones."
    )
    with_context = st.toggle("Add retrieved context (paste the closest fact passages above each question)",
                             key="challenges_context")
    lm = loaders.text_model()
    checks = cached_fact_checks(lm, lm.model_id, None, False)
    context_checks = []
    if with_context:
        embedder = loaders.embedder()
        index = passage_index(embedder, embedder.model_id)
        context_checks = cached_fact_checks(lm, lm.model_id, index, True)

    columns = st.columns(2)
    columns[0].metric("Correct, question only", f"{sum(c.correct for c in checks)} of {len(checks)}")
    if context_checks:
        columns[1].metric("Correct, with retrieved context", f"{sum(c.correct for c in context_checks)} of "
                          f"{len(context_checks)}", delta=sum(c.correct for c in context_checks)
                          - sum(c.correct for c in checks))
    st.altair_chart(confidence_correctness_chart(checks + context_checks), width="stretch")

    table = pd.DataFrame([{
        "question": c.question.question,
        "answer": c.answer or "(nothing)",
        "right?": "✅" if c.correct else "❌",
        "confidence": c.mean_confidence,
        **({"with context": (d.answer or "(nothing)") + (" ✅" if d.correct else " ❌")} if context_checks else {}),
    } for c, d in zip(checks, context_checks or checks)])
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"confidence": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0,
                                                                               format="percent")})

    questions = [c.question.question for c in checks]
    picked = questions.index(st.selectbox("Look at one answer token by token", questions, key="challenges_question"))
    for check in [checks[picked]] + ([context_checks[picked]] if context_checks else []):
        st.caption("With retrieved context" if check.with_context else "Question only")
        if check.confidences:
            confidence_view(check.confidences, key=f"challenges_tokens_{check.with_context}")
        else:
            st.info("The model wrote nothing before starting a new line.")
        with st.expander("The exact prompt"):
            st.code(check.prompt, language=None)
    st.caption("Retrieval is how tools such as LangChain ground a model in real documents; the Embeddings "
               "page shows the search step on its own.")

# --- overfitting --------------------------------------------------------------------------------
else:
    st.subheader("Trained too narrowly, it can only repeat")
    st.markdown(
        "A model overfits when it learns its training examples by heart instead of the pattern behind them: "
        "it does well on what it saw and badly on anything new. The Training playground shows this with "
        "points and a validation curve that turns upward:"
    )
    st.page_link("pages/training_playground.py", label="Open the Training playground (load the 'overfit' preset)",
                 icon=":material/model_training:")
    st.markdown(
        f"Here is the same failure in text: fine-tune {TEXT_MODEL} (a copy, for this session only) on one tiny text, "
        "far too many times. Then give it the start of that text, and a prompt about something else."
    )
    tiny_text = st.text_area("The tiny training text", value=TINY_TEXT, key="challenges_tiny_text", height=90)
    steps = st.slider("Training steps", 10, 120, OVERFIT_STEPS, step=10, key="challenges_steps")
    if st.button("Overfit a copy of the model", type="primary", key="challenges_overfit_run"):
        lm = loaders.text_model()
        progress = st.progress(0.0, text="Training…")
        try:
            demo = overfit_demo(lm, tiny_text, steps=steps, on_step=lambda report: progress.progress(
                report.step / report.steps, text=f"Step {report.step} of {report.steps}: loss {report.loss:.3f}"))
        except ValueError as problem:
            st.warning(str(problem))
        else:
            st.session_state["challenges_overfit"] = demo
        progress.empty()
    demo = st.session_state.get("challenges_overfit")
    if demo is not None:
        st.line_chart(pd.DataFrame({"training loss": demo.losses}), height=160, x_label="step", y_label="loss")
        for prompt, before, after, share_before, share_after in zip(
                demo.prompts, demo.before, demo.after, demo.copied_before, demo.copied_after):
            st.markdown(f"**Prompt:** {prompt}")
            left, right = st.columns(2)
            with left:
                st.caption(f"Before: {share_before:.0%} copied from the tiny text")
                st.markdown(plain_markdown(prompt + before))
            with right:
                st.caption(f"After overfitting: {share_after:.0%} copied from the tiny text")
                st.markdown(plain_markdown(prompt + after))
        st.caption("'Copied' counts runs of 12 or more characters that appear word for word in the training "
                   "text. The fix is the same as in the playground: more varied data, fewer steps, or "
                   "regularisation.")
