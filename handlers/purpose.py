"""Why a resident books: a first application or a card renewal (issue 14).

One step shared by the venue and visit flows (``step(next_step)``); its
answer is stored as ``purpose`` and lands on the booking or visit request as
``reason`` (``models/booking_reasons.py``), so reports count renewals apart.
The step is skipped when the flow starts for a renewal: the buttons under a
renewal reminder or a renewal FAQ answer (``book:renewal``) start the venue
flow with the purpose already set.
"""

from __future__ import annotations

from handlers.contract import Choice, Reply
from handlers.flows.engine import Retry, Step, start
from handlers.routes import register_choice_route
from handlers.text import label
from handlers.turn import Turn
from models.booking_reasons import FIRST, RENEWAL

VALUES = {"purpose:first": FIRST, "purpose:renewal": RENEWAL}
BOOK_RENEWAL = "book:renewal"


def ask(turn: Turn) -> None:
    """Asks whether this is a first application or a card renewal."""
    choices = [Choice(label("purpose_first"), "purpose:first"),
               Choice(label("purpose_renewal"), "purpose:renewal")]  # fmt: skip
    turn.add(Reply("bookings/ask_purpose", choices=choices))


def step(next_step: str) -> Step:
    def answer(turn: Turn) -> str | Retry:
        """Stores purpose (first / renewal); goes on."""
        value = turn.inbound.value if turn.inbound.kind == "choice" else None
        if value not in VALUES:
            return Retry([Reply("notices/choose_from_list")])
        turn.remember(purpose=VALUES[value])
        return next_step

    return Step(ask, answer)


def _book_renewal(turn: Turn) -> None:
    """「更新の申請を予約」: the venue flow, for a renewal."""
    start(turn, "venue", purpose=RENEWAL)


register_choice_route(BOOK_RENEWAL, _book_renewal)
