"""The FAQ review page: questions the bot could not answer, for staff to grow the FAQ."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from models import faq_review as fr
from models.audit import AuditEntry
from models.db import db
from tests.console_helpers import login, make_staff, post
from tests.line_helpers import Resident


def keep(question: str, *, band: str = "suggest", top3=("fee", "lost_card", "renewal")) -> int:
    prediction = SimpleNamespace(top3=list(top3), score=0.41, band=band)
    with db.unit_of_work() as s:
        item = fr.record_faq_miss(s, question_redacted=question, prediction=prediction,
                                  channel="line")  # fmt: skip
        s.commit()
        return item.id


@pytest.fixture
def worker(client):
    make_staff("worker1", "worker")
    login(client, "worker1")
    return client


def audits(target: str) -> list[tuple[str, str | None]]:
    """(action, reason) of the audit rows about ``target``."""
    with db.reader() as s:
        rows = s.execute(
            select(AuditEntry.action, AuditEntry.reason).where(AuditEntry.target == target)
        )
        return [tuple(r) for r in rows]


def test_a_question_the_bot_could_not_answer_reaches_the_page_redacted(worker, live, new_user_id):
    resident = Resident(live, new_user_id)
    resident.say("うちの犬の登録はどこでできますか 番号は123456789018です")
    page = worker.get("/console/faq-review").get_data(as_text=True)
    assert "うちの犬の登録はどこでできますか" in page
    assert "123456789018" not in page and "[MY_NUMBER]" in page
    assert [action for action, _ in audits("faq_review")] == ["view"]


def test_the_engine_guesses_are_shown_with_their_titles(worker):
    from handlers.faq.engine import get_engine

    engine = get_engine()
    first = engine.topic_ids()[0]
    keep("これはどういう意味ですか", top3=(first,))
    page = worker.get("/console/faq-review").get_data(as_text=True)
    assert engine.title(first) in page


def test_marking_a_question_moves_it_out_of_the_new_list_and_is_audited(worker):
    added = keep("カードの写真は自分で撮ったものでいいですか")
    kept = keep("市役所の駐車場は無料ですか")
    resp = post(worker, f"/console/faq-review/{added}", {"status": "added"}, page="/console/faq-review")
    assert resp.status_code == 302
    page = worker.get("/console/faq-review").get_data(as_text=True)
    assert "市役所の駐車場は無料ですか" in page
    assert "カードの写真は自分で撮ったものでいいですか" not in page
    page = worker.get("/console/faq-review?status=added").get_data(as_text=True)
    assert "カードの写真は自分で撮ったものでいいですか" in page
    with db.reader() as s:
        assert s.get(fr.FaqReviewItem, added).status == "added"
        assert s.get(fr.FaqReviewItem, kept).status == "new"
        assert fr.counts_by_status(s) == {"new": 1, "added": 1, "reviewed": 0, "ignored": 0}
    assert audits(f"faq_review:{added}") == [("update", "status=added")]


def test_an_unknown_status_is_refused(worker):
    item = keep("電話はつながりますか")
    resp = post(worker, f"/console/faq-review/{item}", {"status": "deleted"}, page="/console/faq-review")
    assert resp.status_code == 400
    with db.reader() as s:
        assert s.get(fr.FaqReviewItem, item).status == "new"


def test_the_new_questions_download_as_json_lines_and_the_download_is_audited(worker):
    keep("印鑑はいりますか", band="unknown", top3=())
    done = keep("もう見た質問")
    post(worker, f"/console/faq-review/{done}", {"status": "reviewed"}, page="/console/faq-review")
    resp = worker.get("/console/faq-review.jsonl")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    rows = [json.loads(line) for line in resp.get_data(as_text=True).splitlines()]
    assert [r["q"] for r in rows] == ["印鑑はいりますか"]
    assert rows[0]["band"] == "unknown" and rows[0]["top3"] == []
    assert audits("faq_review")[-1] == ("export", "1 rows")


def test_a_city_official_cannot_read_residents_questions(client):
    make_staff("city", "city_official")
    login(client, "city")
    assert client.get("/console/faq-review").status_code == 403
    assert client.get("/console/faq-review.jsonl").status_code == 403


def test_a_mark_without_the_csrf_token_is_refused(worker):
    item = keep("質問です")
    assert worker.post(f"/console/faq-review/{item}", data={"status": "added"}).status_code == 400


# --- issue 15: assign a question to a topic, with the guard ---------------------------
GUARD_ROWS = (("マイナンバーカードの手数料はいくらですか", "fees"),
              ("暗証番号を忘れました", "pin_forgot_lock"))


@pytest.fixture
def small_guard(monkeypatch):
    from handlers.faq import guard

    monkeypatch.setattr(guard, "guard_rows", lambda: GUARD_ROWS)


def test_assigning_shows_the_flips_first_then_saves_and_is_audited(worker, small_guard):
    item = keep("赤い封筒のはがきが届いたけど何？", top3=("kofu_tsuchisho",))
    page = worker.get("/console/faq-review").get_data(as_text=True)
    assert "トピックに割り当てる" in page and "影響を確かめる" in page
    resp = post(worker, f"/console/faq-review/{item}/assign",
                {"topic": "kofu_tsuchisho", "step": "check"}, page="/console/faq-review")
    check = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "割り当ての確認" in check and "評価用の質問 2 件" in check
    assert "答えが変わる評価用の質問はありません。" in check
    with db.reader() as s:
        assert s.get(fr.FaqReviewItem, item).assigned_topic is None  # nothing saved yet
    resp = post(worker, f"/console/faq-review/{item}/assign",
                {"topic": "kofu_tsuchisho", "step": "save"}, page="/console/faq-review")
    assert resp.status_code == 302
    with db.reader() as s:
        saved = s.get(fr.FaqReviewItem, item)
        assert saved.assigned_topic == "kofu_tsuchisho" and saved.status == "added"
        assert saved.assigned_by == "staff:worker1"
        assert fr.assigned_pairs(s) == [("赤い封筒のはがきが届いたけど何？", "kofu_tsuchisho")]
    assert audits(f"faq_review:{item}") == [("view", "check=kofu_tsuchisho"),
                                            ("update", "assigned=kofu_tsuchisho")]


def test_the_guard_warns_when_an_assignment_breaks_a_right_answer(worker, monkeypatch):
    from handlers.faq import guard

    monkeypatch.setattr(guard, "guard_rows", lambda: GUARD_ROWS)
    item = keep("暗証番号を忘れました", top3=("pin_forgot_lock",))
    resp = post(worker, f"/console/faq-review/{item}/assign",
                {"topic": "fees", "step": "check"}, page="/console/faq-review")
    page = resp.get_data(as_text=True)
    assert "正解だった質問 1 件の答えが変わります" in page
    assert "暗証番号を忘れました" in page


def test_assigned_questions_are_examples_at_the_next_build(app):
    from handlers.faq import engine as eng

    item = keep("ぴよぴよ手帳でカードは作れますか")
    with db.unit_of_work() as s:
        fr.assign_topic(s, s.get(fr.FaqReviewItem, item), "id_documents", "tester")
        s.commit()
    assert ("ぴよぴよ手帳でカードは作れますか", "id_documents") in eng._staff_examples()


def test_an_unknown_topic_or_step_is_refused(worker):
    item = keep("質問です")
    for data in ({"topic": "no_such_topic", "step": "check"},
                 {"topic": "fees", "step": "delete"}):
        resp = post(worker, f"/console/faq-review/{item}/assign", data, page="/console/faq-review")
        assert resp.status_code == 400
    resp = post(worker, "/console/faq-review/999999/assign", {"topic": "fees", "step": "save"},
                page="/console/faq-review")
    assert resp.status_code == 404
