"""AppTest for the GAN lab, the VAE lab and the model families overview, run through app.py's navigation."""

from __future__ import annotations

import pytest

from tests.conftest import run_page


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_gan_lab_trains_steps_and_explains_each_update(app_env):
    at = run_page("gan_lab.py")
    assert not at.exception
    assert metric(at, "Training step") == "0"
    start = float(metric(at, "Distance to target"))

    at.number_input(key="gan_lab_steps").set_value(60)
    at.button(key="gan_lab_train").click().run()
    assert not at.exception
    assert metric(at, "Training step") == "60"
    assert float(metric(at, "Distance to target")) < start
    assert len(at.session_state["gan_lab_trainer"].history) == 60

    at.toggle(key="gan_lab_steps_mode").set_value(True).run()
    at.button(key="gan_lab_d_step").click().run()
    assert any("The **discriminator** looked at" in m.value for m in at.markdown)
    assert at.button(key="gan_lab_d_step").disabled and not at.button(key="gan_lab_g_step").disabled
    at.button(key="gan_lab_g_step").click().run()
    assert any("The **generator** moved" in m.value for m in at.markdown)
    assert metric(at, "Training step") == "61"

    at.button(key="gan_lab_reset").click().run()
    assert metric(at, "Training step") == "0"


def test_gan_lab_mode_collapse_preset_switches_to_the_blobs(app_env):
    at = run_page("gan_lab.py")
    at.selectbox(key="gan_lab_preset").select("mode collapse").run()
    assert not at.exception
    assert at.selectbox(key="gan_lab_target_mode collapse").value == "blobs"
    assert at.session_state["gan_lab_trainer"].config.noise_dim == 1


def test_gan_lab_bad_inputs_show_messages(app_env):
    at = run_page("gan_lab.py")
    at.number_input(key="gan_lab_glr_healthy").set_value(0.0).run()
    assert any("above 0" in w.value for w in at.warning) and not at.exception

    at.number_input(key="gan_lab_glr_healthy").set_value(5.0).run()
    assert any("too large" in w.value for w in at.warning)

    at.number_input(key="gan_lab_glr_healthy").set_value(1.0).run()  # allowed, but it blows up
    assert any("large" in i.value for i in at.info)
    at.number_input(key="gan_lab_steps").set_value(50)
    at.button(key="gan_lab_train").click().run()
    assert not at.exception
    assert any("learning rate is too large" in e.value for e in at.error)
    assert not any("nan" in m.value.lower() for m in at.metric)

    at.number_input(key="gan_lab_glr_healthy").set_value(0.002).run()
    at.number_input(key="gan_lab_steps").set_value(0)
    at.button(key="gan_lab_train").click().run()
    assert any("at least 1 step" in w.value for w in at.warning)
    assert metric(at, "Training step") == "0"


def test_vae_lab_trains_decodes_and_rebuilds(app_env):
    at = run_page("vae_lab.py")
    assert not at.exception
    assert any("untrained" in i.value for i in at.info)
    start = float(metric(at, "Reconstruction loss"))

    at.number_input(key="vae_lab_steps").set_value(80)
    at.button(key="vae_lab_train").click().run()
    assert not at.exception
    assert metric(at, "Training step") == "80"
    assert float(metric(at, "Reconstruction loss")) < start * 0.8

    at.slider(key="vae_lab_z1").set_value(1.5).run()
    assert any("decoded from (1.50, 0.00)" in str(image.proto) for image in at.get("image"))
    at.selectbox(key="vae_lab_to").select(7).run()
    assert not at.exception

    at.number_input(key="vae_lab_steps").set_value(0)
    at.button(key="vae_lab_train").click().run()
    assert any("at least 1 step" in w.value for w in at.warning)

    at.number_input(key="vae_lab_lr").set_value(0.0).run()
    assert any("above 0" in w.value for w in at.warning) and not at.exception


def test_vae_lab_loads_and_uses_the_stable_diffusion_vae_on_request(app_env):
    at = run_page("vae_lab.py")
    assert any("not loaded yet" in i.value for i in at.info)
    at.button(key="vae_lab_load_sd").click().run()
    at.selectbox(key="vae_lab_side").select(128)
    at.button(key="vae_lab_round_trip").click().run()
    assert not at.exception
    result = at.session_state["vae_lab_sd_result"]
    assert result.decoded.size == result.original.size == (128, 128)
    channels, height, width = result.latent_shape
    assert metric(at, "Latent shape") == f"{channels} × {height} × {width}" and channels == 4


def test_vae_lab_falls_back_to_the_test_picture_for_files_it_cannot_open(app_env):
    import io

    from PIL import Image

    bomb = io.BytesIO()
    Image.new("1", (14_000, 14_000)).save(bomb, "PNG")  # 24 kB on disk, 196 million pixels when opened
    at = run_page("vae_lab.py")
    if any(button.key == "vae_lab_load_sd" for button in at.button):  # not loaded yet by an earlier test
        at.button(key="vae_lab_load_sd").click().run()
    at.selectbox(key="vae_lab_side").select(128)
    for upload, message in [(("bomb.png", bomb.getvalue(), "image/png"), "too many pixels"),
                            (("notes.png", b"not a picture", "image/png"), "not a picture")]:
        at.file_uploader(key="vae_lab_upload").set_value(upload)
        at.button(key="vae_lab_round_trip").click().run()
        assert not at.exception
        assert any(message in w.value for w in at.warning)
        assert at.session_state["vae_lab_sd_result"].original.size == (128, 128)  # the test picture


@pytest.mark.parametrize("family_page", ["text_generation", "gan_lab", "vae_lab", "image_generation"])
def test_model_families_links_each_family_to_its_live_page(app_env, family_page):
    at = run_page("model_families.py")
    assert not at.exception
    links = " ".join(str(link.proto) for link in at.get("page_link"))
    assert f'page: "{family_page}"' in links
    assert [s.value.split(" ", 1)[1] for s in at.subheader] == ["LLMs", "GANs", "VAEs", "Diffusion"]
