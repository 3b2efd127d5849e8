import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import ModelError
from classifier.evaluate import cross_validate, review_threshold, split_groups
from classifier.features import AnalyzeColumns
from classifier.model import build_pipeline
from classifier.predict import Model, load_model

from .conftest import CONFIG


def test_analyze_step_pickles_without_the_tagger_and_reads_lemmas():
    step = AnalyzeColumns(("opinion", "response"))
    step.transform(pd.DataFrame({"opinion": ["一度"], "response": ["使う"]}))  # creates the tagger
    back = pickle.loads(pickle.dumps(step))
    out = back.transform(pd.DataFrame({"opinion": ["ＤＸを推進して"], "response": ["検討してまいります。"]}))
    assert out["opinion"].tolist() == ["DXを推進して"]
    assert out["response_tokens"].tolist() == ["検討 為る て 行く"]
    assert out["response_reading"].iloc[0].label == "deferred"
    assert out["response_predicates"].tolist() == ["検討_為る_て_行く tail:為る_て_行く last:検討_為る_て_行く lasttail:為る_て_行く"]


@pytest.mark.parametrize("opinion, primary, types", [
    ("「A」を「B」に修正してください。", "wording", ("wording", "request")),
    ("この計画には反対です。白紙に戻してください。", "opposition", ("request", "opposition")),
    ("P5に市民参加を明記していただきたい。", "addition", ("addition", "request")),  # a place but no words: not wording
    ("予算はいくらですか。", "question", ("question",)),
    ("計画に賛成です。", "support", ("support",)),
    ("今日は晴れ。", "other", ("other",)),
])
def test_request_types(opinion, primary, types):
    from classifier.requests import read_request
    assert read_request(opinion) == (primary, types)


def test_model_beats_majority_on_held_out_folds(dataset):
    cv = cross_validate(dataset, "response", "kfold", grid=[CONFIG])
    y = dataset["label"].to_numpy()
    from classifier.metrics import macro_f1
    model, majority = macro_f1(y, cv["pred"]), macro_f1(y, cv["majority"])
    assert model > majority + 0.3
    assert all(f["n_test"] > 0 for f in cv["folds"])


def test_split_groups_keep_shared_responses_together(dataset):
    groups = split_groups(dataset)
    for _, g in dataset.assign(g=groups).groupby("response_group"):
        assert g["g"].nunique() == 1
    for _, g in dataset.assign(g=groups).groupby("duplicate_group"):
        assert g["g"].nunique() == 1
    cv = cross_validate(dataset.iloc[:120], "opinion", "kfold", grid=[CONFIG])
    assert len(cv["pred"]) == 120


def test_kfold_never_puts_a_shared_response_or_a_form_letter_on_both_sides(dataset):
    from classifier.evaluate import splitter
    from classifier.text import dedupe_key

    from classifier.dataset import add_groups

    # ten stock replies that two plans share (the bundled data has none across plans)
    frame = dataset.copy()
    fifth, sixth = (frame.index[frame["plan"] == p][:10] for p in ("第五次環境基本計画(案)", "第六次環境基本計画(案)"))
    frame.loc[sixth, "response"] = frame.loc[fifth, "response"].to_numpy()
    frame = add_groups(frame)
    y = frame["label"].to_numpy()
    responses = frame["response"].map(dedupe_key).to_numpy()
    opinions = frame["opinion"].map(dedupe_key).to_numpy()
    assert len(set(responses)) < len(frame)  # the check below has shared responses to catch
    for train, test in splitter("kfold", frame, split_groups(frame), y):
        assert not (set(responses[train]) - {""}) & set(responses[test])
        assert not set(opinions[train]) & set(opinions[test])


def test_response_groups_span_plans_and_bodies():
    from classifier.dataset import add_groups

    frame = pd.DataFrame({"id": ["a1", "b1", "b2", "c1"], "plan": ["甲", "乙", "乙", "丙"],
                          "opinion": ["x", "y", "z", "w"],
                          "response": ["ご意見として承ります。", "ご意見として<br>承ります", "別の回答", ""]})
    assert add_groups(frame)["response_group"].tolist() == ["a1", "a1", "b2", "c1"]


def test_leave_one_source_out_holds_out_each_source(dataset):
    cv = cross_validate(dataset, "response", "loso", grid=[CONFIG])
    assert sorted(f["held_out"] for f in cv["folds"]) == sorted(dataset["source"].unique())


def test_review_threshold_reaches_target_precision():
    proba = np.zeros((10, 5))
    conf = np.linspace(0.3, 0.95, 10)
    proba[:, 0] = conf
    proba[:, 1:] = ((1 - conf) / 4)[:, None]
    y = np.array(["other"] * 3 + ["adopted"] * 7)  # the 7 most confident are right
    t = review_threshold(proba, y, 0.9)
    assert t["precision_rest"] >= 0.9 and t["review_share"] == 0.3


def test_review_threshold_and_coverage_keep_whole_ties():
    """Rows of one confidence (a form letter's copies) are kept or reviewed together: the row
    ranked first among tied rows must not make the whole tie look precise."""
    from classifier.evaluate import coverage_curve

    proba = np.zeros((10, 5))
    conf = np.array([0.9] * 2 + [0.8] * 6 + [0.5] * 2)
    proba[:, 0] = conf
    proba[:, 1:] = ((1 - conf) / 4)[:, None]
    y = np.array(["adopted"] * 3 + ["other"] * 5 + ["adopted"] * 2)  # the 0.8 tie: 1 right of 6
    t = review_threshold(proba, y, 0.7)
    assert t["precision_rest"] >= 0.7 and t["review_share"] == 0.8 and t["threshold"] == 0.9
    assert coverage_curve(proba, y)["coverage_at_precision"]["70%"]["share"] == 0.2


@pytest.mark.parametrize("x, shown", [(0.0, "0%"), (0.363, "36%"), (0.998, "99.8%"), (0.004, "0.4%"),
                                      (1.0, "100%"), (0.99, "99%"), (0.9996, "99.96%"), (0.003, "0.3%"),
                                      (0.9999999, ">99.999%"), (1e-7, "<0.001%")])
def test_review_shares_never_round_the_kept_rows_away(x, shown):
    """A threshold that keeps one row in 500 must not read as '100 % of rows to check'."""
    from classifier.metrics import share

    assert share(x) == shown


@pytest.mark.parametrize("mode", ["opinion", "response"])
def test_save_load_gives_identical_predictions(dataset, saved_models, mode):
    model = load_model(mode, saved_models)
    sample = dataset.iloc[::25]
    a = model.predict_table(sample)
    b = Model(build_pipeline(mode, CONFIG).fit(dataset, dataset["label"]), mode).predict_table(sample)
    assert a["label"].tolist() == b["label"].tolist()
    assert np.allclose(a["confidence"].astype(float), b["confidence"].astype(float))


def test_tampered_model_is_refused(saved_models, tmp_path):
    import shutil
    for f in saved_models.iterdir():
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "response.skops"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match its model card"):
        load_model("response", tmp_path)


def _copy(saved_models, tmp_path):
    import shutil
    for f in saved_models.iterdir():
        shutil.copy(f, tmp_path / f.name)


@pytest.mark.parametrize("suffix", [".joblib", ".skops", ".pkl"])
def test_a_pickle_payload_with_a_matching_card_does_not_run(saved_models, tmp_path, suffix):
    import json

    from classifier import persist

    _copy(saved_models, tmp_path)
    marker = tmp_path / "ran"
    payload = tmp_path / f"response{suffix}"
    payload.write_bytes(pickle.dumps(_Payload(str(marker))))
    card = json.loads((tmp_path / "response.json").read_text())
    card.update(model_file=payload.name, model_sha256=persist.sha256_file(payload))  # the card vouches for it
    (tmp_path / "response.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="not a skops model file"):
        load_model("response", tmp_path)
    assert not marker.exists()


class _Payload:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_skops_file_with_an_untrusted_type_is_refused_naming_it(saved_models, tmp_path):
    import json
    import os

    import skops.io as sio

    from classifier import persist

    _copy(saved_models, tmp_path)
    path = tmp_path / "response.skops"
    from sklearn.preprocessing import FunctionTransformer

    sio.dump(FunctionTransformer(func=os.system), path)  # a step that would run a shell command
    card = json.loads((tmp_path / "response.json").read_text())
    card["model_sha256"] = persist.sha256_file(path)
    (tmp_path / "response.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match=r"does not trust: .*system"):
        load_model("response", tmp_path)


@pytest.mark.parametrize("mode_bits", [0o644, 0o600])
def test_a_retrained_model_keeps_the_permissions_of_the_file_it_replaces(saved_models, tmp_path, mode_bits):
    import os
    import stat

    from classifier import persist

    _copy(saved_models, tmp_path)
    for f in ("opinion.skops", "opinion.json"):
        os.chmod(tmp_path / f, mode_bits)
    model = load_model("opinion", tmp_path)
    persist.save(model.pipeline, model.card, tmp_path, "opinion")
    for f in ("opinion.skops", "opinion.json"):
        assert stat.S_IMODE((tmp_path / f).stat().st_mode) == mode_bits


def test_missing_card_is_refused(tmp_path):
    with pytest.raises(ModelError, match="pubcom train"):
        load_model("response", tmp_path)


def test_other_library_versions_warn(saved_models, tmp_path):
    import json
    import shutil
    for f in saved_models.iterdir():
        shutil.copy(f, tmp_path / f.name)
    card = json.loads((tmp_path / "opinion.json").read_text())
    card["libraries"]["scikit-learn"] = "0.0.1"
    (tmp_path / "opinion.json").write_text(json.dumps(card))
    with pytest.warns(UserWarning, match="scikit-learn 0.0.1"):
        load_model("opinion", tmp_path)


def test_predict_keeps_every_row_in_order_with_errors(saved_models):
    model = load_model("response", saved_models)
    table = pd.DataFrame({"No.": [1, 2, 3, 4, 5],
                          "ご意見": ["窓口を残して", "", "窓口を残して", "賛成です", None],
                          "県の考え方": ["原案のとおりとします。", "承ります", "原案のとおりとします。", "", "承ります"]})
    out = model.predict_table(table)
    assert out["No."].tolist() == [1, 2, 3, 4, 5]
    assert out["error"].tolist() == ["", "empty opinion (ご意見)", "", "empty response (県の考え方)", "empty opinion (ご意見)"]
    assert out["label"].iloc[0] == out["label"].iloc[2] and out["label"].iloc[0] in ("rejected", "covered", "other")
    assert out["needs_review"].tolist()[1] is True and pd.isna(out["label"].iloc[1])
    assert out.columns.tolist()[-8:] == ["label", "label_ja", "confidence", "label_2", "confidence_2",
                                        "needs_review", "top_terms", "error"]


def test_identical_texts_are_predicted_once(saved_models, monkeypatch):
    model = load_model("opinion", saved_models)
    seen = []
    original = Model.predict_texts
    monkeypatch.setattr(Model, "predict_texts", lambda self, f, progress=False: seen.append(len(f)) or original(self, f))
    out = model.predict_table(pd.DataFrame({"意見": ["同じ意見です"] * 50 + ["ちがう意見", "<p>同じ意見です</p>"]}))
    assert seen == [2] and len(out) == 52
    assert out["label"].nunique() <= 2 and out["label"].iloc[51] == out["label"].iloc[0]


def test_python_api_predict(saved_models):
    model = load_model("response", saved_models)
    opinions = ["窓口を残して", "データを公開して", "計画に賛成です"]
    responses = ["ご意見を踏まえ、本文を修正しました。", "今後、実施段階において検討してまいります。",
                 "ご意見として承ります。"]
    out = model.predict(opinions, responses)
    assert out.columns.tolist() == ["label", "label_ja", "confidence", "label_2", "confidence_2",
                                    "needs_review", "top_terms", "error"]
    assert out["label"].tolist()[:2] == ["adopted", "deferred"]  # the guide's textbook wording
    proba = model.pipeline.predict_proba(pd.DataFrame({"opinion": opinions, "response": responses}))
    # the pipeline's probabilities, after the guide's rule 6 (計画に賛成です is support and nothing else)
    from classifier.model import support_rule

    ruled = support_rule(proba, model.pipeline.classes_, [(), (), ("support",)])
    assert out["confidence"].tolist() == pytest.approx(ruled.max(1).round(3).tolist())
    assert out["confidence"].iloc[2] != pytest.approx(proba[2].max().round(3))  # the rule moved it
    assert (out["label_2"] != out["label"]).all() and (out["confidence_2"] <= out["confidence"]).all()
    assert out["label_ja"].tolist()[:2] == ["反映", "今後検討"]


def test_shipped_default_models_load_and_predict():
    for mode in ("opinion", "response"):
        model = load_model(mode)
        out = model.predict(["計画に賛成です"], ["ご意見として承ります。"] if mode == "response" else None)
        assert out["error"].iloc[0] == "" and out["label"].iloc[0]


def test_staff_corrections_are_used_by_the_next_training(dataset, tmp_path):
    from classifier.corrections import append_correction, pending
    from classifier.train import train

    data = tmp_path / "labeled_opinions.csv"
    dataset.iloc[:150].to_csv(data, index=False)
    corrections = tmp_path / "corrections"
    models = tmp_path / "models"
    cards = train([data], models, modes=("opinion",), grid=[CONFIG])
    assert cards["opinion"]["rows"] == 150
    reach = cards["opinion"]["coverage_at_precision"]  # what staff can leave unreviewed, per precision
    assert set(reach) == {"60%", "70%", "80%", "90%"} and all(0 <= v <= 1 for v in reach.values())
    assert reach["60%"] >= reach["70%"] >= reach["80%"] >= reach["90%"]
    append_correction(corrections, "窓口の手続きを残してほしい", "", "deferred", "other", 0.4, "opinion")
    assert pending(corrections, models) == 1
    cards = train([data, corrections / "corrections.csv"], models, modes=("opinion",), grid=[CONFIG])
    assert cards["opinion"]["rows"] == 151
    assert cards["opinion"]["rows_per_origin"]["annotated"] == (dataset.iloc[:150]["label_origin"] == "annotated").sum() + 1
    assert set(cards["opinion"]["training_data"]) == {"labeled_opinions.csv", "corrections.csv"}


def test_repeated_corrections_of_one_text_last_one_wins(dataset, tmp_path):
    from classifier.corrections import append_correction, read_corrections
    from classifier.train import load_training_data

    corrections = tmp_path / "corrections"
    append_correction(corrections, "窓口を残して", "", "deferred", float("nan"), float("nan"), "opinion")
    append_correction(corrections, "窓口を残して", "", "rejected", "deferred", 0.4, "opinion")
    append_correction(corrections, "窓口を残して", "承ります", "deferred", "", None, "response")
    append_correction(corrections, "窓口を 残して。", "承ります。", "other", "", None, "response")  # same text to staff
    saved = read_corrections(corrections)
    assert saved["original_label"].tolist() == ["", "deferred", "", ""]  # never the text "nan"
    assert saved["original_confidence"].tolist() == ["", "0.400", "", ""]
    frame = load_training_data([corrections / "corrections.csv"])
    assert sorted(zip(frame["response"], frame["label"])) == [("", "rejected"), ("承ります。", "other")]


@pytest.mark.parametrize("suffix, encoding", [(".csv", "cp932"), (".xlsx", None)])
def test_extra_labelled_files_as_staff_keep_them(tmp_path, suffix, encoding):
    from classifier.train import load_training_data

    frame = pd.DataFrame({"ご意見": ["窓口を残して", "", "賛成です"], "市の考え方": ["検討します", "", "ありがとう"],
                          "label": ["deferred", "", "other"], "label_origin": ["annotated", "", "annotated"]})
    path = tmp_path / f"extra{suffix}"
    frame.to_csv(path, index=False, encoding=encoding) if suffix == ".csv" else frame.to_excel(path, index=False)
    out = load_training_data([path])
    assert out[["opinion", "response", "label"]].values.tolist() == [
        ["窓口を残して", "検討します", "deferred"], ["賛成です", "ありがとう", "other"]]


def test_extra_file_errors_name_the_line(tmp_path):
    from classifier import DataFileError
    from classifier.train import load_training_data

    path = tmp_path / "extra.csv"
    path.write_text("opinion,label,label_origin\nA,deferred,annotated\nB,maybe,annotated\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"extra.csv: line 3: unknown label 'maybe'"):
        load_training_data([path])


def test_top_terms_are_readable_and_include_the_phrase_a_rule_matched(saved_models):
    model = load_model("response", saved_models)
    opinions = ["窓口を残してください", "計画に賛成です", "データを公開して"]
    responses = ["今後の施策の参考とさせていただきます。", "原案のとおりとさせていただきます。", "ご意見を踏まえ、本文を修正しました。"]
    out = model.predict(opinions, responses)
    matched = 0
    for r, terms in zip(responses, out["top_terms"]):
        for term in terms.split(" / "):
            assert term not in ("し", "せ", "まし", "する", "為る", "て", "居る", "ます"), terms  # no bare function words
            matched += len(term) > 3 and term in r
    assert matched  # long phrases come from the rules (words are short)
    unmatched = model.predict(["窓口"], ["窓口の電子化は順次進んでいる状況です。"])["top_terms"].iloc[0]
    assert "rule→other" not in unmatched  # no rule said other: the labeler only fell back to it


@pytest.mark.parametrize("types, verdict", [
    (("request", "opposition"), "opposition"),  # opposition comes first in the guide's precedence
    (("wording", "addition", "request"), "wording"),
    (("addition", "request"), "addition"),
    (("question", "support"), "question"),
    (("other",), "other"),
])
def test_request_verdict_is_the_cue_tables_primary_type(types, verdict):
    from classifier.features import RequestVerdict
    from classifier.requests import REQUEST_TYPES

    step = RequestVerdict().fit(None)
    X = step.transform(pd.DataFrame({"opinion_requests": [types]})).toarray()
    assert X.sum() == 1
    assert step.get_feature_names_out()[X[0].argmax()] == f"cue→{verdict}"
    assert len(step.get_feature_names_out()) == len(REQUEST_TYPES)


def test_request_model_has_the_verdict_block_and_pickles():
    from classifier.request_model import build_request_features

    assert "cue_verdict" in dict((n, s) for n, s, _ in build_request_features().transformers)
    assert "cue_verdict" not in dict((n, s) for n, s, _ in build_request_features(verdict_weight=0).transformers)
    assert "opinion_words" not in dict((n, s) for n, s, _ in build_request_features().transformers)
    with_words = build_request_features(words_weight=0.5)
    assert with_words.transformer_weights["opinion_words"] == 0.5
    frame = pd.DataFrame({"opinion_tokens": ["案 に 反対 だ", "修正 為る て 欲しい"],
                          "opinion_requests": [("opposition",), ("wording", "request")]})
    features = build_request_features().fit(frame)
    back = pickle.loads(pickle.dumps(features))
    assert (back.transform(frame) != features.transform(frame)).nnz == 0
    assert "cue_verdict__cue→opposition" in set(features.get_feature_names_out())


@pytest.mark.parametrize("tokens, bodies, min_bodies, kept", [
    (["原案 の とおり", "原案 通り", "篠岡 小学校"], ["A", "B", "C"], 2, ["原案"]),
    (["原案 の とおり", "原案 の まま", "原案 通り"], ["A", "A", "B"], 2, ["原案"]),  # A's rows count once
    (["a b", "b c", "c a"], ["A", "B", "C"], 2, ["a", "b", "c"]),
    (["a b", "b c", "b"], ["A", "B", "C"], 3, ["b"]),
])
def test_shared_vocabulary_keeps_the_words_of_enough_bodies(tokens, bodies, min_bodies, kept):
    from classifier.model import shared_vocabulary

    assert shared_vocabulary(tokens, bodies, min_bodies) == kept


def test_shared_vocabulary_counts_pairs_with_bigrams_and_refuses_an_empty_one():
    from classifier.model import shared_vocabulary

    assert shared_vocabulary(["原案 の とおり", "原案 の まま"], ["A", "B"], 2, bigrams=True) == ["の", "原案", "原案 の"]
    with pytest.raises(ValueError, match="min_bodies=2.*1 body;"):
        shared_vocabulary(["原案 の とおり", "原案 の まま"], ["A", "A"], 2)


def _tiny_training_rows():
    """Two bodies and the guide rows (source "(guide)", as load_training_data sets it), analyzed."""
    frame = pd.DataFrame({"source": ["A", "A", "B", "B", "(guide)"], "label_origin": ["annotated"] * 4 + ["guide"],
                          "response_group": ["1", "2", "3", "4", "5"],
                          "label": ["adopted", "rejected", "adopted", "rejected", "adopted"], "opinion": ["x"] * 5,
                          "response": ["修正 します 追記", "原案 の とおり 篠岡", "修正 する", "原案 通り", "修正 いたします 追記"]})
    analyzed = frame.assign(opinion_tokens="意見", response_tokens=frame["response"],
                            response_last_tokens=frame["response"], response_reading=[()] * 5, response_predicates="")
    return frame, analyzed, frame["label"].to_numpy()


def _fitted_terms(config, block="response_words"):
    from classifier.evaluate import fit_steps

    frame, analyzed, y = _tiny_training_rows()
    model = fit_steps(analyzed, frame, y, np.arange(len(frame)), "response", config)
    return set(model.named_steps["features"].named_transformers_[block].vocabulary_)


def test_min_bodies_leaves_one_bodys_words_out_of_the_fitted_model():
    from dataclasses import replace

    base = replace(CONFIG, stance=False, predicates=False, guide=True)
    assert {"篠岡", "します", "いたします"} <= _fitted_terms(base)
    shared = _fitted_terms(replace(base, min_bodies=2))
    assert "篠岡" not in shared and "します" not in shared  # 小牧's place name, one body's wording
    assert {"修正", "原案", "追記"} <= shared  # 追記: body A and the guide rows, two bodies
    assert "追記" not in _fitted_terms(replace(base, min_bodies=3))


def test_min_bodies_filters_bigrams_and_the_last_sentence_block_too():
    from dataclasses import replace

    config = replace(CONFIG, stance=False, predicates=False, bigrams=True, last_words=True, min_bodies=2)
    for block in ("response_words", "response_last_words"):
        terms = _fitted_terms(config, block)
        assert "原案" in terms and "篠岡" not in terms
        assert not {"とおり 篠岡", "修正 します"} & terms  # one body's pairs
    assert "修正 します" in _fitted_terms(replace(config, min_bodies=1), "response_last_words")


def test_min_bodies_above_the_number_of_bodies_names_the_value():
    from dataclasses import replace

    with pytest.raises(ValueError, match="min_bodies=4.*3 bodies"):
        _fitted_terms(replace(CONFIG, stance=False, predicates=False, min_bodies=4))


@pytest.mark.parametrize("text, grams", [
    ("原案 の とおり", ["原案", "の", "とおり", "原案 の", "の とおり"]),
    ("原案", ["原案"]),
    ("", []),
])
def test_split_bigrams_adds_each_adjacent_pair(text, grams):
    from classifier.text import split_bigrams

    assert split_bigrams(text) == grams


def test_last_sentence_words_are_the_last_sentences_lemmas_and_a_block_when_asked():
    from dataclasses import replace

    from classifier.features import analyze_text
    from classifier.model import build_features
    from classifier.text import normalize

    out = analyze_text(normalize("ご意見ありがとうございます。原案のとおりといたします。"), "response")
    assert out["response_last_tokens"].split()[:2] == ["原案", "通り"]
    assert "意見" in out["response_tokens"].split() and "意見" not in out["response_last_tokens"].split()
    assert analyze_text("", "response")["response_last_tokens"] == ""
    names = lambda cfg: [n for n, _, _ in build_features("response", cfg).transformers]  # noqa: E731
    assert "response_last_words" not in names(CONFIG)
    assert "response_last_words" in names(replace(CONFIG, last_words=True))



@pytest.mark.parametrize("needs_review, flagged", [
    ({"threshold": 0.5, "precision_rest": 0.95}, "by confidence"),
    ({"threshold": 0.0, "precision_rest": 0.95}, "none"),
    ({"threshold": 0.0, "precision_rest": None}, "all"),  # no threshold reached the target: every row, whatever it says
])
def test_needs_review_follows_the_card(saved_models, needs_review, flagged):
    loaded = load_model("response", saved_models)
    model = Model(loaded.pipeline, "response", {**loaded.card, "needs_review": {**needs_review, "target": 0.9}})
    out = model.predict_table(pd.DataFrame({"ご意見": ["窓口を残して", "賛成です", "追記して"],
                                            "県の考え方": ["原案のとおりとします。", "ありがとうございます。", "追記しました。"]}))
    expected = {"by confidence": (out["confidence"] < 0.5).tolist(), "none": [False] * 3, "all": [True] * 3}[flagged]
    assert out["needs_review"].tolist() == expected


def test_top_terms_reads_dense_features_as_sparse(saved_models_with_requests):
    from scipy import sparse

    from classifier.model import top_terms

    model = load_model("request", saved_models_with_requests)
    steps = model.pipeline
    X = steps.named_steps["features"].transform(steps.named_steps["analyze"].transform(
        pd.DataFrame({"opinion": ["この計画に反対です。", "P3の記述を追記してください。"]})))
    classes = steps.named_steps["clf"].predict_proba(X).argmax(1)
    dense = X.toarray() if sparse.issparse(X) else X
    assert top_terms(steps, dense, classes) == top_terms(steps, sparse.csr_matrix(dense), classes)
    assert all(top_terms(steps, dense, classes))


@pytest.mark.parametrize("asks, expected", [
    (("support",), [0.1, 0.2, 0.2, 0.0, 0.5]),           # rejected goes to other; covered stays (rule 4 first)
    (("request", "support"), [0.1, 0.2, 0.2, 0.3, 0.2]),  # it asks for something: as it was
    (("other",), [0.1, 0.2, 0.2, 0.3, 0.2]),
])
def test_support_rule_moves_a_support_only_opinions_rejected_to_other(asks, expected):
    from classifier.model import support_rule

    classes = ["adopted", "covered", "deferred", "rejected", "other"]
    out = support_rule(np.array([[0.1, 0.2, 0.2, 0.3, 0.2]]), classes, [asks])
    assert out[0].tolist() == pytest.approx(expected) and out.sum() == pytest.approx(1)


def test_a_statement_of_support_answered_with_the_draft_is_not_a_rejection(saved_models):
    from classifier.predict import load_model

    model = load_model("response", saved_models)
    out = model.predict(["計画に賛成です。", "この施策は削除すべきです。"], ["原案のとおりとします。", "原案のとおりとします。"])
    assert out["label"].iloc[0] != "rejected" and out["label"].iloc[1] == "rejected"
