"""Embeddings: sentences become vectors, and nearby vectors mean nearby meanings."""

from __future__ import annotations

import streamlit as st

from genai_demo import embeddings as emb
from genai_demo.config import settings
from genai_demo.retrieval import build_plain_prompt, build_rag_prompt
from genai_demo.text import SamplingSettings, generate_texts
from genai_demo.ui import embeddings as ui
from genai_demo.ui import loaders
from genai_demo.ui.layout import page_intro
from genai_demo.ui.panels import input_notice, unavailable_shown

STRIP_DIMENSIONS = 48
TOP_CONTRIBUTIONS = 12
ANSWER_SETTINGS = SamplingSettings(temperature=0, max_new_tokens=40)

page_intro(
    "embeddings",
    "An embedding model turns a sentence into a list of numbers, a **vector**. Sentences that mean similar "
    "things get vectors that point in similar directions, even when they share no words. Semantic search, "
    "recommendations and chatbots that read your documents are all built on this one idea.",
)

limits = settings().limits
embedder = loaders.embedder()
model_id = embedder.model_id
dimensions = embedder.model.get_embedding_dimension()


def explain_cuts(counts: list[int], what: str) -> None:
    too_long = [(number, count) for number, count in enumerate(counts, start=1) if count > embedder.max_tokens]
    if too_long:
        listed = ", ".join(f"{what} {number} ({count:,} tokens)" for number, count in too_long[:5])
        input_notice(f"Too long for the model's window of {embedder.max_tokens} tokens: {listed}. Only the first "
                     f"{embedder.max_tokens} tokens of each are read; the rest does not change the vector.")


# --- 1. the learner's sentences -------------------------------------------------------------------
st.subheader("1. Your sentences as vectors")
text = st.text_area(
    "One sentence per line. Start a line with `group:` to color it on the map.",
    value=emb.default_sentences_text(), height=300, key="embeddings_sentences",
)
parsed = emb.parse_sentences(text, limits.max_sentences)
sentences, groups = parsed.sentences, parsed.groups
if parsed.dropped:
    input_notice(f"Only the first {limits.max_sentences} sentences are used (the limit on this server); "
                 f"{parsed.dropped:,} more lines were left out.")
if parsed.duplicates:
    shown = "; ".join(f"“{sentence}”" for sentence in list(dict.fromkeys(parsed.duplicates))[:3])
    st.info(f"{len(parsed.duplicates)} repeated line(s) merged into one: {shown}. A sentence compared with "
            "itself always scores 1.000, so a repeat adds nothing new.", icon=":material/merge:")
explain_cuts(emb.token_counts(embedder, sentences), "sentence")

if not sentences:
    st.info("Type at least two sentences, one per line, to compare them.")
else:
    vectors = ui.sentence_vectors(embedder, model_id, tuple(sentences))
    labels = [ui.short_label(number, sentence) for number, sentence in enumerate(sentences, start=1)]
    st.caption(f"{len(sentences)} sentences → {len(sentences)} vectors of {dimensions} numbers each "
               f"(model `{model_id.rsplit('/', 1)[-1]}`).")
    if len(sentences) == 1:
        st.info("Only one sentence: similarity compares **pairs**, so add at least one more line to see the "
                "similarity matrix and the map. Its vector is shown below.", icon=":material/info:")
        st.altair_chart(ui.vector_strip(vectors, labels, min(STRIP_DIMENSIONS, dimensions)), width="stretch")
    else:
        similarity_tab, map_tab, inside_tab = st.tabs(["Similarity", "Map", "Inside a vector"])
        matrix = emb.similarity_matrix(vectors)
        pairs = emb.ranked_pairs(matrix)
        closest, furthest = pairs[0], pairs[-1]

        with similarity_tab:
            st.markdown("**Cosine similarity** is the cosine of the angle between two vectors: **1.00** means "
                        "the same direction (same meaning), around **0** means unrelated.")
            st.altair_chart(ui.similarity_heatmap(matrix, labels, sentences), width="stretch")
            if len(sentences) > ui.MAX_LABELLED_CELLS:
                st.caption("Too many cells to print every number: hover a cell to read it.")
            left, right = st.columns(2)
            left.metric("Closest pair", f"{closest[2]:.3f}", help=f"{labels[closest[0]]} ↔ {labels[closest[1]]}")
            left.caption(f"{sentences[closest[0]]} ↔ {sentences[closest[1]]}")
            right.metric("Furthest pair", f"{furthest[2]:.3f}", help=f"{labels[furthest[0]]} ↔ {labels[furthest[1]]}")
            right.caption(f"{sentences[furthest[0]]} ↔ {sentences[furthest[1]]}")
            with st.expander("How is the number computed?"):
                st.markdown(
                    "cosine(a, b) = (a · b) / (|a| × |b|): multiply the two vectors number by number, add the "
                    "products, divide by both lengths. This app scales every vector to length 1 first, so the "
                    "cosine is simply the sum of the products (see *Inside a vector*). Sentences of the same "
                    "group usually form bright blocks along the diagonal."
                )

        with map_tab:
            method_name = st.radio("Projection", ["PCA", "t-SNE"], horizontal=True, key="embeddings_projection")
            method = "pca" if method_name == "PCA" else "tsne"
            seed = 0
            if method == "tsne":
                seed = int(st.number_input("t-SNE seed", 0, 2**31 - 1, 0, key="embeddings_tsne_seed"))
            points = ui.projected(vectors, method, seed)
            map_labels = [ui.short_label(number, sentence, width=14) for number, sentence in enumerate(sentences, 1)]
            st.altair_chart(ui.projection_scatter(points, map_labels, groups, sentences, method), width="stretch")
            st.caption(f"{dimensions} numbers cannot be drawn, so they are squashed to 2. Distances here are "
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
            left, right = st.columns(2)
            # Start from the closest pair: the most interesting "why are these close?"
            a = left.selectbox("Sentence A", range(len(labels)), index=closest[0], format_func=labels.__getitem__,
                               key="embeddings_vector_a")
            b = right.selectbox("Sentence B", range(len(labels)), index=closest[1], format_func=labels.__getitem__,
                                key="embeddings_vector_b")
            a, b = min(a, len(labels) - 1), min(b, len(labels) - 1)
            shown_dims = min(STRIP_DIMENSIONS, dimensions)
            st.markdown(f"The first {shown_dims} of {dimensions} numbers of each vector (blue positive, red "
                        "negative):")
            st.altair_chart(ui.vector_strip(vectors[[a, b]], ["A", "B"], shown_dims), width="stretch")
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
            st.altair_chart(ui.contribution_bars(products, TOP_CONTRIBUTIONS), width="stretch")
            st.caption("No single dimension means 'animal' or 'money': meaning is spread over all of them, and "
                       "it is the sum that counts.")

# --- 2. semantic search ---------------------------------------------------------------------------
st.subheader("2. Semantic search in the app's library")
index = ui.passage_index(embedder, model_id)
st.markdown(f"The app ships **{len(index)} short passages** about generative AI. Each was turned into a vector "
            "once, when this page first opened; a search embeds only your question and compares it with all "
            "of them.")
query = st.text_input("Search for", value="how do images get made from noise", key="embeddings_query",
                      max_chars=limits.max_prompt_chars)
top_k = st.slider("Passages to show", 1, 10, 5, key="embeddings_top_k")
if not query.strip():
    st.info("Type a question or a few words to search the library.")
else:
    explain_cuts(emb.token_counts(embedder, [query]), "query")
    for rank, (passage, score) in enumerate(ui.search(index, model_id, query, top_k), start=1):
        st.markdown(f"**{rank}.** `{score:.3f}` {passage.text}  \n:gray[{passage.topic} · {passage.passage_id}]")
    with st.expander("Why is this better than keyword search?"):
        st.markdown("The scores are cosine similarities between your question's vector and each passage's vector. "
                    "A passage can rank high without sharing a single word with the question, as long as it "
                    "means something close. Try *a lower setting makes the output more predictable*: the top "
                    "passage is about temperature, a word the query never uses.")

# --- 3. retrieval-augmented answer ----------------------------------------------------------------
st.subheader("3. Retrieval-augmented answer (RAG)")
st.markdown("Tools such as **LangChain** connect a language model to your data the same way: search the "
            "library, paste the best passages into the prompt, and let the model continue. The model learns "
            "nothing new; it just reads more.")
question = st.text_input("Question", value="Who released GPT-2, and in which year?", key="embeddings_rag_question",
                         max_chars=limits.max_prompt_chars)
passages_in_prompt = st.slider("Passages pasted into the prompt", 1, 5, 2, key="embeddings_rag_k")
if not question.strip():
    st.info("Type a question to build the prompt.")
else:
    hits = ui.search(index, model_id, question, passages_in_prompt)
    rag_prompt, plain_prompt = build_rag_prompt(question, hits), build_plain_prompt(question)
    st.markdown("The exact prompt the model will read:")
    st.code(rag_prompt, language=None, wrap_lines=True)
    request = (rag_prompt, plain_prompt)
    if st.button("Answer with and without the context", key="embeddings_rag_generate", type="primary"):
        lm = loaders.text_writer_or_none()
        if lm is not None:
            with st.spinner("The text model is writing both answers…"), unavailable_shown():
                st.session_state["embeddings_rag_answers"] = {
                    "request": request,
                    "without": generate_texts(lm, plain_prompt, [ANSWER_SETTINGS])[0],
                    "with": generate_texts(lm, rag_prompt, [ANSWER_SETTINGS])[0],
                }
    answers = st.session_state.get("embeddings_rag_answers")
    if answers and answers["request"] == request:
        without_column, with_column = st.columns(2)
        with without_column:
            st.markdown("**Without context**")
            st.code(plain_prompt, language=None, wrap_lines=True)
            st.markdown(f"> {answers['without'].strip() or '(nothing)'}")
        with with_column:
            st.markdown("**With the retrieved passages**")
            st.caption(f"Prompt above ({len(hits)} passage{'s' if len(hits) > 1 else ''} + the question)")
            st.markdown(f"> {answers['with'].strip() or '(nothing)'}")
        st.caption(f"Same model, greedy decoding (temperature 0, always the most likely token), "
                   f"{ANSWER_SETTINGS.max_new_tokens} new tokens, so the only difference is the context.")
    elif answers:
        st.caption("The question or the passages changed: press the button for new answers.")
