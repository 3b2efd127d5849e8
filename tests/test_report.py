import json
import re
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from classifier.cli import main
from classifier.report import adjusted_share, bootstrap_adjusted, deferral_table, rates_from_confusion, wilson



@pytest.mark.parametrize("source, deferred, n", [("五所川原市", 3, 7), ("盛岡市", 2, 10)])
def test_official_shares_of_seed_cities_are_exact(dataset, source, deferred, n):
    table = deferral_table(dataset)
    row = table[table["source"] == source].iloc[0]
    assert (row["deferred"], row["n"]) == (deferred, n)
    assert row["share"] == pytest.approx(deferred / n)
    assert row["method"] == "labelled (Wilson)"


@pytest.mark.parametrize("k, n", [(0, 5), (3, 7), (2, 10), (10, 10), (40, 400)])
def test_wilson_contains_its_point_estimate(k, n):
    low, high = wilson(k, n)
    assert 0 <= low <= k / n <= high <= 1


def test_wilson_narrows_with_n():
    widths = [wilson(3 * m, 10 * m) for m in (1, 4, 16, 64)]
    widths = [h - l for l, h in widths]
    assert all(a > b for a, b in zip(widths, widths[1:]))


def test_wilson_of_nothing_is_undefined():
    assert all(math.isnan(x) for x in wilson(0, 0))


def test_adjusted_count_recovers_known_prevalence_on_synthetic_mix(dataset):
    """Mix labelled rows to a known deferral share, 'predict' them with a classifier of known
    error rates, and check the adjusted estimate comes back to the truth (the raw one does not)."""
    rng = np.random.default_rng(7)
    deferred = dataset[dataset["label"] == "deferred"]
    rest = dataset[dataset["label"] != "deferred"]
    n, truth = 4000, 0.10
    mix = pd.concat([deferred.sample(int(n * truth), replace=True, random_state=1),
                     rest.sample(n - int(n * truth), replace=True, random_state=2)], ignore_index=True)
    tpr, fpr = 0.7, 0.1
    is_def = mix["label"] == "deferred"
    flip = rng.random(n)
    pred = np.where(is_def, np.where(flip < tpr, "deferred", "other"), np.where(flip < fpr, "deferred", "other"))
    observed = (pred == "deferred").mean()
    assert abs(observed - truth) > 0.05  # the raw predicted share is biased
    assert adjusted_share(observed, tpr, fpr) == pytest.approx(truth, abs=0.03)
    frame = mix.assign(label=pred, label_origin="predicted", source="synthetic", plan="mix")
    rates = {"tpr": tpr, "fpr": fpr, "tp": 700, "pos": 1000, "fp": 100, "neg": 1000}
    row = deferral_table(frame, rates, "adjusted").iloc[0]  # when the rates do hold on the body, as here
    assert row["method"].startswith("predicted, adjusted")
    assert row["ci_low"] <= truth <= row["ci_high"]
    assert row["raw_share"] == pytest.approx(observed)


def test_rates_from_confusion():
    conf = {"labels": ["adopted", "covered", "deferred", "rejected", "other"],
            "matrix": [[5, 0, 0, 0, 0], [0, 5, 1, 0, 0], [0, 0, 6, 0, 4], [0, 0, 0, 5, 0], [0, 0, 2, 0, 8]]}
    r = rates_from_confusion(conf)
    assert (r["tpr"], r["fpr"]) == (0.6, 3 / 26)


def test_bootstrap_interval_contains_estimate():
    rates = {"tpr": 0.8, "fpr": 0.05, "tp": 80, "pos": 100, "fp": 20, "neg": 400}
    low, high = bootstrap_adjusted(60, 300, rates)
    assert low <= adjusted_share(0.2, 0.8, 0.05) <= high


def test_empty_source_and_single_label_do_not_break(tmp_path):
    frame = pd.DataFrame({"source": ["甲市", "甲市", "乙町"], "plan": ["計画", "計画", "計画"],
                          "opinion": ["a", "b", "c"], "response": ["x", "x", "y"],
                          "label": ["other", "other", "deferred"], "label_origin": ["annotated"] * 3})
    table = deferral_table(frame)
    assert table.set_index("source").loc["甲市", "share"] == 0.0
    assert table.set_index("source").loc["乙町", "share"] == 1.0
    assert deferral_table(frame.iloc[:0]).empty
    path = tmp_path / "single.csv"
    frame.to_csv(path, index=False)
    result = CliRunner().invoke(main, ["report", "-i", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output


def test_report_command_writes_all_files(tmp_path):
    out = tmp_path / "rep"
    result = CliRunner().invoke(main, ["report", "-o", str(out)])
    assert result.exit_code == 0, result.output
    csv = pd.read_csv(out / "deferral.csv")
    assert list(csv.columns[:8]) == ["source", "plan", "n", "deferred", "share", "ci_low", "ci_high", "method"]
    assert len(csv) == 6  # one row per consultation of the dataset
    komaki = csv[csv["source"] == "小牧市"].iloc[0]  # every row annotated: counted as labelled, exactly
    assert (komaki["n"], komaki["deferred"], komaki["method"]) == (143, 28, "labelled (Wilson)")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 3 and "五所川原市" in page  # deferral, label shares, labels per request type
    assert not re.search(r'(src|href)="(https?:)?//', page) and "<script" not in page  # nothing fetched
    assert "deferral share" in (out / "report.md").read_text(encoding="utf-8")


def test_unlabelled_file_is_predicted_and_adjusted(tmp_path):
    src = tmp_path / "newcity.csv"
    pd.DataFrame({"意見": ["窓口を残して", "賛成です", "窓口を残して"],
                  "市の考え方": ["今後検討してまいります。", "ご意見として承ります。", "今後検討してまいります。"]}
                 ).to_csv(src, index=False, encoding="cp932")
    evaluation = tmp_path / "evaluation.json"
    conf = {"labels": ["adopted", "covered", "deferred", "rejected", "other"],
            "matrix": [[5, 0, 0, 0, 0], [0, 5, 1, 0, 0], [0, 0, 6, 0, 4], [0, 0, 0, 5, 0], [0, 0, 2, 0, 8]]}
    check = {"chosen": "adjusted", "errors": {"raw": {"mean_abs_error": 0.2, "max_abs_error": 0.3, "plans": 2},
                                              "adjusted": {"mean_abs_error": 0.1, "max_abs_error": 0.2, "plans": 2}}}
    evaluation.write_text(json.dumps({"results": {"response": {"loso": {"model": {"confusion": conf},
                                                                        "deferral_shares": check}}}}))
    out = tmp_path / "rep"
    result = CliRunner().invoke(main, ["report", "-i", str(src), "-o", str(out), "--evaluation", str(evaluation)])
    assert result.exit_code == 0, result.output
    row = pd.read_csv(out / "deferral.csv").iloc[0]
    assert row["source"] == "newcity" and row["n"] == 3
    assert row["method"].startswith("predicted, adjusted")


def test_a_group_mixing_labelled_and_predicted_rows_counts_the_labelled_ones_exactly():
    rates = {"tpr": 0.8, "fpr": 0.1, "tp": 80, "pos": 100, "fp": 40, "neg": 400}
    frame = pd.DataFrame({"source": ["甲市"] * 20, "plan": ["計画"] * 20,
                          "opinion": [f"o{i}" for i in range(20)], "response": [f"r{i}" for i in range(20)],
                          "label": ["deferred"] * 2 + ["other"] * 8 + ["deferred"] * 5 + ["other"] * 5,
                          "label_origin": ["annotated"] * 10 + [""] * 10})
    row = deferral_table(frame, rates, "adjusted").iloc[0]
    predicted = adjusted_share(0.5, 0.8, 0.1)
    assert row["share"] == pytest.approx((2 + 10 * predicted) / 20)
    assert row["ci_low"] <= row["share"] <= row["ci_high"]
    assert row["method"].startswith("10 labelled counted + 10 predicted")


@pytest.mark.parametrize("n_labelled", [10, 100])
def test_one_predicted_row_does_not_narrow_a_labelled_groups_interval(n_labelled):
    rates = {"tpr": 0.8, "fpr": 0.1, "tp": 80, "pos": 100, "fp": 40, "neg": 400}
    k = n_labelled // 5
    labels = ["deferred"] * k + ["other"] * (n_labelled - k)
    frame = pd.DataFrame({"source": "甲市", "plan": "計画", "opinion": [f"o{i}" for i in range(n_labelled + 1)],
                          "response": "", "label": labels + ["other"],
                          "label_origin": ["annotated"] * n_labelled + [""]})
    labelled = deferral_table(frame.iloc[:-1], rates, "adjusted").iloc[0]
    mixed = deferral_table(frame, rates, "adjusted").iloc[0]
    width = labelled["ci_high"] - labelled["ci_low"]
    assert mixed["ci_high"] - mixed["ci_low"] > 0.7 * width


@pytest.mark.parametrize("k, n", [(0, 4), (4, 4), (1, 4)])
def test_bootstrap_interval_of_a_few_predicted_rows_is_not_zero_width(k, n):
    rates = {"tpr": 0.8, "fpr": 0.05, "tp": 80, "pos": 100, "fp": 20, "neg": 400}
    low, high = bootstrap_adjusted(k, n, rates)
    assert high - low > 0.1
    assert low <= adjusted_share(k / n, 0.8, 0.05) <= high


def test_rows_that_cannot_be_predicted_are_named_not_dropped_silently(tmp_path):
    from classifier.reportwrite import load_results

    src = tmp_path / "newcity.csv"
    src.write_text("意見,市の考え方\n窓口を残して,今後検討してまいります。\n賛成です,\n", encoding="utf-8")
    said = []
    frame = load_results([src], progress=said.append)
    assert len(frame) == 1
    assert any("1 row(s) left out" in m and "rows 3 as Excel numbers them" in m and "empty response (市の考え方)" in m for m in said), said


def test_a_labelled_file_names_rows_without_a_label_and_uses_staff_corrections(tmp_path):
    from classifier.reportwrite import load_results

    src = tmp_path / "download.csv"
    pd.DataFrame({"意見": ["a", "b", "c", "d"], "市の考え方": ["x", "", "z", "w"],
                  "label": ["other", "", "deferred", ""], "error": ["", "empty response (市の考え方)", "", ""],
                  "corrected_label": ["deferred", "", "", "rejected"]}).to_csv(src, index=False)
    said = []
    frame = load_results([src], progress=said.append)
    assert frame["label"].tolist() == ["deferred", "deferred", "rejected"]
    assert frame["label_origin"].tolist() == ["annotated", "", "annotated"]
    assert [m for m in said if "request type" not in m] == ["download.csv: 1 row(s) left out of the report, with no label "
                    "(rows 3 as Excel numbers them; row 3: empty response (市の考え方))"]


@pytest.mark.parametrize("k_labelled, n_labelled, predicted", [(20, 20, "deferred"), (0, 30, "other"), (2, 2, "deferred")])
def test_a_mixed_groups_interval_contains_its_share_at_the_extremes(k_labelled, n_labelled, predicted):
    rates = {"tpr": 0.8, "fpr": 0.1, "tp": 80, "pos": 100, "fp": 40, "neg": 400}
    labels = ["deferred"] * k_labelled + ["other"] * (n_labelled - k_labelled) + [predicted] * 3
    frame = pd.DataFrame({"source": "甲市", "plan": "計画", "opinion": [f"o{i}" for i in range(len(labels))],
                          "response": "", "label": labels, "label_origin": ["annotated"] * n_labelled + [""] * 3})
    row = deferral_table(frame, rates, "adjusted").iloc[0]
    assert row["ci_low"] <= row["share"] <= row["ci_high"]


def asking_frame():
    """甲市: 4 wording (2 deferred), 2 opposition (0 deferred); 乙町: 3 request (1 deferred), all labelled."""
    return pd.DataFrame({
        "source": ["甲市"] * 6 + ["乙町"] * 3, "plan": "計画", "opinion": [f"o{i}" for i in range(9)], "response": "",
        "label": ["deferred", "deferred", "adopted", "other", "rejected", "other", "deferred", "covered", "other"],
        "label_origin": "annotated",
        "request_type": ["wording"] * 4 + ["opposition"] * 2 + ["request"] * 3, "request_origin": "annotated"})


def test_request_types_per_source_count_and_share():
    from classifier.requesttable import request_type_table

    table = request_type_table(asking_frame())
    assert len(table) == 2 * 7  # every request type of every source
    kou = table[table["source"] == "甲市"].set_index("request_type")
    assert kou.loc["wording", "n"] == 4 and kou.loc["opposition", "n"] == 2 and kou.loc["request", "n"] == 0
    assert kou.loc["wording", "share"] == pytest.approx(4 / 6) and kou.loc["wording", "request_type_ja"] == "文言修正"
    assert table.groupby("source")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    assert set(table["request_type_from"]) == {"labelled"}


def test_how_each_source_answers_each_request_type():
    from classifier.requesttable import label_shares_by_request_type, request_answer_table

    answers = request_answer_table(asking_frame())
    assert list(zip(answers["source"], answers["request_type"])) == [
        ("乙町", "request"), ("甲市", "wording"), ("甲市", "opposition")]  # sources sorted, types in their order
    wording = answers.iloc[1]
    assert (wording["n"], wording["deferred"], wording["adopted"], wording["other"], wording["rejected"]) == (4, 2, 1, 1, 0)
    assert wording["deferred_share"] == 0.5
    assert (wording["ci_low"], wording["ci_high"]) == pytest.approx(wilson(2, 4))
    assert answers.iloc[2]["deferred_share"] == 0.0 and answers.iloc[2]["ci_high"] == pytest.approx(wilson(0, 2)[1])
    shares = label_shares_by_request_type(answers)
    assert list(shares.index) == [("乙町", "request"), ("甲市", "wording"), ("甲市", "opposition")]  # per body
    assert shares[["adopted", "covered", "deferred", "rejected", "other"]].sum(axis=1).tolist() == pytest.approx([1, 1, 1])
    assert shares.loc[("乙町", "request"), "deferred"] == pytest.approx(1 / 3)
    assert shares["n"].tolist() == [3, 4, 2]


def test_predicted_request_types_and_labels_are_named_predicted():
    from classifier.requesttable import request_answer_table, request_type_table

    frame = asking_frame().assign(request_origin="predicted", label_origin="")
    assert set(request_type_table(frame)["request_type_from"]) == {"predicted"}
    answers = request_answer_table(frame)
    assert set(answers["request_type_from"]) == {"predicted"} and set(answers["label_from"]) == {"predicted"}
    mixed = asking_frame()
    mixed.loc[0, "request_origin"] = "rule"
    row = request_answer_table(mixed).iloc[1]
    assert (row["request_type"], row["request_type_from"], row["label_from"]) == ("wording", "labelled+predicted", "labelled")


def test_request_type_files_are_written(tmp_path):
    from classifier.reportwrite import build_report, build_request_tables, write_report

    frame = asking_frame().assign(mode="response")
    paths = write_report(build_report(frame), tmp_path, ["in.csv"], build_request_tables(frame))
    assert {p.name for p in paths} >= {"request_types.csv", "request_answers.csv", "request_labels.svg"}
    types = pd.read_csv(tmp_path / "request_types.csv")
    assert list(types.columns) == ["source", "request_type", "request_type_ja", "n", "share", "n_source", "n_labelled",
                                   "request_type_from"]
    answers = pd.read_csv(tmp_path / "request_answers.csv")
    assert answers.set_index(["source", "request_type"]).loc[("甲市", "wording"), "deferred"] == 2
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## How each source answers each request type" in md and "| 甲市 | 文言修正 wording | 4 |" in md
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 3 and "意見の種類ごとの回答の区分" in page and "<td>反対・中止 opposition</td>" in page


def test_without_request_types_no_request_files(tmp_path):
    from classifier.reportwrite import build_report, build_request_tables, write_report

    frame = asking_frame().drop(columns=["request_type", "request_origin"]).assign(mode="response")
    names = {p.name for p in write_report(build_report(frame), tmp_path, ["in.csv"], build_request_tables(frame))}
    assert "request_types.csv" not in names and not (tmp_path / "request_answers.csv").exists()
    assert "No row has a request type" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_an_unlabelled_file_gets_predicted_request_types(tmp_path, saved_models_with_requests):
    src = tmp_path / "newcity.csv"
    pd.DataFrame({"意見": ["この計画には反対です。白紙に戻してください。", "「計画」を「方針」に修正してください。"],
                  "市の考え方": ["今後検討してまいります。", "原案のとおりとします。"]}).to_csv(src, index=False)
    out = tmp_path / "rep"
    result = CliRunner().invoke(main, ["report", "-i", str(src), "-o", str(out),
                                       "--models-dir", str(saved_models_with_requests)])
    assert result.exit_code == 0, result.output
    answers = pd.read_csv(out / "request_answers.csv")
    assert answers["n"].sum() == 2 and set(answers["request_type_from"]) == {"predicted"}
    assert set(answers["label_from"]) == {"predicted"}
    types = pd.read_csv(out / "request_types.csv")
    assert set(types["request_type_from"]) == {"predicted"} and types["share"].sum() == pytest.approx(1)


def test_a_labelled_file_without_request_types_gets_them_predicted(tmp_path, saved_models_with_requests):
    src = tmp_path / "labelled.csv"
    pd.DataFrame({"意見": ["この計画には反対です。白紙に戻してください。", "説明会はいつ開かれるのですか。", ""],
                  "市の考え方": ["今後検討してまいります。", "原案のとおりとします。", "承ります"],
                  "label": ["deferred", "covered", "other"], "label_origin": "annotated"}).to_csv(src, index=False)
    out = tmp_path / "rep"
    result = CliRunner().invoke(main, ["report", "-i", str(src), "-o", str(out),
                                       "--models-dir", str(saved_models_with_requests)])
    assert result.exit_code == 0, result.output
    assert "2 row(s) without a labelled request type" in result.output
    answers = pd.read_csv(out / "request_answers.csv")
    assert answers["n"].sum() == 2 and answers["deferred"].sum() == 1  # the empty opinion has no request type
    assert set(answers["request_type_from"]) == {"predicted"} and set(answers["label_from"]) == {"labelled"}
    assert "1 row(s) without a request type" in (out / "report.md").read_text(encoding="utf-8")


def test_a_results_file_with_blank_request_types_keeps_the_predicted_ones(tmp_path, saved_models_with_requests):
    """A predicted file whose own request_type column is blank on some rows: those rows keep the
    model's request type (they are not dropped from the request tables)."""
    from classifier.reportwrite import load_results

    path = tmp_path / "results.csv"
    pd.DataFrame({"意見": ["窓口の廃止に反対です。", "計画に「A」を追記してください。"],
                  "市の考え方": ["原案のとおりとします。", "追記しました。"],
                  "request_type": ["question", ""]}).to_csv(path, index=False)
    frame = load_results([path], saved_models_with_requests)
    assert frame["request_type"].iloc[0] == "question"
    assert frame["request_type"].iloc[1] != ""  # the model's, not the file's blank


def test_evaluate_points_the_card_of_the_model_it_evaluated_and_report_follows_it(tmp_path, saved_models):
    """A card trained on the evaluated data gets ``evaluation``; report finds the evaluation there
    (not in the current folder, not beside the models); a card of other data is left alone."""
    import shutil

    from classifier import persist
    from classifier.reportwrite import find_evaluation

    models = tmp_path / "checkout" / "models"
    shutil.copytree(saved_models, models)
    for mode, data in (("response", {"labeled_opinions.csv": "aa"}), ("opinion", {"labeled_opinions.csv": "bb"})):
        pipeline, card = persist.load(models, mode)
        persist.save(pipeline, dict(card, training_data=data), models, mode)
    evaluation = tmp_path / "elsewhere" / "evaluation.json"
    evaluation.parent.mkdir()
    evaluation.write_text('{"meta": {}, "results": {}}', encoding="utf-8")
    assert persist.link_evaluation(models, "response", evaluation, {"labeled_opinions.csv": "aa"})
    assert not persist.link_evaluation(models, "opinion", evaluation, {"labeled_opinions.csv": "aa"})
    assert "evaluation" not in persist.read_card(models, "opinion")
    found, card, _ = find_evaluation(models, "response")
    assert found.resolve() == evaluation.resolve() and card["evaluation"]["sha256"] == persist.sha256_file(evaluation)
    persist.load(models, "response")  # the model still loads: its file and sha256 are untouched


def test_pubcom_evaluate_points_the_cards_of_models_trained_on_the_same_files(tmp_path, dataset):
    from classifier import persist
    from classifier.train import train
    from .conftest import CONFIG

    small = dataset.groupby("source", group_keys=False).head(12)  # a few rows of every body: quick
    data = tmp_path / "data" / "labeled_opinions.csv"
    data.parent.mkdir()
    small.to_csv(data, index=False)
    models = tmp_path / "models"
    train([data], models, modes=("opinion",), grid=[CONFIG], with_precedents=False)
    out = CliRunner().invoke(main, ["evaluate", "--data", str(data), "--no-corrections", "--mode", "opinion",
                                    "-o", str(tmp_path / "evaluation"), "--models-dir", str(models), "-j", "1"])
    assert out.exit_code == 0, out.output
    pointer = persist.read_card(models, "opinion")["evaluation"]
    assert pointer["sha256"] == persist.sha256_file(tmp_path / "evaluation" / "evaluation.json")
    assert "models/opinion.json now points to" in out.output


@pytest.mark.parametrize("needs_review, says", [
    ({"threshold": 0.9254, "review_share": 0.998, "precision_rest": 1.0, "target": 0.9},
     "needs_review below confidence 0.9254: 99.8% of rows to check, the rest 100% precise (target 90%)."),
    ({"threshold": 1.0, "review_share": 1.0, "precision_rest": None, "target": 0.9},
     "No confidence threshold reaches 90% precision: every row needs review."),
])
def test_the_request_section_says_what_needs_review(needs_review, says):
    from pathlib import Path

    from classifier.evalreport import request_markdown

    entry = json.loads((Path(__file__).parents[1] / "reports" / "evaluation" / "evaluation.json").read_text(
        encoding="utf-8"))["results"]["request"]
    assert says in request_markdown({**entry, "needs_review": needs_review})


def test_share_check_measures_each_estimator_on_every_held_out_plan():
    """Two bodies: 甲市 (10 rows, 3 deferred, the model finds 2 and calls 1 other deferred) and 乙町
    (10 rows, 1 deferred, found, no false alarm). The adjusted share of each uses the other's rates."""
    from classifier.report import share_check

    frame = pd.DataFrame({"source": ["甲市"] * 10 + ["乙町"] * 10, "plan": "計画",
                          "label": ["deferred"] * 3 + ["other"] * 7 + ["deferred"] + ["other"] * 9})
    pred = ["deferred", "deferred", "other", "deferred"] + ["other"] * 6 + ["deferred"] + ["other"] * 9
    check = share_check(frame, pred)
    plans = {p["source"]: p for p in check["plans"]}
    assert plans["甲市"] == {"source": "甲市", "plan": "計画", "n": 10, "labelled": 0.3, "raw": 0.3,
                                 "adjusted": 0.3}  # 乙町's rates: tpr 1, fpr 0
    # 甲市's rates: tpr 2/3, fpr 1/7; 乙町 raw 0.1 → (0.1 − 1/7) / (2/3 − 1/7) < 0 → clipped to 0
    assert plans["乙町"]["raw"] == 0.1 and plans["乙町"]["adjusted"] == 0.0
    assert check["errors"]["raw"] == {"mean_abs_error": 0.0, "max_abs_error": 0.0, "plans": 2}
    assert check["errors"]["adjusted"]["mean_abs_error"] == pytest.approx(0.05)
    assert check["chosen"] == "raw"


@pytest.mark.parametrize("rates, expected", [
    ({"tpr": 0.685, "fpr": 0.057, "pos": 71, "neg": 579}, True),    # the response model's evaluation
    ({"tpr": 0.167, "fpr": 0.117, "pos": 72, "neg": 578}, False),   # the opinion-only model's
    ({"tpr": 0.5, "fpr": 0.5, "pos": 1000, "neg": 1000}, False),
    ({"tpr": 1.0, "fpr": 0.0, "pos": 0, "neg": 10}, False)])
def test_separates_asks_that_the_model_tells_deferred_apart_beyond_chance(rates, expected):
    from classifier.report import separates

    assert separates(rates) is expected


def test_labels_of_unknown_origin_are_said_to_be_taken_as_predictions_and_japanese_headers_name_the_body(tmp_path):
    from classifier.reportwrite import load_results

    src = tmp_path / "labels.csv"
    pd.DataFrame({"団体": "甲市", "計画名": ["第1次", "第2次"], "意見": ["a", "b"], "市の考え方": ["x", ""],
                  "label": ["deferred", "other"]}).to_csv(src, index=False)
    said = []
    frame = load_results([src], progress=said.append)
    assert frame[["source", "plan"]].values.tolist() == [["甲市", "第1次"], ["甲市", "第2次"]]
    notes = frame.attrs["notes"]
    assert any("labels.csv: its labels have no label_origin column" in n and "add a label_origin column" in n
               for n in notes)
    assert notes == [m for m in said if "request type" not in m]


def test_rows_left_out_are_said_in_the_report_too(tmp_path):
    src = tmp_path / "newcity.csv"
    pd.DataFrame({"source": "甲市", "plan": "計画", "opinion": ["a", "b"], "response": ["x", "y"],
                  "label": ["deferred", ""], "label_origin": "annotated"}).to_csv(src, index=False)
    out = tmp_path / "rep"
    result = CliRunner().invoke(main, ["report", "-i", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "- Input: newcity.csv: 1 row(s) left out of the report, with no label (rows 3 as Excel numbers them" in md


def test_the_evaluation_report_shows_every_held_out_plans_share_and_the_choice():
    from classifier.evalreport import share_check_markdown

    check = {"plans": [{"source": "甲市", "plan": "計画", "n": 10, "labelled": 0.3, "raw": 0.4, "adjusted": None}],
             "errors": {"raw": {"mean_abs_error": 0.1, "max_abs_error": 0.1, "plans": 1},
                        "adjusted": {"mean_abs_error": None, "max_abs_error": None, "plans": 0}},
             "chosen": "raw"}
    text = "\n".join(share_check_markdown(check))
    assert "raw 0.100 (largest 0.100), adjusted —; chosen: **raw**" in text
    assert "| 甲市 | 計画 | 10 | 30" in text and "| —" in text


def test_without_a_request_type_model_the_report_reads_the_cue_table(tmp_path):
    src = tmp_path / "labelled.csv"
    pd.DataFrame({"意見": ["この計画には反対です。白紙に戻してください。", "説明会はいつ開かれるのですか。"],
                  "市の考え方": ["今後検討してまいります。", "原案のとおりとします。"],
                  "label": ["deferred", "covered"], "label_origin": "annotated"}).to_csv(src, index=False)
    out, empty = tmp_path / "rep", tmp_path / "no-models"
    empty.mkdir()
    result = CliRunner().invoke(main, ["report", "-i", str(src), "-o", str(out), "--models-dir", str(empty)])
    assert result.exit_code == 0, result.output
    assert "2 row(s) without a labelled request type and no request-type model" in result.output
    types = pd.read_csv(out / "request_types.csv")
    assert dict(zip(types["request_type"], types["n"]))["opposition"] == 1
    assert dict(zip(types["request_type"], types["n"]))["question"] == 1


MIXED = pd.DataFrame({"source": "甲市", "plan": "計画", "opinion": [f"o{i}" for i in range(20)], "response": "",
                      "label": ["deferred"] * 2 + ["other"] * 8 + ["deferred"] * 5 + ["other"] * 5,
                      "label_origin": ["annotated"] * 10 + [""] * 10})


@pytest.mark.parametrize("rates, estimator, share, method", [
    ({"tpr": 0.8, "fpr": 0.1, "pos": 100, "neg": 400}, "raw", 7 / 20,
     "10 labelled counted + 10 predicted, raw share (the estimator the evaluation's check of held-out plans chose; Wilson)"),
    ({"tpr": 0.8, "fpr": 0.1, "pos": 100, "neg": 400}, "unchecked", 7 / 20,
     "10 labelled counted + 10 predicted, raw share (the evaluation did not check the estimators; Wilson)"),
    (None, "raw", 7 / 20, "10 labelled counted + 10 predicted, raw share (no evaluation to check it with; Wilson)"),
    ({"tpr": 0.17, "fpr": 0.12, "pos": 54, "neg": 596}, "raw", None,
     "10 labelled + 10 predicted: the predicted rows not estimated: on unseen bodies the model does not tell deferred "
     "answers from the rest (deferred found 17%, others called deferred 12%)"),
])
def test_each_estimator_of_a_group_mixing_labelled_and_predicted_rows(rates, estimator, share, method):
    row = deferral_table(MIXED, rates, estimator).iloc[0]
    assert row["method"] == method
    if share is None:
        assert math.isnan(row["share"]) and math.isnan(row["ci_low"]) and row["raw_share"] == pytest.approx(7 / 20)
    else:
        assert row["share"] == pytest.approx(share) and (row["ci_low"], row["ci_high"]) == pytest.approx(wilson(7, 20))
