"""What the projector shows of a class's entries: each learner's latest texts, learners who used the same
settings, the guesses counted, the votes tallied. Plain functions over store entries, no Streamlit."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from genai_demo.classroom.store import Entry

KNOBS = ("temperature", "top_k", "top_p", "repetition_penalty", "max_new_tokens", "seed")


def latest_texts(entries: list[Entry]) -> list[Entry]:
    """Each learner's texts from their latest press of Generate (all its columns), newest learner last."""
    latest: dict[str, float] = {}
    for entry in entries:
        latest[entry.learner] = max(latest.get(entry.learner, 0.0), entry.created)
    return [entry for entry in entries if entry.created == latest[entry.learner]]


def knobs_of(entry: Entry) -> tuple[object, ...]:
    """The knobs and seed a text was written with. A greedy text's seed and cut-offs change nothing, so they
    are left out: every greedy text of the same prompt and length is the same text."""
    if not entry.settings.get("temperature"):
        return (0.0, None, None, entry.settings.get("repetition_penalty"), entry.settings.get("max_new_tokens"), None)
    return tuple(entry.settings.get(name) for name in KNOBS)


@dataclass(frozen=True)
class SameSettings:
    """Texts written by different learners with the same prompt, knobs and seed."""

    names: list[str]
    knobs: dict[str, object]
    identical: bool  # every one of them wrote exactly the same text


def same_settings(entries: list[Entry]) -> list[SameSettings]:
    """Groups of learners whose texts share prompt, knobs and seed (two learners or more), most learners first."""
    groups: dict[tuple[object, ...], list[Entry]] = defaultdict(list)
    for entry in entries:
        groups[(entry.settings.get("prompt"),) + knobs_of(entry)].append(entry)
    found = []
    for members in groups.values():
        names = list(dict.fromkeys(entry.name for entry in members))
        if len({entry.learner for entry in members}) >= 2:
            found.append(SameSettings(names, {name: members[0].settings.get(name) for name in KNOBS},
                                      len({entry.text for entry in members}) == 1))
    return sorted(found, key=lambda group: -len(group.names))


LOW_TEMPERATURE, HIGH_TEMPERATURE = 0.5, 1.0


def repeats_by_temperature(texts: list[Entry], repeated_share: Callable[[str], float]) -> tuple[float, float] | None:
    """The mean share of repeated words in the texts at LOW_TEMPERATURE or less, and at HIGH_TEMPERATURE or
    more; None until the class has texts on both sides."""
    low = [repeated_share(e.text) for e in texts if float(e.settings.get("temperature") or 0.0) <= LOW_TEMPERATURE]
    high = [repeated_share(e.text) for e in texts if float(e.settings.get("temperature") or 0.0) >= HIGH_TEMPERATURE]
    if not low or not high:
        return None
    return sum(low) / len(low), sum(high) / len(high)


def guess_counts(entries: list[Entry]) -> list[tuple[str, int]]:
    """The class's guesses, the same word in any case counted once, most common first."""
    counted = Counter(entry.text.strip().lower() for entry in entries if entry.text.strip())
    return counted.most_common()


@dataclass(frozen=True)
class PairTally:
    """The votes on one pair of answers to one prompt."""

    prompt: str
    a: str
    b: str
    votes_a: int
    votes_b: int

    @property
    def votes(self) -> int:
        return self.votes_a + self.votes_b


def vote_tally(entries: list[Entry]) -> list[PairTally]:
    """Votes grouped by pair (the same two answers to the same prompt, in either order), most voted first."""
    counts: dict[tuple[str, frozenset[str]], Counter[str]] = defaultdict(Counter)
    order: dict[tuple[str, frozenset[str]], tuple[str, str]] = {}
    for entry in entries:
        prompt, chosen, rejected = (str(entry.settings.get(name, "")) for name in ("prompt", "chosen", "rejected"))
        key = (prompt, frozenset((chosen, rejected)))
        order.setdefault(key, (chosen, rejected))
        counts[key][chosen] += 1
    tallies = [PairTally(prompt, *order[(prompt, pair)], counts[(prompt, pair)][order[(prompt, pair)][0]],
                         counts[(prompt, pair)][order[(prompt, pair)][1]]) for prompt, pair in counts]
    return sorted(tallies, key=lambda tally: -tally.votes)
