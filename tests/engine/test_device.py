"""genai_demo.engine.device: the number format a model loads in is a fixed rule per device, and GENAI_DTYPE
overrides it."""

from __future__ import annotations

import pytest

from genai_demo.config import settings
from genai_demo.engine import kinds
from genai_demo.engine.device import pick_dtype
from genai_demo.engine.loader import load_model

# Every test here starts and ends with fresh settings, budget and caches.
pytestmark = pytest.mark.usefixtures("fresh_settings")


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


def test_torch_threads_wait_passively_unless_the_deployer_says_otherwise():
    import os
    import subprocess
    import sys

    # app.py imports the device rules first: by then torch must not be loaded, or its threads would already spin.
    probe = ("import sys, os, genai_demo.engine.device; "
             "print(os.environ['OMP_WAIT_POLICY'], 'torch' in sys.modules)")
    env = {key: value for key, value in os.environ.items() if key != "OMP_WAIT_POLICY"}
    for given, expected in ((None, "PASSIVE False"), ("ACTIVE", "ACTIVE False")):
        run_env = env if given is None else {**env, "OMP_WAIT_POLICY": given}
        out = subprocess.run([sys.executable, "-c", probe], env=run_env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == expected
    app_imports = open("app.py", encoding="utf-8").read()
    assert "from genai_demo.engine.device import" in app_imports
