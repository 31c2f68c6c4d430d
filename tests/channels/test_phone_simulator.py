"""The phone simulator signs exactly as Twilio does and reaches our webhooks over HTTP."""

from __future__ import annotations

import uuid

import models.phone  # noqa: F401
import models.sandbox_twilio  # noqa: F401
from tests.twiml_check import check_twiml, spoken


def test_the_simulator_page_links_both_ways(live):
    client = live.app.test_client()
    page = client.get("/sandbox/phone")
    assert page.status_code == 200 and "キーパッド" in page.get_data(as_text=True)
    assert "/sandbox/phone" in client.get("/sandbox").get_data(as_text=True)


def test_a_simulated_call_is_signed_like_twilio_and_answered_with_twiml(live):
    client = live.app.test_client()
    sid = "CA" + uuid.uuid4().hex
    params = {"CallSid": sid, "From": "+819012345678", "To": "+81500000000"}
    resp = client.post(
        "/sandbox/api/phone/request", json={"path": "/twilio/voice", "params": params}
    )
    assert resp.json["status"] == 200
    root = check_twiml(resp.json["body"])
    assert "お電話ありがとうございます" in spoken(root)
    action = root.find("Gather").get("action")
    resp = client.post(
        "/sandbox/api/phone/request", json={"path": action, "params": {**params, "Digits": "4"}}
    )
    assert "不備" in spoken(check_twiml(resp.json["body"]))


def test_the_simulator_only_posts_to_twilio_webhooks(live):
    resp = live.app.test_client().post(
        "/sandbox/api/phone/request", json={"path": "/line/webhook", "params": {}}
    )
    assert resp.status_code == 400


def test_simulator_pages_load_their_scripts_from_files_under_a_csp(live):
    import re

    client = live.app.test_client()
    for page, script in (("/sandbox", "simulator.js"), ("/sandbox/phone", "phone.js")):
        resp = client.get(page)
        html = resp.get_data(as_text=True)
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
        assert not re.search(r"<script(?![^>]*\bsrc=)", html) and f"/sandbox/{script}" in html
        js = client.get(f"/sandbox/{script}")
        assert js.status_code == 200 and js.mimetype == "text/javascript"
    assert client.get("/sandbox/other.js").status_code == 404
