"""Command line: `python -m genai_demo prefetch` and `python -m genai_demo doctor`.

prefetch  downloads every configured model (configs, tokenizers and safetensors weights only), so a
          workshop can run offline the next day.
doctor    prints the device, library versions, which configured models are available locally, and
          free memory and disk.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
from importlib import metadata
from pathlib import Path

from genai_demo.config import settings

KINDS = ("text", "chat", "embed", "image", "audio")
# The models behind a kind, where they are more than one (the sound pages use a voice and a music model).
KIND_OF_MODEL = {"tts": "audio", "music": "audio"}
# Everything a model needs to load besides its weights: configs, tokenizers, chat templates. The weight
# files themselves are chosen one by one (`sizes.weight_files`): one safetensors set per component, the
# half-size .fp16 files where the GPU loader asks for them, no pickles, ONNX copies or single-file
# checkpoints at a pipeline's top level.
SUPPORT_PATTERNS = ["*.json", "*.txt", "*.model", "*.jinja", "*/*.json", "*/*.txt", "*/*.model"]


def configured_models() -> dict[str, str]:
    """model name (a kind, or a part of one: tts, music) -> model id or folder, as the app would load it here."""
    from genai_demo.engine import image_model_id

    config = settings()
    return {"text": config.text_model, "chat": config.chat_model, "embed": config.embed_model,
            "image": image_model_id(), "tts": config.tts_model, "music": config.music_model}


def download_patterns(kind: str, model_id: str, repo_files: list[str]) -> list[str]:
    """What `prefetch` downloads of a repository: support files, and the weights this machine's loader reads."""
    from genai_demo.engine.loader import machine_device, target_dtype, uses_fp16_files
    from genai_demo.engine.sizes import weight_files

    fp16 = kind == "image" and uses_fp16_files(model_id, target_dtype(kind, machine_device()))
    return SUPPORT_PATTERNS + weight_files(repo_files, fp16)


def extra_models() -> dict[str, str]:
    """Models some configurations need beside the configured ones (e.g. the public safety checker)."""
    try:
        from genai_demo.images.diffusion import extra_models_to_prefetch
    except ImportError:
        return {}
    return extra_models_to_prefetch()


def prefetch(kinds: list[str]) -> int:
    from huggingface_hub import HfApi, snapshot_download

    wanted = configured_models()
    targets = {name: model_id for name, model_id in wanted.items() if KIND_OF_MODEL.get(name, name) in kinds}
    if set(kinds) == set(KINDS):
        targets.update(extra_models())
    failures = 0
    for kind, model_id in targets.items():
        if Path(model_id).is_dir():
            print(f"[{kind}] {model_id}: a local folder, nothing to download")
            continue
        print(f"[{kind}] downloading {model_id} …", flush=True)
        try:
            patterns = download_patterns(kind, model_id, HfApi().list_repo_files(model_id))
            path = snapshot_download(model_id, allow_patterns=patterns)
        except Exception as error:  # noqa: BLE001 - report every model, then exit non-zero
            failures += 1
            print(f"[{kind}] FAILED: {type(error).__name__}: {error}", file=sys.stderr)
            continue
        print(f"[{kind}] ready in {path}")
    if failures:
        print(f"{failures} model(s) could not be downloaded.", file=sys.stderr)
        return 1
    print("All models are in the local cache. Start the app offline with: HF_HUB_OFFLINE=1 streamlit run app.py")
    return 0


def model_status(model_id: str) -> str:
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


def _in_memory(kind: str, model_id: str) -> str:
    from genai_demo.engine import estimate_bytes

    size = estimate_bytes(kind, model_id)
    return "size in memory unknown until downloaded" if size is None else f"about {size / 1e9:.2f} GB in memory"


def memory_budget_line() -> str:
    from genai_demo.engine.budget import shared_budget

    budget = shared_budget()
    if budget.limit is None:
        return ("budget        none (GENAI_MEMORY_BUDGET_GB unset): every model stays loaded; one larger than the "
                "free memory is refused")
    return (f"budget        {budget.limit / 1e9:.2f} GB for the whole process (GENAI_MEMORY_BUDGET_GB), of which "
            f"{budget.overhead / 1e9:.2f} GB is the app without models; {len(budget.loaded())} model(s) loaded in "
            "this process; the least recently used idle model is unloaded to make room")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def doctor() -> int:
    import torch

    from genai_demo.engine import describe_device, pick_device, pick_dtype
    from genai_demo.engine.batching import batch_cap
    from genai_demo.engine.budget import shared_budget

    config = settings()
    print(f"python        {platform.python_version()} on {platform.platform()}")
    for package in ("torch", "transformers", "diffusers", "sentence-transformers", "streamlit", "peft"):
        print(f"{package:<13} {_version(package)}")
    device = pick_device()
    print(f"device        {describe_device()} (GENAI_DEVICE={config.device})")
    text_dtype, image_dtype = (str(pick_dtype(device, work)).replace("torch.", "") for work in ("generation", "images"))
    print(f"dtype         text {text_dtype}, images {image_dtype} (GENAI_DTYPE={config.dtype}; a fixed rule for "
          "this machine, never a timing)")
    print(f"text engine   up to {batch_cap(device)} rows per decoding step, shared by every session (GENAI_MAX_BATCH)")
    print(f"cuda          {torch.cuda.is_available()}   threads: {torch.get_num_threads()}")
    print(f"offline       {config.offline}   public mode: {config.public}")
    for kind, model_id in configured_models().items():
        print(f"model {kind:<7} {model_id}: {model_status(model_id)}; {_in_memory(kind, model_id)}")
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
    parser = argparse.ArgumentParser(prog="python -m genai_demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser("prefetch", help="download every configured model for offline use")
    fetch.add_argument("kinds", nargs="*", metavar="KIND", help=f"any of {', '.join(KINDS)} (default: all)")
    commands.add_parser("doctor", help="print device, versions, model availability and free memory")
    args = parser.parse_args(argv)
    if args.command == "prefetch":
        unknown = sorted(set(args.kinds) - set(KINDS))
        if unknown:
            parser.error(f"unknown model kind {', '.join(unknown)}; choose from {', '.join(KINDS)}")
        return prefetch(args.kinds or list(KINDS))
    return doctor()
