"""The foundation: settings, the shared model loader and its errors, the CLI, the home page."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from genai_demo.catalogue import PAGES
from genai_demo.config import FULL_LIMITS, PUBLIC_LIMITS, settings
from genai_demo.engine import kinds
from genai_demo.engine.device import pick_dtype
from genai_demo.engine.errors import ModelUnavailable
from genai_demo.engine.loader import load_model, load_tokenizer
from tests.conftest import ROOT, reset_app_state, run_page


@pytest.fixture(autouse=True)
def fresh_settings():
    reset_app_state()
    yield
    reset_app_state()


def test_settings_read_model_ids_and_local_folders_from_the_environment(monkeypatch, tiny_gpt2_dir):
    monkeypatch.chdir(tiny_gpt2_dir.parent)
    monkeypatch.setenv("GENAI_TEXT_MODEL", tiny_gpt2_dir.name)  # a relative folder works like an id
    monkeypatch.setenv("GENAI_EMBED_MODEL", "someone/some-embedder")
    monkeypatch.setenv("GENAI_PUBLIC", "1")
    config = settings()
    assert config.text_model == str(tiny_gpt2_dir)
    assert config.embed_model == "someone/some-embedder"
    assert config.public and config.limits == PUBLIC_LIMITS
    assert config.offline  # the test session runs with HF_HUB_OFFLINE=1


def test_default_image_model_depends_on_the_device(monkeypatch):
    monkeypatch.delenv("GENAI_IMAGE_MODEL", raising=False)
    config = settings()
    assert config.limits == FULL_LIMITS
    assert config.image_model_for("cuda") != config.image_model_for("cpu")
    monkeypatch.setenv("GENAI_IMAGE_MODEL", "my/pipeline")
    settings.cache_clear()
    assert settings().image_model_for("cuda") == settings().image_model_for("cpu") == "my/pipeline"


@pytest.mark.parametrize("name, value", [("GENAI_DEVICE", "tpu"), ("GENAI_DTYPE", "int3")])
def test_unknown_device_or_dtype_is_a_clear_error(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        settings()


def test_text_model_loads_from_a_local_folder_through_the_shared_loader(tiny_gpt2_dir):
    lm = load_model(kinds.TEXT, str(tiny_gpt2_dir))
    assert lm.device == "cpu"
    assert lm.dtype == pick_dtype("cpu")
    assert next(lm.model.parameters()).dtype == lm.dtype
    assert lm.context_window == 1024
    # GPT-2 has no pad token: the loader pads with end-of-text, on the left, for batched generation.
    assert lm.tokenizer.pad_token == "<|endoftext|>" and lm.tokenizer.padding_side == "left"
    assert not lm.model.training
    assert not any(p.requires_grad for p in lm.model.parameters())
    assert lm.tokenizer("Hello world").input_ids == [15496, 995]


def test_the_dtype_is_a_fixed_rule_so_one_machine_always_writes_the_same_text(monkeypatch, tiny_gpt2_dir):
    import torch

    from genai_demo.engine import device as device_rules
    from genai_demo.engine.sampling import SamplingSettings
    from genai_demo.text.generation import generate_texts

    monkeypatch.setenv("GENAI_DTYPE", "auto")
    settings.cache_clear()
    # Text in float32 on any CPU; pictures in bfloat16 exactly where the CPU has bfloat16 units.
    assert pick_dtype("cpu", "generation") == torch.float32
    for has_units, expected in ((True, torch.bfloat16), (False, torch.float32)):
        monkeypatch.setattr(device_rules, "cpu_has_bfloat16_units", lambda has=has_units: has)
        assert pick_dtype("cpu", "images") == expected
    assert pick_dtype("cuda", "generation") == torch.float16
    # Two starts of the app (two fresh loads) write the same sampled text for the same seed.
    knobs = [SamplingSettings(temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=12, seed=9)]
    first = generate_texts(load_model(kinds.TEXT, str(tiny_gpt2_dir)), "Once upon a time", knobs)
    assert generate_texts(load_model(kinds.TEXT, str(tiny_gpt2_dir)), "Once upon a time", knobs) == first


def test_dtype_override_is_honoured(monkeypatch, tiny_gpt2_dir):
    import torch

    monkeypatch.setenv("GENAI_DTYPE", "float32")
    assert load_model(kinds.TEXT, str(tiny_gpt2_dir)).dtype == torch.float32
    monkeypatch.setenv("GENAI_DTYPE", "bfloat16")
    settings.cache_clear()
    assert next(load_model(kinds.TEXT, str(tiny_gpt2_dir)).model.parameters()).dtype == torch.bfloat16


def test_a_nonexistent_folder_gives_a_plain_message(tmp_path):
    with pytest.raises(ModelUnavailable) as caught:
        load_model(kinds.TEXT, str(tmp_path / "no-such-model"))
    assert "does not exist" in caught.value.title
    assert "python -m genai_demo prefetch text" in caught.value.fix


def test_a_pickle_only_folder_is_refused(pickle_only_dir):
    with pytest.raises(ModelUnavailable) as caught:
        load_model(kinds.TEXT, str(pickle_only_dir))
    assert "safetensors" in caught.value.title
    assert "pickle" in caught.value.reason


def test_a_corrupt_folder_is_explained(tmp_path, tiny_gpt2_dir):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((tiny_gpt2_dir / "config.json").read_text())
    (broken / "model.safetensors").write_bytes(b"not really safetensors")
    with pytest.raises(ModelUnavailable) as caught:
        load_model(kinds.TEXT, str(broken))
    assert "could not be loaded" in caught.value.title


def test_a_hub_model_that_is_not_downloaded_offline_names_the_prefetch_command(missing_models_env):
    for record, kind in [(kinds.TEXT, "text"), (kinds.EMBED, "embed"), (kinds.CHAT, "chat"), (kinds.IMAGE, "image")]:
        with pytest.raises(ModelUnavailable) as caught:
            load_model(record)
        assert "not downloaded" in caught.value.title
        assert f"python -m genai_demo prefetch {kind}" in caught.value.fix


def test_the_memory_budget_refuses_a_model_that_does_not_fit(monkeypatch, tiny_gpt2_dir):
    monkeypatch.setenv("GENAI_MEMORY_BUDGET_GB", "0.000001")
    with pytest.raises(ModelUnavailable, match="does not fit"):
        load_model(kinds.TEXT, str(tiny_gpt2_dir))


def test_tokenizer_alone_loads_from_a_pipeline_folder(tiny_sd_dir):
    tokenizer = load_tokenizer(str(tiny_sd_dir))
    assert tokenizer("a photo of a cat").input_ids == [49406, 320, 1125, 539, 320, 2368, 49407]


def test_image_pipeline_and_embedder_load_through_the_shared_loader(tiny_sd_dir, minilm_dir):
    pipeline = load_model(kinds.IMAGE, str(tiny_sd_dir))
    assert pipeline.pipeline.safety_checker is None  # only public deployments keep it
    embedder = load_model(kinds.EMBED, str(minilm_dir))
    assert embedder.model.get_embedding_dimension() == 384


# --- the app ----------------------------------------------------------------------------------


def test_home_page_shows_the_idea_and_a_card_for_every_page():
    at = run_page("home.py")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Training" in " ".join(h.value for h in at.subheader)
    assert "weights" in text and "prompt" in text
    for page in PAGES:
        if page.file != "home.py":
            assert page.summary in text


def test_the_whole_app_renders_its_home_page_without_importing_torch():
    """app.py plus the home page must stay light: torch loads only when a model page opens."""
    script = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('app.py', default_timeout=60).run()\n"
        "print(json.dumps({'exception': [e.value for e in at.exception], 'title': [t.value for t in at.title],"
        " 'torch': 'torch' in sys.modules, 'sidebar': [c.value for c in at.sidebar.caption]}))\n"
    )
    result = subprocess.run([sys.executable, "-c", "import json\n" + script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={**_clean_env(), "HF_HUB_OFFLINE": "1"})
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["exception"] == []
    assert report["title"] == ["Generative AI, hands on"]
    assert report["torch"] is False
    assert any("Running on" in caption for caption in report["sidebar"])


def test_presenter_mode_enlarges_fonts():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not any("font-size: 22px" in str(h.proto) for h in at.get("html"))
    at.sidebar.toggle(key="presenter").set_value(True).run()
    assert not at.exception
    assert any("font-size: 22px" in str(h.proto) for h in at.get("html"))
    assert at.title[0].value == "Generative AI, hands on"


def test_a_page_opened_directly_is_sent_through_the_navigation():
    """A `pages/` folder makes Streamlit fall back to old-style multipage mode; the first run undoes it."""
    at = run_page("perceptron.py")
    assert at.sidebar.toggle(key="presenter").label == "Presenter mode"
    assert at.title[0].value.startswith("Perceptron")


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("GENAI_")}


# --- command line -----------------------------------------------------------------------------


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "genai_demo", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, env={**_clean_env(), "HF_HUB_OFFLINE": "1", **(env or {})})


def test_doctor_reports_device_versions_and_which_models_are_missing(tmp_path, tiny_gpt2_dir):
    result = _cli("doctor", env={"GENAI_TEXT_MODEL": str(tiny_gpt2_dir), "HF_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "torch" in result.stdout and "device        CPU" in result.stdout
    assert f"model text    {tiny_gpt2_dir}: local folder" in result.stdout
    assert "model embed   sentence-transformers/all-MiniLM-L6-v2: NOT DOWNLOADED" in result.stdout


def test_prefetch_skips_local_folders_and_fails_clearly_offline(tmp_path, tiny_gpt2_dir):
    local = _cli("prefetch", "text", env={"GENAI_TEXT_MODEL": str(tiny_gpt2_dir)})
    assert local.returncode == 0 and "nothing to download" in local.stdout
    offline = _cli("prefetch", "embed", env={"HF_HOME": str(tmp_path)})
    assert offline.returncode == 1
    assert "FAILED" in offline.stderr and "could not be downloaded" in offline.stderr
    bad = _cli("prefetch", "everything")
    assert bad.returncode == 2 and "unknown model kind" in bad.stderr


# --- a missing or broken model on a real page -------------------------------------------------

MODEL_PAGES = ["text_generation.py", "how_llms_work.py", "embeddings.py", "chat.py", "image_generation.py",
               "fine_tuning.py"]


def _all_text(at) -> str:  # type: ignore[no-untyped-def]
    parts = [e.value for kind in ("markdown", "error", "caption", "code") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", MODEL_PAGES)
def test_model_pages_offline_with_an_empty_cache_show_the_fetch_command(missing_models_env, page):
    at = run_page(page)
    assert not at.exception
    text = _all_text(at)
    assert "not downloaded yet" in text
    assert "python -m genai_demo prefetch" in text
    assert any(code.value.startswith("python -m genai_demo prefetch") for code in at.code)


@pytest.mark.parametrize("broken", ["nonexistent", "pickle_only"])
def test_a_bad_text_model_gives_the_same_panel_and_the_rest_of_the_app_works(monkeypatch, tmp_path, pickle_only_dir,
                                                                              broken):
    folder = tmp_path / "missing-model" if broken == "nonexistent" else pickle_only_dir
    monkeypatch.setenv("GENAI_TEXT_MODEL", str(folder))
    reset_app_state()
    at = run_page("text_generation.py")
    assert not at.exception
    expected = "does not exist" if broken == "nonexistent" else "no safetensors weights"
    assert expected in " ".join(e.value for e in at.error)
    for other in ("perceptron.py", "home.py"):
        assert not run_page(other).exception


def test_the_memory_budget_also_applies_to_models_in_the_hub_cache(monkeypatch, tmp_path, tiny_gpt2_dir):
    """A downloaded Hub model (as `prefetch` leaves it) is measured in the cache, like a local folder."""
    import shutil

    from huggingface_hub import constants

    snapshot = tmp_path / "models--someone--tiny-gpt2" / "snapshots" / "0123456789abcdef"
    shutil.copytree(tiny_gpt2_dir, snapshot)
    (tmp_path / "models--someone--tiny-gpt2" / "refs").mkdir()
    (tmp_path / "models--someone--tiny-gpt2" / "refs" / "main").write_text("0123456789abcdef")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    assert load_model(kinds.TEXT, "someone/tiny-gpt2").context_window == 1024  # found in the cache
    monkeypatch.setenv("GENAI_MEMORY_BUDGET_GB", "0.000001")
    settings.cache_clear()
    with pytest.raises(ModelUnavailable, match="does not fit"):
        load_model(kinds.TEXT, "someone/tiny-gpt2")


def test_a_text_model_and_its_tokenizer_share_one_lock(lm):
    """Pages reach the shared tokenizer both through the model bundle and through the tokenizer tools."""
    from genai_demo.engine.threads import tokenizer_lock

    assert lm.lock is tokenizer_lock(lm.tokenizer)
    with lm.lock, tokenizer_lock(lm.tokenizer):  # re-entrant: text code may tokenize while holding it
        assert lm.tokenizer("Hello world").input_ids == [15496, 995]
