"""A kind of model is one record in `genai_demo.engine.kinds`: a new one (a tiny counting model with its own
loader, registered here and nowhere else) loads through the pages' loaders and the shared copies inside the
memory budget, is listed and fetched by the command line, and explains its failures like every other kind.
And every kind name the code uses is one of the registry's."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from genai_demo import cli
from genai_demo.engine import kinds
from genai_demo.engine.budget import MemoryBudget, reset_shared_budget, shared_budget
from genai_demo.engine.errors import ModelUnavailable
from genai_demo.engine.estimates import estimate_bytes, room_to_load
from genai_demo.engine.loader import load_model
from genai_demo.engine.model_kind import ModelKind
from genai_demo.engine.shared import loaded_model, shared_model
from tests.conftest import ROOT, reset_app_state

NUMBERS = 1000  # the counting model's weights: 1,000 float32 numbers, 4,000 bytes


@dataclass
class Counter:
    """The new kind's bundle: a model id, one torch module (what the budget measures), device and dtype."""

    model_id: str
    model: torch.nn.Module
    device: str
    dtype: torch.dtype


def load_counter(model_id: str, device: str, dtype: torch.dtype) -> Counter:
    """The new kind's loader: it only builds; choosing device and dtype and explaining failures is shared."""
    weights = load_file(str(Path(model_id) / "model.safetensors"))["weight"]
    module = torch.nn.Linear(NUMBERS, 1, bias=False)
    module.weight.data = weights.reshape(1, NUMBERS).to(device, dtype)
    return Counter(model_id, module, device, dtype)


@pytest.fixture
def counter_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "counting-model"
    folder.mkdir()
    save_file({"weight": torch.arange(NUMBERS, dtype=torch.float32)}, str(folder / "model.safetensors"))
    return folder


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch, counter_folder: Path) -> ModelKind[Counter]:
    """The new kind, registered the way kinds.py registers its own: one record in KINDS."""
    record = ModelKind(name="counter", label="counting model", configured_id=lambda config: str(counter_folder),
                       loader=load_counter, prefetch_group="counting")
    monkeypatch.setattr(kinds, "KINDS", (*kinds.KINDS, record))
    reset_app_state()
    yield record
    reset_app_state()


def _page() -> None:
    """A page that asks for the new kind by name, as any page asks for its model."""
    import streamlit as st

    from genai_demo.engine import kinds
    from genai_demo.ui import loaders

    bundle = loaders.model(kinds.named("counter"))
    st.markdown(f"counted with {bundle.model_id}, {bundle.model.weight.numel()} numbers")


def test_a_new_kind_loads_through_the_pages_loader_as_one_shared_budgeted_copy(counter, counter_folder):
    from streamlit.testing.v1 import AppTest

    assert estimate_bytes(counter, str(counter_folder)) == room_to_load(counter, str(counter_folder)) == 4 * NUMBERS
    reset_shared_budget(MemoryBudget(limit=100 * NUMBERS, wait_s=0))
    at = AppTest.from_function(_page).run()
    assert not at.exception and not at.error
    assert f"counted with {counter_folder}, {NUMBERS} numbers" in [m.value for m in at.markdown]
    bundle = loaded_model(counter)
    assert isinstance(bundle, Counter) and bundle.dtype == torch.float32
    assert shared_model(counter) is bundle  # the process's one copy
    [entry] = shared_budget().loaded()
    assert entry.name == f"counting model `{counter_folder}`" and entry.size == 4 * NUMBERS


def test_a_new_kind_that_cannot_fit_is_refused_in_its_own_words(counter, counter_folder):
    reset_shared_budget(MemoryBudget(limit=NUMBERS, wait_s=0))
    with pytest.raises(ModelUnavailable) as caught:
        shared_model(counter)
    assert caught.value.title == "The counting model does not fit in memory"
    assert loaded_model(counter) is None


def test_a_new_kind_that_fails_to_load_names_its_own_prefetch_command(counter, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    broken = dataclasses.replace(counter, configured_id=lambda config: str(empty))
    with pytest.raises(ModelUnavailable) as caught:
        load_model(broken)
    assert caught.value.title == "The counting model folder could not be loaded"
    assert "python -m genai_demo prefetch counting" in caught.value.fix


def test_the_command_line_lists_and_fetches_a_new_kind(counter, counter_folder, capsys):
    assert cli.configured_models()["counter"] == str(counter_folder)
    assert cli.main(["doctor"]) == 0
    assert f"model counter {counter_folder}: local folder; about 0.00 GB in memory" in capsys.readouterr().out
    assert cli.main(["prefetch", "counting"]) == 0
    printed = capsys.readouterr().out
    assert f"[counter] {counter_folder}: a local folder, nothing to download" in printed
    assert "[text]" not in printed


# --- one vocabulary ---------------------------------------------------------------------------------

SOURCES = [*ROOT.glob("*.py"), *ROOT.glob("*.md"), *ROOT.glob("docs/*.md"),
           *(path for folder in ("genai_demo", "pages", "benchmarks", "tools", "cloud", "tests")
             for path in (ROOT / folder).rglob("*.py"))]
# Functions that take a kind: a string there would be a second vocabulary.
TAKES_A_KIND = r"\b(?:load_model|shared_model|loaded_model|estimate_bytes|room_to_load|download_patterns|model|" \
               r"model_or_none|model_if_loaded)\(\s*[\"']"

BRANCH_ON_A_KIND = r"(?<![.\w])kind(?:\.name)?\s*(?:==|!=)\s*[\"']"  # `kind == "image"` (not `source.kind`)


def _sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in SOURCES if path != Path(__file__)}


def test_the_registry_keeps_the_documented_prefetch_groups_and_one_name_per_kind():
    names = [kind.name for kind in kinds.KINDS]
    assert len(set(names)) == len(names) and all(kinds.named(name).name == name for name in names)
    assert kinds.prefetch_groups()[:5] == ["text", "chat", "embed", "image", "audio"]  # as the README documents them
    assert [kind.name for kind in kinds.KINDS if kind.prefetch_group == "audio"] == ["tts", "music"]
    assert list(cli.configured_models()) == names


def test_every_kind_name_in_the_code_is_one_of_the_registrys():
    groups, names = set(kinds.prefetch_groups()), {kind.name for kind in kinds.KINDS}
    records = {name for name, value in vars(kinds).items() if isinstance(value, ModelKind)}
    for path, text in _sources().items():
        for group in re.findall(r"genai_demo prefetch ([a-z]+)\b", text):
            assert group in groups, f"{path}: `prefetch {group}` is no kind's group"
        for name in re.findall(r"kinds\.named\([\"'](\w+)[\"']\)", text):
            assert name in names, f"{path}: no kind is called {name!r}"
        for record in re.findall(r"\bkinds\.([A-Z][A-Z_]*)\b", text):
            assert record in records | {"KINDS"}, f"{path}: kinds.{record} is no kind"
        assert not re.search(TAKES_A_KIND, text), f"{path}: a kind passed by a string, not its record"
        assert not re.search(BRANCH_ON_A_KIND, text), f"{path}: a branch on a kind's name"
