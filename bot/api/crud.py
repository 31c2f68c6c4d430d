"""What the API's resources share: a filtered list, a view, a create and an update.

Routes stay thin: they check what is particular to their resource, then hand
the query or model, the function that applies a body to a row and the one
that turns a row into JSON to these. A list is a plain JSON array of every
row that matches (the API has no pagination). A list or view of personal
data is written to the audit log (``audited_as`` names the target).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import jsonify, request
from sqlalchemy import Select

from bot.api import body, get_or_404, uow
from bot.api.personal import audited

ToJson = Callable[[Any], Any]
Apply = Callable[[Any, dict[str, Any]], None]


def narrowed(
    query: Select, model: type, *, ids: Iterable[str] = (), values: Iterable[str] = ()
) -> Select:
    """The query narrowed by the query string's filters (already checked against the
    document: ids are whole numbers in range); one left empty is ignored."""
    args = request.args
    for field in ids:
        if args.get(field):
            query = query.where(getattr(model, field) == int(args[field]))
    for field in values:
        if args.get(field):
            query = query.where(getattr(model, field) == args[field])
    return query


def listed(query: Select, to_json: ToJson, *, audited_as: str | None = None):
    """Every row the query finds, as a JSON array."""
    with uow() as s:
        rows = [to_json(row) for row in s.scalars(query)]
        if audited_as:
            audited(s, audited_as, f"{len(rows)} rows")
            s.commit()
        return jsonify(rows)


def viewed(model: type, ident: int, to_json: ToJson, *, audited_as: str | None = None):
    """One row as JSON, or 404."""
    with uow() as s:
        row = to_json(get_or_404(s, model, ident))
        if audited_as:
            audited(s, audited_as)
            s.commit()
        return jsonify(row)


def created(row: Any, data: dict[str, Any], apply: Apply, to_json: ToJson):
    """A new row from the body (``apply`` checks and sets its fields): 201 and the row."""
    with uow() as s:
        apply(row, data)
        s.add(row)
        s.commit()
        return jsonify(to_json(row)), 201


def updated(model: type, ident: int, apply: Apply, to_json: ToJson):
    """The row changed by the body (``apply`` checks and sets its fields), or 404."""
    data = body()
    with uow() as s:
        row = get_or_404(s, model, ident)
        apply(row, data)
        s.commit()
        return jsonify(to_json(row))
