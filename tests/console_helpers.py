"""Staff accounts, sign-in and escalations for the console tests."""

from __future__ import annotations

import re
from datetime import date

from models.accounts import create_account
from models.db import db

PASSWORD = "correct horse battery"  # noqa: S105 - test only
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def make_staff(
    login: str, role: str, *, pledge: bool = True, approved: bool = False, name: str | None = None
) -> int:
    """A staff member with a console login; returns the staff id."""
    with db.unit_of_work() as s:
        account = create_account(
            s,
            login=login,
            password=PASSWORD,
            name=name or f"{login}さん",
            role=role,
            pledge_signed_on=date(2026, 4, 1) if pledge else None,
            approved_by_city=approved,
        )
        s.commit()
        return account.staff_id


def csrf(client, path: str = "/console/login") -> str:
    page = client.get(path)
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)[:500]
    return match.group(1)


def login(client, name: str, password: str = PASSWORD):
    token = csrf(client)
    return client.post(
        "/console/login", data={"login": name, "password": password, "csrf_token": token}
    )


def post(client, path: str, data: dict | None = None, page: str = "/console/inbox"):
    """A console POST with the session's CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf(client, page)})


def escalate(resident) -> int:
    """The LINE resident asks for a person; returns the inquiry id."""
    from models.inquiries import Inquiry

    resident.send("follow")  # a friend of the account: LINE pushes reach them
    resident.say("担当者")
    with db.reader() as s:
        return max(i.id for i in s.query(Inquiry).all())
