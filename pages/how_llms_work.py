"""How ChatGPT answers: one prompt through the language model step by step: tokens, embeddings, attention and its
reach, the transformer as built, the logit lens, the next token, the answer (genai_demo.text.attention,
text.transformer, ui.text.how_llms_work)."""

import streamlit as st

from genai_demo.config import display_name, settings
from genai_demo.engine import kinds
from genai_demo.engine.bundles import TextModel
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.nets.char_model import CONTEXT, shipped_texts
from genai_demo.text import attention
from genai_demo.text.generation import generate, next_token_distribution
from genai_demo.text.instruct import has_chat_template, user_turn
from genai_demo.text.tokens import tokenize
from genai_demo.text.transformer import REACH_TOKENS, architecture
from genai_demo.ui import loaders
from genai_demo.ui.charts import show_chart
from genai_demo.ui.inputs import PageInputs
from genai_demo.ui.layout import page_intro
from genai_demo.ui.literal import plain_markdown
from genai_demo.ui.panels import input_notice
from genai_demo.ui.text.how_llms_work import (
    Continuation,
    HowLlmsWorkState,
    architecture_dot,
    attention_heatmap,
    attention_lines,
    cached_reach,
    embedding_heatmap,
    embedding_norms_chart,
    logit_lens_chart,
    parameter_chart,
    reach_chart,
    sizes_table,
    token_label,
)
from genai_demo.ui.text.model_output import paced, probability_chart, queue_note
from genai_demo.ui.tokens import token_chips

QUESTION = "What's the weather like today?"
TEXT_MODEL = display_name(settings().text_model)  # the model this page runs, by name
STEPS = ["Tokens", "Embeddings", "Attention", "Transformer", "Reach", "Layer guesses", "Next token"]
LONG_TEXT = shipped_texts()["alice"]  # the text the character model learns on Training vs generation

page = page_intro(
    "how_llms_work",
    f"A chatbot's answer is built one token at a time. Below, {TEXT_MODEL} reads a question and you can follow "
    "every step: the text becomes **tokens**, each token becomes a list of numbers, **attention** lets "
    "every token gather information from the ones before it, and at the end the model scores every "
    "possible next token. Each tab is one step; the address bar remembers which one is open.",
)

limits = settings().limits
text = page.text("The text the model reads", "text", QUESTION, max_chars=limits.max_prompt_chars,
                 height=80).lstrip()  # leading blank lines would only fill the 64-token window
if not text.strip():
    st.info("Type a question or a sentence above to start the walk-through.", icon=":material/edit:")
    st.stop()

lm = loaders.model(kinds.TEXT)
window = attention.token_window(lm, text)
if window.truncated:
    input_notice(f"Your text has {window.total_tokens:,} tokens. The walk-through shows only its first "
                 f"{len(window.token_ids)}, so the maps stay readable; everything below uses those.")
read_text = lm.decode(window.token_ids) if window.truncated else text


def walk_or_stop() -> attention.Walkthrough:
    with st.spinner("Running the model once and keeping every layer's attention…"):
        try:
            return attention.walkthrough(lm, window.token_ids)
        except ValueError as error:  # e.g. a configured model whose layers this view cannot read
            st.warning(str(error))
            st.stop()


def show_tokens() -> None:
    st.subheader("1 · The text becomes tokens")
    pieces = tokenize(lm.tokenizer, text)[: len(window.token_ids)]  # tokenize locks the tokenizer itself
    token_chips(pieces, show_ids=True)
    st.caption(f"{len(pieces)} tokens. The model never sees letters: it sees these numbers, one per piece. "
               "Common words are one token; rare words are split into several.")


def show_embeddings() -> None:
    st.subheader("2 · Each token becomes a list of numbers")
    tokens = walk_or_stop().tokens
    view = attention.input_embeddings(lm, window.token_ids, dims=16)
    positions = ("A second table adds a vector for each **position**, because the same word means something "
                 "different at the start or the end. The model's first layer receives their sum."
                 if view.position_vectors is not None else
                 f"{TEXT_MODEL} has no table of position vectors: it marks each token's place by rotating "
                 "parts of its vector inside attention (rotary positions).")
    st.markdown(f"Every token id picks a row of a learned table: a vector of **{view.hidden_size} numbers** (its "
                f"*embedding*). Words used in similar ways end up with similar vectors. {positions}")
    limit = float(max(abs(view.token_vectors).max(), abs(view.input_vectors).max(), 1e-6))
    parts = [("token", view.token_vectors)]
    if view.position_vectors is not None:
        parts += [("position", view.position_vectors), ("token + position", view.input_vectors)]
    for column, (title, vectors) in zip(st.columns(len(parts)), parts):
        with column:
            st.markdown(f"**{title}**")
            show_chart(embedding_heatmap(vectors, tokens, limit), width="stretch")
    st.caption(f"The first 16 of {view.hidden_size} dimensions; red is positive, blue negative.")
    with st.expander("How long is each vector?"):
        show_chart(embedding_norms_chart(view, tokens), width="stretch")
        st.caption("The length (norm) of each full vector. In GPT-2 the position vectors are small next to "
                   "the token vectors, except for the very first position, which stands out.")


@st.fragment
def show_attention(page: PageInputs, walk: attention.Walkthrough) -> None:
    st.subheader("3 · Attention: each token looks back at the others")
    st.markdown(
        "In every layer, each token asks *which earlier tokens matter to me?* and takes a weighted average of "
        "their information. The weights are the **attention**: each row below adds up to 1. A token can only "
        "look **back**, never at words that come after it, because when the model writes, those words do not "
        "exist yet. Different **heads** learn to look for different things (the previous word, the subject, "
        "punctuation)."
    )
    pick_layer, pick_head = st.columns(2)
    with pick_layer:
        layer = page.slider("Layer", "layer", 1, walk.n_layers, min(5, walk.n_layers)) - 1
    head_names = ["average of all heads"] + [f"head {h + 1}" for h in range(walk.n_heads)]
    with pick_head:
        head_name = page.choice("Head", "head", head_names, head_names[0])
    head = None if head_name == head_names[0] else head_names.index(head_name) - 1
    weights = attention.head_weights(walk, layer, head)

    tokens = walk.tokens
    labels = [token_label(i, t) for i, t in enumerate(tokens)]
    default_focus = next((i for i, t in enumerate(tokens) if t.strip().lower() == "today"), len(tokens) - 1)
    focus_name = page.choice("Follow one token", "focus", ["every token"] + labels, labels[default_focus])
    focus = None if focus_name == "every token" else labels.index(focus_name)

    lines_tab, map_tab = page.tabs(["Lines", "Heatmap"], name="view")
    with lines_tab:
        if lines_tab.open:
            show_chart(attention_lines(weights, tokens, focus), width="stretch")
            st.caption("Left: the token that is reading. Right: the tokens it reads from. Thicker, darker lines "
                       "carry more attention; lines under 3% are hidden. **Click a token on the left** to follow "
                       "only its lines; double-click to see every token's.")
    with map_tab:
        if map_tab.open:
            show_chart(attention_heatmap(weights, tokens), width="stretch")
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


def show_transformer() -> None:
    st.subheader(f"4 · The transformer: {TEXT_MODEL}, as built")
    try:
        arch = architecture(lm)
    except ValueError as error:
        st.warning(str(error))
        return
    drawing, numbers = st.columns([3, 2])
    with drawing:
        st.graphviz_chart(architecture_dot(arch, TEXT_MODEL), width="stretch")
    with numbers:
        st.table(sizes_table(arch))
    st.markdown(
        f"Everything on the other tabs happens inside this machine. The token embeddings put each token on the "
        f"**residual stream**, a vector of {arch.hidden_size:,} numbers per token. Then {arch.n_layers} **blocks** "
        "follow, each built the same way with its own weights: **attention** lets every token read from earlier "
        "ones, then an **MLP** works on each token on its own; each adds its result onto the stream (the "
        "**+**) instead of replacing it. At the end the **unembedding** turns the last vector into a score for "
        "every token of the vocabulary."
    )
    show_chart(parameter_chart(arch), width="stretch")
    st.caption(f"Where the {arch.total_params:,} parameters live, counted from the loaded weights. "
               + ("The output head reuses the token table, so it adds nothing." if arch.tied_unembedding else ""))
    with st.expander("Why a transformer handles long text"):
        st.markdown(
            "Attention connects every token **directly** to every earlier one: a word near the end can read a "
            "name from the first line in one step, in every layer. Older designs passed information along "
            "one step at a time (and faded with distance), or, like the character model on *Training vs "
            f"generation*, saw a fixed window of only {CONTEXT} characters. The price: every token compares "
            f"itself with all earlier ones, so the work grows with the square of the length, and the model "
            f"stops at its window of {arch.context_window:,} tokens. The **Reach** tab measures it on a long text."
        )


@st.fragment
def show_reach(page: PageInputs) -> None:
    st.subheader("5 · How far back does attention reach?")
    st.markdown(
        f"Here {TEXT_MODEL} reads a longer text once, and for every layer we add up where its attention goes: to "
        "the token itself, the one before, 2–3 back, 4–7 back, and so on. The character model on *Training vs "
        f"generation* can never look further back than its fixed window of {CONTEXT} characters; a transformer "
        "layer can reach any earlier token in one step."
    )
    long_text = page.text("A long text to read (the Alice passage the character model also learns from)",
                          "long_text", LONG_TEXT.text, max_chars=limits.max_prompt_chars, height=120)
    skip_first = page.toggle("Leave out attention to the first token (the resting place)", "skip_first", True)
    ids = lm.encode(long_text)
    keep = min(REACH_TOKENS, lm.context_window)
    if len(ids) < 2:
        st.info("Type or paste a longer text: attention needs at least two tokens to reach back.",
                icon=":material/edit:")
        return
    if len(ids) > keep:
        input_notice(f"Your text has {len(ids):,} tokens; the first {keep} are read (one pass keeps every layer's "
                     "attention, which grows with the square of the length).")
        ids = ids[:keep]
    reach = cached_reach(lm, lm.model_id, tuple(ids))
    chars = len(lm.decode(ids))
    window_tokens = CONTEXT * len(ids) / max(chars, 1)
    show_chart(reach_chart(reach, skip_first, window_tokens), width="stretch")
    beyond = reach.share_beyond(window_tokens, skip_first)
    mean = reach.mean_distance(skip_first)
    farthest = int(mean.argmax())
    st.markdown(
        f"On these {len(ids)} tokens (about {chars / len(ids):.1f} characters each), the character model's "
        f"{CONTEXT} characters are about **{window_tokens:.1f} tokens**. Averaged over the {reach.n_layers} layers, "
        f"**{beyond.mean():.0%}** of the attention goes further back than that. Layer {farthest + 1} reaches "
        f"furthest: on average **{mean[farthest]:.1f} tokens** back."
    )
    st.caption("Early tokens cannot look far (there is little before them), so every layer has some weight near "
               "0. Click a row of the map to see that layer as bars. Orange: within the character model's window.")
    st.page_link("pages/training_vs_generation.py", label="Training vs generation: the character model's fixed window",
                 icon=":material/school:")


def show_lens() -> None:
    walk = walk_or_stop()
    st.subheader("6 · What each layer would predict next")
    st.markdown(
        "We can read the model's mind halfway through: take the vector after any layer, send it through the "
        "model's final step (layer norm, then the output table), and see which token it would pick. This is "
        "called the **logit lens**. Early layers guess vaguely; the guess sharpens as the layers add context."
    )
    show_chart(logit_lens_chart(walk), width="stretch")
    final_piece = walk.lens_top_tokens[-1][-1][0]
    st.caption(f"Each cell is the top guess after that token; greener means more sure. The bottom-right cell is "
               f"the model's real answer for what follows your text: {plain_markdown(repr(final_piece))}. "
               "Hover for the top 5.")


def show_next_token(model: TextModel, prompt: str, chat: bool) -> None:
    st.subheader("7 · The next token: a probability for every word")
    if chat:
        st.caption(f":material/chat: {TEXT_MODEL} is instruction-tuned, so here your text goes in as a user "
                   "message of its chat template, and the next token is the first of its answer.")
        with st.expander("What the model reads"):
            st.code(prompt, language=None)
    distribution = next_token_distribution(model, prompt, SamplingSettings(temperature=1.0, top_k=0, top_p=1.0))
    probability_chart(distribution)
    st.caption(f"The model's top {len(distribution.pieces)} candidates out of {len(model.tokenizer):,} tokens. "
               "A chatbot picks one of them, adds it to the text, and runs all of the above again.")


@st.fragment
def show_continuation(page: PageInputs, model: TextModel, prompt: str) -> None:
    st.subheader("8 · Repeat: the generated answer")
    knobs_left, knobs_right = st.columns(2)
    with knobs_left:
        temperature = page.slider("Temperature", "temperature", 0.0, 1.5, 0.7, 0.1,
                                  help="0 always takes the most likely token; higher is more adventurous.")
    with knobs_right:
        seed = page.seed("Seed", "seed", 0, help="The same seed gives the same text for the same settings.")
    state = page.state(HowLlmsWorkState)
    write = page.action("Generate a continuation", "go", type="primary")
    setup = (prompt, temperature, seed)
    if write.clicked:
        sampling = SamplingSettings(temperature=temperature, max_new_tokens=min(40, limits.max_new_tokens), seed=seed)
        box = write.area.empty()
        for update in paced(generate(model, prompt, [sampling])):
            written = update.texts[0]
            state.continuation = Continuation(setup, written)  # survives leaving mid-run
            show_written(box, written, update.done, queue_note(update) if update.waiting else "")
        ended = bool(update.token_ids[0]) and update.token_ids[0][-1] in model.end_ids
        state.continuation = Continuation(setup, update.texts[0], ended)
        show_written(box, update.texts[0], True, ended=ended)
    else:
        kept = state.continuation
        if kept is not None and kept.setup == setup:
            show_written(write.area.empty(), kept.text, True, ended=kept.ended)


def show_written(box, written: str, done: bool, waiting: str = "", ended: bool = False) -> None:
    with box.container(border=True):
        tail = " ".join(read_text.split())
        tail = tail if len(tail) <= 80 else "…" + tail[-80:]
        st.caption(f"After “{plain_markdown(tail)}” the model writes:")
        st.markdown(waiting or plain_markdown(written) + ("" if done else " ▌"))
        if ended:
            st.caption(":material/stop_circle: The model ended its turn here: it chose its end-of-text token.")


tabs = page.tabs(STEPS, name="step")
actions = {
    "Tokens": show_tokens,
    "Embeddings": show_embeddings,
    "Attention": lambda: show_attention(page, walk_or_stop()),
    "Transformer": show_transformer,
    "Reach": lambda: show_reach(page),
    "Layer guesses": show_lens,
}
for name, tab in zip(STEPS, tabs):
    with tab:
        if not tab.open:
            continue
        if name in actions:
            actions[name]()
        else:
            prompt, chat = user_turn(lm.tokenizer, read_text), has_chat_template(lm.tokenizer)
            show_next_token(lm, prompt, chat)
            show_continuation(page, lm, prompt)

st.info(
    f"**Why {TEXT_MODEL} cannot tell you today's weather.** It learned from text written long ago and has "
    "no window to the outside world: no clock, no thermometer, no internet. All it can do is continue the "
    "text with words that *look* likely. An assistant like ChatGPT was further trained to say so (*'I "
    "can't check live weather'*), or is connected to a search or weather tool that fetches today's data "
    "and pastes it into the text it reads.",
    icon=":material/cloud:",
)
