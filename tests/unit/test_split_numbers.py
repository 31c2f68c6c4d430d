"""A My Number split over 2-3 consecutive messages of one resident is caught on
every channel: earlier parts redacted where stored, one warning (issue 20)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from handlers.contract import Inbound
from handlers.dispatch import dispatch
from models.inbound import InboundEvent
from models.inquiries import TranscriptLine

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
WARNING = "privacy/do_not_send_numbers"
KEYS = {"line": "U" + "2" * 32, "sms": "+819011112222", "voice": "+819011112222"}


@pytest.fixture
def session(database_url):
    from models.crypto import Keyring, install_keyring
    from models.db import db

    install_keyring(Keyring.from_setting(Keyring.generate()))
    db.bind(database_url)
    with db.unit_of_work() as s:
        yield s


def send(session, channel, text, at, key=None):
    key = key or KEYS[channel]
    session.add(InboundEvent(channel=channel, event_key=f"{channel}:{at.isoformat()}:{key}",
                             event_type="message", payload={"text": text}))  # fmt: skip
    session.flush()
    outcome = dispatch(session, Inbound(channel, key, "text", text=text, at=at), at)
    session.flush()
    return [r.template for r in outcome.replies]


def inbound_texts(session, channel):
    return [
        t.text
        for t in session.scalars(
            select(TranscriptLine)
            .where(TranscriptLine.direction == "in", TranscriptLine.channel == channel)
            .order_by(TranscriptLine.id)
        )
    ]


@pytest.mark.parametrize(
    "channel, parts",
    [
        ("line", ["1234", "5678", "9018"]),
        ("line", ["番号は1234 5678", "9018です"]),
        ("sms", ["１２３４５６", "７８９０１８"]),
        ("voice", ["いちにさんよん ごーろくななはち", "きゅうぜろいちはち"]),
    ],
)
def test_a_number_split_over_messages_is_redacted_everywhere(session, channel, parts):
    replies = []
    for i, part in enumerate(parts):
        replies.append(send(session, channel, part, T0 + timedelta(seconds=10 * i)))
    texts = inbound_texts(session, channel)
    joined = "".join(texts)
    assert "9018" not in joined and "９０１８" not in joined and "ぜろいちはち" not in joined
    assert "[MY_NUMBER]" in texts[-1]
    assert all("[MY_NUMBER]" in t for t in texts)
    payloads = [str(e.payload) for e in session.scalars(select(InboundEvent))]
    assert all("[MY_NUMBER]" in p for p in payloads), payloads
    # Warned once: on the message that completed the number.
    assert sum(WARNING in r for r in replies) == 1 and WARNING in replies[-1]


def test_parts_more_than_a_minute_apart_or_of_another_resident_are_left(session):
    send(session, "line", "1234 5678", T0)
    assert WARNING not in send(session, "line", "9018", T0 + timedelta(seconds=90))
    send(session, "line", "1234 5678", T0 + timedelta(minutes=5), key="U" + "3" * 32)
    assert WARNING not in send(session, "line", "9018", T0 + timedelta(minutes=5, seconds=5))
    assert "[MY_NUMBER]" not in "".join(inbound_texts(session, "line"))


def test_ordinary_numbers_in_consecutive_messages_stay(session):
    send(session, "sms", "電話は090-1234-5678", T0)
    send(session, "sms", "12月5日の10時で", T0 + timedelta(seconds=5))
    assert inbound_texts(session, "sms") == ["電話は090-1234-5678", "12月5日の10時で"]


def test_a_phone_number_after_an_address_is_not_taken_for_the_tail_of_a_my_number(session):
    """「1-1」 then 「0832311111」: the joined 12 digits happen to pass the check digit."""
    from personal_numbers.redact import is_my_number

    assert is_my_number("11" + "0832311111")  # what made this an over-redaction
    send(session, "line", "1-1", T0)
    replies = send(session, "line", "0832311111", T0 + timedelta(seconds=5))
    assert WARNING not in replies
    assert inbound_texts(session, "line") == ["1-1", "0832311111"]
