"""Visit request by phone: which area, which number to call back → a request
for staff to call back (inquiry category "booking" + callback task).

A caller cannot be walked through an address by keypad, so on the phone a
visit request is a callback: staff phone back, take the details and create
the visit request in the console.

```mermaid
flowchart LR
  area -->|area chosen| callback
  callback -->|same number| END
  callback -->|other number| number --> confirm
  confirm -->|yes| END
  confirm -->|again| number
```
"""

from __future__ import annotations

from handlers.contract import Choice, Reply
from handlers.flows.engine import END, Flow, Retry, Step, register
from handlers.handoff import answer_expectation
from handlers.residence import match_area
from handlers.text import render
from handlers.turn import Turn
from models.areas import all_areas, get_area
from models.inquiries import open_inquiry
from models.phone import request_callback

FLOW = "phone_visit"
SAME, OTHER, OK, AGAIN = "cb:same", "cb:other", "cb:ok", "cb:again"


def _labels():
    from handlers import phone

    return phone


def ask_area(turn: Turn) -> None:
    """Asks for the area (numbered list of the areas, or speech)."""
    choices = [Choice(a.name, f"area:{a.code}") for a in all_areas()]
    turn.add(Reply("phone_visit/ask_area", choices=choices, expects_speech=True))


def answer_area(turn: Turn) -> str | Retry:
    """Stores ``area``; asks which number to call back next."""
    inbound = turn.inbound
    code = None
    if inbound.kind == "choice" and (inbound.value or "").startswith("area:"):
        code = inbound.value.removeprefix("area:")
    elif inbound.kind == "text":
        code = match_area(inbound.text or "")
    if code is None or get_area(code) is None:
        return Retry([Reply("phone_visit/area_unknown")])
    turn.remember(area=code)
    return "callback"


def ask_callback(turn: Turn) -> None:
    """Offers the caller's own number, or another one."""
    phone = _labels()
    number = phone.domestic(turn.resident.phone)
    if not number:
        ask_number(turn)
        return
    turn.add(
        Reply(
            "phone_visit/ask_callback",
            {"digits": phone.spoken_digits(number)},
            choices=[
                Choice(phone.voice_label("yes"), SAME),
                Choice(phone.voice_label("other_number"), OTHER),
            ],
        )
    )


def answer_callback(turn: Turn) -> str | Retry:
    """Stores ``callback`` (the caller's number) and finishes, or asks for another."""
    value = turn.inbound.value if turn.inbound.kind == "choice" else None
    if value == SAME and turn.resident.phone:
        turn.remember(callback=_labels().domestic(turn.resident.phone))
        return _finish(turn)
    if value == OTHER or not turn.resident.phone:
        if not turn.resident.phone and turn.inbound.kind == "text":
            return answer_number(turn)
        return "number"
    return Retry([Reply("phone_visit/choose_key")])


def ask_number(turn: Turn) -> None:
    """Asks for a number on the keypad, ended with #."""
    turn.add(Reply("phone_visit/ask_number"))


def answer_number(turn: Turn) -> str | Retry:
    """Stores ``callback`` (10 or 11 digits starting with 0); asks to confirm it."""
    digits = _labels().digits_only(turn.inbound.text)
    if not (digits.startswith("0") and len(digits) in (10, 11)):
        return Retry([Reply("phone_visit/number_invalid")])
    turn.remember(callback=digits)
    return "confirm"


def ask_confirm(turn: Turn) -> None:
    """Reads the number back: yes, or key it again."""
    phone = _labels()
    turn.add(
        Reply(
            "phone_visit/confirm",
            {"digits": phone.spoken_digits(turn.data.get("callback", ""))},
            choices=[
                Choice(phone.voice_label("yes"), OK),
                Choice(phone.voice_label("key_again"), AGAIN),
            ],
        )
    )


def answer_confirm(turn: Turn) -> str | Retry:
    """Finishes on yes; asks for the number again otherwise."""
    value = turn.inbound.value if turn.inbound.kind == "choice" else None
    if value == OK:
        return _finish(turn)
    if value == AGAIN:
        return "number"
    return Retry([Reply("phone_visit/choose_key")])


def _finish(turn: Turn) -> str:
    """Opens the request for staff (bot not paused) and a callback task."""
    area = get_area(turn.data.get("area", ""))
    area_name = area.name if area else ""
    callback = turn.data.get("callback", "")
    inquiry = open_inquiry(
        turn.session,
        turn.resident,
        channel=turn.inbound.channel,
        category="booking",
        summary=render("phone_visit/summary", area=area_name, callback=callback),
        pause_bot=False,
        now=turn.now,
    )
    request_callback(
        turn.session,
        resident_id=turn.resident.id,
        reason="visit_request",
        phone=callback,
        inquiry_id=inquiry.id,
        now=turn.now,
    )
    turn.add(
        Reply(
            "phone_visit/done",
            {"inquiry_id": inquiry.id, "area": area_name, **answer_expectation(turn.now)},
        )
    )
    return END


register(
    Flow(
        FLOW,
        "area",
        {
            "area": Step(ask_area, answer_area),
            "callback": Step(ask_callback, answer_callback),
            "number": Step(ask_number, answer_number),
            "confirm": Step(ask_confirm, answer_confirm),
        },
    )
)
