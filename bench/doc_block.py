"""Replace a bench script's results block in a docs page (``--write``)."""

from __future__ import annotations

from pathlib import Path


def write_block(doc: Path, begin: str, end: str, line: str) -> None:
    """Put ``line`` between the ``begin`` and ``end`` markers of ``doc``, if both are there."""
    if not doc.exists():
        return
    text = doc.read_text(encoding="utf-8")
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _old, tail = rest.split(end, 1)
        doc.write_text(f"{head}{begin}\n{line}\n{end}{tail}", encoding="utf-8")
