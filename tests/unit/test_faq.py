"""The FAQ engine: normalisation, ranking, confidence bands, answers, predict CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from bot.cli_faq import faq_cli
from handlers.faq import normalize as norm
from handlers.faq import rerank
from handlers.faq.engine import Prediction, features, get_engine, views
from handlers.faq.knowledge import TITLE_MAX, load
from handlers.text import render

SHARED_DEV = Path(__file__).resolve().parents[3] / "shared" / "faq" / "dev.jsonl"
DATA = Path(__file__).resolve().parents[1] / "data"


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def engine():
    return get_engine()


# --- normalisation ------------------------------------------------------------
def test_nfkc_folds_full_width_ascii_and_half_width_kana():
    assert norm.nfkc("ＡＢＣ１２３") == "abc123"
    assert norm.nfkc("\uff7d\uff8f\uff8e") == "\u30b9\u30de\u30db"  # half-width sumaho


def test_hiragana_and_katakana_fold_to_the_same_surface():
    assert norm.fold_surface("まいなんばー") == norm.fold_surface("マイナンバー")


def test_long_vowels_are_folded_in_readings():
    # コウフ (kofu written with u) and コーフ (with a long-vowel mark) read the same.
    assert norm.fold_reading("\u30b3\u30a6\u30d5") == norm.fold_reading("\u30b3\u30fc\u30d5")


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("まいなんばーかーど", "マイナンバーカード"),
        ("マイナカード", "マイナンバーカード"),
        ("暗唱番号", "暗証番号"),
        ("あんしょうばんごう", "暗証番号"),
        ("ほけんしょう", "保険証"),
        ("マイナの保険証", "マイナ保険証"),
        ("ｽﾏﾎ", "スマートフォン"),
        # as a speech recogniser writes them (same sound, other kanji)
        ("安祥番号", "暗証番号"),
        ("公布通知書", "交付通知書"),
        ("行進", "更新"),
        ("みぶんしょうめいしょ", "本人確認書類"),  # longest variant first, not みぶんしょう
    ],
)
def test_synonyms_rewrite_variants_to_one_spelling(variant, canonical):
    assert norm.normalize_text(variant) == canonical


def test_polite_fillers_are_dropped_so_long_and_short_questions_share_content():
    long = views("暗証番号の再設定について教えていただけますでしょうか。")
    short = views("暗証番号の再設定")
    assert long.words == short.words


def test_kana_nouns_are_spelled_as_the_examples_spell_them():
    assert norm.spell_kana_words("しんせいしょの しゃしん") == "申請書の 写真"
    # a reading that would split a verb (はいっていて holds いってい) is not in the table
    assert "一定" not in norm.normalize_text("しせつに はいっていて")
    assert "施設" in norm.normalize_text("しせつに はいっていて")
    kana, kanji = views("がいこくせきの ばあいの ゆうこうきげん"), views("外国籍の場合の有効期限")
    assert kana.surface == kanji.surface and kana.words == kanji.words


def test_speech_fillers_are_dropped():
    assert views("えっとあのー暗証番号を忘れた").words == views("暗証番号を忘れた").words


def test_verb_forms_map_to_the_canonical_word():
    assert "紛失" in views("カードをなくしてしまいました").words
    assert "受け取り" in views("カードを受け取る").words


def test_compounds_also_give_their_parts_but_domain_terms_stay_whole():
    words = views("マイナンバーカードの暗証番号の設定方法").words
    assert {"設定方法", "設定", "方法", "暗証番号"} <= set(words)
    assert "暗証" not in words and "カード" not in words


def test_hiragana_only_question_reads_like_the_kanji_one():
    assert views("あんしょうばんごう").reading == views("暗証番号").reading


# --- knowledge base --------------------------------------------------------------
def test_knowledge_base_covers_every_contract_topic_with_short_titles(engine):
    ids = engine.topic_ids()
    assert len(ids) == 45 and len(set(ids)) == 45
    assert all(0 < len(engine.title(t)) <= TITLE_MAX for t in ids)
    if SHARED_DEV.exists():
        labelled = {r["topic"] for r in _rows(SHARED_DEV)} - {"out_of_scope"}
        assert labelled <= set(ids)


def test_dev_questions_are_not_copied_into_the_knowledge_base():
    kb = load()
    examples = {e for t in kb.topics for e in t.examples} | set(kb.out_of_scope)
    if SHARED_DEV.exists():
        assert not examples & {r["q"] for r in _rows(SHARED_DEV)}
    for name in ("faq_holdout.jsonl", "faq_holdout_voices.jsonl", "faq_municipal_style.jsonl",
                 "faq_municipal_style2.jsonl", "faq_municipal_style3.jsonl",
                 "faq_municipal_style4.jsonl", "faq_municipal_style5.jsonl",
                 "faq_municipal_style6.jsonl"):  # never copied
        assert not examples & {r["q"] for r in _rows(DATA / name)}, name


def test_every_topic_has_a_description():
    assert all(len(t.description) > 20 for t in load().topics)


@pytest.mark.parametrize("topic", load().ids())
def test_every_answer_renders_for_line_and_voice(topic):
    text = render(f"faq/answers/{topic}")
    spoken = render(f"faq/answers/{topic}", voice=True)
    assert text and spoken
    assert "{{" not in text and "{{" not in spoken


def test_suggest_unknown_and_ask_render():
    assert "A" in render("faq/suggest", titles=["A", "B"])
    assert render("faq/unknown") and render("faq/ask")
    assert render("faq/unknown", voice=True) and render("faq/suggest", voice=True, titles=["A"])


# --- ranking and confidence --------------------------------------------------------
@pytest.mark.skipif(not SHARED_DEV.exists(), reason="../shared not beside the project")
def test_each_shared_dev_question_has_its_topic_in_the_top3(engine):
    misses = [
        (r["q"], r["topic"], engine.predict(r["q"]).top3)
        for r in _rows(SHARED_DEV)
        if r["topic"] != "out_of_scope" and r["topic"] not in engine.predict(r["q"]).top3
    ]
    assert misses == []


@pytest.mark.parametrize(
    "question",
    ["燃えるゴミは何曜日ですか", "明日の天気は", "児童手当の振込日はいつ", "こんにちは", "ふぐのおいしい店"],
)
def test_out_of_scope_questions_are_not_answered(engine, question):
    pred = engine.predict(question)
    assert pred.topic is None and pred.band in ("suggest", "unknown")


@pytest.mark.parametrize(
    ("question", "other"),
    [
        ("パスポートの申請手数料はいくらですか。", True),
        ("介護保険証をなくしてしまいました。", True),  # not the health-insurance card
        ("パスポートは本人確認書類になりますか。", False),
        ("国保の保険証はいつまで使えますか。", False),
        ("暗証番号を忘れました", False),
        ("いんかんとうろくをしたいです", True),  # heard or typed in kana
        ("こんいんとどけをだすときにかーどもいりますか", False),
        # the card named in another matter (other_contexts)
        ("勤務先にマイナンバーを提出する必要はありますか", True),
        ("マイナ保険証を出したのに病院で全額払いました", True),
        ("印鑑証明はコンビニ以外でも取れますか", True),
        ("マイナ保険証の利用登録はどこでできますか", False),
    ],
)
def test_other_services_count_only_without_a_card_term(engine, question, other):
    assert engine.other_service(question) is other


def test_naming_another_service_lowers_the_confidence(engine):
    assert engine.settings.coef_other_service < 0
    assert engine.confidence(0.8, 0.5, 0.3, True) < engine.confidence(0.8, 0.5, 0.3, False)


@pytest.mark.parametrize(
    "question",
    ["住民票の写しの手数料はいくらですか。", "転出届の出し方を教えてください。",
     "印鑑登録をしたいのですが、何が必要ですか。"],
)
def test_questions_about_other_services_are_never_answered(engine, question):
    assert engine.settings.gate_other_service
    assert engine.predict(question).topic is None


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("マイナンバーカードを紛失してしまったのですが、どうすればよろしいでしょうか。", "lost_stolen"),
        ("結婚して苗字が変わった場合、カードの手続きについて教えていただけますか。", "name_change"),
    ],
)
def test_long_polite_questions_are_answered(engine, question, topic):
    pred = engine.predict(question)
    assert (pred.topic, pred.band) == (topic, "answer")


def test_a_clear_question_is_answered_with_confidence(engine):
    pred = engine.predict("暗証番号を忘れてしまいました")
    assert pred == Prediction(pred.topic, pred.top3, pred.score, "answer")
    assert pred.topic == "pin_forgot_lock" and pred.score >= engine.settings.answer_at


def test_predict_handles_empty_and_odd_input(engine):
    for text in ["", "   ", "?", "1234", "a" * 5000]:
        pred = engine.predict(text)
        assert pred.band in ("answer", "suggest", "unknown")
        assert 0.0 <= pred.score <= 1.0 and len(pred.top3) <= 3


def test_handlers_faq_has_no_japanese_literals_or_web_imports():
    # Japanese text, escaped or not, lives in data/ (language.yaml for POS names,
    # script ranges and kana tables); code points as hex numbers count too.
    escaped = re.compile(r"\\u(3[0-9a-f]{3}|[4-9][0-9a-f]{3}|ff[0-9a-f]{2})|0x3[0-9a-f]{3}", re.I)
    root = Path(__file__).resolve().parents[2] / "handlers" / "faq"
    for path in root.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not any(ord(ch) >= 0x3000 for ch in source), path
        assert not escaped.search(source), (path, escaped.search(source))
        for banned in ("import flask", "from flask", "linebot", "twilio"):
            assert banned not in source, (path, banned)


# --- re-ranking by what is asked ------------------------------------------------
def test_reranker_was_trained_on_this_knowledge_base(engine):
    # Retrain with bench/faq_train_reranker.py --write after editing knowledge.yaml
    # or focus.yaml; a stale re-ranker is ignored, which silently costs accuracy.
    assert engine.reranker is not None


def test_the_focus_clause_is_the_last_clause_with_content(engine):
    text = "コンビニで証明書を取ろうとしたら暗証番号がロックされました。どうすればよいですか。"
    parts = rerank.clauses(text)
    assert parts[0].startswith("コンビニ") and "ロック" in parts[-2]
    top, feats = engine.rerank_inputs(text, engine.raw_scores(text, reranked=False), 5)
    focus = dict(zip(top, feats, strict=True))
    assert focus["pin_forgot_lock"]["fgap"] == 0.0  # best on the clause that is asked
    assert "lock" in rerank.cues("暗証番号がロックされました")


def test_centroid_scores_equal_the_cosine_with_the_centroid(engine):
    # The engine sums the examples' similarities instead of a second dot product.
    q = engine._vector(features(views("暗証番号の再設定はどこでできますか")))
    for topic in ("pin_forgot_lock", "fees"):
        centroid = engine._centroids[topic]
        cosine = sum(x * centroid.get(k, 0.0) for k, x in q.items())
        summed = sum(
            x * dx for k, x in q.items()
            for doc, dx in zip(*engine.postings(k), strict=True) if engine._labels[doc] == topic
        )
        assert summed * engine._centroid_scale[topic] == pytest.approx(cosine)


def test_leaving_an_example_out_changes_only_its_own_scores(engine):
    first = engine.knowledge.topics[0]
    with_self = engine.raw_scores(first.examples[0], reranked=False)
    without = engine.raw_scores(first.examples[0], exclude=0, reranked=False)
    assert without[first.id] < with_self[first.id]
    other = engine.knowledge.topics[1].id
    assert without[other] == with_self[other]


# --- predict CLI ---------------------------------------------------------------
def test_predict_cli_writes_one_json_line_per_question():
    app = Flask(__name__)
    app.cli.add_command(faq_cli)
    runner = app.test_cli_runner()
    stdin = "\n".join(
        [json.dumps({"q": "暗証番号を忘れた"}, ensure_ascii=False), "not json", '{"x": 1}', ""]
    )
    result = runner.invoke(args=["faq", "predict"], input=stdin)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 3
    assert lines[0]["q"] == "暗証番号を忘れた" and lines[0]["topic"] == "pin_forgot_lock"
    assert set(lines[0]) >= {"q", "topic", "top3", "score"}
    assert "error" in lines[1] and "error" in lines[2]


def test_cli_group_is_named_faq():
    assert faq_cli.name == "faq" and "predict" in faq_cli.commands
    assert CliRunner  # click's runner is what Flask's test runner builds on
