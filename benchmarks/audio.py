"""Do the sound pages' paths cost speed next to a raw model call, and how fast are the voices in real time?

    python benchmarks/audio.py --quick        # the tiny test models
    python benchmarks/audio.py                # MMS-TTS English's and musicgen-small's architectures, random weights
    python benchmarks/audio.py --music-seconds 2 --repeats 3
    python benchmarks/audio.py --threads 1    # a machine shared with other work (see the README)

Both paths make the same sound (same model, text, knobs, seed); runs alternate so both see the same
machine load. Printed per model: seconds per call for each path, app ÷ raw calls/s (goal ≥ 0.9), the
real-time factor (seconds of sound per second of computing; above 1 is faster than real time), and
the memory the model takes (parameters, and how much the process grew when it was loaded).
No download: the full-size models are built from their architectures with random weights.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402
import torch  # noqa: E402

from genai_demo.engine import kinds
from genai_demo.engine.device import pick_device
from genai_demo.engine.loader import load_model
from genai_demo.sound import music, speech
from tests import tiny_models  # noqa: E402

SENTENCE = "Generative models learn patterns from examples and then make something new."
PROMPT = "calm piano over soft rain"


def resident_gb() -> float:
    return psutil.Process().memory_info().rss / 1e9


def print_memory(name: str, model: torch.nn.Module, before_gb: float) -> None:
    """Parameters, their bytes, and how much the process grew from before loading to after the runs.

    Weights are read from a memory-mapped file, so the growth shows only once the model has run.
    """
    count = sum(p.numel() for p in model.parameters())
    size = sum(p.numel() * p.element_size() for p in model.parameters())
    print(f"  {name}: {count / 1e6:.1f} M parameters, weights {size / 1e9:.2f} GB; "
          f"process grew {resident_gb() - before_gb:.2f} GB from loading to the end of the runs")


def compare(name: str, raw: Callable[[], float], app: Callable[[], float], repeats: int) -> None:
    """Each callable makes the sound and returns its length in seconds; both are timed alternately."""
    timings: dict[str, list[float]] = {"raw": [], "app": []}
    calls = {"raw": raw, "app": app}
    audio_s = 0.0
    for call in calls.values():  # warm-up
        call()
    for _ in range(repeats):
        for path, call in calls.items():
            start = time.perf_counter()
            audio_s = call()
            timings[path].append(time.perf_counter() - start)
    raw_s, app_s = statistics.median(timings["raw"]), statistics.median(timings["app"])
    print(f"  {name}: {audio_s:.2f} s of sound, {repeats} runs each (median)", flush=True)
    print(f"    raw model call   : {raw_s:8.3f} s  (real-time factor {audio_s / raw_s:6.2f})")
    print(f"    app path         : {app_s:8.3f} s  (real-time factor {audio_s / app_s:6.2f})")
    print(f"    app ÷ raw calls/s: {raw_s / app_s:8.3f}  (goal ≥ 0.9)")


def bench_speech(folder: Path, repeats: int) -> None:
    gc.collect()
    before = resident_gb()
    bundle = load_model(kinds.TTS, str(folder))
    request = speech.SpeechSettings(SENTENCE, seed=0)

    def raw() -> float:
        """What the model card does: tokenize, call the model."""
        inputs = bundle.tokenizer(SENTENCE, return_tensors="pt").to(bundle.device)
        torch.manual_seed(0)
        with torch.inference_mode():
            waveform = bundle.model(**inputs).waveform
        return waveform.shape[-1] / bundle.sample_rate

    def app() -> float:
        return speech.speak(bundle, request).audio_s

    compare("text to speech", raw, app, repeats)
    print_memory("voice", bundle.model, before)


def bench_music(folder: Path, seconds: float, repeats: int) -> None:
    gc.collect()
    before = resident_gb()
    bundle = load_model(kinds.MUSIC, str(folder))
    request = music.MusicSettings(PROMPT, seconds=seconds, seed=0)
    frames = music.frames_for(bundle, seconds)

    def raw() -> float:
        """What the model card does: processor, generate(); no token grid, no line."""
        inputs = bundle.processor(text=[PROMPT], padding=True, return_tensors="pt").to(bundle.device)
        torch.manual_seed(0)
        with torch.inference_mode():
            audio = bundle.model.generate(**inputs, do_sample=True, guidance_scale=request.guidance_scale,
                                          top_k=request.top_k, max_new_tokens=frames + bundle.codebooks - 1)
        return audio.shape[-1] / bundle.sample_rate

    def app() -> float:
        return music.compose(bundle, request, on_step=lambda grid: None).audio_s

    compare(f"text to music (guidance {request.guidance_scale:g})", raw, app, repeats)
    print_memory("music model", bundle.model, before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the tiny test models")
    parser.add_argument("--music-seconds", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--only", choices=("speech", "music"), help="run one model only")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's choice); 1 avoids thread thrash on a busy machine")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    repeats = args.repeats or (2 if not args.quick else 3)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {pick_device()}")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if args.only != "music":
            print("MMS-TTS English architecture (VITS), random weights:" if not args.quick else "tiny VITS:",
                  flush=True)
            voice = tiny_models.write_tiny_vits if args.quick else tiny_models.write_full_size_vits
            bench_speech(voice(root / "vits"), repeats)
            gc.collect()
        if args.only != "speech":
            print("musicgen-small architecture (T5-base + 24-layer decoder + 32 kHz EnCodec), random weights:"
                  if not args.quick else "tiny MusicGen:", flush=True)
            bench_music(tiny_models.write_musicgen(root / "musicgen", full_size=not args.quick), args.music_seconds,
                        repeats)


if __name__ == "__main__":
    main()
