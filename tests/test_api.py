"""The package's public names: what `from classifier import …` gives."""
from pathlib import Path

import classifier
from classifier import REQUEST_TYPES, REQUEST_TYPES_JA, read_request, read_request_annotations

ROOT = Path(__file__).resolve().parents[1]


def test_every_public_name_is_importable():
    assert len(set(classifier.__all__)) == len(classifier.__all__)
    assert [n for n in classifier.__all__ if not hasattr(classifier, n)] == []
    assert {"REQUEST_TYPES", "REQUEST_TYPES_JA", "read_request", "read_request_annotations"} <= set(classifier.__all__)


def test_request_types_and_their_japanese_names():
    assert REQUEST_TYPES == ("wording", "addition", "request", "opposition", "question", "support", "other")
    assert set(REQUEST_TYPES_JA) == set(REQUEST_TYPES) and REQUEST_TYPES_JA["opposition"] == "反対・中止"
    assert read_request("この計画には反対です。白紙に戻してください。")[0] == "opposition"


def test_the_request_type_reading_is_read_with_its_lines():
    rows = read_request_annotations(ROOT / "data" / "request_types" / "second_reading.csv")
    assert len(rows) == 80 and all(r["primary"] in REQUEST_TYPES for r in rows)
    assert rows[0]["where"] == "second_reading.csv:2"
