"""What residents read matches the program (issue 11), checked over every resident text.

* Venue support (会場設置型) is 交付時来庁方式: the card is collected at city hall or a
  branch office with the 交付通知書. Visit support (訪問型) is 申請時来庁方式: identity is
  checked on the spot and the card is mailed. No text may say a venue card is mailed, or
  that support in general brings the card home; texts about visits say it is mailed.
* The only eligibility condition is an address in the city: no text states another one.
* Every FAQ answer records its sources (a Jinja comment at the top of the template) and
  at least one of them is an official page (national or municipal).
* An application defect is 不備; the word for a malfunction appears in no text anyone reads.

The rules run on the rendered text (a lenient renderer fills variables with blanks);
``test_the_rules_catch_the_wording_they_were_written_against`` runs them on the wrong
sentences that were in the answers before, so the rules can fail.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from jinja2 import ChainableUndefined, Environment

from handlers.faq.knowledge import load
from models.city import PROJECT_ROOT, city

MESSAGES = PROJECT_ROOT / "templates" / "messages"
ANSWERS = MESSAGES / "faq" / "answers"

# -- reading the texts ----------------------------------------------------------------------


class _Blank(ChainableUndefined):
    """A missing variable renders as nothing, whatever is done with it."""

    def __call__(self, *args, **kwargs):
        return self

    def _no(self, _other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = _no


def _env() -> Environment:
    """The app's template environment, with blanks for missing variables."""
    from handlers.text import env

    lenient = env().overlay(undefined=_Blank, cache_size=400)  # its own compiled templates
    lenient.filters = {**lenient.filters, "weekday": lambda _value: ""}  # not the app's dict
    return lenient


ENV = _env()


def _name(path: Path) -> str:
    return path.relative_to(MESSAGES).as_posix()


def resident_texts() -> dict[str, str]:
    """Every message template, rendered with blanks for what a conversation would supply
    (a defect reason is needed to pick the included text)."""
    paths = sorted(MESSAGES.rglob("*.txt"))
    return {_name(p): ENV.get_template(_name(p)).render(reason="other") for p in paths}


TEXTS = resident_texts()

# Texts about one kind of support only: a sentence in them needs not name the kind again.
VENUE_ONLY = re.compile(
    r"^(faq/answers/support_venue|venue/|bookings/(reminder|waitlist_|event_cancelled))"
)
VISIT_ONLY = re.compile(
    r"^(faq/answers/(support_home_visit|facility_residents_homebound)|visit/|phone_visit/"
    r"|bookings/visit_)"
)

# -- the collection rules -------------------------------------------------------------------

# The card comes by post (or home). Negations (「郵送ではとどきません」) do not match.
MAILED = re.compile(
    r"(郵送|郵便|書留)で(?!は)[^。、]{0,12}?(届|とど|送られ|受け取)"
    r"|郵送(され|します|する)"
    r"|自宅(に|へ|で)[^。]{0,6}(届|とど|郵送|受け取)"
    r"|本人限定受取郵便"
)
# Sentences about something else that comes by post: the notice, letters, forms.
OTHER_MAIL = re.compile(r"はがき|交付通知書|通知書|封筒|資格確認書|申請書|お知らせ")
VISIT = re.compile(r"訪問|うかが|申請時来庁|特急")
VENUE = re.compile(r"会場|交付時来庁")
COLLECTED = re.compile(r"受け取|受取")
CITY_HALL = re.compile(r"市役所|支所")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"[。\n]", text) if s.strip()]


def says_card_mailed(sentence: str) -> bool:
    if not MAILED.search(sentence):
        return False
    return "カード" in sentence or not OTHER_MAIL.search(sentence)


def collection_problems(name: str, text: str) -> list[str]:
    """What ``text`` says about getting the card that the program contradicts."""
    problems = []
    venue_only, visit_only = VENUE_ONLY.search(name), VISIT_ONLY.search(name)
    for s in sentences(text):
        mailed = says_card_mailed(s)
        if mailed and VENUE.search(s):
            problems.append(f"a venue card is mailed: {s}")
        elif mailed and venue_only:
            problems.append(f"a card booked at a venue is mailed: {s}")
        elif mailed and not visit_only and not VISIT.search(s):
            problems.append(f"the card is mailed, but not only for visits: {s}")
        if visit_only and CITY_HALL.search(s) and COLLECTED.search(s) and "カード" in s:
            problems.append(f"a visit card is collected at city hall: {s}")
    if any(VENUE.search(s) and COLLECTED.search(s) for s in sentences(text)) or (
        venue_only and "カード" in text and COLLECTED.search(text)
    ):
        if not CITY_HALL.search(text):
            problems.append("says how a venue card is received but not at city hall or a branch")
    if visit_only and "カード" in text and re.search(r"届|とど|受け取", text):
        if not any(says_card_mailed(s) for s in sentences(text)):
            problems.append("says the visit card arrives but not that it is mailed")
    return problems


# -- invented conditions ---------------------------------------------------------------------

# Conditions a careless writer adds to "who may use the support"; the program has one:
# an address in the city.
INVENTED = [
    (r"(引っ越し|引越し?|転居|転出|住所変更)[^。]{0,12}予定", "no move planned"),
    (r"\d+\s*(か|ヶ|カ|ケ|箇)月[^。]{0,20}(引っ越|引越|転居|住み続)", "no move for months"),
    (r"(住んで|住民登録して|在住)[^。]{0,10}\d+\s*(年|か月|ヶ月|カ月)以上", "years of residence"),
    (r"\d+\s*歳以上の(方|人)(が|だけ|に限|を対象)", "an age limit"),
    (r"\d+\s*歳以上[^。、]{0,6}(対象|条件)", "an age limit"),
    (r"(対象|条件)[^。]{0,20}\d+\s*歳以上", "an age limit"),
    (r"(要介護|要支援|介護認定|障害者手帳)[^。]{0,20}(必要|条件|限り|限ら|だけ|対象)", "a care level"),
    (r"(駐車|車を止め)[^。]{0,20}(必要|条件|ある方|こと)", "a parking space"),
    (r"(初めて|初回)[^。]{0,15}(方|人)(だけ|に限)", "first cards only"),
    (r"一人暮らし|独居|単身", "living alone"),
    (r"所得|非課税|収入", "income"),
    (r"(代理人|家族)[^。]{0,15}(手続き|申請)[^。]{0,10}できない(方|人|こと)", "no proxy"),
    (r"\d+\s*人以上[^。]{0,10}(集ま|そろ|申し込|団体)", "a group size"),
    (r"(成年後見|後見人)[^。]{0,20}(対象外|できません|使えません|受け付けません)", "guardianship"),
    (r"(市内|{city})に(\d+|[一二三四五六七八九十])\s*(年|か月)", "years of residence"),
]


def invented_conditions(text: str) -> list[str]:
    found = []
    for pattern, what in INVENTED:
        rx = re.compile(pattern.replace("{city}", re.escape(city().name)))
        for s in sentences(text):
            if rx.search(s):
                found.append(f"{what}: {s}")
    return found


# -- the tests ------------------------------------------------------------------------------

# The wrong sentences the answers carried before this issue (and variants): the rules fail them.
WRONG = [
    ("faq/answers/support_venue.txt", "・本人が来て本人確認をすれば、カードは後日郵送で届きます"),
    ("faq/answers/support_day_flow.txt", "・カードは約1か月後に郵送で届きます(郵便の転送設定があると届きません)"),
    ("faq/answers/support_day_flow.voice.txt", "カードは約1か月後に郵送で届きます。"),
    (
        "faq/answers/support_program_overview.txt",
        "サポートで申請したカードは、郵送で自宅に届くことが多く、受け取りに行かなくてよくなります。",
    ),
    ("faq/answers/support_program_overview.voice.txt", "カードは後日、郵送で届くことが多いです。"),
    (
        "faq/answers/shinseiji_vs_koufuji.txt",
        "▶ 申請サポート(無料)を使うと、カードを自宅で受け取れることが多いです。",
    ),
    (
        "faq/answers/shinseiji_vs_koufuji.voice.txt",
        "窓口や申請サポートで本人確認をして申請した場合は、カードが自宅に郵送されるので、もう一度来なくてよくなります。",
    ),
    ("faq/answers/apply_methods.txt", "会場で申請したカードは、ご自宅に郵送します。"),
    ("venue/booked.txt", "カードは後日、本人限定受取郵便でとどきます。"),
    ("visit/received.txt", "カードは後日、市役所か支所で受け取ります。"),
]
WRONG_CONDITIONS = [
    "・下関市に住民登録があり、申請から2か月くらいは引っ越しの予定がないことが条件です",
    "下関市に住民登録があり、しばらく引っ越しの予定がない方が対象です。",
    "65歳以上の方が対象です。",
    "対象は75歳以上の方です。",
    "要介護認定を受けている方だけが申し込めます。",
    "駐車スペースが1台分あることが条件です。",
    "初めてカードを作る方に限ります。",
    "5人以上集まれば申し込めます。",
    "市内に1年以上住んでいる方が対象です。",
]


@pytest.mark.parametrize(("name", "sentence"), WRONG)
def test_the_rules_catch_the_wording_they_were_written_against(name, sentence):
    assert collection_problems(name, sentence)


@pytest.mark.parametrize("sentence", WRONG_CONDITIONS)
def test_the_rules_catch_invented_conditions(sentence):
    assert invented_conditions(sentence)


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_no_text_contradicts_how_the_card_is_received(name):
    assert collection_problems(name, TEXTS[name]) == []


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_no_text_states_a_condition_the_program_does_not_have(name):
    assert invented_conditions(TEXTS[name]) == []


VENUE_COLLECTION = [
    "faq/answers/support_venue.txt",
    "faq/answers/support_venue.voice.txt",
    "venue/booked.txt",
    "venue/booked.voice.txt",
    "venue/booked_sms.txt",
    "bookings/reminder.txt",
]
VISIT_MAILING = [
    "faq/answers/support_home_visit.txt",
    "faq/answers/support_home_visit.voice.txt",
    "faq/answers/facility_residents_homebound.txt",
    "faq/answers/facility_residents_homebound.voice.txt",
    "visit/received.txt",
    "bookings/visit_reminder.txt",
]
BOTH_KINDS = [
    f"faq/answers/{topic}{variant}"
    for topic in ("support_program_overview", "support_day_flow", "shinseiji_vs_koufuji")
    for variant in (".txt", ".voice.txt")
]


@pytest.mark.parametrize("name", VENUE_COLLECTION + BOTH_KINDS)
def test_venue_texts_say_the_card_is_collected_at_city_hall_or_a_branch_with_the_notice(name):
    text = TEXTS[name]
    assert CITY_HALL.search(text) and re.search(r"はがき|交付通知書", text), text


@pytest.mark.parametrize("name", VISIT_MAILING + BOTH_KINDS)
def test_visit_texts_say_the_card_is_mailed(name):
    mailed = [s for s in sentences(TEXTS[name]) if says_card_mailed(s)]
    assert mailed, TEXTS[name]


@pytest.mark.parametrize(
    "name",
    [
        f"faq/answers/{t}{v}"
        for t in ("support_program_overview", "support_venue", "support_home_visit")
        for v in (".txt", ".voice.txt")
    ]
    + ["venue/ask_residence.txt", "venue/not_eligible.txt"],
)
def test_texts_about_who_may_use_the_support_name_the_address_in_the_city(name):
    assert f"{city().name}に住所" in TEXTS[name]


# -- sources ---------------------------------------------------------------------------------

OFFICIAL_HOST = re.compile(
    r"(\.go\.jp|\.lg\.jp)$|^(www\d*\.|ssl\.|origin\.)?(city|town|vill|pref|police\.pref)\."
)


def front_matter(path: Path) -> str:
    source = path.read_text(encoding="utf-8")
    match = re.match(r"\{#(.*?)#\}", source, re.S)
    return match.group(1) if match else ""


def source_urls(path: Path) -> list[str]:
    return re.findall(r"^\s*-\s*(https?://\S+)", front_matter(path), re.M)


@pytest.mark.parametrize("topic", load().ids())
def test_every_answer_records_an_official_source_at_the_top(topic):
    path = ANSWERS / f"{topic}.txt"
    assert "sources:" in front_matter(path), f"{path.name}: no sources front matter"
    urls = source_urls(path)
    assert urls, f"{path.name}: no source address"
    hosts = [urlparse(u).hostname or "" for u in urls]
    assert any(OFFICIAL_HOST.search(h) for h in hosts), f"{path.name}: no official page in {hosts}"


@pytest.mark.parametrize("topic", load().ids())
def test_the_sources_never_reach_the_resident(topic):
    from handlers.text import render

    for voice in (False, True):
        text = render(f"faq/answers/{topic}", voice=voice)
        assert "http" not in text and "sources" not in text


def test_the_official_host_rule_tells_official_pages_from_others():
    assert OFFICIAL_HOST.search("www.kojinbango-card.go.jp")
    assert OFFICIAL_HOST.search("www.city.hagi.lg.jp")
    assert OFFICIAL_HOST.search("www.city.matsuyama.ehime.jp")
    assert not OFFICIAL_HOST.search("kkpartners.jp")
    assert not OFFICIAL_HOST.search("dime.jp")


# -- terms -----------------------------------------------------------------------------------

MALFUNCTION = "不" + "具合"  # spelt apart so that this file does not contain the word itself


def _staff_and_resident_files() -> list[Path]:
    roots = [PROJECT_ROOT / "templates", PROJECT_ROOT / "docs", PROJECT_ROOT / "bot"]
    files = [p for root in roots for p in root.rglob("*") if p.is_file()]
    files += [PROJECT_ROOT / "README.md", PROJECT_ROOT / "city.yaml"]
    files += [p for p in PROJECT_ROOT.glob("*/data/*.yaml")]
    files += [p for p in PROJECT_ROOT.glob("*/*/data/*.yaml")]
    return [p for p in files if p.suffix in {".txt", ".html", ".md", ".yaml", ".yml", ".js", ".css"}]


def test_a_defect_is_called_fubi_in_every_text_staff_or_residents_read():
    files = _staff_and_resident_files()
    assert len(files) > 100 and PROJECT_ROOT / "templates/console/_labels.html" in files
    offenders = [
        str(p.relative_to(PROJECT_ROOT))
        for p in files
        if MALFUNCTION in p.read_text(encoding="utf-8", errors="ignore")
    ]
    assert offenders == []


def test_the_console_labels_a_defect_case_fubi():
    labels = (PROJECT_ROOT / "templates/console/_labels.html").read_text(encoding="utf-8")
    assert '"defect": "不備"' in labels
