"""RLHF lab: your choices between two completions train a reward model, steer sampling, then change the model (DPO)."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from genai_demo.config import display_name, settings
from genai_demo.engine import kinds
from genai_demo.engine.bundles import TextModel
from genai_demo.text.instruct import has_chat_template
from genai_demo.tuning import dpo, rlhf
from genai_demo.ui import loaders
from genai_demo.ui.charts import show_chart
from genai_demo.ui.classroom import saved_work, sharing
from genai_demo.ui.layout import page_intro
from genai_demo.ui.literal import plain_markdown
from genai_demo.ui.tuning.charts import loss_chart, reward_chart
from genai_demo.ui.tuning.rlhf import (
    BestOfNRun,
    DpoComparison,
    DpoCopy,
    ProposedPair,
    RewardHack,
    RlhfState,
    Taste,
    completion_card,
    preference_table,
    reward_scores,
)

MAX_SIMULATED = 20
DPO_SAMPLES = 3
prompts = rlhf.load_prompts()
max_tokens = min(60, settings().limits.max_new_tokens)
TEXT_MODEL = display_name(settings().text_model)  # the model this page runs, by name
dpo_defaults = dpo.DpoSettings()

page = page_intro(
    "rlhf",
    "Nobody can write down a rule for a *good* answer, but people can easily say which of two answers "
    "they like better. Here you do exactly that a few times; a small **reward model** learns to predict "
    f"your taste and picks the best of several samples from {TEXT_MODEL}; finally **DPO** trains a copy of "
    "the model itself on your choices.",
)

lm = loaders.model(kinds.TEXT)
state = page.state(RlhfState)
kept = saved_work.restore("rlhf", "preferences")  # the pairs this learner labelled in an earlier visit
if kept and not state.taste.preferences:
    state.restore(kept)
length, about_model = st.columns([1, 3], vertical_alignment="bottom")
with length:
    new_tokens = int(page.number("Max new tokens per completion", "tokens", rlhf.MIN_NEW_TOKENS, max_tokens, 30))
if has_chat_template(lm.tokenizer):
    about_model.caption(f"{TEXT_MODEL} is an instruction-tuned model: each prompt is sent as a user message in its "
                        "chat template, and a completion ends where the model ends its turn.")


# --- 1. collect preferences ---------------------------------------------------------------------

@st.fragment
def collect(lm: TextModel, state: RlhfState, new_tokens: int) -> None:
    st.subheader("1. Which completion is better?")
    preferences = state.taste.preferences
    left, right = st.columns([3, 1])
    with left:
        prompt = page.choice("Prompt", "prompt", prompts, prompts[0])
    with right:
        seed = page.seed("Seed", "seed", 0)
    if page.button("Propose two completions", "propose", keep_click=True, icon=":material/casino:"):
        with st.spinner(f"{TEXT_MODEL} writes two completions with different seeds and lengths…"):
            (a, a_ended), (b, b_ended) = rlhf.sample_with_endings(lm, prompt, 2, seed + 2 * state.rounds, new_tokens)
        state.pair = ProposedPair(prompt, a, b, (a_ended, b_ended))

    pair = state.pair
    if pair:
        for column, name, text, ended, choice in zip(st.columns(2), "AB", (pair.a, pair.b), pair.endings, (0, 1)):
            with column:
                completion_card(f"**{name}** · {rlhf.word_count(text)} words", pair.prompt, text, ended)
                if st.button(f"{name} is better", key=page.key(f"pick_{name.lower()}"), width="stretch"):
                    # A second click before the page redrew finds the pair already labelled and gone.
                    if state.pair is not None:
                        state.pair = None
                        chosen = rlhf.preference(pair.prompt, pair.a, pair.b, choice)
                        preferences.append(chosen)
                        state.rounds += 1
                        saved_work.keep("rlhf", "preferences", state.saved())
                        sharing.send("rlhf", "vote", [(chosen.chosen, asdict(chosen))], what="your vote")
                    st.rerun()  # the whole page: the sections below count the pairs

    with st.expander("No time to click? Let a simulated labeller choose", expanded=not preferences):
        s1, s2 = st.columns([2, 1])
        with s1:
            labeller = page.choice("The labeller prefers", "labeller", list(rlhf.SIMULATED_LABELLERS),
                                   "shorter answers")
        with s2:
            count = int(page.number("Pairs", "count", 1, MAX_SIMULATED, 6))
        if page.button("Simulate the labeller", "simulate", keep_click=True, icon=":material/smart_toy:"):
            progress = st.progress(0.0, text="Proposing pairs…")
            # Seeds go on from the pairs already collected, so pressing again adds new pairs, not the same ones.
            preferences.extend(rlhf.simulate_preferences(
                lm, prompts, labeller, count, seed + 1000 + 2 * len(preferences), new_tokens,
                on_pair=lambda done: progress.progress(done / count, text=f"Pair {done} of {count} labelled"),
            ))
            st.rerun()

    saved_work.keep("rlhf", "preferences", state.saved(), made=bool(preferences))
    if sharing.class_info() is not None:
        st.caption(":material/co_present: You are in a class: each pair you pick A or B on also counts in the class's "
                   "tally on its projector (simulated choices do not).")
    if preferences:
        st.markdown(f"**{len(preferences)} preferences collected**")
        preference_table(preferences)
        if page.button("Forget my preferences", "clear", keep_click=True):
            state.taste = Taste()  # and the reward model, best-of-n, reward hacking and DPO copy learned from them
            st.rerun()
    else:
        st.info("No preferences yet: pick A or B above, or let the simulated labeller choose.")


collect(lm, state, new_tokens)

# --- 2. reward model ----------------------------------------------------------------------------


@st.fragment
def reward_section(state: RlhfState) -> None:
    st.subheader("2. Train the reward model")
    st.markdown(
        "Each completion becomes numbers: its sentence embedding (384 numbers for its meaning) plus its "
        "length and how much it repeats itself. The reward model learns one weight per number so that "
        "**your preferred completion scores higher** in as many pairs as possible (a Bradley–Terry model: "
        "P(A beats B) = sigmoid(reward(A) − reward(B)))."
    )
    use_embeddings = page.toggle("Use sentence embeddings (off: only length and repetition)", "use_embeddings",
                                 True)
    taste = state.taste
    if page.button("Train the reward model", "train", keep_click=True, type="primary",
                   icon=":material/model_training:"):
        if len(taste.preferences) < 2:
            st.warning("Collect at least two preferences first: one choice says too little about your taste.")
        else:
            embedder = loaders.model(kinds.EMBED) if use_embeddings else None
            with st.spinner("Embedding the completions and fitting the reward model…"):
                taste.reward = rlhf.train_reward_model(embedder, list(taste.preferences), use_embeddings)
            taste.best = taste.hack = None  # they were scored by the old one
            st.rerun()  # the whole page: best-of-n and DPO use the new reward model

    reward = taste.reward
    if reward is not None:
        weights = reward.plain_weights
        m1, m2, m3 = st.columns(3)
        m1.metric("Pairs it agrees with", f"{reward.training_accuracy:.0%}",
                  help=f"of the {reward.pairs} it learned from")
        m2.metric("Weight on length", f"{weights[rlhf.PLAIN_FEATURES[0]]:+.2f}",
                  help="Positive: longer completions get more reward. Negative: shorter ones do.")
        m3.metric("Weight on repetition", f"{weights[rlhf.PLAIN_FEATURES[1]]:+.2f}")


reward_section(state)
reward = state.taste.reward

# --- 3. best-of-n -------------------------------------------------------------------------------


def reward_bars(pick: rlhf.BestOfN) -> None:
    labels = [f"sample {i + 1} · {rlhf.word_count(t)} words" for i, t in enumerate(pick.candidates)]
    show_chart(reward_chart(pick.rewards.tolist(), labels, pick.best_index), width="stretch")
    st.caption(f"Bars start at 0 = the average reward of these {len(pick.candidates)} samples "
               f"({pick.rewards.mean():+.2f}); the reward model's own scores are only meaningful relative to "
               "each other, so the longest bar to the right is the sample it likes best.")


@st.fragment
def best_of_n(lm: TextModel, taste: Taste, reward: rlhf.RewardModel, new_tokens: int) -> None:
    b1, b2, b3 = st.columns([3, 1, 1])
    with b1:
        best_prompt = page.choice("Prompt", "best_prompt", prompts, prompts[-1])
    with b2:
        n = int(page.number("n (samples)", "n", 2, 8, 4))
    with b3:
        best_seed = page.seed("Seed", "best_seed", 7)
    sample = page.action("Sample n and keep the best", "sample", area="best_result", keep_click=True,
                         icon=":material/filter_alt:")
    if sample.clicked:
        embedder = loaders.model(kinds.EMBED) if reward.use_embeddings else None
        with sample.area, st.spinner(f"{TEXT_MODEL} writes {n} completions; the reward model scores each…"):
            candidates = rlhf.sample_completions(lm, best_prompt, n, best_seed, new_tokens)
            taste.best = BestOfNRun(best_prompt, rlhf.pick_best(reward, embedder, candidates))
    if taste.best is None:
        return
    shown_prompt, best = taste.best.prompt, taste.best.pick
    with sample.area:
        before, after = st.columns(2)
        with before:
            completion_card(f"**Plain sampling** (sample 1) · reward {best.rewards[0]:+.2f}", shown_prompt,
                            best.candidates[0])
        with after:
            completion_card(f"**Best of {len(best.candidates)}** (sample {best.best_index + 1}) · reward "
                            f"{best.rewards[best.best_index]:+.2f}", shown_prompt, best.best)
        reward_bars(best)
        st.caption(f"Average reward of a plain sample: {best.rewards.mean():+.2f}; best of "
                   f"{len(best.candidates)}: {best.rewards.max():+.2f}. The model itself did not change: "
                   "only which of its samples you get to see.")


st.subheader("3. Best-of-n: let the reward model choose")
if reward is None:
    st.info("Train the reward model first; then it can score new completions.")
else:
    best_of_n(lm, state.taste, reward, new_tokens)

# --- 4. reward hacking --------------------------------------------------------------------------


@st.fragment
def reward_hacking(state: RlhfState) -> None:
    st.subheader("4. Reward hacking: when the reward learns the wrong thing")
    st.markdown(
        "Suppose your labellers, without noticing, always liked the *longer* answer. The reward model then "
        "learns 'longer is better', and best-of-n happily serves the longest, most rambling sample, whether "
        "or not it makes sense. The button below relabels your pairs that way and reruns best-of-n on the "
        "same samples as step 3."
    )
    taste = state.taste
    if page.button("Show reward hacking", "hack_go", keep_click=True, icon=":material/warning:"):
        if len(taste.preferences) < 2 or taste.best is None:
            st.warning("First collect at least two preferences and run best-of-n in step 3.")
        else:
            hacked = rlhf.train_reward_model(None, rlhf.relabel(list(taste.preferences), "longer answers"), False)
            taste.hack = RewardHack(hacked, rlhf.pick_best(hacked, None, taste.best.pick.candidates))
    if taste.hack is None:
        return
    hacked, pick = taste.hack.reward, taste.hack.pick
    st.metric("Weight the 'length' feature learned", f"{hacked.plain_weights[rlhf.PLAIN_FEATURES[0]]:+.2f}")
    reward_bars(pick)
    completion_card(f"**The length-loving reward picks sample {pick.best_index + 1}** "
                    f"({rlhf.word_count(pick.best)} words)", "", pick.best)
    st.caption("Real systems fight this with varied labellers, reward models that see many kinds of "
               "answers, and a penalty for drifting too far from the original model (step 5 measures it).")


reward_hacking(state)

# --- 5. DPO: change the model -------------------------------------------------------------------


@st.fragment
def dpo_training(lm: TextModel, taste: Taste) -> None:
    st.subheader("5. DPO: change the model itself")
    st.markdown(
        f"Best-of-n only filters. **DPO** (direct preference optimisation) trains a copy of {TEXT_MODEL} on "
        "your pairs so that good answers come out on the first try: for each pair it raises the "
        "probability of the chosen completion *relative to* the rejected one, measured against the "
        "unchanged base model. **Beta** says how much a step of drift is worth: higher beta, smaller moves."
    )
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        steps = int(page.number("DPO steps", "dpo_steps", 1, dpo.MAX_STEPS, dpo_defaults.steps))
    with c2:
        beta = page.choice("Beta", "dpo_beta", [0.1, 0.25, 0.5, 1.0], dpo_defaults.beta)
    with c3:
        learning_rate = page.choice("Learning rate", "dpo_lr", [1e-3, 3e-3, 1e-2, 3e-2], dpo_defaults.learning_rate,
                                    format_func=lambda v: f"{v:g}")
    with c4:
        seed = page.seed("Training seed", "dpo_seed", dpo_defaults.seed)
    st.caption("Try a learning rate of 0.01 or more: the reward may rise further while the drift (KL) grows and "
               "the answers fall apart. That is why real RLHF keeps the tuned model close to the original.")
    train = page.action(f"Train a copy with DPO on your {len(taste.preferences)} pairs", "dpo_train",
                        area="dpo_result", keep_click=True, type="primary", icon=":material/thumb_up:")
    if train.clicked:
        with train.area:
            run_dpo(lm, taste, dpo.DpoSettings(steps=steps, beta=float(beta), learning_rate=float(learning_rate),
                                               seed=seed))
    with train.area:
        if taste.tuned is None:
            st.info("No DPO copy yet. Collect at least two pairs, then train: the loss curve appears live.")
            return
        result = taste.tuned.result
        show_chart(loss_chart(result.losses, result.settings.steps, "DPO loss"),
                        width="stretch")
        st.caption(f"{len(result.losses)} steps on {result.pairs} pairs in {result.seconds:.0f} s. The loss starts "
                   "at log 2 ≈ 0.69 (the copy equals the base, so it favours neither answer) and falls as the "
                   "chosen answers gain on the rejected ones. The copy lives only in this browser session.")


def run_dpo(lm: TextModel, taste: Taste, tune: dpo.DpoSettings) -> None:
    """Train with a live loss curve; keep the result in the session (one DPO copy per session)."""
    taste.tuned = None
    progress = st.progress(0.0, text="Copying the model and scoring your pairs with the base…")
    chart = st.empty()
    losses: list[float] = []

    def on_step(report: dpo.DpoStep) -> None:
        losses.append(report.loss)
        progress.progress(report.step / report.steps, text=f"Step {report.step}/{report.steps} · loss "
                                                           f"{report.loss:.3f} · {report.seconds:.0f} s")
        show_chart(loss_chart(losses, report.steps, "DPO loss"), where=chart, width="stretch")

    try:
        result = dpo.train_dpo(lm, taste.preferences, tune, on_step=on_step)
    except ValueError as error:
        progress.empty()
        chart.empty()
        st.warning(str(error))
    else:
        taste.tuned = DpoCopy(result)
        st.rerun()  # the whole page: the before/after comparison below needs the new copy


@st.fragment
def dpo_comparison(lm: TextModel, taste: Taste, tuned: DpoCopy, reward: rlhf.RewardModel | None,
                   new_tokens: int) -> None:
    st.markdown(f"**Before and after DPO**: {DPO_SAMPLES} samples from each model with the same seeds.")
    p1, p2 = st.columns([3, 1])
    with p1:
        prompt = page.choice("Prompt", "dpo_prompt", prompts, prompts[1])
    with p2:
        seed = page.seed("Seed", "dpo_sample_seed", 11)
    result = tuned.result
    request = (id(result), id(reward), prompt, seed, new_tokens)
    comparison = tuned.comparison
    if comparison is None or comparison.request != request:
        with st.spinner("The base and the DPO copy write with the same seeds; the reward model scores both…"):
            before = rlhf.sample_with_endings(lm, prompt, DPO_SAMPLES, seed, new_tokens, vary_length=False)
            after = rlhf.sample_with_endings(result.tuned, prompt, DPO_SAMPLES, seed, new_tokens, vary_length=False)
            scores = reward_scores(reward, [t for t, _ in before], [t for t, _ in after])
            kl = dpo.kl_from_base(lm, result.tuned, prompt, [t for t, _ in after])
        comparison = tuned.comparison = DpoComparison(request, before, after, scores, kl)
    before, after, scores, kl = comparison.before, comparison.after, comparison.scores, comparison.kl
    words = [sum(rlhf.word_count(t) for t, _ in texts) / len(texts) for texts in (before, after)]
    m1, m2, m3 = st.columns(3)
    if scores is not None:
        m1.metric("Mean reward: base → DPO copy", f"{scores[0].mean():+.2f} → {scores[1].mean():+.2f}",
                  delta=f"{scores[1].mean() - scores[0].mean():+.2f}",
                  help="The reward model from step 2 scores both sets of samples.")
    else:
        m1.metric("Mean reward", "—", help="Train the reward model in step 2 to score the samples.")
    m2.metric("Mean words: base → DPO copy", f"{words[0]:.1f} → {words[1]:.1f}")
    m3.metric("Drift from the base (KL)", f"{kl:.3f}",
              help="Kullback–Leibler divergence per token on the copy's samples: 0 means it still predicts "
                   "exactly like the base; bigger means it moved further away.")
    st.caption("A few pairs mostly teach DPO those pairs: on a new prompt the reward may move either way. The "
               "drift says how far the copy moved from the base; more pairs, more steps or a higher learning rate "
               "move it further, and past a point the answers get worse while the loss keeps falling.")
    for i in range(DPO_SAMPLES):
        left, right = st.columns(2)
        for column, name, texts, index in ((left, "Base", before, 0), (right, "DPO copy", after, 1)):
            text, ended = texts[i]
            score = "" if scores is None else f" · reward {scores[index][i]:+.2f}"
            with column:
                completion_card(f"**{name}**, seed {seed + i}{score}", prompt, text, ended)
    if page.button("Forget my DPO copy", "dpo_forget", keep_click=True, icon=":material/delete:"):
        taste.tuned = None
        st.rerun()


dpo_training(lm, state.taste)
if state.taste.tuned is not None:
    dpo_comparison(lm, state.taste, state.taste.tuned, reward, new_tokens)

# --- explanations -------------------------------------------------------------------------------

with st.expander("How this relates to ChatGPT"):
    st.markdown(
        "ChatGPT was shaped in three stages. First, a pretrained model was fine-tuned on example "
        "conversations written by people. Then labellers ranked several answers to the same question, and a "
        "large reward model (itself a language model) learned to predict those rankings, just like step 2 "
        "here. Finally, reinforcement learning (PPO) changed the chat model's own weights so that its "
        "answers earn a high reward, with a penalty for moving too far from the fine-tuned model. Many newer "
        "models use DPO (step 5) instead: it learns straight from the pairs, with no separate reward model."
    )
with st.expander("Where real RLHF differs from this page"):
    st.markdown(
        "- **Scale.** Tens of thousands of human comparisons, not ten; a reward model with billions of "
        "weights instead of 386 numbers; DPO runs for hours on many GPUs, not seconds on a laptop.\n"
        "- **Guard rails.** A KL penalty keeps the tuned model close to the original, which limits reward "
        "hacking; labelling guidelines try to keep human preferences consistent.\n"
        f"- **What it teaches.** Helpfulness, honesty and refusing harmful requests: things that are easy "
        f"to judge and hard to write down as rules. A few pairs on {plain_markdown(TEXT_MODEL)} can only nudge "
        "simple things such as length or where an answer stops."
    )
