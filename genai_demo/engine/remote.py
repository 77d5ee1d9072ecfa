"""The client for a serving engine that writes text through OpenAI's API (vLLM, llama.cpp's server,
Text Generation Inference, `transformers serve`): the app stays a thin client that still teaches.

The served model's tokenizer is loaded here by the model's id, so the token ids and the chat template a
page shows are the ones the server reads. The weights stay on the server. Where the server sends its
scores (`logprobs` / `top_logprobs`: llama.cpp's server, vLLM), every written token comes with its
probability and its top candidates, and `next_token` asks for the candidates after any token ids; a
server that sends none (`transformers serve`) is seen to, and the pages say what is missing. Views that
need the weights themselves (attention, fine-tuning) keep a local model.

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
from genai_demo.engine.writer import ScoredToken, SharedTokenizer, Written

if TYPE_CHECKING:
    from genai_demo.engine.sampling import SamplingSettings

# Knobs outside OpenAI's schema, by the names vLLM and llama.cpp's server read them. llama.cpp also gets its own
# defaults turned off (top-k 40, min-p 0.05, a penalty over the last 64 tokens only: here every token in the
# window) and the app's order (temperature, then top-k, then top-p), so a column's knobs mean what they mean
# inside the app. A server that refuses them (`transformers serve`) is asked again without them, and the page
# says which knobs it ignores.
EXTRA_KNOBS = ("top_k", "repetition_penalty", "repeat_penalty", "repeat_last_n", "min_p", "samplers")
LLAMA_CPP_ORDER = ["penalties", "temperature", "top_k", "top_p"]
IGNORED_KNOBS_NOTICE = ("The text server does not take top-k or the repetition penalty: only temperature, "
                        "top-p and the seed reached it.")
MAX_SERVER_MESSAGE = 300
# Candidates a server lists after a context (OpenAI's and vLLM's limit), and for each token it writes.
SERVER_CANDIDATES = 20
WRITTEN_CANDIDATES = 5


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
    # Set once the server is seen to send no scores (it ignores `logprobs`, or refuses token ids as a prompt).
    scores_refused: bool = False
    scores_seen: bool = False  # once scores came, a refused request is about something else (a prompt too long)
    client: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        import openai

        self.lock = self.lock or tokenizer_lock(self.tokenizer)
        # One client per model: it holds a pool of connections and is safe to share between threads.
        self.client = openai.OpenAI(base_url=self.server.base_url, api_key=self.server.api_key or "none",
                                    timeout=self.server.timeout_s, max_retries=0)

    @property
    def has_weights(self) -> bool:
        """The weights stay on the server: attention and training need a model here."""
        return False

    @property
    def has_scores(self) -> bool:
        """Whether the server sends its top candidates' probabilities (assumed until it is seen not to)."""
        return not self.scores_refused

    @property
    def vocab_size(self) -> int:
        """Tokens in the served model's vocabulary (its tokenizer's, special tokens included)."""
        with self.lock:
            return len(self.tokenizer)

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
        for texts, scores, finished in stream_columns(self, columns, max_new_tokens, prompt=prompt,
                                                      messages=messages):
            notices = (IGNORED_KNOBS_NOTICE,) if extra_knobs and self.extra_knobs_refused else ()
            ids, whole = [], []
            for text, column in zip(texts, scores):
                # With scores come the server's own token ids. A server may leave out the score of a token that
                # ends inside a character (llama.cpp does, for parts of an emoji): then the column's ids are its
                # text's in the same tokenizer, and it has no scores.
                column_ids = [token.token_id for token in column]
                complete = bool(column) and self.decode(column_ids) == text
                ids.append(column_ids if complete else self.encode(text) if text else [])
                whole.append(column if complete else [])
            sent = any(scores) or not any(texts)
            yield Written(texts, ids, finished, notices=notices, scores=whole if sent else None)

    def next_token(self, ids: Sequence[int], knobs: "SamplingSettings | None" = None,
                   top: int = SERVER_CANDIDATES) -> ScoredToken:
        """The token the server writes after `ids` with `knobs` (greedy when None), with its probability and
        the server's `top` candidates there (the model's own scores, whatever the knobs).

        The ids themselves are sent, so the server reads exactly the tokens a page shows. Raises
        `ModelUnavailable` when the server is down or sends no scores (from then on `has_scores` is False)."""
        from genai_demo.engine.sampling import SamplingSettings

        if self.scores_refused:
            raise no_scores(self)
        knobs = knobs or SamplingSettings(temperature=0.0)
        try:
            response = _create(self, knobs, 1, [int(i) for i in ids], None, stream=False, top=top)
        except ModelUnavailable as error:
            if not self.scores_seen and _refuses_scores(error.__cause__):
                self.scores_refused = True
                raise no_scores(self) from error
            raise
        choice = response.choices[0].to_dict() if response.choices else {}
        written = scored_tokens(self, choice.get("logprobs"))
        if not written:
            self.scores_refused = True
            raise no_scores(self)
        self.scores_seen = True
        return written[0]


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


def _knobs(knobs: "SamplingSettings", max_tokens: int, with_extras: bool, window: int) -> dict[str, Any]:
    request: dict[str, Any] = {"max_tokens": max_tokens, "temperature": 0.0 if knobs.greedy else knobs.temperature,
                               "top_p": knobs.top_p}
    if not knobs.greedy:
        # Sent only where it matters: some servers (`transformers serve`) seed one generator for every request.
        request["seed"] = knobs.seed
    if with_extras:
        request["extra_body"] = {"top_k": knobs.top_k, "min_p": 0.0, "samplers": LLAMA_CPP_ORDER,
                                 "repetition_penalty": knobs.repetition_penalty,
                                 "repeat_penalty": knobs.repetition_penalty, "repeat_last_n": window}
    return request


def _refuses_extras(error: Exception) -> bool:
    import openai

    return (isinstance(error, openai.APIStatusError) and error.status_code in (400, 422)
            and any(name in _server_message(error) for name in EXTRA_KNOBS))


def _refuses_scores(error: BaseException | None) -> bool:
    """A server that takes neither `logprobs` nor token ids as a prompt refuses the request itself."""
    import openai

    return isinstance(error, openai.APIStatusError) and error.status_code in (400, 422)


def _scores_request(top: int, chat: bool) -> dict[str, Any]:
    return {"logprobs": True, "top_logprobs": top} if chat else {"logprobs": top}


def _create(lm: RemoteTextModel, knobs: "SamplingSettings", max_tokens: int, prompt: str | list[int] | None,
            messages: list[dict[str, str]] | None, stream: bool, top: int | None) -> Any:
    """The server's answer (streamed or whole), asked again without the extra knobs if it refuses them.

    `top` asks for the scores of each written token and its `top` candidates."""
    for with_extras in ((False,) if lm.extra_knobs_refused else (True, False)):
        request = _knobs(knobs, max_tokens, with_extras, lm.context_window)
        if top:
            request.update(_scores_request(top, chat=messages is not None))
        try:
            if messages is not None:
                return lm.client.chat.completions.create(model=lm.server.model, messages=messages, stream=stream,
                                                         **request)
            return lm.client.completions.create(model=lm.server.model, prompt=prompt, stream=stream, **request)
        except Exception as error:  # noqa: BLE001 - every failure becomes one readable error
            if with_extras and _refuses_extras(error):
                lm.extra_knobs_refused = True
                continue
            raise server_unavailable(error, lm.server) from error
    raise AssertionError("unreachable")


def _piece(chunk: Any) -> tuple[str, Any, bool]:
    """The text a streamed chunk adds, its `logprobs` field, and whether its choice has finished."""
    if not chunk.choices:
        return "", None, False
    choice = chunk.choices[0]
    delta = getattr(choice, "delta", None)
    text = (delta.content if delta is not None else choice.text) or ""
    return text, choice.to_dict().get("logprobs"), choice.finish_reason is not None


def _token_id(lm: RemoteTextModel, entry: dict[str, Any]) -> int | None:
    """A scored token's id: the server's own (llama.cpp's `id`, vLLM's `token_id:N`), else its text's one id."""
    if isinstance(entry.get("id"), int):
        return int(entry["id"])
    token = str(entry.get("token", ""))
    if token.startswith("token_id:") and token[9:].isdigit():
        return int(token[9:])
    ids = lm.encode(token) if token else []
    return ids[0] if len(ids) == 1 else None


def scored_tokens(lm: RemoteTextModel, logprobs: dict[str, Any] | None) -> list[ScoredToken]:
    """The tokens in a server's `logprobs` field, in either of OpenAI's shapes: the chat one (a list of
    entries under `content`, also llama.cpp's completions) or the legacy completions one (vLLM)."""
    if not logprobs:
        return []
    if isinstance(logprobs.get("content"), list):
        entries = logprobs["content"]
    else:
        entries = [{"token": token, "logprob": value,
                    "top_logprobs": [{"token": t, "logprob": p} for t, p in (top or {}).items()]}
                   for token, value, top in zip(logprobs.get("tokens") or [], logprobs.get("token_logprobs") or [],
                                                logprobs.get("top_logprobs") or [])]
    written = []
    for entry in entries:
        token_id = _token_id(lm, entry)
        if token_id is None or entry.get("logprob") is None:
            continue
        candidates = [(candidate_id, float(candidate["logprob"])) for candidate in entry.get("top_logprobs") or []
                      if (candidate_id := _token_id(lm, candidate)) is not None]
        candidates.sort(key=lambda candidate: -candidate[1])
        written.append(ScoredToken(token_id, float(entry["logprob"]), candidates))
    return written


def stream_columns(lm: RemoteTextModel, columns: Sequence["SamplingSettings"], max_new_tokens: Sequence[int],
                   prompt: str | None = None, messages: list[dict[str, str]] | None = None,
                   ) -> Iterator[tuple[list[str], list[list[ScoredToken]], list[bool]]]:
    """Every column's text so far, its scored tokens (empty when the server sends no scores) and whether it
    has finished, as the server streams it.

    Each column is its own request with its own knobs and seed, read in its own thread, so columns
    write at the same time (the server batches them with everyone else's). Give `prompt` for a plain
    continuation (/v1/completions) or `messages` for a chat reply (/v1/chat/completions, where the
    server applies the chat template). Closing the iterator closes every request.
    """
    texts = ["" for _ in columns]
    scores: list[list[ScoredToken]] = [[] for _ in columns]
    finished = [False for _ in columns]
    events: queue.Queue[tuple[int, str, list[ScoredToken], bool, Exception | None]] = queue.Queue()
    stop = threading.Event()
    top = None if lm.scores_refused else WRITTEN_CANDIDATES

    def read(index: int, knobs: "SamplingSettings", max_tokens: int) -> None:
        try:
            stream = _create(lm, knobs, max_tokens, prompt, messages, stream=True, top=top)
            with stream:
                for chunk in stream:
                    if stop.is_set():
                        return
                    text, logprobs, done = _piece(chunk)
                    scored = scored_tokens(lm, logprobs)  # a token holding part of a character may come alone
                    if text or scored or done:
                        events.put((index, text, scored, done, None))
            events.put((index, "", [], True, None))
        except ModelUnavailable as error:
            events.put((index, "", [], True, error))
        except Exception as error:  # noqa: BLE001 - a stream cut half-way is reported like any failure
            events.put((index, "", [], True, server_unavailable(error, lm.server)))

    readers = [threading.Thread(target=read, args=(i, knobs, n), daemon=True, name=f"genai-remote-{i}")
               for i, (knobs, n) in enumerate(zip(columns, max_new_tokens))]
    for reader in readers:
        reader.start()
    try:
        while not all(finished):
            index, text, scored, done, error = events.get()
            if error is not None:
                raise error
            if finished[index]:
                continue
            texts[index] += text
            scores[index] += scored
            finished[index] = done
            yield list(texts), [list(column) for column in scores], list(finished)
    finally:
        stop.set()
    if top and any(texts):
        if any(scores):
            lm.scores_seen = True
        else:
            lm.scores_refused = True  # it was asked for scores and wrote without them


# --- errors ---------------------------------------------------------------------------------------


def no_scores(lm: RemoteTextModel) -> ModelUnavailable:
    """A server that sends text without its scores: the views of probabilities cannot be drawn."""
    return ModelUnavailable(
        "The text server sends no scores",
        f"`{lm.server.base_url}` (GENAI_TEXT_SERVER) writes with `{lm.model_id}` but sends back only the words, "
        "not the probability of each candidate token.",
        "Serve the model with an engine that returns `logprobs` (llama.cpp's `llama-server`, vLLM), or unset "
        "GENAI_TEXT_SERVER to run the model inside the app, where every number is shown.",
        lm.model_id,
    )


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
