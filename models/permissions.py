"""What each staff role may do in the console (documented in docs/console.md).

One table, read by the console's route guards and by the templates (to hide
what a role cannot use). Roles come from ``models.staff``.
"""

from __future__ import annotations

from models.staff import CITY_OFFICIAL, GENERAL_MANAGER, SITE_MANAGER, WORKER

VIEW_INBOX = "view_inbox"  # the escalation inbox and inquiry pages (transcript: view logged)
REPLY = "reply"  # answer, assign, categorise, hand back, close, call-back notes
REVEAL_PERSONAL = "reveal_personal"  # unmask a resident's name/phone/address (audited)
VIEW_SCHEDULE = "view_schedule"
EDIT_SCHEDULE = "edit_schedule"  # create/edit events, assign staff, propose visit dates
APPROVE = "approve"  # record the city's approval of an event or a visit request
VIEW_CITY_REPORT = "view_city_report"  # complaints report and cases (redacted)
EXPORT_CITY_REPORT = "export_city_report"  # CSV download (audited)
VIEW_PLAN = "view_plan"  # plan progress
MANAGE_STAFF = "manage_staff"
VIEW_AUDIT = "view_audit"  # the audit log viewer and its CSV (both logged)
MANAGE_CONTRACTS = "manage_contracts"  # create and edit contract periods (audited)
RECEIVE_CITY_NOTICES = "receive_city_notices"  # the complaint alert; acknowledge it
RECORD_RESULTS = "record_results"  # an event's figures after the event (docs/reports.md)
CHECK_REPORTS = "check_reports"  # check a report and mark it submitted to the city

ALL = (
    VIEW_INBOX, REPLY, REVEAL_PERSONAL, VIEW_SCHEDULE, EDIT_SCHEDULE, APPROVE,
    VIEW_CITY_REPORT, EXPORT_CITY_REPORT, VIEW_PLAN, MANAGE_STAFF, VIEW_AUDIT,
    MANAGE_CONTRACTS, RECEIVE_CITY_NOTICES, RECORD_RESULTS, CHECK_REPORTS,
)  # fmt: skip

MATRIX: dict[str, frozenset[str]] = {
    GENERAL_MANAGER: frozenset(ALL),
    SITE_MANAGER: frozenset(
        {
            VIEW_INBOX,
            REPLY,
            REVEAL_PERSONAL,
            VIEW_SCHEDULE,
            EDIT_SCHEDULE,
            VIEW_CITY_REPORT,
            VIEW_PLAN,
            RECORD_RESULTS,
            CHECK_REPORTS,
        }
    ),  # fmt: skip
    WORKER: frozenset({VIEW_INBOX, REPLY, VIEW_SCHEDULE, RECORD_RESULTS}),
    CITY_OFFICIAL: frozenset(
        {VIEW_SCHEDULE, APPROVE, VIEW_CITY_REPORT, EXPORT_CITY_REPORT, VIEW_PLAN,
         VIEW_AUDIT, RECEIVE_CITY_NOTICES}
    ),  # fmt: skip
}


def allowed(role: str, permission: str) -> bool:
    if permission not in ALL:
        raise ValueError(f"unknown permission {permission!r}")
    return permission in MATRIX.get(role, frozenset())


def permissions_of(role: str) -> frozenset[str]:
    return MATRIX.get(role, frozenset())
