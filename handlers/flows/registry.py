"""Imports every flow module once so that each registers itself."""

from __future__ import annotations

import importlib

FLOW_MODULES = (
    "handlers.flows.faq",
    "handlers.flows.venue",
    "handlers.flows.visit",
    "handlers.flows.bookings",
    "handlers.flows.notices",
)
_loaded = False


def load_flows() -> None:
    global _loaded
    if _loaded:
        return
    for name in FLOW_MODULES:
        importlib.import_module(name)
    _loaded = True
