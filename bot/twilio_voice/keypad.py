"""Numbered menus for the phone and SMS, and the caller's keys mapped back.

``build(replies)`` turns the choices a reply offers (buttons, cards, date
pickers) into a keypad: on the phone 1-8 (9 repeats, * goes back, 0 is a
person; more than eight items are read in pages of seven, 8 = more), in SMS
1..n. The keypad is stored server-side (``VoiceCall.menu``) and
``resolve`` maps the next request's digits or speech back to a choice value:
nothing from the client is trusted beyond the key pressed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from handlers import phone
from handlers.contract import Choice, Reply
from handlers.numbers import ascii_digits
from handlers.text import render
from handlers.words import normalize
from scheduler.business_calendar import JST

PAGE = 7  # items per page when a menu is longer than eight
NEXT_PAGE = "8"
PICKERS = {"date": 4, "datetime": 8, "time": 4}  # digits expected per picker kind


@dataclass
class Keypad:
    pages: list[list[list[Any]]] = field(default_factory=list)  # [[key, label, value, params]]
    page: int = 0
    picker: dict[str, Any] | None = None  # {"kind", "value", "params"}
    speech: bool = False
    keyed: bool = False  # a full number may be keyed, ended with #
    back: bool = False
    person: bool = True
    cards: list[str] = field(default_factory=list)  # card texts, read before the items

    @property
    def items(self) -> list[list[Any]]:
        return self.pages[self.page] if self.pages else []

    @property
    def single_key(self) -> bool:
        """Every answer is one key: Twilio may act on the first press."""
        return self.picker is None and not self.keyed and bool(self.pages)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "page": self.page,
            "picker": self.picker,
            "speech": self.speech,
            "keyed": self.keyed,
            "back": self.back,
            "cards": self.cards,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Keypad:
        data = data or {}
        return cls(
            pages=data.get("pages") or [],
            page=int(data.get("page") or 0),
            picker=data.get("picker"),
            speech=bool(data.get("speech")),
            keyed=bool(data.get("keyed")),
            back=bool(data.get("back")),
            cards=data.get("cards") or [],
        )


def _choices(replies: list[Reply]) -> tuple[list[Choice], list[tuple[str, Choice | None]]]:
    """(the last reply's choices, card entries (text, choice or None))."""
    cards: list[tuple[str, Choice | None]] = []
    for reply in replies:
        if reply.payload and reply.payload.get("type") == "cards":
            for card in reply.payload.get("cards") or []:
                title = str(card.get("title") or "")
                lines = [str(x) for x in card.get("lines") or []]
                text = render("voice/card", title=title, lines=lines, choice=None)
                card_choices = [_as_choice(c) for c in card.get("choices") or []]
                if len(card_choices) == 1:
                    cards.append((text, card_choices[0]))
                else:
                    cards.append((text, None))
                    cards += [
                        (render("voice/card", title=title, lines=[], choice=c.label), c)
                        for c in card_choices
                    ]
    last = next((r.choices for r in reversed(replies) if r.choices), [])
    return list(last), cards


def _as_choice(c: Any) -> Choice:
    return c if isinstance(c, Choice) else Choice(**c)


def build(replies: list[Reply], *, voice: bool = True) -> Keypad:
    choices, cards = _choices(replies)
    pad = Keypad(
        speech=any(r.expects_speech for r in replies),
        keyed=any(r.template in phone.KEYED_INPUT for r in replies),
    )
    values = {c.value for c in choices}
    entries: list[tuple[str, Choice]] = []
    fixed: list[tuple[str, Choice]] | None = None
    if choices and values <= phone.main_menu_values() and "menu:venue" in values:
        fixed = phone.phone_main_menu(voice)
    for text, choice in cards:
        if choice is None:
            pad.cards.append(text)
        else:
            entries.append((text, choice))
    for choice in choices:
        if choice.value in phone.GLOBAL_KEYS.values():
            pad.back = pad.back or choice.value == "g:back"
            continue
        if choice.kind in PICKERS:
            pad.picker = {"kind": choice.kind, "value": choice.value, "params": choice.params}
            continue
        if choice.kind == "uri":
            continue  # a link cannot be followed on the phone
        if all(c.value != choice.value for _t, c in entries):  # a card already offers it
            entries.append((choice.label, choice))
    if fixed is not None:
        pad.pages = [[[k, c.label, c.value, c.params] for k, c in fixed]]
    elif entries:
        pad.pages = _paginate(entries, voice)
    return pad


def _paginate(entries: list[tuple[str, Choice]], voice: bool) -> list[list[list[Any]]]:
    if not voice:
        return [[[str(i), t, c.value, c.params] for i, (t, c) in enumerate(entries, 1)]]
    size = 8 if len(entries) <= 8 else PAGE
    pages = []
    for start in range(0, len(entries), size):
        chunk = entries[start : start + size]
        pages.append([[str(i), t, c.value, c.params] for i, (t, c) in enumerate(chunk, 1)])
    return pages


@dataclass(frozen=True)
class Resolved:
    """What the caller's input means: a choice, free text, a page turn, or nothing usable."""

    kind: str  # choice | text | next_page | odd | empty
    value: str | None = None
    text: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def resolve(pad: Keypad, digits: str, speech: str, today: date | None = None) -> Resolved:
    digits = (digits or "").strip()
    if digits:
        return _resolve_digits(pad, digits, today)
    if speech.strip():
        return _resolve_speech(pad, speech)
    return Resolved("empty")


def _resolve_digits(pad: Keypad, digits: str, today: date | None) -> Resolved:
    if digits in phone.GLOBAL_KEYS:
        return Resolved("choice", phone.GLOBAL_KEYS[digits])
    if digits == NEXT_PAGE and len(pad.pages) > 1:
        return Resolved("next_page")
    for key, _label, value, params in pad.items:
        if key == digits:
            return Resolved("choice", value, params=dict(params or {}))
    if pad.picker and ascii_digits(digits):
        params = picker_params(pad.picker["kind"], digits, today)
        if params is not None:
            return Resolved("choice", pad.picker["value"], params=params)
        return Resolved("odd")
    if (pad.keyed or not pad.pages) and ascii_digits(digits, 20):
        return Resolved("text", text=digits)  # a number the step asked for
    return Resolved("odd")


def _resolve_speech(pad: Keypad, speech: str) -> Resolved:
    said = normalize(speech)
    labels = [(normalize(label), value, params) for _k, label, value, params in pad.items]
    hits = [(v, p) for lab, v, p in labels if lab and (lab == said or lab in said)]
    if len(hits) == 1:
        return Resolved("choice", hits[0][0], params=dict(hits[0][1] or {}))
    key = phone.spoken_number(said)  # "2", 「にばん」, 「2番」
    for item_key, _label, value, params in pad.items:
        if item_key == key:
            return Resolved("choice", value, params=dict(params or {}))
    return Resolved("text", text=speech)


def picker_params(kind: str, digits: str, today: date | None = None) -> dict[str, str] | None:
    """Keyed digits → the params a LINE picker would send ({"date": "YYYY-MM-DD"} …)."""
    today = today or datetime.now(JST).date()
    try:
        if kind == "time" and len(digits) == 4:
            return {"time": f"{int(digits[:2]):02d}:{int(digits[2:]):02d}"} if _hm(digits) else None
        if kind in ("date", "datetime") and len(digits) in (PICKERS[kind], PICKERS[kind] + 4):
            if len(digits) == PICKERS[kind] + 4:  # the year keyed too
                year, digits = int(digits[:4]), digits[4:]
                day = date(year, int(digits[:2]), int(digits[2:4]))
            else:
                day = date(today.year, int(digits[:2]), int(digits[2:4]))
                if day < today:  # March 5 keyed in December means next year
                    day = date(today.year + 1, day.month, day.day)
            if kind == "date":
                return {"date": day.isoformat()}
            hm = digits[4:8]
            return {"datetime": f"{day.isoformat()}T{hm[:2]}:{hm[2:]}"} if _hm(hm) else None
    except ValueError:
        return None
    return None


def _hm(hm: str) -> bool:
    return len(hm) == 4 and int(hm[:2]) < 24 and int(hm[2:]) < 60
