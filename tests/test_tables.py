import re

import pandas as pd
import pytest

from classifier import MissingColumnError, TableReadError, read_document, read_table, write_table
from classifier.tables import find_column, guard_cell

ROWS = pd.DataFrame({"意見の概要": ["計画に賛成です。", "窓口を残してください", "=1+1"],
                     "市の考え方": ["ご意見として承ります。", "原案のとおりとします。", "-"],
                     "区分": ["その他", "反映困難", "その他"]})


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_encodings_are_detected(tmp_path, encoding):
    path = tmp_path / "in.csv"
    ROWS.to_csv(path, index=False, encoding=encoding)
    df = read_table(path)
    assert list(df.columns) == list(ROWS.columns)
    assert df["意見の概要"].tolist() == ROWS["意見の概要"].tolist()
    assert df.index.tolist() == [2, 3, 4]  # line numbers, header = line 1


@pytest.mark.parametrize("suffix, encoding", [(".csv", "utf-8-sig"), (".csv", "cp932"), (".xlsx", None)])
def test_write_then_read_round_trips_with_formulas_neutralized(tmp_path, suffix, encoding):
    path = tmp_path / f"out{suffix}"
    write_table(ROWS, path, **({"encoding": encoding} if encoding else {}))
    if suffix == ".csv" and encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    back = read_table(path)
    assert back["市の考え方"].tolist()[:2] == ROWS["市の考え方"].tolist()[:2]
    guard = "'" if suffix == ".csv" else ""  # XLSX stores text as text: no formula, no apostrophe
    assert back["意見の概要"].tolist()[2] == guard + "=1+1"
    assert back["市の考え方"].tolist()[2] == guard + "-"


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+81", "'+81"), ("@SUM", "'@SUM"),
    ("-1", "'-1"), ("意見", "意見"), ("", ""), (3, 3),
])
def test_guard_cell(value, expected):
    assert guard_cell(value) == expected


@pytest.mark.parametrize("columns, role, expected", [
    (["No.", "ご意見", "県の考え方"], "opinion", "ご意見"),
    (["No.", "ご意見", "県の考え方"], "response", "県の考え方"),
    (["番号", "意見の要旨", "盛岡市の考え方", "反映区分"], "response", "盛岡市の考え方"),
    (["番号", "意見の要旨", "盛岡市の考え方", "反映区分"], "category", "反映区分"),
    (["意見", "回答", "対応区分"], "category", "対応区分"),
    (["ｺﾞ意見", "回 答"], "response", "回 答"),
])
def test_japanese_column_names_are_recognised(columns, role, expected):
    assert find_column(columns, role) == expected


def test_missing_column_names_found_and_expected(tmp_path):
    path = tmp_path / "in.csv"
    pd.DataFrame({"番号": [1], "本文": ["x"]}).to_csv(path, index=False)
    with pytest.raises(MissingColumnError) as e:
        read_document(path)
    msg = str(e.value)
    assert "番号" in msg and "本文" in msg and "意見の概要" in msg and "name the opinion column" in msg
    assert "--" not in msg  # flag names are the CLI's to add
    assert e.value.role == "opinion"


def test_columns_can_be_given(tmp_path):
    path = tmp_path / "in.csv"
    pd.DataFrame({"本文": ["意見です"], "返答": ["承ります"]}).to_csv(path, index=False)
    doc = read_document(path, opinion_column="本文", response_column="返答")
    assert (doc.records[0].opinion, doc.records[0].response) == ("意見です", "承ります")


def test_empty_opinions_are_reported_with_line_numbers(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("意見,回答\nひとつめ,はい\n,空の意見\n  ,\nよっつめ,はい\n", encoding="utf-8")
    doc = read_document(path)
    assert [r.opinion for r in doc.records] == ["ひとつめ", "よっつめ"]
    assert [r.line for r in doc.records] == [2, 5]
    assert any(":3: empty opinion" in p for p in doc.problems)


def test_ragged_rows_are_kept_and_reported(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("意見,回答\nA,B,C\n", encoding="utf-8")
    df = read_table(path)
    assert df.loc[2, "回答"] == "B,C"
    assert df.attrs["problems"][0][0] == 2


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    ("ただの文章です。表ではありません。\n二行目\n".encode(), "not a table"),
    (b"\x00\x01\x02binary", "binary"),
    (b"\x81 \x81\x7f,a\n", "not UTF-8 or CP932"),
])
def test_files_that_are_not_tables(tmp_path, content, message):
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    with pytest.raises(TableReadError, match=message):
        read_table(path)


def test_broken_xlsx(tmp_path):
    path = tmp_path / "in.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(TableReadError, match="not a readable XLSX"):
        read_table(path)


def test_xlsx_with_a_stale_dimension_still_gives_every_row(tmp_path):
    """Some writers store a <dimension> smaller than the sheet; read-only openpyxl trusts it."""
    import re
    import zipfile

    path = tmp_path / "in.xlsx"
    pd.DataFrame({"意見": [f"意見{i}" for i in range(5)], "回答": ["はい"] * 5}).to_excel(path, index=False)
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(stale, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="A1:B6"\s*/>', b'<dimension ref="A1:B2"/>', data)  # with or without lxml
                assert b'ref="A1:B2"' in data
            zout.writestr(item, data)
    assert read_table(stale)["意見"].tolist() == [f"意見{i}" for i in range(5)]


@pytest.mark.parametrize("text, lines, opinions", [
    ("意見,回答\nA,1\n\nB,2\n", [2, 3, 4], ["A", "", "B"]),            # blank row inside: kept
    ("意見,回答\nA,1\n,\nB,2\n", [2, 3, 4], ["A", "", "B"]),           # empty cells: kept
    ("\n\n意見,回答\nA,1\nB,2\n\n\n", [4, 5], ["A", "B"]),             # before header / trailing: not rows
])
def test_blank_rows_between_rows_are_kept_trailing_ones_are_not(tmp_path, text, lines, opinions):
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    df = read_table(path)
    assert df.index.tolist() == lines
    assert df["意見"].tolist() == opinions


@pytest.mark.parametrize("name, data", [
    ("in.tsv", "意見\t回答\nA, with comma\tはい\n".encode("utf-8")),
    ("in.txt", "意見\t回答\nA, with comma\tはい\n".encode("utf-16")),   # Excel "Unicode text"
    ("in.csv", "意見\t回答\nA, with comma\tはい\n".encode("utf-8-sig")),  # tabs, no comma in header
])
def test_tab_separated_and_utf16_tables(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    df = read_table(path)
    assert list(df.columns) == ["意見", "回答"]
    assert df["意見"].tolist() == ["A, with comma"]


def test_xlsx_write_drops_characters_excel_cannot_hold(tmp_path):
    frame = pd.DataFrame({"意見": ["改行\x0bあり\x01\x1f終わり"], "回答": ["ok"]})
    write_table(frame, tmp_path / "o.xlsx")
    assert read_table(tmp_path / "o.xlsx")["意見"].tolist() == ["改行\nあり終わり"]


def test_a_control_character_cannot_smuggle_a_formula_into_xlsx(tmp_path):
    import openpyxl

    frame = pd.DataFrame({"意見": ['\x01=HYPERLINK("http://x","c")'], "\x02=2+3": ["a"]})
    write_table(frame, tmp_path / "o.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "o.xlsx").active
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
    assert ws["A2"].value == "=HYPERLINK(\"http://x\",\"c\")" and ws["B1"].value == "=2+3"
    assert ws["A2"].data_type == ws["B1"].data_type == "s"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf_16_le", "UTF-16LE"])
def test_utf16_named_any_way(tmp_path, encoding):
    path = tmp_path / "in.csv"
    path.write_bytes("意見,回答\nA,はい\n".encode("utf-16-le"))  # no BOM: only the name tells
    assert read_table(path, encoding=encoding)["意見"].tolist() == ["A"]


@pytest.mark.parametrize("suffix, guard", [(".csv", "'"), (".xlsx", "")])
def test_formula_looking_column_names_are_neutralized(tmp_path, suffix, guard):
    write_table(pd.DataFrame({"=cmd|' /C calc'!A0": ["x"], "意見": ["y"]}), tmp_path / f"o{suffix}")
    assert list(read_table(tmp_path / f"o{suffix}").columns) == [guard + "=cmd|' /C calc'!A0", "意見"]


def test_unknown_output_encoding_is_a_table_error(tmp_path):
    with pytest.raises(TableReadError, match="unknown encoding 'bogus'.*cp932"):
        write_table(ROWS, tmp_path / "o.csv", encoding="bogus")
    assert not (tmp_path / "o.csv").exists()
