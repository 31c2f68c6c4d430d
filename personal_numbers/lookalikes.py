"""Characters people type where they mean a hyphen, a space or a bracket.

One list for every parser of typed numbers (phone numbers, postal codes,
My Numbers in redaction), so that a number accepted in one place is
accepted in all. The code points live in ``personal_numbers/lookalikes.yaml``.
This module imports nothing of the project (``models.lookalikes`` re-exports it).
"""

from __future__ import annotations

from pathlib import Path

import yaml

_DATA = Path(__file__).with_name("lookalikes.yaml")


def _load() -> dict[str, str]:
    with open(_DATA, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return {name: "".join(map(chr, raw[name])) for name in ("dashes", "spaces", "brackets")}


_CHARS = _load()
DASHES: str = _CHARS["dashes"]
SPACES: str = _CHARS["spaces"]
BRACKETS: str = _CHARS["brackets"]
