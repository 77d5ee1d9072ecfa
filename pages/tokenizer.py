"""Tokenizer: a text as token chips and counts, several tokenizers compared, one token looked up, and BPE's merges
step by step (genai_demo.text.tokens, text.bpe, ui.tokens)."""

import altair as alt
import pandas as pd
import streamlit as st

from genai_demo.config import public_name, settings
from genai_demo.engine import kinds
from genai_demo.text import bpe, tokens
from genai_demo.text.tokenizer_source import MAX_NAME_CHARS
from genai_demo.ui import loaders
from genai_demo.ui.charts import show_chart
from genai_demo.ui.layout import page_intro
from genai_demo.ui.panels import model_unavailable_note, model_unavailable_panel
from genai_demo.ui.tokens import count_metrics, token_chips

MAX_COMPARE_CHIPS = 300
MAX_PIECE_CHARS = 200
EXAMPLES = tokens.example_texts()

page = page_intro(
    "tokenizer",
    "A language model never sees letters. A **tokenizer** first cuts the text into pieces called tokens and "
    "gives each piece a number (its id); the model only ever reads and writes those numbers. Different models "
    "cut the same text differently.",
)


def use_example() -> None:
    st.session_state[page.key("text")] = EXAMPLES[st.session_state[page.key("example")]]


page.choice("Example text (from the lessons)", "example", list(EXAMPLES), "Weather question", on_change=use_example)
text = page.text("Your text", "text", EXAMPLES["Weather question"], max_chars=settings().limits.max_tokenizer_chars,
                 height=110)

# --- the text model's tokenizer -----------------------------------------------------------------

text_model_id = settings().writing_model  # a served model's own tokenizer
gpt2, gpt2_error = loaders.tokenizer_or_error(text_model_id)

st.subheader("Your text as the text model reads it")
if gpt2_error is not None:
    model_unavailable_panel(gpt2_error)
elif not text.strip():
    st.info("Type or paste some text above (or pick an example) to see its tokens.", icon=":material/edit:")
else:
    toggles = st.columns(3)
    with toggles[0]:
        show_ids = page.toggle("Ids", "show_ids", value=True)
    with toggles[1]:
        show_raw = page.toggle("Raw pieces", "show_raw", help="The piece as the tokenizer stores it: Ġ marks a "
                                                              "leading space.")
    with toggles[2]:
        show_bytes = page.toggle("Bytes", "show_bytes", help="The UTF-8 bytes of each token, in hex.")
    pieces = tokens.tokenize(gpt2, text)
    counts = tokens.text_counts(text, pieces, tokens.context_window(gpt2, text_model_id))
    count_metrics(counts, "the text model")
    if counts.context_share is not None and counts.context_share > 1:
        st.warning(f"This text is longer than the model's window of {counts.context_window:,} tokens: "
                   "it would only see the last part.", icon=":material/crop:")
    token_chips(pieces, show_ids=show_ids, show_raw=show_raw, show_bytes=show_bytes)
    if any(p.is_partial_character for p in pieces):
        st.caption("Dashed chips hold only some of a character's bytes, shown in hex like `<F0 9F>`: "
                   "the character only exists once its tokens are put back together.")
    with st.expander("Why does an emoji become several tokens?"):
        st.markdown(
            "GPT-2's tokenizer works on **bytes**, not letters. Every character is first written as 1 to 4 "
            "bytes of UTF-8: `a` is one byte, `é` two, `東` three and `🤖` four (`F0 9F A4 96`). Common byte "
            "sequences were merged into single tokens during training; rare ones stay split. English words "
            "are common in the training text, so they usually become one token each, while an emoji or a "
            "Japanese character can cost two or three tokens.\n\n"
            "Because any text is made of bytes, this tokenizer never meets a character it cannot encode: "
            "there is no 'unknown' token. A leading space belongs to the word after it (`Ġworld`), which is "
            "why ` world` and `world` are different tokens."
        )

# --- comparing tokenizers -----------------------------------------------------------------------

st.subheader("Compare tokenizers")
st.markdown("The same text through the tokenizers this app's models use. Each model was trained with its own "
            "tokenizer, so a text costs a different number of tokens in each.")
if settings().public:  # a shared server should not fetch (or open) whatever a visitor names
    custom_id = ""
    st.caption("On this public deployment the comparison is limited to the app's own tokenizers.")
else:
    custom_id = page.text("Add another tokenizer", "custom_id", "", max_chars=MAX_NAME_CHARS, area=False,
                          placeholder="e.g. bert-base-uncased",
                          help="A Hugging Face Hub id, or a folder inside one of this app's model folders.").strip()

candidates = [
    ("Text model", text_model_id),
    ("Sentence embedder", settings().embed_model),
    # The image model this machine uses (on a GPU not the CPU's): the one `prefetch` downloaded.
    ("Image model (CLIP)", kinds.IMAGE.model_id()),
]
if custom_id:
    candidates.append(("Your tokenizer", custom_id))

loaded = {}
errors = {}
problems = {}
for label, model_id in candidates:
    if label == "Your tokenizer":
        tokenizer, refusal = loaders.visitor_tokenizer(model_id)
        if refusal is not None:
            problems[label] = refusal
            continue
        error = None
    else:
        tokenizer, error = loaders.tokenizer_or_error(model_id)
    if error is not None:
        errors[label] = error
        continue
    try:
        tokens.tokenizer_style(tokenizer)
    except ValueError as problem:  # e.g. a tokenizer with no fast version
        problems[label] = str(problem)
        continue
    loaded[label] = tokenizer

compared = {label: tokens.tokenize(tok, text) for label, tok in loaded.items()} if text.strip() else {}
marked = tokens.differing_pieces(text, compared)
columns = st.columns(len(candidates))
for column, (label, model_id) in zip(columns, candidates):
    with column:
        st.markdown(f"**{label}**")
        st.caption(f"`{model_id[-60:]}`" if label == "Your tokenizer" else f"`{public_name(model_id)}`")
        if label in errors:
            if model_id == text_model_id and gpt2_error is not None:
                st.error(f"{errors[label].title} (see above).", icon=":material/cloud_off:")
            else:
                model_unavailable_note(errors[label])
            continue
        if label in problems:
            st.warning(problems[label])
            continue
        window = tokens.context_window(loaded[label], model_id)
        st.caption(tokens.tokenizer_style(loaded[label]).name
                   + (f" · its model reads {window:,} tokens" if window else ""))
        if label not in compared:
            st.caption("No text yet.")
            continue
        column_pieces = compared[label]
        st.metric("Tokens", f"{len(column_pieces):,}")
        if window and len(column_pieces) > window:
            st.caption(f":material/crop: Longer than {window:,} tokens: this model would not see all of it.")
        token_chips(column_pieces, show_ids=False, marked=marked[label], max_chips=MAX_COMPARE_CHIPS)

if len(compared) > 1:
    st.caption("Red outline: a cut inside a word that not every tokenizer makes. "
               "The sentence embedder also lowercases text and has an [UNK] token for what it cannot spell.")
    chart_data = pd.DataFrame({"tokenizer": list(compared), "tokens": [len(p) for p in compared.values()]})
    show_chart(
        alt.Chart(chart_data).mark_bar().encode(
            x=alt.X("tokens:Q", title="tokens for this text"),
            y=alt.Y("tokenizer:N", title=None, sort="-x", axis=alt.Axis(labelLimit=180)),
            tooltip=[alt.Tooltip("tokenizer"), alt.Tooltip("tokens")],
        ).properties(height=50 * len(chart_data)),
        width="stretch",
    )

with st.expander("Byte-level BPE, WordPiece and CLIP's BPE: what differs?"):
    st.markdown(
        "- **GPT-2 (byte-level BPE)** starts from the 256 possible bytes and merges frequent pairs. Spaces "
        "and capitals are kept, so decoding gives back exactly the text you typed.\n"
        "- **The sentence embedder (WordPiece, from BERT)** lowercases, splits at spaces and punctuation, "
        "then cuts each word into the longest pieces it knows; `##` marks a piece that continues a word. A "
        "character it has never seen becomes `[UNK]`, and its information is lost.\n"
        "- **CLIP (the image model's text encoder)** is byte-level BPE too, but lowercases and marks the "
        "*end* of a word with `</w>` instead of the start. Its model reads at most 77 tokens, so a very "
        "long image prompt is cut off."
    )

# --- look up ------------------------------------------------------------------------------------


@st.fragment
def look_up(loaded: dict) -> None:
    st.subheader("Look up a token")
    if not loaded:
        st.info("No tokenizer is available to look up tokens in.")
        return
    lookup_label = page.choice("Tokenizer", "lookup_with", list(loaded), list(loaded)[0])
    lookup_tok = loaded[lookup_label]
    by_id, by_piece = st.columns(2)
    last_id = len(lookup_tok) - 1
    if st.session_state.get(page.key("lookup_id"), 0) > last_id:  # a smaller vocabulary was picked
        st.session_state[page.key("lookup_id")] = last_id
    with by_id:
        token_id = page.number("Token id", "lookup_id", 0, last_id, min(995, last_id), 1, help=f"0 to {last_id:,}")
        found = tokens.piece_for_id(lookup_tok, int(token_id))
        token_chips([found], show_raw=True, show_bytes=True)
    with by_piece:
        piece_text = page.text("Piece", "lookup_piece", " world", max_chars=MAX_PIECE_CHARS, area=False,
                               help="Plain text (a leading space counts) or the tokenizer's own spelling.")
        matches = tokens.pieces_for_text(lookup_tok, piece_text)
        if matches:
            token_chips(matches, show_raw=True, show_bytes=True)
        else:
            st.info("Not a single token in this vocabulary: it would be split into several pieces.")
    st.caption(f"Vocabulary: {len(lookup_tok):,} tokens. Special tokens (they mark where a text starts or ends, "
               "or pad a batch; the model learned what they mean):")
    token_chips(tokens.special_tokens(lookup_tok))


# --- how BPE builds a token ---------------------------------------------------------------------


@st.fragment
def bpe_steps(loaded: dict) -> None:
    st.subheader("How BPE builds a token")
    bpe_choices = [label for label, tok in loaded.items() if tokens.tokenizer_style(tok).kind == "BPE"]
    if not bpe_choices:
        st.info("None of the available tokenizers uses BPE.")
        return
    bpe_cols = st.columns([2, 1])
    with bpe_cols[0]:
        word = page.text("Word", "bpe_word", "discount", max_chars=MAX_PIECE_CHARS, area=False,
                         help="Try ' discount' with a leading space, or an emoji.")
    with bpe_cols[1]:
        bpe_label = page.choice("Tokenizer", "bpe_with", bpe_choices, bpe_choices[0])
    bpe_tok = loaded[bpe_label]
    try:
        histories = bpe.merge_steps(bpe_tok, word)
    except ValueError as error:
        st.info(str(error))
        histories = []
    total_steps = max((len(h.steps) - 1 for h in histories), default=0)
    if histories and total_steps > 0:
        if st.session_state.get(page.key("bpe_step"), 0) > total_steps:
            st.session_state[page.key("bpe_step")] = total_steps
        step = page.slider("Merge step", "bpe_step", 0, total_steps, 0,
                           help="Step 0: single bytes. Each step joins the pair that was learned earliest.")
    else:
        step = 0
    for history in histories:
        shown = history.steps[min(step, len(history.steps) - 1)]
        pieces = [tokens.piece_for_raw(bpe_tok, raw) for raw in shown.symbols]
        new = {i for i, raw in enumerate(shown.symbols) if shown.pair and raw == "".join(shown.pair)}
        token_chips(pieces, show_raw=True, marked=new)
        if shown.pair is None:
            st.caption(f"Start: {len(shown.symbols)} single symbols (one per byte). "
                       f"{len(history.steps) - 1} merges follow.")
        else:
            st.caption(f"Merged `{shown.pair[0]}` + `{shown.pair[1]}`, the {shown.rank + 1:,}th merge the tokenizer "
                       f"learned. {len(shown.symbols)} pieces left.")
    if histories:
        final = [raw for h in histories for raw in h.pieces]
        own = [p.raw for p in tokens.tokenize(bpe_tok, word)]
        listed = " · ".join(f"`{raw}`" for raw in final)
        if final == own:
            st.caption(f"Final pieces: {listed}, exactly what the tokenizer outputs.")
        else:
            st.caption(f"Final pieces: {listed}. The tokenizer itself gives {' · '.join(f'`{raw}`' for raw in own)}: "
                       "it adds rules (such as whole-word shortcuts) that this replay leaves out.")
        if not word.startswith(" ") and not tokens.tokenizer_style(bpe_tok).end_of_word_suffix:
            spaced = tokens.tokenize(bpe_tok, " " + word.strip())
            st.caption(f"Inside a sentence the word comes with its leading space, and ` {word.strip()}` is "
                       f"{len(spaced)} token{'s' if len(spaced) != 1 else ''}: "
                       f"{' · '.join(f'`{p.raw}`' for p in spaced)}. Common words are learned with their space.")
        with st.expander("Every merge, in order"):
            st.dataframe(
                pd.DataFrame([
                    {"word": h.word, "step": i, "merged": " + ".join(s.pair) if s.pair else "(start)",
                     "learned as merge #": s.rank + 1 if s.rank is not None else None, "pieces": " ".join(s.symbols)}
                    for h in histories for i, s in enumerate(h.steps)
                ]),
                hide_index=True, width="stretch",
            )
            st.markdown(
                "During training, BPE counted which two neighbouring symbols occur together most often in a huge "
                "text, joined them into a new symbol, and wrote that merge down; it repeated this until the "
                "vocabulary was full (50,257 tokens for GPT-2). To tokenize, it replays those merges: the pair "
                "learned earliest is joined first. Frequent words end as one token, rare words as a few pieces."
            )


look_up(loaded)
bpe_steps(loaded)
