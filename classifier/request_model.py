"""The request-type model: an opinion → what it asks (wording, addition, request, opposition,
question, support, other), trained on the annotated request types, evaluated leave-one-source-out.

Features: the cue table's reading (request_cues.tsv, as ``ask:<type>`` indicators) and its
verdict (the primary type by the guide's precedence, ``cue→<type>``: measured 0.559 vs 0.552 per
distinct opinion without, nested ECE 0.096 vs 0.136, benchmarks/request_types.py, 2026-12-04). The
opinion's lemmas (TF-IDF) are not features: with them (weight 0.5, shipped until 2026-12-04) every
held-out row got the same type (650 of 650, at C 0.3, 1 and 3); they moved probabilities and a few
inner-fold predictions, hence other choices of C and temperature, and the words were most of the
model's time. The model is therefore a learned mapping from what the cue
table reads to a primary type, and shares the cue table's optimism (the table was written from
every body's annotated phrases). Logistic regression, each body the same total
weight, each request type the same total (``balance`` 1; benchmarks/request_types.py measures
other settings), probabilities calibrated by a temperature fitted on inner leave-one-source-out
predictions.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import LeaveOneGroupOut
from sklearn.pipeline import Pipeline

from .evaluate import analyze_once, calibration, review_threshold
from .features import AnalyzeColumns, CrossFeatures, RequestVerdict
from .metrics import REFERENCE_ORIGINS, headline, macro_f1, summarize
from .model import Tempered, tfidf, fit_temperature
from .requests import REQUEST_TYPES, primary
from .weights import sample_weights

# settings (C, balance[, words]) chosen among by inner leave-one-source-out; balance is sample_weights'
# ``balanced`` (1: each request type the same total weight, as question, support and other are rare);
# words, the weight of the opinion's words (build_request_features' words_weight; absent: 0)
GRID = ((0.3, 1.0), (1.0, 1.0), (3.0, 1.0))


def _words(setting) -> float:
    return float(setting[2]) if len(setting) > 2 else 0.0
GUIDE_ROWS = Path(__file__).resolve().parents[1] / "data" / "request_guide_rows.csv"


def request_frame(frame: pd.DataFrame, guide=None) -> pd.DataFrame:
    """The dataset's rows as request-type training rows: label = request_type, label_origin =
    request_origin; a response-group column set to the opinion's form-letter group, so each distinct
    opinion counts once wherever rows are collapsed. ``guide``: a file of guide rows (id,
    request_type, request_types, opinion, note), trained on as their own body, never scored."""
    rows = frame[(frame["opinion"] != "") & frame["request_type"].isin(REQUEST_TYPES)]
    rows = rows.assign(label=rows["request_type"], label_origin=rows["request_origin"],
                       response_group=rows["duplicate_group"])
    if guide is not None and Path(guide).exists():
        g = pd.read_csv(guide, dtype=str, keep_default_na=False)
        g = g.assign(label=g["request_type"], label_origin="guide", source="(guide)", plan="(guide)",
                     response_group=g["id"], duplicate_group=g["id"])
        rows = pd.concat([rows, g[[c for c in g.columns if c in rows.columns or c == "label"]]], ignore_index=True)
    return rows.fillna("").reset_index(drop=True)


def build_request_features(verdict_weight: float = 4.0, bigrams: bool = False,
                           words_weight: float = 0.0) -> ColumnTransformer:
    """The types the cue table found, its primary type (weighted ``verdict_weight``; 0: left out)
    and, with ``words_weight`` above 0, the opinion's words (``bigrams``: and adjacent lemma pairs).
    Shipped without the words: at weight 0, 0.25 and 0.5 every held-out row gets the same type, at
    1 within noise (benchmarks/request_types.py), and the words took most of the model's time."""
    blocks = [("asks", CrossFeatures(), ["opinion_requests"])]
    weights = {"asks": 4.0}
    if words_weight:
        blocks.insert(0, ("opinion_words", tfidf(bigrams), "opinion_tokens"))
        weights["opinion_words"] = words_weight
    if verdict_weight:
        blocks.append(("cue_verdict", RequestVerdict(), ["opinion_requests"]))
        weights["cue_verdict"] = verdict_weight
    # sparse whatever the density (sparse_threshold 1; the default 0.3 would turn a denser cue block dense)
    return ColumnTransformer(blocks, transformer_weights=weights, sparse_threshold=1.0)


def build_request_pipeline(C: float = 1.0, temperature: float = 1.0) -> Pipeline:
    return Pipeline([("analyze", AnalyzeColumns(("opinion",))), ("features", build_request_features()),
                     ("clf", Tempered(LogisticRegression(C=C, max_iter=5000), temperature))])


def _fit(analyzed, frame, train, setting, temperature=1.0) -> Pipeline:
    C, balance = setting[:2]
    y = frame["label"].to_numpy()
    w = sample_weights(frame.iloc[train], response=True, body=True, balanced=balance)
    steps = Pipeline([("features", build_request_features(words_weight=_words(setting))),
                      ("clf", Tempered(LogisticRegression(C=C, max_iter=5000), temperature))])
    return steps.fit(analyzed.iloc[train], y[train], clf__sample_weight=w)


def _predict(model, analyzed, test) -> np.ndarray:
    proba = np.zeros((len(test), len(REQUEST_TYPES)))
    p = model.predict_proba(analyzed.iloc[test])
    for j, c in enumerate(model.named_steps["clf"].classes_):
        proba[:, REQUEST_TYPES.index(c)] = p[:, j]
    return proba


def source_folds(frame, rows):
    """Leave-one-source-out over the non-guide ``rows``; guide rows on every training side."""
    guide = rows[frame["label_origin"].to_numpy()[rows] == "guide"]
    real = np.setdiff1d(rows, guide)
    for a, b in LeaveOneGroupOut().split(real, groups=frame["source"].to_numpy()[real]):
        yield np.union1d(real[a], guide), real[b]


def _loso(analyzed, frame, rows, setting, temperature=1.0) -> tuple:
    """Leave-one-source-out (rows tested, their probabilities) over ``rows``."""
    tested, probas = [], []
    for train, test in source_folds(frame, rows):
        tested.append(test)
        probas.append(_predict(_fit(analyzed, frame, train, setting, temperature), analyzed, test))
    return np.concatenate(tested), np.concatenate(probas)


def select(analyzed, frame, rows, grid=GRID) -> tuple:
    """((C, balance), temperature, inner score): the setting of ``grid`` with the best inner
    leave-one-source-out macro-F1 (the first of equals), temperature fitted on its inner predictions."""
    y = frame["label"].to_numpy()
    runs = {s: _loso(analyzed, frame, rows, s) for s in grid}
    scores = {s: macro_f1(y[t], np.array(REQUEST_TYPES)[p.argmax(1)], REQUEST_TYPES) for s, (t, p) in runs.items()}
    best = max(scores, key=scores.get)
    tested, proba = runs[best]
    return best, fit_temperature(proba, y[tested], REQUEST_TYPES), scores[best]


def evaluate_requests(dataset: pd.DataFrame, n_boot: int = 1000, progress=None, guide=GUIDE_ROWS,
                      grid=GRID) -> dict:
    """Leave-one-source-out evaluation of the request-type model (its setting from ``grid`` and
    the temperature chosen inside each training fold), the cue table alone and the majority: per
    row and per distinct opinion, pooled and per body, with intervals; calibration; the review
    threshold."""
    frame = request_frame(dataset, guide)
    analyzed = analyze_once(frame, "opinion")
    y = frame["label"].to_numpy()
    proba = np.zeros((len(frame), len(REQUEST_TYPES)))
    majority = np.empty(len(frame), dtype=object)
    folds = []
    for train, test in source_folds(frame, np.arange(len(frame))):
        held = str(frame["source"].iloc[test[0]])
        if progress:
            progress(f"request types: holding out {held}")
        setting, temperature, score = select(analyzed, frame, train, grid)
        proba[test] = _predict(_fit(analyzed, frame, train, setting, temperature), analyzed, test)
        majority[test] = pd.Series(y[train]).mode()[0]
        folds.append({"held_out": held, "C": setting[0], "balance": setting[1], "words": _words(setting),
                      "temperature": temperature,
                      "inner_macro_f1": round(score, 3), "n_train": len(train), "n_test": len(test)})
    ref = frame["label_origin"].isin(REFERENCE_ORIGINS).to_numpy()
    scored = frame[ref]
    cues = np.array([primary(types) for types in analyzed["opinion_requests"]], dtype=object)
    kw = {"n_boot": n_boot, "labels": REQUEST_TYPES}
    return {"folds": folds,
            "headline": {"model": headline(scored, proba=proba[ref], **kw),
                         "cue table": headline(scored, pred=cues[ref], **kw),
                         "majority": headline(scored, pred=majority[ref], **kw)},
            "model": summarize(scored, np.array(REQUEST_TYPES, dtype=object)[proba[ref].argmax(1)], REQUEST_TYPES),
            "calibration": calibration(proba[ref], y[ref], labels=REQUEST_TYPES),
            "needs_review": review_threshold(proba[ref], y[ref], labels=REQUEST_TYPES)}


def train_requests(dataset: pd.DataFrame, guide=GUIDE_ROWS) -> tuple:
    """(pipeline fitted on every annotated request type and the guide rows, card facts)."""
    frame = request_frame(dataset, guide)
    analyzed = analyze_once(frame, "opinion")
    everything = np.arange(len(frame))
    setting, temperature, score = select(analyzed, frame, everything)
    tested, proba = _loso(analyzed, frame, everything, setting, temperature)
    y = frame["label"].to_numpy()
    y_tested = y[tested]
    steps = _fit(analyzed, frame, everything, setting, temperature)
    pipeline = Pipeline([("analyze", AnalyzeColumns(("opinion",))), *steps.steps])
    card = {"mode": "request", "columns": ["opinion"], "target": "request_type", "rows": int(len(frame)),
            "rows_per_label": {t: int((y == t).sum()) for t in REQUEST_TYPES},
            "rows_per_source": {str(k): int(v) for k, v in frame["source"].value_counts().sort_index().items()},
            "config": {"C": setting[0], "balance": setting[1], "words": _words(setting), "classifier": "lr",
                       "blocks": [name for name, _, _ in steps.named_steps["features"].transformers]},
            "temperature": temperature,
            "cv": {"method": "leave-one-source-out on the training data, C and balance chosen by the same split (optimistic)",
                   "macro_f1_per_opinion": round(macro_f1(y_tested, np.array(REQUEST_TYPES)[proba.argmax(1)],
                                                          REQUEST_TYPES), 3),
                   "ece": calibration(proba, y_tested, labels=REQUEST_TYPES)["ece"],
                   "selection_score": round(score, 3)},
            "needs_review": review_threshold(proba, y_tested, labels=REQUEST_TYPES),
            "labels": list(pipeline.named_steps["clf"].classes_)}
    return pipeline, card
