"""Issue 15: the measuring protocol, the classifier, concepts, English, referrals, the guard."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from handlers.faq import classifier as clf
from handlers.faq import guard
from handlers.faq import knowledge as kb
from handlers.faq.engine import FaqEngine, Settings, get_engine
from handlers.faq.english import is_english
from handlers.text import render

ROOT = Path(__file__).resolve().parents[2]
UNTOUCHED = ROOT / "tests" / "data" / "faq_untouched" / "questions.jsonl"
# Frozen before any change of issue 15: a changed file means someone tuned on it.
UNTOUCHED_SHA256 = "80d24d052a902611035239b58212caf28c389cfd979c3e8e6c66c6e07930b5cf"
# The later sets, each written and frozen before the engine it measures (their
# READMEs say how): set number -> sha256 of its questions.jsonl. A changed file
# means someone tuned on it.
LATER_SETS = {
    # Round 2: the first set's misses were read after round 1, so a second set was
    # written and frozen before that (tests/data/faq_untouched2/README.md).
    2: "0cfa4abc87e9af00ee8ac7b11e94966f5b92eb1d2e755d4e0decf9abb471e043",
    # Round 3: likewise, frozen before set 2's misses were read.
    3: "a83111276424f2f76fce25e31d7e448d991a03968562a2caff9e46c36468b728",
    # Round 4: written by someone who never saw engine output, frozen before any measurement.
    4: "576bef4214cdc29c4c3643f5c7f11ab196fea79c51c26540b12f53c922bffaf3",
    # Round 5: keeps the questions between neighbouring topics ("pair"), which set 4 dropped;
    # written by someone who never saw engine output, frozen before any measurement.
    5: "4d27b9992efed828024785a216eb22c4e8ae3b558ce8143f27ac83bf7490f13d",
    # Round 6: neighbouring-topic questions at their natural rate; written by someone who never
    # saw engine output, frozen before any measurement.
    6: "2dde9505af6e21352cd93d60ce6cf02846c377e251127e9529a4a3d8ee401775",
    # Round 7: natural mix again (hosts sha256 % 5 == 3), "pair" names the second topic;
    # written by someone who never saw the engine, frozen before any measurement.
    7: "24df16516213c5e5735433d4aa4c202b6128ab99c1cc9fe2dc30cf304c9c5c2c",
    # Round 8: written blind (hosts sha256 % 5 in {1, 2, 3}, none used before) while round 7
    # was measured; frozen before any measurement.
    8: "7ae8dfd2d72e987d0c81e73670377a2a5183a897236efc80ab5455a42c4e114b",
    # Written blind after round 8 (hosts sha256 % 5 in {1, 2, 3}, none used before); run once
    # on the shipped round-8 engine, metrics only: the untouched set for the next round.
    9: "0e0551385fe610eee78a9a9f1c311e999db58e1a00283b9b4671e54f9f22530e",
    # Written blind in session 7 (56 hosts sha256 % 5 in {1, 2, 3}, none used before) by
    # someone who never opened handlers/faq/; frozen before any measurement.
    10: "02432e7c7d6bff13dd1aa49a9532368238b01ef49a0c7391906468e6231dbfa4",
    # Written blind in session 7 while round 9 was being built (42 hosts sha256 % 5 in
    # {1, 2, 3}, none used before); frozen before any measurement, run once at the end.
    11: "c9aa306f0f6cb46687d2682bb364605768ad5cd5bf4d619bb618a8883d1aa6fa",
    # Written blind in session 7 (26 hosts sha256 % 5 in {1, 2, 3}, none used before) while
    # round 9 was measured; frozen, then run once on the shipped round-9 engine.
    12: "17f6ecb43c9a85e395a1422cf451c0fd2cb2a17413008fb7766ac929c19dbb0b",
    # Written blind in session 8 (29 hosts sha256 % 5 in {1, 2, 3}, none used before) by
    # someone who never opened handlers/faq/; frozen before round 10, run once on it.
    13: "1e4c11ddbfa8b053aeba2a6b8326d0c5a0253d3d2e33ed9f3397a78681c4aa88",
    # Written blind in session 8 after round 10 was finished (23 hosts sha256 % 5 in
    # {1, 2, 3}, none used before); frozen, then run once on the shipped round-10 engine.
    14: "7acae7deaf9b8f8f79a670f099649bce2c0fb8b5758a0f91145f01966ed941f4",
    # Written blind in session 9 before round 11 (26 hosts sha256 % 5 in {1, 2, 3}, none
    # used before) by someone who never opened handlers/faq/; frozen before any measurement.
    15: "53e131cb0c15e33a42f5c6b33bcbf86e2c57eec5fd4455a0cbd1d46f020fc812",
    # Written blind in session 9 before round 11, beside set 15 (27 hosts sha256 % 5 in
    # {0, 4}, none used before, no harvest this round); frozen before any measurement.
    16: "b9914def57885afb1f7576a27104b5aeba6063fbbbe6ca63f8fe1442666e5486",
    # Written blind in session 9 after round 11 was finished (16 hosts sha256 % 5 in
    # {1, 2, 3}, none used before); frozen, then run once on the shipped round-11 engine.
    17: "e208bab713620d60e8b93d40dc3266153d63e732dd4ccf2d9c3bffe30b8e9ccc",
    # Written blind in session 9 after round 11 was finished, beside set 17 (11 hosts
    # sha256 % 5 in {0, 4}, none used before); frozen, then run once on round 11.
    18: "755fcaec007f1fc41342797280e430804cf693f00f47601e1ee970585bd38fc3",
    # Written blind in session 10 before round 12 (16 hosts sha256 % 5 in {1, 2, 3}, none
    # used before) by someone who never opened handlers/faq/; frozen, run once on round 11
    # as the baseline, then once on round 12.
    19: "9504e8467f97af3cf11615306984110a31a95aae84eb1083a02294e2edb9fd9c",
    # Written blind in session 10 before round 12, beside set 19 (15 hosts sha256 % 5 in
    # {0, 4}, none used before); frozen, run once on round 11, then once on round 12.
    20: "9843a13e007c4700eb6c01da90d5030344da593773bb5836fcfe771de6a8f643",
    # Written blind in session 10 before round 13 (13 hosts sha256 % 5 in {1, 2, 3}, none
    # used before) by someone who never opened handlers/faq/; frozen, run once on round 12
    # as the baseline, then once on round 13.
    21: "c31c7d2b4fed80a97ad8380dc3dd7645c3b7b23a3c7c7fc66bd317c086a2cb63",
    # Written blind in session 10 before round 13, beside set 21 (11 hosts sha256 % 5 in
    # {0, 4}, none used before); frozen, run once on round 12, then once on round 13.
    22: "ee4f40a31c3198820964212d60d35a3e29ce3cb911ac55e208013b688fa69707",
    # Written blind in session 11 before round 14 by someone who never opened
    # handlers/faq/ (50 of 167 rows from 20 pages, hosts sha256 % 5 in {1, 2, 3}; hosts
    # nearly exhausted, so also pages of known hosts whose URL is nowhere in the repository);
    # frozen, run once on round 13 as the baseline, then once on round 14.
    23: "1b4830d5be3e530cd4aaa79c4180f125a398811d2e6b76090f13646e1c57dc27",
    # Written blind in session 11 before round 14, beside set 23 (50 of 166 rows from 24
    # pages, hosts sha256 % 5 in {0, 4}, same page rule); frozen, run once on round 13, then
    # once on round 14.
    24: "880b752f4721f5204f54c188155f95f732486285cf6d1ce4476f43fd7d2846bd",
}


# Sets retired as test sets in round 11 (sets 1-14), 12 (15-18), 13 (19, 20) and 14 (21,
# 22): each had been measured on the rounds it was written for, and from then on it is a
# training source (handlers/faq/data/sources.yaml, one group per set); only the later sets
# stay blind.
RETIRED = frozenset(range(1, 23))


@pytest.fixture(scope="module")
def engine():
    return get_engine()


def _later(number: int) -> Path:
    return ROOT / "tests" / "data" / f"faq_untouched{number}" / "questions.jsonl"


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


# --- the protocol ----------------------------------------------------------------
def test_the_untouched_set_is_frozen_and_big_enough():
    assert hashlib.sha256(UNTOUCHED.read_bytes()).hexdigest() == UNTOUCHED_SHA256
    rows = _rows(UNTOUCHED)
    assert len(rows) >= 120
    assert sum(r["topic"] == kb.OUT_OF_SCOPE for r in rows) >= 25
    assert sum(r["lang"] == "en" for r in rows) >= 15
    assert all(r["url"] and r["source"] for r in rows)
    ids = set(kb.load().ids()) | {kb.OUT_OF_SCOPE}
    assert {r["topic"] for r in rows} <= ids


@pytest.mark.parametrize(("number", "digest"), sorted(LATER_SETS.items()))
def test_the_later_untouched_sets_are_frozen_and_big_enough(number, digest):
    path = _later(number)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    rows = _rows(path)
    assert len(rows) >= 120
    assert sum(r["topic"] == kb.OUT_OF_SCOPE for r in rows) >= 25
    assert sum(r["lang"] == "en" for r in rows) >= 15
    assert all(r["url"] and r["source"] for r in rows)
    assert {r["topic"] for r in rows} <= set(kb.load().ids()) | {kb.OUT_OF_SCOPE}


def test_only_retired_sets_are_sources_and_no_blind_question_is_copied_into_the_data():
    files = {s["file"] for s in clf.load_sources()}
    blind = {str(_later(n).relative_to(ROOT)) for n in LATER_SETS if n not in RETIRED}
    assert not files & blind
    retired = {str(UNTOUCHED.relative_to(ROOT))} | {
        str(_later(n).relative_to(ROOT)) for n in RETIRED if n != 1}
    assert {f for f in files if "faq_untouched" in f} <= retired
    data = "".join(p.read_text(encoding="utf-8")
                   for p in [*(ROOT / "handlers" / "faq" / "data").glob("*.yaml"),
                             *(ROOT / "tests" / "data").glob("faq_*.jsonl"),
                             *(ROOT / f for f in files)])
    rows = [r for n in LATER_SETS if n not in RETIRED for r in _rows(_later(n))]
    copied = [r["q"] for r in rows if r["q"].rstrip("。?？") in data]
    assert copied == []


def test_every_source_file_exists_and_has_rows():
    for src in clf.load_sources():
        assert clf.source_rows(src), src["name"]


# --- the classifier artefact -----------------------------------------------------
def test_the_shipped_classifier_was_trained_on_the_current_data(engine):
    # Retrain with: .venv/bin/python bench/faq_train_classifier.py --fit --write
    model = clf.Classifier.load()
    assert model is not None, "handlers/faq/data/classifier.npz is missing"
    assert model.trained_on == clf.inputs_hash(), "classifier.npz is stale: retrain it"
    assert engine.classifier is not None
    assert list(model.classes) == [*kb.load().ids(), kb.OUT_OF_SCOPE]


def test_a_change_to_the_training_data_makes_the_classifier_stale(monkeypatch, tmp_path):
    fresh = clf.inputs_hash()
    extra = tmp_path / "more.jsonl"
    extra.write_text('{"q": "x", "topic": "fees"}\n', encoding="utf-8")
    assert clf.inputs_hash([extra]) != fresh
    monkeypatch.setattr(clf, "FEATURE_VERSION", "changed")
    assert clf.inputs_hash() != fresh
    assert clf.load_fresh() is None


def test_training_learns_a_tiny_problem():
    rows = [({"w:a": 1.0}, "x"), ({"w:a": 1.0}, "x"), ({"w:b": 1.0}, "y"), ({"w:b": 1.0}, "y")]
    model = clf.train(rows, ["x", "y"], min_df=1, iters=100)
    assert model.proba({"w:a": 1.0})["x"] > 0.8
    assert model.proba({"w:b": 1.0})["y"] > 0.8


def test_the_classifier_round_trips_through_its_file(tmp_path):
    rows = [({"w:a": 1.0}, "x"), ({"w:b": 1.0}, "y")]
    model = clf.train(rows, ["x", "y"], min_df=1, iters=50)
    path = tmp_path / "c.npz"
    model.save(path)
    again = clf.Classifier.load(path)
    assert abs(again.proba({"w:a": 1.0})["x"] - model.proba({"w:a": 1.0})["x"]) < 0.01


# --- concepts, two topics, English ------------------------------------------------
def test_concepts_are_found_in_kanji_and_kana(engine):
    from handlers.faq.engine import views

    for text in ("子どもの暗証番号", "こどもの あんしょうばんごう"):
        v = views(text)
        found = engine.concepts.find(v.surface, v.reading)
        assert {"child", "pin"} <= found, (text, found)


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("What can I do with the My Number card?", "card_uses"),
        ("I forgot my PIN, what should I do?", "pin_forgot_lock"),
        ("How long does it take to get the card?", "issuance_time"),
        ("I lost my card", "lost_stolen"),
    ],
)
def test_english_questions_about_the_card_are_answered(engine, question, topic):
    assert is_english(question)
    pred = engine.predict(question)
    assert pred.english
    assert topic in pred.top3
    assert pred.band != "unknown"


def test_japanese_is_not_taken_for_english():
    assert not is_english("マイナンバーカードの PIN を忘れた")
    assert not is_english("ok")




# --- out of scope: referrals ------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "referral"),
    [
        ("軽自動車税の納め方を知りたい", "other_service"),
        ("燃えないごみは何曜日ですか", "other_service"),
        ("投票所はどこですか", "other_service"),
        ("他人のマイナンバーを調べてほしい", "others_data"),
        ("受付番号 20261205123456 の申請は今どうなっていますか", "status_lookup"),
        # round 14: the ID as the form prints it (groups of four), in English and Japanese
        ("My application ID is 1234 5678 9012 3456 7890 123. Is my card done?", "status_lookup"),
        ("申請書ID 1234-5678-9012-3456-7890-123 のカードはもうできましたか", "status_lookup"),
        ("Here is my application ID. Could you tell me whether my card is ready?",
         "status_lookup"),
        ("A man called and asked for my PIN to check my card. Is that okay?", "scam"),
        ("こんばんは", "chitchat"),
        ("When is the garbage collected?", "other_service"),
        # round 7: more of the city's other services, in Japanese and in English
        ("要介護認定の申請はどこでしますか", "other_service"),
        ("学生の年金の納付特例はどこで申し込むの", "other_service"),
        ("When can my baby get the vaccination?", "other_service"),
        ("Where do I apply for the child allowance?", "other_service"),
    ],
)
def test_out_of_scope_questions_get_their_referral(engine, question, referral):
    pred = engine.predict(question)
    assert pred.topic is None
    assert pred.referral == referral


@pytest.mark.parametrize("name", ["other_service", "others_data", "status_lookup",
                                  "chitchat", "scam"])
def test_referrals_render_with_the_right_numbers(name):
    text = render(f"faq/referral/{name}")
    assert text.strip()
    if name == "other_service":
        assert "083-231-1111" in text
    if name in ("status_lookup", "scam"):
        assert "0120-95-0178" in text


# --- staff assignments and the guard ------------------------------------------------
def test_staff_examples_are_added_to_their_topic():
    knowledge = kb.with_examples(kb.load(), (("ふるさと納税の返礼品", kb.OUT_OF_SCOPE),
                                             ("赤いはがきが来た", "kofu_tsuchisho")))
    topic = next(t for t in knowledge.topics if t.id == "kofu_tsuchisho")
    assert topic.examples[-1] == "赤いはがきが来た"
    assert knowledge.out_of_scope[-1] == "ふるさと納税の返礼品"


def test_the_guard_lists_the_questions_that_flip(engine):
    rows = (("マイナンバーカードの手数料はいくらですか", "fees"),
            ("暗証番号を忘れました", "pin_forgot_lock"))
    assert guard.flips(engine, (), rows) == []
    # a wrong assignment repeated: the guard shows that it breaks a right answer
    bad = (("暗証番号を忘れました", "fees"),)
    flips = guard.flips(engine, bad, rows)
    assert [f.kind for f in flips] == ["broken"]
    assert flips[0].before == "pin_forgot_lock"


def test_the_engine_can_be_built_with_extra_examples():
    e = FaqEngine(kb.load(), Settings.load(), extra_examples=(("ぴよぴよカードの話", "fees"),))
    assert "ぴよぴよカードの話" in next(t for t in e.knowledge.topics if t.id == "fees").examples


# --- knowledge facts -----------------------------------------------------------------
def test_support_home_visit_has_no_invented_conditions():
    raw = yaml.safe_load((ROOT / "handlers" / "faq" / "data" / "knowledge.yaml")
                         .read_text(encoding="utf-8"))
    desc = raw["topics"]["support_home_visit"]["description"]
    for invented in ("2か月", "引越し予定", "駐車", "代理人による手続きができない", "成年後見"):
        assert invented not in desc
    assert "市内に住所" in desc


def test_the_running_engine_never_imports_the_trainers_scipy():
    # scipy is a test/build dependency (training); the app answers without it.
    code = ("import sys; from handlers.faq.engine import get_engine; "
            "get_engine().predict('暗証番号を忘れました'); "
            "print('scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"
