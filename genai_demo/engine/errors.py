"""The one error type of model loading and serving, and the plain-language messages it carries.

Every failure (missing, offline, out of memory, a bad folder, a server that is down) becomes `ModelUnavailable`,
which says what happened and the exact command or setting that fixes it; pages show it in one shared panel.
"""

from __future__ import annotations

from pathlib import Path

from genai_demo.config import settings


class ModelUnavailable(RuntimeError):
    """A model could not be loaded. `title`, `reason` and `fix` are written for the person at the screen."""

    def __init__(self, title: str, reason: str, fix: str, model_id: str = "") -> None:
        super().__init__(f"{title}: {reason} Fix: {fix}")
        self.title = title
        self.reason = reason
        self.fix = fix
        self.model_id = model_id


def prefetch_command(prefetch_group: str) -> str:
    """The command that downloads one group of models ahead of time (`ModelKind.prefetch_group`)."""
    return f"python -m genai_demo prefetch {prefetch_group}"


def explain_failure(error: BaseException, what: str, model_id: str, prefetch_group: str) -> ModelUnavailable:
    """Turn whatever from_pretrained raised into a message a learner can act on."""
    import torch

    folder = Path(model_id)
    if isinstance(error, (torch.OutOfMemoryError, MemoryError)):
        return ModelUnavailable(
            f"Not enough memory for the {what}",
            f"Loading `{model_id}` ran out of memory on this machine.",
            "Close other apps or pages, pick a smaller model with the environment variable for it, "
            "or set GENAI_DEVICE=cpu if the GPU is the one that is full.",
            model_id,
        )
    if folder.is_absolute() or model_id.startswith((".", "~")) or folder.exists():
        if not folder.is_dir():
            return ModelUnavailable(
                f"The {what} folder does not exist",
                f"`{model_id}` is not a folder on this machine.",
                "Point the environment variable at an existing model folder, or unset it to use "
                f"the default model and run `{prefetch_command(prefetch_group)}`.",
                model_id,
            )
        has_pickle = any(folder.rglob("*.bin")) or any(folder.rglob("*.pt")) or any(folder.rglob("*.ckpt"))
        has_safetensors = any(folder.rglob("*.safetensors"))
        if has_pickle and not has_safetensors:
            return ModelUnavailable(
                f"The {what} folder has no safetensors weights",
                f"`{model_id}` holds only pickle weights (.bin/.pt). This app loads safetensors only, "
                "because a pickle file can run arbitrary code when it is opened.",
                "Convert it once, only if you trust its source: `python -c \"from transformers import "
                f"AutoModel as M; M.from_pretrained('{model_id}').save_pretrained('{model_id}')\"`",
                model_id,
            )
        return ModelUnavailable(
            f"The {what} folder could not be loaded",
            f"`{model_id}` is missing files or is corrupt ({type(error).__name__}: {first_line(error)}).",
            f"Download it again with `{prefetch_command(prefetch_group)}`, or point the variable at a complete "
            "folder.",
            model_id,
        )
    if settings().offline or looks_offline(error):
        return ModelUnavailable(
            f"The {what} is not downloaded yet",
            f"`{model_id}` is not in the local Hugging Face cache and this machine is offline.",
            f"On a machine with internet, run `{prefetch_command(prefetch_group)}` (or `python -m genai_demo "
            "prefetch` for every model), then start the app again.",
            model_id,
        )
    return ModelUnavailable(
        f"The {what} could not be loaded",
        f"`{model_id}` failed to load ({type(error).__name__}: {first_line(error)}).",
        f"Check the model id, then run `{prefetch_command(prefetch_group)}`.",
        model_id,
    )


def first_line(error: BaseException) -> str:
    """The first line of an error's message, cut to 300 characters."""
    text = str(error).strip().splitlines()
    return text[0][:300] if text else "no details"


def looks_offline(error: BaseException) -> bool:
    """Whether an error reads like a network failure or a model missing from the offline cache."""
    text = f"{type(error).__name__} {error}".lower()
    return any(word in text for word in ("offline", "connection", "resolve", "network", "localentrynotfound",
                                         "couldn't connect", "cannot find the requested files"))


def does_not_fit(what: str, model_id: str, needed: float, room: float, overhead: float) -> ModelUnavailable:
    """The readable error for a model larger than the memory left to the app."""
    app = f" (the app itself holds {overhead / 1e9:.1f} GB of it)" if overhead else ""
    return ModelUnavailable(
        f"The {what} does not fit in memory",
        f"`{model_id}` needs about {needed / 1e9:.2f} GB; {room / 1e9:.2f} GB is available to this app{app}.",
        "Pick a smaller model, or raise GENAI_MEMORY_BUDGET_GB if the machine really has more memory.",
        model_id,
    )
