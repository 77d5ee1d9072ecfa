"""llama.cpp's own server (`llama-server`) for the tests and benchmarks/peers.py: a real serving engine that
sends its scores (`logprobs`), on the real SmolLM2 weights.

The programs come from tools/build_llama_server.sh, which `.ci/run` runs once and keeps outside the
checkout. SmolLM2 ships as a Q4_1 GGUF; `llama-quantize` writes the same weights as F32 (exactly the
float32 values the app's loader dequantises) or as 8-bit Q8_0 blocks.
"""

from __future__ import annotations

import glob
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from genai_demo.engine.device import cpu_flags
from tests.browser import free_port, stop_process, wait_until_healthy
from tests.tiny_models import smollm2_gguf

START_TIMEOUT_S = 60.0


def _amx_repacking_hangs() -> bool:
    """On a CPU with Intel's AMX matrix units, llama-server repacks Q8_0 and Q4_1 weights for them, and on a 2-core
    Intel Xeon VM (2026-12-07) its warm-up run then never finished; with `--no-repack` it serves (F32 weights
    are never repacked)."""
    return "amx_int8" in cpu_flags()


def llama_binaries() -> Path | None:
    """The folder holding llama-server and llama-quantize (LLAMA_CPP_HOME/bin, or the build script's cache)."""
    home = os.environ.get("LLAMA_CPP_HOME")
    built = sorted(glob.glob(str(Path.home() / ".cache/genai_demo/llama.cpp-*/bin/llama-server")))
    candidates = [Path(home) / "bin"] if home else [Path(path).parent for path in built]
    for folder in reversed(candidates):
        if (folder / "llama-server").is_file() and (folder / "llama-quantize").is_file():
            return folder
    return None


def smollm2_as(number_format: str, folder: Path, binaries: Path) -> Path:
    """The real SmolLM2 as a GGUF file in `number_format` ("F32", "Q8_0", ...), written once into `folder`."""
    path = folder / f"smollm2-{number_format.lower()}.gguf"
    if not path.exists():
        subprocess.run([str(binaries / "llama-quantize"), "--allow-requantize", str(smollm2_gguf()), str(path),
                        number_format], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return path


def resident_mib(pid: int) -> float:
    """A process's resident memory (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def llama_server(binaries: Path, gguf: Path, log_path: Path, parallel: int = 4, threads: int = 2,
                 context: int = 8192, pid: list[int] | None = None) -> Iterator[str]:
    """`llama-server` on a free loopback port with `parallel` slots; yields its OpenAI base URL (ending in /v1).

    Give a list as `pid` to have the server's process id put in it (benchmarks read its memory)."""
    port = free_port()
    command = [str(binaries / "llama-server"), "--model", str(gguf), "--host", "127.0.0.1", "--port", str(port),
               "--parallel", str(parallel), "--ctx-size", str(context), "--threads", str(threads),
               "--threads-http", str(max(4, parallel)), "--no-webui"]
    if _amx_repacking_hangs():
        command.append("--no-repack")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    if pid is not None:
        pid.append(process.pid)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/health", process, log_path, "llama-server", START_TIMEOUT_S)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop_process(process, timeout=15)
