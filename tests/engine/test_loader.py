"""genai_demo.engine.loader: text models, tokenizers, image pipelines and embedders load from local folders
the way the app loads them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from genai_demo.engine import kinds
from genai_demo.engine.device import pick_dtype
from genai_demo.engine.loader import load_model, load_tokenizer

# Every test here starts and ends with fresh settings, budget and caches.
pytestmark = pytest.mark.usefixtures("fresh_settings")


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


def test_tokenizer_alone_loads_from_a_pipeline_folder(tiny_sd_dir):
    tokenizer = load_tokenizer(str(tiny_sd_dir))
    assert tokenizer("a photo of a cat").input_ids == [49406, 320, 1125, 539, 320, 2368, 49407]


def test_image_pipeline_and_embedder_load_through_the_shared_loader(tiny_sd_dir, minilm_dir):
    pipeline = load_model(kinds.IMAGE, str(tiny_sd_dir))
    assert pipeline.pipeline.safety_checker is None  # only public deployments keep it
    embedder = load_model(kinds.EMBED, str(minilm_dir))
    assert embedder.model.get_embedding_dimension() == 384


_TWO_AT_ONCE = """
import sys, threading
from genai_demo.engine import kinds
from genai_demo.engine.loader import load_model
errors = []
def load(kind, folder):
    try:
        load_model(kind, folder)
    except Exception as error:
        errors.append(repr(error)[:300])
threads = [threading.Thread(target=load, args=(kinds.TEXT, sys.argv[1])),
           threading.Thread(target=load, args=(kinds.CHAT, sys.argv[2]))]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(errors)
"""


def test_two_sessions_loading_two_models_at_once_in_a_fresh_process_both_succeed(tiny_gpt2_dir, tiny_chat_dir):
    """Right after a restart, two learners open two model pages: transformers' first import and its loading
    are not thread-safe ("cannot import name 'AutoModelForCausalLM'", "Cannot copy out of meta tensor" were
    seen), so models are built one at a time. A fresh process, because this one has imported them already."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", _TWO_AT_ONCE, str(tiny_gpt2_dir), str(tiny_chat_dir)],
                                cwd=root, capture_output=True, text=True, timeout=300,
                                env={**os.environ, "HF_HUB_OFFLINE": "1"})
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout.strip().splitlines()[-1] == "[]"
