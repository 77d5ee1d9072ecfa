"""Charts for the Fine-tuning and RLHF labs: the loss curve, moved probabilities, reward bars."""

from __future__ import annotations

import altair as alt
import pandas as pd

from genai_demo.tuning.finetune import ProbabilityShift
from genai_demo.ui.colours import CHOSEN, DROPPED, FELL, ROSE
from genai_demo.ui.literal import visible_piece


def loss_chart(losses: list[float], total_steps: int, title: str = "training loss") -> alt.Chart:
    """Training loss per step; the x axis spans the whole run so the curve grows left to right."""
    frame = pd.DataFrame({"step": range(1, len(losses) + 1), "loss": losses})
    x = alt.X("step:Q", title="training step", scale=alt.Scale(domain=[1, max(2, total_steps)]),
              axis=alt.Axis(format="d", tickMinStep=1))
    line = alt.Chart(frame).mark_line(point=len(losses) <= 60).encode(
        x=x, y=alt.Y("loss:Q", title=title, scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("step:Q"), alt.Tooltip("loss:Q", format=".3f")],
    )
    return line.properties(height=220)


def shift_chart(risers: list[ProbabilityShift], fallers: list[ProbabilityShift]) -> alt.Chart:
    """Bars of probability change (after - before) for the tokens that moved most, in percentage points."""
    rows = [{"token": f"{visible_piece(s.piece)} (id {s.token_id})", "change": 100 * s.change,
             "before": s.before, "after": s.after, "direction": "rose" if s.change > 0 else "fell"}
            for s in risers + fallers]
    frame = pd.DataFrame(rows).drop_duplicates("token")
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("change:Q", title="change in probability (percentage points)"),
        y=alt.Y("token:N", sort="-x", title=None),
        color=alt.Color("direction:N", scale=alt.Scale(domain=["rose", "fell"], range=[ROSE, FELL]),
                        legend=None),
        tooltip=[alt.Tooltip("token:N"), alt.Tooltip("before:Q", format=".2%"),
                 alt.Tooltip("after:Q", format=".2%"), alt.Tooltip("change:Q", format="+.2f")],
    ).properties(height=max(160, 22 * len(frame)))


def reward_chart(rewards: list[float], labels: list[str], best_index: int) -> alt.Chart:
    """One bar per candidate: its reward minus the candidates' average, so the kept one has the longest bar
    to the right whatever the reward model's own zero is (its scores may all be negative)."""
    mean = sum(rewards) / len(rewards)
    frame = pd.DataFrame({"candidate": labels, "reward": rewards, "above average": [r - mean for r in rewards],
                          "kept": ["kept" if i == best_index else "dropped" for i in range(len(labels))]})
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("above average:Q", title="reward above (+) or below (−) the average of these samples"),
        y=alt.Y("candidate:N", sort=None, title=None),
        color=alt.Color("kept:N", scale=alt.Scale(domain=["kept", "dropped"], range=[CHOSEN, DROPPED]),
                        legend=None),
        tooltip=[alt.Tooltip("candidate"), alt.Tooltip("reward:Q", format=".3f", title="reward model score"),
                 alt.Tooltip("above average:Q", format="+.3f")],
    ).properties(height=max(150, 40 * len(frame)))
