"""handlers/faq/mapped_dictionary.py: the tokenizer dictionary's page cache and mappings."""

import mmap
import os
import sys

import pytest

from handlers.faq import mapped_dictionary as md

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux page cache")


def test_the_dictionary_is_the_wheels_system_dic():
    path = md.system_dictionary()
    assert path is not None and path.name == "system.dic"
    assert path.parent.parent.name == "sudachidict_core" and path.stat().st_size > 50_000_000


@linux
def test_a_file_is_read_through_once_and_left_readable(tmp_path):
    data = os.urandom(3 * md.CHUNK + 123)
    path = tmp_path / "sample.dic"
    path.write_bytes(data)
    assert md.cache_in_small_pages(path) == len(data)
    assert path.read_bytes() == data  # dropping cached pages loses nothing


def test_no_file_no_work(tmp_path):
    assert md.cache_in_small_pages(None) == 0
    assert md.cache_in_small_pages(tmp_path / "missing.dic") == 0


@linux
def test_released_mappings_fault_back_in_with_the_same_bytes(tmp_path):
    data = os.urandom(1 << 20)
    path = tmp_path / "release.dic"
    path.write_bytes(data)
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, prot=mmap.PROT_READ) as mapped:
        assert mapped[:4096] == data[:4096]
        assert md.release_mapped(".dic") >= 1
        assert mapped[:] == data


def test_the_tokenizer_prepares_the_page_cache_before_opening_the_dictionary(monkeypatch):
    from handlers.faq import tokenize

    calls = []
    monkeypatch.setattr(md, "cache_in_small_pages", lambda path: calls.append(path) or 0)
    tokenize._tokenizer.cache_clear()
    try:
        tokenizer, *_ = tokenize._tokenizer()
        assert calls == [md.system_dictionary()]
        assert [m.surface() for m in tokenizer.tokenize("会場はどこ")][0] == "会場"
    finally:
        tokenize._tokenizer.cache_clear()
