"""The text-writer contract: the local model keeps it, and its tokenizer methods are safe from many sessions.

The served model keeps the same contract in test_remote.py (against a real `transformers serve`).
"""

from __future__ import annotations

import re
import threading

import pytest

from genai_demo.config import TextServer
from genai_demo.engine.remote import RemoteTextModel
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.engine.writer import TextWriter, Written
from genai_demo.text.generation import generate_texts
from tests.conftest import ROOT

TEXTS = ["What's the weather like today?", "😀 emoji bytes", "日本語のテキスト", "שלום עולם", "  spaces\n\tand tabs"]


@pytest.fixture(scope="module")
def served_writer(lm) -> RemoteTextModel:
    """A served model's writer with its tokenizer here; nothing here asks the server anything."""
    return RemoteTextModel("tiny", lm.tokenizer, lm.context_window, TextServer("http://127.0.0.1:9/v1", "tiny"))


def test_the_local_model_is_a_text_writer_with_its_weights(lm):
    assert isinstance(lm, TextWriter)
    assert lm.has_weights
    assert lm.describe() == f"in {str(lm.dtype).removeprefix('torch.')} on {lm.device.upper()}"
    ids = lm.encode("Hello world")
    assert ids == lm.tokenizer("Hello world", add_special_tokens=False)["input_ids"]
    assert lm.decode(ids) == "Hello world"
    assert "".join(lm.pieces(ids)) == "Hello world"
    knobs = [SamplingSettings(temperature=0.0, max_new_tokens=4), SamplingSettings(temperature=1.0, seed=3,
                                                                                     max_new_tokens=4)]
    parts = list(lm.generate(lm.encode("The cat"), knobs, [4, 4]))
    assert parts and all(isinstance(part, Written) for part in parts) and all(parts[-1].finished)
    # The writer's text is what generation shows, each column decoded from its own tokens.
    assert parts[-1].texts == generate_texts(lm, "The cat", knobs)
    assert parts[-1].texts == [lm.decode([i for i in ids if i not in lm.end_ids]) for ids in parts[-1].token_ids]


@pytest.mark.parametrize("which", ["lm", "served_writer"])
def test_many_sessions_share_one_writer_tokenizer_safely(which, request):
    writer = request.getfixturevalue(which)
    alone = [(writer.encode(text), writer.decode(writer.encode(text)), writer.pieces(writer.encode(text)))
             for text in TEXTS]
    errors: list[BaseException] = []
    results: dict[int, list] = {}
    start = threading.Barrier(16)

    def work(n: int) -> None:
        try:
            start.wait()
            got = []
            for _ in range(20):
                for text in TEXTS:
                    ids = writer.encode(text)
                    got.append((ids, writer.decode(ids), writer.pieces(ids)))
            results[n] = got
        except BaseException as error:  # noqa: BLE001 - the test reports any failure
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 16 and all(got == alone * 20 for got in results.values())


def test_no_page_or_topic_module_takes_a_lock_by_hand():
    # The writer (and every other bundle) locks inside its own methods: only genai_demo/engine names a lock.
    sources = [*ROOT.joinpath("genai_demo").rglob("*.py"), *ROOT.joinpath("pages").glob("*.py"), ROOT / "app.py"]
    found = [f"{path.relative_to(ROOT)}:{number}" for path in sources if "engine" not in path.relative_to(ROOT).parts
             for number, line in enumerate(path.read_text().splitlines(), 1) if re.search(r"\.lock\b", line)]
    assert found == []
