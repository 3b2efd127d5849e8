"""Writing tables: the formula guard in CSV, text kept as text in XLSX, and XLSX a clerk can use."""
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from classifier.cli import main
from classifier.export import export_table
from classifier.tables import guard_cell, read_table, unguard_cell, write_table


@pytest.mark.parametrize("value", [
    "=1+1", "+81", "-1", "@SUM(A1)", " =1+1", "  +1", "\t=1", "\r=1", "\u3000=HYPERLINK(\"x\")", "\ufeff=1",
    "\n=1", " \u3000\t@x", "＝1+1", "＋1", "－1", "＠SUM", "\u3000＝1",
])
def test_the_guard_catches_what_a_spreadsheet_would_run(value):
    assert guard_cell(value) == "'" + value
    assert unguard_cell(guard_cell(value)) == value


@pytest.mark.parametrize("value", ["意見", "a=b", "1+1", "", "'quoted", "メール a@b", 3, None])
def test_the_guard_leaves_other_cells_alone(value):
    assert guard_cell(value) == value
    assert unguard_cell(value) == value


def test_xlsx_stores_formula_looking_text_as_text(tmp_path):
    texts = ["=1+1", "＝SUM(A1)", " =HYPERLINK(\"http://x\")", "+81", "@x", "-"]
    write_table(pd.DataFrame({"意見": texts, "=2+3": ["a"] * len(texts)}), tmp_path / "o.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "o.xlsx").active
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    assert [ws.cell(i, 1).value for i in range(2, 2 + len(texts))] == texts  # no apostrophe
    assert ws["B1"].value == "=2+3"


def predicted_frame():
    return pd.DataFrame({
        "No.": ["1", "2", "10"], "意見": ["=SUM(A1)は困る", "窓口を残して" * 20, "賛成\n理由は二つ"],
        "市の考え方": ["承ります", "今後検討します", "原案のとおり"],
        "label": ["other", "deferred", "covered"], "confidence": [0.61, 0.9, 0.75],
        "needs_review": [True, False, False], "error": ["", "", ""]})


def test_xlsx_output_a_clerk_can_use(tmp_path):
    path = write_table(predicted_frame(), tmp_path / "o.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert [c.value for c in ws[1]][:5] == ["No.", "意見", "市の考え方", "推定区分\nlabel", "確信度\nconfidence"]
    assert [ws.cell(i, 1).value for i in (2, 3, 4)] == [1, 2, 10]  # 番号 stays a number
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:G4"
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    assert widths["B"] == 60 and 6 <= widths["A"] < 12  # long text capped and wrapped; short columns narrow
    assert ws["B3"].alignment.wrap_text and ws["B4"].alignment.wrap_text and ws["A1"].font.bold
    assert ws["E2"].value == 0.61 and ws["F2"].value is True
    back = read_table(path)  # the tool reads its own output back under the English names
    assert list(back.columns) == list(predicted_frame().columns)
    assert back["No."].tolist() == ["1", "2", "10"]


def test_predict_output_keeps_numbers_and_reads_back(tmp_path, saved_models):
    src = tmp_path / "in.csv"
    predicted_frame()[["No.", "意見", "市の考え方"]].to_csv(src, index=False)
    out = tmp_path / "o.xlsx"
    result = CliRunner().invoke(main, ["predict", str(src), "-o", str(out), "--models-dir", str(saved_models)])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out).active
    assert ws["A2"].value == 1 and ws["B2"].value == "=SUM(A1)は困る" and ws["B2"].data_type == "s"
    assert "needs_review" in read_table(out).columns


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_never_carries_the_guards_apostrophe(tmp_path, suffix):
    src = tmp_path / f"download{suffix}"
    write_table(predicted_frame(), src)  # a CSV download has '=SUM(A1)…; an XLSX one has the text
    if suffix == ".csv":
        assert read_table(src)["意見"].tolist()[0] == "'=SUM(A1)は困る"
    text = export_table(src, tmp_path / "out.txt", "morioka").read_text(encoding="utf-8")
    assert "<p>=SUM(A1)は困る</p>" in text and "'=" not in text
    rows = read_table(export_table(src, tmp_path / "out.xlsx", "morioka"), sheet="意見と市の考え方")
    assert rows["提出された意見"].tolist()[0] == "=SUM(A1)は困る"
    again = read_table(export_table(src, tmp_path / "out.csv", "morioka"))
    assert again["提出された意見"].tolist()[0] == "'=SUM(A1)は困る"  # the CSV's own guard, once
