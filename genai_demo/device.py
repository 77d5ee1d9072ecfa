"""Which device runs the models: cuda > mps > cpu, or what GENAI_DEVICE asks for.

`describe_device` answers without importing torch (the home page must stay light): it asks torch
only if torch is already imported, and otherwise looks at what the operating system reports.
"""

from __future__ import annotations

import glob
import platform
import sys

from genai_demo.config import settings


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
