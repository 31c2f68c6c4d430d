"""The ``<int:…>`` URL converter for every route: ASCII digits, at most 2**31-1.

Ids are 32-bit in the database; werkzeug's own converter accepts any length
(and any Unicode decimal digit), so ``/api/v1/events/99999999999`` reached
PostgreSQL and failed there with a 500. Out of range now means "no such
page": 404.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from handlers.numbers import INT32_MAX


class Int32Converter(IntegerConverter):
    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(map, *args, **kwargs)
