"""FaqEngine.decide: the best topic is answered only with a margin over out of scope
(``answer_over_oos``, round 11 of issue 15)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from handlers.faq import knowledge as kb
from handlers.faq.engine import ANSWER, SUGGEST, get_engine, views

QUESTION = "暗証番号を忘れました"


@pytest.fixture(scope="module")
def engine():
    return get_engine()


def _decide(engine, best: float, oos: float, over: float):
    """The decision when the classifier alone (mix 1) gives ``best`` to the PIN topic,
    ``oos`` to out of scope and the rest evenly to the other topics."""
    topics = engine.topic_ids()
    rest = (1.0 - best - oos) / (len(topics) - 1)
    proba = {t: rest for t in topics} | {"pin_forgot_lock": best, kb.OUT_OF_SCOPE: oos}
    scores = dict.fromkeys([*topics, kb.OUT_OF_SCOPE], 0.0)
    st = replace(engine.settings, mix_classifier=1.0, combined_answer_at=0.1,
                 combined_suggest_at=0.1, answer_over_oos=over)
    return engine.decide(QUESTION, views(QUESTION), scores, proba, settings=st)


@pytest.mark.parametrize(("best", "oos", "over", "band"), [
    (0.5, 0.1, 1.0, ANSWER),   # likelier than out of scope is enough at 1x
    (0.5, 0.1, 6.0, SUGGEST),  # 0.5 < 6 x 0.1: suggested, not answered
    (0.5, 0.08, 6.0, ANSWER),  # 0.5 >= 6 x 0.08
])
def test_the_answer_needs_its_margin_over_out_of_scope(engine, best, oos, over, band):
    pred = _decide(engine, best, oos, over)
    assert pred.band == band
    assert pred.top3[0] == "pin_forgot_lock"
    assert (pred.topic == "pin_forgot_lock") == (band == ANSWER)


def test_the_shipped_settings_ask_for_a_margin(engine):
    assert engine.settings.answer_over_oos > 1.0
