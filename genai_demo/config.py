"""Every model id, path, limit and flag of the app, read once from environment variables.

A `.streamlit/secrets.toml` or a `.env` file may set the same names; Streamlit copies top-level
secrets into the environment, and `python-dotenv` (when installed) reads `.env`.
Call `settings.cache_clear()` after changing the environment (tests do).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

# The files the lessons read (example texts, tasks, questions), shipped inside the package.
DATA_DIR = Path(__file__).resolve().parent / "data"

DEFAULT_TEXT_MODEL = "openai-community/gpt2"
DEFAULT_EMBED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_CHAT_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
# A one-to-four step distilled model gives a CPU user a picture in seconds; SD 1.5 needs a GPU.
DEFAULT_IMAGE_MODEL_CPU = "stabilityai/sd-turbo"
DEFAULT_IMAGE_MODEL_GPU = "stable-diffusion-v1-5/stable-diffusion-v1-5"
# A public deployment (Community Cloud: a few GB, no GPU) needs an image model that fits beside the app:
# BK-SDM-Tiny, SD 1.4 with a 0.33 B UNet (sd-turbo's 0.87 B UNet alone takes 3.5 GB in float32).
DEFAULT_IMAGE_MODEL_PUBLIC = "nota-ai/bk-sdm-tiny"
# Streamlit Community Cloud documents 690 MB to 2.7 GB of memory per app. The public budget keeps the models
# and what the process holds beside them (a picture being drawn included) under the largest with room to
# spare; where the container's own limit can be read (its cgroup), the budget stays below that instead.
PUBLIC_MEMORY_BUDGET_GB = 2.5
CONTAINER_SHARE = 0.85  # of a container's memory limit: Python, Streamlit and the page cache need the rest
CGROUP_MEMORY_FILES = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
# The standard Stable Diffusion image filter: public deployments add it to models shipped without one.
SAFETY_CHECKER_MODEL = "CompVis/stable-diffusion-safety-checker"
# Both sound models are small enough for a CPU, and both are licensed CC-BY-NC 4.0 (non-commercial use only).
DEFAULT_TTS_MODEL = "facebook/mms-tts-eng"
DEFAULT_MUSIC_MODEL = "facebook/musicgen-small"
DEFAULT_RETENTION_DAYS = 30.0  # a class and a learner's saved work are deleted after this long untouched

# Every seed box of the app runs from 0 to this: a browser's number box holds it exactly (2**53 would be its
# limit), and numpy's and scikit-learn's random states take any seed up to it.
MAX_SEED = 2**32 - 1

DEVICES = ("auto", "cpu", "cuda", "mps")
DTYPES = ("auto", "float32", "bfloat16", "float16")


@dataclass(frozen=True)
class Limits:
    """Server-side limits. Pages set widget ranges from these, and genai_demo enforces them again."""

    max_prompt_chars: int
    max_new_tokens: int
    max_columns: int
    max_tokenizer_chars: int
    max_sentences: int
    max_image_side: int
    max_image_steps: int
    max_image_batch: int
    max_clip_frames: int
    max_train_steps: int
    max_train_chars: int
    max_speech_chars: int
    max_music_seconds: float


FULL_LIMITS = Limits(
    max_prompt_chars=20_000,
    max_new_tokens=512,
    max_columns=4,
    max_tokenizer_chars=20_000,
    max_sentences=200,
    max_image_side=1024,
    max_image_steps=100,
    max_image_batch=8,
    max_clip_frames=24,
    max_train_steps=2_000,
    max_train_chars=50_000,
    max_speech_chars=1_000,
    max_music_seconds=30.0,
)

# A public deployment (Streamlit Community Cloud) shares one small CPU between many visitors.
PUBLIC_LIMITS = Limits(
    max_prompt_chars=4_000,
    max_new_tokens=128,
    max_columns=2,
    max_tokenizer_chars=5_000,
    max_sentences=50,
    max_image_side=512,
    max_image_steps=30,
    max_image_batch=4,
    max_clip_frames=12,
    max_train_steps=300,
    max_train_chars=10_000,
    max_speech_chars=300,
    max_music_seconds=8.0,
)


@dataclass(frozen=True)
class TextServer:
    """An OpenAI-compatible serving engine (vLLM, llama.cpp's server, TGI, `transformers serve`) that writes text."""

    base_url: str  # ends in /v1
    model: str  # the name the server knows the model by; also the id its tokenizer is loaded from
    api_key: str = field(default="", repr=False)  # never shown, never logged
    timeout_s: float = 60.0


@dataclass(frozen=True)
class Settings:
    """Every model id, device choice, limit and flag, read once from the environment."""

    text_model: str
    embed_model: str
    chat_model: str
    image_model: str | None  # None: chosen by device when the pipeline is loaded
    tts_model: str
    music_model: str
    device: str
    dtype: str
    public: bool
    offline: bool
    memory_budget_gb: float | None
    max_batch: int | None  # rows per decoding step of a text engine; None: chosen by device
    limits: Limits
    text_server: TextServer | None = None  # set: the text pages write through this server
    class_db: str = ""  # SQLAlchemy URL of the class store
    class_retention_days: float = DEFAULT_RETENTION_DAYS

    @property
    def writing_model(self) -> str:
        """The model that writes on the text pages: the served one when there is a text server."""
        return self.text_server.model if self.text_server else self.text_model

    def image_model_for(self, device: str) -> str:
        if self.image_model:
            return self.image_model
        if device == "cuda":
            return DEFAULT_IMAGE_MODEL_GPU
        return DEFAULT_IMAGE_MODEL_PUBLIC if self.public else DEFAULT_IMAGE_MODEL_CPU


# Names people know the default models by; any other model is called by the last part of its id or folder.
KNOWN_NAMES = {"openai-community/gpt2": "GPT-2", "gpt2": "GPT-2", DEFAULT_CHAT_MODEL: "SmolLM2-135M-Instruct"}


# Licences of the default models whose terms limit their use; any other model: its model card says.
KNOWN_LICENCES = {DEFAULT_TTS_MODEL: "CC-BY-NC 4.0, non-commercial use only",
                  DEFAULT_MUSIC_MODEL: "CC-BY-NC 4.0, non-commercial use only"}


def licence_note(model_id: str) -> str:
    """"licence: …" for a default model, or where to look for any other."""
    known = KNOWN_LICENCES.get(model_id)
    return f"licence: {known}" if known else "licence: see its model card"


def public_name(model_id: str) -> str:
    """A model as a page or a downloaded file may name it: a Hub id as it is, a local folder by its last part
    only (a server's folder paths, under its home and cache folders, are nobody's business)."""
    path = Path(model_id).expanduser()
    if path.is_absolute() or model_id.startswith((".", "~")) or path.exists():
        return path.name or model_id
    return model_id


def display_name(model_id: str) -> str:
    """A model's name for a page: "GPT-2" for the default, else the last part of a Hub id or folder path."""
    if model_id in KNOWN_NAMES:
        return KNOWN_NAMES[model_id]
    return Path(model_id.rstrip("/\\")).name or model_id


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    value = os.environ.get(name, "auto").strip().lower() or "auto"
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(allowed)}")
    return value


def _model(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    # A local folder works like a Hub id; "~" and relative paths are resolved for the user.
    expanded = Path(value).expanduser()
    return str(expanded.resolve()) if expanded.exists() else value


def _positive_int(name: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name}={value!r} must be a whole number of at least 1")
    return int(value)


def _positive_float(name: str, value: str, unit: str = "gigabytes") -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0 or number == float("inf"):
        raise ValueError(f"{name}={value!r} must be a number of {unit} above 0, e.g. 2.5")
    return number


def _load_dotenv() -> None:
    try:
        from dotenv import load_dotenv
    except ImportError:
        return
    load_dotenv(override=False)


def data_folder() -> Path:
    """Where the app keeps what learners make (the class database): GENAI_DATA_DIR, else the user's data folder."""
    chosen = os.environ.get("GENAI_DATA_DIR", "").strip()
    if chosen:
        return Path(chosen).expanduser()
    return Path(os.environ.get("XDG_DATA_HOME", "").strip() or Path.home() / ".local" / "share") / "genai_demo"


def _class_db() -> str:
    url = os.environ.get("GENAI_CLASS_DB", "").strip()
    if url:
        if "://" not in url:
            raise ValueError(f"GENAI_CLASS_DB={url[:40]!r} must be a SQLAlchemy URL such as "
                             "postgresql+psycopg://user:password@host/dbname or sqlite:////path/class.db")
        return url
    return f"sqlite:///{data_folder() / 'class.db'}"


def _text_server() -> TextServer | None:
    url = os.environ.get("GENAI_TEXT_SERVER", "").strip().rstrip("/")
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"GENAI_TEXT_SERVER={url!r} must be a web address such as http://localhost:8000/v1")
    model = os.environ.get("GENAI_TEXT_SERVER_MODEL", "").strip()
    if not model:
        raise ValueError("GENAI_TEXT_SERVER is set, so GENAI_TEXT_SERVER_MODEL must name the model the server "
                         "serves (e.g. HuggingFaceTB/SmolLM2-135M-Instruct)")
    timeout = os.environ.get("GENAI_TEXT_SERVER_TIMEOUT_S", "").strip()
    return TextServer(
        base_url=url,
        model=model,
        api_key=os.environ.get("GENAI_TEXT_SERVER_API_KEY", "").strip(),
        timeout_s=float(_positive_int("GENAI_TEXT_SERVER_TIMEOUT_S", timeout)) if timeout else 60.0,
    )


def container_memory_gb(files: tuple[Path, ...] = CGROUP_MEMORY_FILES) -> float | None:
    """The memory limit of the container the app runs in (cgroup v2, then v1), or None where there is none."""
    for file in files:
        try:
            text = file.read_text().strip()
        except OSError:
            continue
        if text == "max":
            return None
        try:
            limit = int(text)
        except ValueError:
            continue
        return None if limit >= 2**60 else limit / 1e9  # cgroup v1 writes "no limit" as a huge number
    return None


def public_budget_gb(container_gb: float | None) -> float:
    """The public default budget: PUBLIC_MEMORY_BUDGET_GB, or less in a container that has less."""
    if container_gb is None:
        return PUBLIC_MEMORY_BUDGET_GB
    return round(min(PUBLIC_MEMORY_BUDGET_GB, CONTAINER_SHARE * container_gb), 2)


@cache
def settings() -> Settings:
    """The app's settings, read from the environment once per process."""
    _load_dotenv()
    public = _flag("GENAI_PUBLIC")
    budget = os.environ.get("GENAI_MEMORY_BUDGET_GB", "").strip()
    max_batch = os.environ.get("GENAI_MAX_BATCH", "").strip()
    image_model = os.environ.get("GENAI_IMAGE_MODEL", "").strip()
    retention = os.environ.get("GENAI_CLASS_RETENTION_DAYS", "").strip()
    return Settings(
        text_model=_model("GENAI_TEXT_MODEL", DEFAULT_TEXT_MODEL),
        embed_model=_model("GENAI_EMBED_MODEL", DEFAULT_EMBED_MODEL),
        chat_model=_model("GENAI_CHAT_MODEL", DEFAULT_CHAT_MODEL),
        image_model=_model("GENAI_IMAGE_MODEL", image_model) if image_model else None,
        tts_model=_model("GENAI_TTS_MODEL", DEFAULT_TTS_MODEL),
        music_model=_model("GENAI_MUSIC_MODEL", DEFAULT_MUSIC_MODEL),
        device=_choice("GENAI_DEVICE", DEVICES),
        dtype=_choice("GENAI_DTYPE", DTYPES),
        public=public,
        offline=_flag("HF_HUB_OFFLINE") or _flag("TRANSFORMERS_OFFLINE"),
        memory_budget_gb=_positive_float("GENAI_MEMORY_BUDGET_GB", budget) if budget else (
            public_budget_gb(container_memory_gb()) if public else None),
        max_batch=_positive_int("GENAI_MAX_BATCH", max_batch) if max_batch else None,
        limits=PUBLIC_LIMITS if public else FULL_LIMITS,
        text_server=_text_server(),
        class_db=_class_db(),
        class_retention_days=_positive_float("GENAI_CLASS_RETENTION_DAYS", retention, "days") if retention else (
            DEFAULT_RETENTION_DAYS),
    )
