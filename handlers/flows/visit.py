"""Asking for a home or facility visit (houmon-gata).

kind → purpose (first application or renewal) → postal code → address → applicants → up to three preferred dates
(LINE datetime picker; business days only) → notes → phone → confirm.
The request is received; staff propose a date later (see flows/bookings.py).
Diagram: docs/bookings.md.
"""

from __future__ import annotations

from datetime import datetime

from handlers import booking_rules as rules
from handlers import booking_views as views
from handlers import purpose
from handlers.contract import Choice, Reply
from handlers.flows.engine import END, Flow, Retry, Step, register
from handlers.text import label
from handlers.turn import Turn
from models.city import city
from models.postal import check_eligibility
from models.visits import VISIT_KINDS, VisitRequest
from scheduler.business_calendar import JST

MAX_ADDRESS = 200
MAX_NOTES = 500


def _text(turn: Turn) -> str:
    return (turn.inbound.text or "").strip() if turn.inbound.kind == "text" else ""


def ask_kind(turn: Turn) -> None:
    """Asks whether staff should come to a facility or a home."""
    choices = [Choice(label("visit_facility"), "vk:facility"), Choice(label("visit_home"), "vk:home")]
    turn.add(Reply("visit/ask_kind", choices=choices))


def answer_kind(turn: Turn) -> str | Retry:
    """Stores kind; asks for the postal code."""
    kind = (turn.inbound.value or "").removeprefix("vk:")
    if turn.inbound.kind != "choice" or kind not in VISIT_KINDS:
        return Retry([Reply("venue/choose_from_list")])
    turn.remember(kind=kind)
    return "postal" if turn.data.get("purpose") else "purpose"


def ask_postal(turn: Turn) -> None:
    """Asks for the postal code of the place to visit."""
    reply = Reply("visit/ask_postal", {"kind": turn.data.get("kind")})
    reply.expects_speech = True
    turn.add(reply)


POSTAL_PROBLEMS = {
    "malformed": "visit/postal_malformed",
    "unknown_code": "visit/postal_unknown",
    "outside_city": "visit/postal_outside_city",
}


def answer_postal(turn: Turn) -> str | Retry:
    """Stores postal code, town and area when in the city; asks for the address."""
    result = check_eligibility(_text(turn))
    if not result.eligible:
        info = result.info
        context = {
            "code": result.code or "",
            "where": f"{info.prefecture}{info.city}" if info else "",
        }
        return Retry([Reply(POSTAL_PROBLEMS[result.status], context)])
    info = result.info
    turn.remember(postal=result.code, town=info.town, area=info.area)
    return "address"


def ask_address(turn: Turn) -> None:
    """Asks for the rest of the address (and the facility's name)."""
    turn.add(Reply("visit/ask_address", {"town": turn.data.get("town"), "kind": turn.data.get("kind")}))


def answer_address(turn: Turn) -> str | Retry:
    """Stores address; asks how many people will apply."""
    text = _text(turn)
    if len(text) < 2 or len(text) > MAX_ADDRESS:
        return Retry([Reply("visit/address_needed", {"max": MAX_ADDRESS})])
    turn.remember(address=with_town(turn.data.get("town"), text))
    return "applicants"


def with_town(town: str | None, rest: str) -> str:
    """The town the postcode resolved to, then what the resident typed (once, not twice);
    the city's name is shown by the templates."""
    rest = rest.removeprefix(city().name)
    if not town or town in rest:
        return rest
    return town + rest


def _max_applicants(turn: Turn) -> int:
    return int(rules.limits()["max_applicants"][turn.data.get("kind") or "home"])


def ask_applicants(turn: Turn) -> None:
    """Asks how many people will apply on the visit."""
    top = _max_applicants(turn)
    choices = [Choice(label("people", n=n), f"n:{n}") for n in range(1, min(top, 6) + 1)]
    turn.add(Reply("visit/ask_applicants", {"max": top}, choices))


def answer_applicants(turn: Turn) -> str | Retry:
    """Stores applicants; asks for preferred dates."""
    top = _max_applicants(turn)
    raw = turn.inbound.value if turn.inbound.kind == "choice" else turn.inbound.text
    n = rules.parse_count((raw or "").removeprefix("n:"), 1, top)
    if isinstance(n, str):
        return Retry([Reply(f"visit/applicants_{n}", {"max": top})])
    turn.remember(applicants=n, dates=[])
    return "dates"


def ask_dates(turn: Turn) -> None:
    """Offers the datetime picker (business days only) for the next preferred date."""
    dates = list(turn.data.get("dates") or [])
    first, last = rules.visit_bounds(turn.now)
    params = rules.picker_params(turn.now)
    choices = [Choice(label("pick_date"), "pd", kind="datetime", params=params)]
    if dates:
        choices.append(Choice(label("dates_done"), "done"))
    context = {
        "picked": [views.when(datetime.fromisoformat(d)) for d in dates],
        "first": views.when(datetime.combine(first, datetime.min.time(), JST)),
        "last": views.when(datetime.combine(last, datetime.min.time(), JST)),
        "left": rules.limits()["preferred_dates"] - len(dates),
        **_hours(),
    }
    turn.add(Reply("visit/ask_dates", context, choices))


def _hours() -> dict[str, str]:
    """Opening time and the latest start of a visit, e.g. 09:00 and 16:00."""
    params = rules.picker_params(datetime.now(JST))
    return {"opens": params["min"][11:], "latest": params["max"][11:]}


def answer_dates(turn: Turn) -> str | Retry:
    """Adds one preferred date (or stops at 'done'); asks again until three."""
    dates = list(turn.data.get("dates") or [])
    if turn.inbound.kind == "choice" and turn.inbound.value == "done" and dates:
        return "notes"
    if turn.inbound.kind != "choice" or turn.inbound.value != "pd":
        return Retry([Reply("visit/use_picker")])
    picked = rules.parse_picked(turn.inbound.params)
    if isinstance(picked, str):
        return Retry([Reply("visit/date_picker_garbage")])
    problem = rules.preferred_visit_error(picked, turn.now)
    iso = picked.isoformat()
    if problem is None and iso in dates:
        problem = rules.DUPLICATE_DATE
    if problem is not None:
        first, last = rules.visit_bounds(turn.now)
        context = {
            "w": views.when(picked),
            "first": views.when(datetime.combine(first, datetime.min.time(), JST)),
            "last": views.when(datetime.combine(last, datetime.min.time(), JST)),
            **_hours(),
        }
        return Retry([Reply(f"visit/date_{problem}", context)])
    dates.append(iso)
    turn.remember(dates=dates)
    if len(dates) >= rules.limits()["preferred_dates"]:
        return "notes"
    return "dates"


def ask_notes(turn: Turn) -> None:
    """Asks about walking, hearing or other needs (optional)."""
    reply = Reply("visit/ask_notes", choices=[Choice(label("no_notes"), "none")])
    reply.expects_speech = True
    turn.add(reply)


def answer_notes(turn: Turn) -> str | Retry:
    """Stores notes; asks for a contact phone number."""
    if turn.inbound.kind == "choice" and turn.inbound.value == "none":
        turn.remember(notes=None)
        return "phone"
    text = _text(turn)
    if not text or len(text) > MAX_NOTES:
        return Retry([Reply("visit/notes_too_long" if text else "visit/notes_needed", {"max": MAX_NOTES})])
    turn.remember(notes=text)
    return "phone"


def ask_phone(turn: Turn) -> None:
    """Asks for a phone number staff can call about the visit (required)."""
    turn.add(Reply("visit/ask_phone"))


def answer_phone(turn: Turn) -> str | Retry:
    """Stores phone; asks to confirm."""
    phone = rules.parse_phone(turn.inbound.text)
    if phone == rules.BAD_PHONE:
        return Retry([Reply("bookings/bad_phone")])
    turn.remember(phone=phone)
    return "confirm"


def _summary(turn: Turn) -> dict:
    d = turn.data
    return {
        "kind": d.get("kind"),
        "postal": d.get("postal"),
        "address": d.get("address"),
        "area": views.area_name(d.get("area")),
        "applicants": d.get("applicants"),
        "dates": [views.when(datetime.fromisoformat(x)) for x in d.get("dates") or []],
        "notes": d.get("notes"),
        "phone": d.get("phone"),
        "purpose": d.get("purpose"),
    }


def ask_confirm(turn: Turn) -> None:
    """Shows the summary and asks to send the request."""
    turn.add(Reply("visit/confirm", _summary(turn), views.yes_no("send_request", "no_thanks")))


def answer_confirm(turn: Turn) -> str | Retry:
    """Records the request (status received); tells what to prepare."""
    if turn.inbound.value == "no":
        views.leave_flow(turn, Reply("visit/not_sent"))
        return END
    if turn.inbound.value != "yes":
        return Retry([Reply("venue/answer_yes_no")])
    d = turn.data
    request = VisitRequest(
        resident_id=turn.resident.id,
        kind=d["kind"],
        postal_code=d["postal"],
        area=d.get("area"),
        address=d["address"],
        applicants=int(d["applicants"]),
        preferred=list(d.get("dates") or []),
        notes=d.get("notes"),
        contact_phone=d["phone"],
        channel=turn.inbound.channel,
        reason=d.get("purpose"),
    )
    turn.session.add(request)
    turn.session.flush()
    choices = [Choice(label("bookings"), "menu:bookings"), Choice(label("menu"), "g:menu")]
    turn.add(Reply("visit/received", {**_summary(turn), "number": request.id}, choices))
    return END


register(
    Flow(
        "visit",
        "kind",
        {
            "kind": Step(ask_kind, answer_kind),
            "purpose": purpose.step("postal"),
            "postal": Step(ask_postal, answer_postal),
            "address": Step(ask_address, answer_address),
            "applicants": Step(ask_applicants, answer_applicants),
            "dates": Step(ask_dates, answer_dates),
            "notes": Step(ask_notes, answer_notes),
            "phone": Step(ask_phone, answer_phone),
            "confirm": Step(ask_confirm, answer_confirm),
        },
    )
)
