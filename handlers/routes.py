"""Buttons that work outside any flow, e.g. a pushed visit-date proposal.

A module registers a value prefix and the handler that answers it; dispatch
consults this table for choices that arrive when no flow is running.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.turn import Turn

CHOICE_ROUTES: dict[str, Callable[[Turn], None]] = {}


def register_choice_route(prefix: str, handler: Callable[[Turn], None]) -> None:
    CHOICE_ROUTES[prefix] = handler


def choice_route(value: str | None) -> Callable[[Turn], None] | None:
    if not value:
        return None
    return next((h for p, h in CHOICE_ROUTES.items() if value.startswith(p)), None)
