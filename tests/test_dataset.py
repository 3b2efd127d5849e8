import csv
import shutil

import pytest
from click.testing import CliRunner

from classifier import AnnotationError, build_dataset, load_dataset
from classifier.cli import main
from classifier.dataset import COLUMNS, add_groups, apply_annotations, read_records

from .conftest import ROOT


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "raw", d / "raw")
    shutil.copytree(ROOT / "data" / "annotations", d / "annotations")
    shutil.copy(ROOT / "data" / "sources.tsv", d / "sources.tsv")
    return d


def test_ingest_twice_gives_identical_bytes(data_dir, tmp_path):
    runner = CliRunner()
    out1, out2 = tmp_path / "a.csv", tmp_path / "b.csv"
    for out in (out1, out2):
        result = runner.invoke(main, ["ingest", "--data-dir", str(data_dir), "-o", str(out)])
        assert result.exit_code == 0, result.output
    assert out1.read_bytes() == out2.read_bytes()
    assert runner.invoke(main, ["ingest", "--data-dir", str(data_dir), "-o", str(out1), "--check"]).exit_code == 0


def test_committed_dataset_is_what_ingest_builds():
    result = CliRunner().invoke(main, ["ingest", "--data-dir", str(ROOT / "data"), "--check"])
    assert result.exit_code == 0, result.output


def test_dataset_shape_and_origins():
    df = load_dataset(ROOT / "data" / "labeled_opinions.csv")
    assert list(df.columns) == COLUMNS
    assert df["id"].is_unique
    assert df["plan"].nunique() >= 5
    official = df[df["label_origin"] == "official"]
    assert set(official["source"]) == {"五所川原市", "盛岡市"}
    assert (df[df["source"] == "五所川原市"]["label"] == "deferred").sum() == 3
    assert (df[df["source"] == "盛岡市"]["label"] == "deferred").sum() == 2
    annotated = df[df["label_origin"] == "annotated"]
    assert len(annotated) >= 400
    assert all(e and e in r for e, r in zip(annotated["evidence"], annotated["response"]))
    assert set(df["label_origin"]) <= {"official", "annotated", "rule"}


def _write_annotations(data_dir, rows):
    for f in (data_dir / "annotations").glob("*.csv"):
        f.unlink()
    with open(data_dir / "annotations" / "test.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "label", "evidence", "note"])
        w.writerows(rows)


@pytest.mark.parametrize("row, message", [
    (["kanazawa-9", "other", "x", ""], "unknown id 'kanazawa-9'"),
    (["kanazawa-3-2", "maybe", "反映することはできません", ""], "unknown label 'maybe'"),
    (["kanazawa-3-2", "rejected", "修正します", ""], "evidence '修正します' does not occur"),
    (["goshogawara-2", "adopted", "別途設定する予定です", ""], "official labels are never overridden"),
])
def test_bad_annotations_fail_with_file_and_line(data_dir, row, message):
    _write_annotations(data_dir, [row])
    with pytest.raises(AnnotationError) as e:
        build_dataset(data_dir)
    assert "test.csv:2" in str(e.value) and message in str(e.value)


def test_one_annotation_labels_every_opinion_sharing_the_response(data_dir):
    frame, _ = read_records(data_dir)
    shared = frame[frame["plan"].str.contains("第六次")].groupby("response")["id"].agg(list)
    ids = max(shared, key=len)
    assert len(ids) > 10
    response = frame.loc[frame["id"] == ids[0], "response"].iloc[0]
    out = apply_annotations(frame, [{"id": ids[0], "label": "adopted", "evidence": response[:10],
                                     "note": "", "file": "t.csv", "line": 2}])
    labelled = out[out["id"].isin(ids)]
    assert set(labelled["label"]) == {"adopted"} and set(labelled["label_origin"]) == {"annotated"}
    assert set(labelled["annotation_id"]) == {ids[0]}
    assert (out["label_origin"] == "annotated").sum() == len(ids)


def test_unannotated_rows_get_rule_labels_never_annotated(data_dir):
    _write_annotations(data_dir, [])
    df = build_dataset(data_dir).frame
    assert set(df["label_origin"]) == {"official", "rule"}
    assert (df["label_origin"] == "official").sum() == 17


def test_form_letters_share_a_duplicate_group():
    import pandas as pd
    frame = pd.DataFrame({"id": ["a", "b", "c", "d"], "plan": ["p"] * 4,
                          "opinion": ["<p>原発に反対です。</p>", "原発に反対です", "原発に 反対です！", "別の意見"],
                          "response": ["承ります", "承ります", "", ""]})
    out = add_groups(frame)
    assert out["duplicate_group"].tolist() == ["a", "a", "a", "d"]
    assert out["response_group"].tolist() == ["a", "a", "c", "d"]


def test_annotations_kept_in_excel_are_read_by_ingest(data_dir):
    import pandas as pd

    before = build_dataset(data_dir).frame
    csv_path = data_dir / "annotations" / "kanazawa.csv"
    pd.read_csv(csv_path, dtype=str, keep_default_na=False).to_excel(csv_path.with_suffix(".xlsx"), index=False)
    csv_path.unlink()
    after = build_dataset(data_dir).frame
    assert after[["id", "label", "label_origin", "evidence"]].equals(before[["id", "label", "label_origin", "evidence"]])
    assert (after.loc[after["source"] == "金沢市", "label_origin"] == "annotated").all()
