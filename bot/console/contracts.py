"""Contract periods (契約期間): the list, the form to create or edit one, and the plan
page of a chosen period."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from bot.console.blueprint import bp
from bot.console.security import actor, can, require
from handlers import contract_periods as cp
from models import contracts as ct
from models.db import db
from models.permissions import MANAGE_CONTRACTS, VIEW_PLAN
from models.plan import progress


def chosen_period(s) -> ct.ContractPeriod | None:
    """``?period=<id>`` if it names one, else the current period."""
    raw = request.args.get("period", "")
    if raw.isascii() and raw.isdigit() and len(raw) < 10:
        found = ct.get_period(s, int(raw))
        if found is not None:
            return found
    return ct.current_period(s)


def unappointed_period() -> str | None:
    """For every console page: the current period's name if it lacks a general manager."""
    with db.reader() as s:
        return ct.unappointed_general_manager(s)


@bp.context_processor
def _contract_helpers() -> dict:
    return {"unappointed_period": unappointed_period}


@bp.route("/plan")
@require(VIEW_PLAN)
def plan():
    with db.reader() as s:
        period = chosen_period(s)
        return render_template(
            "console/plan.html", p=progress(s, period) if period else None, period=period,
            periods=ct.list_periods(s), current=ct.current_period(s),
        )  # fmt: skip


@bp.route("/contracts")
@require(VIEW_PLAN)
def contracts():
    with db.reader() as s:
        return render_template(
            "console/contracts.html", periods=ct.list_periods(s), current=ct.current_period(s)
        )


def _form_page(f: cp.PeriodForm, errors: dict, period_id: int | None = None, status=200):
    with db.reader() as s:
        period = ct.get_period(s, period_id) if period_id else None
        return render_template(
            "console/contract_form.html", f=f, errors=errors, period=period,
            people=cp.appointable(s), editable=can(MANAGE_CONTRACTS),
        ), status  # fmt: skip


@bp.route("/contracts/new", methods=["GET", "POST"])
@require(MANAGE_CONTRACTS)
def contract_new():
    if request.method == "GET":
        return _form_page(cp.PeriodForm(), {})
    f, errors = cp.parse_form(request.form)
    if errors:
        return _form_page(f, errors, status=422)
    with db.unit_of_work() as s:
        period, errors = cp.create_period(s, actor(), f)
        if errors:
            return _form_page(f, errors, status=422)
        s.commit()
        period_id = period.id
    flash("contract_saved")
    return redirect(url_for("console.contract", period_id=period_id))


@bp.route("/contracts/<int:period_id>", methods=["GET", "POST"])
@require(VIEW_PLAN)
def contract(period_id: int):
    if request.method == "GET":
        with db.reader() as s:
            period = ct.get_period(s, period_id)
            if period is None:
                abort(404)
            f = cp.form_of(period)
        return _form_page(f, {}, period_id)
    if not can(MANAGE_CONTRACTS):
        abort(403)
    f, errors = cp.parse_form(request.form)
    if errors:
        return _form_page(f, errors, period_id, status=422)
    with db.unit_of_work() as s:
        period = ct.get_period(s, period_id)
        if period is None:
            abort(404)
        _saved, errors = cp.update_period(s, actor(), period, f)
        if errors:
            return _form_page(f, errors, period_id, status=422)
        s.commit()
    flash("contract_saved")
    return redirect(url_for("console.contract", period_id=period_id))
