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


# --- a class in the class store ------------------------------------------------------------------------


def class_with_teacher(store, text_prompt: str = "", guess_prompt: str = ""):
    """A new class in `store` with a teacher (and the prompts given): (the NewClass, the teacher's learner id)."""
    from genai_demo.classroom import codes

    made = store.new_class()
    teacher = codes.new_learner_id()
    store.join(made.code, teacher, teacher_key=made.teacher_key)
    for round_name, prompt in (("text", text_prompt), ("guess", guess_prompt)):
        if prompt:
            store.set_prompt(made.code, teacher, round_name, prompt)
    return made, teacher


def learner_in(store, code: str) -> str:
    """A new learner's id, already in the class `code`."""
    from genai_demo.classroom import codes

    learner = codes.new_learner_id()
    store.join(code, learner)
    return learner


def generate_on_class_prompt(code: str, temperature: float, seed: int = 0, learner: str | None = None):
    """A learner in class `code` on Text generation: 'Use the class prompt', one column at `temperature` and
    `seed`, six new tokens, Generate. The class's prompt must be CLASS_PROMPT. Returns the AppTest."""
    from tests.conftest import run_page

    t = "text_generation_"
    at = run_page("text_generation.py", link={"class": code}, state={"learner": learner} if learner else None)
    assert CLASS_PROMPT in shown_lines(at.markdown)  # the class's prompt, offered on the page
    at.button(key=t + "use_class_prompt").click().run()
    assert at.text_area(key=t + "prompt").value == CLASS_PROMPT
    at.slider(key=t + "max_new_tokens").set_value(6)
    at.segmented_control(key=t + "columns").set_value(1)
    at.slider(key=t + "temperature_0").set_value(temperature)
    at.number_input(key=t + "seed").set_value(seed)
    at.button(key=t + "generate").click().run()
    assert not at.exception
    return at


CLASS_PROMPT = "Once upon a time, in a small village by the sea,"


# --- a text server ----------------------------------------------------------------------------------


def point_at_server(monkeypatch, url: str, model: str, key: str = "") -> None:
    """Make the app write through the OpenAI-compatible server at `url`, serving `model` (whose tokenizer is
    here), as GENAI_TEXT_SERVER would; settings and cached models are forgotten so it takes effect."""
    from tests.conftest import reset_app_state

    monkeypatch.setenv("GENAI_TEXT_SERVER", url)
    monkeypatch.setenv("GENAI_TEXT_SERVER_MODEL", model)
    if key:
        monkeypatch.setenv("GENAI_TEXT_SERVER_API_KEY", key)
    reset_app_state()
