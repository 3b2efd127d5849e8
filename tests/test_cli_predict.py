import pandas as pd
import pytest
from click.testing import CliRunner

from classifier.cli import main
from classifier.tables import read_table


ROWS = pd.DataFrame({"意見の要旨": ["窓口を残してください", "", "=HYPERLINK(\"x\")", "計画に賛成です"],
                     "市の考え方": ["原案のとおりとさせていただきます。", "承ります", "ご意見として承ります", "今後検討します"]})


@pytest.mark.parametrize("suffix, in_encoding, out_suffix, out_encoding", [
    (".csv", "cp932", ".csv", "cp932"),
    (".csv", "utf-8-sig", ".xlsx", None),
    (".xlsx", None, ".csv", "utf-8-sig"),
])
def test_predict_cli_round_trips_formats(tmp_path, saved_models, suffix, in_encoding, out_suffix, out_encoding):
    src = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        ROWS.to_csv(src, index=False, encoding=in_encoding)
    else:
        ROWS.to_excel(src, index=False)
    out = tmp_path / f"out{out_suffix}"
    args = ["predict", str(src), "-o", str(out), "--models-dir", str(saved_models)]
    if out_encoding:
        args += ["--encoding", out_encoding]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    back = read_table(out)
    assert len(back) == 4 and back["市の考え方"].tolist()[0] == "原案のとおりとさせていただきます。"
    assert back["error"].tolist()[1].startswith("empty opinion")
    # formula neutralized: an apostrophe in CSV, a text cell (no apostrophe) in XLSX
    assert back["意見の要旨"].tolist()[2] == ("'" if out_suffix == ".csv" else "") + '=HYPERLINK("x")'
    if out_suffix == ".csv" and out_encoding == "utf-8-sig":
        assert out.read_bytes()[:3] == b"\xef\xbb\xbf"


def test_missing_column_is_one_clear_error_before_work(tmp_path, saved_models):
    src = tmp_path / "in.csv"
    pd.DataFrame({"番号": [1], "本文": ["x"]}).to_csv(src, index=False)
    result = CliRunner().invoke(main, ["predict", str(src), "-o", str(tmp_path / "o.csv"), "--models-dir", str(saved_models)])
    assert result.exit_code == 1
    assert "Error: no opinion column" in result.output and "番号" in result.output
    assert "Name it with --opinion-column NAME." in result.output  # the CLI adds its flag to the library's words
    assert not (tmp_path / "o.csv").exists()


def test_predict_with_scheme_gives_the_citys_category(tmp_path, saved_models):
    src = tmp_path / "in.csv"
    ROWS.to_csv(src, index=False)
    out = tmp_path / "o.csv"
    result = CliRunner().invoke(main, ["predict", str(src), "-o", str(out), "--scheme", "morioka",
                                       "--models-dir", str(saved_models)])
    assert result.exit_code == 0, result.output
    back = read_table(out)
    mapping = {"adopted": "A", "covered": "B", "rejected": "C", "deferred": "D", "other": "E"}
    for label, cat in zip(back["label"], back["category"]):
        assert cat == mapping.get(label, "")


def test_blank_row_inside_the_input_comes_out_as_an_error_row(tmp_path, saved_models):
    src = tmp_path / "in.csv"
    src.write_text("意見,市の考え方\n窓口を残して,承ります\n,\n賛成です,今後検討します\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    result = CliRunner().invoke(main, ["predict", str(src), "-o", str(out), "--models-dir", str(saved_models)])
    assert result.exit_code == 0, result.output
    back = read_table(out)
    assert back["意見"].tolist() == ["窓口を残して", "", "賛成です"]
    assert back["error"].tolist()[1].startswith("empty") and back["label"].tolist()[1] == ""
    assert back["label"].tolist()[0] != "" and back["label"].tolist()[2] != ""


def test_unknown_output_encoding_is_one_clear_error_before_work(tmp_path, saved_models):
    src = tmp_path / "in.csv"
    ROWS.to_csv(src, index=False)
    result = CliRunner().invoke(main, ["predict", str(src), "-o", str(tmp_path / "o.csv"), "--encoding", "bogus",
                                       "--models-dir", str(saved_models)])
    assert result.exit_code == 1
    assert "Error: unknown encoding 'bogus'" in result.output
    assert not (tmp_path / "o.csv").exists()


def test_the_readme_example_with_the_shipped_models(tmp_path):
    """README: `pubcom predict data/examples/new_opinions.csv -o suggestions.xlsx`."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "data" / "examples" / "new_opinions.csv"
    out = tmp_path / "suggestions.xlsx"
    result = CliRunner().invoke(main, ["predict", str(example), "-o", str(out)])
    assert result.exit_code == 0, result.output
    back = read_table(out)
    assert back["No."].tolist() == ["1", "2", "3", "4", "5", "6"]
    assert back["error"].tolist()[4] == "empty response (市の考え方)" and back["label"].tolist()[4] == ""
    assert all(label in {"adopted", "covered", "deferred", "rejected", "other"}
               for i, label in enumerate(back["label"]) if i != 4)


def test_predict_refuses_to_write_over_its_input(tmp_path, saved_models):
    src = tmp_path / "意見一覧.csv"
    ROWS.to_csv(src, index=False, encoding="utf-8-sig")
    before = src.read_bytes()
    result = CliRunner().invoke(main, ["predict", str(src), "-o", str(tmp_path / "." / "意見一覧.csv"),
                                       "--models-dir", str(saved_models)])
    assert result.exit_code == 2 and "OUTPUT is the INPUT file" in result.output
    assert "意見一覧_predicted.csv" in result.output and src.read_bytes() == before


@pytest.mark.parametrize("header, said", [
    (["番号", "意見の概要", "意見に対する市の考え方", "対応"],
     ["warning: the response is read from column '対応', but '意見に対する市の考え方' could be it too; "
      "if so, name it with --response-column", "columns read: opinion = '意見の概要', response = '対応'"]),
    (["番号", "意見の概要", "市の考え方"], ["columns read: opinion = '意見の概要', response = '市の考え方'"]),
])
def test_predict_says_which_columns_it_reads_and_when_another_could_be_meant(tmp_path, saved_models, header, said):
    src = tmp_path / "in.csv"
    pd.DataFrame([["1", "窓口を残して", "引き続き設置します。", "参考"][:len(header)]], columns=header).to_csv(src, index=False)
    result = CliRunner().invoke(main, ["predict", str(src), "-o", str(tmp_path / "out.csv"), "--models-dir", str(saved_models)])
    assert result.exit_code == 0, result.output
    assert [l for l in result.stderr.splitlines() if l.startswith(("warning: the", "columns read"))] == said


def test_one_column_named_as_both_roles_is_refused(tmp_path, saved_models):
    src = tmp_path / "in.csv"
    ROWS.to_csv(src, index=False)
    result = CliRunner().invoke(main, ["predict", str(src), "-o", str(tmp_path / "out.csv"), "--models-dir",
                                       str(saved_models), "--opinion-column", "意見の要旨", "--response-column", "意見の要旨"])
    assert result.exit_code == 2 and "named as both the opinion and the response" in result.output


def test_a_workbook_with_a_damaged_sheet_is_a_clear_error(tmp_path, saved_models):
    import zipfile

    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    pd.concat([ROWS] * 20).to_excel(good, index=False)
    with zipfile.ZipFile(good) as s, zipfile.ZipFile(bad, "w") as z:
        for name in s.namelist():
            data = s.read(name)
            z.writestr(name, data[: len(data) // 2] if name == "xl/worksheets/sheet1.xml" else data)
    result = CliRunner().invoke(main, ["predict", str(bad), "-o", str(tmp_path / "out.csv"), "--models-dir", str(saved_models)])
    assert result.exit_code == 1 and "a sheet in it is damaged" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out.csv").exists()


def test_output_files_follow_the_umask_and_a_cp932_failure_names_the_cell(tmp_path, saved_models):
    import os
    import stat

    src = tmp_path / "in.csv"
    ROWS.assign(市の考え方=["原案のとおり", "承ります", "𠮷野家の件は承ります", "今後検討します"]).to_csv(src, index=False)
    old = os.umask(0o022)
    try:
        result = CliRunner().invoke(main, ["predict", str(src), "-o", str(tmp_path / "out.xlsx"), "--models-dir", str(saved_models)])
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE((tmp_path / "out.xlsx").stat().st_mode) == 0o644
    finally:
        os.umask(old)
    result = CliRunner().invoke(main, ["predict", str(src), "-o", str(tmp_path / "out.csv"), "--encoding", "cp932",
                                       "--models-dir", str(saved_models)])
    assert result.exit_code == 1 and "('𠮷', row 4, column '市の考え方')" in result.output


def test_request_type_columns_carry_their_japanese_names_in_xlsx(tmp_path):
    import openpyxl

    from classifier.tables import write_table

    out = write_table(pd.DataFrame({"opinion": ["a"], "request_type": ["request"], "request_type_ja": ["施策の要望"],
                                    "request_confidence": [0.5]}), tmp_path / "out.xlsx")
    header = [c.value for c in next(openpyxl.load_workbook(out).active.iter_rows(max_row=1))]
    assert header[1:] == ["意見の種類\nrequest_type", "意見の種類（日本語）\nrequest_type_ja", "意見の種類の確信度\nrequest_confidence"]
    assert list(read_table(out).columns) == ["opinion", "request_type", "request_type_ja", "request_confidence"]


def test_renamed_input_columns_and_overlong_cells_are_said(tmp_path, saved_models):
    src = tmp_path / "in.csv"
    pd.DataFrame({"ご意見": ["長い意見です。" * 6000, "窓口を残して"], "市の考え方": ["原案のとおりとします。"] * 2,
                  "label": ["x", "y"]}).to_csv(src, index=False)
    result = CliRunner().invoke(main, ["predict", str(src), "-o", str(tmp_path / "out.xlsx"), "--models-dir", str(saved_models)])
    assert result.exit_code == 0, result.output
    assert "warning: input column 'label' is written as 'label_input'" in result.stderr
    assert "warning: 1 cell(s) longer than the 32,767 characters an Excel cell holds (first: row 2, column 'ご意見')" \
        in result.stderr
    assert read_table(tmp_path / "out.xlsx")["label_input"].tolist() == ["x", "y"]


def test_report_never_takes_a_precedent_column_for_the_rows_body_or_response(tmp_path):
    from classifier.reportwrite import load_results

    src = tmp_path / "盛岡_predicted.csv"
    pd.DataFrame({"意見": ["窓口を残して"], "盛岡市の考え方": ["今後検討してまいります。"], "label": ["deferred"],
                  "confidence": [0.9], "precedent_1_source": ["環境省"], "precedent_1_plan": ["第六次"],
                  "precedent_1_response": ["原案のとおり"]}).to_csv(src, index=False)
    frame = load_results([src])
    assert frame[["source", "plan", "response"]].values.tolist() == [["盛岡_predicted", "盛岡_predicted",
                                                                      "今後検討してまいります。"]]


def test_a_cp932_failure_names_the_first_cell_in_row_order(tmp_path):
    from classifier.tables import write_table
    from classifier.exceptions import TableReadError

    frame = pd.DataFrame({"a": ["ok", "ok", "𠮷"], "b": ["ok", "😀", "ok"]})
    with pytest.raises(TableReadError, match=r"\('😀', row 3, column 'b'\)"):
        write_table(frame, tmp_path / "out.csv", encoding="cp932")


def test_opinion_mode_names_only_the_opinion_column(tmp_path, saved_models):
    src = tmp_path / "in.csv"
    ROWS.to_csv(src, index=False)
    result = CliRunner().invoke(main, ["predict", str(src), "-o", str(tmp_path / "out.csv"), "--mode", "opinion",
                                       "--models-dir", str(saved_models)])
    assert result.exit_code == 0, result.output
    assert "columns read: opinion = '意見の要旨'\n" in result.stderr


def test_a_workbook_with_changed_bytes_in_a_sheet_is_a_table_error_whatever_the_byte(tmp_path):
    import zipfile

    from classifier.exceptions import PubcomError

    good = tmp_path / "good.xlsx"
    pd.concat([ROWS] * 50).to_excel(good, index=False)
    data = good.read_bytes()
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)  # the compressed sheet's bytes
    errors = set()
    for k in range(40):
        bad = bytearray(data)
        bad[start + 7 + k * max(1, info.compress_size // 45)] ^= 0x5A
        path = tmp_path / f"bad{k}.xlsx"
        path.write_bytes(bytes(bad))
        try:
            read_table(path)
        except PubcomError as e:
            errors.add(type(e).__name__)
    assert errors  # some of them are damaged, and each is the library's own error, not a traceback
