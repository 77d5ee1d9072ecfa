"""The one place where models are built.

`load_model(kind, model_id)` loads a model of any kind (`kinds.py` has one record per kind): on this
machine's device (`device.resolve_device`), in the kind's dtype, after refusing a model that can never fit
(`estimates`); any failure becomes `ModelUnavailable`, which says in plain words what happened and how to
fix it. The kinds' own loaders below only build: a bundle (the model, what it needs beside it, the device,
the dtype and a lock; a text model also gets its `TextEngine`, which runs every forward pass of every
session on it), from safetensors files only, never remote code.

Nothing here caches. `shared.shared_model` keeps one copy of each per process, inside the memory budget;
`genai_demo.ui.loaders` asks it for the pages, and tests and scripts may call `load_model` directly.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from genai_demo.config import SAFETY_CHECKER_MODEL, settings
from genai_demo.engine.bundles import Embedder, ImagePipeline, MusicModel, SpeechModel, TextModel
from genai_demo.engine.device import resolve_device
from genai_demo.engine.errors import ModelUnavailable, explain_failure, first_line
from genai_demo.engine.estimates import check_room_before_download, local_folder
from genai_demo.engine.low_precision import half_size_files, maps_half_size_files, uses_fp16_files
from genai_demo.engine.model_kind import ModelKind
from genai_demo.engine.threads import MODEL_BUILDING, tokenizer_lock

# Set before transformers/tokenizers are imported anywhere: the Rust tokenizer's thread pool and
# Streamlit's threads otherwise deadlock warnings ("The current process just got forked...").
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

if TYPE_CHECKING:
    import torch

T = TypeVar("T")
B = TypeVar("B")


def load_model(kind: ModelKind[B], model_id: str | None = None) -> B:
    """A model of `kind` (the configured one unless `model_id` names another), ready to use; uncached."""
    device = resolve_device()
    chosen = model_id or kind.model_id()
    check_room_before_download(kind, chosen)
    with MODEL_BUILDING:  # one at a time in the process (threads.py says why)
        return _explained(kind.label, chosen, kind.prefetch_group,
                          lambda: kind.loader(chosen, device, kind.dtype(device)))


def _explained(what: str, model_id: str, prefetch_group: str, load: Callable[[], T]) -> T:
    """`load()`, with any failure turned into the `ModelUnavailable` that explains it."""
    try:
        return load()
    except ModelUnavailable:
        raise
    except Exception as error:  # noqa: BLE001 - every failure becomes one readable error
        raise explain_failure(error, what, model_id, prefetch_group) from error


def _common_kwargs() -> dict[str, Any]:
    return {"local_files_only": settings().offline, "trust_remote_code": False}


# --- loaders ----------------------------------------------------------------------------------


def _prepare_tokenizer(tokenizer: Any) -> Any:
    # GPT-2 has no pad token; batched generation pads on the left with the end-of-text token.
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    return tokenizer


def load_tokenizer(model_id: str, what: str = "tokenizer", prefetch_group: str = "text") -> Any:
    """A tokenizer alone (no weights): a model id/folder, or a diffusers pipeline folder/id."""
    with MODEL_BUILDING:  # transformers' lazy import is not thread-safe either (threads.py)
        from transformers import AutoTokenizer

    def load() -> Any:
        # A downloaded repository is read as the folder it is: offline, transformers would otherwise look
        # for a config.json beside a pipeline's tokenizer and give up.
        cached = local_folder(model_id)
        source = str(cached) if cached is not None else model_id
        try:
            return AutoTokenizer.from_pretrained(source, **_common_kwargs())
        except (OSError, ValueError):
            # Diffusers pipelines keep their tokenizer in a subfolder.
            return AutoTokenizer.from_pretrained(source, subfolder="tokenizer", **_common_kwargs())

    with MODEL_BUILDING:
        return _prepare_tokenizer(_explained(what, model_id, prefetch_group, load))


def config_window(config: Any) -> int | None:
    """The context window a model's config declares (GPT-2 and Llama name it differently), or None."""
    for name in ("n_positions", "max_position_embeddings", "n_ctx"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def _context_window(model: Any, tokenizer: Any) -> int:
    return config_window(model.config) or int(min(tokenizer.model_max_length, 4096))


def load_causal_lm(model_id: str, device: str, dtype: "torch.dtype") -> TextModel:
    """A causal language model with its tokenizer: the text model (GPT-2 by default) or the chat model.
    Attention weights: `engine.run(work, attention="eager")`."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from genai_demo.engine.fast_linear import use_fast_linear, wanted_for

    tokenizer = _prepare_tokenizer(AutoTokenizer.from_pretrained(model_id, **_common_kwargs()))
    model = AutoModelForCausalLM.from_pretrained(
        model_id, dtype=dtype, use_safetensors=True, attn_implementation="sdpa", **_common_kwargs()
    )
    model.to(device).eval()  # type: ignore[arg-type]  # transformers' @wraps(nn.Module.to) types it unbound, self first
    model.requires_grad_(False)
    if wanted_for(device, dtype):
        use_fast_linear(model)
    if model.generation_config.pad_token_id is None:
        model.generation_config.pad_token_id = tokenizer.pad_token_id
    # One lock for the model and its tokenizer, whichever module reaches for the tokenizer.
    return TextModel(model_id, model, tokenizer, device, dtype, _context_window(model, tokenizer),
                     lock=tokenizer_lock(tokenizer))


def load_embedder(model_id: str, device: str, dtype: "torch.dtype") -> Embedder:
    """A sentence-transformers embedder (all-MiniLM-L6-v2 by default)."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(
        model_id,
        device=device,
        local_files_only=settings().offline,
        trust_remote_code=False,
        model_kwargs={"use_safetensors": True, "dtype": dtype},
    )
    model.eval()
    return Embedder(model_id, model, device, dtype, int(model.max_seq_length or 256))


def load_image_pipeline(model_id: str, device: str, dtype: "torch.dtype") -> ImagePipeline:
    """A diffusers text-to-image pipeline; the safety checker stays on when GENAI_PUBLIC is set.

    On a GPU the half-size fp16 weight files are used when the repository has them.
    """
    from diffusers import AutoPipelineForText2Image, DiffusionPipeline

    def from_pretrained(**extra: Any) -> Any:
        source = model_id
        if maps_half_size_files(device, dtype) and "variant" not in extra:
            source = half_size_files(model_id, dtype, lambda: DiffusionPipeline.download(
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
        if maps_half_size_files(device, dtype):
            try:
                source = half_size_files(SAFETY_CHECKER_MODEL, dtype, download)
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
                f"loaded ({type(error).__name__}: {first_line(error)}).",
                "On a machine with internet, run `python -m genai_demo prefetch` (it fetches the checker when "
                "GENAI_PUBLIC is set), then start the app again.",
                SAFETY_CHECKER_MODEL,
            ) from error
        pipeline.register_modules(safety_checker=checker, feature_extractor=features)
        pipeline.register_to_config(requires_safety_checker=True)

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


def _needs_phonemizer(tokenizer: Any) -> bool:
    from transformers.utils import is_phonemizer_available

    return bool(getattr(tokenizer, "phonemize", False)) and not is_phonemizer_available()


def load_speech_model(model_id: str, device: str, dtype: "torch.dtype") -> SpeechModel:
    """A VITS voice (MMS-TTS English by default); float16 on a GPU."""
    from transformers import AutoTokenizer, VitsModel

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
    model.to(device).eval()  # type: ignore[arg-type]  # transformers' @wraps(nn.Module.to) types it unbound, self first
    model.requires_grad_(False)
    return SpeechModel(model_id, model, tokenizer, device, dtype, int(model.config.sampling_rate))


def load_music_model(model_id: str, device: str, dtype: "torch.dtype") -> MusicModel:
    """MusicGen (musicgen-small by default) with its processor; float16 on a GPU."""
    from transformers import AutoProcessor, MusicgenForConditionalGeneration

    processor = AutoProcessor.from_pretrained(model_id, **_common_kwargs())
    model = MusicgenForConditionalGeneration.from_pretrained(
        model_id, dtype=dtype, use_safetensors=True, **_common_kwargs()
    )
    model.to(device).eval()  # type: ignore[arg-type]  # transformers' @wraps(nn.Module.to) types it unbound, self first
    model.requires_grad_(False)
    codec = model.config.audio_encoder
    assert codec is not None and not isinstance(codec, dict)  # typed dict | config | None; loaded, always a config
    return MusicModel(model_id, model, processor, device, dtype, int(codec.sampling_rate),
                      int(codec.frame_rate), int(model.decoder.num_codebooks), int(codec.codebook_size))
