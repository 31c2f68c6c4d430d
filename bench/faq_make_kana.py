"""Rewrite a labelled FAQ file the way kana-only and spoken questions look.

    .venv/bin/python bench/faq_make_kana.py tests/data/faq_municipal_style.jsonl \
        > tests/data/faq_dev_kana.jsonl
    .venv/bin/python bench/faq_make_kana.py FILE --speech > /tmp/speech.jsonl

Default: every word in kanji becomes its Sudachi reading in hiragana; every
other question also turns its katakana into hiragana and puts a space
between phrases (as people type on a phone without converting). ``--speech``
instead drops the punctuation, adds a filler (えっと, あの) and writes a few
words as a speech recogniser mishears them (暗唱番号, 公布, 行進 ...).
The rewritten files are development sets: tune on them freely.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handlers.faq.normalize import nfkc  # noqa: E402

# What a recogniser writes for a word it heard (same reading, other kanji).
HOMOPHONES = {
    "暗証番号": "暗唱番号", "暗証": "安祥", "交付": "公布", "更新": "行進",
    "期限": "機嫌", "証明書": "照明書", "発行": "発効", "紛失": "粉失",
}
FILLERS = ("えっと", "あの", "えー", "あのー", "")
PARTICLES = {"助詞", "助動詞"}


def _kata_to_hira(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def _has_kanji(text: str) -> bool:
    return any("一" <= c <= "鿿" or c == "々" for c in text)


def kana(text: str, all_hiragana: bool, spaces: bool) -> str:
    from sudachipy import Dictionary, SplitMode

    tok = Dictionary(dict="core").tokenizer()
    words: list[tuple[str, str]] = []
    for m in tok.tokenize(nfkc(text), SplitMode.C):
        pos = m.part_of_speech()[0]
        word = m.surface()
        if pos == "補助記号":
            word = " " if spaces else ""
        elif _has_kanji(word):
            word = _kata_to_hira(m.reading_form())
        elif all_hiragana:
            word = _kata_to_hira(word)
        words.append((word, pos))
    out: list[str] = []
    for i, (word, pos) in enumerate(words):
        out.append(word)
        after = words[i + 1][1] if i + 1 < len(words) else ""
        # a space after a phrase (its particles), as people type on a phone
        if spaces and pos in PARTICLES and after not in PARTICLES:
            out.append(" ")
    return " ".join("".join(out).split())


def speech(text: str, seed: int) -> str:
    text = nfkc(text)
    for word, heard in HOMOPHONES.items():
        if word in text and seed % 2 == 0:
            text = text.replace(word, heard)
            break
    for ch in "、。,.!?？！「」()":
        text = text.replace(ch, "")
    return FILLERS[seed % len(FILLERS)] + text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--speech", action="store_true")
    args = ap.parse_args(argv)
    with open(args.file, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    for row in rows:
        seed = zlib.crc32(row["q"].encode())
        if args.speech:
            q, style = speech(row["q"], seed), "speech"
        else:
            mixed = seed % 2 == 0
            q, style = kana(row["q"], all_hiragana=mixed, spaces=mixed), "kana"
        print(json.dumps({"q": q, "topic": row["topic"], "style": style,
                          "from": row.get("style")}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
