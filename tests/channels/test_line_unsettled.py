"""A sender that dies between claiming a message and settling it: the message
is sent again after its lease, and a reply that already landed is not repeated."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.line.render import to_messages
from handlers.contract import Reply
from models.base import utcnow
from models.db import db
from models.outbox import SENDING_LEASE, OutboxMessage, claim_due, enqueue
from models.residents import get_or_create_resident
from models.sandbox import issue_reply_token


def left_sending(live, user_id: str, send_first: bool, token: str | None = None) -> int:
    """A reply claimed by a sender that then died (after sending it, if ``send_first``)."""
    with db.unit_of_work() as s:
        token = token or issue_reply_token(s, user_id)
        resident = get_or_create_resident(s, "line", user_id)
        msg = enqueue(
            s, channel="line", kind="reply", recipient=user_id, reply_token=token,
            payload=to_messages([Reply("menu/main")]), resident_id=resident.id,
        )  # fmt: skip
        s.commit()
        msg_id = msg.id
    with db.unit_of_work() as s:
        (claimed,) = claim_due(s, utcnow(), ids=[msg_id])
        s.commit()
    if send_first:
        assert live.app.extensions["delivery"].line_client().reply(token, claimed.payload).ok
    return msg_id


def answers(user_id: str) -> list[tuple[str, int]]:
    from models.sandbox import line_requests_since

    with db.reader() as s:
        return [(r.operation_id, r.status) for r in line_requests_since(s, 0, to=user_id)]


def status(msg_id: int) -> str:
    with db.reader() as s:
        return s.scalar(select(OutboxMessage.status).where(OutboxMessage.id == msg_id))


def test_a_message_is_not_sent_again_while_its_sender_holds_the_lease(live, new_user_id):
    msg_id = left_sending(live, new_user_id, send_first=False)
    assert live.app.extensions["delivery"].deliver() == 0
    assert status(msg_id) == "sending" and answers(new_user_id) == []


def test_a_reply_never_sent_by_a_dead_sender_is_sent_after_the_lease(live, new_user_id):
    msg_id = left_sending(live, new_user_id, send_first=False)
    later = utcnow() + SENDING_LEASE + timedelta(seconds=1)
    assert live.app.extensions["delivery"].deliver(now=later) == 1
    assert status(msg_id) == "sent"
    assert answers(new_user_id) == [("replyMessage", 200)]


def test_a_reply_a_dead_sender_already_sent_is_not_pushed_again(live, new_user_id):
    msg_id = left_sending(live, new_user_id, send_first=True)
    later = utcnow() + SENDING_LEASE + timedelta(seconds=1)
    live.app.extensions["delivery"].deliver(now=later)
    assert status(msg_id) == "sent"
    assert answers(new_user_id) == [("replyMessage", 200), ("replyMessage", 400)]


def test_an_unsettled_reply_whose_token_may_have_expired_is_pushed(live, new_user_id):
    msg_id = left_sending(live, new_user_id, send_first=False, token="f" * 32)  # refused
    much_later = utcnow() + timedelta(minutes=5)
    live.app.extensions["delivery"].deliver(now=much_later)
    assert status(msg_id) == "sent"
    assert answers(new_user_id)[-1] == ("pushMessage", 200)


def test_the_lease_grows_with_the_position_in_the_batch(live, new_user_id):
    with db.unit_of_work() as s:
        for _ in range(3):
            enqueue(s, channel="line", kind="push", recipient=new_user_id, payload=[])
        s.commit()
    now = utcnow()
    with db.unit_of_work() as s:
        leases = [m.next_attempt_at - now for m in claim_due(s, now)]
        s.commit()
    assert leases == [SENDING_LEASE, SENDING_LEASE * 2, SENDING_LEASE * 3]
