"""Answering questions with the FAQ engine, at the top level or mid-flow.

Confident → the answer; middle band → up to three 「もしかして」 buttons;
below → an honest "I don't know" with a person offered. Anything not
answered confidently is kept (redacted) for staff to review.
"""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import yaml

from handlers import menu
from handlers.contract import Choice, Reply
from handlers.faq import keywords
from handlers.text import current_locale, env, label, render, use_locale
from handlers.turn import Turn
from models.locales import NATIVE_NAMES

MIN_QUESTION_LETTERS = 4
NOTE = "transcript/language"  # staff-only lines in the transcript
_NEXT_STEPS = Path(__file__).parent / "data" / "faq_next_steps.yaml"
# Recent predictions, by a digest of the (redacted) question: residents send
# the same short messages again and again, and the engine is deterministic.
# Digests, not texts, are kept, so the cache holds nothing a resident wrote.
PREDICTION_CACHE = 4096
# Unanswered questions that get a referral instead of "I don't know"
# (templates/messages/faq/referral/<name>.txt; handlers.faq.engine.Prediction.referral).
REFERRALS = ("other_service", "others_data", "status_lookup", "chitchat", "scam")


def _engine():
    from handlers.faq.engine import get_engine

    return get_engine()


class _Predictions:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, bytes], object] = OrderedDict()
        self._lock = threading.Lock()

    def predict(self, text: str):
        engine = _engine()
        key = (id(engine), hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                                           digest_size=16).digest())  # fmt: skip
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        prediction = engine.predict(text)
        with self._lock:
            self._items[key] = prediction
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return prediction


_predictions = _Predictions(PREDICTION_CACHE)


def predict(text: str):
    """The FAQ engine's prediction for ``text`` (remembered for repeated questions)."""
    return _predictions.predict(text)


@lru_cache(maxsize=1)
def _next_steps() -> dict[str, str]:
    with open(_NEXT_STEPS, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


_NEXT_LABELS = {
    "menu:venue": "venue",
    "menu:visit": "visit",
    "menu:bookings": "bookings",
    "book:renewal": "book_renewal",  # issue 14: the venue flow for a renewal
    "notices:renewal": "renewal_remind",  # issue 14: register an expiry date
}


def answer_reply(topic: str, related: tuple[str, ...] = ()) -> Reply:
    """The answer; a second topic the question also touched becomes a "related" button."""
    choices: list[Choice] = []
    next_value = _next_steps().get(topic)
    if next_value in _NEXT_LABELS:
        choices.append(Choice(label(_NEXT_LABELS[next_value]), next_value))
    for other in related[:1]:
        if other != topic:
            choices.append(Choice(label("faq_related", title=topic_title(other)),
                                  f"faq:{other}"))
    choices += [
        Choice(label("faq_more"), "menu:faq"),
        Choice(label("menu"), "g:menu"),
        Choice(label("person"), "g:person"),
    ]
    return Reply(f"faq/answers/{topic}", {"topic": topic}, choices=choices)


def _looks_like_a_question(text: str) -> bool:
    """Mid-flow answers such as "1.5" or "2人" are not questions."""
    letters = sum(1 for c in text if unicodedata.category(c).startswith("L"))
    return letters >= MIN_QUESTION_LETTERS


def answer_if_confident(turn: Turn) -> bool:
    """Mid-flow: answer only when sure; otherwise let the step explain itself."""
    text = turn.inbound.text or ""
    if not _looks_like_a_question(text):
        return False
    prediction = predict(text)
    if prediction.band != "answer" or prediction.topic is None:
        return False
    turn.add(answer_reply(prediction.topic))
    return True


def topic_title(topic: str) -> str:
    """A topic's short title in the current language (faq/titles.txt)."""
    module = env(current_locale()).get_template("faq/titles.txt").module
    return str(module.title(topic)).strip() or _engine().title(topic)


def _answer_in(turn: Turn, locale: str, topic: str, related: tuple[str, ...] = ()) -> None:
    """Answer in ``locale`` (the question's language), and offer to keep it when it
    is not yet the resident's (issue 17)."""
    with use_locale(locale):
        turn.add(answer_reply(topic, related))
    if locale != current_locale() and not turn.voice:
        from handlers import language

        language.offer(turn, locale)


def _other_language(turn: Turn, text: str) -> bool:
    """Korean, Chinese, Vietnamese: keyword matching; unmatched → a person (issue 17)."""
    locale = current_locale() if current_locale() in keywords.LANGUAGES else None
    locale = keywords.language_of(text) or locale
    if locale is None:
        return False
    known = _engine().topic_ids()
    scored = [(t, n) for t, n in keywords.match(text, locale) if t in known]
    topics = [t for t, _n in scored]
    if scored and (len(scored) == 1 or scored[0][1] > scored[1][1]):
        _answer_in(turn, locale, topics[0])  # one topic stands out
        return True
    with use_locale(locale):
        if topics:
            choices = [Choice(topic_title(t), f"faq:{t}") for t in topics[:3]]
            choices.append(Choice(label("none_of_these"), "g:person"))
            turn.add(Reply("faq/suggest", {"titles": [c.label for c in choices[:-1]]}, choices))
        else:
            turn.staff_notes.append(render(NOTE, what="faq_unanswered", name=NATIVE_NAMES[locale]))
            turn.add(menu.main_menu("faq/unknown"))
    if locale != current_locale() and not turn.voice:
        from handlers import language

        language.offer(turn, locale)
    return True


def answer_top_level(turn: Turn, text: str) -> None:
    from models.faq_review import record_faq_miss

    written_in = keywords.language_of(text)  # Korean, Vietnamese, Chinese by their script
    prediction = predict(text)
    if written_in is None and prediction.band == "answer" and prediction.topic:
        # An English question is answered in English (issue 17), whatever the
        # resident's language so far; the switch is offered, never imposed.
        locale = "en" if prediction.english and current_locale() == "ja" else current_locale()
        _answer_in(turn, locale, prediction.topic, prediction.related)
        return
    if (written_in or current_locale() in keywords.LANGUAGES) and _other_language(turn, text):
        record_faq_miss(turn.session, question_redacted=text, prediction=prediction,
                        channel=turn.inbound.channel)  # fmt: skip
        return
    record_faq_miss(
        turn.session, question_redacted=text, prediction=prediction, channel=turn.inbound.channel
    )
    if prediction.band == "suggest" and prediction.top3:
        choices = [Choice(topic_title(t), f"faq:{t}") for t in prediction.top3[:3]]
        choices.append(Choice(label("none_of_these"), "g:person"))
        turn.add(Reply("faq/suggest", {"titles": [c.label for c in choices[:-1]]}, choices))
        return
    referral = getattr(prediction, "referral", None)
    if referral in REFERRALS:  # another service, someone else's data, a status by ID ...
        turn.add(menu.main_menu(f"faq/referral/{referral}"))
        return
    turn.add(menu.main_menu("faq/unknown"))


def handle_choice(turn: Turn, value: str) -> bool:
    """A 「もしかして」 button: answer the topic it names."""
    if not value.startswith("faq:"):
        return False
    topic = value.removeprefix("faq:")
    if topic not in _engine().topic_ids():
        return False
    turn.add(answer_reply(topic))
    return True
