"""Notice settings: which notices a resident wants, for which area (issue 14).

topics → (area) → (renewal kind → expiry date(s)) → saved. 「配信停止」 in the
first step (and anywhere, as a global word) stops every notice. A preset
start (``notices:renewal``, from a renewal FAQ answer) skips the first step.
Works the same on LINE, SMS and the phone (dates keyed as eight digits).

```mermaid
flowchart LR
  topics -->|venue / both| area
  topics -->|renewal| kind
  area -->|both| kind
  area -->|venue| saved
  kind --> date --> date2[date: next kind] --> saved
  topics -->|stop| stopped
```
"""

from __future__ import annotations

from datetime import date
from typing import Any

from handlers import booking_views as views
from handlers import renewal_dates as dates
from handlers import residence
from handlers.contract import Choice, Reply
from handlers.flows.engine import END, STACK, Flow, Retry, Step, register
from handlers.menu import main_menu_choices
from handlers.routes import register_choice_route
from handlers.text import label
from handlers.turn import Turn
from models import notices as nt
from models import renewals as rn
from scheduler.business_calendar import JST

TOPIC_VALUES = {"nt:venue": (True, False), "nt:renewal": (False, True), "nt:both": (True, True)}
KIND_VALUES = {"rk:card": [rn.CARD], "rk:certificate": [rn.CERTIFICATE],
               "rk:both": [rn.CARD, rn.CERTIFICATE]}  # fmt: skip
STOP_VALUE = "nt:stop"


def _today(turn: Turn) -> date:
    return turn.now.astimezone(JST).date()


def current_settings(turn: Turn) -> dict[str, Any]:
    """What the resident has now, for the templates."""
    pref = nt.get_preference(turn.session, turn.resident.id)
    reminders = rn.reminders_of(turn.session, turn.resident.id)
    return {
        "venue_area": views.area_name(pref.area) if pref and pref.area else "",
        "renewals": [{"kind": r.kind, "expires": r.expires_on} for r in reminders],
    }


def ask_topics(turn: Turn) -> None:
    """Shows the current settings; asks which notices to get (or to stop them all)."""
    choices = [Choice(label(n), v) for n, v in (
        ("nt_venue", "nt:venue"), ("nt_renewal", "nt:renewal"), ("nt_both", "nt:both"),
        ("unsubscribe", STOP_VALUE), ("menu", "g:menu"),
    )]  # fmt: skip
    turn.add(Reply("notices/ask_topics", current_settings(turn), choices))


def answer_topics(turn: Turn) -> str | Retry:
    """Stores venue/renewal wishes; asks for the area or the renewal kind."""
    value = turn.inbound.value if turn.inbound.kind == "choice" else None
    if value == STOP_VALUE:
        stop(turn)
        return END
    if value not in TOPIC_VALUES:
        return Retry([Reply("notices/choose_from_list")])
    venue, renewal = TOPIC_VALUES[value]
    turn.remember(venue=venue, renewal=renewal, area=None, kinds=[], dates={})
    return "area" if venue else "kind"


def ask_area(turn: Turn) -> None:
    """Asks the area whose venue dates they want (a button or a postal code)."""
    page = int(turn.data.get("area_page") or 0)
    choices = residence.ask_choices(voice=turn.voice, page=page)
    turn.add(Reply("notices/ask_area", choices=choices, expects_speech=True))


def answer_area(turn: Turn) -> str | Retry:
    """Stores area; goes on to renewal reminders or saves."""
    found = residence.judge(turn.inbound.kind, turn.inbound.value, turn.inbound.text)
    if found.outcome == residence.NEXT_PAGE:
        turn.remember(area_page=int(turn.data.get("area_page") or 0) + 1)
        return Retry()
    if found.outcome in (residence.REFUSED, residence.OUTSIDE_CODE):
        turn.add(Reply("notices/outside", {"where": found.where}))
        turn.remember(venue=False)
    elif found.outcome == residence.INSIDE:
        turn.remember(area=found.area)
    else:
        return Retry([Reply("venue/residence_unknown")])
    if turn.data.get("renewal"):
        return "kind"
    return _save(turn)


def ask_kind(turn: Turn) -> None:
    """Asks whether to be reminded of the card's expiry, the certificate's, or both."""
    choices = [Choice(label(n), v) for n, v in (
        ("rk_card", "rk:card"), ("rk_certificate", "rk:certificate"), ("rk_both", "rk:both"),
    )]  # fmt: skip
    turn.add(Reply("notices/ask_kind", choices=choices))


def answer_kind(turn: Turn) -> str | Retry:
    """Stores the kinds to ask a date for; asks the first date."""
    value = turn.inbound.value if turn.inbound.kind == "choice" else None
    if value not in KIND_VALUES:
        return Retry([Reply("notices/choose_from_list")])
    turn.remember(kinds=KIND_VALUES[value], dates={})
    return "date"


def _next_kind(turn: Turn) -> str | None:
    done = turn.data.get("dates") or {}
    return next((k for k in turn.data.get("kinds") or [] if k not in done), None)


def ask_date(turn: Turn) -> None:
    """Asks the expiry printed on the card for the next kind (date picker on LINE)."""
    kind = _next_kind(turn) or rn.CARD
    params = dates.picker_params(kind, _today(turn))
    choices = [Choice(label("pick_expiry"), dates.PICKER, kind="date", params=params)]
    context = {"kind": kind, "latest": params["max"]}
    turn.add(Reply("notices/ask_date", context, choices, expects_speech=True))


def answer_date(turn: Turn) -> str | Retry:
    """Stores the date (never anything but a date); asks the next one or saves."""
    kind = _next_kind(turn) or rn.CARD
    inbound = turn.inbound
    if inbound.kind == "choice" and inbound.value == dates.PICKER:
        value = dates.picked(inbound.params)
    else:
        value = dates.parse(inbound.text if inbound.kind == "text" else None)
    checked = dates.check(kind, value, _today(turn))
    if isinstance(checked, str):
        context = {"kind": kind, "latest": dates.latest(kind, _today(turn)).isoformat()}
        return Retry([Reply(f"notices/date_{checked}", context)])
    turn.remember(dates={**(turn.data.get("dates") or {}), kind: checked.isoformat()})
    if _next_kind(turn):
        return "date"
    return _save(turn)


def _save(turn: Turn) -> str:
    d = turn.data
    area = d.get("area") if d.get("venue") else None
    renewal = bool(d.get("renewal") and d.get("dates"))
    channel = turn.inbound.channel
    if not area and not renewal:
        views.leave_flow(turn, Reply("notices/nothing_saved"))
        return END
    nt.save_preference(turn.session, turn.resident.id, venue_area=area, renewal=renewal,
                       channel=channel, now=turn.now)  # fmt: skip
    for kind, iso in (d.get("dates") or {}).items():
        rn.set_reminder(turn.session, turn.resident.id, kind, date.fromisoformat(iso), channel, turn.now)
    context = {**current_settings(turn), "stages": rn.remind_days_before()}
    turn.add(Reply("notices/saved", context, main_menu_choices()))
    return END


def stop(turn: Turn) -> None:
    """「配信停止」: every notice stops, renewal dates are deleted; said plainly."""
    had = nt.stop_notices(turn.session, turn.resident.id, turn.inbound.channel, turn.now)
    views.leave_flow(turn, Reply("notices/stopped" if had else "notices/none_to_stop"))


def _start_renewal(turn: Turn) -> None:
    """A 「更新のお知らせを受け取る」 button (FAQ answers): straight to the renewal kind."""
    conv = turn.conversation
    conv.flow, conv.step = "notices", "kind"
    conv.data = {STACK: [], "venue": False, "renewal": True, "kinds": [], "dates": {}}
    ask_kind(turn)


register_choice_route("notices:renewal", _start_renewal)
register(
    Flow(
        "notices",
        "topics",
        {
            "topics": Step(ask_topics, answer_topics),
            "area": Step(ask_area, answer_area),
            "kind": Step(ask_kind, answer_kind),
            "date": Step(ask_date, answer_date),
        },
    )
)
