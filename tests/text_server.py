"""A real OpenAI-compatible serving engine (`transformers serve`) on the loopback interface, for the
tests and the serving benchmark. No mock of the API: the app talks to the same server a class would use.

Continuous batching stays off by default: `transformers serve --continuous-batching` gives every request
the sampling settings of the first one it saw (a greedy column then samples), so per-column knobs and
seeds are tested on the plain server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.browser import free_port, stop_process, wait_until_healthy

START_TIMEOUT_S = 120.0


def sample_by_default(folder: Path) -> Path:
    """`transformers serve` samples only when the model's generation config says so (vLLM always does)."""
    path = folder / "generation_config.json"
    config = json.loads(path.read_text())
    config["do_sample"] = True
    path.write_text(json.dumps(config, indent=2))
    return folder


@contextmanager
def text_server(model_dir: Path, log_path: Path, continuous_batching: bool = False,
                threads: int | None = 1) -> Iterator[str]:
    """Serve `model_dir` on a free loopback port; yields the base URL (ending in /v1), stops it after."""
    port = free_port()
    command = [sys.executable, "-m", "transformers.cli.transformers", "serve", str(model_dir), "--device", "cpu",
               "--host", "127.0.0.1", "--port", str(port)]
    if continuous_batching:
        command.append("--continuous-batching")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/health", process, log_path, "transformers serve",
                           START_TIMEOUT_S)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop_process(process, timeout=15)
