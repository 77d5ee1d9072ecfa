"""genai_demo.ui.tuning.charts: the RLHF lab's reward bars."""

from __future__ import annotations

import pytest


def test_reward_bars_put_the_best_sample_furthest_right():
    from genai_demo.ui.tuning.charts import reward_chart

    rewards = [-3.0, -1.0, -2.0]  # all negative: plotted raw, the best would have the shortest bar
    frame = reward_chart(rewards, ["a", "b", "c"], best_index=1).data
    bars = frame["above average"].tolist()
    assert bars.index(max(bars)) == 1 and max(bars) > 0 and sum(bars) == pytest.approx(0)
