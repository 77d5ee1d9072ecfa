"""Half-size copies of a model's weight files, written once, so a CPU loads the model by mapping them.

Loading float32 files as bfloat16 converts every weight in memory: the process keeps the converted
weights as its own memory, and while loading it also maps the float32 files. For the public image
pipeline (BK-SDM-Tiny with its safety checker) that is 3.3 GB resident at the peak for 1.7 GB of
weights. A file whose weights are already bfloat16 is mapped in place instead: the weights stay page
cache, which the kernel can drop and read again, and the peak is the weights alone. So the first load
writes a bfloat16 copy of the files the loader reads (read tensor by tensor with plain file reads, so
nothing stays mapped; a file's converted tensors, half its size, are held until it is written), and
every later load (after the memory budget unloaded the model, or after a restart) uses the copy. The
copy holds the same numbers the in-memory conversion makes, bit for bit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from genai_demo.engine.budget import return_free_memory
from genai_demo.engine.sizes import folder_files, read_header, weight_files

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

# Small files a model folder needs besides its weights (configs, tokenizers, processors).
_SMALL_FILE_BYTES = 50_000_000
_lock = threading.Lock()


def low_precision_folder(folder: Path, dtype: "torch.dtype", root: Path | None = None) -> Path:
    """`folder` with the floating-point weights of the safetensors files the loader reads in `dtype`:
    a copy under `root` (default: the Hugging Face cache), written the first time, or `folder` itself
    where those files are already in `dtype`. If the copy cannot be made (a full or read-only disk, a
    file it cannot read), `folder`: the model then loads as before, converting in memory."""
    try:
        names = folder_files(folder)
        weights = weight_files(names, fp16_variant=False)
        if not any(_needs_conversion(folder / name, dtype) for name in weights):
            return folder
        target = (root or _default_root()) / _copy_name(folder, names, dtype)
        with _lock:  # two sessions loading the same model write it once
            if not target.is_dir():
                try:
                    _write_copy(folder, target, names, weights, dtype)
                except OSError:
                    if not target.is_dir():  # else another process moved its copy into place first
                        raise
                return_free_memory()  # the converted tensors are on disk now; hand their memory back
        return target
    except Exception as error:  # noqa: BLE001 - the copy only saves memory: never let it stop a model loading
        log.warning("No %s copy of %s (%s: %s); loading the original files.", dtype, folder, type(error).__name__,
                    error)
        return folder


# --- when the loaders read half-size files ------------------------------------------------------


def uses_fp16_files(model_id: str, dtype: "torch.dtype") -> bool:
    """A pipeline from the Hub in float16 is loaded from its half-size `.fp16` files where it has them."""
    import torch

    return dtype == torch.float16 and not Path(model_id).is_dir()


def maps_half_size_files(device: str, dtype: "torch.dtype") -> bool:
    """On a CPU, a model loaded in half precision is read from files already in it: mapped in place
    instead of converted into the process's own memory. (A GPU copies the weights into its own memory
    anyway, from the repository's fp16 files where it has them.)"""
    import torch

    return device == "cpu" and dtype in (torch.bfloat16, torch.float16)


def half_size_files(model_id: str, dtype: "torch.dtype", download: Callable[[], str]) -> str:
    """The folder to load `model_id` from in `dtype`: a copy of its weight files in `dtype`, written the
    first time (its own folder where they already are in `dtype`, or where no copy can be written).
    `download` fetches a Hub model's files (from the cache when they are there) and returns their folder."""
    folder = Path(model_id) if Path(model_id).is_dir() else Path(download())
    return str(low_precision_folder(folder, dtype))


def _default_root() -> Path:
    """Beside the Hugging Face cache (HF_HOME, read now: a test or a launcher may set it late)."""
    from huggingface_hub import constants

    return Path(os.environ.get("HF_HOME") or constants.HF_HOME) / "genai_demo" / "low-precision"


_FORMAT = 1  # bump when the copies' layout changes: older copies are then written again


def _copy_name(folder: Path, names: list[str], dtype: "torch.dtype") -> str:
    """A folder name that changes when any source file changes (a new revision, a re-saved local model, an
    edited config)."""
    files = [(name, (folder / name).stat().st_size, (folder / name).stat().st_mtime_ns) for name in names]
    digest = hashlib.sha256(json.dumps([_FORMAT, str(folder.resolve()), files]).encode()).hexdigest()[:16]
    name = folder.parent.parent.name if folder.parent.name == "snapshots" else folder.name  # a Hub cache's repo
    return f"{name}-{str(dtype).removeprefix('torch.')}-{digest}"


def _write_copy(folder: Path, target: Path, names: list[str], weights: list[str], dtype: "torch.dtype") -> None:
    """Write the copy into a scratch folder beside `target`, move it into place in one step, then remove
    the copies of the same model's older files and scratch folders a killed process left behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for left in target.parent.glob(".writing-*"):
        if time.time() - left.stat().st_mtime > 3600:
            shutil.rmtree(left, ignore_errors=True)
    scratch = Path(tempfile.mkdtemp(prefix=".writing-", dir=target.parent))
    try:
        for name in names:
            source, destination = folder / name, scratch / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            if name in weights:
                _convert_file(source, destination, dtype)
            elif not name.endswith(".safetensors") and source.stat().st_size <= _SMALL_FILE_BYTES:
                shutil.copyfile(source, destination)  # configs and tokenizers; other weight formats are not read
        os.replace(scratch, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    model = target.name.rsplit("-", 1)[0]  # "<model>-<dtype>"
    for older in target.parent.glob(f"{model}-*"):
        if older != target and len(older.name) == len(target.name):  # a process still using one keeps its pages
            shutil.rmtree(older, ignore_errors=True)


# --- the tensors: a safetensors file's header (sizes.read_header) says where each one's bytes are --------

_FLOATS = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16"}
_DTYPES = {**_FLOATS, "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8", "BOOL": "bool"}


def _needs_conversion(path: Path, dtype: "torch.dtype") -> bool:
    header, _ = read_header(path)
    wanted = str(dtype).removeprefix("torch.")
    return any(_FLOATS.get(info["dtype"], wanted) != wanted for name, info in header.items() if name != "__metadata__")


def _convert_file(source: Path, destination: Path, dtype: "torch.dtype") -> None:
    """Read each tensor with a plain file read (never mapped), cast floating-point ones to `dtype`."""
    import torch
    from safetensors.torch import save_file

    header, start = read_header(source)
    metadata = header.pop("__metadata__", None)
    tensors = {}
    with source.open("rb") as file:
        for name, info in header.items():
            begin, end = info["data_offsets"]
            file.seek(start + begin)
            stored = getattr(torch, _DTYPES[info["dtype"]])
            data = bytearray(file.read(end - begin))
            tensor = (torch.frombuffer(data, dtype=stored) if data else torch.empty(0, dtype=stored)).reshape(
                info["shape"])
            tensors[name] = tensor.to(dtype) if tensor.is_floating_point() else tensor
    save_file(tensors, str(destination), metadata=metadata)
