"""A classifier across topics (issue 15): softmax regression on numpy.

Features of a question: its content words (``w:``), the character bigrams of
its folded surface (``s:``) and its concepts (``c:``, ``data/concepts.yaml``),
binary, L2-normalised, concepts weighted up; for an English question also its
own English words (``e:``, at half weight), since its Japanese rewrite keeps
only the concepts. Trained at build time by
``bench/faq_train_classifier.py`` on the knowledge base and the labelled
example sources (``data/sources.yaml``), shipped as ``data/classifier.npz``
(about 0.5 MB). The file stores a hash of everything it was trained on; when
any of it changes and the classifier is not retrained, ``load_fresh`` returns
None and the engine ranks without it (a unit test fails so that it is noticed).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
MODEL_FILE = DATA / "classifier.npz"
SOURCES_FILE = DATA / "sources.yaml"
FEATURE_VERSION = "2"  # 2: English word features (round 10)
CONCEPT_WEIGHT = 2.0
ENGLISH_WEIGHT = 0.5
_EN_WORD = re.compile(r"[a-z]+")
OOS = "out_of_scope"


def featurize(surface: str, words: Iterable[str], concepts: Iterable[str],
              english_words: Iterable[str] = ()) -> dict[str, float]:
    feats: dict[str, float] = {}
    for w in words:
        feats["w:" + w] = 1.0
    for i in range(len(surface) - 1):
        feats["s:" + surface[i : i + 2]] = 1.0
    for c in concepts:
        feats["c:" + c] = CONCEPT_WEIGHT
    feats = _unit(feats)
    # an English question's own words (``e:``) beside its Japanese rewrite, together
    # worth half of it: what the concept lists do not name still counts (round 10)
    english = set(english_words)
    for w in english:
        feats["e:" + w] = ENGLISH_WEIGHT / float(np.sqrt(len(english)))
    return _unit(feats) if english else feats


def _unit(feats: dict[str, float]) -> dict[str, float]:
    norm = float(np.sqrt(sum(x * x for x in feats.values()))) or 1.0
    return {k: x / norm for k, x in feats.items()}


def english_words(text: str, stop_words: frozenset[str]) -> list[str]:
    """The content words of an English question, lower-cased, a final "s" cut
    (a crude stem, the same at training and at run time); ``stop_words`` and words
    of one or two letters left out."""
    return sorted({w.rstrip("s") for w in _EN_WORD.findall(text.lower())
                   if w not in stop_words and len(w) > 2})


@dataclass
class Classifier:
    vocab: dict[str, int]
    classes: tuple[str, ...]
    weights: np.ndarray  # (features, classes) float32
    bias: np.ndarray  # (classes,)
    trained_on: str = ""

    def proba(self, feats: dict[str, float]) -> dict[str, float]:
        idx = [(self.vocab[k], x) for k, x in feats.items() if k in self.vocab]
        z = self.bias.astype(np.float64).copy()
        for i, x in idx:
            z += x * self.weights[i]
        z -= z.max()
        p = np.exp(z)
        p /= p.sum()
        return dict(zip(self.classes, p.tolist(), strict=True))

    def save(self, path: Path = MODEL_FILE) -> None:
        words = sorted(self.vocab, key=self.vocab.__getitem__)
        meta = {"classes": list(self.classes), "vocab": words, "trained_on": self.trained_on,
                "feature_version": FEATURE_VERSION}
        with open(path, "wb") as fh:
            np.savez_compressed(fh, weights=self.weights.astype(np.float16),
                                bias=self.bias.astype(np.float32),
                                meta=np.frombuffer(json.dumps(meta, ensure_ascii=False)
                                                   .encode("utf-8"), dtype=np.uint8))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> Classifier | None:
        if not path.exists():
            return None
        with np.load(path) as data:
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            weights = data["weights"].astype(np.float32)
            bias = data["bias"].astype(np.float32)
        vocab = {w: i for i, w in enumerate(meta["vocab"])}
        return cls(vocab, tuple(meta["classes"]), weights, bias, meta.get("trained_on", ""))


def train(rows: Sequence[tuple[dict[str, float], str]], classes: Sequence[str], *,
          min_df: int = 2, l2: float = 3e-6, iters: int = 250, lr: float = 0.05,
          seed: int = 0) -> Classifier:
    """Softmax regression by full-batch Adam on sparse rows.

    Build time only: scipy's sparse products are imported here, so the engine that
    loads the shipped weights never imports scipy. ``l2`` is light on purpose:
    in round 7, on leave-one-source-out of the harvest sources, 1e-4 gave 75.7 %
    top-1, 3e-5 78.1 %, 1e-5 and 3e-6 79.1 % (250 steps of Adam also regularise).
    """
    from scipy import sparse

    df: dict[str, int] = {}
    for feats, _ in rows:
        for k in feats:
            df[k] = df.get(k, 0) + 1
    vocab = {k: i for i, k in enumerate(sorted(k for k, n in df.items()
                                               if n >= min_df or k.startswith("c:")))}
    cls_index = {c: i for i, c in enumerate(classes)}
    data_rows, cols, vals = [], [], []
    for r, (feats, _) in enumerate(rows):
        for k, x in feats.items():
            j = vocab.get(k)
            if j is not None:
                data_rows.append(r)
                cols.append(j)
                vals.append(x)
    n, d, c = len(rows), len(vocab), len(classes)
    rows_a = np.asarray(data_rows, dtype=np.int64)
    cols_a = np.asarray(cols, dtype=np.int64)
    vals_a = np.asarray(vals, dtype=np.float32)
    y = np.asarray([cls_index[label] for _, label in rows], dtype=np.int64)
    # class weights: every class counts the same, whatever its number of examples
    counts = np.bincount(y, minlength=c).astype(np.float32)
    sample_w = (n / (c * np.maximum(counts, 1)))[y]
    x = sparse.csr_matrix((vals_a, (rows_a, cols_a)), shape=(n, d), dtype=np.float32)
    xt = x.T.tocsr()
    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((d, c)) * 0.01).astype(np.float32)
    b = np.zeros(c, dtype=np.float32)
    mw = np.zeros_like(w)
    vw = np.zeros_like(w)
    mb = np.zeros_like(b)
    vb = np.zeros_like(b)
    onehot = np.zeros((n, c), dtype=np.float32)
    onehot[np.arange(n), y] = 1.0
    for t in range(1, iters + 1):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * (sample_w[:, None] / n)
        gw = np.asarray(xt @ g, dtype=np.float32)
        gw += l2 * w
        gb = g.sum(axis=0)
        mw = 0.9 * mw + 0.1 * gw
        vw = 0.999 * vw + 0.001 * gw * gw
        mb = 0.9 * mb + 0.1 * gb
        vb = 0.999 * vb + 0.001 * gb * gb
        corr1, corr2 = 1 - 0.9**t, 1 - 0.999**t
        w -= lr * (mw / corr1) / (np.sqrt(vw / corr2) + 1e-8)
        b -= lr * (mb / corr1) / (np.sqrt(vb / corr2) + 1e-8)
    return Classifier(vocab, tuple(classes), w, b)


# --- what it was trained on -----------------------------------------------
def load_sources(path: Path = SOURCES_FILE) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return list(yaml.safe_load(fh)["sources"])


def source_rows(source: dict) -> list[dict]:
    rows = []
    with open(ROOT / source["file"], encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                styles = source.get("styles")
                if styles is None or row.get("style") in styles:
                    rows.append(row)
    return rows


def inputs_hash(extra_files: Iterable[Path] = ()) -> str:
    """Hash of the knowledge base, the language data and every source file."""
    from handlers.faq import knowledge as kb

    files = [kb.knowledge_path(), DATA / "concepts.yaml", DATA / "synonyms.yaml",
             DATA / "language.yaml", DATA / "kana_words.yaml", SOURCES_FILE]
    files += sorted({ROOT / s["file"] for s in load_sources()})
    files += list(extra_files)
    h = hashlib.sha256(FEATURE_VERSION.encode())
    for f in files:
        h.update(Path(f).name.encode())
        h.update(Path(f).read_bytes())
    return h.hexdigest()[:16]


def load_fresh() -> Classifier | None:
    """The shipped classifier when it was trained on the current data, else None."""
    model = Classifier.load()
    if model is None or model.trained_on != inputs_hash():
        return None
    return model
