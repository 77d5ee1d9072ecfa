"""Command line: `python -m genai_demo prefetch`, `python -m genai_demo doctor` and `python -m genai_demo class`.

prefetch  downloads every configured model (configs, tokenizers and safetensors weights only), so a
          workshop can run offline the next day.
doctor    prints the device, library versions, which configured models are available locally, and
          free memory and disk.
class     new: start a class (its code, join link and teacher link); show CODE [--json]: its entries;
          export CODE [--csv]: everything it holds.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from genai_demo.classroom import cli as classroom_cli
from genai_demo.config import settings
from genai_demo.engine import kinds
from genai_demo.engine.device import machine_device
from genai_demo.engine.model_kind import ModelKind

# Everything a model needs to load besides its weights: configs, tokenizers, chat templates. The weight
# files themselves are chosen one by one (`sizes.weight_files`): one safetensors set per component, the
# half-size .fp16 files where the GPU loader asks for them, no pickles, ONNX copies or single-file
# checkpoints at a pipeline's top level.
SUPPORT_PATTERNS = ["*.json", "*.txt", "*.model", "*.jinja", "*/*.json", "*/*.txt", "*/*.model"]


def configured_models() -> dict[str, str]:
    """kind name -> model id or folder, as the app would load it here, in the order of `kinds.KINDS`."""
    return {kind.name: kind.model_id() for kind in kinds.KINDS}


def download_patterns(kind: ModelKind[Any] | None, model_id: str, repo_files: list[str]) -> list[str]:
    """What `prefetch` downloads of a repository: support files, and the weights this machine's loader reads
    (`kind` None: a model that is no kind's, such as the public safety checker: its plain weights)."""
    from genai_demo.engine.estimates import reads_fp16_files
    from genai_demo.engine.sizes import weight_files

    fp16 = kind is not None and reads_fp16_files(kind, model_id, machine_device())
    return SUPPORT_PATTERNS + weight_files(repo_files, fp16)


def extra_models() -> dict[str, str]:
    """Models some configurations need beside the configured ones (e.g. the public safety checker)."""
    try:
        from genai_demo.images.diffusion import extra_models_to_prefetch
    except ImportError:
        return {}
    return extra_models_to_prefetch()


def prefetch(groups: list[str]) -> int:
    """Download the configured models of the given prefetch groups; returns the exit status (1 if any failed)."""
    from huggingface_hub import HfApi, snapshot_download

    targets: dict[str, tuple[ModelKind[Any] | None, str]] = {
        kind.name: (kind, kind.model_id()) for kind in kinds.KINDS if kind.prefetch_group in groups}
    if set(groups) == set(kinds.prefetch_groups()):
        targets.update({name: (None, model_id) for name, model_id in extra_models().items()})
    failures = 0
    for name, (kind, model_id) in targets.items():
        if Path(model_id).is_dir():
            print(f"[{name}] {model_id}: a local folder, nothing to download")
            continue
        print(f"[{name}] downloading {model_id} …", flush=True)
        try:
            patterns = download_patterns(kind, model_id, HfApi().list_repo_files(model_id))
            path = snapshot_download(model_id, allow_patterns=patterns)
        except Exception as error:  # noqa: BLE001 - report every model, then exit non-zero
            failures += 1
            print(f"[{name}] FAILED: {type(error).__name__}: {error}", file=sys.stderr)
            continue
        print(f"[{name}] ready in {path}")
    if failures:
        print(f"{failures} model(s) could not be downloaded.", file=sys.stderr)
        return 1
    print("All models are in the local cache. Start the app offline with: HF_HUB_OFFLINE=1 streamlit run app.py")
    return 0


def model_status(model_id: str) -> str:
    """Whether a model is a local folder, cached, or not downloaded yet, in a few words."""
    folder = Path(model_id)
    if folder.is_dir():
        has_weights = any(folder.rglob("*.safetensors"))
        return "local folder" + ("" if has_weights else " (no .safetensors weights!)")
    from huggingface_hub import scan_cache_dir

    try:
        repos = {repo.repo_id: repo for repo in scan_cache_dir().repos}
    except Exception:  # noqa: BLE001 - an absent or unreadable cache means "not cached"
        repos = {}
    repo = repos.get(model_id)
    if repo is None:
        return "NOT DOWNLOADED (run: python -m genai_demo prefetch)"
    return f"cached, {repo.size_on_disk / 1e9:.2f} GB"


def _in_memory(kind: ModelKind[Any], model_id: str) -> str:
    from genai_demo.engine.estimates import estimate_bytes

    size = estimate_bytes(kind, model_id)
    return "size in memory unknown until downloaded" if size is None else f"about {size / 1e9:.2f} GB in memory"


def memory_budget_line() -> str:
    """The doctor's line about the memory budget and the models it holds."""
    from genai_demo.config import container_memory_gb
    from genai_demo.engine.budget import shared_budget

    budget = shared_budget()
    container = container_memory_gb()
    box = f"; this container may use {container:.2f} GB" if container is not None else ""
    if budget.limit is None:
        return ("budget        none (GENAI_MEMORY_BUDGET_GB unset): every model stays loaded; one larger than the "
                f"free memory is refused{box}")
    return (f"budget        {budget.limit / 1e9:.2f} GB for the whole process (GENAI_MEMORY_BUDGET_GB), of which "
            f"{budget.overhead / 1e9:.2f} GB is the app without models; {len(budget.loaded())} model(s) loaded in "
            f"this process; the least recently used idle model is unloaded to make room{box}")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def doctor() -> int:
    """Print the device, library versions, each configured model's status and free memory; returns 0."""
    import torch

    from genai_demo.engine.batching import batch_cap
    from genai_demo.engine.budget import shared_budget
    from genai_demo.engine.device import describe_device, pick_device, pick_dtype
    from genai_demo.engine.fast_linear import MEASURED_DISTANCE, packs_weights, wanted_for

    config = settings()
    print(f"python        {platform.python_version()} on {platform.platform()}")
    for package in ("torch", "transformers", "diffusers", "sentence-transformers", "streamlit", "peft"):
        print(f"{package:<13} {_version(package)}")
    device = pick_device()
    print(f"device        {describe_device()} (GENAI_DEVICE={config.device})")
    text_format, image_format = pick_dtype(device, "generation"), pick_dtype(device, "images")
    text_dtype, image_dtype = (str(dtype).replace("torch.", "") for dtype in (text_format, image_format))
    print(f"dtype         text {text_dtype}, images {image_dtype} (GENAI_DTYPE={config.dtype}; a fixed rule for "
          "this machine, never a timing)")
    if wanted_for(device, text_format):
        packed = "weights packed in its order" if packs_weights() else "plain weights (this PyTorch cannot pack them)"
        print(f"products      oneDNN's for float32 text, {packed} (measured on SmolLM2: {MEASURED_DISTANCE})")
    else:
        print("products      PyTorch's (oneDNN's faster ones are used for float32 text on a CPU only)")
    print(f"text engine   up to {batch_cap(device)} rows per decoding step, shared by every session (GENAI_MAX_BATCH)")
    print(f"cuda          {torch.cuda.is_available()}   threads: {torch.get_num_threads()}")
    print(f"offline       {config.offline}   public mode: {config.public}")
    for kind in kinds.KINDS:
        model_id = kind.model_id()
        print(f"model {kind.name:<7} {model_id}: {model_status(model_id)}; {_in_memory(kind, model_id)}")
    print(memory_budget_line())
    for model in shared_budget().loaded():
        print(f"loaded        {model.name}: {model.size / 1e9:.2f} GB, {'in use' if model.in_use else 'idle'}")
    try:
        import psutil

        memory = psutil.virtual_memory()
        print(f"memory        {memory.available / 1e9:.1f} GB free of {memory.total / 1e9:.1f} GB")
    except ImportError:
        pass
    disk = shutil.disk_usage(Path.home())
    print(f"disk          {disk.free / 1e9:.1f} GB free in {Path.home()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The command line: parse `argv` and run prefetch, doctor or class; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m genai_demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser("prefetch", help="download every configured model for offline use")
    groups = kinds.prefetch_groups()
    fetch.add_argument("kinds", nargs="*", metavar="KIND", help=f"any of {', '.join(groups)} (default: all)")
    commands.add_parser("doctor", help="print device, versions, model availability and free memory")
    classroom_cli.add_commands(commands)
    args = parser.parse_args(argv)
    if args.command == "class":
        return classroom_cli.run(args)
    if args.command == "prefetch":
        unknown = sorted(set(args.kinds) - set(groups))
        if unknown:
            parser.error(f"unknown model kind {', '.join(unknown)}; choose from {', '.join(groups)}")
        return prefetch(args.kinds or groups)
    return doctor()
