"""``flask --app bot data redact-scan``: numbers older rules missed are redacted
from stored text, counted and audited, never printed (issue 20)."""

from __future__ import annotations

from sqlalchemy import select, text

from models.audit import AuditEntry
from models.conversations import Conversation
from models.db import db
from models.inbound import InboundEvent
from models.inquiries import Inquiry, TranscriptLine
from models.residents import get_or_create_resident

MISSED = "一二三四・五六七八・九〇一八"  # a valid My Number the old rules did not see
SPOKEN = "いちにさんよん ごーろくななはち きゅうぜろいちはち"


def _seed():
    with db.unit_of_work() as s:
        r = get_or_create_resident(s, "line", "U" + "a" * 32)
        s.flush()
        s.add(InboundEvent(channel="line", event_key="k1", event_type="message",
                           payload={"text": f"番号は{MISSED}です", "n": 3}))  # fmt: skip
        s.add(InboundEvent(channel="voice", event_key="k2", event_type="gather",
                           payload={"speech": SPOKEN}))  # fmt: skip
        s.add(InboundEvent(channel="line", event_key="k3", event_type="message",
                           payload={"text": "電話は090-1234-5678"}))  # fmt: skip
        s.add(Conversation(resident_id=r.id, channel="line", data={"detail": [MISSED, "ok"]}))
        s.add(Inquiry(resident_id=r.id, channel="line", status="new", category="other",
                      summary=f"番号 {MISSED}"))  # fmt: skip
        s.add(TranscriptLine(resident_id=r.id, channel="line", direction="in", text=MISSED))
        s.commit()


def test_dry_run_counts_and_changes_nothing(app):
    _seed()
    out = app.test_cli_runner().invoke(args=["data", "redact-scan", "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "5 numbers found" in out.output
    assert "9018" not in out.output and "九〇一八" not in out.output
    with db.unit_of_work() as s:
        assert s.scalars(select(TranscriptLine.text)).one() == MISSED


def test_scan_redacts_re_encrypts_and_audits(app):
    _seed()
    out = app.test_cli_runner().invoke(args=["data", "redact-scan"])
    assert out.exit_code == 0, out.output
    assert "inbound_events  2" in out.output and "5 numbers redacted" in out.output
    with db.unit_of_work() as s:
        payloads = [e.payload for e in s.scalars(select(InboundEvent).order_by(InboundEvent.id))]
        assert payloads[0] == {"text": "番号は[MY_NUMBER]です", "n": 3}
        assert payloads[1] == {"speech": "[MY_NUMBER]"}
        assert payloads[2] == {"text": "電話は090-1234-5678"}
        assert s.scalars(select(Conversation.data)).one() == {"detail": ["[MY_NUMBER]", "ok"]}
        assert s.scalars(select(Inquiry.summary)).one() == "番号 [MY_NUMBER]"
        assert s.scalars(select(TranscriptLine.text)).one() == "[MY_NUMBER]"
        # Still encrypted at rest: the raw column is not the clear text.
        raw = s.execute(text("select text from transcript")).scalar_one()
        assert "[MY_NUMBER]" not in str(raw)
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "redact_scan")).one()
        assert "transcript=1" in entry.reason and "九" not in entry.reason
    again = app.test_cli_runner().invoke(args=["data", "redact-scan"])
    assert "0 numbers redacted" in again.output
