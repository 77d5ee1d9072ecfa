"""Made-up facts: the text model answers fact questions, with or without retrieved passages, and its confidence
is set against whether it was right (genai_demo.challenges.hallucination, ui.challenges.made_up_facts)."""

import pandas as pd
import streamlit as st

from genai_demo.config import display_name, settings
from genai_demo.engine import kinds
from genai_demo.ui import loaders
from genai_demo.ui.challenges.links import other_challenges
from genai_demo.ui.challenges.made_up_facts import cached_fact_checks, confidence_correctness_chart, shown_answer
from genai_demo.ui.charts import show_chart
from genai_demo.ui.layout import page_intro
from genai_demo.ui.search.embeddings import passage_index
from genai_demo.ui.text.model_output import confidence_view

TEXT_MODEL = display_name(settings().text_model)  # the model this page runs, by name

page = page_intro(
    "made_up_facts",
    "A language model always writes *something*: it continues the text with likely tokens, whether or not it "
    f"knows the fact. Below, {TEXT_MODEL} answers questions whose answers we know. Each dot is one answer: how "
    "sure the model was of the tokens it wrote, and whether it was right. Wrong answers with high confidence "
    "are the dangerous ones.",
)

with_context = page.toggle("Add retrieved context (paste the closest fact passages above each question)", "context")
lm = loaders.model(kinds.TEXT)
checks = cached_fact_checks(lm, lm.model_id, None, False)
context_checks = []
if with_context:
    embedder = loaders.model(kinds.EMBED)
    index = passage_index(embedder, embedder.model_id)
    context_checks = cached_fact_checks(lm, lm.model_id, index, True)
if checks[0].chat:
    st.caption(f":material/chat: {TEXT_MODEL} has a chat template, so each question goes in as a user message in "
               "it, the way this instruction-tuned model was trained to read questions.")

columns = st.columns(2)
columns[0].metric("Correct, question only", f"{sum(c.correct for c in checks)} of {len(checks)}")
if context_checks:
    columns[1].metric("Correct, with retrieved context", f"{sum(c.correct for c in context_checks)} of "
                      f"{len(context_checks)}", delta=sum(c.correct for c in context_checks)
                      - sum(c.correct for c in checks))
show_chart(confidence_correctness_chart(checks + context_checks), width="stretch")

table = pd.DataFrame([{
    "question": c.question.question,
    "answer": shown_answer(c),
    "right?": "right" if c.correct else "wrong",
    "confidence": c.mean_confidence,
    **({"with context": shown_answer(d) + (" (right)" if d.correct else " (wrong)")} if context_checks else {}),
} for c, d in zip(checks, context_checks or checks)])
st.dataframe(table, hide_index=True, width="stretch",
             column_config={"question": st.column_config.TextColumn(width="medium"),
                            "answer": st.column_config.TextColumn(width="large"),
                            "right?": st.column_config.TextColumn(width="small"),
                            "confidence": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0,
                                                                          format="percent", width="small")})
st.caption("The answer is the first line the model wrote (at most a few tokens). *[ended its turn]* means it "
           "chose its own end-of-text token there: it had finished, not been cut off.")

questions = [c.question.question for c in checks]
picked = questions.index(page.choice("Look at one answer token by token", "question", questions, questions[0]))
for check in [checks[picked]] + ([context_checks[picked]] if context_checks else []):
    st.caption("With retrieved context" if check.with_context else "Question only")
    if check.confidences:
        confidence_view(check.confidences, key=page.key(f"tokens_{check.with_context}"))
    else:
        st.info("The model wrote nothing before ending its turn." if check.ended_turn
                else "The model wrote nothing before starting a new line.")
    with st.expander("The exact prompt"):
        st.code(check.prompt, language=None)
st.caption("Retrieval is how tools such as LangChain ground a model in real documents; the Embeddings "
           "page shows the search step on its own.")
other_challenges("made_up_facts")
