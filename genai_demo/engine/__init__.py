"""Infrastructure: where models come from and how they run, apart from any topic.

- `device`: which device and number format (cuda > mps > cpu; a fixed dtype rule).
- `loader`: the one loader per kind of model, with one error type (`ModelUnavailable`).
- `batching`: the classroom engine that runs every session's work on a text model in one batch.
- `sampling`: the sampling knobs and the math that turns logits into the next token.
- `queue`: a first-in-first-out line for work that runs one at a time (diffusion, sound).
- `remote`: the client for an OpenAI-compatible serving engine that writes text instead (GENAI_TEXT_SERVER).
- `threads`: locks and thread limits shared by the sessions of one process.
- `budget`, `sizes`: the memory budget that keeps one copy of each model under GENAI_MEMORY_BUDGET_GB,
  and model sizes read from safetensors headers before download.

Topics import what they need from here (`from genai_demo.engine import TextModel`). Nothing here
imports torch at import time: the home page stays light.
"""

from genai_demo.engine.batching import EngineError, Job, JobState, TextEngine
from genai_demo.engine.budget import LoadedModel, MemoryBudget, shared_budget
from genai_demo.engine.device import describe_device, pick_device, pick_dtype
from genai_demo.engine.loader import (
    Embedder,
    ImagePipeline,
    ModelUnavailable,
    MusicModel,
    SpeechModel,
    TextModel,
    config_window,
    estimate_bytes,
    image_model_id,
    load_chat_model,
    load_embedder,
    load_image_pipeline,
    load_music_model,
    load_speech_model,
    load_text_model,
    load_tokenizer,
    loaded_model,
    prefetch_command,
    shared_model,
)
from genai_demo.engine.queue import TurnQueue
from genai_demo.engine.remote import RemoteTextModel, load_remote_text_model
from genai_demo.engine.sampling import (
    MAX_SEED,
    SamplingSettings,
    entropy_bits,
    filter_logits,
    make_generator,
    penalize_repetition,
    sample_rows,
)
from genai_demo.engine.threads import SharedLimit, tokenizer_lock

__all__ = [
    "EngineError", "Job", "JobState", "TextEngine", "describe_device", "pick_device", "pick_dtype", "Embedder",
    "ImagePipeline", "ModelUnavailable", "MusicModel", "SpeechModel", "TextModel", "config_window",
    "load_chat_model", "load_embedder", "load_image_pipeline", "load_music_model", "load_speech_model",
    "load_text_model", "load_tokenizer", "prefetch_command", "TurnQueue", "RemoteTextModel", "load_remote_text_model",
    "MAX_SEED",
    "SamplingSettings", "entropy_bits", "filter_logits", "make_generator", "penalize_repetition", "sample_rows",
    "SharedLimit", "tokenizer_lock", "LoadedModel", "MemoryBudget", "shared_budget", "estimate_bytes",
    "image_model_id", "loaded_model", "shared_model",
]
