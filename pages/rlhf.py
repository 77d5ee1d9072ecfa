"""RLHF lab: your choices between two completions train a reward model, which then steers sampling."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from genai_demo import rlhf
from genai_demo.config import display_name, settings
from genai_demo.ui import loaders
from genai_demo.ui.labs_text import action_button, reward_chart
from genai_demo.ui.layout import page_intro
from genai_demo.ui.text import plain_markdown

K = "rlhf_"  # session-state prefix
MAX_SIMULATED = 20
prompts = rlhf.load_prompts()
max_tokens = min(60, settings().limits.max_new_tokens)
TEXT_MODEL = display_name(settings().text_model)  # the model this page runs, by name

page_intro(
    "rlhf",
    "Nobody can write down a rule for a *good* answer, but people can easily say which of two answers "
    "they like better. Here you do exactly that a few times; a small **reward model** learns to predict "
    f"your taste, and then it picks the best of several samples from {TEXT_MODEL}.",
)

lm = loaders.text_model()
preferences: list[rlhf.Preference] = st.session_state.setdefault(K + "preferences", [])


def _label(choice: int) -> None:
    pair = st.session_state.pop(K + "pair", None)
    if pair is None:  # a second click on A or B before the page redrew: that pair is already labelled
        return
    prompt, a, b = pair
    preferences.append(rlhf.preference(prompt, a, b, choice))
    st.session_state[K + "round"] = st.session_state.get(K + "round", 0) + 1


def _wrap(text: str) -> str:
    return plain_markdown(text) if text.strip() else "*(nothing: the model stopped at once)*"


# --- 1. collect preferences ---------------------------------------------------------------------

st.subheader("1. Which completion is better?")
left, middle, right = st.columns([3, 1, 1])
prompt = left.selectbox("Prompt", prompts, key=K + "prompt")
seed = middle.number_input("Seed", min_value=0, max_value=10_000, value=0, key=K + "seed")
new_tokens = right.number_input("Max new tokens", min_value=rlhf.MIN_NEW_TOKENS, max_value=max_tokens, value=30,
                                key=K + "tokens")

if action_button("Propose two completions", key=K + "propose", icon=":material/casino:"):
    round_seed = int(seed) + 2 * st.session_state.get(K + "round", 0)
    with st.spinner(f"{TEXT_MODEL} writes two completions with different seeds and lengths…"):
        st.session_state[K + "pair"] = (prompt, *rlhf.propose_pair(lm, prompt, round_seed, int(new_tokens)))

pair = st.session_state.get(K + "pair")
if pair:
    pair_prompt, a, b = pair
    col_a, col_b = st.columns(2)
    for column, name, text, choice in ((col_a, "A", a, 0), (col_b, "B", b, 1)):
        with column.container(border=True):
            st.markdown(f"**{name}** · {rlhf.word_count(text)} words")
            st.markdown(f"*{plain_markdown(pair_prompt)}* {_wrap(text)}")
            st.button(f"{name} is better", key=K + f"pick_{name.lower()}", on_click=_label, args=(choice,),
                      width="stretch")

with st.expander("No time to click? Let a simulated labeller choose", expanded=not preferences):
    s1, s2 = st.columns([2, 1])
    labeller = s1.selectbox("The labeller prefers", list(rlhf.SIMULATED_LABELLERS), key=K + "labeller")
    count = s2.number_input("Pairs", min_value=1, max_value=MAX_SIMULATED, value=6, key=K + "count")
    if action_button("Simulate the labeller", key=K + "simulate", icon=":material/smart_toy:"):
        progress = st.progress(0.0, text="Proposing pairs…")
        # Seeds go on from the pairs already collected, so pressing again adds new pairs, not the same ones.
        preferences.extend(rlhf.simulate_preferences(
            lm, prompts, labeller, int(count), int(seed) + 1000 + 2 * len(preferences), int(new_tokens),
            on_pair=lambda done: progress.progress(done / int(count), text=f"Pair {done} of {int(count)} labelled"),
        ))
        progress.empty()

if preferences:
    st.markdown(f"**{len(preferences)} preferences collected**")
    table = pd.DataFrame([{"prompt": p.prompt, "preferred": p.chosen, "words": rlhf.word_count(p.chosen),
                           "rejected": p.rejected, "words ": rlhf.word_count(p.rejected)} for p in preferences])
    st.dataframe(table, hide_index=True, height=min(240, 38 + 35 * len(table)))
    if action_button("Forget my preferences", key=K + "clear"):
        for name in ("preferences", "reward", "best"):
            st.session_state.pop(K + name, None)
        st.rerun()
else:
    st.info("No preferences yet: pick A or B above, or let the simulated labeller choose.")

# --- 2. reward model ----------------------------------------------------------------------------

st.subheader("2. Train the reward model")
st.markdown(
    "Each completion becomes numbers: its sentence embedding (384 numbers for its meaning) plus its "
    "length and how much it repeats itself. The reward model learns one weight per number so that "
    "**your preferred completion scores higher** in as many pairs as possible (a Bradley–Terry model: "
    "P(A beats B) = sigmoid(reward(A) − reward(B)))."
)
use_embeddings = st.toggle("Use sentence embeddings (off: only length and repetition)", value=True,
                           key=K + "use_embeddings")
if action_button("Train the reward model", type="primary", key=K + "train", icon=":material/model_training:"):
    if len(preferences) < 2:
        st.warning("Collect at least two preferences first: one choice says too little about your taste.")
    else:
        embedder = loaders.embedder() if use_embeddings else None
        with st.spinner("Embedding the completions and fitting the reward model…"):
            st.session_state[K + "reward"] = rlhf.train_reward_model(embedder, list(preferences), use_embeddings)
        st.session_state.pop(K + "best", None)

reward: rlhf.RewardModel | None = st.session_state.get(K + "reward")
if reward is not None:
    weights = reward.plain_weights
    m1, m2, m3 = st.columns(3)
    m1.metric("Pairs it agrees with", f"{reward.training_accuracy:.0%}", help=f"of the {reward.pairs} it learned from")
    m2.metric("Weight on length", f"{weights[rlhf.PLAIN_FEATURES[0]]:+.2f}",
              help="Positive: longer completions get more reward. Negative: shorter ones do.")
    m3.metric("Weight on repetition", f"{weights[rlhf.PLAIN_FEATURES[1]]:+.2f}")

# --- 3. best-of-n -------------------------------------------------------------------------------

st.subheader("3. Best-of-n: let the reward model choose")
if reward is None:
    st.info("Train the reward model first; then it can score new completions.")
else:
    b1, b2, b3 = st.columns([3, 1, 1])
    best_prompt = b1.selectbox("Prompt", prompts, index=len(prompts) - 1, key=K + "best_prompt")
    n = b2.number_input("n (samples)", min_value=2, max_value=8, value=4, key=K + "n")
    best_seed = b3.number_input("Seed", min_value=0, max_value=10_000, value=7, key=K + "best_seed")
    if action_button("Sample n and keep the best", key=K + "sample", icon=":material/filter_alt:"):
        embedder = loaders.embedder() if reward.use_embeddings else None
        with st.spinner(f"{TEXT_MODEL} writes {int(n)} completions; the reward model scores each…"):
            candidates = rlhf.sample_completions(lm, best_prompt, int(n), int(best_seed), int(new_tokens))
            st.session_state[K + "best"] = (best_prompt, rlhf.pick_best(reward, embedder, candidates))
    if K + "best" in st.session_state:
        shown_prompt, best = st.session_state[K + "best"]
        before, after = st.columns(2)
        with before.container(border=True):
            st.markdown(f"**Plain sampling** (sample 1) · reward {best.rewards[0]:+.2f}")
            st.markdown(f"*{plain_markdown(shown_prompt)}* {_wrap(best.candidates[0])}")
        with after.container(border=True):
            st.markdown(f"**Best of {len(best.candidates)}** (sample {best.best_index + 1}) · "
                        f"reward {best.rewards[best.best_index]:+.2f}")
            st.markdown(f"*{plain_markdown(shown_prompt)}* {_wrap(best.best)}")
        labels = [f"sample {i + 1} · {rlhf.word_count(t)} words" for i, t in enumerate(best.candidates)]
        st.altair_chart(reward_chart(best.rewards.tolist(), labels, best.best_index), width="stretch")
        st.caption(f"Average reward of a plain sample: {best.rewards.mean():+.2f}; best of "
                   f"{len(best.candidates)}: {best.rewards.max():+.2f}. The model itself did not change: "
                   "only which of its samples you get to see.")

# --- 4. reward hacking --------------------------------------------------------------------------

st.subheader("4. Reward hacking: when the reward learns the wrong thing")
st.markdown(
    "Suppose your labellers, without noticing, always liked the *longer* answer. The reward model then "
    "learns 'longer is better', and best-of-n happily serves the longest, most rambling sample, whether "
    "or not it makes sense. The button below relabels your pairs that way and reruns best-of-n on the same "
    "samples as step 3."
)
if action_button("Show reward hacking", key=K + "hack", icon=":material/warning:"):
    if len(preferences) < 2 or K + "best" not in st.session_state:
        st.warning("First collect at least two preferences and run best-of-n in step 3.")
    else:
        hacked = rlhf.train_reward_model(None, rlhf.relabel(list(preferences), "longer answers"), False)
        _, best = st.session_state[K + "best"]
        pick = rlhf.pick_best(hacked, None, best.candidates)
        st.metric("Weight the 'length' feature learned", f"{hacked.plain_weights[rlhf.PLAIN_FEATURES[0]]:+.2f}")
        labels = [f"sample {i + 1} · {rlhf.word_count(t)} words" for i, t in enumerate(pick.candidates)]
        st.altair_chart(reward_chart(pick.rewards.tolist(), labels, pick.best_index), width="stretch")
        with st.container(border=True):
            st.markdown(f"**The length-loving reward picks sample {pick.best_index + 1}** "
                        f"({rlhf.word_count(pick.best)} words)")
            st.markdown(_wrap(pick.best))
        st.caption("Real systems fight this with varied labellers, reward models that see many kinds of "
                   "answers, and a penalty for drifting too far from the original model.")

# --- explanations -------------------------------------------------------------------------------

with st.expander("How this relates to ChatGPT"):
    st.markdown(
        "ChatGPT was shaped in three stages. First, a pretrained model was fine-tuned on example "
        "conversations written by people. Then labellers ranked several answers to the same question, and a "
        "large reward model (itself a language model) learned to predict those rankings, just like step 2 "
        "here. Finally, reinforcement learning (PPO) changed the chat model's own weights so that its "
        "answers earn a high reward, with a penalty for moving too far from the fine-tuned model."
    )
with st.expander("Where real RLHF differs from this page"):
    st.markdown(
        "- **The model itself changes.** Best-of-n only filters samples; PPO (or DPO, which learns "
        "straight from the preference pairs without a separate reward model) updates the weights, so good "
        "answers come out on the first try.\n"
        "- **Scale.** Tens of thousands of human comparisons, not ten; a reward model with billions of "
        "weights instead of 386 numbers.\n"
        "- **Guard rails.** A KL penalty keeps the tuned model close to the original, which limits reward "
        "hacking; labelling guidelines try to keep human preferences consistent.\n"
        "- **What it teaches.** Helpfulness, honesty and refusing harmful requests: things that are easy "
        "to judge and hard to write down as rules."
    )
