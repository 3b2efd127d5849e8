"""pubcom report as run by an analyst: from any folder, with the evaluation of the model that
predicted, one deferral figure per row."""
import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from classifier.cli import main
from classifier.report import adjusted_share, rates_from_confusion
from classifier.reportwrite import find_evaluation

LABELS = ["adopted", "covered", "deferred", "rejected", "other"]
GOOD = [[5, 0, 0, 0, 0], [0, 5, 1, 0, 0], [0, 0, 6, 0, 4], [0, 0, 0, 5, 0], [0, 0, 2, 0, 8]]
OTHER = [[5, 0, 0, 0, 0], [0, 5, 0, 0, 0], [0, 0, 9, 0, 1], [0, 0, 0, 5, 0], [0, 0, 0, 0, 10]]


# the evaluation's check of the share estimators (report.share_check), choosing one
CHECK = {est: {"target": "deferred", "plans": [], "chosen": est,
               "errors": {"raw": {"mean_abs_error": 0.083, "max_abs_error": 0.25, "plans": 6},
                          "adjusted": {"mean_abs_error": 0.19 if est == "raw" else 0.05, "max_abs_error": 0.53,
                                       "plans": 6}}} for est in ("raw", "adjusted")}
# a model that finds as many deferred answers among the others as among the deferred ones
BLIND = [[5, 0, 1, 0, 0], [0, 5, 1, 0, 0], [0, 0, 1, 0, 9], [0, 0, 1, 0, 4], [0, 0, 1, 0, 9]]


def evaluation(path, matrix, data_sha256=None, check="adjusted"):
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"date": "2026-12-01"} | ({"data_sha256": data_sha256} if data_sha256 else {})
    loso = {"model": {"confusion": {"labels": LABELS, "matrix": matrix}}} | (
        {"deferral_shares": CHECK[check]} if check else {})
    path.write_text(json.dumps({"meta": meta, "results": {"response": {"loso": loso}}}), encoding="utf-8")
    return path


@pytest.fixture
def checkout(tmp_path, saved_models):
    """A folder laid out like the checkout: models/ and, beside it, reports/evaluation/."""
    root = tmp_path / "checkout"
    shutil.copytree(saved_models, root / "models")
    return root


@pytest.fixture
def unlabelled(tmp_path):
    src = tmp_path / "newcity.csv"
    pd.DataFrame({"意見": ["窓口を残して", "賛成です", "窓口を残して", "説明会を"],
                  "市の考え方": ["今後検討してまいります。", "ご意見として承ります。", "今後検討してまいります。",
                            "原案のとおりとします。"]}).to_csv(src, index=False)
    return src


def run_report(args, cwd, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, ["report"] + args)


def test_report_runs_from_any_folder_on_the_checkouts_dataset(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_report(["-o", "out"], elsewhere, monkeypatch)
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(elsewhere / "out" / "deferral.csv")) == 6
    md = (elsewhere / "out" / "report.md").read_text(encoding="utf-8")
    assert "Inputs: data/labeled_opinions.csv." in md  # no machine's folders in the report


def test_the_evaluation_beside_the_models_corrects_predicted_rows(checkout, unlabelled, tmp_path, monkeypatch):
    evaluation(checkout / "reports" / "evaluation" / "evaluation.json", GOOD)
    (tmp_path / "cwd" / "reports" / "evaluation").mkdir(parents=True)  # a decoy in the current folder
    evaluation(tmp_path / "cwd" / "reports" / "evaluation" / "evaluation.json", OTHER)
    result = run_report(["-i", str(unlabelled), "-o", "out", "--models-dir", str(checkout / "models")],
                        tmp_path / "cwd", monkeypatch)
    assert result.exit_code == 0, result.output
    row = pd.read_csv(tmp_path / "cwd" / "out" / "deferral.csv").iloc[0]
    rates = rates_from_confusion({"labels": LABELS, "matrix": GOOD})
    raw = row["deferred"] / row["n"]
    assert row["method"].startswith("predicted, adjusted")
    assert row["share"] == pytest.approx(adjusted_share(raw, rates["tpr"], rates["fpr"]), abs=1e-4)
    assert "share adjusted with the model's deferred error rates" in result.stderr and "warning" not in result.stderr
    md = (tmp_path / "cwd" / "out" / "report.md").read_text(encoding="utf-8")
    assert "Evaluation: predicted rows (response model): the share adjusted with the model's deferred error rates, " \
           "as the evaluation" in md and "chose it on the 6 plans it held out" in md
    assert "(mean absolute error from the labelled share: raw 0.083, largest 0.250; adjusted 0.050 (largest 0.530, " \
           "6 plans))" in md


@pytest.mark.parametrize("check, method, said", [
    ("raw", "predicted, raw share (the estimator the evaluation's check of held-out plans chose; Wilson)",
     "the raw predicted share, as the evaluation"),
    (None, "predicted, raw share (the evaluation did not check the estimators; Wilson)",
     "raw predicted shares, unchecked: the evaluation")])
def test_the_evaluation_decides_the_raw_share_when_it_came_closer_or_was_not_checked(
        checkout, unlabelled, tmp_path, monkeypatch, check, method, said):
    evaluation(checkout / "reports" / "evaluation" / "evaluation.json", GOOD, check=check)
    result = run_report(["-i", str(unlabelled), "-o", "out", "--models-dir", str(checkout / "models")],
                        tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    row = pd.read_csv(tmp_path / "out" / "deferral.csv").iloc[0]
    assert row["method"] == method
    assert row["share"] == pytest.approx(row["deferred"] / row["n"]) == pytest.approx(row["raw_share"])
    assert said in result.stderr and said in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")


def test_no_share_is_estimated_from_a_model_that_does_not_tell_deferred_apart(checkout, unlabelled, tmp_path,
                                                                              monkeypatch):
    evaluation(checkout / "reports" / "evaluation" / "evaluation.json", BLIND, check="adjusted")
    result = run_report(["-i", str(unlabelled), "-o", "out", "--models-dir", str(checkout / "models")],
                        tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    row = pd.read_csv(tmp_path / "out" / "deferral.csv").iloc[0]
    assert pd.isna(row["share"]) and pd.isna(row["ci_low"]) and "not estimated" in row["method"]
    assert row["raw_share"] == pytest.approx(row["deferred"] / row["n"])  # still there, named raw
    assert "warning: predicted rows (response model): no deferral share estimated" in result.stderr
    assert "found 10% of the deferred answers and called 15% of the others deferred" in result.stderr
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "| not estimated |" in md and "newcity / newcity: deferral share not estimated" in result.stdout
    assert "not estimated" in (tmp_path / "out" / "deferral.svg").read_text(encoding="utf-8")


def test_the_evaluation_the_card_names_comes_first(checkout):
    evaluation(checkout / "reports" / "evaluation" / "evaluation.json", GOOD)
    named = evaluation(checkout / "reports" / "eval-2026-12" / "evaluation.json", OTHER)
    card_path = checkout / "models" / "response.json"
    for pointer in ("reports/eval-2026-12/evaluation.json", "../reports/eval-2026-12/evaluation.json",
                    str(named), {"path": "reports/eval-2026-12/evaluation.json"}):
        card = json.loads(card_path.read_text(encoding="utf-8")) | {"evaluation": pointer}
        card_path.write_text(json.dumps(card), encoding="utf-8")
        assert find_evaluation(checkout / "models", "response")[0].resolve() == named.resolve(), pointer


def test_no_evaluation_is_said_on_stderr_and_in_the_report(checkout, unlabelled, tmp_path, monkeypatch):
    result = run_report(["-i", str(unlabelled), "-o", "out", "--models-dir", str(checkout / "models")],
                        tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "warning: no evaluation of the response model found" in result.stderr
    assert "reports/evaluation/evaluation.json" in result.stderr
    row = pd.read_csv(tmp_path / "out" / "deferral.csv").iloc[0]
    assert row["method"].startswith("predicted, raw share")
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "no evaluation of the response model found" in md and " (raw) |" in md


def test_an_evaluation_of_other_training_data_is_flagged(checkout, unlabelled, tmp_path, monkeypatch):
    evaluation(checkout / "reports" / "evaluation" / "evaluation.json", GOOD, data_sha256="0" * 64)
    card_path = checkout / "models" / "response.json"
    card = json.loads(card_path.read_text(encoding="utf-8")) | {"training_data": {"labeled_opinions.csv": "1" * 64}}
    card_path.write_text(json.dumps(card), encoding="utf-8")
    result = run_report(["-i", str(unlabelled), "-o", "out", "--models-dir", str(checkout / "models")],
                        tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "may not fit the model: it was made on another dataset" in result.stderr


def test_a_predicted_report_shows_one_deferral_figure_per_row(checkout, unlabelled, tmp_path, monkeypatch):
    evaluation(checkout / "reports" / "evaluation" / "evaluation.json", GOOD)
    labelled = tmp_path / "labelled.csv"
    pd.DataFrame({"source": "甲市", "plan": "計画", "opinion": ["a", "b", "c"], "response": ["x", "y", "z"],
                  "label": ["deferred", "other", "other"], "label_origin": "annotated"}).to_csv(labelled, index=False)
    result = run_report(["-i", str(unlabelled), "-i", str(labelled), "-o", "out",
                         "--models-dir", str(checkout / "models")], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    first = md[md.index("## Deferral share"):md.index("## Label shares")]
    table = [line for line in first.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in table[0].strip("|").split("|")]
    assert [c for c in header if "share" in c] == ["deferral share", "raw predicted share (not adjusted)"]
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.strip("|").split("|")] for line in table[1:]}
    assert rows["甲市"][header.index("raw predicted share (not adjusted)")] == "—"
    assert rows["甲市"][header.index("deferred, counted")] == "1 of 3 labelled"
    assert "predicted (raw)" in rows["newcity"][header.index("deferred, counted")]
    lines = [l for l in result.stdout.splitlines() if l.startswith(("甲市", "newcity"))]
    assert lines[0].startswith("newcity / newcity: deferral share") and "raw: " in lines[0] and "not adjusted" in lines[0]
    assert lines[1].startswith("甲市 / 計画: deferral share 0.333") and "1/3 labelled deferred" in lines[1]
    svg = (tmp_path / "out" / "deferral.svg").read_text(encoding="utf-8")
    assert "labelled: counted as read" in svg and "predicted: corrected for the model" in svg
    assert "agree on least" in md and "agree on least" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_an_evaluation_given_on_the_command_line_is_checked_against_the_model_too(checkout, unlabelled, tmp_path,
                                                                                  monkeypatch):
    given = evaluation(tmp_path / "elsewhere" / "evaluation.json", GOOD, data_sha256="0" * 64)
    card_path = checkout / "models" / "response.json"
    card = json.loads(card_path.read_text(encoding="utf-8")) | {"training_data": {"labeled_opinions.csv": "1" * 64}}
    card_path.write_text(json.dumps(card), encoding="utf-8")
    result = run_report(["-i", str(unlabelled), "-o", "out", "--models-dir", str(checkout / "models"),
                         "--evaluation", str(given)], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "may not fit the model: it was made on another dataset" in result.stderr
