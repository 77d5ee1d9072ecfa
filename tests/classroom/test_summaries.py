"""What the projector makes of the entries: latest texts, same settings, guesses and votes counted."""

from __future__ import annotations

from genai_demo.classroom import summaries
from genai_demo.classroom.store import Entry

KNOBS = {"prompt": "P", "temperature": 0.8, "top_k": 50, "top_p": 0.95, "repetition_penalty": 1.0,
         "max_new_tokens": 6, "seed": 0}


def _entry(learner: str, text: str, created: float = 1.0, kind: str = "text", **settings) -> Entry:
    return Entry(0, learner, learner.title(), "text_generation", kind, text, {**KNOBS, **settings}, created, False)


def test_only_each_learners_latest_press_of_generate_counts():
    entries = [_entry("ann", "old", 1.0), _entry("ann", "new 1", 2.0), _entry("ann", "new 2", 2.0),
               _entry("bob", "only", 1.5)]
    assert [e.text for e in summaries.latest_texts(entries)] == ["new 1", "new 2", "only"]


def test_same_settings_groups_learners_and_says_whether_their_texts_agree():
    groups = summaries.same_settings([_entry("ann", "same"), _entry("bob", "same"), _entry("cy", "other", seed=1),
                                      _entry("dee", "x", temperature=0.0, seed=4), _entry("eve", "y", temperature=0.0)])
    assert [(g.names, g.identical) for g in groups] == [(["Ann", "Bob"], True), (["Dee", "Eve"], False)]


def test_guesses_are_counted_in_any_case():
    entries = [_entry(name, word, kind="guess") for name, word in
               (("a", "Mat"), ("b", "mat "), ("c", "floor"), ("d", " "))]
    assert summaries.guess_counts(entries) == [("mat", 2), ("floor", 1)]


def test_votes_on_the_same_pair_in_either_order_are_tallied_together():
    def vote(learner, chosen, rejected, prompt="Hi"):
        return _entry(learner, chosen, kind="vote", prompt=prompt, chosen=chosen, rejected=rejected)

    tallies = summaries.vote_tally([vote("a", "short", "long"), vote("b", "long", "short"), vote("c", "short", "long"),
                                    vote("d", "short", "long", prompt="Other")])
    assert [(t.prompt, t.a, t.votes_a, t.b, t.votes_b) for t in tallies] == [
        ("Hi", "short", 2, "long", 1), ("Other", "short", 1, "long", 0)]


def test_repeats_are_compared_below_and_above_the_middle_temperatures():
    from genai_demo.text.variety import repeated_share

    looping, varied = "the sea the sea the sea the sea", "a fisherman found a glowing shell"
    texts = [_entry("a", looping, temperature=0.0), _entry("b", looping, temperature=0.4),
             _entry("c", varied, temperature=1.2), _entry("d", "x", temperature=0.8)]
    low, high = summaries.repeats_by_temperature(texts, repeated_share)
    assert low == 0.75 and abs(high - 1 / 6) < 1e-9  # the 0.8 text is on neither side
    assert summaries.repeats_by_temperature(texts[:2], repeated_share) is None
