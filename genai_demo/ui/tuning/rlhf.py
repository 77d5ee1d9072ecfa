"""Streamlit pieces of the RLHF page: its state, completion cards, the preference table, reward scores of two
sample sets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from genai_demo.engine import kinds
from genai_demo.tuning import dpo, rlhf
from genai_demo.ui import loaders
from genai_demo.ui.literal import plain_markdown


@dataclass
class ProposedPair:
    """Two completions of one prompt waiting for the learner's choice; `endings` says which ended their turn."""

    prompt: str
    a: str
    b: str
    endings: tuple[bool, bool] = (False, False)


@dataclass
class BestOfNRun:
    """Step 3's last run: the prompt and the samples with their rewards."""

    prompt: str
    pick: rlhf.BestOfN


@dataclass
class RewardHack:
    """Step 4's last run: the length-loving reward model and what it picks among step 3's samples."""

    reward: rlhf.RewardModel
    pick: rlhf.BestOfN


@dataclass
class DpoComparison:
    """Base and DPO copy on one prompt with the same seeds: the samples (text, ended), their rewards, the drift."""

    request: tuple[object, ...]  # what they were written for: copy, reward model, prompt, seed, length
    before: list[tuple[str, bool]]
    after: list[tuple[str, bool]]
    scores: list[np.ndarray] | None  # None before a reward model is trained
    kl: float


@dataclass
class DpoCopy:
    """The session's one DPO-trained copy and its last comparison with the base."""

    result: dpo.DpoResult
    comparison: DpoComparison | None = None


@dataclass
class Taste:
    """The learner's preferences and everything learned from them; "Forget my preferences" starts a new one."""

    preferences: list[rlhf.Preference] = field(default_factory=list)
    reward: rlhf.RewardModel | None = None
    best: BestOfNRun | None = None
    hack: RewardHack | None = None
    tuned: DpoCopy | None = None


@dataclass
class RlhfState:
    """What the RLHF page keeps for the session."""

    pair: ProposedPair | None = None
    rounds: int = 0  # pairs labelled by hand: the next pair is written with new seeds
    taste: Taste = field(default_factory=Taste)

    def saved(self) -> dict[str, Any]:
        """The learner's pairs as JSON values, for their saved work (what was learned from them is recomputed)."""
        return {"preferences": [asdict(p) for p in self.taste.preferences], "rounds": self.rounds}

    def restore(self, saved: Any) -> None:
        """Take back saved pairs (a payload from an older version of the app is left out)."""
        try:
            preferences = [rlhf.Preference(**p) for p in saved["preferences"]]
            rounds = int(saved["rounds"])
        except (TypeError, KeyError, ValueError):
            return
        self.taste.preferences[:], self.rounds = preferences, rounds


def completion_card(heading: str, prompt: str, text: str, ended: bool = False) -> None:
    """A bordered card: the heading, then the prompt in italics and the completion, both shown literally."""
    with st.container(border=True):
        st.markdown(heading)
        shown = plain_markdown(text) if text.strip() else "*(nothing: the model stopped at once)*"
        st.markdown(f"*{plain_markdown(prompt)}* {shown}" if prompt.strip() else shown)
        if ended:
            st.caption(":material/stop_circle: The model ended its answer here (its end-of-text token).")


def preference_table(preferences: list[rlhf.Preference]) -> None:
    """Every pair with its full text wrapped (nothing cut off at 1280 px), scrolling when there are many."""
    rows = [{"prompt": plain_markdown(p.prompt), "preferred": plain_markdown(p.chosen) or "(nothing)",
             "words ✓": rlhf.word_count(p.chosen), "rejected": plain_markdown(p.rejected) or "(nothing)",
             "words ✗": rlhf.word_count(p.rejected)} for p in preferences]
    with st.container(height=min(360, 80 + 90 * len(rows))):
        st.table(pd.DataFrame(rows), hide_index=True)


def reward_scores(reward: rlhf.RewardModel | None, *text_sets: list[str]) -> list[np.ndarray] | None:
    """The reward model's score of every text in each set, or None before a reward model is trained."""
    if reward is None:
        return None
    embedder = loaders.model(kinds.EMBED) if reward.use_embeddings else None
    return [reward.score(embedder, texts) for texts in text_sets]
