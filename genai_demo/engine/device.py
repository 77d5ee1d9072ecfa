"""Which device runs the models (cuda > mps > cpu, or GENAI_DEVICE) and in which number format.

`describe_device` answers without importing torch (the home page must stay light): it asks torch
only if torch is already imported, and otherwise looks at what the operating system reports.

Importing this module (app.py does, before anything imports torch) also makes torch's CPU threads wait
passively: see `OMP_WAIT_POLICY` below.
"""

from __future__ import annotations

import glob
import os
import platform
import sys
from typing import TYPE_CHECKING, Literal

from genai_demo.config import settings
from genai_demo.engine.errors import ModelUnavailable

if TYPE_CHECKING:
    import torch

# torch's OpenMP threads wait for work by spinning unless told otherwise. On a server whose cores are shared (a
# class's browsers on the same laptop, a Community Cloud box, the app's own script threads) the spinning thread
# takes a core from the one doing the work: 8 Chromium pages writing on one 2-core machine took 76-86 s spinning
# and 34 s passive (benchmarks/classroom_browser.py --chat 0). Read once, when torch loads; a deployer's value wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# Matrix units for bfloat16 on x86 CPUs (Linux names them so in /proc/cpuinfo).
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")
# What a model is loaded for: each kind of model names one (`pick_dtype` has the rule for each).
Workload = Literal["generation", "images", "similarity"]


def _gpu_name_from_driver() -> str | None:
    for info in sorted(glob.glob("/proc/driver/nvidia/gpus/*/information")):
        with open(info, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("Model:"):
                    return line.split(":", 1)[1].strip()
    return None


def _is_apple_silicon() -> bool:
    return sys.platform == "darwin" and platform.machine() == "arm64"


def pick_device() -> str:
    """The torch device name to use ("cuda", "mps" or "cpu"). Imports torch."""
    import torch

    wanted = settings().device
    if wanted != "auto":
        if wanted == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("GENAI_DEVICE=cuda, but torch sees no CUDA GPU on this machine.")
        if wanted == "mps" and not torch.backends.mps.is_available():
            raise RuntimeError("GENAI_DEVICE=mps, but torch sees no Apple GPU on this machine.")
        return wanted
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def resolve_device() -> str:
    """The device models load on; a GENAI_DEVICE this machine does not have becomes `ModelUnavailable`."""
    try:
        return pick_device()
    except RuntimeError as error:
        raise ModelUnavailable("The chosen device is not available", str(error),
                               "Unset GENAI_DEVICE (or set it to auto) and restart the app.") from error


def machine_device() -> str:
    """The device the app picks on this machine, or "cpu" where GENAI_DEVICE names one it does not have."""
    try:
        return resolve_device()
    except ModelUnavailable:
        return "cpu"


def describe_device() -> str:
    """A short label for the sidebar, e.g. "CPU", "CUDA · NVIDIA H100", "MPS (Apple GPU)"."""
    if "torch" in sys.modules:
        try:
            device = pick_device()
        except RuntimeError as error:
            return f"CPU ({error})"
        if device == "cuda":
            import torch

            return f"CUDA · {torch.cuda.get_device_name(0)}"
        return "MPS (Apple GPU)" if device == "mps" else "CPU"
    wanted = settings().device
    if wanted == "cpu":
        return "CPU"
    gpu = _gpu_name_from_driver()
    if gpu and wanted in ("auto", "cuda"):
        return f"CUDA · {gpu}"
    if _is_apple_silicon() and wanted in ("auto", "mps"):
        return "MPS (Apple GPU)"
    return "CPU"


def cpu_flags() -> set[str]:
    """The features Linux lists for this CPU ("avx512_bf16", "amx_int8", ...); empty where it lists none."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            return set(next((line for line in handle if line.startswith("flags")), "").split())
    except OSError:
        return set()


def cpu_has_bfloat16_units() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (a fixed fact, not a timing)."""
    return not cpu_flags().isdisjoint(BF16_CPU_FLAGS)


def pick_dtype(device: str, workload: Workload = "generation") -> "torch.dtype":
    """The number format for a kind of work on a device. GENAI_DTYPE wins; otherwise a fixed rule:

    - GPU: float16.
    - CPU, writing text ("generation"): float32. A text is sampled token after token, so a rounding
      difference early on can change every later token; float32 is also what the numbers the pages
      show are computed in, and a bfloat16 vector-matrix product is no faster on a CPU.
    - CPU, diffusion ("images"): bfloat16 where the CPU has bfloat16 matrix units (its products over
      thousands of pixels run about twice as fast there), else float32; bfloat16 always in public mode,
      where memory is what runs out first (a float32 pipeline with its safety checker alone would take
      more than a Community Cloud app has).
    - CPU, comparing sentences ("similarity"): float32, whatever the images do: similarity scores are
      shown to three decimals.

    The rule depends only on the machine, never on a timing, so one machine always writes the same
    text for the same seed.
    """
    import torch

    wanted = settings().dtype
    if wanted != "auto":
        return getattr(torch, wanted)
    if device in ("cuda", "mps"):
        return torch.float16
    if workload == "images" and (cpu_has_bfloat16_units() or settings().public):
        return torch.bfloat16
    return torch.float32
