"""The one place where models are loaded.

Each `load_*` function returns a small bundle (the model, what it needs beside it, the device, the
dtype and a lock); a text model also gets its `TextEngine`, which runs every forward pass of every
session on it. Rules that hold for every kind:
- device: cuda > mps > cpu, or GENAI_DEVICE;
- dtype: by a fixed rule (`device.pick_dtype`), so the same machine always writes the same text;
- weights only from safetensors files, never remote code;
- any failure becomes `ModelUnavailable`, which says in plain words what happened and how to fix it.

These functions do not cache. `shared_model` keeps one copy of each per process, inside the memory
budget (`budget.py`); `genai_demo.ui.loaders` asks it for the pages, and tests and scripts may call the
loaders directly.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from genai_demo.config import SAFETY_CHECKER_MODEL, settings
from genai_demo.engine.batching import TextEngine
from genai_demo.engine.budget import Holder, NoRoom, OnWait, free_bytes, shared_budget
from genai_demo.engine.device import pick_device, pick_dtype
from genai_demo.engine.low_precision import low_precision_folder
from genai_demo.engine.queue import TurnQueue
from genai_demo.engine.sizes import bytes_per_number, folder_parameters, hub_parameters
from genai_demo.engine.threads import tokenizer_lock

# Set before transformers/tokenizers are imported anywhere: the Rust tokenizer's thread pool and
# Streamlit's threads otherwise deadlock warnings ("The current process just got forked...").
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

if TYPE_CHECKING:
    import torch

T = TypeVar("T")


class ModelUnavailable(RuntimeError):
    """A model could not be loaded. `title`, `reason` and `fix` are written for the person at the screen."""

    def __init__(self, title: str, reason: str, fix: str, model_id: str = "") -> None:
        super().__init__(f"{title}: {reason} Fix: {fix}")
        self.title = title
        self.reason = reason
        self.fix = fix
        self.model_id = model_id


@dataclass
class TextModel:
    """A causal language model with its tokenizer.

    Hold `lock` while using the tokenizer. Run the model through `engine` (never call it from a page's
    thread): the engine batches every session's work on this model.
    """

    model_id: str
    model: Any
    tokenizer: Any
    device: str
    dtype: "torch.dtype"
    context_window: int
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    engine: TextEngine = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.engine = TextEngine(self.model, end_of_text_ids(self.model, self.tokenizer))

    @property
    def end_ids(self) -> set[int]:
        """The token ids that end a text (a chat model may have several); generation stops at any of them."""
        return set(self.engine.end_ids)


@dataclass
class Embedder:
    model_id: str
    model: Any  # sentence_transformers.SentenceTransformer
    device: str
    dtype: "torch.dtype"
    max_tokens: int
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)


@dataclass
class ImagePipeline:
    """A diffusers text-to-image pipeline. Its scheduler keeps state: copy it per request, never share."""

    model_id: str
    pipeline: Any
    device: str
    dtype: "torch.dtype"
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # Runs take turns: two at once on one device only halve each other's speed.
    queue: TurnQueue = field(default_factory=TurnQueue, repr=False)


# --- device -----------------------------------------------------------------------------------


def _resolve_device() -> str:
    try:
        return pick_device()
    except RuntimeError as error:
        raise ModelUnavailable("The chosen device is not available", str(error),
                               "Unset GENAI_DEVICE (or set it to auto) and restart the app.") from error


def machine_device() -> str:
    """The device the app picks on this machine, or "cpu" where GENAI_DEVICE names one it does not have."""
    try:
        return pick_device()
    except RuntimeError:
        return "cpu"


def image_model_id() -> str:
    """The image model this machine uses: GENAI_IMAGE_MODEL, else the default for the device the app picks
    (what `prefetch` downloads and what the image and tokenizer pages load)."""
    return settings().image_model_for(machine_device())


# --- errors -----------------------------------------------------------------------------------


def prefetch_command(kind: str) -> str:
    return f"python -m genai_demo prefetch {kind}"


def _explain_failure(error: BaseException, what: str, model_id: str, kind: str) -> ModelUnavailable:
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
                f"the default model and run `{prefetch_command(kind)}`.",
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
            f"`{model_id}` is missing files or is corrupt ({type(error).__name__}: {_first_line(error)}).",
            f"Download it again with `{prefetch_command(kind)}`, or point the variable at a complete folder.",
            model_id,
        )
    if settings().offline or _looks_offline(error):
        return ModelUnavailable(
            f"The {what} is not downloaded yet",
            f"`{model_id}` is not in the local Hugging Face cache and this machine is offline.",
            f"On a machine with internet, run `{prefetch_command(kind)}` (or `python -m genai_demo "
            "prefetch` for every model), then start the app again.",
            model_id,
        )
    return ModelUnavailable(
        f"The {what} could not be loaded",
        f"`{model_id}` failed to load ({type(error).__name__}: {_first_line(error)}).",
        f"Check the model id, then run `{prefetch_command(kind)}`.",
        model_id,
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else "no details"


def _looks_offline(error: BaseException) -> bool:
    text = f"{type(error).__name__} {error}".lower()
    return any(word in text for word in ("offline", "connection", "resolve", "network", "localentrynotfound",
                                         "couldn't connect", "cannot find the requested files"))


def _local_folder(model_id: str) -> Path | None:
    """The folder holding a model: the path itself, or the Hub cache's copy (None if not downloaded)."""
    if Path(model_id).is_dir():
        return Path(model_id)
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model_id, local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached (or not a valid id): loading will explain
        return None


def target_dtype(kind: str, device: str) -> "torch.dtype":
    """The dtype a kind of model is loaded in on a device."""
    import torch

    if kind == "embed" and device == "cpu" and settings().dtype == "auto":
        # Similarity scores are shown to three decimals: the small embedder stays in float32 on the CPU.
        return torch.float32
    return pick_dtype(device, "images" if kind == "image" else "generation")


def uses_fp16_files(model_id: str, dtype: "torch.dtype") -> bool:
    """A pipeline from the Hub in float16 is loaded from its half-size `.fp16` files where it has them."""
    import torch

    return dtype == torch.float16 and not Path(model_id).is_dir()


def _maps_half_size_files(device: str, dtype: "torch.dtype") -> bool:
    """On a CPU, a model loaded in half precision is read from files already in it (engine/low_precision.py):
    mapped in place instead of converted into the process's own memory. (A GPU copies the weights into
    its own memory anyway, from the repository's fp16 files where it has them.)"""
    import torch

    return device == "cpu" and dtype in (torch.bfloat16, torch.float16)


def _half_size_files(model_id: str, dtype: "torch.dtype", download: Callable[[], str]) -> str:
    """The folder to load `model_id` from in `dtype`: a copy of its weight files in `dtype`, written the
    first time (its own folder where they already are in `dtype`, or where no copy can be written).
    `download` fetches a Hub model's files (from the cache when they are there) and returns their folder."""
    folder = Path(model_id) if Path(model_id).is_dir() else Path(download())
    return str(low_precision_folder(folder, dtype))


def estimate_bytes(kind: str, model_id: str) -> int | None:
    """Bytes the weights of a model will take once loaded, known before download: from the local folder
    or cache, else from the Hub's file headers. None when it cannot be known (offline and not cached)."""
    dtype = target_dtype(kind, _resolve_device())
    fp16_files = kind == "image" and uses_fp16_files(model_id, dtype)
    try:
        folder = _local_folder(model_id)
        if folder is not None:
            return folder_parameters(folder, fp16_files) * bytes_per_number(dtype)
        if settings().offline:
            return None
        return hub_parameters(model_id, fp16_files) * bytes_per_number(dtype)
    except Exception:  # noqa: BLE001 - no estimate: the size is counted once the model is loaded
        return None


def room_to_load(kind: str, model_id: str) -> int | None:
    """The room the budget makes for a model and keeps while it is loaded: its weights, and for an image
    model on a CPU also what drawing a 512x512 picture takes on top of them (`picture_work_bytes`), so
    that room is there whenever a learner presses Generate. (On a GPU the picture's memory is the GPU's.)"""
    weights = estimate_bytes(kind, model_id)
    device = _resolve_device()
    if weights is None or kind != "image" or device != "cpu":
        return weights
    return weights + picture_work_bytes(model_id, target_dtype(kind, device))


def picture_work_bytes(model_id: str, dtype: "torch.dtype", side: int = 512) -> int:
    """Memory a picture needs above the loaded pipeline: its peak is the VAE decoding at full size, about
    seven tensors of the decoder's last width (measured on SD 1.x's VAE, 128 channels, bfloat16: +0.47 GB
    at 512x512 against 7 x 128 x 512 x 512 x 2 bytes = 0.47 GB). 512 is the public limit's side."""
    channels = 128  # SD 1.x and 2.x; read from the model's own VAE config when it is here
    try:
        folder = _local_folder(model_id)
        config = folder / "vae" / "config.json" if folder is not None else None
        if config is not None and config.is_file():
            channels = int(json.loads(config.read_text())["block_out_channels"][0])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        pass  # an unusual VAE config: count SD's width
    return 7 * channels * side * side * bytes_per_number(dtype)


def _check_memory(model_id: str, what: str, kind: str) -> None:
    """Refuse, before any download, a model whose weights alone exceed the budget (or the free memory)."""
    needed = estimate_bytes(kind, model_id)
    if needed is None:
        return
    budget_gb = settings().memory_budget_gb
    room = budget_gb * 1e9 if budget_gb is not None else free_bytes()
    if room is not None and needed > room:
        raise _does_not_fit(what, model_id, needed, room, 0)


def _does_not_fit(what: str, model_id: str, needed: float, room: float, overhead: float) -> ModelUnavailable:
    app = f" (the app itself holds {overhead / 1e9:.1f} GB of it)" if overhead else ""
    return ModelUnavailable(
        f"The {what} does not fit in memory",
        f"`{model_id}` needs about {needed / 1e9:.2f} GB; {room / 1e9:.2f} GB is available to this app{app}.",
        "Pick a smaller model, or raise GENAI_MEMORY_BUDGET_GB if the machine really has more memory.",
        model_id,
    )


def _guarded_load(what: str, model_id: str, kind: str, load, weights: bool = True):  # type: ignore[no-untyped-def]
    if weights:
        _check_memory(model_id, what, kind)
    try:
        return load()
    except ModelUnavailable:
        raise
    except Exception as error:  # noqa: BLE001 - every failure becomes one readable error
        raise _explain_failure(error, what, model_id, kind) from error


def _common_kwargs() -> dict[str, Any]:
    return {"local_files_only": settings().offline, "trust_remote_code": False}


# --- loaders ----------------------------------------------------------------------------------


def _prepare_tokenizer(tokenizer: Any) -> Any:
    # GPT-2 has no pad token; batched generation pads on the left with the end-of-text token.
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    return tokenizer


def load_tokenizer(model_id: str, what: str = "tokenizer", kind: str = "text") -> Any:
    """A tokenizer alone (no weights): a model id/folder, or a diffusers pipeline folder/id."""
    from transformers import AutoTokenizer

    def load() -> Any:
        # A downloaded repository is read as the folder it is: offline, transformers would otherwise look
        # for a config.json beside a pipeline's tokenizer and give up.
        cached = _local_folder(model_id)
        source = str(cached) if cached is not None else model_id
        try:
            return AutoTokenizer.from_pretrained(source, **_common_kwargs())
        except (OSError, ValueError):
            # Diffusers pipelines keep their tokenizer in a subfolder.
            return AutoTokenizer.from_pretrained(source, subfolder="tokenizer", **_common_kwargs())

    return _prepare_tokenizer(_guarded_load(what, model_id, kind, load, weights=False))


def end_of_text_ids(model: Any, tokenizer: Any) -> frozenset[int]:
    eos = model.generation_config.eos_token_id
    if eos is None:
        eos = tokenizer.eos_token_id
    if eos is None:
        return frozenset()
    return frozenset(eos) if isinstance(eos, (list, tuple)) else frozenset({int(eos)})


def config_window(config: Any) -> int | None:
    """The context window a model's config declares (GPT-2 and Llama name it differently), or None."""
    for name in ("n_positions", "max_position_embeddings", "n_ctx"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def _context_window(model: Any, tokenizer: Any) -> int:
    return config_window(model.config) or int(min(tokenizer.model_max_length, 4096))


def _load_causal_lm(model_id: str, what: str, kind: str) -> TextModel:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = _resolve_device()
    dtype = target_dtype(kind, device)

    def load() -> TextModel:
        tokenizer = _prepare_tokenizer(AutoTokenizer.from_pretrained(model_id, **_common_kwargs()))
        model = AutoModelForCausalLM.from_pretrained(
            model_id, dtype=dtype, use_safetensors=True, attn_implementation="sdpa", **_common_kwargs()
        )
        model.to(device).eval()
        model.requires_grad_(False)
        if model.generation_config.pad_token_id is None:
            model.generation_config.pad_token_id = tokenizer.pad_token_id
        # One lock for the model and its tokenizer, whichever module reaches for the tokenizer.
        return TextModel(model_id, model, tokenizer, device, dtype, _context_window(model, tokenizer),
                         lock=tokenizer_lock(tokenizer))

    return _guarded_load(what, model_id, kind, load)


def load_text_model(model_id: str | None = None) -> TextModel:
    """The text model (GPT-2 by default). Attention weights: `engine.run(work, attention="eager")`."""
    return _load_causal_lm(model_id or settings().text_model, "text model", "text")


def load_chat_model(model_id: str | None = None) -> TextModel:
    """A small instruction-tuned model with a chat template."""
    return _load_causal_lm(model_id or settings().chat_model, "chat model", "chat")


def load_embedder(model_id: str | None = None) -> Embedder:
    """A sentence-transformers embedder (all-MiniLM-L6-v2 by default)."""
    from sentence_transformers import SentenceTransformer

    model_id = model_id or settings().embed_model
    device = _resolve_device()
    dtype = target_dtype("embed", device)

    def load() -> Embedder:
        model = SentenceTransformer(
            model_id,
            device=device,
            local_files_only=settings().offline,
            trust_remote_code=False,
            model_kwargs={"use_safetensors": True, "dtype": dtype},
        )
        model.eval()
        return Embedder(model_id, model, device, dtype, int(model.max_seq_length or 256))

    return _guarded_load("sentence embedder", model_id, "embed", load)


def load_image_pipeline(model_id: str | None = None) -> ImagePipeline:
    """A diffusers text-to-image pipeline; the safety checker stays on when GENAI_PUBLIC is set.

    On a GPU the half-size fp16 weight files are used when the repository has them.
    """
    from diffusers import AutoPipelineForText2Image, DiffusionPipeline

    device = _resolve_device()
    model_id = model_id or settings().image_model_for(device)
    dtype = target_dtype("image", device)

    def from_pretrained(**extra: Any) -> Any:
        source = model_id
        if _maps_half_size_files(device, dtype) and "variant" not in extra:
            source = _half_size_files(model_id, dtype, lambda: DiffusionPipeline.download(
                model_id, use_safetensors=True, local_files_only=settings().offline, **extra))
        return AutoPipelineForText2Image.from_pretrained(
            source, dtype=dtype, use_safetensors=True, local_files_only=settings().offline, **extra
        )

    def add_safety_checker(pipeline: Any) -> None:
        """Public deployments always filter images; models shipped without a checker get the standard one."""
        from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
        from transformers import CLIPImageProcessor

        def download() -> str:  # the two files transformers reads for it
            from huggingface_hub import hf_hub_download

            for name in ("config.json", "model.safetensors"):
                path = hf_hub_download(SAFETY_CHECKER_MODEL, name, local_files_only=settings().offline)
            return str(Path(path).parent)

        source = SAFETY_CHECKER_MODEL
        if _maps_half_size_files(device, dtype):
            try:
                source = _half_size_files(SAFETY_CHECKER_MODEL, dtype, download)
            except Exception:  # noqa: BLE001 - not under that name, or offline: from_pretrained explains below
                pass
        try:
            checker = StableDiffusionSafetyChecker.from_pretrained(
                source, dtype=dtype, use_safetensors=True, local_files_only=settings().offline
            )
            features = CLIPImageProcessor.from_pretrained(SAFETY_CHECKER_MODEL, local_files_only=settings().offline)
        except Exception as error:  # noqa: BLE001 - a public app never runs without its filter
            raise ModelUnavailable(
                "The safety checker is not available",
                f"GENAI_PUBLIC is set, so every picture must pass `{SAFETY_CHECKER_MODEL}`, and it could not be "
                f"loaded ({type(error).__name__}: {_first_line(error)}).",
                "On a machine with internet, run `python -m genai_demo prefetch` (it fetches the checker when "
                "GENAI_PUBLIC is set), then start the app again.",
                SAFETY_CHECKER_MODEL,
            ) from error
        pipeline.register_modules(safety_checker=checker, feature_extractor=features)
        pipeline.register_to_config(requires_safety_checker=True)

    def load() -> ImagePipeline:
        extra: dict[str, Any] = {}
        if not settings().public:
            extra = {"safety_checker": None, "requires_safety_checker": False}
        pipeline = None
        if uses_fp16_files(model_id, dtype):
            try:
                pipeline = from_pretrained(variant="fp16", **extra)
            except (OSError, ValueError):
                pipeline = None  # no fp16 files (or not downloaded): the full files, cast on load
        if pipeline is None:
            pipeline = from_pretrained(**extra)
        if settings().public and getattr(pipeline, "safety_checker", False) is None:
            add_safety_checker(pipeline)
        pipeline.to(device)
        pipeline.set_progress_bar_config(disable=True)
        return ImagePipeline(model_id, pipeline, device, dtype)

    return _guarded_load("image model", model_id, "image", load)


# --- shared copies, inside the memory budget --------------------------------------------------


def shared_model(kind: str, what: str, model_id: str, load: Callable[[str], T], holder: Holder | None = None,
                 on_wait: OnWait | None = None) -> T:
    """The process's one copy of a model (`load(model_id)` the first time), inside the memory budget.

    Every kind of model goes through here, so a new kind is budgeted by calling this with its loader.
    Unloading stops a text model's engine; a model with text being written or a picture being drawn
    (its `engine` or `queue` is busy) or held by a session's page is never unloaded.
    """
    config = settings()
    key = (kind, model_id, config.device, config.dtype)
    try:
        return shared_budget().get(key, f"{what} `{model_id}`", lambda: load(model_id),
                                   lambda: room_to_load(kind, model_id), holder, on_wait)
    except NoRoom as full:
        if not full.ever:
            raise _does_not_fit(what, model_id, full.needed, full.limit, full.overhead) from full
        in_use = f": {', '.join(full.busy)}" if full.busy else ""
        raise ModelUnavailable(
            f"The {what} is waiting for memory",
            f"`{model_id}` needs about {full.needed / 1e9:.2f} GB, and the memory budget "
            f"({full.limit / 1e9:.1f} GB) is taken by models other learners are using right now{in_use}.",
            "Try again in a minute, when they have finished, or raise GENAI_MEMORY_BUDGET_GB if the machine "
            "has more memory.",
            model_id,
        ) from full


def loaded_model(kind: str, model_id: str) -> Any | None:
    """The shared copy of a model if it is loaded now, else None (never loads)."""
    config = settings()
    return shared_budget().peek((kind, model_id, config.device, config.dtype))


# --- sound ------------------------------------------------------------------------------------


@dataclass
class SpeechModel:
    """A VITS text-to-speech model and its character tokenizer.

    Runs take turns in `queue`: the model draws its noise from torch's global random generator, so a
    seed holds only while no other run is sampling, and a sentence takes well under a second.
    """

    model_id: str
    model: Any
    tokenizer: Any
    device: str
    dtype: "torch.dtype"
    sample_rate: int
    queue: TurnQueue = field(default_factory=TurnQueue, repr=False)


@dataclass
class MusicModel:
    """MusicGen: a T5 text encoder, a decoder that predicts EnCodec tokens, and EnCodec's decoder.

    `codebooks` tokens make one frame, `frame_rate` frames one second of sound. Runs take turns in
    `queue` (each one keeps every core busy, and sampling uses the global random generator).
    """

    model_id: str
    model: Any
    processor: Any
    device: str
    dtype: "torch.dtype"
    sample_rate: int
    frame_rate: int
    codebooks: int
    codebook_size: int
    queue: TurnQueue = field(default_factory=TurnQueue, repr=False)


def _needs_phonemizer(tokenizer: Any) -> bool:
    from transformers.utils import is_phonemizer_available

    return bool(getattr(tokenizer, "phonemize", False)) and not is_phonemizer_available()


def load_speech_model(model_id: str | None = None) -> SpeechModel:
    """A VITS voice (MMS-TTS English by default); float16 on a GPU."""
    from transformers import AutoTokenizer, VitsModel

    model_id = model_id or settings().tts_model
    device = _resolve_device()
    dtype = pick_dtype(device)

    def load() -> SpeechModel:
        tokenizer = AutoTokenizer.from_pretrained(model_id, **_common_kwargs())
        if _needs_phonemizer(tokenizer):
            raise ModelUnavailable(
                "This voice needs a phonemizer",
                f"`{model_id}` reads phonemes, not letters, and the `phonemizer` package is not installed.",
                "Run `pip install phonemizer` (it also needs the espeak-ng program), or pick a voice that reads "
                "letters, such as the default facebook/mms-tts-eng.",
                model_id,
            )
        model = VitsModel.from_pretrained(model_id, dtype=dtype, use_safetensors=True, **_common_kwargs())
        model.to(device).eval()
        model.requires_grad_(False)
        return SpeechModel(model_id, model, tokenizer, device, dtype, int(model.config.sampling_rate))

    return _guarded_load("speech model", model_id, "audio", load)


def load_music_model(model_id: str | None = None) -> MusicModel:
    """MusicGen (musicgen-small by default) with its processor; float16 on a GPU."""
    from transformers import AutoProcessor, MusicgenForConditionalGeneration

    model_id = model_id or settings().music_model
    device = _resolve_device()
    dtype = pick_dtype(device)

    def load() -> MusicModel:
        processor = AutoProcessor.from_pretrained(model_id, **_common_kwargs())
        model = MusicgenForConditionalGeneration.from_pretrained(
            model_id, dtype=dtype, use_safetensors=True, **_common_kwargs()
        )
        model.to(device).eval()
        model.requires_grad_(False)
        codec = model.config.audio_encoder
        return MusicModel(model_id, model, processor, device, dtype, int(codec.sampling_rate),
                          int(codec.frame_rate), int(model.decoder.num_codebooks), int(codec.codebook_size))

    return _guarded_load("music model", model_id, "audio", load)
