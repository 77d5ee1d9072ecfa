"""Peak memory of the whole app in its public profile: one session visits every page, under the budget.

    python benchmarks/memory.py                 # GENAI_PUBLIC=1, its default budget
    python benchmarks/memory.py --budget-gb 3   # another budget
    python benchmarks/memory.py --no-budget     # the baseline: every model kept, as before the budget

Full-size architectures with random weights (same bytes as the real models, no download): GPT-2 small
(`GPT2Config()`, 124 M), a Llama the size of SmolLM2-135M (with GPT-2's vocabulary), the real
all-MiniLM-L6-v2, and the public image default's shape (BK-SDM-Tiny: a 0.33 B UNet, SD 1.x's CLIP text
encoder and VAE) with the standard safety checker (CLIP ViT-L/14 vision tower), as public mode loads it.

Built in one process, measured in another: a process's peak memory (the kernel's high-water mark)
starts at its parent's size. A fresh process runs the app for real (Streamlit's AppTest, through
app.py's navigation) and visits every page in the menu, pressing the main button where a page has one
(text, walk-through, chat, image). The image model's half-size copy is written during the visit, as on a
fresh machine. After each page it prints the process's memory now, its peak so far (the kernel's own
high-water mark), the peak of what the kernel cannot drop (resident memory minus mapped file pages,
sampled every 10 ms: a weights file being read is page cache the kernel reclaims under pressure
instead of killing the process), what the budget counts, and which models are loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The public image default's shape (nota-ai/bk-sdm-tiny): SD 1.x's UNet without its mid-block and its
# innermost stage, one block per stage.
BK_SDM_TINY_UNET = dict(sample_size=64, in_channels=4, out_channels=4, layers_per_block=1,
                        block_out_channels=(320, 640, 1280), cross_attention_dim=768, attention_head_dim=8,
                        down_block_types=("CrossAttnDownBlock2D",) * 3, up_block_types=("CrossAttnUpBlock2D",) * 3,
                        mid_block_type=None)  # 323 M parameters
SMOLLM2_135M = dict(hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
                    num_key_value_heads=3, max_position_embeddings=8192, tie_word_embeddings=True,
                    rms_norm_eps=1e-5, rope_theta=100000.0)
# Pages and the button (or chat message) that makes each do its main work.
ACTIONS = {"text_generation.py": "text_generation_generate", "how_llms_work.py": "llm_generate",
           "image_generation.py": "image_generation_generate", "chat.py": "chat"}
IMAGE_STATE = {"image_generation_steps": 2}


def build_models(folder: Path) -> dict[str, str]:
    """Write every model folder; returns the GENAI_* variables that point the app at them."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
    from transformers import (
        CLIPConfig,
        CLIPImageProcessor,
        CLIPTextConfig,
        CLIPTextModel,
        CLIPTokenizer,
        LlamaConfig,
        LlamaForCausalLM,
    )

    from benchmarks.images import SD15_TEXT
    from tests import tiny_models

    torch.manual_seed(0)
    text = tiny_models.write_full_size_gpt2(folder / "gpt2")
    tokenizer = tiny_models.build_gpt2_tokenizer()
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tokenizer.chat_template = tiny_models.CHATML_TEMPLATE
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    chat = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), bos_token_id=end, eos_token_id=end, **SMOLLM2_135M))
    chat.save_pretrained(folder / "chat", safe_serialization=True)
    tokenizer.save_pretrained(folder / "chat")
    del chat

    clip_tokenizer = CLIPTokenizer.from_pretrained(tiny_models.write_clip_tokenizer(folder / "clip-tokenizer"))
    vae = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(128, 256, 512, 512),
                        layers_per_block=2, down_block_types=("DownEncoderBlock2D",) * 4,
                        up_block_types=("UpDecoderBlock2D",) * 4, sample_size=512)
    vision = dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24, num_attention_heads=16,
                  patch_size=14, image_size=224)
    checker = StableDiffusionSafetyChecker(CLIPConfig(vision_config=vision, projection_dim=768))
    pipeline = StableDiffusionPipeline(
        vae=vae, text_encoder=CLIPTextModel(CLIPTextConfig(**SD15_TEXT)), tokenizer=clip_tokenizer,
        unet=UNet2DConditionModel(**BK_SDM_TINY_UNET),
        scheduler=EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                         num_train_timesteps=1000, steps_offset=1),
        safety_checker=checker, feature_extractor=CLIPImageProcessor(), requires_safety_checker=True)
    pipeline.save_pretrained(folder / "image", safe_serialization=True)
    return {"GENAI_TEXT_MODEL": str(text), "GENAI_CHAT_MODEL": str(folder / "chat"),
            "GENAI_EMBED_MODEL": str(tiny_models.minilm_folder()), "GENAI_IMAGE_MODEL": str(folder / "image")}


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9  # Linux reports KiB


class AnonymousPeak:
    """The highest anonymous memory (resident minus mapped file pages: what the kernel cannot drop) this
    process held, sampled every 10 ms. The kernel keeps no high-water mark for it."""

    def __init__(self) -> None:
        import threading

        import psutil

        self._process = psutil.Process()
        self.peak = self._read()
        threading.Thread(target=self._watch, daemon=True).start()

    def _read(self) -> int:
        info = self._process.memory_info()
        return info.rss - info.shared  # Linux: shared = resident file pages (and shared memory)

    def _watch(self) -> None:
        while True:
            self.peak = max(self.peak, self._read())
            time.sleep(0.01)

    def gb(self) -> float:
        return self.peak / 1e9


def visit_every_page() -> None:
    """In the measured process: one learner's session goes through the whole menu."""
    import psutil
    from streamlit.testing.v1 import AppTest

    from genai_demo import catalogue
    from genai_demo.engine.budget import shared_budget

    process = psutil.Process()
    anonymous = AnonymousPeak()
    started = time.perf_counter()
    print(f"{'page':<26} {'now GB':>7} {'peak GB':>8} {'peak anon':>9} {'budget counts':>14}  loaded models",
          flush=True)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    for key, value in IMAGE_STATE.items():
        at.session_state[key] = value
    at.run()
    for page in catalogue.PAGES:
        at.switch_page(f"pages/{page.file}").run()
        action = ACTIONS.get(page.file)
        if action == "chat" and at.chat_input:
            at.chat_input(key="chat_input").set_value("What is the weather like today?").run()
        elif action and any(button.key == action for button in at.button):
            at.button(key=action).click().run()
        problems = [str(e.value)[:80] for e in at.exception] + [
            str(e.value)[:80] for e in at.error if e.proto.icon in (":material/cloud_off:", ":material/memory:")]
        budget = shared_budget()
        loaded = ", ".join(f"{m.name.split(' `')[0]} {m.size / 1e9:.2f}" for m in budget.loaded()) or "-"
        print(f"{page.file:<26} {process.memory_info().rss / 1e9:7.2f} {peak_gb():8.2f} {anonymous.gb():9.2f} "
              f"{budget.used() / 1e9:13.2f}   {loaded}" + (f"   PROBLEM: {problems}" if problems else ""), flush=True)
    budget = shared_budget()
    limit = f"{budget.limit / 1e9:.2f} GB" if budget.limit else "none"
    print(json.dumps({"peak_gb": round(peak_gb(), 2), "peak_anonymous_gb": round(anonymous.gb(), 2), "budget": limit,
                      "overhead_gb": round(budget.overhead / 1e9, 2),
                      "unloads": budget.unloads, "seconds": round(time.perf_counter() - started)}))


def measure(env: dict[str, str], budget_gb: float | None, hf_home: Path) -> dict:
    """Visit every page in a fresh process (its peak memory starts at this small process's size). A fresh
    `hf_home`: the image model's half-size copy is written during the visit, as on a fresh machine."""
    run_env = {**os.environ, **env, "GENAI_PUBLIC": "1", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
               "HF_HOME": str(hf_home)}
    run_env.pop("GENAI_MEMORY_BUDGET_GB", None)
    if budget_gb is not None:
        run_env["GENAI_MEMORY_BUDGET_GB"] = str(budget_gb)
    else:
        run_env["GENAI_MEMORY_BUDGET_GB"] = "1000"  # effectively none: nothing is ever unloaded
    child = subprocess.Popen([sys.executable, __file__, "--visit"], env=run_env, cwd=ROOT, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    last = ""  # the last line is the summary (JSON)
    for line in child.stdout:  # type: ignore[union-attr]  # stdout=PIPE: Popen.stdout is a stream, never None
        last = line.strip()
        if not last.startswith("{"):
            print(last, flush=True)
    child.wait()
    return json.loads(last)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget-gb", type=float, default=None, help="default: the public profile's budget")
    parser.add_argument("--no-budget", action="store_true", help="only the baseline run (every model kept)")
    parser.add_argument("--budget-only", action="store_true", help="skip the baseline run")
    parser.add_argument("--visit", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.visit:
        visit_every_page()
        return
    if args.build:
        print(json.dumps(build_models(args.build)))
        return
    from genai_demo.config import PUBLIC_MEMORY_BUDGET_GB

    budget_gb = args.budget_gb or PUBLIC_MEMORY_BUDGET_GB
    with tempfile.TemporaryDirectory() as tmp:
        print("building full-size random-weight models (in their own process) …", flush=True)
        built = subprocess.run([sys.executable, __file__, "--build", tmp], cwd=ROOT, text=True, check=True,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        env = json.loads(built.stdout.strip().splitlines()[-1])
        runs = {}
        if not args.budget_only:
            print("\nbaseline: no budget, every model stays loaded")
            runs["none"] = measure(env, None, Path(tmp) / "hf-home-none")
        if not args.no_budget:
            print(f"\nGENAI_MEMORY_BUDGET_GB={budget_gb:g}")
            runs["budget"] = measure(env, budget_gb, Path(tmp) / "hf-home-budget")
    print()
    for name, run in runs.items():
        print(f"{name:<7} peak {run['peak_gb']:.2f} GB resident, {run['peak_anonymous_gb']:.2f} GB that the kernel "
              f"cannot drop (budget {run['budget']}, app without models "
              f"{run['overhead_gb']:.2f} GB, {run['unloads']} unloads, {run['seconds']} s)")
    if "budget" in runs and "none" in runs:
        print(f"with budget / without: {runs['budget']['peak_gb'] / runs['none']['peak_gb']:.2f}x peak memory; "
              f"under {budget_gb:g} GB: resident {'yes' if runs['budget']['peak_gb'] <= budget_gb else 'NO'}, "
              f"what the kernel cannot drop {'yes' if runs['budget']['peak_anonymous_gb'] <= budget_gb else 'NO'}")


if __name__ == "__main__":
    main()
