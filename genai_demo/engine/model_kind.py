"""What the app knows about one kind of model: the record `kinds.py` keeps one of for each kind.

The loader, the memory budget's shared copies, the pages' loaders and the command line read every
kind-specific fact from it, so none of them branches on a kind's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from genai_demo.config import Settings, settings
from genai_demo.engine.device import Workload, pick_dtype

if TYPE_CHECKING:
    import torch

Bundle = TypeVar("Bundle")  # what the kind's loader returns (TextModel, Embedder, ...)


@dataclass(frozen=True)
class ModelKind(Generic[Bundle]):
    """One kind of model: its name, how people call it, where its id comes from and how it loads."""

    name: str  # the one name of the kind everywhere: budget keys, `doctor`'s model lines, `kinds.named`
    label: str  # for people: "Loading the {label}…", "The {label} is not downloaded yet"
    configured_id: Callable[[Settings], str]  # the model id or folder the settings name for it
    # (model id, device, dtype) -> bundle. `loader.load_model` picks the device and dtype, checks the
    # memory first and turns any failure into `ModelUnavailable`, so a loader only builds.
    loader: Callable[[str, str, "torch.dtype"], Bundle]
    prefetch_group: str  # `python -m genai_demo prefetch GROUP` downloads it (the sound models share "audio")
    workload: Workload = "generation"  # its dtype rule: `device.pick_dtype(device, workload)`
    fp16_files: bool = False  # in float16 from the Hub it reads the repository's half-size `.fp16` files
    # Memory its work takes beside its weights on a CPU (model id, dtype -> bytes), kept for it while it
    # is loaded so the work always has room; on a GPU that memory is the GPU's.
    work_bytes: Callable[[str, "torch.dtype"], int] | None = None

    def model_id(self) -> str:
        """The model of this kind the app loads here, from the settings."""
        return self.configured_id(settings())

    def dtype(self, device: str) -> "torch.dtype":
        """The number format this kind is loaded in on `device`."""
        return pick_dtype(device, self.workload)
