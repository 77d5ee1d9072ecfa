"""Cached model work of the Prompting page: each prompt style's answers and scores, per model and input; the
page's state."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from genai_demo.engine.bundles import TextModel
from genai_demo.text import prompting


@dataclass
class PromptingState:
    """The scores this session asked for, per task and kind of model (chat template or not)."""

    scores: dict[tuple[str, bool], list[prompting.StyleScore]] = field(default_factory=dict)


@st.cache_data(show_spinner=False, max_entries=64)
def answers(task_id: str, prompts: dict[str, str], model_id: str, chat: bool,
            _lm: TextModel) -> dict[str, object]:
    """Per style: the label shares (classification) or the written answer (extraction)."""
    task = prompting.task_by_id(task_id)
    if task.kind == "classify":
        return {style: prompting.label_shares(_lm, prompts[style], task.labels, chat=chat) for style in prompts}
    return {style: prompting.greedy_answer(_lm, prompts[style]) for style in prompts}


@st.cache_data(show_spinner=False, max_entries=16)
def scores(task_id: str, model_id: str, chat: bool, _lm: TextModel) -> list[prompting.StyleScore]:
    """Every style over every test input of the task: the same for everyone who asks, so computed once."""
    task = prompting.task_by_id(task_id)
    tokenizer = _lm.tokenizer if chat else None
    return [prompting.score_style(_lm, task, style, tokenizer) for style in prompting.STYLES]
