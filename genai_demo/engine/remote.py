"""The client for a serving engine that writes text through OpenAI's API (vLLM, llama.cpp's server,
Text Generation Inference, `transformers serve`): the app stays a thin client that still teaches.

The served model's tokenizer is loaded here by the model's id, so the token ids and the chat template a
page shows are the ones the server reads. The weights stay on the server: views that need them
(probabilities, attention, fine-tuning) say so, or keep a local model.

Every failure of the server (down, slow, a refused key or request, a crash) becomes `ModelUnavailable`
with what to check; the API key is never part of a message.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genai_demo.config import TextServer
from genai_demo.engine.errors import ModelUnavailable
from genai_demo.engine.loader import config_window, load_tokenizer
from genai_demo.engine.threads import MODEL_BUILDING, tokenizer_lock
from genai_demo.engine.writer import SharedTokenizer, Written

if TYPE_CHECKING:
    from genai_demo.engine.sampling import SamplingSettings

# Knobs outside OpenAI's schema. vLLM and llama.cpp's server read them; a server that refuses them
# (`transformers serve`) is asked again without them, and the page says which knobs it ignores.
EXTRA_KNOBS = ("top_k", "repetition_penalty")
IGNORED_KNOBS_NOTICE = ("The text server does not take top-k or the repetition penalty: only temperature, "
                        "top-p and the seed reached it.")
MAX_SERVER_MESSAGE = 300


@dataclass
class RemoteTextModel(SharedTokenizer):
    """A model on a serving engine, with its tokenizer loaded here: a `TextWriter` without the weights."""

    model_id: str
    tokenizer: Any
    context_window: int
    server: TextServer
    end_ids: frozenset[int] = frozenset()
    lock: Any = field(default=None, repr=False)
    # Set once the server refuses the knobs outside OpenAI's schema; read by every session (a plain bool).
    extra_knobs_refused: bool = False
    client: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        import openai

        self.lock = self.lock or tokenizer_lock(self.tokenizer)
        # One client per model: it holds a pool of connections and is safe to share between threads.
        self.client = openai.OpenAI(base_url=self.server.base_url, api_key=self.server.api_key or "none",
                                    timeout=self.server.timeout_s, max_retries=0)

    @property
    def has_weights(self) -> bool:
        """The weights stay on the server: it sends text, not the model's probabilities."""
        return False

    def describe(self) -> str:
        """Where the model runs, for a caption."""
        return "on a serving engine (GENAI_TEXT_SERVER), in the server's number format"

    def generate(self, prompt_ids: Sequence[int], columns: Sequence["SamplingSettings"],
                 max_new_tokens: Sequence[int], prompt: str | None = None,
                 messages: list[dict[str, str]] | None = None, owner: str | None = None) -> Iterator[Written]:
        """Every column's text as the server streams it (see `stream_columns`): sent `messages`, else `prompt`,
        else the text of `prompt_ids`. The ids beside each text are that text in the served model's tokenizer."""
        if messages is None and prompt is None:
            prompt = self.decode(prompt_ids)
        extra_knobs = any(knobs.top_k > 1 or knobs.repetition_penalty != 1.0 for knobs in columns)
        for texts, finished in stream_columns(self, columns, max_new_tokens, prompt=prompt, messages=messages):
            notices = (IGNORED_KNOBS_NOTICE,) if extra_knobs and self.extra_knobs_refused else ()
            yield Written(texts, [self.encode(text) if text else [] for text in texts], finished, notices=notices)


def load_remote_text_model(server: TextServer) -> RemoteTextModel:
    """The served model as a bundle: its tokenizer (loaded here by id) and the client that reaches it.

    The server is not contacted here: a server that is down is reported when text is asked for."""
    local = Path(server.model).expanduser()
    tokenizer_id = str(local.resolve()) if local.exists() else server.model
    try:
        tokenizer = load_tokenizer(tokenizer_id, what="served model's tokenizer")
    except ModelUnavailable as error:
        raise ModelUnavailable(
            "The served model's tokenizer is not here",
            f"The app shows the tokens the server reads, so it needs the tokenizer of `{server.model}` "
            f"(GENAI_TEXT_SERVER_MODEL) on this machine. {error.reason}",
            f"Run `hf download {server.model} --include '*.json' '*.txt' '*.model' '*.jinja'` on a machine "
            "with internet (the tokenizer only, no weights), or set GENAI_TEXT_SERVER_MODEL to the "
            "model's Hub id or to a local folder holding its tokenizer.",
            server.model,
        ) from error
    eos = tokenizer.eos_token_id
    return RemoteTextModel(server.model, tokenizer, _window(tokenizer_id, tokenizer), server,
                           frozenset() if eos is None else frozenset({int(eos)}))


def _window(model_id: str, tokenizer: Any) -> int:
    try:
        with MODEL_BUILDING:  # transformers' lazy import is not thread-safe (threads.py)
            from transformers import AutoConfig

            window = config_window(AutoConfig.from_pretrained(model_id, local_files_only=True))
    except Exception:  # noqa: BLE001 - only the tokenizer is here: its own limit stands in
        window = None
    return window or int(min(tokenizer.model_max_length, 4096))


# --- requests -------------------------------------------------------------------------------------


def _knobs(knobs: "SamplingSettings", max_tokens: int, with_extras: bool) -> dict[str, Any]:
    request: dict[str, Any] = {"max_tokens": max_tokens, "temperature": 0.0 if knobs.greedy else knobs.temperature,
                               "top_p": knobs.top_p}
    if not knobs.greedy:
        # Sent only where it matters: some servers (`transformers serve`) seed one generator for every request.
        request["seed"] = knobs.seed
    extras: dict[str, float] = {}
    if knobs.top_k > 1:
        extras["top_k"] = knobs.top_k
    if knobs.repetition_penalty != 1.0:
        extras["repetition_penalty"] = knobs.repetition_penalty
    if with_extras and extras:
        request["extra_body"] = extras
    return request


def _refuses_extras(error: Exception) -> bool:
    import openai

    return (isinstance(error, openai.APIStatusError) and error.status_code in (400, 422)
            and any(name in _server_message(error) for name in EXTRA_KNOBS))


def _open_stream(lm: RemoteTextModel, knobs: "SamplingSettings", max_tokens: int,
                 prompt: str | None, messages: list[dict[str, str]] | None) -> Any:
    """The server's streamed answer, asked again without the extra knobs if it refuses them."""
    for with_extras in ((False,) if lm.extra_knobs_refused else (True, False)):
        request = _knobs(knobs, max_tokens, with_extras)
        try:
            if messages is not None:
                return lm.client.chat.completions.create(model=lm.server.model, messages=messages, stream=True,
                                                         **request)
            return lm.client.completions.create(model=lm.server.model, prompt=prompt, stream=True, **request)
        except Exception as error:  # noqa: BLE001 - every failure becomes one readable error
            if with_extras and _refuses_extras(error):
                lm.extra_knobs_refused = True
                continue
            raise server_unavailable(error, lm.server) from error
    raise AssertionError("unreachable")


def _piece(chunk: Any) -> tuple[str, bool]:
    """The text a streamed chunk adds, and whether its choice has finished."""
    if not chunk.choices:
        return "", False
    choice = chunk.choices[0]
    delta = getattr(choice, "delta", None)
    text = (delta.content if delta is not None else choice.text) or ""
    return text, choice.finish_reason is not None


def stream_columns(lm: RemoteTextModel, columns: Sequence["SamplingSettings"], max_new_tokens: Sequence[int],
                   prompt: str | None = None,
                   messages: list[dict[str, str]] | None = None) -> Iterator[tuple[list[str], list[bool]]]:
    """Every column's text so far and whether it has finished, as the server streams it.

    Each column is its own request with its own knobs and seed, read in its own thread, so columns
    write at the same time (the server batches them with everyone else's). Give `prompt` for a plain
    continuation (/v1/completions) or `messages` for a chat reply (/v1/chat/completions, where the
    server applies the chat template). Closing the iterator closes every request.
    """
    texts = ["" for _ in columns]
    finished = [False for _ in columns]
    events: queue.Queue[tuple[int, str, bool, Exception | None]] = queue.Queue()
    stop = threading.Event()

    def read(index: int, knobs: "SamplingSettings", max_tokens: int) -> None:
        try:
            stream = _open_stream(lm, knobs, max_tokens, prompt, messages)
            with stream:
                for chunk in stream:
                    if stop.is_set():
                        return
                    text, done = _piece(chunk)
                    if text or done:
                        events.put((index, text, done, None))
            events.put((index, "", True, None))
        except ModelUnavailable as error:
            events.put((index, "", True, error))
        except Exception as error:  # noqa: BLE001 - a stream cut half-way is reported like any failure
            events.put((index, "", True, server_unavailable(error, lm.server)))

    readers = [threading.Thread(target=read, args=(i, knobs, n), daemon=True, name=f"genai-remote-{i}")
               for i, (knobs, n) in enumerate(zip(columns, max_new_tokens))]
    for reader in readers:
        reader.start()
    try:
        while not all(finished):
            index, text, done, error = events.get()
            if error is not None:
                raise error
            if finished[index]:
                continue
            texts[index] += text
            finished[index] = done
            yield list(texts), list(finished)
    finally:
        stop.set()


# --- errors ---------------------------------------------------------------------------------------


def _server_message(error: Exception) -> str:
    body = getattr(error, "body", None)
    message = body.get("detail") or body.get("message") or body.get("error") if isinstance(body, dict) else None
    if isinstance(message, dict):
        message = message.get("message")
    text = str(message or getattr(error, "message", "") or error).strip().splitlines()
    return text[0][:MAX_SERVER_MESSAGE] if text else "no details"


def server_unavailable(error: Exception, server: TextServer) -> ModelUnavailable:
    """What went wrong with the text server, in plain words, and what to check."""
    import openai

    where = f"`{server.base_url}` (GENAI_TEXT_SERVER)"
    if isinstance(error, openai.APITimeoutError):
        return ModelUnavailable(
            "The text server is too slow to answer",
            f"{where} did not answer within {server.timeout_s:g} seconds.",
            "Check that the server is not overloaded (its own log shows the queue); ask for fewer new tokens, "
            "or raise GENAI_TEXT_SERVER_TIMEOUT_S.",
            server.model,
        )
    if isinstance(error, openai.APIConnectionError):
        return ModelUnavailable(
            "The text server does not answer",
            f"Nothing answered at {where}.",
            "Check that the serving engine is running and reachable from this machine, and that "
            "GENAI_TEXT_SERVER is its address ending in /v1 (for example `http://localhost:8000/v1`). "
            "Unset GENAI_TEXT_SERVER to write with the model inside the app instead.",
            server.model,
        )
    if isinstance(error, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return ModelUnavailable(
            "The text server refused the API key",
            f"{where} answered {error.status_code}: the key is missing or wrong.",
            "Put the key the server expects in GENAI_TEXT_SERVER_API_KEY (in .streamlit/secrets.toml, "
            "so it is never shown).",
            server.model,
        )
    if isinstance(error, openai.NotFoundError):
        return ModelUnavailable(
            "The text server has no such model or address",
            f"{where} answered 404 for `{server.model}`: {_server_message(error)}",
            "Check that GENAI_TEXT_SERVER ends in /v1 and that GENAI_TEXT_SERVER_MODEL is exactly a name "
            "the server lists at /v1/models.",
            server.model,
        )
    if isinstance(error, openai.APIStatusError):
        busy = error.status_code == 429
        return ModelUnavailable(
            "The text server is busy" if busy else "The text server refused the request",
            f"{where} answered {error.status_code}: {_server_message(error)}",
            "Wait a moment and try again." if busy else
            "Check that GENAI_TEXT_SERVER_MODEL is the model the server serves, and read the server's log "
            "for this request.",
            server.model,
        )
    return ModelUnavailable(
        "The text server failed while writing",
        f"{where}: {type(error).__name__}: {_server_message(error)}",
        "Read the server's log, then try again.",
        server.model,
    )
