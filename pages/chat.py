"""Chat: a conversation with the instruction-tuned model, its reply streamed and the chat-templated tokens it read
on show (genai_demo.text.chat, text.generation)."""

from dataclasses import replace

import streamlit as st

from genai_demo.config import display_name, settings
from genai_demo.engine import kinds
from genai_demo.text import chat
from genai_demo.text.generation import generate
from genai_demo.text.instruct import cut_at_limit
from genai_demo.text.tokens import piece_for_id
from genai_demo.ui import loaders
from genai_demo.ui.classroom import saved_work
from genai_demo.ui.classroom.membership import learner_id
from genai_demo.ui.layout import page_intro
from genai_demo.ui.literal import exact_code, plain_markdown, whole_characters
from genai_demo.ui.panels import input_notice
from genai_demo.ui.text.chat import ChatMessage, ChatState
from genai_demo.ui.text.model_output import paced, queue_note
from genai_demo.ui.tokens import token_chips

TEXT_MODEL = display_name(settings().text_model)  # the model this page runs, by name
MAX_SYSTEM_CHARS = 2_000

page = page_intro(
    "chat",
    "This is a small **instruction-tuned** model: a language model like GPT-2 that was trained further on "
    "conversations, so that it answers instead of just continuing your text. It runs on this computer "
    "and writes its reply one token at a time.",
)

with st.expander("How a next-word predictor became an assistant"):
    st.markdown(
        "1. **Pre-training.** The model reads a huge amount of text and learns one skill: predict the next "
        "token. Asked *'What's the weather like today?'* it may continue with another question, because "
        "on the web questions often come in lists.\n"
        "2. **Instruction tuning.** It is then trained on many example conversations written in a fixed "
        "format (a *chat template*): a system message, a user turn, an assistant turn. It learns that after "
        "the assistant marker comes a helpful answer, and then an end marker.\n"
        "3. **Learning from human feedback (RLHF and its cousins).** People compare pairs of answers and "
        "pick the better one. A reward model learns their taste, and the assistant is nudged towards "
        "answers that score well: helpful, honest, polite, and willing to say *'I don't know'*.\n\n"
        f"Underneath it is still next-token prediction. Turn on *Ask {TEXT_MODEL} the same chat* to see a model "
        "that had only step 1. The RLHF page lets you play the human who gives the feedback."
    )

limits = settings().limits
state = page.state(ChatState)
kept = saved_work.restore("chat", "conversation")  # the learner's chat from an earlier visit
if kept and not state.history and not state.pending:
    state.restore(kept)

with st.container(border=True):
    system_prompt = page.text("System prompt", "system", chat.DEFAULT_SYSTEM_PROMPT, max_chars=MAX_SYSTEM_CHARS,
                              height=68, help="Hidden instructions the model reads before the conversation.")
    left, right = st.columns(2)
    with left:
        show_template = page.toggle("Show what the model reads", "show_template")
    with right:
        compare = page.toggle(f"Ask {TEXT_MODEL} the same chat", "compare",
                              help=f"{TEXT_MODEL}, the text model, gets the chat as plain text, without a chat "
                                   "template.")
    defaults = chat.DEFAULT_SETTINGS
    tokens_col, temp_col, penalty_col, seed_col = st.expander("Reply settings", icon=":material/tune:").columns(4)
    with tokens_col:
        reply_tokens = page.slider("Reply length (tokens)", "reply_tokens", 8, min(256, limits.max_new_tokens),
                                   min(defaults.max_new_tokens, limits.max_new_tokens))
    with temp_col:
        temperature = page.slider("Temperature", "temperature", 0.0, 1.5, defaults.temperature, 0.1,
                                  help="0 = always the most likely token: a small model answers best so. Raise it "
                                       "for variety (the seed then picks which reply).")
    with penalty_col:
        penalty = page.slider("Repetition penalty", "penalty", 1.0, 1.5, defaults.repetition_penalty, 0.05,
                              help="Above 1, tokens already in the chat get less likely: stops a reply that keeps "
                                   "repeating itself.")
    with seed_col:
        seed = page.seed("Seed", "seed", 0)
    st.button("Clear chat", key=page.key("clear"), on_click=state.clear, icon=":material/delete:")

lm = loaders.chat_writer()
sampling = replace(chat.DEFAULT_SETTINGS, temperature=temperature, repetition_penalty=penalty,
                   max_new_tokens=reply_tokens, seed=seed)


def show_model_input(message: ChatMessage) -> None:
    """The exact template text and token ids this reply was generated from."""
    with st.expander(f"What the model read for this reply ({len(message.prompt_ids)} tokens)"):
        exact_code(message.prompt_text)
        pieces = [piece_for_id(lm.tokenizer, token_id) for token_id in message.prompt_ids]
        token_chips(pieces, show_ids=True)
        st.caption("Dashed chips are the template's special markers. The model's reply continues right "
                   "after the last one, and stops when it writes the end marker itself.")


def show_gpt2(text: str, box) -> None:
    box.markdown(f"**{plain_markdown(TEXT_MODEL)}** (no chat template)\n\n{plain_markdown(text)}")


def cut_note(message: ChatMessage) -> None:
    if message.cut_at is not None:
        st.caption(f":orange[:material/content_cut: Cut at the reply length limit ({message.cut_at} tokens) before "
                   "the model ended its turn: raise *Reply length* under Reply settings for the rest.]")


def show_assistant(message: ChatMessage) -> None:
    with st.chat_message("assistant"):
        if message.base_reply is not None:
            mine, base = st.columns(2)
            mine.markdown(f"**Instruct model**\n\n{plain_markdown(message.content)}")
            show_gpt2(message.base_reply, base)
        else:
            st.markdown(plain_markdown(message.content))
        if message.dropped:
            st.caption(f"{message.dropped} older messages did not fit the model's window and were left out.")
        cut_note(message)
        if show_template:
            show_model_input(message)


for message in state.history:
    if message.role == "user":
        with st.chat_message("user"):
            st.markdown(plain_markdown(message.content))
    else:
        show_assistant(message)

if not state.history:
    st.caption("Try *What's the weather like today?* – a model without internet access cannot know.")

# No max_chars on the box: Streamlit would drop a longer paste without a word. It is cut here, with a notice.
user_text = st.chat_input("Message the model", key=page.key("input"))
max_message_chars = limits.max_prompt_chars // 4
# Messages wait here until answered: one sent while a reply is still streaming restarts this script, and
# the unfinished reply is then written again before the new message's, so no message goes unanswered.
pending = state.pending
if user_text is not None:
    if len(user_text) > max_message_chars:
        input_notice(f"Your message had {len(user_text):,} characters; the first {max_message_chars:,} were sent.")
        user_text = user_text[:max_message_chars]
    pending.append(user_text)
    saved_work.keep("chat", "conversation", state.saved())  # a reload before the reply loses no message
while pending:
    user_text = pending[0]
    history = state.history
    conversation = [m.turn() for m in history]
    conversation.append({"role": "user", "content": user_text})
    try:
        prompt = chat.build_prompt(lm, system_prompt, conversation, reply_tokens)
    except ValueError as error:
        pending.pop(0)
        st.warning(str(error))
        continue
    with st.chat_message("user"):
        st.markdown(plain_markdown(user_text))
    if prompt.dropped_messages:
        input_notice(f"The conversation is longer than the model's {lm.context_window:,}-token window: the "
                     f"oldest {prompt.dropped_messages} messages were left out of what it reads.")
    if prompt.system_merged:
        st.caption("This model's template has no system role, so the system prompt was put into the first message.")
    reply = ChatMessage("assistant", "", prompt.text, prompt.token_ids, prompt.dropped_messages)
    with st.chat_message("assistant"):
        mine, base = st.columns(2) if compare else (st.container(), None)
        box = mine.empty()
        label = "**Instruct model**\n\n" if compare else ""
        box.markdown(f"{label}:gray[:material/hourglass_top: Reading the conversation ({len(prompt.token_ids):,} "
                     "tokens)…]")
        text, written = "", []
        for update in paced(chat.stream_reply(lm, prompt, sampling, owner=learner_id())):
            text, written = whole_characters(update.texts[0]), update.token_ids[0]
            box.markdown(f"{label}{queue_note(update)}" if update.waiting else f"{label}{plain_markdown(text)}▌")
        reply.content = text.strip() or "(the model ended its turn without writing anything)"
        if cut_at_limit(lm, written, reply_tokens):
            reply.cut_at = reply_tokens
        box.markdown(f"{label}{plain_markdown(reply.content)}")
        cut_note(reply)
        if compare:
            gpt2 = loaders.model_or_none(kinds.TEXT)
            if gpt2 is not None:
                transcript = chat.plain_transcript(system_prompt, conversation)
                gpt2_box = base.empty()
                gpt2_text = ""
                for update in paced(generate(gpt2, transcript, [sampling])):
                    gpt2_text = whole_characters(update.texts[0])
                    show_gpt2(queue_note(update) if update.waiting else gpt2_text + "▌", gpt2_box)
                reply.base_reply = gpt2_text.strip() or "(nothing)"
                show_gpt2(reply.base_reply, gpt2_box)
                st.caption(f"{TEXT_MODEL} only continues the text: it often answers oddly, then writes the next "
                           "'User:' line itself, because it never learned where its turn ends.")
        if show_template:
            show_model_input(reply)
    history.append(ChatMessage("user", user_text))
    history.append(reply)
    pending.pop(0)
    saved_work.keep("chat", "conversation", state.saved())
saved_work.keep("chat", "conversation", state.saved())  # also after Clear chat
