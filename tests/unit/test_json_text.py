"""models/json_text.py writes what the standard library wrote (issue 16: orjson on the hot path)."""

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from models import json_text


def stdlib(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                      default=lambda v: v.isoformat())  # fmt: skip


scalars = (
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text()
    | st.datetimes() | st.datetimes(timezones=st.just(UTC))
)  # fmt: skip


def nested(leaves):
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    )


@given(nested(scalars))
def test_the_same_text_as_the_standard_library(value):
    assert json_text.dumps(value) == stdlib(value)
    assert json_text.dumps_bytes(value) == stdlib(value).encode("utf-8", "surrogatepass")


@given(nested(scalars | st.floats(allow_nan=False, allow_infinity=False)))
def test_the_same_document_as_the_standard_library(value):
    # Floats may be spelt differently (5.96e-8 / 5.96e-08); they read back the same.
    assert json.loads(json_text.dumps(value)) == json.loads(stdlib(value))
    assert json_text.loads(json_text.dumps(value)) == json.loads(stdlib(value))


def test_what_orjson_refuses_falls_back_to_the_standard_library():
    big = {"n": 2**70, "when": datetime(2026, 12, 5, 9, 30)}
    assert json_text.dumps(big) == '{"n":1180591620717411303424,"when":"2026-12-05T09:30:00"}'
    assert json_text.loads(json_text.dumps(big))["n"] == 2**70
    assert json_text.dumps("\ud800") == stdlib("\ud800")  # a lone surrogate, as before
    assert json_text.loads("NaN") != json_text.loads("NaN")  # the stdlib reads NaN; orjson refuses


def test_japanese_is_written_as_utf8_not_escapes():
    assert json_text.dumps_bytes({"text": "会場はどこですか"}) == '{"text":"会場はどこですか"}'.encode()
