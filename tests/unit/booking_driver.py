"""Driving the conversation core with plain objects for the booking tests."""

from __future__ import annotations

import pytest

from handlers.contract import Inbound
from handlers.dispatch import dispatch
from tests.booking_factories import NOW

USER = "U" + "a" * 32


@pytest.fixture(name="session")
def booking_session(database_url):
    from models.crypto import Keyring, install_keyring
    from models.db import db

    install_keyring(Keyring.from_setting(Keyring.generate()))
    db.bind(database_url)
    with db.unit_of_work() as s:
        yield s


def send(session, kind="choice", user=USER, at=NOW, **kw):
    outcome = dispatch(session, Inbound("sandbox", user, kind, at=at, **kw), at)
    session.flush()
    return outcome.replies


def templates(replies):
    return [r.template for r in replies]


def values(replies):
    return [c.value for r in replies for c in r.choices]


def open_venue(session, *, user=USER, at=NOW, purpose="first", **answer):
    """Choose the venue menu, confirm an address in the city (by default the Chofu area)
    and say why (a first application unless ``purpose="renewal"``): the flow then shows
    the open events. ``answer`` overrides the residence answer (``text="7520975"`` for a
    postal code, ``value="area:outside"``)."""
    first = send(session, value="menu:venue", user=user, at=at)
    if [r.template for r in first] != ["venue/ask_residence"]:
        return first
    if "text" in answer:
        replies = send(session, "text", user=user, at=at, **answer)
    else:
        replies = send(session, value=answer.get("value", "area:chofu"), user=user, at=at)
    if [r.template for r in replies][-1:] != ["bookings/ask_purpose"]:
        return replies
    return send(session, value=f"purpose:{purpose}", user=user, at=at)
