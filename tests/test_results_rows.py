"""What the readers of laid-out documents share (readers.common): header roles by column names,
the count a document states, its printed legend, the numbering kept, continuation rows."""
import pytest

from classifier.readers.common import (Document, build_records, header_roles, printed_legend, role_of,
                                       stated_count)


@pytest.mark.parametrize("cells, roles", [
    (["No.", "意見（原文）", "市の考え方"], {"number": 0, "opinion": 1, "response": 2}),
    (["番号", "ご意見の\n概要", "本市の考え方", "反映区分"], {"number": 0, "opinion": 1, "response": 2, "category": 3}),
    (["意見番号", "意見の要旨", "意見に対する市の考え方"], {"number": 0, "opinion": 1, "response": 2}),
    (["No.", "氏名", "住所"], None),  # no opinion column
    (["意見"], None),  # nothing beside it
])
def test_header_roles(cells, roles):
    assert header_roles(cells) == roles


@pytest.mark.parametrize("text, count", [
    ("意見数 12件", 12), ("意見の件数：１２件", 12), ("提出件数：5人（12件）", 12), ("５５名より計１４２件", 142),
    ("提 出 さ れ た 意 ⾒ の 件 数\n４ 名 よ り 計 ６ 件", 6), ("合計 3件", 3), ("12件のご意見をいただきました", 12),
    ("設計3件の見直し", None), ("提出者数 5人", None),
])
def test_stated_count(text, count):
    found = stated_count(text)
    assert (found[0] if found else None) == count


def test_printed_legend_in_the_shapes_documents_use():
    text = "区分の説明\n「A」計画に盛り込むもの\nB：計画に盛り込み済のもの\n・反映する … 意見を踏まえ案を修正するもの\n"
    assert printed_legend(text, ["A", "B", "反映する", "C"]) == {
        "A": "計画に盛り込むもの", "B": "計画に盛り込み済のもの", "反映する": "意見を踏まえ案を修正するもの"}


def test_role_of_labels():
    assert [role_of(x) for x in ("お寄せいただいた意見", "市の検討結果と理由", "番号", "区分", "仮称")] == \
        ["opinion", "response", "number", "category", None]


def test_rows_keep_their_numbers_continue_without_one_and_repeats_get_keys():
    doc = Document("d", "pdf")
    rows = [({"number": "No.1", "opinion": "窓口を", "response": "残します"}, 1, "page 1"),
            ({"number": "", "opinion": "残して", "response": ""}, 1, "page 1"),
            ({"number": "２－１", "opinion": "支所を", "response": "検討します"}, 2, "page 2"),
            ({"number": "2-1", "opinion": "バスを", "response": ""}, 2, "page 2"),
            ({"number": "3", "opinion": "", "response": "回答だけ"}, 2, "page 2")]
    build_records(doc, rows, "")
    assert [(r.number, r.key, r.opinion) for r in doc.records] == [
        ("1", "", "窓口を\n残して"), ("2-1", "", "支所を"), ("2-1", "2-1.2", "バスを")]
    assert any("page 2: a row with no opinion text" in p for p in doc.problems)
    assert doc.count_summary() == "3 opinions (the document states no count)"
