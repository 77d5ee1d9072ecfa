"""Text generation studio: a language model continues a prompt one token at a time, under knobs you set."""

from __future__ import annotations

import streamlit as st

from genai_demo.config import display_name, settings
from genai_demo.engine.errors import ModelUnavailable
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.engine.writer import TextWriter
from genai_demo.text.generation import (
    TokenConfidence,
    decode,
    generate,
    sample_next_token,
    token_confidences,
    written_confidences,
)
from genai_demo.text.instruct import cut_at_limit, ended_turn, has_chat_template, user_turn
from genai_demo.ui import loaders
from genai_demo.ui.classroom import sharing
from genai_demo.ui.classroom.membership import learner_id
from genai_demo.ui.layout import grid, page_intro
from genai_demo.ui.literal import exact_code, plain_markdown, visible_piece, whole_characters
from genai_demo.ui.panels import input_notice, model_unavailable_panel
from genai_demo.ui.text.model_output import (
    confidence_view,
    continuation_html,
    listed_note,
    next_token_view,
    numbers_missing_notice,
    paced,
    percent,
    probability_chart,
    queue_note,
)
from genai_demo.ui.text.text_generation import Generation, TextGenerationState

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

limits = settings().limits
TEXT_MODEL = display_name(settings().writing_model)  # the model this page runs, by name

page = page_intro(
    "text_generation",
    "A language model never writes a whole sentence at once. It looks at the text so far, gives every "
    "token in its vocabulary a probability of coming next, and one token is picked. Then it repeats. "
    "The knobs below decide *how* that token is picked.",
)

lm = loaders.text_writer()
state = page.state(TextGenerationState)


def _use_example() -> None:
    st.session_state[page.key("prompt")] = st.session_state[page.key("example")]


in_class = sharing.class_info()
class_prompt = in_class.text_prompt if in_class else ""
if in_class and class_prompt:
    with st.container(border=True):
        st.markdown(f":material/co_present: **Class {in_class.code}'s prompt:** {plain_markdown(class_prompt)}")
        st.button("Use the class prompt", key=page.key("use_class_prompt"), icon=":material/content_paste:",
                  on_click=st.session_state.__setitem__, args=(page.key("prompt"), class_prompt))
        st.caption("Pick your own temperature and seed, then press Generate: texts for this prompt appear on the "
                   "class's projector." if in_class.is_open("text") else
                   "The teacher has closed this round: texts stay on your page for now.")
page.choice("Example prompts", "example", EXAMPLES, EXAMPLES[0], on_change=_use_example)
prompt = page.text("Prompt", "prompt", EXAMPLES[0], max_chars=limits.max_prompt_chars, height=90)
instruct = has_chat_template(lm.tokenizer)
use_template = instruct and page.toggle(
    "Wrap the prompt in the chat template", "chat_template", value=True,
    help=f"{TEXT_MODEL} is an instruction-tuned model: it was trained on conversations in a fixed format and "
         "expects your text as a user's message. Off, it reads your bare text, as a base model would.")
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
    if instruct:
        st.markdown(
            f"**Base or instruct?** {TEXT_MODEL} was tuned to answer messages written in its *chat template* "
            "(role markers around each turn) and to end its turn with a special token. Given a bare text it "
            "may end its turn at once. With the template on, your prompt becomes a user's message and the "
            "model writes the assistant's reply. Under the columns, *What the model read* shows your prompt "
            "inside the template, markers and all.")
    st.caption(f"The model runs {lm.describe()}: the text it "
               "writes and every probability on this page come from the same weights. Everyone using this app "
               "shares one copy of the model, and their texts are written together in one batch, step by step; "
               "your seed still gives your text, whoever else is writing.")

if not prompt.strip():
    st.warning(f"The prompt is empty. {TEXT_MODEL} needs at least a word to continue: type one or pick an example.",
               icon=":material/edit:")
    st.stop()
context = user_turn(lm.tokenizer, prompt) if use_template else prompt  # what the model reads


def _describe(knobs: SamplingSettings) -> str:
    if knobs.greedy:
        how = "greedy"
    else:
        how = f"temperature {knobs.temperature:g} · top-k {knobs.top_k or 'off'} · top-p {knobs.top_p:g}"
    if knobs.repetition_penalty != 1:
        how += f" · penalty {knobs.repetition_penalty:g}"
    return how


def _note(knobs: SamplingSettings, ids: list[int], finished: bool) -> str:
    count = len(ids)
    note = f"{_describe(knobs)} · {count} token{'s' if count != 1 else ''}"
    if ended_turn(lm, ids):
        ended = "ended its turn" if instruct else "ended the text"
        note += f" · the model {ended} (end token)" + (" at once, writing nothing" if count == 1 else "")
    elif not finished:
        note += " · writing…"
    elif cut_at_limit(lm, ids, knobs.max_new_tokens):
        note += " · cut at Max new tokens"
    return note


def _column_boxes(count: int) -> list:
    """One bordered box per column, two to a row."""
    return [cell.empty() for cell in grid(count, border=True)]


def _show_columns(boxes: list, result: Generation) -> None:
    # A continuation reads on from the end of the prompt; an answer to a message reads on its own.
    lead = result.prompt if result.context == result.prompt else ""
    for box, knobs, text, ids, finished in zip(boxes, result.knobs, result.texts, result.ids, result.finished):
        box.html(continuation_html(lead, whole_characters(text), _note(knobs, ids, finished)))


# --- side by side -------------------------------------------------------------------------------


def _column_knobs(index: int, seed: int, max_new_tokens: int) -> SamplingSettings:
    preset = COLUMN_PRESETS[index % len(COLUMN_PRESETS)]
    temperature = page.slider("Temperature", f"temperature_{index}", 0.0, 2.0, preset.temperature, 0.05)
    top_k = page.number("Top-k", f"top_k_{index}", 0, 500, preset.top_k, 5, help="0 = off")
    top_p = page.slider("Top-p", f"top_p_{index}", 0.05, 1.0, preset.top_p, 0.05, help="1 = off")
    penalty = page.slider("Repetition penalty", f"penalty_{index}", 1.0, 2.0, preset.repetition_penalty, 0.05,
                          help="1 = off")
    return SamplingSettings(temperature=temperature, top_k=int(top_k), top_p=top_p, repetition_penalty=penalty,
                            max_new_tokens=max_new_tokens, seed=seed)


def _confidences(lm: TextWriter, result: Generation) -> None:
    with st.expander("Confidence view: how sure was the model of each token?", expanded=False):
        which = st.selectbox("Column", range(len(result.texts)), key=page.key("confidence_column"),
                             format_func=lambda i: f"Column {i + 1} ({_describe(result.knobs[i])})")
        ids = [i for i in result.ids[which] if i not in lm.end_ids]
        if numbers_missing_notice(lm, st):  # a serving engine that sends text, not the model's probabilities
            return
        if ids and result.scores and not result.scores[which]:
            st.info("The text server did not send the score of every token of this column (llama.cpp leaves out "
                    "the tokens that end inside a character, such as the parts of an emoji), so its confidence "
                    "cannot be shown.", icon=":material/cloud:")
        elif ids:
            scored = result.confidences  # scored once per column and result
            if which not in scored:  # a server scored each token as it wrote; a model here scores them now
                scored[which] = (written_confidences(lm, result.scores[which]) if result.scores else
                                 token_confidences(lm, result.context, "", continuation_ids=ids))
            confidence_view(scored[which], key=page.key("confidence_token"))
        else:
            st.info("This column ended at once with the end token.")
        st.caption("The probability is the model's own (temperature 1), whatever knobs picked the token: "
                   "sampling at a high temperature picks many tokens the model found unlikely.")


@st.fragment
def side_by_side(lm: TextWriter, context: str) -> None:
    shared = st.columns([3, 2, 2], vertical_alignment="bottom")
    with shared[0]:
        max_new_tokens = page.slider("Max new tokens", "max_new_tokens", 1, limits.max_new_tokens,
                                     min(40, limits.max_new_tokens))
    with shared[1]:
        seed = page.seed("Seed", "seed", 0)
    with shared[2]:
        count = page.choice("Columns", "columns", list(range(1, limits.max_columns + 1)),
                            min(2, limits.max_columns), widget=st.segmented_control)
    knobs_per_column = []
    for index, column in enumerate(grid(count, border=True)):
        with column:
            st.markdown(f"**Column {index + 1}**")
            knobs_per_column.append(_column_knobs(index, seed, max_new_tokens))
    generation = page.action("Generate", "generate", area="output", type="primary", icon=":material/play_arrow:")
    area = generation.area
    if generation.clicked:
        with area:
            progress = st.progress(0.0, text="Starting…")
            boxes = _column_boxes(count)
        try:
            for update in paced(generate(lm, context, knobs_per_column, owner=learner_id())):
                if update.waiting:
                    read = update.prompt_read
                    progress.progress(0.0 if read is None else read / max(1, len(update.prompt.ids)),
                                      text="Waiting for a place in the model's batch" if read is None else
                                      f"Reading your prompt: {read:,} of {len(update.prompt.ids):,} tokens")
                    for box in boxes:
                        box.info(queue_note(update))
                    continue
                result = Generation(prompt, context, knobs_per_column, update.texts, update.token_ids, update.finished,
                                    update.prompt.notices, update.scores)
                state.result = result  # kept even if the learner leaves mid-run
                written = sum(len(ids) for ids in update.token_ids)
                planned = sum(update.prompt.max_new_tokens)
                progress.progress(min(1.0, written / max(1, planned)),
                                  text=f"Writing: {written} of up to {planned} tokens")
                _show_columns(boxes, result)
            progress.empty()
            if class_prompt and prompt == class_prompt and state.result and all(state.result.finished):
                _send_to_class(state.result)
        except ValueError as error:
            progress.empty()
            area.warning(str(error))
            return
    result = state.result
    if result is None:
        area.caption("Press **Generate**: every column continues the same prompt with the same seed, "
                      "in one batch, and its text appears as the tokens arrive.")
        return
    with area:
        if not generation.clicked:
            _show_columns(_column_boxes(len(result.texts)), result)
            if result.prompt != prompt or result.context != context:
                st.caption("This is your last result, written for an earlier prompt.")
        if not all(result.finished):
            st.caption(":orange[:material/pause_circle: Stopped before the end (the page was left or rerun "
                       "while the model was writing). Press Generate to write it again.]")
        for notice in result.notices:
            input_notice(notice)
        if result.context != result.prompt:
            with st.expander("What the model read: your prompt inside the chat template"):
                exact_code(result.context)
        _confidences(lm, result)


def _send_to_class(result: Generation) -> None:
    """Every column's text with its knobs, to the class's projector."""
    items = [(whole_characters(text).strip(), {"prompt": result.prompt, "column": index + 1, "model": TEXT_MODEL,
                                               "temperature": knobs.temperature, "top_k": knobs.top_k,
                                               "top_p": knobs.top_p, "repetition_penalty": knobs.repetition_penalty,
                                               "max_new_tokens": knobs.max_new_tokens, "seed": knobs.seed})
             for index, (text, knobs) in enumerate(zip(result.texts, result.knobs))]
    sharing.send("text_generation", "text", items, what=f"your {len(items)} text{'s' if len(items) > 1 else ''}")


# --- next-token view ----------------------------------------------------------------------------


def _knob_row(prefix: str) -> SamplingSettings:
    cells = st.columns(3)
    with cells[0]:
        temperature = page.slider("Temperature", prefix + "temperature", 0.0, 2.0, 1.0, 0.05)
    with cells[1]:
        top_k = page.slider("Top-k", prefix + "top_k", 0, 100, 0, 1, help="0 = off")
    with cells[2]:
        top_p = page.slider("Top-p", prefix + "top_p", 0.05, 1.0, 1.0, 0.05, help="1 = off")
    return SamplingSettings(temperature=temperature, top_k=top_k, top_p=top_p)


def _metrics(dist) -> None:
    of = "the whole vocabulary" if dist.listed is None else f"the {dist.listed} candidates the server listed"
    cells = st.columns(3)
    cells[0].metric("Entropy after knobs", f"{dist.entropy_bits:.2f} bits",
                    help=f"Of {of}. The model's own distribution: {dist.model_entropy_bits:.2f} bits"
                         f"{'' if dist.listed is None else ' or more'}. "
                         "0 bits = one certain token; each extra bit doubles the uncertainty.")
    cells[1].metric("Probability mass kept", f"{dist.kept_mass:.1%}")
    cells[2].metric("Tokens kept", f"{dist.kept_count:,}{' and more' if dist.rest_kept else ''}", help=f"Of {of}.")


@st.fragment
def next_token_tab(lm: TextWriter, context: str) -> None:
    st.markdown("The model's guess for the **next token** after your prompt. Move the knobs: light bars are "
                "the model's own probabilities, dark bars what is left to sample from, grey bars are cut off.")
    knobs = _knob_row("view_")
    extra: list[int] = []
    generated = state.result
    if generated and generated.context == context:
        ids = [i for i in generated.ids[0] if i not in lm.end_ids]
        if len(ids) > 1:
            upto = page.slider("Stop column 1's generation after this many tokens", "view_position", 0,
                               len(ids) - 1, 0)
            extra = ids[:upto]
            if extra:
                st.caption("Context: …" + plain_markdown(prompt[-80:]) + "**"
                           + plain_markdown(whole_characters(decode(lm, extra))) + "**")
    dist = next_token_view(lm, context, knobs, top=15, extra_ids=extra)
    if dist.prompt_truncated:
        input_notice(f"The text was longer than the model's {lm.context_window:,}-token window; "
                     "only its last tokens were read.")
    _metrics(dist)
    probability_chart(dist)
    if note := listed_note(dist):
        st.caption(note)


# --- step by step -------------------------------------------------------------------------------


@st.fragment
def step_tab(lm: TextWriter, context: str) -> None:
    st.markdown("Build the continuation yourself, one token at a time: click a candidate, or let the "
                "computer pick (**sample** draws with the knobs, **greedy** takes the top one).")
    if state.steps_context != context:
        state.steps, state.steps_context = [], context
    steps = state.steps
    knobs = _knob_row("step_")
    step_seed = page.seed("Seed", "step_seed", 0)
    knobs = SamplingSettings(temperature=knobs.temperature, top_k=knobs.top_k, top_p=knobs.top_p, seed=step_seed)
    chosen_ids = [c.token_id for c in steps]
    dist = next_token_view(lm, context, knobs, top=8, extra_ids=chosen_ids)
    alternatives = list(zip(dist.pieces, dist.probs))[:5]

    def choose(token_id: int) -> None:
        index = dist.token_ids.index(token_id)
        steps.append(TokenConfidence(dist.pieces[index], token_id, dist.probs[index], alternatives))

    def sample() -> None:  # drawn where the model runs, with the knobs and the seed (on a server, by the server)
        try:
            steps.append(sample_next_token(lm, context, knobs, extra_ids=chosen_ids))
        except ModelUnavailable as error:
            state.step_error = error

    # Buttons act in callbacks, before the fragment runs again, so the new token shows at once.
    ended = ended_turn(lm, chosen_ids)
    full = len(chosen_ids) >= limits.max_new_tokens or ended
    st.caption("Candidates (model probability → after your knobs):")
    buttons = st.columns(4)
    for index, (token_id, piece, prob, adjusted) in enumerate(
            zip(dist.token_ids, dist.pieces, dist.probs, dist.adjusted_probs)):
        label = f"{visible_piece(piece)}  {percent(prob)} → {percent(adjusted)}"
        buttons[index % 4].button(label, key=page.key(f"pick_{index}"), width="stretch", disabled=full,
                                  on_click=choose, args=(token_id,))
    actions = st.columns(4)
    actions[0].button("Sample", key=page.key("sample"), icon=":material/casino:", width="stretch", disabled=full,
                      on_click=sample)
    actions[1].button("Greedy", key=page.key("greedy"), icon=":material/trending_up:", width="stretch",
                      disabled=full, on_click=choose, args=(dist.token_ids[0],))
    actions[2].button("Undo", key=page.key("undo"), icon=":material/undo:", disabled=not steps, width="stretch",
                      on_click=steps.pop)
    actions[3].button("Clear", key=page.key("clear"), icon=":material/delete:", disabled=not steps,
                      width="stretch", on_click=steps.clear)

    if state.step_error is not None:
        model_unavailable_panel(state.step_error)
        state.step_error = None
    if steps:
        last = steps[-1]
        st.markdown(f"Last pick: **{plain_markdown(visible_piece(last.piece))}** (id {last.token_id}), which the "
                    f"model gave a probability of **{percent(last.prob)}**.")
        st.markdown(f":gray[{plain_markdown(prompt[-200:])}]")
        confidence_view(steps, key=page.key("step_confidence"))
    else:
        st.info("No tokens chosen yet: pick one of the candidates above.")
    if ended:
        what = "its turn" if instruct else "the text"
        st.success(f"The model ended {what} here: it chose its end token, so a real generation would stop now. "
                   "Undo to pick something else.", icon=":material/flag:")
    elif full:
        st.warning(f"That is {limits.max_new_tokens} tokens, the limit here: undo or clear to go on.")


side_tab, view_tab, steps_tab = page.tabs(["Side by side", "Next-token view", "Step by step"])
with side_tab:
    if side_tab.open:
        side_by_side(lm, context)
with view_tab:
    if view_tab.open and not numbers_missing_notice(lm, st):
        next_token_tab(lm, context)
with steps_tab:
    if steps_tab.open and not numbers_missing_notice(lm, st):
        step_tab(lm, context)
