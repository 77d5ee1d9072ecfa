"""What a model will take in memory, known before it is loaded (or even downloaded), and the check that
refuses, before any download, a model that can never fit.

The weights: the parameter counts in the safetensors headers (`sizes`) of the files the loader will read,
times the bytes of the dtype the kind is loaded in. A kind whose work needs memory beside its weights
(an image model drawing a picture) has that room added while it is loaded on a CPU.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genai_demo.config import settings
from genai_demo.engine.budget import free_bytes
from genai_demo.engine.device import resolve_device
from genai_demo.engine.errors import does_not_fit
from genai_demo.engine.low_precision import uses_fp16_files
from genai_demo.engine.model_kind import ModelKind
from genai_demo.engine.sizes import bytes_per_number, folder_parameters, hub_parameters

if TYPE_CHECKING:
    import torch


def local_folder(model_id: str) -> Path | None:
    """The folder holding a model: the path itself, or the Hub cache's copy (None if not downloaded)."""
    if Path(model_id).is_dir():
        return Path(model_id)
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model_id, local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached (or not a valid id): loading will explain
        return None


def reads_fp16_files(kind: ModelKind[Any], model_id: str, device: str) -> bool:
    """Whether the kind's loader reads a repository's half-size `.fp16` files on `device` (so `prefetch`
    downloads them and the estimate counts them)."""
    return kind.fp16_files and uses_fp16_files(model_id, kind.dtype(device))


def estimate_bytes(kind: ModelKind[Any], model_id: str) -> int | None:
    """Bytes the weights of a model will take once loaded, known before download: from the local folder
    or cache, else from the Hub's file headers. None when it cannot be known (offline and not cached)."""
    device = resolve_device()
    dtype = kind.dtype(device)
    fp16_files = reads_fp16_files(kind, model_id, device)
    try:
        folder = local_folder(model_id)
        if folder is not None:
            return folder_parameters(folder, fp16_files) * bytes_per_number(dtype)
        if settings().offline:
            return None
        return hub_parameters(model_id, fp16_files) * bytes_per_number(dtype)
    except Exception:  # noqa: BLE001 - no estimate: the size is counted once the model is loaded
        return None


def room_to_load(kind: ModelKind[Any], model_id: str) -> int | None:
    """The room the budget makes for a model and keeps while it is loaded: its weights, and on a CPU also
    what its work takes on top of them (`ModelKind.work_bytes`: an image model's 512x512 picture), so
    that room is there whenever a learner presses Generate. (On a GPU the work's memory is the GPU's.)"""
    weights = estimate_bytes(kind, model_id)
    device = resolve_device()
    if weights is None or kind.work_bytes is None or device != "cpu":
        return weights
    return weights + kind.work_bytes(model_id, kind.dtype(device))


def picture_work_bytes(model_id: str, dtype: "torch.dtype", side: int = 512) -> int:
    """Memory a picture needs above the loaded pipeline: its peak is the VAE decoding at full size, about
    seven tensors of the decoder's last width (measured on SD 1.x's VAE, 128 channels, bfloat16: +0.47 GB
    at 512x512 against 7 x 128 x 512 x 512 x 2 bytes = 0.47 GB). 512 is the public limit's side."""
    channels = 128  # SD 1.x and 2.x; read from the model's own VAE config when it is here
    try:
        folder = local_folder(model_id)
        config = folder / "vae" / "config.json" if folder is not None else None
        if config is not None and config.is_file():
            channels = int(json.loads(config.read_text())["block_out_channels"][0])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        pass  # an unusual VAE config: count SD's width
    return 7 * channels * side * side * bytes_per_number(dtype)


def check_room_before_download(kind: ModelKind[Any], model_id: str) -> None:
    """Refuse, before any download, a model whose weights alone exceed the budget (or the free memory)."""
    needed = estimate_bytes(kind, model_id)
    if needed is None:
        return
    budget_gb = settings().memory_budget_gb
    room = budget_gb * 1e9 if budget_gb is not None else free_bytes()
    if room is not None and needed > room:
        raise does_not_fit(kind.label, model_id, needed, room, 0)
