"""Precedents: the index (fit/query, self-exclusion, k, empty rows), its safe persistence, what train
builds, `pubcom predict --precedents`, the Python API and the staff page's folded block."""
import json
import pickle
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from classifier import PrecedentIndex, PrecedentsMissingError, precedents
from classifier.cli import main
from classifier.exceptions import ModelError
from classifier.predict import load_model
from classifier.tables import read_table

FRAME = pd.DataFrame({
    "opinion": ["窓口の手続きを残してください", "バスの本数を増やしてほしい", "公園に遊具を設置してください",
                "図書館の開館時間を延長してほしい"],
    "response": ["窓口は当面維持します。", "交通事業者と協議します。", "今後検討します。", "困難です。"],
    "label": ["covered", "deferred", "deferred", "rejected"],
    "source": ["A市", "B市", "C市", "D市"], "plan": ["窓口計画", "交通計画", "公園計画", "図書館計画"],
})


@pytest.fixture(scope="module")
def index():
    return PrecedentIndex().fit(FRAME)


@pytest.mark.parametrize("text, nearest", [
    ("窓口での手続きは残してほしい", "窓口の手続きを残してください"),
    ("路線バスの本数が少ないので増やして", "バスの本数を増やしてほしい"),
    ("公園の遊具を増やしてください", "公園に遊具を設置してください"),
    ("図書館は夜も開館してほしい", "図書館の開館時間を延長してほしい"),
])
def test_query_returns_the_nearest_labelled_opinion_with_its_answer(index, text, nearest):
    found = index.query([text], k=2)
    assert found["rank"].tolist() == [1, 2] and found["input"].tolist() == [0, 0]
    top = found.iloc[0]
    row = FRAME[FRAME["opinion"] == nearest].iloc[0]
    assert top["opinion"] == nearest and top["response"] == row["response"] and top["label"] == row["label"]
    assert top["source"] == row["source"] and top["plan"] == row["plan"]
    assert top["label_ja"] == {"covered": "記載済み", "deferred": "今後検討", "rejected": "反映困難"}[row["label"]]
    assert 0 < found["similarity"].iloc[1] <= top["similarity"] <= 1


@pytest.mark.parametrize("source, plan, shown", [
    ("A市", "窓口計画", False),  # the row itself, from the same document: skipped
    ("A市", "別の計画", True),    # the same body, another plan: a precedent
    ("Z市", "窓口計画", True),    # another body
])
def test_the_row_itself_from_the_same_document_is_never_its_own_precedent(index, source, plan, shown):
    text = "窓口の手続きを残してください"
    found = index.query([text], k=4, exclude=[(source, plan)])
    assert (found["opinion"] == text).any() == shown
    if shown:
        assert found["similarity"].iloc[0] == pytest.approx(1.0)
    excluded = index.query([text], k=4, exclude=pd.DataFrame({"source": [source], "plan": [plan]}))
    assert excluded["opinion"].tolist() == found["opinion"].tolist()


def test_k_larger_than_the_index_keeps_k_rows_with_the_rest_empty(index):
    found = index.query(["窓口の手続きを残して", "バスを増やして"], k=7)
    assert len(found) == 14 and found["rank"].tolist() == list(range(1, 8)) * 2
    for _, rows in found.groupby("input"):
        filled = rows["similarity"].notna()
        assert filled.sum() <= len(index) == 4 and filled.iloc[0]
        assert (rows.loc[~filled, "opinion"] == "").all() and (rows.loc[~filled, "label"] == "").all()
        assert rows.loc[filled, "similarity"].is_monotonic_decreasing


def test_empty_opinions_keep_their_place_and_identical_inputs_agree(index):
    texts = ["公園に遊具を", "", None, "公園に遊具を", "  "]
    found = index.query(texts, k=2)
    assert found["input"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    per = found.set_index(["input", "rank"])
    for empty in (1, 2, 4):
        assert per.loc[empty, "similarity"].isna().all() and (per.loc[empty, "opinion"] == "").all()
    assert per.loc[0].equals(per.loc[3])
    wide = precedents.wide(found, len(texts), 2)
    assert list(wide.columns) == precedents.columns(2) and len(wide) == 5
    assert wide["precedent_1_opinion"].tolist()[0] == "公園に遊具を設置してください"
    assert wide["precedent_1_opinion"].tolist()[1] == "" and np.isnan(wide["precedent_2_similarity"].iloc[4])


def test_form_letters_are_indexed_once_and_rows_without_opinion_or_label_not_at_all():
    frame = pd.concat([FRAME, FRAME.iloc[[0, 0]], pd.DataFrame({"opinion": ["", "x"], "label": ["other", ""]})])
    assert len(PrecedentIndex().fit(frame)) == 4


def test_training_rows_are_official_annotated_and_corrections_never_guide_or_rule():
    frame = pd.DataFrame({
        "opinion": ["a", "b", "c", "d", "e"], "response": ["", "", "", "", ""],
        "label": ["adopted", "covered", "other", "rejected", "deferred"],
        "label_origin": ["official", "annotated", "guide", "rule", "annotated"],
        "source": ["A市", "B市", "(guide)", "C市", ""], "plan": ["p", "q", "(guide)", "r", ""],
        "training_file": ["labeled_opinions.csv"] * 2 + ["guide_rows.csv", "labeled_opinions.csv", "corrections.csv"],
        "upload": ["", "", "", "", "input.xlsx"]})
    rows = precedents.training_rows(frame, "corrections.csv")
    assert rows["opinion"].tolist() == ["a", "b", "e"]
    assert rows["source"].tolist() == ["A市", "B市", "staff correction"] and rows["plan"].tolist()[2] == "input.xlsx"


def test_train_builds_the_index_beside_the_models_with_staff_corrections(dataset, tmp_path):
    from classifier.corrections import append_correction
    from classifier.train import load_training_data, train_precedents

    data = tmp_path / "labeled_opinions.csv"
    dataset.iloc[:80].to_csv(data, index=False)
    append_correction(tmp_path / "corrections", "学童保育の定員を増やしてほしい", "", "deferred", "other", 0.4, "opinion",
                      upload="受付.xlsx")
    files = [data, tmp_path / "corrections" / "corrections.csv"]
    card = train_precedents(load_training_data(files), tmp_path / "models", files)
    assert card["rows"] <= 81 and card["rows_per_source"]["staff correction"] == 1
    top = precedents.load(tmp_path / "models").query(["学童保育の定員を増やして"], 1).iloc[0]
    assert (top["source"], top["plan"], top["label"]) == ("staff correction", "受付.xlsx", "deferred")


def test_nothing_official_or_annotated_builds_no_index_instead_of_failing(dataset, tmp_path):
    from classifier.train import train_precedents

    rules_only = dataset.iloc[:30].assign(label_origin="rule")
    assert train_precedents(rules_only, tmp_path / "models") is None
    assert not (tmp_path / "models" / "precedents.skops").exists()


def test_save_load_round_trip_through_persist(index, tmp_path):
    card = precedents.save(index, tmp_path)
    assert card["model_format"] == "skops" and (tmp_path / "precedents.skops").exists()
    back = precedents.load(tmp_path)
    texts = ["窓口の手続き", "バスの本数", ""]
    pd.testing.assert_frame_equal(back.query(texts, 3), index.query(texts, 3))


class _Payload:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("suffix", [".skops", ".pkl"])
def test_a_pickle_in_place_of_the_index_is_refused_without_running(index, tmp_path, suffix):
    precedents.save(index, tmp_path)
    marker = tmp_path / "ran"
    payload = tmp_path / f"evil{suffix}"
    payload.write_bytes(pickle.dumps(_Payload(str(marker))))
    card = json.loads((tmp_path / "precedents.json").read_text())
    from classifier import persist
    card.update(model_file=payload.name, model_sha256=persist.sha256_file(payload))
    (tmp_path / "precedents.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="not a skops model file"):
        precedents.load(tmp_path)
    assert not marker.exists()


def test_a_missing_index_is_a_typed_error_naming_pubcom_train(saved_models, tmp_path):
    with pytest.raises(PrecedentsMissingError, match="pubcom train"):
        precedents.load(tmp_path)
    model = load_model("opinion", saved_models)
    with pytest.raises(PrecedentsMissingError, match="pubcom train"):
        model.precedents(["窓口を残して"])
    assert issubclass(PrecedentsMissingError, ModelError)


def test_model_precedents_api_one_row_per_input_and_rank(precedent_models, dataset):
    model = load_model("opinion", precedent_models)
    row = dataset.iloc[0]
    found = model.precedents([row["opinion"], "", "公共交通を充実させてほしい"], k=3)
    assert len(found) == 9 and found["input"].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert found["opinion"].iloc[0] == row["opinion"] and found["similarity"].iloc[0] == pytest.approx(1.0)
    own = model.precedents([row["opinion"]], k=3, exclude=[(row["source"], row["plan"])])
    assert (own["opinion"] != row["opinion"]).all()
    out = model.predict_table(pd.DataFrame({"意見": [row["opinion"]], "団体": [row["source"]], "計画": [row["plan"]]}),
                              precedents=3)
    assert out["precedent_1_opinion"].iloc[0] != row["opinion"]  # the table's own document is skipped


def test_predict_cli_adds_precedent_columns_before_error(tmp_path, precedent_models, dataset):
    src = tmp_path / "in.csv"
    opinions = [dataset["opinion"].iloc[3], "", "バスの本数を増やしてほしい"]
    pd.DataFrame({"意見": opinions, "市の考え方": ["承ります", "承ります", "検討します"]}).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["predict", str(src), "-o", str(out), "--models-dir", str(precedent_models),
                                       "--precedents", "3"])
    assert result.exit_code == 0, result.output
    back = read_table(out)
    cols = list(back.columns)
    wanted = precedents.columns(3)
    assert cols[cols.index("error") - len(wanted):cols.index("error")] == wanted
    assert back["precedent_1_opinion"].iloc[0] == opinions[0]
    assert back["precedent_1_label"].iloc[0] == dataset["label"].iloc[3]
    assert float(back["precedent_1_similarity"].iloc[0]) == pytest.approx(1.0)
    assert back["precedent_3_source"].iloc[2] in set(dataset["source"])
    assert back["precedent_1_opinion"].iloc[1] == "" and back["error"].iloc[1].startswith("empty opinion")


def test_predict_cli_xlsx_headers_are_japanese(tmp_path, precedent_models):
    from openpyxl import load_workbook

    src = tmp_path / "in.csv"
    pd.DataFrame({"番号": [1, 2], "意見": ["窓口を残してほしい", ""]}).to_csv(src, index=False)
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["predict", str(src), "-o", str(out), "--mode", "opinion", "--models-dir",
                                       str(precedent_models), "--precedents", "1"])
    assert result.exit_code == 0, result.output
    headers = [c.value for c in next(load_workbook(out).active.iter_rows(max_row=1))]
    assert "過去の回答例1の回答\nprecedent_1_response" in headers
    back = read_table(out)
    assert back["precedent_1_opinion"].iloc[0] != "" and back["precedent_1_opinion"].iloc[1] == ""
    assert back["precedent_1_similarity"].iloc[1] in ("", None) or pd.isna(back["precedent_1_similarity"].iloc[1])


def test_predict_cli_without_an_index_says_to_run_train(tmp_path, saved_models):
    src = tmp_path / "in.csv"
    pd.DataFrame({"意見": ["窓口を残して"], "市の考え方": ["承ります"]}).to_csv(src, index=False)
    result = CliRunner().invoke(main, ["predict", str(src), "-o", str(tmp_path / "o.csv"), "--models-dir",
                                       str(saved_models), "--precedents", "3"])
    assert result.exit_code == 1 and "pubcom train" in result.output and "precedents" in result.output
    assert not (tmp_path / "o.csv").exists()


def _page(tmp_path, models):
    from classifier.web.app import create_app
    from tests.test_web import Page

    app = create_app(tmp_path / "data", models)
    app.config["TESTING"] = True
    return Page(app)


def test_page_shows_precedents_folded_under_each_row(tmp_path, precedent_models, dataset):
    p = _page(tmp_path, precedent_models)
    known = dataset["opinion"].iloc[5]
    frame = pd.DataFrame({"意見": [known, "", "<b>バス</b>の本数を増やしてほしい"], "市の考え方": ["承ります"] * 3})
    html = p.get(f"/results/{p.token(frame)}").get_data(as_text=True)
    assert html.count("<details class=\"precedents\">") == 2  # not for the empty row
    assert "似た意見への過去の回答 (3件)" in html and "類似度 100%" in html
    block = html[html.index('<details class="precedents">'):html.index("</details>")]
    assert dataset["response"].iloc[5][:20] in block and dataset["source"].iloc[5] in block
    assert re.search(r'class="label label-(adopted|covered|deferred|rejected|other)">(反映|記載済み|今後検討|反映困難|その他)<', block)
    assert "<b>バス</b>" not in html


def test_page_without_an_index_shows_no_precedents(tmp_path, saved_models):
    p = _page(tmp_path, saved_models)
    html = p.get(f"/results/{p.token(pd.DataFrame({'意見': ['窓口を残して']}))}").get_data(as_text=True)
    assert "precedents" not in html.replace("details.precedents", "")


def test_train_cli_mode_precedents_builds_only_the_index(dataset, tmp_path):
    data = tmp_path / "labeled_opinions.csv"
    dataset.iloc[:60].to_csv(data, index=False)
    models = tmp_path / "models"
    result = CliRunner().invoke(main, ["train", "--data", str(data), "--models-dir", str(models), "--mode", "precedents"])
    assert result.exit_code == 0, result.output
    assert "precedents: 60 labelled opinions indexed" in result.output
    assert sorted(p.name for p in models.iterdir()) == ["precedents.json", "precedents.skops"]
    assert len(precedents.load(models)) == 60


def test_shipped_index_loads_and_finds_a_dataset_row(dataset):
    from classifier.predict import default_models_dir

    index = precedents.load(default_models_dir())
    row = dataset.iloc[10]
    assert index.query([row["opinion"]], 1)["opinion"].iloc[0] == row["opinion"]


def test_a_tampered_index_leaves_the_page_working_without_precedents(tmp_path, precedent_models):
    import shutil

    models = tmp_path / "models"
    shutil.copytree(precedent_models, models)
    with open(models / "precedents.skops", "ab") as f:
        f.write(b"tampered")
    with pytest.raises(ModelError, match="does not match its model card"):
        precedents.load(models)
    p = _page(tmp_path, models)
    html = p.get(f"/results/{p.token(pd.DataFrame({'意見': ['窓口を残して']}))}").get_data(as_text=True)
    assert 'id="row-0"' in html and '<details class="precedents">' not in html
