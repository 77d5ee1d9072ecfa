"""Text generation studio: GPT-2 continues a prompt one token at a time, under sampling knobs you set."""

from __future__ import annotations

import streamlit as st

from genai_demo.config import display_name, settings
from genai_demo.engine import SamplingSettings
from genai_demo.text import (
    TokenConfidence,
    decode,
    eos_ids,
    generate,
    next_token_distribution,
    sample_next_token,
    token_confidences,
)
from genai_demo.ui import loaders
from genai_demo.ui.layout import page_intro
from genai_demo.ui.panels import input_notice
from genai_demo.ui.text import (
    confidence_view,
    continuation_html,
    numbers_missing_notice,
    paced,
    percent,
    plain_markdown,
    probability_chart,
    queue_note,
    visible_piece,
)

EXAMPLES = (
    "What's the weather like today?",
    "Write a story about space",
    "The best way to learn a new language is",
    "Once upon a time, in a small village by the sea,",
    "The three primary colors are",
)
# What a new column starts with: greedy first, then sampling from careful to wild.
COLUMN_PRESETS = (
    SamplingSettings(temperature=0.0, top_k=50, top_p=0.95),
    SamplingSettings(temperature=0.8, top_k=50, top_p=0.95),
    SamplingSettings(temperature=1.5, top_k=0, top_p=1.0),
    SamplingSettings(temperature=0.7, top_k=0, top_p=0.5, repetition_penalty=1.3),
)
K = "text_generation_"  # session-state prefix

limits = settings().limits
TEXT_MODEL = display_name(settings().writing_model)  # the model this page runs, by name

page_intro(
    "text_generation",
    "A language model never writes a whole sentence at once. It looks at the text so far, gives every "
    "token in its vocabulary a probability of coming next, and one token is picked. Then it repeats. "
    "The knobs below decide *how* that token is picked.",
)

lm = loaders.text_writer()


def _use_example() -> None:
    st.session_state[K + "prompt"] = st.session_state[K + "example"]


st.selectbox("Example prompts", EXAMPLES, key=K + "example", on_change=_use_example)
prompt = st.text_area("Prompt", value=EXAMPLES[0], key=K + "prompt", height=90)
st.markdown(
    "- **Greedy** (temperature 0): always take the single most likely token, so the text is the same "
    "every time and often loops.\n"
    "- **Sampling**: draw the token at random, weighted by its probability, so the text varies; the seed "
    "makes a draw repeatable."
)
with st.expander("What do temperature, top-k, top-p and repetition penalty do?"):
    st.markdown(
        "- **Temperature** divides the model's scores before they become probabilities. Below 1 the "
        "likely tokens get even likelier (safer, duller text); above 1 the distribution flattens "
        "(surprising, then nonsense). 0 means greedy.\n"
        "- **Top-k** keeps only the k most likely tokens (0 = keep all).\n"
        "- **Top-p** (nucleus) keeps the fewest most likely tokens whose probabilities add up to p "
        "(1 = keep all). Unlike top-k, it keeps few tokens when the model is sure and many when it is not.\n"
        "- **Repetition penalty** lowers the score of every token already in the text (1 = off).\n"
        "- **Seed** starts the random number generator: same seed, same knobs, same prompt → same text.\n\n"
        "The model itself never changes: it was trained once to predict the next token. The knobs only "
        "change how we pick from its guess."
    )
    st.caption(f"The model runs in {str(lm.dtype).removeprefix('torch.')} on {lm.device.upper()}: the text it "
               "writes and every probability on this page come from the same weights. Everyone using this app "
               "shares one copy of the model, and their texts are written together in one batch, step by step; "
               "your seed still gives your text, whoever else is writing.")

if not prompt.strip():
    st.warning(f"The prompt is empty. {TEXT_MODEL} needs at least a word to continue: type one or pick an example.",
               icon=":material/edit:")
    st.stop()
if len(prompt) > limits.max_prompt_chars:
    input_notice(f"Your prompt has {len(prompt):,} characters; only the last {limits.max_prompt_chars:,} are used.")

side_by_side, next_token, step_mode = st.tabs(["Side by side", "Next-token view", "Step by step"])


# --- side by side -------------------------------------------------------------------------------


def _column_count() -> int:
    count = st.session_state.setdefault(K + "columns", min(2, limits.max_columns))
    return max(1, min(count, limits.max_columns))


def _column_knobs(index: int, seed: int, max_new_tokens: int) -> SamplingSettings:
    preset = COLUMN_PRESETS[index % len(COLUMN_PRESETS)]
    temperature = st.slider("Temperature", 0.0, 2.0, preset.temperature, 0.05, key=f"{K}temperature_{index}")
    top_k = st.number_input("Top-k", 0, 500, preset.top_k, 5, key=f"{K}top_k_{index}", help="0 = off")
    top_p = st.slider("Top-p", 0.05, 1.0, preset.top_p, 0.05, key=f"{K}top_p_{index}", help="1 = off")
    penalty = st.slider("Repetition penalty", 1.0, 2.0, preset.repetition_penalty, 0.05,
                        key=f"{K}penalty_{index}", help="1 = off")
    return SamplingSettings(temperature=temperature, top_k=int(top_k), top_p=top_p, repetition_penalty=penalty,
                            max_new_tokens=max_new_tokens, seed=seed)


def _describe(knobs: SamplingSettings) -> str:
    if knobs.greedy:
        how = "greedy"
    else:
        how = f"temperature {knobs.temperature:g} · top-k {knobs.top_k or 'off'} · top-p {knobs.top_p:g}"
    if knobs.repetition_penalty != 1:
        how += f" · penalty {knobs.repetition_penalty:g}"
    return how


def _show_text(target, prompt_text: str, continuation: str, note: str) -> None:  # type: ignore[no-untyped-def]
    target.markdown(continuation_html(prompt_text, continuation, note), unsafe_allow_html=True)


with side_by_side:
    count = _column_count()
    shared = st.columns([2, 2, 1, 1], vertical_alignment="bottom")
    max_new_tokens = shared[0].slider("Max new tokens", 1, limits.max_new_tokens, min(40, limits.max_new_tokens),
                                      key=K + "max_new_tokens")
    seed = int(shared[1].number_input("Seed", 0, 2**31 - 1, 0, key=K + "seed"))
    if shared[2].button("Add", key=K + "add_column", icon=":material/add:", disabled=count >= limits.max_columns,
                        help=f"Up to {limits.max_columns} columns", width="stretch"):
        st.session_state[K + "columns"] = count + 1
        st.rerun()
    if shared[3].button("Remove", key=K + "remove_column", icon=":material/remove:", disabled=count <= 1,
                        width="stretch"):
        st.session_state[K + "columns"] = count - 1
        st.rerun()
    run = st.button("Generate", key=K + "generate", type="primary", icon=":material/play_arrow:")

    knobs_per_column = []
    placeholders = []
    for index, column in enumerate(st.columns(count, border=True)):
        with column:
            st.markdown(f"**Column {index + 1}**")
            knobs_per_column.append(_column_knobs(index, seed, max_new_tokens))
            placeholders.append(st.empty())

    if run:
        try:
            stream = generate(lm, prompt, knobs_per_column)
        except ValueError as error:
            st.warning(str(error))
        else:
            last = None
            for last in paced(stream):
                for placeholder, knobs, text, ids in zip(placeholders, knobs_per_column, last.texts, last.token_ids):
                    if last.waiting:
                        placeholder.info(queue_note(last))
                    else:
                        _show_text(placeholder, prompt, text, f"{_describe(knobs)} · {len(ids)} tokens")
            st.session_state[K + "result"] = {
                "prompt": prompt, "knobs": knobs_per_column, "texts": last.texts, "ids": last.token_ids,
                "notices": last.prompt.notices,
            }
    result = st.session_state.get(K + "result")
    if result and not run:
        for placeholder, knobs, text, ids in zip(placeholders, result["knobs"], result["texts"], result["ids"]):
            _show_text(placeholder, result["prompt"], text, f"{_describe(knobs)} · {len(ids)} tokens")
    if result:
        for notice in result["notices"]:
            input_notice(notice)
        with st.expander("Confidence view: how sure was the model of each token?", expanded=False):
            which = st.selectbox("Column", range(len(result["texts"])), key=K + "confidence_column",
                                 format_func=lambda i: f"Column {i + 1} ({_describe(result['knobs'][i])})")
            end = eos_ids(lm)
            ids = [i for i in result["ids"][which] if i not in end]
            served = numbers_missing_notice(lm, st)
            if ids and not served:
                # The expander's body runs on every rerun of the page: score each column once per result.
                scored = result.setdefault("confidences", {})
                if which not in scored:
                    scored[which] = token_confidences(lm, result["prompt"], result["texts"][which],
                                                      continuation_ids=ids)
                confidence_view(scored[which], key=K + "confidence_token")
            elif not served:
                st.info("This column ended at once with the end-of-text token.")
            st.caption("The probability is the model's own (temperature 1), whatever knobs picked the token: "
                       "sampling at a high temperature picks many tokens the model found unlikely.")
    else:
        st.caption("Press **Generate**: every column continues the same prompt with the same seed, "
                   "in one batch, and its text appears as the tokens arrive.")


# --- next-token view ----------------------------------------------------------------------------

if numbers_missing_notice(lm, next_token, step_mode):
    st.stop()


def _knob_row(prefix: str) -> SamplingSettings:
    cells = st.columns(3)
    temperature = cells[0].slider("Temperature", 0.0, 2.0, 1.0, 0.05, key=prefix + "temperature")
    top_k = cells[1].slider("Top-k", 0, 100, 0, 1, key=prefix + "top_k", help="0 = off")
    top_p = cells[2].slider("Top-p", 0.05, 1.0, 1.0, 0.05, key=prefix + "top_p", help="1 = off")
    return SamplingSettings(temperature=temperature, top_k=top_k, top_p=top_p)


def _metrics(dist) -> None:  # type: ignore[no-untyped-def]
    cells = st.columns(3)
    cells[0].metric("Entropy after knobs", f"{dist.entropy_bits:.2f} bits",
                    help=f"The model's own distribution: {dist.model_entropy_bits:.2f} bits. "
                         "0 bits = one certain token; each extra bit doubles the uncertainty.")
    cells[1].metric("Probability mass kept", f"{dist.kept_mass:.1%}")
    cells[2].metric("Tokens kept", f"{dist.kept_count:,}", help="Of the whole vocabulary.")


with next_token:
    st.markdown("The model's guess for the **next token** after your prompt. Move the knobs: light bars are "
                "the model's own probabilities, dark bars what is left to sample from, grey bars are cut off.")
    knobs = _knob_row(K + "view_")
    extra: list[int] = []
    if generated := st.session_state.get(K + "result"):
        ids = generated["ids"][0]
        if generated["prompt"] == prompt and len(ids) > 1:
            upto = st.slider("Stop column 1's generation after this many tokens", 0, len(ids) - 1, 0,
                             key=K + "view_position")
            extra = ids[:upto]
            if extra:
                st.caption("Context: …" + plain_markdown(prompt[-80:]) + "**"
                           + plain_markdown(decode(lm, extra)) + "**")
    dist = next_token_distribution(lm, prompt, knobs, top=15, extra_ids=extra)
    if dist.prompt_truncated:
        input_notice(f"The text was longer than the model's {lm.context_window:,}-token window; "
                     "only its last tokens were read.")
    _metrics(dist)
    probability_chart(dist)


# --- step by step -------------------------------------------------------------------------------


with step_mode:
    st.markdown("Build the continuation yourself, one token at a time: click a candidate, or let the "
                "computer pick (**sample** draws with the knobs, **greedy** takes the top one).")
    steps_key = K + "steps"
    if st.session_state.get(K + "steps_prompt") != prompt:
        st.session_state[steps_key] = []
        st.session_state[K + "steps_prompt"] = prompt
    steps: list[TokenConfidence] = st.session_state.setdefault(steps_key, [])
    step_knobs = _knob_row(K + "step_")
    step_seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key=K + "step_seed"))
    step_knobs = SamplingSettings(temperature=step_knobs.temperature, top_k=step_knobs.top_k,
                                  top_p=step_knobs.top_p, seed=step_seed)
    chosen_ids = [c.token_id for c in steps]
    dist = next_token_distribution(lm, prompt, step_knobs, top=8, extra_ids=chosen_ids)
    alternatives = list(zip(dist.pieces, dist.probs))[:5]

    def _choose(token_id: int) -> None:
        if token_id in dist.token_ids:
            index = dist.token_ids.index(token_id)
            steps.append(TokenConfidence(dist.pieces[index], token_id, dist.probs[index], alternatives))
        else:  # sampled outside the top eight: ask the model for its probability
            scored = token_confidences(lm, prompt, "", continuation_ids=chosen_ids + [token_id])[-1]
            steps.append(TokenConfidence(scored.piece, token_id, scored.prob, alternatives))

    ended = bool(chosen_ids) and chosen_ids[-1] in eos_ids(lm)
    full = len(chosen_ids) >= limits.max_new_tokens or ended
    st.caption("Candidates (model probability → after your knobs):")
    buttons = st.columns(4)
    for index, (token_id, piece, prob, adjusted) in enumerate(
            zip(dist.token_ids, dist.pieces, dist.probs, dist.adjusted_probs)):
        label = f"{visible_piece(piece)}  {percent(prob)} → {percent(adjusted)}"
        if buttons[index % 4].button(label, key=f"{K}pick_{index}", width="stretch", disabled=full):
            _choose(token_id)
            st.rerun()
    actions = st.columns(4)
    if actions[0].button("Sample", key=K + "sample", icon=":material/casino:", width="stretch",
                          disabled=full):
        _choose(sample_next_token(lm, prompt, step_knobs, extra_ids=chosen_ids))
        st.rerun()
    if actions[1].button("Greedy", key=K + "greedy", icon=":material/trending_up:", width="stretch",
                          disabled=full):
        _choose(dist.token_ids[0])
        st.rerun()
    if actions[2].button("Undo", key=K + "undo", icon=":material/undo:", disabled=not steps, width="stretch"):
        steps.pop()
        st.rerun()
    if actions[3].button("Clear", key=K + "clear", icon=":material/delete:", disabled=not steps, width="stretch"):
        steps.clear()
        st.rerun()

    if steps:
        last = steps[-1]
        st.markdown(f"Last pick: **{plain_markdown(visible_piece(last.piece))}** (id {last.token_id}), which the "
                    f"model gave a probability of **{percent(last.prob)}**.")
        st.markdown(f":gray[{plain_markdown(prompt[-200:])}]")
        confidence_view(steps, key=K + "step_confidence")
    else:
        st.info("No tokens chosen yet: pick one of the candidates above.")
    if ended:
        st.success("The model ended here: it chose its end-of-text token, so a real generation would stop now. "
                   "Undo to pick something else.", icon=":material/flag:")
    elif full:
        st.warning(f"That is {limits.max_new_tokens} tokens, the limit here: undo or clear to go on.")
