"""Staff files as offices keep them: title rows, merged cells, several sheets, stray quotes,
oversized and old-format files. Every messy file is built here."""
import time
import zipfile

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from classifier import (DocumentFormatError, HeaderNotFoundError, MissingColumnError, SheetNotFoundError,
                        StrayQuoteError, TableReadError, TableTooLargeError, UnsupportedFormatError,
                        read_document, read_table)
from classifier.cli import main

HEADER = ["番号", "ご意見の概要", "市の考え方", "区分"]


def published_sheet(ws):
    """A 意見募集結果 sheet: merged title, a blank row, a notes row, then the table at row 4; one
    市の考え方 merged over rows 5-7 (the answer to three opinions)."""
    top = 4
    ws["A1"] = "○○市総合計画（案）に対する意見募集の結果"
    ws.merge_cells("A1:D1")
    ws["A3"] = "提出期間：令和6年1月5日～2月4日"
    for j, h in enumerate(HEADER, 1):
        ws.cell(top, j, h)
    opinions = ["窓口を残してください", "窓口の時間を延ばして", "窓口を増やしてください", "計画に賛成です"]
    for i, text in enumerate(opinions, 1):
        ws.cell(top + i, 1, i)
        ws.cell(top + i, 2, text)
    ws.cell(top + 1, 3, "今後の参考とさせていただきます。")
    ws.merge_cells(start_row=top + 1, start_column=3, end_row=top + 3, end_column=3)
    ws.cell(top + 4, 3, "原案のとおりとします。")
    for i, cat in enumerate(["その他", "その他", "その他", "記述済み"], 1):
        ws.cell(top + i, 4, cat)
    return top


def workbook(path, sheets):
    """Save a workbook; ``sheets`` is [(name, fill function)]."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, fill in sheets:
        fill(wb.create_sheet(name))
    wb.save(path)
    return path


def summary_sheet(ws):
    ws.append(["区分", "件数"])
    ws.append(["その他", 3])
    ws.append(["記述済み", 1])


# --- header row ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, content, header_at", [
    ("title.csv", "意見募集の結果\n\n提出期間：1月5日～2月4日\n番号,ご意見の概要,市の考え方\n1,窓口を残して,承ります\n", 4),
    ("title_commas.csv", "○○計画 意見募集結果,,\n,,\n番号,ご意見,市の考え方\n1,窓口を残して,承ります\n", 3),
    ("plain.csv", "番号,ご意見,市の考え方\n1,窓口を残して,承ります\n", 1),
    ("notes_with_意見.csv", "案件,○○計画に対する意見\n番号,意見の概要,市の考え方,区分\n1,窓口を残して,承ります,その他\n", 2),
])
def test_the_header_row_is_found_below_titles_and_notes(tmp_path, name, content, header_at):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    df = read_table(path)
    assert df.attrs["header_row"] == header_at
    assert df.index.tolist() == [header_at + 1]  # rows keep their Excel numbers
    assert df.iloc[0].tolist()[1:3] == ["窓口を残して", "承ります"]
    said = [m for _, m in df.attrs["problems"]]
    assert said == ([] if header_at == 1 else [m for m in said if m.startswith(f"row {header_at} taken as the header")])
    assert len(said) == (header_at != 1)


def test_a_published_sheet_with_a_merged_title_and_answer(tmp_path):
    path = workbook(tmp_path / "kekka.xlsx", [("結果", published_sheet)])
    df = read_table(path)
    assert list(df.columns) == HEADER and df.index.tolist() == [5, 6, 7, 8]
    assert df["市の考え方"].tolist() == ["今後の参考とさせていただきます。"] * 3 + ["原案のとおりとします。"]
    assert df["番号"].tolist() == ["1", "2", "3", "4"]
    assert "row 4 taken as the header" in df.attrs["problems"][0][1]


def test_merged_cells_across_columns_stay_one_cell(tmp_path):
    def sheet(ws):
        ws.append(["意見", "市の考え方", "備考"])
        ws.append(["窓口を残して", "承ります", ""])
        ws.merge_cells("B2:C2")
    df = read_table(workbook(tmp_path / "m.xlsx", [("s", sheet)]))
    assert df.loc[2].tolist() == ["窓口を残して", "承ります", ""]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_header_row_given(tmp_path, suffix):
    rows = [["意見募集結果", ""], ["本文", "返答"], ["窓口を残して", "承ります"]]
    path = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    else:
        workbook(path, [("s", lambda ws: [ws.append(r) for r in rows])])
    with pytest.raises(HeaderNotFoundError, match="not a table.*name the header row"):
        read_table(path)
    df = read_table(path, header_row=2)
    assert list(df.columns) == ["本文", "返答"] and df.index.tolist() == [3] and df.attrs["problems"] == []
    doc = read_document(path, header_row=2, opinion_column="本文", response_column="返答")
    assert (doc.records[0].opinion, doc.records[0].response, doc.records[0].line) == ("窓口を残して", "承ります", 3)


@pytest.mark.parametrize("row, message", [(9, "past the last row, 3"), (0, "give a row number from 1")])
def test_a_header_row_that_is_not_there(tmp_path, row, message):
    path = tmp_path / "in.csv"
    path.write_text("題\n意見,回答\nA,B\n", encoding="utf-8")
    with pytest.raises(HeaderNotFoundError, match=message):
        read_table(path, header_row=row)


def test_the_cli_takes_header_row_and_sheet(tmp_path, saved_models):
    path = workbook(tmp_path / "book.xlsx", [("集計", summary_sheet), ("意見一覧", published_sheet)])
    out = tmp_path / "o.csv"
    base = ["predict", str(path), "-o", str(out), "--models-dir", str(saved_models)]
    result = CliRunner().invoke(main, base)
    assert result.exit_code == 1
    assert "sheets: 集計, 意見一覧" in result.output and "--sheet 意見一覧" in result.output
    result = CliRunner().invoke(main, base + ["--sheet", "意見一覧"])
    assert result.exit_code == 0, result.output
    assert "warning: row 4 taken as the header" in result.output
    back = read_table(out)
    assert back["error"].tolist() == [""] * 4  # the merged answer reached rows 6 and 7
    result = CliRunner().invoke(main, base + ["--sheet", "意見一覧", "--header-row", "4"])
    assert result.exit_code == 0 and "warning" not in result.output
    result = CliRunner().invoke(main, ["read", str(path), "-o", str(tmp_path / "r.csv"), "--sheet", "意見一覧",
                                       "--header-row", "4"])
    assert result.exit_code == 0, result.output
    assert read_table(tmp_path / "r.csv")["response"].tolist()[1] == "今後の参考とさせていただきます。"


def test_a_workbook_whose_first_sheet_is_a_summary_names_its_sheets(tmp_path):
    path = workbook(tmp_path / "book.xlsx", [("集計", summary_sheet), ("意見一覧", published_sheet)])
    with pytest.raises(HeaderNotFoundError) as e:
        read_table(path)
    assert e.value.sheets == ("集計", "意見一覧") and e.value.with_table == ("意見一覧",)
    assert "row 4: 番号, ご意見の概要, 市の考え方, 区分" in str(e.value)
    assert read_table(path, sheet="意見一覧")["区分"].tolist()[-1] == "記述済み"
    assert read_table(path, sheet=1).attrs["sheet"] == "意見一覧"
    with pytest.raises(SheetNotFoundError, match="no sheet '意見'; its sheets: 集計, 意見一覧"):
        read_table(path, sheet="意見")


def test_a_workbook_without_any_table_lists_its_sheets(tmp_path):
    path = workbook(tmp_path / "book.xlsx", [("表紙", lambda ws: ws.append(["意見募集の結果"])),
                                            ("メモ", lambda ws: ws.append(["なし"]))])
    with pytest.raises(HeaderNotFoundError, match="not a table.*the workbook's sheets: 表紙, メモ"):
        read_table(path)


def test_a_csv_has_no_sheets(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("意見,回答\nA,B\n", encoding="utf-8")
    with pytest.raises(TableReadError, match="no sheets"):
        read_table(path, sheet="意見一覧")


def test_text_readers_refuse_table_options(raw):
    with pytest.raises(DocumentFormatError, match="takes no option 'header_row'"):
        read_document(next(raw.glob("000_*.txt")), "count_table_results", header_row=3)


# --- a file with opinions only -----------------------------------------------------------------

def test_a_file_with_only_an_opinion_column(tmp_path, saved_models):
    path = tmp_path / "ops.csv"
    path.write_text("ご意見\n窓口を残してください\n計画に賛成です\n", encoding="utf-8")
    assert read_table(path)["ご意見"].tolist() == ["窓口を残してください", "計画に賛成です"]
    base = ["predict", str(path), "-o", str(tmp_path / "o.xlsx"), "--models-dir", str(saved_models)]
    result = CliRunner().invoke(main, base)
    assert result.exit_code == 1
    assert "no response column" in result.output and "--mode opinion" in result.output
    result = CliRunner().invoke(main, base + ["--mode", "opinion"])
    assert result.exit_code == 0, result.output
    assert read_table(tmp_path / "o.xlsx")["label"].map(bool).all()


def test_the_librarys_missing_response_error_says_opinion_mode_in_words(tmp_path, saved_models):
    from classifier import load_model

    with pytest.raises(MissingColumnError) as e:
        load_model("response", saved_models).predict_table(pd.DataFrame({"ご意見": ["窓口を残して"]}))
    assert e.value.role == "response" and "opinion mode" in str(e.value) and "--" not in str(e.value)


# --- stray quotes and long cells -------------------------------------------------------------

def rows_csv(n, stray_at=None, close_at=None):
    lines = ["番号,ご意見,市の考え方"]
    for i in range(1, n + 1):
        opinion = f"意見{i}です"
        if i == stray_at:
            opinion = '"' + opinion
        if i == close_at:
            opinion += '"'
        lines.append(f"{i},{opinion},承ります")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("content, line, what", [
    (rows_csv(300, stray_at=4, close_at=299), 5, "swallows the next"),      # 296 rows merged into one
    (rows_csv(10, stray_at=7), 8, "never closed"),                           # open to the end of the file
    ('番号,ご意見,市の考え方\n1,"改行を\n含む",承ります\n2,"x' + "\nあ" * 20000 + "\n", 4, "never closed"),
])
def test_a_stray_quote_fails_naming_its_line(tmp_path, content, line, what):
    path = tmp_path / "in.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StrayQuoteError, match=f"line {line}: .*{what}") as e:
        read_table(path)
    assert e.value.line == line


@pytest.mark.parametrize("content, rows", [
    ('番号,ご意見,市の考え方\n1,"一行目\n二行目\n三行目",承ります\n2,"a,b",はい\n', 2),  # line breaks in a cell
    ('番号,ご意見,市の考え方\n1,"「案」の""修正""を",はい\n', 1),                            # doubled quotes
    ('番号,ご意見,市の考え方\n1,"数字 1,000 と\n2,000 と\n3,000",はい\n', 1),                  # commas on some lines
    ("意見\n" + "\n".join(f'"{i}行目\nつづき"' for i in range(50)) + "\n", 50),             # one column
])
def test_cells_with_line_breaks_and_quotes_are_not_stray_quotes(tmp_path, content, rows):
    path = tmp_path / "in.csv"
    path.write_text(content, encoding="utf-8")
    assert len(read_table(path)) == rows


def test_a_cell_over_the_csv_field_limit_is_a_message(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text('意見,回答\nA,B\nC,"' + "あ" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(TableReadError, match="line 3: cannot read this row as CSV .*stray quote"):
        read_table(path)
    result = CliRunner().invoke(main, ["read", str(path), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and result.output.startswith("Error: ") and "Traceback" not in result.output


# --- size and format -------------------------------------------------------------------------

def test_too_many_rows_is_refused(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(rows_csv(50), encoding="utf-8")
    with pytest.raises(TableTooLargeError, match="50 rows, more than the 40 rows this tool reads"):
        read_table(path, max_rows=40)
    assert len(read_table(path, max_rows=50)) == 50
    book = tmp_path / "in.xlsx"
    pd.read_csv(path).to_excel(book, index=False)
    with pytest.raises(TableTooLargeError, match="more than the 40 rows"):
        read_table(book, max_rows=40)
    with pytest.raises(TableTooLargeError, match="more rows, more than the 10 rows"):  # stops reading early
        read_table(book, max_rows=10)
    assert len(read_table(book, max_rows=50)) == 50


def test_the_default_row_cap(tmp_path):
    from classifier.tables import MAX_ROWS

    path = tmp_path / "in.csv"
    path.write_text("意見\n" + "あ\n" * (MAX_ROWS + 1), encoding="utf-8")
    with pytest.raises(TableTooLargeError, match=f"{MAX_ROWS + 1:,} rows, more than the {MAX_ROWS:,}"):
        read_table(path)


def zip_bomb(path, unzipped_mb):
    """A valid workbook whose sheet is padded with spaces to ``unzipped_mb`` MB (a few hundred kB zipped)."""
    small = path.with_name("small.xlsx")
    pd.DataFrame({"意見": ["a"], "回答": ["b"]}).to_excel(small, index=False)
    with zipfile.ZipFile(small) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                with zout.open(item.filename, "w", force_zip64=True) as f:
                    head, tail = data.split(b"<sheetData>")
                    f.write(head + b"<sheetData>")
                    chunk = b" " * 2**20
                    for _ in range(unzipped_mb):
                        f.write(chunk)
                    f.write(tail)
            else:
                zout.writestr(item, data)
    return path


def test_a_zip_bomb_xlsx_is_refused_fast_without_unzipping_it(tmp_path):
    path = zip_bomb(tmp_path / "bomb.xlsx", 260)
    assert path.stat().st_size < 2_000_000
    start = time.perf_counter()
    with pytest.raises(TableTooLargeError, match="unzips to 260 MB, more than the 200 MB"):
        read_table(path)
    assert time.perf_counter() - start < 0.5  # inflating 260 MB alone takes longer; parsing it, minutes
    small = zip_bomb(tmp_path / "padded.xlsx", 2)  # the same padding, within the cap, reads
    assert read_table(small)["意見"].tolist() == ["a"]


@pytest.mark.parametrize("name", ["old.xls", "renamed.xlsx", "renamed.csv"])
def test_an_xls_workbook_says_to_save_it_as_xlsx(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)  # the OLE2 header of an .xls
    with pytest.raises(UnsupportedFormatError, match=r"\.xls\) is not read; .*save it as .*\.xlsx"):
        read_table(path)
    result = CliRunner().invoke(main, ["read", str(path), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and "is not read" in result.output


def test_formula_cells_give_the_value_excel_computed_else_their_formula(tmp_path):
    path = tmp_path / "f.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["意見", "回答", "件数"])
    book.active.append(["窓口を残して", "承ります", "=1+1"])
    book.active.append(["賛成", "=A3", "=1+2"])
    book.save(path)
    cached = tmp_path / "cached.xlsx"  # as Excel saves it: <f> with the computed <v>
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(cached, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>").replace(
                    b'<c r="B3"><f>A3</f><v></v>', '<c r="B3" t="str"><f>A3</f><v>賛成</v>'.encode())
                assert b"<v>2</v>" in data and "<v>賛成</v>".encode() in data
            zout.writestr(item, data)
    df = read_table(cached)
    assert df["件数"].tolist() == ["2", "=1+2"]
    assert df["回答"].tolist() == ["承ります", "賛成"]
