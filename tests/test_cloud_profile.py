"""The Community Cloud profile: a CPU-only torch from a plain `pip install -r requirements.txt`, and a
public mode whose default models fit a small container under a memory budget."""

from __future__ import annotations

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from genai_demo.config import (
    DEFAULT_IMAGE_MODEL_GPU,
    DEFAULT_IMAGE_MODEL_PUBLIC,
    PUBLIC_MEMORY_BUDGET_GB,
    container_memory_gb,
    public_budget_gb,
    settings,
)
from tests.conftest import ROOT

CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _requirement_lines(path: str) -> list[str]:
    lines = (ROOT / path).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_the_cloud_entry_point_takes_torch_from_the_cpu_index_and_the_apps_requirements_stay_general():
    cloud = _requirement_lines("cloud/requirements.txt")
    assert f"--extra-index-url {CPU_INDEX}" in cloud and "-r ../requirements.txt" in cloud
    lines = _requirement_lines("requirements.txt")
    assert not [line for line in lines if line.startswith("-")]  # no index: a GPU machine keeps its CUDA torch
    torch = [Requirement(line) for line in lines if Requirement(line).name == "torch"]
    assert len(torch) == 1 and not torch[0].url  # a version range any platform's wheel can satisfy
    # Same version on both indexes: the CPU build's local label ranks it above PyPI's (CUDA) wheel.
    assert Version("2.13.0+cpu") > Version("2.13.0") and Version("2.13.0+cpu") in torch[0].specifier
    assert not [line for line in lines if "nvidia" in line.lower() or "+cu" in line]


def test_public_profile_defaults_fit_a_small_container(monkeypatch):
    monkeypatch.setenv("GENAI_PUBLIC", "1")
    settings.cache_clear()
    try:
        config = settings()
        assert config.memory_budget_gb == public_budget_gb(container_memory_gb()) <= PUBLIC_MEMORY_BUDGET_GB < 2.7
        assert config.image_model_for("cpu") == DEFAULT_IMAGE_MODEL_PUBLIC
        assert config.image_model_for("cuda") == DEFAULT_IMAGE_MODEL_GPU
        monkeypatch.setenv("GENAI_MEMORY_BUDGET_GB", "6")
        settings.cache_clear()
        assert settings().memory_budget_gb == 6.0
    finally:
        settings.cache_clear()


@pytest.mark.parametrize("bad", ["lots", "-1", "0", "inf", "nan"])
def test_a_nonsense_budget_is_refused_plainly(monkeypatch, bad):
    monkeypatch.setenv("GENAI_MEMORY_BUDGET_GB", bad)
    settings.cache_clear()
    try:
        with pytest.raises(ValueError, match="GENAI_MEMORY_BUDGET_GB.*number of gigabytes"):
            settings()
    finally:
        settings.cache_clear()


def test_public_mode_draws_pictures_in_bfloat16_even_without_bfloat16_units(monkeypatch):
    """Memory first: a float32 pipeline with its safety checker would not fit a Community Cloud app."""
    import torch

    from genai_demo.engine import device as device_rules
    from genai_demo.engine.device import pick_dtype

    monkeypatch.setattr(device_rules, "cpu_has_bfloat16_units", lambda: False)
    monkeypatch.setenv("GENAI_PUBLIC", "1")
    settings.cache_clear()
    try:
        assert pick_dtype("cpu", "images") == torch.bfloat16
        assert pick_dtype("cpu", "generation") == torch.float32  # text keeps its exact numbers
    finally:
        settings.cache_clear()


def test_the_cloud_entry_point_runs_the_whole_app():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "cloud" / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Generative AI, hands on"
    assert at.sidebar.toggle(key="presenter").label == "Presenter mode"


def test_the_public_budget_stays_below_the_containers_own_limit(tmp_path):
    v2, v1 = tmp_path / "memory.max", tmp_path / "memory.limit_in_bytes"
    assert container_memory_gb((v2, v1)) is None  # neither file: not in a limited container
    v2.write_text("max\n")
    assert container_memory_gb((v2, v1)) is None
    v2.unlink()
    v1.write_text("9223372036854771712\n")  # cgroup v1's "no limit"
    assert container_memory_gb((v2, v1)) is None
    v1.write_text(str(1_000_000_000))  # a 1 GB box
    assert container_memory_gb((v2, v1)) == 1.0
    assert public_budget_gb(1.0) == 0.85  # below the box's limit, with room for Python and Streamlit
    assert public_budget_gb(None) == PUBLIC_MEMORY_BUDGET_GB == public_budget_gb(8.0)
