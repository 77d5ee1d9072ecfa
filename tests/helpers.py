"""Small helpers that more than one test file uses (the fixtures are in conftest.py).

Test files import the reading helpers under the short names their tests call them by, e.g.
`from tests.helpers import shown_lines as _texts`.
"""

from __future__ import annotations

import io
import json
import os

# --- reading what an AppTest run shows --------------------------------------------------------------

SPEECH, MUSIC = "text_to_speech", "text_to_music"  # the two sound pages, by the prefix of their widget keys


def shown_lines(elements) -> str:
    """The values of some AppTest elements (at.markdown, at.toast...), one per line."""
    return "\n".join(str(element.value) for element in elements)


def shown_text(*element_lists) -> str:
    """The values of several lists of AppTest elements, joined by spaces."""
    return " ".join(str(e.value) for elements in element_lists for e in elements)


def chart_count(at) -> int:
    """How many Altair (Vega-Lite) charts a run drew."""
    return len(at.get("vega_lite_chart"))


def no_nan_shown(at) -> None:
    """No metric, text or message of the run shows a NaN."""
    shown = shown_lines(at.metric) + shown_lines(at.markdown) + shown_lines(at.error) + shown_lines(at.success)
    assert "nan" not in shown.lower().replace("nanny", "")


def train_until_paused(at, page: str, runs: int = 60):
    """Let the live loop's timer fire (AppTest has no timer: each run is one tick) until training stops."""
    for _ in range(runs):
        if not at.session_state[f"{page}_lab"].live.playing:
            return at
        at.run()
    raise AssertionError("training did not stop")


def widget_keys(at) -> set[str]:
    """The keys of every widget (and keyed container) the last run drew, in the main area and the sidebar."""
    def walk(node) -> set[str]:
        key = getattr(node, "key", None)
        found = {key} if isinstance(key, str) else set()
        for child in getattr(node, "children", {}).values():
            found |= walk(child)
        return found

    return walk(at.main) | walk(at.sidebar)


def kept_keys(at, page: str, widgets: set[str]) -> set[str]:
    """The session keys named after a page (<page>_...) that belong to none of `widgets`: what it keeps."""
    return {key for key in at.session_state.keys() if key.startswith(f"{page}_") and key not in widgets}


# --- models, files and processes ---------------------------------------------------------------------


def direct_probabilities(lm, prompt: str, continuation_ids: list[int]) -> list[float]:
    """The probability of each continuation token, straight from the model's logits."""
    import torch

    prompt_ids = lm.tokenizer(prompt).input_ids
    ids = torch.tensor([prompt_ids + continuation_ids])
    with torch.no_grad():
        logits = lm.model(input_ids=ids).logits[0].float()
    probs = torch.softmax(logits, dim=-1)
    return [float(probs[len(prompt_ids) - 1 + i, token]) for i, token in enumerate(continuation_ids)]


def read_wav(data: bytes):
    """Samples, sample rate and the settings from the file's comment, all through libsndfile."""
    import soundfile

    with soundfile.SoundFile(io.BytesIO(data)) as handle:
        samples = handle.read(dtype="float32")
        return samples, handle.samplerate, json.loads(handle.copy_metadata()["comment"])


def clean_env() -> dict[str, str]:
    """This process's environment without any GENAI_* setting, for a fresh `python -m genai_demo` or app."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GENAI_")}


# The file list of the Stable Diffusion 1.5 repository on the Hub, as `list_repo_files` returns it.
SD15_FILES = ["model_index.json", "v1-5-pruned.safetensors", "v1-5-pruned-emaonly.fp16.safetensors",
              "unet/config.json", "unet/diffusion_pytorch_model.safetensors",
              "unet/diffusion_pytorch_model.fp16.safetensors", "unet/diffusion_pytorch_model.non_ema.safetensors",
              "vae/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.fp16.safetensors",
              "text_encoder/model.safetensors", "text_encoder/model.fp16.safetensors",
              "safety_checker/model.safetensors", "tokenizer/vocab.json"]
