import pandas as pd
import pytest
from click.testing import CliRunner

from classifier import ExportError, MissingColumnError, UnknownCategoryError, read_document
from classifier.cli import main
from classifier.export import export_table
from classifier.readers import read_count_table_results
from classifier.tables import read_table


@pytest.fixture
def seed000_rows(raw, tmp_path):
    path = tmp_path / "g.csv"
    result = CliRunner().invoke(main, ["read", str(next(raw.glob("000_*.txt"))), "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


def test_export_of_seed_000_gives_its_count_table(seed000_rows, tmp_path, seed_text):
    out = export_table(seed000_rows, tmp_path / "out.txt", "goshogawara", title="テスト")
    text = out.read_text(encoding="utf-8")
    assert "文章修正等\t記述済み\t実施段階検討\t反映困難\tその他\t合計\n0件\t0件\t3件\t0件\t4件\t7件" in text
    assert "文章修正等\t記述済み\t実施段階検討\t反映困難\tその他\t合計\n0件\t0件\t3件\t0件\t4件\t7件" in seed_text("000")
    assert "「実施段階検討」・・・計画の実施段階で検討又は対応すべきもの。" in text
    back = read_count_table_results(out)  # our own reader checks the count table against the rows
    original = read_document(seed000_rows)
    assert [r.raw_category for r in back.records] == [r.raw_category for r in original.records]
    assert [r.response for r in back.records] == [r.response for r in original.records]


def test_export_from_predicted_labels_in_another_scheme(tmp_path):
    src = tmp_path / "pred.csv"
    pd.DataFrame({"意見": ["a", "b", "c"], "回答": ["x", "y", "z"],
                  "label": ["deferred", "other", "adopted"]}).to_csv(src, index=False)
    out = export_table(src, tmp_path / "out.xlsx", "morioka")
    counts = pd.read_excel(out, sheet_name="反映状況")
    assert counts["件数"].tolist() == [1, 0, 0, 1, 1, 3]
    rows = read_table(out, sheet="意見と市の考え方")
    assert rows["区分"].tolist() == ["D", "E", "A"]


def test_export_rejects_a_category_outside_the_scheme(tmp_path):
    src = tmp_path / "in.csv"
    pd.DataFrame({"意見": ["a"], "回答": ["x"], "区分": ["Z"]}).to_csv(src, index=False)
    with pytest.raises(UnknownCategoryError, match="'Z'.*morioka"):
        export_table(src, tmp_path / "o.txt", "morioka")


def test_export_needs_categories_or_labels(tmp_path):
    src = tmp_path / "in.csv"
    pd.DataFrame({"意見": ["a"], "回答": ["x"]}).to_csv(src, index=False)
    with pytest.raises(MissingColumnError, match="pubcom predict"):
        export_table(src, tmp_path / "o.txt", "morioka")


def test_export_of_predict_output_with_error_rows_names_their_lines(tmp_path):
    src = tmp_path / "pred.csv"
    pd.DataFrame({"意見": ["a", "", "b", "c"], "回答": ["x", "", "", "z"],
                  "label": ["deferred", "", "", "other"],
                  "error": ["", "empty opinion (意見)", "empty response (回答)", ""]}).to_csv(src, index=False)
    with pytest.raises(ExportError, match=r"1 row\(s\).*row 4 \(empty response \(回答\)\)") as e:
        export_table(src, tmp_path / "o.txt", "morioka")
    assert "row 3" not in str(e.value)  # the blank row is not a row to publish


def test_export_uses_each_rows_own_category_and_labels_for_the_rest(tmp_path):
    src = tmp_path / "pred.csv"
    pd.DataFrame({"意見": ["a", "", "b"], "回答": ["x", "", "y"], "category": ["A", "", ""],
                  "label": ["deferred", "", "rejected"]}).to_csv(src, index=False)
    out = export_table(src, tmp_path / "o.csv", "morioka")
    assert read_table(out)["区分"].tolist() == ["A", "C"]


def test_staff_corrections_in_the_download_win(tmp_path):
    src = tmp_path / "download.csv"
    pd.DataFrame({"意見": ["a", "b", "c"], "回答": ["x", "", "z"], "category": ["E", "", "D"],
                  "label": ["other", "", "deferred"], "error": ["", "empty response (回答)", ""],
                  "corrected_label": ["rejected", "other", ""]}).to_csv(src, index=False)
    out = export_table(src, tmp_path / "o.csv", "morioka")
    assert read_table(out)["区分"].tolist() == ["C", "E", "D"]
