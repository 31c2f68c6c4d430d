"""Defect notice (fubi): a resident got a notice that their application is defective.

One flow for LINE, SMS and the phone, started by the menu value
``menu:defect`` (phone key 4) or by trigger words ("a defect notice came")
(``handlers.defects.route``). Never asks for a My Number or an application
id: we match by the resident already linked to an application record (or
whose phone is on it), else by name in kana and the event where they applied.

```mermaid
flowchart LR
  reason -->|linked, or on the phone| END
  reason --> name -->|skip| END
  name --> event --> END
  END --> report["handlers.defects.report: match or open a case"]
```
On the phone we stop after the reason: speech cannot be trusted with a name
in kana, so an unmatched caller gets a callback task (staff match the case).
"""

from __future__ import annotations

from datetime import timedelta

from handlers import defects
from handlers.contract import Choice, Reply
from handlers.flows.engine import END, Flow, Retry, Step, register
from handlers.numbers import record_id
from handlers.text import label
from handlers.turn import Turn
from models import defects as dc
from models.applications import events_with_records, normalize_kana, records_of_resident
from models.city import city
from models.events import SupportEvent, local

FLOW = defects.FLOW
REASON, EVENT, NAME_SKIP = "defect:reason:", "defect:event:", "defect:name:skip"
UNKNOWN_EVENT = EVENT + "none"
MAX_DETAIL = 500
MAX_EVENTS = 10


def _reason_choices() -> list[Choice]:
    return [Choice(r["label"], REASON + r["code"]) for r in dc.reasons()]


def guess_reason(text: str) -> str:
    """The reason whose words (city.yaml) the text mentions; else "other"."""
    for r in dc.reasons():
        if any(word in text for word in r.get("words") or []):
            return r["code"]
    return "other"


def ask_reason(turn: Turn) -> None:
    """Asks what the notice says: a reason button, or a few words (speech on the phone)."""
    turn.add(Reply("defect/ask", choices=_reason_choices(), expects_speech=True))


def answer_reason(turn: Turn) -> str | Retry:
    """Stores reason (and detail, the redacted words); asks for the name unless known."""
    inbound = turn.inbound
    value = inbound.value or ""
    if inbound.kind == "choice" and value.removeprefix(REASON) in dc.reason_codes():
        turn.remember(reason=value.removeprefix(REASON), detail=None)
    elif inbound.kind == "text" and (inbound.text or "").strip():
        detail = inbound.text.strip()[:MAX_DETAIL]
        turn.remember(reason=guess_reason(detail), detail=detail)
    else:
        return Retry([Reply("defect/need_detail")])
    if turn.voice or records_of_resident(turn.session, turn.resident):
        return END
    return "name"


def ask_name(turn: Turn) -> None:
    """Asks for the applicant's name in kana (a button skips)."""
    turn.add(Reply("defect/ask_name", choices=[Choice(label("defect_skip_name"), NAME_SKIP)]))


def answer_name(turn: Turn) -> str | Retry:
    """Stores name_kana; asks where they applied when we know recent events."""
    inbound = turn.inbound
    if inbound.kind == "choice" and inbound.value == NAME_SKIP:
        turn.remember(name_kana=None)
        return END
    kana = normalize_kana(inbound.text) if inbound.kind == "text" else None
    if not kana:
        return Retry([Reply("defect/need_kana")])
    turn.remember(name_kana=kana)
    return "event" if _recent_events(turn) else END


def _recent_events(turn: Turn) -> list[SupportEvent]:
    days = int((city().get("defects") or {}).get("recent_event_days", 120))
    ids = events_with_records(turn.session, turn.now - timedelta(days=days), turn.now)
    return [turn.session.get(SupportEvent, i) for i in ids[:MAX_EVENTS]]


def ask_event(turn: Turn) -> None:
    """Asks at which support event they applied (recent events as buttons)."""
    choices = []
    for event in _recent_events(turn):
        start = local(event.starts_at)
        text = label("defect_event", month=start.month, day=start.day, place=event.place.name)
        choices.append(Choice(text, f"{EVENT}{event.id}"))
    choices.append(Choice(label("defect_unknown_event"), UNKNOWN_EVENT))
    turn.add(Reply("defect/ask_event", choices=choices))


def answer_event(turn: Turn) -> str | Retry:
    """Stores event_id (None when they do not know)."""
    value = turn.inbound.value or "" if turn.inbound.kind == "choice" else ""
    if value == UNKNOWN_EVENT:
        turn.remember(event_id=None)
        return END
    raw = value.removeprefix(EVENT)
    event_id = record_id(raw) if value.startswith(EVENT) else None
    if event_id is None:
        return Retry([Reply("defect/need_event")])
    turn.remember(event_id=event_id)
    return END


def finish(turn: Turn) -> None:
    """Matches or opens the case (handlers.defects.report) and tells the resident."""
    data = turn.data
    defects.report(
        turn,
        reason=data.get("reason") or "other",
        detail=data.get("detail"),
        name_kana=data.get("name_kana"),
        event_id=data.get("event_id"),
    )


register(
    Flow(
        FLOW,
        "reason",
        {
            "reason": Step(ask_reason, answer_reason),
            "name": Step(ask_name, answer_name),
            "event": Step(ask_event, answer_event),
        },
        on_end=finish,
    )
)
