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
