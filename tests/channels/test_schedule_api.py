"""The staff schedule API: token auth, CRUD and every rule answered by a clear 4xx."""

from __future__ import annotations

import pytest

from tests.api_helpers import AUTH, ENV_TOKEN, bearer, ok

FUTURE = "2030-12-05"  # a Thursday, a business day
SAT = "2030-12-07"
HOLIDAY = "2030-11-04"  # 振替休日 (文化の日 falls on a Sunday)


def refusal(resp):
    """(status, error code) of a refused call, for the test to compare with what it expects.

    An error without its message text gives its whole body in place of the code, so
    that the comparison fails and shows it.
    """
    body = resp.get_json()
    return resp.status_code, body["error"] if body.get("message") else body


CITY_APPROVAL = {"city_approver": "市民課 山田", "approval_ref": "下市第123号"}


def make_venue(api, approved=True):
    return ok(api.post("/places", {"kind": "venue", "name": "長府公民館", "area": "chofu",
                                    "approved_by_city": approved, "opens": "09:00",
                                    "closes": "17:00",
                                    **(CITY_APPROVAL if approved else {})}), 201)  # fmt: skip


def make_event(api, kind="venue", day=FUTURE, start="10:00", end="12:00", place=None, slots=True):
    place = place or (make_venue(api) if kind == "venue" else ok(api.post(
        "/places", {"kind": "facility", "name": "ひだまりホーム", "area": "honcho",
                    "approved_by_city": True, **CITY_APPROVAL}), 201))  # fmt: skip
    data = {"kind": kind, "place_id": place["id"], "starts_at": f"{day}T{start}",
            "ends_at": f"{day}T{end}"}  # fmt: skip
    if slots:
        data["slots"] = [{"starts_at": f"{day}T{start}", "ends_at": f"{day}T{end}", "capacity": 3}]
    return ok(api.post("/events", data), 201)


def person(api, role="worker", pledge="2026-04-01", approved=True):
    return ok(api.post("/staff", {"name": f"山田{role}", "role": role,
                                   "pledge_signed_on": pledge,
                                   "approved_by_city": approved}), 201)  # fmt: skip


def staff_event(api, event, *, workers=2, manager=True, official=False):
    for _ in range(workers):
        ok(api.post("/assignments", {"event_id": event["id"], "staff_id": person(api)["id"],
                                     "role": "worker"}), 201)  # fmt: skip
    if manager:
        ok(api.post("/assignments", {"event_id": event["id"],
                                     "staff_id": person(api, "site_manager")["id"],
                                     "role": "site_manager"}), 201)  # fmt: skip
    if official:
        ok(api.post("/assignments", {"event_id": event["id"],
                                     "staff_id": person(api, "city_official")["id"],
                                     "role": "city_official"}), 201)  # fmt: skip


def approve(api, event):
    """The city's approval; a venue event is confirmed not combined with political,
    religious or for-profit events."""
    return api.patch(f"/events/{event['id']}", {"status": "approved", "not_combined": True})


def open_event(api, event):
    ok(approve(api, event))
    return ok(api.patch(f"/events/{event['id']}", {"status": "open"}))


def bookable_event(api):
    """A venue event with its staff, open for bookings: the event and its one slot's id."""
    event = make_event(api)
    staff_event(api, event)
    open_event(api, event)
    return event, event["slots"][0]["id"]


# --- auth and description -------------------------------------------------------


def test_a_call_without_a_token_is_refused(api_app):
    resp = api_app.test_client().get("/api/v1/events")
    assert refusal(resp) == (401, "unauthorized")
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_is_refused(api_app):
    resp = api_app.test_client().get("/api/v1/events", headers={"Authorization": "Bearer nope"})
    assert refusal(resp) == (401, "unauthorized")


def test_an_environment_token_works_until_it_is_removed_from_the_configuration(api_app):
    client = api_app.test_client()
    assert client.get("/api/v1/events", headers=bearer(ENV_TOKEN)).status_code == 200
    api_app.config["STAFF_API_TOKENS"] = ""
    assert refusal(client.get("/api/v1/events", headers=bearer(ENV_TOKEN))) == (401, "unauthorized")


def test_the_openapi_description_is_public_and_lists_every_resource(api_app):
    spec = ok(api_app.test_client().get("/api/v1/openapi.json"))
    assert spec["openapi"].startswith("3.1")
    for path in ("/events", "/events/{event_id}/slots", "/bookings", "/visit-requests",
                 "/staff", "/assignments", "/plan"):  # fmt: skip
        assert path in spec["paths"]


def test_every_routed_path_is_described(api_app):
    spec = ok(api_app.test_client().get("/api/v1/openapi.json"))
    described = {"/api/v1" + p.replace("{", "<int:").replace("}", ">") for p in spec["paths"]}
    routed = {r.rule for r in api_app.url_map.iter_rules() if r.rule.startswith("/api/v1")}
    assert routed - described == {"/api/v1/openapi.json"}


# --- events and slots -----------------------------------------------------------


def test_a_venue_event_may_fall_on_a_saturday_within_the_venue_hours(api):
    event = make_event(api, day=SAT)
    assert event["status"] == "planned" and event["capacity"] == 3


def test_a_venue_event_outside_the_venue_hours_is_refused(api):
    place = make_venue(api)
    resp = api.post(
        "/events",
        {
            "kind": "venue",
            "place_id": place["id"],
            "starts_at": f"{SAT}T08:00",
            "ends_at": f"{SAT}T10:00",
        },
    )
    assert refusal(resp) == (422, "outside_venue_hours")


@pytest.mark.parametrize(
    "day, start, end, code",
    [
        (SAT, "10:00", "12:00", "not_business_day"),
        (HOLIDAY, "10:00", "12:00", "not_business_day"),
        ("2030-12-28", "10:00", "12:00", "not_business_day"),  # year-end closure
        (FUTURE, "16:30", "17:30", "outside_business_hours"),
        ("2020-12-03", "10:00", "12:00", "in_the_past"),
    ],
)
def test_a_visit_event_is_only_on_business_days_in_business_hours(api, day, start, end, code):
    resp = api.post("/events", {"kind": "visit", "place_id": ok(api.post("/places", {
        "kind": "home", "name": "田中様宅", "area": "honcho"}), 201)["id"],
        "starts_at": f"{day}T{start}", "ends_at": f"{day}T{end}"})  # fmt: skip
    body = resp.get_json()
    assert refusal(resp) == (422, body["error"]) and code in body["errors"]


def test_a_visit_at_a_venue_place_is_refused(api):
    place = make_venue(api)
    resp = api.post(
        "/events",
        {
            "kind": "visit",
            "place_id": place["id"],
            "starts_at": f"{FUTURE}T10:00",
            "ends_at": f"{FUTURE}T11:00",
        },
    )
    assert refusal(resp) == (422, "place_kind_mismatch")


@pytest.mark.parametrize("value", ["tomorrow", "2030-13-01T10:00", 12, "", "x" * 100])
def test_garbage_times_are_a_400(api, value):
    place = make_venue(api)
    resp = api.post(
        "/events",
        {
            "kind": "venue",
            "place_id": place["id"],
            "starts_at": value,
            "ends_at": f"{FUTURE}T11:00",
        },
    )
    assert refusal(resp) == (400, "bad_datetime")


def test_a_body_that_is_not_json_is_a_400(api):
    assert refusal(api.raw.post("/api/v1/events", data="nope", headers=AUTH)) == (400, "bad_json")


def test_an_unknown_event_is_a_404(api):
    assert refusal(api.get("/events/999")) == (404, "not_found")


def test_a_slot_outside_its_event_is_refused(api):
    event = make_event(api, slots=False)
    resp = api.post(
        f"/events/{event['id']}/slots",
        {"starts_at": f"{FUTURE}T13:00", "ends_at": f"{FUTURE}T13:30", "capacity": 2},
    )
    assert refusal(resp) == (422, "slot_outside_event")


@pytest.mark.parametrize("capacity", [0, -1, "3", None])
def test_a_slot_capacity_must_be_a_positive_number(api, capacity):
    event = make_event(api, slots=False)
    resp = api.post(f"/events/{event['id']}/slots", {"starts_at": f"{FUTURE}T10:00",
                                                     "ends_at": f"{FUTURE}T10:30",
                                                     "capacity": capacity})  # fmt: skip
    assert resp.status_code == 400


def test_an_event_opens_only_with_two_workers_and_an_approved_site_manager(api):
    event = make_event(api)
    ok(approve(api, event))
    resp = api.patch(f"/events/{event['id']}", {"status": "open"})
    assert refusal(resp) == (422, "needs_two_workers")
    assert "needs_approved_site_manager" in resp.get_json()["errors"]
    staff_event(api, event)
    assert ok(api.patch(f"/events/{event['id']}", {"status": "open"}))["status"] == "open"


def test_a_visit_opens_only_with_a_city_official(api):
    event = make_event(api, kind="visit")
    staff_event(api, event)
    ok(api.patch(f"/events/{event['id']}", {"status": "approved"}))
    resp = api.patch(f"/events/{event['id']}", {"status": "open"})
    assert refusal(resp) == (422, "needs_city_official")
    ok(
        api.post(
            "/assignments",
            {
                "event_id": event["id"],
                "role": "city_official",
                "staff_id": person(api, "city_official")["id"],
            },
        ),
        201,
    )
    assert ok(api.patch(f"/events/{event['id']}", {"status": "open"}))["status"] == "open"


def test_an_event_at_a_place_the_city_has_not_approved_cannot_be_approved(api):
    event = make_event(api, place=make_venue(api, approved=False))
    resp = approve(api, event)
    assert refusal(resp) == (422, "place_not_approved")


def test_status_moves_only_along_the_lifecycle(api):
    event = make_event(api)
    resp = api.patch(f"/events/{event['id']}", {"status": "done"})
    assert refusal(resp) == (409, "bad_transition")
    ok(api.patch(f"/events/{event['id']}", {"status": "cancelled"}))
    resp = api.patch(f"/events/{event['id']}", {"status": "planned"})
    assert refusal(resp) == (409, "bad_transition")


# --- staff rules ----------------------------------------------------------------


def test_nobody_without_a_confidentiality_pledge_is_assigned(api):
    event = make_event(api)
    staff = person(api, pledge=None)
    resp = api.post(
        "/assignments", {"event_id": event["id"], "staff_id": staff["id"], "role": "worker"}
    )
    assert refusal(resp) == (422, "no_confidentiality_pledge")


def test_a_site_manager_must_be_approved_by_the_city(api):
    event = make_event(api)
    staff = person(api, "site_manager", approved=False)
    resp = api.post(
        "/assignments", {"event_id": event["id"], "staff_id": staff["id"], "role": "site_manager"}
    )
    assert refusal(resp) == (422, "site_manager_not_approved")


def test_a_worker_cannot_act_as_site_manager(api):
    event = make_event(api)
    resp = api.post(
        "/assignments",
        {"event_id": event["id"], "staff_id": person(api)["id"], "role": "site_manager"},
    )
    body = resp.get_json()
    assert refusal(resp) == (422, body["error"]) and "role_not_held" in body["errors"]


def test_nobody_is_in_two_places_at_once(api):
    first = make_event(api, start="10:00", end="12:00")
    second = make_event(api, start="11:00", end="13:00")
    staff = person(api)
    ok(
        api.post(
            "/assignments", {"event_id": first["id"], "staff_id": staff["id"], "role": "worker"}
        ),
        201,
    )
    resp = api.post(
        "/assignments", {"event_id": second["id"], "staff_id": staff["id"], "role": "worker"}
    )
    assert refusal(resp) == (409, "staff_double_booked")


def test_back_to_back_events_are_not_a_clash(api):
    first = make_event(api, start="10:00", end="12:00")
    second = make_event(api, start="12:00", end="13:00")
    staff = person(api)
    for event in (first, second):
        resp = api.post(
            "/assignments", {"event_id": event["id"], "staff_id": staff["id"], "role": "worker"}
        )
        assert resp.status_code == 201, resp.get_json()


def test_moving_an_event_onto_a_colleagues_other_event_is_refused(api):
    first = make_event(api, start="10:00", end="12:00", slots=False)
    second = make_event(api, start="13:00", end="15:00", slots=False)
    staff = person(api)
    for event in (first, second):
        ok(
            api.post(
                "/assignments", {"event_id": event["id"], "staff_id": staff["id"], "role": "worker"}
            ),
            201,
        )
    resp = api.patch(f"/events/{second['id']}", {"starts_at": f"{FUTURE}T11:00"})
    assert refusal(resp) == (409, "staff_double_booked")


def test_a_city_official_is_not_assigned_on_a_weekend_venue_day(api):
    event = make_event(api, day=SAT)
    resp = api.post(
        "/assignments",
        {
            "event_id": event["id"],
            "role": "city_official",
            "staff_id": person(api, "city_official")["id"],
        },
    )
    assert refusal(resp) == (422, "city_staff_business_hours_only")


# --- bookings and visits --------------------------------------------------------


def test_staff_book_for_a_caller_and_the_last_place_is_not_given_twice(api):
    _, slot = bookable_event(api)
    ok(api.post("/bookings", {"slot_id": slot, "party_size": 3, "phone": "090-1111-2222"}), 201)
    resp = api.post("/bookings", {"slot_id": slot, "party_size": 1, "phone": "09033334444"})
    assert refusal(resp) == (409, "full")


@pytest.mark.parametrize("party", [0, 99, "2", True])
def test_a_staff_booking_party_size_is_checked(api, party):
    event = make_event(api)
    resp = api.post(
        "/bookings",
        {"slot_id": event["slots"][0]["id"], "party_size": party, "phone": "09011112222"},
    )
    assert resp.status_code == 400


def test_a_booking_on_an_event_not_open_is_refused(api):
    event = make_event(api)
    resp = api.post(
        "/bookings", {"slot_id": event["slots"][0]["id"], "party_size": 1, "phone": "09011112222"}
    )
    assert refusal(resp) == (422, "event_closed")


def test_capacity_never_drops_below_what_is_booked(api):
    _, slot = bookable_event(api)
    ok(api.post("/bookings", {"slot_id": slot, "party_size": 2, "phone": "09011112222"}), 201)
    assert refusal(api.patch(f"/slots/{slot}", {"capacity": 1})) == (409, "capacity_below_booked")
    assert ok(api.patch(f"/slots/{slot}", {"capacity": 2}))["places_left"] == 0


def test_cancelling_a_booking_frees_the_place(api):
    event, slot = bookable_event(api)
    booking = ok(api.post("/bookings", {"slot_id": slot, "party_size": 3,
                                        "phone": "09011112222"}), 201)  # fmt: skip
    ok(api.patch(f"/bookings/{booking['id']}", {"status": "cancelled"}))
    assert ok(api.get(f"/events/{event['id']}"))["booked"] == 0
    resp = api.patch(f"/bookings/{booking['id']}", {"status": "cancelled"})
    assert refusal(resp) == (409, "bad_transition")


def test_cancelling_an_event_cancels_its_bookings_and_tells_residents(api, api_app):
    from sqlalchemy import select

    from models.db import db
    from models.outbox import OutboxMessage

    event, slot = bookable_event(api)
    ok(api.post("/bookings", {"slot_id": slot, "party_size": 1, "phone": "09011112222"}), 201)
    ok(api.patch(f"/events/{event['id']}", {"status": "cancelled"}))
    assert ok(api.get(f"/bookings?event_id={event['id']}"))[0]["status"] == "cancelled"
    with db.reader() as s:
        sources = [m.source for m in s.scalars(select(OutboxMessage))]
    assert "event_cancelled" in sources


def _visit_request(api_app):
    from models.db import db
    from models.residents import get_or_create_resident
    from models.visits import VisitRequest

    with db.unit_of_work() as s:
        resident = get_or_create_resident(s, "line", "U" + "b" * 32)
        req = VisitRequest(
            resident_id=resident.id,
            kind="home",
            postal_code="7508521",
            area="honcho",
            address="南部町1-1",
            applicants=2,
            preferred=[],
            contact_phone="0832311111",
            channel="line",
        )
        s.add(req)
        s.commit()
        return req.id


def test_a_proposed_visit_date_must_be_a_business_day_and_the_resident_is_told(api, api_app):
    from sqlalchemy import select

    from models.db import db
    from models.outbox import OutboxMessage

    rid = _visit_request(api_app)
    resp = api.post(
        f"/visit-requests/{rid}/proposals", {"starts_at": f"{SAT}T10:00", "ends_at": f"{SAT}T11:00"}
    )
    assert refusal(resp) == (422, "not_business_day")
    body = ok(
        api.post(
            f"/visit-requests/{rid}/proposals",
            {"starts_at": f"{FUTURE}T10:00", "ends_at": f"{FUTURE}T11:00"},
        ),
        201,
    )
    assert body["status"] == "proposed" and body["proposals"][0]["status"] == "proposed"
    with db.reader() as s:
        msg = s.scalars(select(OutboxMessage)).one()
        assert msg.source == "visit_proposal"
        assert msg.payload["replies"][0]["template"] == "bookings/visit_proposed"


def test_a_visit_is_approved_only_after_the_resident_accepted(api, api_app):
    rid = _visit_request(api_app)
    ok(
        api.post(
            f"/visit-requests/{rid}/proposals",
            {"starts_at": f"{FUTURE}T10:00", "ends_at": f"{FUTURE}T11:00"},
        ),
        201,
    )
    resp = api.patch(f"/visit-requests/{rid}", {"status": "approved"})
    assert refusal(resp) == (422, "proposal_not_accepted")


def test_scheduling_a_visit_needs_a_visit_event(api, api_app):
    rid = _visit_request(api_app)
    resp = api.patch(f"/visit-requests/{rid}", {"status": "scheduled", "event_id": 1})
    assert refusal(resp) == (409, "bad_transition")


def test_visit_request_views_are_audited(api, api_app):
    from sqlalchemy import select

    from models.audit import AuditEntry
    from models.db import db

    _visit_request(api_app)
    assert ok(api.get("/visit-requests"))[0]["address"] == "南部町1-1"
    with db.reader() as s:
        assert [a.target for a in s.scalars(select(AuditEntry))] == ["visit_requests"]


def test_plan_progress_counts_against_the_city_targets(api):
    plan = ok(api.get("/plan"))
    assert plan["kinds"]["visit"]["target_events"] == 40
    assert plan["kinds"]["venue"]["target_applicants"] == 240
    assert plan["kinds"]["venue"]["met"] is False


def test_an_approval_through_the_api_is_recorded_with_the_token_name(api):
    from sqlalchemy import select

    from models.approvals import EVENT, Approval
    from models.db import db

    event = make_event(api)
    ok(approve(api, event))
    with db.reader() as s:
        approvals = s.scalars(select(Approval).where(Approval.target_kind == EVENT)).all()
        assert [(a.target_id, a.staff_id) for a in approvals] == [(event["id"], None)]
        assert approvals[0].login.startswith("api:")


# --- issue 11: the program's rules as written --------------------------------------------


def test_a_venue_approval_needs_the_not_combined_confirmation(api):
    event = make_event(api)
    resp = api.patch(f"/events/{event['id']}", {"status": "approved"})
    assert refusal(resp) == (422, "not_combined_unconfirmed")
    assert resp.get_json()["field"] == "not_combined"
    assert api.patch(f"/events/{event['id']}",
                     {"status": "approved", "not_combined": "yes"}).status_code == 400
    ok(approve(api, event))


def test_two_people_open_an_event_when_one_is_the_approved_site_manager(api):
    event = make_event(api)
    staff_event(api, event, workers=1)
    assert open_event(api, event)["status"] == "open"


def test_a_visit_opens_without_a_city_official_once_the_waiver_is_recorded(api):
    event = make_event(api, kind="visit")
    staff_event(api, event, workers=1)
    ok(api.patch(f"/events/{event['id']}", {"status": "approved"}))
    assert refusal(api.patch(f"/events/{event['id']}", {"status": "open"})) == (
        422, "needs_city_official")
    assert api.post(f"/events/{event['id']}/official-waiver", {}).status_code == 400
    waiver = ok(api.post(f"/events/{event['id']}/official-waiver",
                         {"reason": "市職員の日程が合わないため(市民サービス課了承)"}), 201)  # fmt: skip
    assert waiver["approver"].startswith("api:") and waiver["reason"].startswith("市職員の日程")
    again = api.post(f"/events/{event['id']}/official-waiver", {"reason": "再度"})
    assert refusal(again) == (409, "already_waived")
    assert ok(api.patch(f"/events/{event['id']}", {"status": "open"}))["status"] == "open"
