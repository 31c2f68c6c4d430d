"""Micro benchmark of redaction (issue 20): µs per message on typical texts.

    .venv/bin/python bench/redact.py

Not a unit test: timings depend on the machine.
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from personal_numbers.redact import redact  # noqa: E402

TEXTS = {
    "short chat": "予約を変更したいです",
    "question": "マイナンバーカードの申請に必要なものは何ですか？会場はどこでしょうか。",
    "phone+date": "電話は090-1234-5678です。12月5日の10:30に伺います。〒750-0006",
    "my number": "番号は１２３４ ５６７８ ９０１８ です",
    "long (2 kB)": "申請のことで質問があります。" * 140,
    "spoken (voice)": "いちにさんよん ごーろくななはち きゅうぜろいちはち",
}


def main() -> None:
    for name, text in TEXTS.items():
        spoken = name.startswith("spoken")
        n = 20000 if len(text) < 200 else 2000
        t = min(timeit.repeat(lambda text=text, spoken=spoken: redact(text, spoken=spoken), number=n, repeat=3)) / n
        print(f"{name:16} {len(text):5} chars  {t * 1e6:8.2f} µs/message")


if __name__ == "__main__":
    main()
