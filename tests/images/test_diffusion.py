"""genai_demo.images.diffusion on a tiny random Stable Diffusion pipeline, loaded the way the app loads it."""

from __future__ import annotations

import dataclasses
import io
import threading
from pathlib import Path

import numpy as np
import pytest

from genai_demo.engine import kinds
from genai_demo.engine.errors import ModelUnavailable
from genai_demo.engine.loader import load_model
from genai_demo.images import diffusion
from genai_demo.images.diffusion import ImageSettings

SIDE = 64


@pytest.fixture(scope="module")
def bundle(tiny_sd_dir: Path):
    from genai_demo.config import settings

    settings.cache_clear()
    return load_model(kinds.IMAGE, str(tiny_sd_dir))


@pytest.fixture(scope="module")
def profile(bundle):
    return diffusion.model_profile(bundle)


def request(profile, **changes) -> ImageSettings:
    base = ImageSettings("a lighthouse at dawn", steps=2, guidance_scale=5.0, seed=3, width=SIDE, height=SIDE)
    return diffusion.check_settings(dataclasses.replace(base, **changes), profile)


def pixels(image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def test_same_seed_and_settings_give_identical_pixels(bundle, profile):
    first = diffusion.generate_image(bundle, request(profile))
    second = diffusion.generate_image(bundle, request(profile))
    assert first.image.size == (SIDE, SIDE)
    assert np.array_equal(pixels(first.image), pixels(second.image))


def test_different_seeds_give_different_pictures(bundle, profile):
    first = diffusion.generate_image(bundle, request(profile, seed=1))
    second = diffusion.generate_image(bundle, request(profile, seed=2))
    assert not np.array_equal(pixels(first.image), pixels(second.image))


@pytest.mark.parametrize("scheduler", list(diffusion.SCHEDULERS))
def test_one_preview_arrives_per_step_for_every_scheduler(bundle, profile, scheduler):
    seen = []
    result = diffusion.generate_image(bundle, request(profile, steps=3, scheduler=scheduler), on_step=seen.append)
    assert [p.step for p in seen] == [1, 2, 3]
    assert all(p.total == 3 for p in seen)
    latent_side = SIDE // bundle.pipeline.vae_scale_factor
    assert seen[0].image.size == (latent_side, latent_side)
    assert result.previews == seen
    # Each preview is a new estimate, not the same picture repeated.
    assert not np.array_equal(pixels(seen[0].image), pixels(seen[-1].image))


def test_last_preview_is_the_final_latents_seen_through_the_rgb_map(bundle, profile):
    """Euler's last step lands exactly on its final estimate, so the last preview must show the final latents."""
    settings = request(profile, steps=3, guidance_scale=1.0, scheduler="Euler")
    result = diffusion.generate_image(bundle, settings)
    pipe = bundle.pipeline
    embedding = diffusion.encode_prompt(bundle, settings.prompt, with_negative=False)
    import torch

    with torch.inference_mode():
        final_latents = pipe(prompt_embeds=embedding.prompt, latents=diffusion.initial_noise(bundle, 3, SIDE, SIDE),
                             num_inference_steps=3, guidance_scale=1.0, width=SIDE, height=SIDE,
                             output_type="latent").images
    expected = diffusion.latents_to_preview(final_latents)
    difference = np.abs(pixels(result.previews[-1].image) - pixels(expected))
    assert difference.max() <= 4 and difference.mean() < 0.5  # bfloat16 rounding at most
    # ... while the starting noise looks different through the same map.
    noise_preview = diffusion.latents_to_preview(diffusion.initial_noise(bundle, 3, SIDE, SIDE))
    assert np.abs(pixels(noise_preview) - pixels(expected)).mean() > 5


def test_latent_rgb_map_uses_the_published_factors():
    import torch

    # The widely used SD 1.x latent-to-RGB factors (e.g. ComfyUI's SD15 latent format), per channel.
    published = {0: (0.3512, 0.2297, 0.3227), 3: (-0.2120, -0.2616, -0.7177)}
    for channel, factors in published.items():
        latents = torch.zeros(1, 4, 2, 2)
        latents[0, channel] = 1.0  # only this latent channel is on
        rgb = pixels(diffusion.latents_to_preview(latents))[0, 0]
        assert rgb.tolist() == [round((factor + 1) / 2 * 255) for factor in factors]


def test_png_settings_round_trip(bundle, profile):
    settings = request(profile, negative_prompt="blurry, grey", scheduler="DDIM")
    result = diffusion.generate_image(bundle, settings)
    data = diffusion.png_bytes(result)
    stored = diffusion.read_png_settings(data)
    assert stored["model"] == Path(bundle.model_id).name  # a local folder by its name, not its path
    assert str(Path(bundle.model_id).parent).encode() not in data
    assert diffusion.settings_from_metadata(stored) == settings
    from PIL import Image

    with Image.open(io.BytesIO(data)) as reopened:
        assert np.array_equal(pixels(reopened), pixels(result.image))
        assert "Seed: 3" in reopened.text["parameters"]


def test_clip_has_the_requested_frames_and_starts_and_ends_on_the_two_seeds(bundle, profile):
    base = request(profile, seed=11)
    frames = diffusion.interpolation_clip(bundle, base, frames=4, seed_b=12)
    assert len(frames) == 4
    start = diffusion.generate_image(bundle, base).image
    end = diffusion.generate_image(bundle, request(profile, seed=12)).image
    assert np.array_equal(pixels(frames[0]), pixels(start))
    assert np.array_equal(pixels(frames[-1]), pixels(end))
    from PIL import Image

    with Image.open(io.BytesIO(diffusion.gif_bytes(frames))) as gif:
        assert gif.n_frames == 4
        assert gif.info["loop"] == 0


def test_prompt_clip_walks_between_two_prompts(bundle, profile):
    base = request(profile)
    frames = diffusion.interpolation_clip(bundle, base, frames=3, prompt_b="a red bicycle in the rain")
    assert len(frames) == 3
    end = diffusion.generate_image(bundle, request(profile, prompt="a red bicycle in the rain")).image
    assert np.array_equal(pixels(frames[-1]), pixels(end))
    assert not np.array_equal(pixels(frames[0]), pixels(frames[-1]))


def test_clip_refuses_too_many_frames_or_identical_ends(bundle, profile):
    from genai_demo.config import settings

    too_many = settings().limits.max_clip_frames + 1
    with pytest.raises(ValueError, match="too many"):
        diffusion.interpolation_clip(bundle, request(profile), frames=too_many, seed_b=9)
    with pytest.raises(ValueError, match="same"):
        diffusion.interpolation_clip(bundle, request(profile, seed=4), frames=3, seed_b=4)


def test_grid_row_varies_one_knob_and_each_cell_is_reproducible(bundle, profile):
    base = request(profile)
    seeds = diffusion.grid_values("seed", base, 3, profile)
    assert seeds == [3, 4, 5]
    row = diffusion.comparison_grid(bundle, base, "seed", seeds)
    assert [cell.settings.seed for cell in row] == seeds
    assert {cell.settings.steps for cell in row} == {base.steps}
    alone = diffusion.generate_image(bundle, request(profile, seed=4))
    assert np.array_equal(pixels(row[1].image), pixels(alone.image))
    steps = diffusion.grid_values("steps", base, 3, profile)
    assert len(set(steps)) == len(steps) and all(1 <= s <= profile.max_steps for s in steps)


def test_two_threads_with_different_step_counts_match_their_single_thread_results(bundle, profile):
    short, long = request(profile, steps=2, seed=21), request(profile, steps=5, seed=22, scheduler="DPM++ 2M")
    alone = {s.steps: pixels(diffusion.generate_image(bundle, s).image) for s in (short, long)}
    together: dict[int, np.ndarray] = {}
    previews: dict[int, int] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def draw(settings: ImageSettings) -> None:
        try:
            barrier.wait()
            result = diffusion.generate_image(bundle, settings)
            together[settings.steps] = pixels(result.image)
            previews[settings.steps] = len(result.previews)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=draw, args=(s,)) for s in (short, long)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    assert previews == {2: 2, 5: 5}
    for steps in (2, 5):
        assert np.array_equal(together[steps], alone[steps])
    # The shared pipeline's own scheduler was never touched.
    assert type(bundle.pipeline.scheduler).__name__ == "EulerDiscreteScheduler"


def test_a_second_learner_waits_their_turn_and_is_told_their_place(bundle, profile):
    settings = request(profile, seed=31)
    alone = pixels(diffusion.generate_image(bundle, settings).image)
    heard: list[tuple[int, float]] = []
    told_to_wait = threading.Event()
    drawn: list[np.ndarray] = []

    def on_wait(ahead: int, seconds: float) -> None:
        heard.append((ahead, seconds))
        if ahead:
            told_to_wait.set()

    second = threading.Thread(target=lambda: drawn.append(
        pixels(diffusion.generate_image(bundle, settings, on_wait=on_wait).image)))
    with bundle.queue.turn():  # the first learner's picture is being drawn
        second.start()
        assert told_to_wait.wait(timeout=60)
        assert not drawn  # nothing was drawn while the first learner's turn lasted
    second.join(timeout=300)
    assert heard[0][0] == 1 and heard[-1] == (0, 0.0)  # one picture ahead, then "your turn"
    assert np.array_equal(drawn[0], alone)


def test_long_prompt_is_cut_to_the_77_token_clip_window(bundle):
    window = diffusion.prompt_window(bundle, "tulip " * 1700)  # ~10,000 characters
    assert window.was_cut
    assert len(window.kept) == 77
    assert window.kept[0].token_id == 49406 and window.kept[-1].token_id == 49407
    assert window.dropped_text.startswith("tulip")
    short = diffusion.prompt_window(bundle, "a photo of a cat")
    assert not short.was_cut
    assert [p.token_id for p in short.kept] == [49406, 320, 1125, 539, 320, 2368, 49407]


@pytest.mark.parametrize(("changes", "message"), [
    ({"prompt": "   "}, "prompt is empty"),
    ({"steps": 0}, "at least 1 step"),
    ({"steps": 10_000}, "too many"),
    ({"width": 100}, "not a multiple of 8"),
    ({"height": 4096}, "too large"),
    ({"width": 16}, "too small"),
    ({"guidance_scale": -1.0}, "outside"),
    ({"seed": -5}, "seed"),
    ({"scheduler": "Magic"}, "Unknown scheduler"),
])
def test_bad_settings_get_a_plain_message(profile, changes, message):
    with pytest.raises(ValueError, match=message):
        request(profile, **changes)


def test_a_turbo_model_ignores_guidance_and_allows_four_steps(bundle):
    turbo = dataclasses.replace(bundle, model_id="stabilityai/sd-turbo")
    profile = diffusion.model_profile(turbo)
    assert profile.few_step and profile.max_steps == 4 and profile.default_steps == 1
    checked = diffusion.check_settings(ImageSettings("a fox", steps=2, guidance_scale=7.5, width=SIDE, height=SIDE),
                                    profile)
    assert checked.guidance_scale == 0.0 and not checked.uses_guidance
    with pytest.raises(ValueError, match="1 to 4"):
        diffusion.check_settings(ImageSettings("a fox", steps=8, width=SIDE, height=SIDE), profile)
    result = diffusion.generate_image(turbo, checked)
    assert len(result.previews) == 2


def test_out_of_memory_becomes_a_plain_error_that_suggests_a_smaller_size():
    import torch

    for error in (torch.OutOfMemoryError("CUDA out of memory"), MemoryError(),
                  RuntimeError("DefaultCPUAllocator: not enough memory: you tried to allocate; out of memory")):
        with pytest.raises(diffusion.NotEnoughMemory, match="smaller size"):
            with diffusion._explain_out_of_memory(512, 512):
                raise error
    with pytest.raises(RuntimeError, match="shape mismatch"):
        with diffusion._explain_out_of_memory(512, 512):
            raise RuntimeError("shape mismatch")


def test_public_mode_needs_the_safety_checker(monkeypatch, tiny_sd_dir, tmp_path):
    from genai_demo.config import settings

    monkeypatch.setenv("GENAI_PUBLIC", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    settings.cache_clear()
    try:
        assert diffusion.extra_models_to_prefetch() == {"safety checker": diffusion.SAFETY_CHECKER_MODEL}
        with pytest.raises(ModelUnavailable) as caught:
            load_model(kinds.IMAGE, str(tiny_sd_dir))
        assert "python -m genai_demo prefetch" in caught.value.fix
    finally:
        monkeypatch.delenv("GENAI_PUBLIC")
        settings.cache_clear()
