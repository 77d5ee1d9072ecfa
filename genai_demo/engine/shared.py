"""The process's one copy of each model, inside the memory budget (`budget.py`): what every session shares.

Every kind goes through here with its record, so a new kind is budgeted as soon as it has one. Unloading
stops a text model's engine; a model with text being written or a picture being drawn (its `engine` or
`queue` is busy) or held by a session's page is never unloaded.
"""

from __future__ import annotations

from typing import Any, TypeVar

from genai_demo.config import settings
from genai_demo.engine.budget import Holder, NoRoom, OnWait, shared_budget
from genai_demo.engine.errors import ModelUnavailable, does_not_fit
from genai_demo.engine.estimates import room_to_load
from genai_demo.engine.loader import load_model
from genai_demo.engine.model_kind import ModelKind

B = TypeVar("B")


def _key(kind: ModelKind[Any], model_id: str) -> tuple[str, str, str, str]:
    """The budget's key: one copy per kind, model and the device and dtype settings it was loaded under."""
    config = settings()
    return (kind.name, model_id, config.device, config.dtype)


def shared_model(kind: ModelKind[B], model_id: str | None = None, holder: Holder | None = None,
                 on_wait: OnWait | None = None) -> B:
    """The process's one copy of a model of `kind` (its configured one unless `model_id` names another),
    loaded the first time after the budget made room for it."""
    chosen = model_id or kind.model_id()
    try:
        return shared_budget().get(_key(kind, chosen), f"{kind.label} `{chosen}`", lambda: load_model(kind, chosen),
                                   lambda: room_to_load(kind, chosen), holder, on_wait)
    except NoRoom as full:
        if not full.ever:
            raise does_not_fit(kind.label, chosen, full.needed, full.limit, full.overhead) from full
        in_use = f": {', '.join(full.busy)}" if full.busy else ""
        raise ModelUnavailable(
            f"The {kind.label} is waiting for memory",
            f"`{chosen}` needs about {full.needed / 1e9:.2f} GB, and the memory budget "
            f"({full.limit / 1e9:.1f} GB) is taken by models other learners are using right now{in_use}.",
            "Try again in a minute, when they have finished, or raise GENAI_MEMORY_BUDGET_GB if the machine "
            "has more memory.",
            chosen,
        ) from full


def loaded_model(kind: ModelKind[B], model_id: str | None = None) -> B | None:
    """The shared copy of a model of `kind` if it is loaded now, else None (never loads)."""
    value: B | None = shared_budget().peek(_key(kind, model_id or kind.model_id()))
    return value
