"""Ranking questions over FAQ topics, with a calibrated confidence.

Every example question (and the question asked) becomes one sparse vector made
of three TF-IDF blocks, each L2-normalised and weighted, so that one dot
product is the weighted sum of three cosines:

* ``r``: character 2-3-grams of the folded reading (hiragana, kanji and
  speech-recognised text meet here),
* ``s``: character 2-3-grams (and kanji unigrams) of the folded surface,
* ``w``: Sudachi normalised forms of content words.

A topic's raw score mixes its best example, its second-best example and the
topic centroid, plus a small boost per topic keyword present. Out-of-scope
examples form a pseudo-topic that competes with the real ones. The calibrated
confidence is a logistic function of the best score and the margin over the
second topic and over the out-of-scope pseudo-topic (``data/calibration.yaml``,
fitted by ``bench/faq_calibrate.py``). Each topic also has a description (its
key facts); the cosine of the question's words with it adds a small score.

The best few topics are then re-ranked by what the question asks (its last
clause and its question cues, see ``handlers.faq.rerank``) before the
confidence is computed. A question about another city service (and nothing
of the card, see ``handlers.faq.scope``) loses confidence and is at most
suggested.
"""

from __future__ import annotations

import math
import re
import threading
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from sys import intern

import numpy as np
import yaml

from handlers.faq import classifier as clf
from handlers.faq import concepts as cpt
from handlers.faq import knowledge as kb
from handlers.faq import language as lang
from handlers.faq import rerank
from handlers.faq.english import is_english, to_japanese
from handlers.faq.normalize import fold_reading, fold_surface, normalize_text
from handlers.faq.scope import ScopeTerms
from handlers.faq.tokenize import tokenize

DATA = Path(__file__).parent / "data"
ANSWER, SUGGEST, UNKNOWN = "answer", "suggest", "unknown"
MAX_CHARS = 400  # longer messages are cut; nobody asks one question in 400 characters


@dataclass(frozen=True)
class Prediction:
    topic: str | None  # topic to answer, None when not confident enough
    top3: tuple[str, ...]  # best candidates (ids), best first
    score: float  # calibrated confidence 0..1 of top1
    band: str  # "answer" | "suggest" | "unknown"
    # a second topic the question also touches (offered as a "related" button)
    related: tuple[str, ...] = ()
    # for an unanswered question: which referral (other_service, others_data,
    # status_lookup, chitchat, scam), see templates/messages/faq/referral/
    referral: str | None = None
    english: bool = False  # asked in English (answered in Japanese with a note)


@dataclass(frozen=True)
class Settings:
    weights: dict[str, float]
    mix_best: float
    mix_second: float
    mix_centroid: float
    idf_floor: float
    keyword_boost: float
    keyword_cap: int
    mix_description: float
    coef_score: float
    coef_margin: float
    coef_oos_margin: float
    intercept: float
    answer_at: float
    suggest_at: float
    coef_other_service: float = 0.0
    # Issue 15: the retrieval scores (softmax at `temperature`) mixed with the
    # cross-topic classifier's probabilities; `mix_classifier` 0 = retrieval only.
    mix_classifier: float = 0.0
    temperature: float = 0.1
    combined_answer_at: float = 0.5
    combined_suggest_at: float = 0.2
    related_at: float = 0.25
    # Round 11: the best topic is answered only when it is this many times as likely as
    # out of scope (1 = merely more likely). Fitted with combined_answer_at: a lower
    # threshold with a wider margin over out of scope answers more of the in-scope
    # questions whose best topic is right and still refers the out-of-scope ones.
    answer_over_oos: float = 1.0
    # Round 12: a question gated as another service (it names one and no card term) is
    # still answered when the mix is this sure of one topic and it is
    # ``gate_override_over_oos`` times as likely as out of scope (what the IC chip holds of
    # one's tax and pension, English home-visit requests that do not name the card).
    # 1.0 = never (no override).
    gate_override_at: float = 1.0
    gate_override_over_oos: float = 15.0
    staff_match_at: float = 0.8
    # Retrieval only (no classifier): a question naming another service and no card
    # term is at most suggested, never answered outright (in the dev files such
    # questions are all out of scope). With the classifier such a question is always
    # referred unless the gate override above lets it through.
    gate_other_service: bool = False

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        with open(path or DATA / "calibration.yaml", encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
        return cls(**raw)


_is_kanji = lang.is_kanji


def _ngrams(text: str, prefix: str, out: dict[str, float]) -> None:
    for n in (2, 3):
        for i in range(len(text) - n + 1):
            key = prefix + text[i : i + n]
            out[key] = out.get(key, 0.0) + 1.0


@dataclass(frozen=True)
class Views:
    surface: str
    reading: str
    words: tuple[str, ...]


def views(text: str) -> Views:
    """The three matching views of a question (see handlers.faq.normalize)."""
    norm = normalize_text(text[:MAX_CHARS])
    tokens = tokenize(norm)
    reading = fold_reading("".join(t.reading if _has_kana(t.reading) else t.surface
                                   for t in tokens))
    words = tuple(w for t in tokens if t.content for w in (t.normalized, *t.parts))
    return Views(fold_surface(norm), reading, words)


_has_kana = lang.has_katakana


def features(v: Views) -> dict[str, dict[str, float]]:
    r: dict[str, float] = {}
    _ngrams(v.reading, "", r)
    s: dict[str, float] = {}
    _ngrams(v.surface, "", s)
    for ch in v.surface:
        if _is_kanji(ch):
            s[ch] = s.get(ch, 0.0) + 1.0
    w: dict[str, float] = {}
    for word in v.words:
        w[word] = w.get(word, 0.0) + 1.0
    return {"r": r, "s": s, "w": w}


class FaqEngine:
    """Built once per process from the knowledge base; ``predict`` is pure and fast."""

    def __init__(self, knowledge: kb.Knowledge, settings: Settings,
                 reranker: rerank.Reranker | None | bool = True,
                 classifier: clf.Classifier | None | bool = True,
                 extra_examples: tuple[tuple[str, str], ...] = ()) -> None:
        self.base_knowledge = knowledge
        self.staff_examples = tuple(extra_examples)
        if extra_examples:  # staff assignments (question, topic): more examples
            knowledge = kb.with_examples(knowledge, extra_examples)
        self.knowledge = knowledge
        self.settings = settings
        if classifier is True:
            classifier = clf.load_fresh()
        self.classifier: clf.Classifier | None = classifier or None
        self.concepts = cpt.load()
        if reranker is True:  # the trained one, if it was trained on this knowledge base
            model = rerank.Reranker.load()
            fresh = model is not None and model.trained_on == rerank.data_hash(
                kb.knowledge_path())
            reranker = model if fresh else None
        self.reranker: rerank.Reranker | None = reranker or None
        self._titles = {t.id: t.title for t in knowledge.topics}
        self._labels: list[str] = []  # topic id per document
        raw_docs: list[dict[str, dict[str, float]]] = []
        for topic in knowledge.topics:
            for example in topic.examples:
                self._labels.append(topic.id)
                raw_docs.append(features(views(example)))
        for example in knowledge.out_of_scope:
            self._labels.append(kb.OUT_OF_SCOPE)
            raw_docs.append(features(views(example)))
        self._idf = self._fit_idf(raw_docs)
        docs = [self._vector(d) for d in raw_docs]
        # Kept only to leave one example out (evaluation): keys and weights, not dicts.
        self._docs = [(tuple(d), np.fromiter(d.values(), float, len(d))) for d in docs]
        # Staff assignments: a question close to one of them gets its topic
        # (the classifier has not seen them; `staff_match_at` in calibration.yaml).
        staff = {(kb_q, t) for kb_q, t in self.staff_examples}
        self._staff_docs = [
            (topic, self._vector(features(views(q)))) for q, topic in sorted(staff)
        ]
        self._index = self._build_index(docs)
        self._centroids = self._build_centroids(docs)
        self._keywords = self._build_keywords(knowledge)
        self._descriptions = {
            t.id: self._word_vector(features(views(t.description))["w"])
            for t in knowledge.topics if t.description
        }
        self._candidates = [*self._titles, kb.OUT_OF_SCOPE]
        self._scope = ScopeTerms.build(
            knowledge.other_services, knowledge.card_terms,
            surface=lambda t: fold_surface(normalize_text(t)),
            reading=lambda t: views(t).reading,
            other_contexts=knowledge.other_contexts,
        )

    # --- building ---------------------------------------------------------
    def _fit_idf(self, raw_docs: list[dict[str, dict[str, float]]]) -> dict[str, float]:
        df: dict[str, int] = defaultdict(int)
        for doc in raw_docs:
            for block, feats in doc.items():
                for key in feats:
                    df[intern(f"{block}:{key}")] += 1
        n = len(raw_docs)
        floor = self.settings.idf_floor
        return {key: math.log((n + 1) / (count + 1)) + floor for key, count in df.items()}

    def _build_index(self, docs: list[dict[str, float]]) -> dict[str, int]:
        """Feature → its number; its examples and weights are one slice of two flat
        arrays (``postings``). Most features occur in one or two examples: a list of
        (int, float) tuples cost about 100 bytes an entry, arrays per feature about
        200 bytes a feature; here 12 bytes an entry and one int a feature.
        """
        ids: dict[str, list[int]] = {}
        vals: dict[str, list[float]] = {}
        for i, vec in enumerate(docs):
            for key, val in vec.items():
                ids.setdefault(key, []).append(i)
                vals.setdefault(key, []).append(val)
        index: dict[str, int] = {}
        at = [0]
        for number, key in enumerate(ids):
            index[key] = number
            at.append(at[-1] + len(ids[key]))
        self._post_at = at
        self._post_ids = np.fromiter((i for key in ids for i in ids[key]), np.int32, at[-1])
        self._post_vals = np.fromiter((x for key in vals for x in vals[key]), np.float64, at[-1])
        return index

    def postings(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The examples holding feature ``key`` and its weight in each (empty if none)."""
        number = self._index.get(key)
        if number is None:
            return self._post_ids[:0], self._post_vals[:0]
        a, b = self._post_at[number], self._post_at[number + 1]
        return self._post_ids[a:b], self._post_vals[a:b]

    def _vector(self, raw: dict[str, dict[str, float]]) -> dict[str, float]:
        vec: dict[str, float] = {}
        default_idf = math.log(len(self._labels) + 1) + self.settings.idf_floor
        for block, feats in raw.items():
            weight = self.settings.weights[block]
            # Interned: the examples, the index and the centroids share one string a feature.
            part = {
                intern(f"{block}:{k}"): (1.0 + math.log(tf)) * self._idf.get(f"{block}:{k}", default_idf)
                for k, tf in feats.items()
            }
            norm = math.sqrt(sum(x * x for x in part.values()))
            if norm == 0:
                continue
            scale = math.sqrt(weight) / norm
            for k, x in part.items():
                vec[k] = x * scale
        return vec

    def _build_centroids(self, docs: list[dict[str, float]]) -> dict[str, dict[str, float]]:
        sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for label, vec in zip(self._labels, docs, strict=True):
            for k, x in vec.items():
                sums[label][k] += x
        total = sum(self.settings.weights.values())
        out: dict[str, dict[str, float]] = {}
        self._centroid_norms: dict[str, float] = {}
        self._centroid_scale: dict[str, float] = {}
        for label, vec in sums.items():
            norm = math.sqrt(sum(x * x for x in vec.values())) or 1.0
            self._centroid_norms[label] = norm
            self._centroid_scale[label] = math.sqrt(total) / norm
            out[label] = {k: x * math.sqrt(total) / norm for k, x in vec.items()}
        return out

    def _word_vector(self, words: dict[str, float]) -> dict[str, float]:
        """The words block alone, TF-IDF weighted and L2-normalised (for descriptions)."""
        default_idf = math.log(len(self._labels) + 1) + self.settings.idf_floor
        vec = {k: (1.0 + math.log(tf)) * self._idf.get(f"w:{k}", default_idf)
               for k, tf in words.items()}
        norm = math.sqrt(sum(x * x for x in vec.values())) or 1.0
        return {k: x / norm for k, x in vec.items()}

    @staticmethod
    def _build_keywords(knowledge: kb.Knowledge) -> list[tuple[str, str, str]]:
        """(topic, folded surface, folded reading) for every keyword."""
        out: list[tuple[str, str, str]] = []
        for topic in knowledge.topics:
            for word in topic.keywords:
                v = views(word)
                out.append((topic.id, v.surface, v.reading if len(v.reading) >= 3 else ""))
        return out

    # --- querying ---------------------------------------------------------
    def other_service(self, text: str) -> bool:
        """True when ``text`` names another service and nothing of the card (``scope``)."""
        v = views(text or "")
        return self._scope.other_service(v.surface, v.reading)

    def raw_scores(self, text: str, *, exclude: int | None = None,
                   reranked: bool = True) -> dict[str, float]:
        """Uncalibrated score per topic (and the out-of-scope pseudo-topic).

        ``exclude`` leaves one knowledge-base example out (for training the
        re-ranker); ``reranked=False`` gives the retrieval scores alone.
        """
        return self._raw_scores(text, views(text), exclude, reranked)

    def _raw_scores(self, text: str, v: Views, exclude: int | None = None,
                    reranked: bool = True) -> dict[str, float]:
        scores = self._scores(v, exclude)
        if reranked and self.reranker is not None:
            self._rerank(text, v, scores, exclude)
        return scores

    def rerank_inputs(self, text: str, scores: dict[str, float], top_k: int,
                      exclude: int | None = None, whole: Views | None = None,
                      ) -> tuple[list[str], list[dict[str, float]]]:
        """The top topics by ``scores`` and the re-ranker's features of each."""
        top = sorted((t for t in scores if t != kb.OUT_OF_SCOPE),
                     key=lambda t: scores[t], reverse=True)[:top_k]
        parts = rerank.clauses(text)
        focus_scores = None
        tail = " ".join(parts)
        if len(parts) > 1:
            surface = (whole or views(text)).surface
            for i in range(len(parts) - 1, -1, -1):
                fv = views(parts[i])
                if fv.words:
                    tail = " ".join(parts[i:])
                    if fv.surface != surface:
                        focus_scores = self._scores(fv, exclude, top)
                    break
        return top, rerank.candidate_features(top, focus_scores, rerank.cues(tail))

    def _rerank(self, text: str, v: Views, scores: dict[str, float],
                exclude: int | None) -> None:
        model = self.reranker
        assert model is not None
        top, feats = self.rerank_inputs(text, scores, model.top_k, exclude, v)
        for topic, f in zip(top, feats, strict=True):
            scores[topic] += rerank.correction(model, f)

    def _scores(self, v: Views, exclude: int | None = None,
                labels: list[str] | None = None) -> dict[str, float]:
        """Retrieval score of each of ``labels`` (default: every topic and out-of-scope)."""
        raw = features(v)
        q = self._vector(raw)
        qw = self._word_vector(raw["w"]) if self._descriptions else {}
        acc = np.zeros(len(self._labels))
        index, at, ids, vals = self._index, self._post_at, self._post_ids, self._post_vals
        for key, qx in q.items():
            number = index.get(key)
            if number is not None:  # an example appears once in a posting list
                a, b = at[number], at[number + 1]
                acc[ids[a:b]] += qx * vals[a:b]
        sims = acc.tolist()
        # A centroid is a scaled sum of its examples, so its cosine is the
        # scaled sum of their similarities (taken before leaving one out).
        totals: dict[str, float] = defaultdict(float)
        best: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        doc_labels = self._labels
        for doc, sim in enumerate(sims):
            if not sim:
                continue
            label = doc_labels[doc]
            totals[label] += sim
            if doc == exclude:
                continue
            pair = best[label]
            if sim > pair[0]:
                pair[1], pair[0] = pair[0], sim
            elif sim > pair[1]:
                pair[1] = sim
        left_out = self._labels[exclude] if exclude is not None else None
        st = self.settings
        boosts = self._keyword_hits(v)
        scores: dict[str, float] = {}
        for label in labels if labels is not None else self._candidates:
            b1, b2 = best.get(label, (0.0, 0.0))
            c = totals.get(label, 0.0) * self._centroid_scale.get(label, 0.0)
            if label == left_out:
                c = self._centroid_without(q, label, c, exclude)
            desc = self._descriptions.get(label)
            d = sum(x * desc.get(k, 0.0) for k, x in qw.items()) if desc else 0.0
            scores[label] = (
                st.mix_best * b1
                + st.mix_second * b2
                + st.mix_centroid * c
                + st.mix_description * d
                + st.keyword_boost * min(boosts.get(label, 0), st.keyword_cap)
            )
        return scores

    def _keyword_hits(self, v: Views) -> dict[str, float]:
        """How many of each topic's keywords the text contains."""
        hits: dict[str, float] = defaultdict(float)
        for topic, surface, reading in self._keywords:
            if (surface and surface in v.surface) or (reading and reading in v.reading):
                hits[topic] += 1
        return hits

    def _centroid_without(self, q: dict[str, float], label: str, c: float,
                          exclude: int | None) -> float:
        """The centroid cosine as if example ``exclude`` were not in the topic."""
        total = math.sqrt(sum(self.settings.weights.values()))
        norm = self._centroid_norms[label]
        centroid = self._centroids[label]
        doc: dict[str, float] = {}
        if exclude is not None:
            keys, weights = self._docs[exclude]
            doc = dict(zip(keys, weights.tolist(), strict=True))
        # centroid = sum * total / norm; sum' = sum - doc
        dot_doc = sum(x * centroid.get(k, 0.0) for k, x in doc.items()) * norm / total
        sq = sum(x * x for x in doc.values())
        norm2 = math.sqrt(max(1e-12, norm * norm - 2 * dot_doc + sq))
        qd = sum(qx * doc.get(k, 0.0) for k, qx in q.items())
        return (c * norm / total - qd) * total / norm2

    def confidence(self, top: float, second: float, oos: float,
                   other_service: bool = False) -> float:
        """sigmoid(a*top + b*(top - second topic) + d*(top - out-of-scope) + e*other + c)."""
        st = self.settings
        z = (st.coef_score * top + st.coef_margin * (top - second)
             + st.coef_oos_margin * (top - oos)
             + st.coef_other_service * float(other_service) + st.intercept)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def classifier_features(self, v: Views, english_text: str = "") -> dict[str, float]:
        """The classifier's features of a question's views (and, for an English
        question, of its original English words)."""
        words = clf.english_words(english_text, self.concepts.stop_words) if english_text else ()
        return clf.featurize(v.surface, v.words, self.concepts.find(v.surface, v.reading), words)

    def match_text(self, text: str) -> tuple[str, bool]:
        """The text to match (an English question rewritten to Japanese) and is-English."""
        text = text or ""
        if is_english(text):
            return to_japanese(text, self.concepts), True
        return text, False

    def staff_match(self, v: Views, at: float) -> str | None:
        """The topic of the staff-assigned example most like ``v``, if similar enough."""
        if not self._staff_docs:
            return None
        q = self._vector(features(v))
        best, topic = 0.0, None
        total = sum(self.settings.weights.values())
        for label, doc in self._staff_docs:
            sim = sum(x * doc.get(k, 0.0) for k, x in q.items()) / total
            if sim > best:
                best, topic = sim, label
        return topic if best >= at else None

    def classifier_proba(self, v: Views, english_text: str = "") -> dict[str, float] | None:
        if self.classifier is None or self.settings.mix_classifier <= 0:
            return None
        return self.classifier.proba(self.classifier_features(v, english_text))

    @staticmethod
    def mix(scores: dict[str, float], proba: dict[str, float] | None,
            st: Settings) -> dict[str, float]:
        """Softmax of the retrieval scores mixed with the classifier's probabilities."""
        top = max(scores.values()) if scores else 0.0
        exp = {t: math.exp((x - top) / st.temperature) for t, x in scores.items()}
        total = sum(exp.values()) or 1.0
        p = {t: x / total for t, x in exp.items()}
        if proba is None:
            return p
        a = st.mix_classifier
        return {t: (1 - a) * p.get(t, 0.0) + a * proba.get(t, 0.0) for t in p}

    def english_referral(self, original: str) -> str | None:
        """The referral of an English question naming another matter (tax, garbage ...),
        or typing an application ID (its Japanese rewrite keeps no digits)."""
        return (self.concepts.referral(set(self.concepts.find_english(original)))
                or _lookup_referral(original))

    def predict(self, text: str) -> Prediction:
        original = text or ""
        text, english = self.match_text(original)
        if english:  # an English out-of-scope matter (tax, garbage ...): its referral
            referral = self.english_referral(original)
            if referral is not None:
                return Prediction(None, (), 0.0, UNKNOWN, referral=referral, english=True)
        if not text.strip():
            return Prediction(None, (), 0.0, UNKNOWN, english=english)
        if self.classifier is None or self.settings.mix_classifier <= 0:
            return _with(self._predict_retrieval(text), english=english)
        v = views(text)
        scores = self._raw_scores(text, v)
        proba = self.classifier_proba(v, original if english else "")
        return self.decide(text, v, scores, proba, english)

    def decide(self, text: str, v: Views, scores: dict[str, float],
               proba: dict[str, float] | None, english: bool = False,
               settings: Settings | None = None) -> Prediction:
        """Answer, suggest or refer, from the retrieval scores and the classifier."""
        st = settings or self.settings
        probs = self.mix(scores, proba, st)
        staff = self.staff_match(v, st.staff_match_at)
        if staff is not None:  # staff said what this question is about
            probs[staff] = probs.get(staff, 0.0) + 1.0
            total = sum(probs.values())
            probs = {t: x / total for t, x in probs.items()}
        other = self._scope.other_service(v.surface, v.reading)
        referral = self.concepts.referral(self.concepts.find(v.surface, v.reading))
        if referral is None and other:
            referral = "other_service"
        if referral is None:
            referral = _lookup_referral(text)
        oos = probs.pop(kb.OUT_OF_SCOPE, 0.0)
        ranked = sorted(probs, key=lambda t: probs[t], reverse=True)
        top3 = tuple(ranked[:3])
        best = probs[ranked[0]]
        conf = round(best, 4)
        # another service named and no card term: referred, unless the mix is sure of a
        # topic (round 12); a named referral (scam, someone else's data ...) always is
        sure = (referral == "other_service" and best >= st.gate_override_at
                and best >= st.gate_override_over_oos * oos)
        gated = referral is not None and not sure
        if best >= st.combined_answer_at and best > st.answer_over_oos * oos and not gated:
            second = ranked[1]
            related = (second,) if probs[second] >= st.related_at else ()
            return Prediction(ranked[0], top3, conf, ANSWER, related, None, english)
        if best >= st.combined_suggest_at and best > oos and referral is None:
            return Prediction(None, top3, conf, SUGGEST, english=english)
        return Prediction(None, top3, conf, UNKNOWN, referral=referral, english=english)

    def _predict_retrieval(self, text: str) -> Prediction:
        v = views(text)
        scores = self._raw_scores(text, v)
        oos = scores.pop(kb.OUT_OF_SCOPE, 0.0)
        ranked = sorted(scores, key=lambda t: scores[t], reverse=True)
        top3 = tuple(ranked[:3])
        if not ranked or scores[ranked[0]] <= 0:
            return Prediction(None, top3, 0.0, UNKNOWN)
        top = scores[ranked[0]]
        second = scores[ranked[1]] if len(ranked) > 1 else 0.0
        other = self._scope.other_service(v.surface, v.reading)
        conf = round(self.confidence(top, second, oos, other), 4)
        if conf >= self.settings.answer_at and not (other and self.settings.gate_other_service):
            return Prediction(ranked[0], top3, conf, ANSWER)
        if conf >= self.settings.suggest_at and oos < top:
            return Prediction(None, top3, conf, SUGGEST)
        return Prediction(None, top3, conf, UNKNOWN)

    def timed_predict(self, text: str) -> tuple[Prediction, float]:
        """A prediction and the milliseconds it took (for the benchmark)."""
        start = time.perf_counter()
        pred = self.predict(text)
        return pred, (time.perf_counter() - start) * 1000.0

    def title(self, topic_id: str) -> str:
        return self._titles[topic_id]

    def topic_ids(self) -> list[str]:
        return list(self._titles)


def _with(pred: Prediction, **changes) -> Prediction:
    return replace(pred, **changes)


# an application ID / reception number typed in: a request to look one up. After NFKC
# (full-width digits too); also in groups of four, as the form prints the 23-digit ID
# ("1234 5678 9012 ...", round 14), but not a phone number (083-231-1111)
_LOOKUP_DIGITS = re.compile(r"[0-9]{6,}|[0-9]{4}(?:[ \-][0-9]{4}){2,}")


def _lookup_referral(text: str) -> str | None:
    """``status_lookup`` when an application ID or reception number is typed in."""
    return "status_lookup" if _LOOKUP_DIGITS.search(unicodedata.normalize("NFKC", text)) else None

_build_lock = threading.Lock()


@lru_cache(maxsize=1)
def _cached_engine() -> FaqEngine:
    return FaqEngine(kb.load(), Settings.load(), extra_examples=_staff_examples())


def _staff_examples() -> tuple[tuple[str, str], ...]:
    """Questions staff assigned to a topic on the review page (read at start)."""
    try:
        from models.faq_review import assigned_examples
    except ImportError:  # pragma: no cover - the engine without the app
        return ()
    try:
        return tuple(assigned_examples())
    except Exception:  # noqa: BLE001 - no database (CLI, bench): the shipped data only
        return ()


def get_engine() -> FaqEngine:
    """The process-wide engine (built on first use, then shared)."""
    with _build_lock:
        return _cached_engine()
