"""AppTest for the VAE lab, run through app.py's navigation: training, decoding, links, and the Stable
Diffusion VAE round trip."""

from __future__ import annotations

from tests.conftest import run_page
from tests.helpers import kept_keys, train_until_paused, widget_keys


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_vae_lab_trains_decodes_and_rebuilds(app_env):
    at = run_page("vae_lab.py")
    assert not at.exception
    assert any("untrained" in i.value for i in at.info)
    start = float(metric(at, "Reconstruction loss"))

    at.number_input(key="vae_lab_steps").set_value(80)
    at.button(key="vae_lab_train").click().run()
    train_until_paused(at, "vae_lab")
    assert not at.exception
    assert metric(at, "Training step") == "80"
    assert float(metric(at, "Reconstruction loss")) < start * 0.8

    at.slider(key="vae_lab_z1").set_value(1.5).run()
    assert any("decoded from (1.50, 0.00)" in str(image.proto) for image in at.get("image"))
    at.selectbox(key="vae_lab_to").select(7).run()
    assert not at.exception

    at.number_input(key="vae_lab_steps").set_value(0).run()
    assert at.number_input(key="vae_lab_steps").value == 1
    assert any("0 is outside 1 to" in c.value for c in at.caption)

    at.number_input(key="vae_lab_lr").set_value(0.0).run()
    assert any("above 0" in w.value for w in at.warning) and not at.exception


def test_vae_lab_link_reproduces_the_walk_and_bad_values_get_a_notice(app_env):
    at = run_page("vae_lab.py", link={"vae_lab_z1": "1.5", "vae_lab_from": "3", "vae_lab_to": "8"})
    assert not at.exception
    assert any("decoded from (1.50, 0.00)" in str(image.proto) for image in at.get("image"))
    assert (at.selectbox(key="vae_lab_from").value, at.selectbox(key="vae_lab_to").value) == (3, 8)
    bad = run_page("vae_lab.py", link={"vae_lab_z2": "1e9", "vae_lab_to": "eleven"})
    assert not bad.exception
    assert bad.slider(key="vae_lab_z2").value == 3.0 and bad.selectbox(key="vae_lab_to").value == 1
    assert len(bad.toast) == 2


def test_vae_lab_loads_and_uses_the_stable_diffusion_vae_on_request(app_env):
    at = run_page("vae_lab.py")
    assert any("not loaded yet" in i.value for i in at.info)
    at.button(key="vae_lab_load_sd").click().run()
    at.selectbox(key="vae_lab_side").select(128)
    at.button(key="vae_lab_round_trip").click().run()
    assert not at.exception
    result = at.session_state["vae_lab_state"].round_trip
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
        assert at.session_state["vae_lab_state"].round_trip.original.size == (128, 128)  # the test picture


def test_vae_lab_keeps_its_live_lab_apart_from_its_page_state(app_env):
    """The live trainer's LiveLab is vae_lab_lab, beside (never in) the page's own VaeLabState, vae_lab_state."""
    at = run_page("vae_lab.py")
    widgets = widget_keys(at)
    at.number_input(key="vae_lab_steps").set_value(3)
    at.button(key="vae_lab_train").click().run()
    train_until_paused(at, "vae_lab")
    if any(button.key == "vae_lab_load_sd" for button in at.button):  # not loaded yet by an earlier test
        at.button(key="vae_lab_load_sd").click().run()
    at.selectbox(key="vae_lab_side").select(128)
    at.button(key="vae_lab_round_trip").click().run()
    widgets |= widget_keys(at)
    assert not at.exception
    assert kept_keys(at, "vae_lab", widgets) == {"vae_lab_lab", "vae_lab_state"}
    assert at.session_state["vae_lab_lab"].trainer.step == 3
    assert at.session_state["vae_lab_state"].round_trip is not None
