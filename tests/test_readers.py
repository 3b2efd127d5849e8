from collections import Counter

import pytest

from classifier import (CountMismatchError, LegendMismatchError, NotAResultsDocumentError,
                        UnknownCategoryError, read_document)
from classifier.readers import read_count_table_results, read_numbered_blocks, read_numbered_rows


@pytest.mark.parametrize("prefix, fmt, scheme, n, counts", [
    ("000", "count_table_results", "goshogawara", 7, {"実施段階検討": 3, "その他": 4}),
    ("002", "numbered_blocks", "morioka", 10, {"B": 2, "D": 2, "E": 6}),
    ("003", "numbered_rows", "", 8, {"": 8}),
])
def test_seed_documents_parse_to_the_published_counts(raw, prefix, fmt, scheme, n, counts):
    doc = read_document(next(raw.glob(f"{prefix}_*.txt")))
    assert (doc.format, doc.scheme, len(doc.records)) == (fmt, scheme, n)
    assert Counter(r.raw_category for r in doc.records) == counts
    assert all(r.opinion and r.response for r in doc.records)
    assert not doc.problems


def test_kanazawa_item_1_split_over_two_rows_is_one_opinion(raw):
    doc = read_numbered_rows(next(raw.glob("003_*.txt")))
    assert [r.number for r in doc.records] == ["1", "2-1", "2-2", "2-3", "3-1", "3-2", "3-3", "3-4"]
    first = doc.records[0]
    assert "窓口業務の積極的な維持" in first.opinion and "AI の活用" in first.opinion
    assert "AI に頼ることはありません" in first.response


def test_category_tag_is_removed_from_the_response(raw):
    doc = read_document(next(raw.glob("000_*.txt")))
    assert all("【" not in r.response and "<p>" not in r.response for r in doc.records)


def test_morioka_footnote_stays_with_the_opinion(raw):
    doc = read_numbered_blocks(next(raw.glob("002_*.txt")))
    assert "※OCR" in doc.records[9].opinion
    assert doc.records[9].response.startswith("紙媒体を必要とする")


@pytest.mark.parametrize("prefix, looks_like", [("001", "plan"), ("004", "meeting minutes")])
@pytest.mark.parametrize("reader", [None, "count_table_results", "numbered_blocks", "numbered_rows", "topic_blocks"])
def test_plan_and_minutes_are_refused(raw, prefix, looks_like, reader):
    with pytest.raises(NotAResultsDocumentError) as e:
        read_document(next(raw.glob(f"{prefix}_*.txt")), reader)
    assert looks_like in str(e.value) and "Expected" in str(e.value)


def _edited(tmp_path, seed_text, prefix, old, new, count=1):
    text = seed_text(prefix)
    assert old in text
    path = tmp_path / f"{prefix}.txt"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def test_unknown_category_names_value_and_scheme(tmp_path, seed_text):
    path = _edited(tmp_path, seed_text, "000", "【その他】", "【保留】")
    with pytest.raises(UnknownCategoryError) as e:
        read_count_table_results(path)
    assert "保留" in str(e.value) and "goshogawara" in str(e.value)


def test_count_table_disagreeing_with_rows_fails_loudly(tmp_path, seed_text):
    path = _edited(tmp_path, seed_text, "000", "【実施段階検討】", "【その他】")
    with pytest.raises(CountMismatchError) as e:
        read_count_table_results(path)
    assert "count table" in str(e.value)


def test_morioka_total_is_checked(tmp_path, seed_text):
    path = _edited(tmp_path, seed_text, "002", "10件(個人1人", "11件(個人1人")
    with pytest.raises(CountMismatchError, match="11"):
        read_numbered_blocks(path)


def test_unregistered_legend_is_printed_with_how_to_register(tmp_path, seed_text):
    path = _edited(tmp_path, seed_text, "002", "「D」期間中に検討するもの", "「D」将来の課題とするもの")
    with pytest.raises(LegendMismatchError) as e:
        read_numbered_blocks(path)
    assert "将来の課題とするもの" in str(e.value) and "schemes.tsv" in str(e.value)
