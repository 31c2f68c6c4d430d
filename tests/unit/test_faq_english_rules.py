"""English → concepts → Japanese (issue 15, round 5): rules about the wording."""

from __future__ import annotations

import pytest

from handlers.faq import concepts as concepts_mod
from handlers.faq.engine import views
from handlers.faq.english import to_japanese


@pytest.fixture(scope="module")
def concepts():
    return concepts_mod.load()


def test_the_longest_wording_wins(concepts):
    # "individual number notice" is the notification card, not the postcard's "notice"
    found = concepts.find_english("Is the Individual Number Notice an ID card?")
    assert "notification_card" in found
    assert "notice_postcard" not in found
    # "expired insurance card" is the old paper card, not an expired My Number Card
    found = concepts.find_english("Will a clinic still accept my expired insurance card?")
    assert "qualification_cert" in found
    assert "expired" not in found


def test_what_is_alone_is_not_about_the_card(concepts):
    assert to_japanese("What is the best ramen shop near the station?", concepts) == ""
    assert to_japanese("What is the My Number Card?", concepts) == "マイナンバーカードとは何ですか"


def test_what_is_beside_a_specific_concept_asks_about_that_concept(concepts):
    assert to_japanese("What is the eligibility certificate?", concepts) == "とは 資格確認書"


def test_use_yields_to_a_specific_concept(concepts):
    assert to_japanese("Which PIN do I use for filing my taxes online?", concepts) == "暗証番号"
    assert to_japanese("What can I use my My Number Card for?", concepts) == (
        "マイナンバーカードでできること")


def test_one_japanese_clause_per_english_clause(concepts):
    text = to_japanese("My mother is in hospital. Can I collect her card on her behalf?", concepts)
    assert text.split("。")[-1] == "代理人が受け取る"


def test_the_same_as_is_a_comparison_that_keeps_the_card(concepts):
    # round 6: "the same as" compares two things, as "difference" does
    text = to_japanese("Is the individual number notice the same as a My Number Card?", concepts)
    assert "違い" in text and "マイナンバーカード" in text and "通知カード" in text


def test_convenience_store_chains_are_convenience_stores(concepts):
    # round 6: the chains the topic contract names (konbini_koufu)
    for q in ("Can I print a certificate at Lawson?", "Does FamilyMart accept the card?",
              "Is the 7-Eleven copier open at night?"):
        assert "konbini" in concepts.find_english(q), q
    v = views("ローソンで印鑑証明は取れますか")
    assert "konbini" in concepts.find(v.surface, v.reading)


def test_someone_going_for_you_is_a_proxy(concepts):
    v = views("母に役所へ行ってもらうことはできますか")
    assert "proxy" in concepts.find(v.surface, v.reading)
    assert "proxy" in concepts.find_english("Can I pick up her card at city hall?")


@pytest.mark.parametrize(("question", "concept"), [
    # session 7: wording residents use in English that named no concept before
    ("Is there an express issuance for newborns?", "time"),
    ("Can I get the card faster if I am in a hurry?", "time"),
    ("Can I keep my hijab on in the photo?", "baby_photo"),
    ("My father lives in a care home. How can he apply?", "facility"),
    ("What is stored on the IC chip?", "privacy"),
    ("Where is the 23-digit code?", "app_form"),
    ("Where can I find my 12-digit number?", "notification_card"),
    ("Do I need a stamp to send the form?", "apply_mail"),
    ("Can I use the card as photo ID at the bank?", "uses"),
    ("The city sent back my application. What now?", "defect"),
    ("I left my card on the train.", "lost"),
    # round 9, from English pages held out by page (harvest 11)
    ("I forgot my 4 digit code, where can I reset it?", "pin"),
    ("Where can I reset my PIN?", "forgot_lock"),
    ("Can someone use my card to pretend to be me?", "privacy"),
    ("Is there any penalty if I never get the card?", "mandatory"),
    ("Can I log into Mynaportal with the card?", "uses"),
    ("What is the difference between the signature certificate and the user certificate?",
     "e_cert"),
    ("Who counts as a legal representative?", "child"),
    ("Can I see a doctor with the notice of eligibility information?", "qualification_cert"),
])
def test_common_english_wording_names_its_concept(concepts, question, concept):
    assert concept in concepts.find_english(question)


@pytest.mark.parametrize("question", [
    "How does the high-cost medical care system work?",
    "Where do we register the birth of our baby?",
    "How do I get a moving-out certificate?",
    "How do I ask the post office to redeliver a parcel?",
    "Should I close my bank account before I leave Japan?",
    "How much notice do I have to give my landlord?",
    "I still have an old alien registration card. Can I use it?",
])
def test_other_offices_matters_in_english_are_referred(concepts, question):
    assert concepts.referral(set(concepts.find_english(question))) == "other_service"


@pytest.mark.parametrize("question", [
    # "register my address" is the counter (apply when moving in), not a referral
    "Can I apply for the My Number card when I register my address?",
    # the card prints it at a konbini (konbini_koufu): not a referral
    "Can I get a residence certificate at a convenience store with the card?",
])
def test_card_questions_naming_another_procedure_stay_in_scope(concepts, question):
    assert concepts.referral(set(concepts.find_english(question))) is None


def test_the_ways_to_apply_ask_for_the_methods(concepts):
    assert to_japanese("What are all the different ways to apply for a My Number Card?",
                       concepts) == "申請方法"


# round 10: does the question name the card at all? The rewrite used to keep only the
# concepts, so "extend my period of stay" and "my card after my period of stay is
# extended" became the same Japanese; a question naming neither the card, its number,
# nor one of the card's own concepts now starts with the marker clause.
@pytest.mark.parametrize("question, marked", [
    ("What documents do I need to extend my period of stay at immigration?", True),
    ("I lost my bank card and my residence card.", True),
    ("How much is the fee when the visa extension is approved?", True),
    ("My residence card was renewed. Do I need to update my My Number card?", False),
    ("Can foreign residents get a card too?", False),
    ("Which PIN do I use for filing my taxes online?", False),
    ("What is the eligibility certificate?", False),
    ("Can someone from the city visit my mother to take her application?", False),
    ("How long until my individual number arrives?", False),
])
def test_a_question_that_does_not_name_the_card_is_marked(concepts, question, marked):
    marker = concepts.english["unnamed_marker"] + concepts.english["clause_joiner"]
    text = to_japanese(question, concepts)
    assert text and text.startswith(marker) is marked, text


def test_a_question_with_no_concept_gets_no_marker(concepts):
    # nothing about the card at all stays '' (unknown), not a lone marker to match
    assert to_japanese("Tell me a joke about penguins.", concepts) == ""


def test_the_classifier_also_sees_an_english_questions_own_words(concepts):
    # round 10: the Japanese rewrite keeps only the concepts; the question's own words
    # ("immigration", "extend") reach the classifier as e: features at half weight
    import numpy as np

    from handlers.faq import classifier as clf

    words = clf.english_words("What documents do I need to extend my period of stay at "
                              "immigration?", concepts.stop_words)
    assert words == ["document", "extend", "immigration", "need", "period", "stay"]
    plain = clf.featurize("在留期間", ["在留", "期間"], {"foreign"})
    both = clf.featurize("在留期間", ["在留", "期間"], {"foreign"}, words)
    assert not any(k.startswith("e:") for k in plain)
    assert {k[2:] for k in both if k.startswith("e:")} == set(words)
    for feats in (plain, both):
        assert abs(float(np.sqrt(sum(x * x for x in feats.values()))) - 1.0) < 1e-9
    # together the English words weigh half of the rewrite's features
    e_norm = np.sqrt(sum(x * x for k, x in both.items() if k.startswith("e:")))
    rest_norm = np.sqrt(sum(x * x for k, x in both.items() if not k.startswith("e:")))
    assert abs(e_norm / rest_norm - clf.ENGLISH_WEIGHT) < 1e-9
