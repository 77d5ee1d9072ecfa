"""The tokenizer page, run for real with AppTest on the real GPT-2, MiniLM and CLIP tokenizers, and on a GPU
machine (the device faked to CUDA) that asks for the GPU image model's tokenizer."""

from __future__ import annotations

import shutil

import pytest

from genai_demo.config import DEFAULT_IMAGE_MODEL_CPU, DEFAULT_IMAGE_MODEL_GPU, settings
from genai_demo.text import tokens
from genai_demo.text.tokenizer_source import NOT_LOADED, REFUSED
from genai_demo.ui.tokens import MARK_CLASS
from tests.conftest import reset_app_state, run_page


def _html(at) -> str:
    return "\n".join(element.proto.body for element in at.html)


def _metric(at, label: str) -> list[str]:
    return [m.value for m in at.metric if m.label == label]


@pytest.fixture
def page(app_env):
    at = run_page("tokenizer.py")
    assert not at.exception
    return at


def test_typing_text_updates_pieces_and_counts(page, gpt2_tokenizer):
    at = page.text_area(key="tokenizer_text").set_value("Hello world").run()
    assert not at.exception
    assert _metric(at, "Characters") == ["11"]
    assert _metric(at, "Words") == ["2"]
    assert _metric(at, "Tokens")[0] == "2"
    assert _metric(at, "Tokens / word") == ["1.00"]
    assert _metric(at, "Context used") == [f"{2 / 1024:.1%}"]
    first_chips = at.html[0].proto.body
    assert ">15496<" in first_chips and ">995<" in first_chips

    at = at.text_area(key="tokenizer_text").set_value("🤖").run()
    assert _metric(at, "Tokens")[0] == "3"
    chips = at.html[0].proto.body
    assert "&lt;F0 9F&gt;" in chips and "\ufffd" not in chips
    assert all(f">{i}<" in chips for i in gpt2_tokenizer("🤖")["input_ids"])

    at = at.selectbox(key="tokenizer_example").set_value("Spam email").run()
    assert at.text_area(key="tokenizer_text").value == tokens.example_texts()["Spam email"]
    assert "discount" in at.html[0].proto.body


def test_comparison_shows_each_tokenizers_count(page, gpt2_tokenizer, minilm_dir, clip_tokenizer_dir):
    from transformers import AutoTokenizer

    text = "Tokenization is unbelievably fun!"
    at = page.text_area(key="tokenizer_text").set_value(text).run()
    expected = [
        len(gpt2_tokenizer(text)["input_ids"]),
        len(AutoTokenizer.from_pretrained(str(minilm_dir))(text, add_special_tokens=False)["input_ids"]),
        len(AutoTokenizer.from_pretrained(str(clip_tokenizer_dir))(text, add_special_tokens=False)["input_ids"]),
    ]
    # The first "Tokens" metric is the main counts row; then one per comparison column.
    assert _metric(at, "Tokens")[1:] == [str(n) for n in expected]
    assert len(set(expected)) > 1  # the point of the comparison: they differ
    assert MARK_CLASS in _html(at)  # differing cuts are marked
    assert at.get("vega_lite_chart")


def test_empty_text_shows_a_friendly_hint(page):
    at = page.text_area(key="tokenizer_text").set_value("").run()
    assert not at.exception
    assert any("Type or paste some text" in info.value for info in at.info)
    assert _metric(at, "Characters") == []


def test_huge_text_is_capped_with_a_notice(page):
    limit = settings().limits.max_tokenizer_chars
    huge = "The quick brown fox jumps over the lazy dog. " * 2300  # > 100,000 characters
    assert len(huge) > 100_000
    at = page.text_area(key="tokenizer_text").input(huge).run()  # a paste: kept, cut, and said so
    assert not at.exception
    assert at.text_area(key="tokenizer_text").value == huge[:limit]
    assert any(f"the first {limit:,} are kept" in caption.value for caption in at.caption)
    assert _metric(at, "Characters") == [f"{limit:,}"]
    assert any("Showing the first" in caption.value for caption in at.caption)


def test_unknown_tokenizer_offline_shows_message_in_its_column(page):
    at = page.text_input(key="tokenizer_custom_id").set_value("no-such-org/no-such-tokenizer").run()
    assert not at.exception
    assert any("No tokenizer could be loaded" in warning.value for warning in at.warning)
    # The three app tokenizers still show their counts beside it.
    assert len(_metric(at, "Tokens")) == 1 + 3


def test_lookup_and_bpe_steps(page, gpt2_tokenizer):
    at = page.number_input(key="tokenizer_lookup_id").set_value(15496).run()
    at = at.text_input(key="tokenizer_lookup_piece").set_value(" world").run()
    lookup_html = _html(at)
    assert ">Hello<" in lookup_html and ">995<" in lookup_html and "&lt;|endoftext|&gt;" in lookup_html

    at = at.text_input(key="tokenizer_bpe_word").set_value("discount").run()
    slider = at.slider(key="tokenizer_bpe_step")
    final = gpt2_tokenizer.convert_ids_to_tokens(gpt2_tokenizer("discount")["input_ids"])
    at = slider.set_value(1).run()
    assert MARK_CLASS in at.html[-1].proto.body  # the pair merged in this step is outlined
    at = at.slider(key="tokenizer_bpe_step").set_value(slider.max).run()
    assert any(" · ".join(f"`{raw}`" for raw in final) in caption.value for caption in at.caption)
    assert not at.exception


def test_switching_tokenizers_keeps_lookups_in_range(page, tiny_sd_dir, minilm_dir):
    from transformers import AutoTokenizer

    # A folder inside one of the app's model folders: the image pipeline's CLIP tokenizer.
    at = page.text_input(key="tokenizer_custom_id").set_value(str(tiny_sd_dir / "tokenizer")).run()
    assert len(_metric(at, "Tokens")) == 1 + 4  # the custom tokenizer gets its own column
    at = at.number_input(key="tokenizer_lookup_id").set_value(50256).run()
    at = at.selectbox(key="tokenizer_lookup_with").set_value("Sentence embedder").run()
    assert not at.exception
    vocabulary = len(AutoTokenizer.from_pretrained(str(minilm_dir)))
    assert at.number_input(key="tokenizer_lookup_id").value == vocabulary - 1
    at = at.selectbox(key="tokenizer_bpe_with").set_value("Your tokenizer").run()
    at = at.slider(key="tokenizer_bpe_step").set_value(at.slider(key="tokenizer_bpe_step").max).run()
    at = at.text_input(key="tokenizer_bpe_word").set_value("a").run()  # one letter: no merges, no slider
    assert not at.exception
    at = at.text_input(key="tokenizer_custom_id").set_value("").run()  # the chosen tokenizer goes away
    assert not at.exception
    assert len(_metric(at, "Tokens")) == 1 + 3


def test_every_tokenizer_missing_offline_shows_panels_not_tracebacks(missing_models_env):
    at = run_page("tokenizer.py")
    assert not at.exception
    titles = [error.value for error in at.error]
    assert len(titles) >= 3 and all("not downloaded yet" in title for title in titles)
    assert any("python -m genai_demo prefetch" in code.value for code in at.code)


def test_a_public_deployment_offers_no_box_for_arbitrary_tokenizers(app_env):
    app_env.setenv("GENAI_PUBLIC", "1")
    settings.cache_clear()
    at = run_page("tokenizer.py")
    assert not at.exception
    assert not [box for box in at.text_input if box.key == "tokenizer_custom_id"]
    assert any("limited to the app's own tokenizers" in c.value for c in at.caption)


def _refusals(at) -> list[str]:
    return [warning.value for warning in at.warning if "Type a Hub id" in warning.value
            or "No tokenizer could be loaded" in warning.value]


@pytest.mark.parametrize("typed", ["/etc", "/etc/passwd", "/no/such/folder", "genai_demo/data", "../../etc",
                                   "~root", "/tmp/../etc", "a\x00b", "x" * 500])
def test_the_box_never_opens_server_paths_and_its_refusals_say_nothing_about_them(page, typed):
    at = page.text_input(key="tokenizer_custom_id").set_value(typed).run()
    assert not at.exception
    refusals = _refusals(at)
    assert len(refusals) == 1
    assert refusals[0] in (REFUSED, NOT_LOADED)  # one fixed sentence, whatever exists on the server
    assert "/etc" not in refusals[0] and "exist" not in refusals[0]


def test_an_existing_and_a_missing_folder_outside_the_roots_read_the_same(page, tmp_path):
    at = page.text_input(key="tokenizer_custom_id").set_value(str(tmp_path)).run()
    existing = _refusals(at)
    at = at.text_input(key="tokenizer_custom_id").set_value(str(tmp_path / "missing")).run()
    assert existing == _refusals(at) == [REFUSED]


def test_a_link_out_of_a_model_folder_is_refused(page, tiny_gpt2_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    link = tiny_gpt2_dir / "link-out"
    if not link.exists():
        link.symlink_to(outside)
    at = page.text_input(key="tokenizer_custom_id").set_value(str(link)).run()
    assert _refusals(at) == [REFUSED]


def test_a_link_reproduces_the_text_and_the_views(app_env):
    at = run_page("tokenizer.py", link={"tokenizer_text": "Hello world", "tokenizer_show_raw": "true",
                                        "tokenizer_lookup_id": "15496", "tokenizer_bpe_word": "lower"})
    assert not at.exception
    assert at.text_area(key="tokenizer_text").value == "Hello world"
    assert _metric(at, "Tokens")[0] == "2"
    assert at.toggle(key="tokenizer_show_raw").value is True
    assert ">Hello<" in _html(at) and "Ġworld" in _html(at)
    assert at.text_input(key="tokenizer_bpe_word").value == "lower"


def test_bad_link_values_get_a_notice(app_env):
    at = run_page("tokenizer.py", link={"tokenizer_lookup_id": "-5", "tokenizer_example": "Nope"})
    assert not at.exception
    toasts = "\n".join(str(t.value) for t in at.toast)
    assert "so 0 is used" in toasts and "not one of the options" in toasts
    assert ">!<" in _html(at)  # token 0 is looked up, not -5


def test_a_tiny_llama_as_text_model(app_env, tiny_llama_dir):
    app_env.setenv("GENAI_TEXT_MODEL", str(tiny_llama_dir))
    settings.cache_clear()
    at = run_page("tokenizer.py")
    assert not at.exception
    assert _metric(at, "Context used")  # its window comes from the Llama config


# --- an offline workshop on a GPU machine (the device choice faked to CUDA) -----------------------


@pytest.fixture
def cache_with_the_gpu_image_tokenizer(app_env, tmp_path, tiny_sd_dir):
    """The Hub cache as `prefetch` leaves it on a GPU machine: the SD 1.5 pipeline (a tiny one standing in
    for it, with the real CLIP tokenizer), and no sd-turbo."""
    from huggingface_hub import constants

    repo = tmp_path / ("models--" + DEFAULT_IMAGE_MODEL_GPU.replace("/", "--"))
    shutil.copytree(tiny_sd_dir, repo / "snapshots" / "abc123")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    app_env.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    app_env.delenv("GENAI_IMAGE_MODEL")
    reset_app_state()


def test_tokenizer_page_on_a_gpu_reads_the_gpu_image_models_tokenizer(cache_with_the_gpu_image_tokenizer, gpu_machine):
    at = run_page("tokenizer.py")
    assert not at.exception
    assert not at.error  # every column found its tokenizer offline
    assert len([m for m in at.metric if m.label == "Tokens"]) == 1 + 3


def test_tokenizer_page_on_a_cpu_asks_for_the_cpu_image_model(cache_with_the_gpu_image_tokenizer):
    at = run_page("tokenizer.py")
    assert not at.exception
    reasons = " ".join(m.value for m in [*at.markdown, *at.caption])  # a narrow column shows the reason as a caption
    assert DEFAULT_IMAGE_MODEL_CPU in reasons  # the CPU default is not in this cache
