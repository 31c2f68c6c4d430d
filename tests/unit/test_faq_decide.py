"""FaqEngine.decide: the best topic is answered only with a margin over out of scope
(``answer_over_oos``, round 11 of issue 15), and a question gated as another service only
when the mix is sure of one topic (``gate_override_at``, round 12)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from handlers.faq import knowledge as kb
from handlers.faq.engine import ANSWER, SUGGEST, get_engine, views

QUESTION = "暗証番号を忘れました"


@pytest.fixture(scope="module")
def engine():
    return get_engine()


def _decide(engine, best: float, oos: float, *, question: str = QUESTION,
            topic: str = "pin_forgot_lock", **settings):
    """The decision on ``question`` when the classifier alone (mix 1) gives ``best`` to
    ``topic``, ``oos`` to out of scope and the rest evenly to the other topics; answer
    at 0.1, ``settings`` replace the shipped ones."""
    topics = engine.topic_ids()
    rest = (1.0 - best - oos) / (len(topics) - 1)
    proba = {t: rest for t in topics} | {topic: best, kb.OUT_OF_SCOPE: oos}
    scores = dict.fromkeys([*topics, kb.OUT_OF_SCOPE], 0.0)
    st = replace(engine.settings, mix_classifier=1.0, combined_answer_at=0.1,
                 combined_suggest_at=0.1, **settings)
    return engine.decide(question, views(question), scores, proba, settings=st)


@pytest.mark.parametrize(("best", "oos", "over", "band"), [
    (0.5, 0.1, 1.0, ANSWER),   # likelier than out of scope is enough at 1x
    (0.5, 0.1, 6.0, SUGGEST),  # 0.5 < 6 x 0.1: suggested, not answered
    (0.5, 0.08, 6.0, ANSWER),  # 0.5 >= 6 x 0.08
])
def test_the_answer_needs_its_margin_over_out_of_scope(engine, best, oos, over, band):
    pred = _decide(engine, best, oos, answer_over_oos=over)
    assert pred.band == band
    assert pred.top3[0] == "pin_forgot_lock"
    assert (pred.topic == "pin_forgot_lock") == (band == ANSWER)


def test_the_shipped_settings_ask_for_a_margin(engine):
    assert engine.settings.answer_over_oos > 1.0


# Round 12: a question that names another service and no card term is referred, unless
# the mix is sure of one topic (``gate_override_at``, ``gate_override_over_oos``).
OTHER = "ICチップには何が記録されてるの?税金や年金のことまで入ってる?"


def test_the_question_names_another_service_and_no_card_term(engine):
    v = views(OTHER)
    assert engine._scope.other_service(v.surface, v.reading)


@pytest.mark.parametrize(("best", "oos", "at", "answered"), [
    (0.95, 0.01, 1.0, False),  # 1.0: never overridden, referred to the city
    (0.95, 0.01, 0.8, True),   # sure, and 95x as likely as out of scope
    (0.7, 0.01, 0.8, False),   # below the override threshold
    (0.9, 0.08, 0.8, False),   # 0.9 < 15 x 0.08: out of scope too likely
])
def test_a_sure_topic_overrides_the_other_service_gate(engine, best, oos, at, answered):
    pred = _decide(engine, best, oos, question=OTHER, topic="privacy_security",
                   answer_over_oos=6.0, gate_override_at=at, gate_override_over_oos=15.0)
    assert (pred.topic == "privacy_security") == answered
    assert pred.referral == (None if answered else "other_service")


def test_a_named_referral_is_never_overridden(engine):
    pred = _decide(engine, 0.99, 0.01, question="隣の人のマイナンバーを教えて",
                   topic="card_overview", gate_override_at=0.5, gate_override_over_oos=1.0)
    assert pred.referral == "others_data"
    assert pred.topic is None
