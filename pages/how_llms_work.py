import streamlit as st

from genai_demo import attention
from genai_demo.config import display_name, settings
from genai_demo.engine import SamplingSettings
from genai_demo.text import generate, next_token_distribution
from genai_demo.tokens import tokenize
from genai_demo.ui import loaders
from genai_demo.ui.attention import (
    attention_heatmap,
    attention_lines,
    embedding_heatmap,
    embedding_norms_chart,
    logit_lens_chart,
    token_label,
)
from genai_demo.ui.layout import page_intro
from genai_demo.ui.panels import input_notice
from genai_demo.ui.text import paced, plain_markdown, probability_chart, queue_note
from genai_demo.ui.tokens import token_chips

QUESTION = "What's the weather like today?"
TEXT_MODEL = display_name(settings().text_model)  # the model this page runs, by name

page_intro(
    "How ChatGPT answers",
    f"A chatbot's answer is built one token at a time. Below, {TEXT_MODEL} reads a question and you can follow "
    "every step: the text becomes **tokens**, each token becomes a list of numbers, **attention** lets "
    "every token gather information from the ones before it, and at the end the model scores every "
    "possible next token.",
    "look at which words ' today' attends to in layer 5, then change the question and watch the maps change.",
)

limits = settings().limits
text = st.text_area("The text the model reads", value=QUESTION, key="llm_text", max_chars=limits.max_prompt_chars,
                    height=80).lstrip()  # leading blank lines would only fill the 64-token window
if not text.strip():
    st.info("Type a question or a sentence above to start the walk-through.", icon=":material/edit:")
    st.stop()

lm = loaders.text_model()
window = attention.token_window(lm, text)
if window.truncated:
    input_notice(f"Your text has {window.total_tokens:,} tokens. The walk-through shows only its first "
                 f"{len(window.token_ids)}, so the maps stay readable; everything below uses those.")
with lm.lock:
    read_text = lm.tokenizer.decode(window.token_ids) if window.truncated else text
with st.spinner("Running the model once and keeping every layer's attention…"):
    try:
        walk = attention.walkthrough(lm, window.token_ids)
    except ValueError as error:  # e.g. a configured model whose layers this view cannot read
        st.warning(str(error))
        st.stop()
tokens = walk.tokens

# --- 1. tokens ------------------------------------------------------------------------------------
st.subheader("1 · The text becomes tokens")
with lm.lock:
    pieces = tokenize(lm.tokenizer, text)[: len(window.token_ids)]
token_chips(pieces, show_ids=True)
st.caption(f"{len(pieces)} tokens. The model never sees letters: it sees these numbers, one per piece. "
           "Common words are one token; rare words are split into several.")

# --- 2. embeddings --------------------------------------------------------------------------------
st.subheader("2 · Each token becomes a list of numbers")
view = attention.input_embeddings(lm, window.token_ids, dims=16)
st.markdown(
    f"Every token id picks a row of a learned table: a vector of **{view.hidden_size} numbers** (its "
    "*embedding*). Words used in similar ways end up with similar vectors. A second table adds a vector "
    "for each **position**, because the same word means something different at the start or the end. "
    "The model's first layer receives their sum."
)
limit = float(max(abs(view.token_vectors).max(), abs(view.input_vectors).max(), 1e-6))
parts = [("token", view.token_vectors)]
if view.position_vectors is not None:
    parts.append(("position", view.position_vectors))
parts.append(("token + position", view.input_vectors))
for column, (title, vectors) in zip(st.columns(len(parts)), parts):
    with column:
        st.markdown(f"**{title}**")
        st.altair_chart(embedding_heatmap(vectors, tokens, limit), width="stretch")
st.caption(f"The first 16 of {view.hidden_size} dimensions; red is positive, blue negative.")
with st.expander("How long is each vector?"):
    st.altair_chart(embedding_norms_chart(view, tokens), width="stretch")
    st.caption("The length (norm) of each full vector. In GPT-2 the position vectors are small next to "
               "the token vectors, except for the very first position, which stands out.")

# --- 3. attention ---------------------------------------------------------------------------------
st.subheader("3 · Attention: each token looks back at the others")
st.markdown(
    "In every layer, each token asks *which earlier tokens matter to me?* and takes a weighted average of "
    "their information. The weights are the **attention**: each row below adds up to 1. A token can only "
    "look **back**, never at words that come after it, because when the model writes, those words do not "
    "exist yet. Different **heads** learn to look for different things (the previous word, the subject, "
    "punctuation)."
)
pick_layer, pick_head = st.columns(2)
layer = pick_layer.slider("Layer", 1, walk.n_layers, min(5, walk.n_layers), key="llm_layer") - 1
head_names = ["average of all heads"] + [f"head {h + 1}" for h in range(walk.n_heads)]
head_name = pick_head.selectbox("Head", head_names, key="llm_head")
head = None if head_name == head_names[0] else head_names.index(head_name) - 1
weights = attention.head_weights(walk, layer, head)

labels = [token_label(i, t) for i, t in enumerate(tokens)]
default_focus = next((i for i, t in enumerate(tokens) if t.strip().lower() == "today"), len(tokens) - 1)
focus_name = st.selectbox("Follow one token", ["every token"] + labels, index=default_focus + 1, key="llm_focus")
focus = None if focus_name == "every token" else labels.index(focus_name)

lines_tab, map_tab = st.tabs(["Lines", "Heatmap"])
with lines_tab:
    st.altair_chart(attention_lines(weights, tokens, focus), width="stretch")
    st.caption("Left: the token that is reading. Right: the tokens it reads from. Thicker, darker lines "
               "carry more attention; lines under 3% are hidden.")
with map_tab:
    st.altair_chart(attention_heatmap(weights, tokens), width="stretch")
    st.caption("Each row is one token reading; the empty upper-right triangle is the future it may not see.")
query = focus if focus is not None else len(tokens) - 1
strongest = attention.strongest_links(walk, layer, head, query)
st.markdown(f"In this {'layer (all heads averaged)' if head is None else 'head'}, **{labels[query]}** pays most "
            "attention to " + ", ".join(f"**{labels[k]}** ({weight:.0%})" for k, weight in strongest) + ".")
with st.expander("Why context matters"):
    st.markdown(
        "The vector for *today* at the end of this question is not the same as the vector for *today* in "
        "*'I went swimming today'*: attention has mixed in *weather*, *like* and *what*. After a dozen "
        "layers each token's vector carries the meaning of the whole sentence around it. Many heads "
        "also dump spare attention on the first token: it works as a resting place when nothing else "
        "is relevant."
    )

# --- 4. logit lens --------------------------------------------------------------------------------
st.subheader("4 · What each layer would predict next")
st.markdown(
    "We can read the model's mind halfway through: take the vector after any layer, send it through the "
    "model's final step (layer norm, then the output table), and see which token it would pick. This is "
    "called the **logit lens**. Early layers guess vaguely; the guess sharpens as the layers add context."
)
st.altair_chart(logit_lens_chart(walk), width="stretch")
final_piece = walk.lens_top_tokens[-1][-1][0]
st.caption(f"Each cell is the top guess after that token; greener means more sure. The bottom-right cell is "
           f"the model's real answer for what follows your text: **{final_piece!r}**. Hover for the top 5.")

# --- 5. next token --------------------------------------------------------------------------------
st.subheader("5 · The next token: a probability for every word")
distribution = next_token_distribution(lm, read_text, SamplingSettings(temperature=1.0, top_k=0, top_p=1.0))
probability_chart(distribution)
st.caption(f"The model's top {len(distribution.pieces)} candidates out of {len(lm.tokenizer):,} tokens. "
           "A chatbot picks one of them, adds it to the text, and runs all of the above again.")

# --- 6. continuation ------------------------------------------------------------------------------
st.subheader("6 · Repeat: the generated answer")
knobs_left, knobs_right = st.columns(2)
temperature = knobs_left.slider("Temperature", 0.0, 1.5, 0.7, 0.1, key="llm_temperature",
                                help="0 always takes the most likely token; higher is more adventurous.")
seed = knobs_right.number_input("Seed", 0, 1_000_000, 0, key="llm_seed",
                                help="The same seed gives the same text for the same settings.")


def show_continuation(box, written: str, done: bool, waiting: str = "") -> None:  # type: ignore[no-untyped-def]
    with box.container(border=True):
        tail = " ".join(read_text.split())
        tail = tail if len(tail) <= 80 else "…" + tail[-80:]
        st.caption(f"After “{plain_markdown(tail)}” the model writes:")
        st.markdown(waiting or plain_markdown(written) + ("" if done else " ▌"))


if st.button("Generate a continuation", key="llm_generate", type="primary"):
    sampling = SamplingSettings(temperature=temperature, max_new_tokens=min(40, limits.max_new_tokens), seed=int(seed))
    box = st.empty()
    for update in paced(generate(lm, read_text, [sampling])):
        show_continuation(box, update.texts[0], update.done, queue_note(update) if update.waiting else "")
    st.session_state["llm_continuation"] = (read_text, update.texts[0])
elif st.session_state.get("llm_continuation", ("", ""))[0] == read_text:
    show_continuation(st.empty(), st.session_state["llm_continuation"][1], True)

st.info(
    f"**Why {TEXT_MODEL} cannot tell you today's weather.** It learned from text written long ago and has "
    "no window to the outside world: no clock, no thermometer, no internet. All it can do is continue the "
    "text with words that *look* likely. An assistant like ChatGPT was further trained to say so (*'I "
    "can't check live weather'*), or is connected to a search or weather tool that fetches today's data "
    "and pastes it into the text it reads.",
    icon=":material/cloud:",
)
