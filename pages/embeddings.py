"""Embeddings: sentences become vectors, and nearby vectors mean nearby meanings."""

from __future__ import annotations

import numpy as np
import streamlit as st

from genai_demo.config import display_name, settings
from genai_demo.engine import kinds
from genai_demo.engine.bundles import Embedder, TextModel
from genai_demo.search import embeddings as emb
from genai_demo.search import rag
from genai_demo.text.generation import generate
from genai_demo.text.instruct import has_chat_template
from genai_demo.ui import loaders
from genai_demo.ui.charts import show_chart
from genai_demo.ui.inputs import PageInputs
from genai_demo.ui.layout import page_intro
from genai_demo.ui.literal import plain_markdown
from genai_demo.ui.panels import input_notice, model_unavailable_panel
from genai_demo.ui.progress import bring_into_view
from genai_demo.ui.search import embeddings as ui
from genai_demo.ui.search.embeddings import EmbeddingsState, LibrarySearch, RagAnswers
from genai_demo.ui.text.model_output import paced, queue_note

STRIP_DIMENSIONS = 48
TOP_CONTRIBUTIONS = 12
MAX_PASSAGES = 10  # the search keeps this many hits; the slider only shows more or fewer of them
CHARS_PER_SENTENCE = 500  # the sentence box keeps max_sentences times this many characters

page = page_intro(
    "embeddings",
    "An embedding model turns a sentence into a list of numbers, a **vector**. Sentences that mean similar "
    "things get vectors that point in similar directions, even when they share no words. Semantic search, "
    "recommendations and chatbots that read your documents are all built on this one idea.",
)
limits = settings().limits
embedder = loaders.model(kinds.EMBED)


def explain_cuts(embedder: Embedder, texts: list[str], what: str) -> None:
    counts = emb.token_counts(embedder, texts)
    too_long = [(number, count) for number, count in enumerate(counts, start=1) if count > embedder.max_tokens]
    if too_long:
        listed = ", ".join(f"{what} {number} ({count:,} tokens)" for number, count in too_long[:5])
        input_notice(f"Too long for the model's window of {embedder.max_tokens} tokens: {listed}. Only the first "
                     f"{embedder.max_tokens} tokens of each are read; the rest does not change the vector.")


@st.fragment
def sentences_lab(page: PageInputs, embedder: Embedder) -> None:
    """Part 1: the learner's sentences, their similarity matrix, their map and the inside of two vectors."""
    st.subheader("1. Your sentences as vectors")
    text = page.text("One sentence per line. Start a line with `group:` to color it on the map.", "sentences",
                     emb.default_sentences_text(), max_chars=limits.max_sentences * CHARS_PER_SENTENCE, height=300)
    parsed = emb.parse_sentences(text, limits.max_sentences)
    sentences, groups = parsed.sentences, parsed.groups
    if parsed.dropped:
        input_notice(f"Only the first {limits.max_sentences} sentences are used (the limit on this server); "
                     f"{parsed.dropped:,} more lines were left out.")
    if parsed.duplicates:
        shown = "; ".join(f"“{sentence}”" for sentence in list(dict.fromkeys(parsed.duplicates))[:3])
        st.info(f"{len(parsed.duplicates)} repeated line(s) merged into one: {shown}. A sentence compared with "
                "itself always scores 1.000, so a repeat adds nothing new.", icon=":material/merge:")
    explain_cuts(embedder, sentences, "sentence")
    if not sentences:
        st.info("Type at least two sentences, one per line, to compare them.")
        return

    model_id = embedder.model_id
    dimensions = embedder.model.get_embedding_dimension()
    vectors = ui.sentence_vectors(embedder, model_id, tuple(sentences))
    labels = [ui.short_label(number, sentence) for number, sentence in enumerate(sentences, start=1)]
    st.caption(f"{len(sentences)} sentences → {len(sentences)} vectors of {dimensions} numbers each "
               f"(model `{display_name(model_id)}`).")
    if len(sentences) == 1:
        st.info("Only one sentence: similarity compares **pairs**, so add at least one more line to see the "
                "similarity matrix and the map. Its vector is shown below.", icon=":material/info:")
        show_chart(ui.vector_strip(vectors, labels, min(STRIP_DIMENSIONS, dimensions)), width="stretch")
        return

    matrix = emb.similarity_matrix(vectors)
    pairs = emb.ranked_pairs(matrix)
    closest, furthest = pairs[0], pairs[-1]
    similarity_tab, map_tab, inside_tab = page.tabs(["Similarity", "Map", "Inside a vector"])

    with similarity_tab:
        if similarity_tab.open:
            st.markdown("**Cosine similarity** is the cosine of the angle between two vectors: **1.00** means "
                        "the same direction (same meaning), around **0** means unrelated.")
            show_chart(ui.similarity_heatmap(matrix, labels, sentences), width="stretch")
            if len(sentences) > ui.MAX_LABELLED_CELLS:
                st.caption("Too many cells to print every number: hover a cell to read it.")
            left, right = st.columns(2)
            for column, title, (a, b, score) in ((left, "Closest pair", closest), (right, "Furthest pair", furthest)):
                column.metric(title, f"{score:.3f}", help=f"{labels[a]} ↔ {labels[b]}")
                column.caption(plain_markdown(f"{sentences[a]} ↔ {sentences[b]}"))
            with st.expander("How is the number computed?"):
                st.markdown(
                    "cosine(a, b) = (a · b) / (|a| × |b|): multiply the two vectors number by number, add the "
                    "products, divide by both lengths. This app scales every vector to length 1 first, so the "
                    "cosine is simply the sum of the products (see *Inside a vector*). Sentences of the same "
                    "group usually form bright blocks along the diagonal."
                )

    with map_tab:
        if map_tab.open:
            method_name = page.choice("Projection", "projection", ["PCA", "t-SNE"], "PCA", widget=st.radio,
                                      horizontal=True)
            method = "pca" if method_name == "PCA" else "tsne"
            seed = page.seed("t-SNE seed", "tsne_seed", 0) if method == "tsne" else 0
            points = ui.projected(vectors, method, seed)
            map_labels = [ui.short_label(number, sentence, width=14) for number, sentence in enumerate(sentences, 1)]
            show_chart(ui.projection_scatter(points, map_labels, groups, sentences, method), width="stretch")
            st.caption(f"{dimensions} numbers cannot be drawn, so they are squashed to 2. Click a point or a "
                       "legend entry to light up its group (double-click to clear). Distances here are "
                       "approximate: the similarity matrix has the exact numbers.")
            with st.expander("PCA or t-SNE?"):
                st.markdown(
                    "**PCA** keeps the two directions along which your sentences differ most; it is a fixed "
                    "linear view, so the same sentences always give the same picture. **t-SNE** (from "
                    "scikit-learn) moves points so that close neighbours stay close; it separates groups more "
                    "clearly, but distances between far groups mean little, and a different seed gives a "
                    "different layout."
                )

    with inside_tab:
        if inside_tab.open:
            inside_a_vector(page, vectors, labels, closest)


def inside_a_vector(page: PageInputs, vectors: np.ndarray, labels: list[str], closest: tuple[int, int, float]) -> None:
    dimensions = vectors.shape[1]
    options = range(len(labels))
    left, right = st.columns(2)
    # Start from the closest pair: the most interesting "why are these close?"
    with left:
        a = page.choice("Sentence A", "vector_a", options, closest[0], format_func=labels.__getitem__)
    with right:
        b = page.choice("Sentence B", "vector_b", options, closest[1], format_func=labels.__getitem__)
    a, b = min(a, len(labels) - 1), min(b, len(labels) - 1)
    shown_dims = min(STRIP_DIMENSIONS, dimensions)
    st.markdown(f"The first {shown_dims} of {dimensions} numbers of each vector (blue positive, red negative):")
    show_chart(ui.vector_strip(vectors[[a, b]], ["A", "B"], shown_dims), width="stretch")
    products = emb.dot_contributions(vectors[a], vectors[b])
    together, apart = float(products[products > 0].sum()), float(products[products < 0].sum())
    length, count, total = st.columns(3)
    length.metric("Length of A", f"{float((vectors[a] ** 2).sum() ** 0.5):.3f}",
                  help="Every vector is scaled to length 1, so only its direction carries meaning.")
    count.metric("Numbers per vector", dimensions)
    total.metric("cosine(A, B)", f"{float(products.sum()):.3f}")
    st.markdown(
        f"**Why A and B are close (or not):** the cosine is the sum of {dimensions} products "
        f"a[i] × b[i]. Dimensions where both numbers have the same sign add to it "
        f"(together **{together:+.3f}**), opposite signs subtract (together **{apart:+.3f}**); "
        f"the total is **{together + apart:.3f}**. The {TOP_CONTRIBUTIONS} biggest products:"
    )
    show_chart(ui.contribution_bars(products, TOP_CONTRIBUTIONS), width="stretch")
    st.caption("No single dimension means 'animal' or 'money': meaning is spread over all of them, and "
               "it is the sum that counts.")


@st.fragment
def search_lab(page: PageInputs, embedder: Embedder) -> None:
    """Part 2: semantic search over the passages shipped with the app."""
    st.subheader("2. Semantic search in the app's library")
    st.markdown("The app ships short passages about generative AI. Each is turned into a vector once per "
                "server; a search embeds only your question and compares it with all of them.")
    query = page.text("Search for", "query", "how do images get made from noise", limits.max_prompt_chars,
                      area=False)
    top_k = page.slider("Passages to show", "top_k", 1, MAX_PASSAGES, 5)
    area = st.container(key=page.key("result"))
    if not query.strip():
        area.info("Type a question or a few words to search the library.")
        return
    state = page.state(EmbeddingsState)
    last = state.search
    if last is None or last.query != query:  # showing more or fewer passages needs no new search
        if last is not None:  # the learner asked for a new search (the first one runs as the page opens)
            bring_into_view(page.key("result"))
        with area, st.spinner("Searching: embedding your question and comparing it with every passage…"):
            index = ui.passage_index(embedder, embedder.model_id)
            last = state.search = LibrarySearch(query, ui.search(index, embedder.model_id, query, MAX_PASSAGES),
                                                len(index))
    with area:
        explain_cuts(embedder, [query], "query")
        st.caption(f"The {top_k} closest of {last.size} passages, by cosine similarity to your question:")
        for rank, (passage, score) in enumerate(last.hits[:top_k], start=1):
            st.markdown(f"**{rank}.** `{score:.3f}` {plain_markdown(passage.text)}  \n"
                        f":gray[{passage.topic} · {passage.passage_id}]")
    with st.expander("Why is this better than keyword search?"):
        st.markdown("The scores are cosine similarities between your question's vector and each passage's vector. "
                    "A passage can rank high without sharing a single word with the question, as long as it "
                    "means something close. Try *a lower setting makes the output more predictable*: the top "
                    "passage is about temperature, a word the query never uses.")


@st.fragment
def rag_lab(page: PageInputs, embedder: Embedder) -> None:
    """Part 3: the text model answers with and without the retrieved passages pasted above the question."""
    st.subheader("3. Retrieval-augmented answer (RAG)")
    st.markdown("Tools such as **LangChain** connect a language model to your data the same way: search the "
                "library, paste the best passages into the prompt, and let the model continue. The model learns "
                "nothing new; it just reads more.")
    question = page.text("Question", "question", "Who released GPT-2, and in which year?", limits.max_prompt_chars,
                         area=False)
    passages_in_prompt = page.slider("Passages pasted into the prompt", "passages", 1, 5, 2)
    if not question.strip():
        st.info("Type a question to build the prompt.")
        return
    model_id = settings().writing_model  # a served model's own tokenizer builds the prompt
    tokenizer, error = loaders.tokenizer_or_error(model_id)  # the prompt needs only the tokenizer
    if error is not None:
        model_unavailable_panel(error)
        return
    index = ui.passage_index(embedder, embedder.model_id)
    hits = ui.search(index, embedder.model_id, question, MAX_PASSAGES)[:passages_in_prompt]
    with_context, without_context = rag.model_prompt(tokenizer, question, hits), rag.model_prompt(tokenizer, question)
    chat = has_chat_template(tokenizer)
    name = display_name(model_id)
    st.markdown(f"The exact text **{name}** will read:")
    st.code(with_context, language=None, wrap_lines=True)
    if chat:
        st.caption(f"{name} is an instruction-tuned model, so the prompt is wrapped in its chat template as your "
                   "message; the markers are part of what it reads.")
    request = (model_id, with_context, without_context)
    state = page.state(EmbeddingsState)
    answer = page.action("Answer with and without the context", "go", area="answers_area", type="primary")
    area = answer.area
    if answer.clicked:
        with area:
            lm = loaders.text_writer_or_none()
            if lm is not None:
                written = stream_answers(lm, chat, {"without": without_context, "with": with_context})
                state.answers = RagAnswers(request, chat, written["without"], written["with"])
    answers = state.answers
    if answers and answers.request == request:
        with area:
            without_column, with_column = st.columns(2)
            with without_column:
                st.markdown("**Without context**")
                st.code(without_context, language=None, wrap_lines=True)
                ui.answer_box(answers.without, rag.ANSWER_SETTINGS.max_new_tokens)
            with with_column:
                st.markdown("**With the retrieved passages**")
                st.caption(f"Prompt above ({len(hits)} passage{'s' if len(hits) > 1 else ''} + the question)")
                ui.answer_box(answers.with_context, rag.ANSWER_SETTINGS.max_new_tokens)
            st.caption(f"Same model ({name}), greedy decoding (temperature 0, always the most likely token), at "
                       f"most {rag.ANSWER_SETTINGS.max_new_tokens} new tokens, so the only difference is the "
                       "context.")
    elif answers:
        area.caption("The question, the passages or the model changed: press the button for new answers.")


def stream_answers(lm: TextModel, chat: bool, prompts: dict[str, str]) -> dict[str, rag.Answer]:
    """Each prompt's answer, written into the page token by token, one after the other."""
    answers = {}
    for name, prompt in prompts.items():
        label = "without" if name == "without" else "with"
        slot = st.empty()
        for update in paced(generate(lm, prompt, [rag.ANSWER_SETTINGS])):
            if update.waiting:
                slot.markdown(queue_note(update))
            else:
                answers[name] = rag.read_answer(lm, update, chat)
                slot.markdown(f"*Answering {label} the context…*  \n{plain_markdown(answers[name].text)}▌")
        slot.empty()
    return answers


sentences_lab(page, embedder)
search_lab(page, embedder)
rag_lab(page, embedder)
