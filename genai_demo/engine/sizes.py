"""What a model costs in memory, known before it is loaded (or even downloaded).

A safetensors file starts with a small JSON header listing every tensor's shape, so the number of
parameters can be read from a local folder, the Hugging Face cache, or the Hub (a ranged request for
the header only) without reading the weights. Multiplied by the bytes per number of the dtype the
loader will cast to, that is what the weights take in memory.

The same file rule decides what `prefetch` downloads and what is counted here: one set of weights per
component, the half-size `.fp16` files where the loader asks for them (a float16 pipeline from the
Hub), never a pipeline's extra single-file checkpoints or non-EMA copies.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

FP16_MARK = ".fp16."


def _is_weight_file(name: str) -> bool:
    return name.endswith(".safetensors") and ".non_ema" not in name and ".ema." not in name


def _plain_name(name: str) -> str:
    return name.replace(FP16_MARK, ".")


def weight_files(names: Iterable[str], fp16_variant: bool) -> list[str]:
    """The safetensors files the loader reads, out of a repository's or folder's file names (posix paths).

    Per file, the `.fp16.` variant when `fp16_variant` is asked for and exists, else the plain file (the
    loader falls back to it too). A pipeline (a `model_index.json` at the top) reads only its
    components' folders, never single-file checkpoints at its top level.
    """
    names = list(names)
    pipeline = "model_index.json" in names
    chosen: dict[str, str] = {}
    for name in sorted(names):
        if not _is_weight_file(name) or (pipeline and "/" not in name):
            continue
        plain = _plain_name(name)
        is_fp16 = name != plain
        if plain not in chosen or is_fp16 == fp16_variant:
            chosen[plain] = name
    return sorted(chosen.values())


def read_header(path: Path) -> tuple[dict[str, Any], int]:
    """A local safetensors file's JSON header (tensor name -> dtype, shape, data_offsets) and the byte
    where its tensor data starts. The weights are not read."""
    with path.open("rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        if not 0 < length < 100_000_000:
            raise ValueError(f"{path} is not a safetensors file")
        return json.loads(handle.read(length)), 8 + length


def _header_parameters(path: Path) -> int:
    """Parameters in one local safetensors file, from its JSON header (the weights are not read)."""
    header, _ = read_header(path)
    total = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        count = 1
        for dim in info["shape"]:
            count *= int(dim)
        total += count
    return total


def folder_files(folder: Path) -> list[str]:
    """Every file under a local folder (or a Hub cache snapshot), as sorted posix paths relative to it."""
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())


def folder_parameters(folder: Path, fp16_variant: bool = False) -> int:
    """Parameters of the model in a local folder (or a Hub cache snapshot)."""
    return sum(_header_parameters(folder / PurePosixPath(name))
               for name in weight_files(folder_files(folder), fp16_variant))


def hub_parameters(repo_id: str, fp16_variant: bool = False) -> int:
    """Parameters of a Hub model, read from the headers of the files the loader would download."""
    from huggingface_hub import HfApi

    api = HfApi()
    files = weight_files(api.list_repo_files(repo_id), fp16_variant)
    if not files:
        raise ValueError(f"{repo_id} has no safetensors weights.")
    return sum(sum(api.parse_safetensors_file_metadata(repo_id, name).parameter_count.values()) for name in files)


def bytes_per_number(dtype: Any) -> int:
    """2 for float16/bfloat16, 4 for float32 (a torch dtype)."""
    return int(dtype.itemsize)


def loaded_bytes(bundle: Any) -> int:
    """Bytes the weights of a loaded bundle hold (each tensor counted once), from its torch modules."""
    seen: set[int] = set()
    total = 0
    for module in torch_modules(bundle):
        for tensor in list(module.parameters()) + list(module.buffers()):
            if tensor.is_mkldnn:  # a weight packed for oneDNN, counted through the stand-in it replaced
                continue
            pointer = tensor.data_ptr()
            if pointer in seen or tensor.device.type == "meta":
                continue
            seen.add(pointer)
            total += tensor.numel() * tensor.element_size()
    return total


def torch_modules(bundle: Any) -> list[Any]:
    """The torch modules a model bundle holds: its `model`, or a diffusers pipeline's components."""
    import torch

    modules = []
    for value in vars(bundle).values():
        if isinstance(value, torch.nn.Module):
            modules.append(value)
        components = getattr(value, "components", None)
        if isinstance(components, dict):
            modules.extend(part for part in components.values() if isinstance(part, torch.nn.Module))
    return modules
