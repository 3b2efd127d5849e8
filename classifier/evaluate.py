"""Honest evaluation: leave-one-source-out (the headline), leave-one-plan-out and grouped k-fold
cross-validation, with the configuration chosen inside each training fold by leave-one-source-out
over the training bodies, baselines, intervals and calibration.

Groups: opinions that are near-identical (``duplicate_group``) or share a response
(``response_group``) are kept on one side of every split. Guide rows (``label_origin=guide``) are
on the training side of every split and never scored; only official and annotated rows are scored.
Analysis (MeCab) runs once, not once per fold.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from .labels import LABELS
from .metrics import REFERENCE_ORIGINS, headline, macro_f1, per_response, summarize
from .model import (GRID, MODES, Config, build_classifier, build_features, fit_temperature, grid_for,
                    shared_vocabulary, support_rule)
from .report import share_check
from .weights import sample_weights

GUIDE = "guide"
KINDS = ("loso", "lopo", "kfold")


def split_groups(frame: pd.DataFrame) -> np.ndarray:
    """One group id per row: connected components of duplicate_group ∪ response_group."""
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(frame["duplicate_group"], frame["response_group"]):
        parent[find("d:" + a)] = find("r:" + b)
    roots = [find("d:" + a) for a in frame["duplicate_group"]]
    codes = {r: i for i, r in enumerate(dict.fromkeys(roots))}
    return np.array([codes[r] for r in roots])


def analyze_once(frame: pd.DataFrame, mode: str) -> pd.DataFrame:
    """The analyzed columns of every row — the only place cross-validation calls MeCab."""
    from .features import AnalyzeColumns

    return AnalyzeColumns(MODES[mode]).transform(frame)


def fit_steps(analyzed, frame, y, train, mode, config: Config, temperature: float = 1.0) -> Pipeline:
    """features + classifier fitted on the ``train`` rows of already-analyzed data, weighted as
    ``config`` says (guide rows left out when config.guide is off)."""
    train = np.asarray(train)
    if not config.guide:
        train = train[(frame["label_origin"].to_numpy()[train] != GUIDE)]
    weights = sample_weights(frame.iloc[train], config.weight_response, config.weight_body, config.balanced)
    vocabulary = None
    if config.min_bodies > 1:  # only the words that several training bodies use
        # bodies by source: the guide rows are one ("(guide)"), rows of no known source another ("")
        bodies = frame["source"].astype(str).to_numpy()[train]

        def vocabulary(column):
            return shared_vocabulary(analyzed[column].to_numpy()[train], bodies, config.min_bodies, config.bigrams)
    model = Pipeline([("features", build_features(mode, config, vocabulary)),
                      ("clf", build_classifier(config, temperature))])
    model.fit(analyzed.iloc[train], y[train], clf__sample_weight=weights)
    return model


def fit_predict(analyzed, frame, y, train, test, mode, config, also=(), temperature=1.0) -> np.ndarray:
    """Probabilities (LABELS order) of the ``test`` rows from a model fitted on ``train``; with
    ``also`` (other analyses of the same rows, e.g. restyled), a list: one array per analysis."""
    classes = sorted(set(y[train]))
    model = fit_steps(analyzed, frame, y, train, mode, config, temperature) if len(classes) > 1 else None
    out = []
    for data in (analyzed, *also):
        proba = np.zeros((len(test), len(LABELS)))
        if model is None:
            proba[:, LABELS.index(classes[0])] = 1.0
        else:
            p = model.predict_proba(data.iloc[test])
            for j, c in enumerate(model.named_steps["clf"].classes_):
                proba[:, LABELS.index(c)] = p[:, j]
        out.append(proba)
    return out if also else out[0]


def always_train(frame) -> np.ndarray:
    """Rows on the training side of every split, never scored: the guide rows, and labelled rows of
    no known body (extra files and staff corrections without a source); rows of a body are held out
    with it."""
    return (frame["label_origin"].to_numpy() == GUIDE) | (frame["source"].astype(str).to_numpy() == "")


def _with_guide(frame, train, test):
    guide = np.nonzero(always_train(frame))[0]
    return np.union1d(train, guide), np.setdiff1d(test, guide)


def splitter(kind: str, frame: pd.DataFrame, groups: np.ndarray, y: np.ndarray, seed: int = 0) -> list:
    """(train, test) index pairs of split ``kind``; guide rows on the training side of each."""
    real = np.nonzero(~always_train(frame))[0]
    sub = frame.iloc[real]
    if kind == "loso":
        parts = LeaveOneGroupOut().split(sub, groups=sub["source"])
    elif kind == "lopo":
        parts = LeaveOneGroupOut().split(sub, groups=sub["plan"])
    elif kind == "kfold":
        parts = StratifiedGroupKFold(5, shuffle=True, random_state=seed).split(sub, y[real], groups[real])
    else:
        raise ValueError(f"unknown split {kind!r}; expected one of {', '.join(KINDS)}")
    return [_with_guide(frame, real[a], real[b]) for a, b in parts]


def inner_predictions(analyzed, frame, y, groups, train, mode, config) -> tuple:
    """Leave-one-source-out probabilities of ``config`` for the non-guide ``train`` rows (grouped
    3-fold when they hold a single body): (those rows, their probabilities)."""
    train = np.asarray(train)
    real = train[~always_train(frame)[train]]
    sources = frame["source"].to_numpy()[real]
    if len(set(sources)) >= 2:
        parts = LeaveOneGroupOut().split(real, groups=sources)
    else:
        k = min(3, len(set(groups[real])))
        parts = GroupKFold(k).split(real, groups=groups[real]) if k >= 2 else []
    guide = np.setdiff1d(train, real)
    proba = np.full((len(real), len(LABELS)), 1.0 / len(LABELS))
    for a, b in parts:
        proba[b] = fit_predict(analyzed, frame, y, np.union1d(real[a], guide), real[b], mode, config)
    return real, proba


def _score(frame, rows, proba) -> float:
    """Macro-F1 per distinct response on the official + annotated ``rows``."""
    scored = frame.iloc[rows]
    ref = scored["label_origin"].isin(REFERENCE_ORIGINS).to_numpy()
    resp, resp_proba = per_response(scored[ref], proba[ref])
    return macro_f1(resp["label"], np.array(LABELS, dtype=object)[resp_proba.argmax(1)])


def select_config(analyzed, frame, y, groups, train, mode, grid=GRID, n_jobs=1) -> tuple:
    """The config of ``grid`` with the best inner leave-one-source-out macro-F1 per distinct
    response on ``train`` rows, its score, and the temperature that calibrates its inner
    predictions: (config, score, temperature)."""
    runs = Parallel(n_jobs=n_jobs if len(grid) > 1 else 1)(
        delayed(inner_predictions)(analyzed, frame, y, groups, train, mode, c) for c in grid)
    scores = [_score(frame, rows, proba) for rows, proba in runs]
    best = int(np.argmax(scores))
    rows, proba = runs[best]
    return grid[best], float(scores[best]), fit_temperature(proba, y[rows], LABELS)


def trainable(frame: pd.DataFrame, mode: str) -> pd.DataFrame:
    """Rows a model of ``mode`` can learn from or be scored on."""
    keep = frame["label"].isin(LABELS) & ((frame["opinion"] != "") | (frame["label_origin"] == GUIDE))
    if mode == "response":
        keep &= frame["response"] != ""
    return frame[keep].reset_index(drop=True)


def cross_validate(frame, mode, kind, grid=GRID, analyzed=None, n_jobs=1, progress=None, restyled=None) -> dict:
    """Out-of-fold probabilities of the model (config chosen inside each training fold), the
    majority baseline and, in response mode, the rule labeler. ``restyled``: {style: analysis of
    the same rows with their responses rewritten in that style}; each fold's model also predicts
    those (``proba_<style>``), for the perturbation test."""
    frame = frame.reset_index(drop=True)
    y = frame["label"].to_numpy()
    groups = split_groups(frame)
    analyzed = analyze_once(frame, mode) if analyzed is None else analyzed
    restyled = restyled or {}
    proba = np.zeros((len(frame), len(LABELS)))
    styled = {s: np.zeros((len(frame), len(LABELS))) for s in restyled}
    majority = np.empty(len(frame), dtype=object)
    chosen, tested = [], np.zeros(len(frame), dtype=bool)
    for i, (train, test) in enumerate(splitter(kind, frame, groups, y)):
        if progress:
            progress(f"{mode} {kind} fold {i + 1}: {_held_out(frame, test, kind)}")
        config, score, temperature = select_config(analyzed, frame, y, groups, train, mode, grid, n_jobs)
        chosen.append({"held_out": _held_out(frame, test, kind), "C": config.C, "classifier": config.classifier,
                       "temperature": temperature, "inner_macro_f1": round(score, 3), "n_train": len(train),
                       "n_test": len(test)})
        probas = fit_predict(analyzed, frame, y, train, test, mode, config, tuple(restyled.values()), temperature)
        proba[test] = probas[0] if restyled else probas
        for k, style in enumerate(restyled):
            styled[style][test] = probas[k + 1]
        majority[test] = pd.Series(y[train]).mode()[0]
        tested[test] = True
    # the guide's rule 6 after the model, as predict_chunk applies it: on the outer predictions only, so the
    # inner selection and the temperature see the classifier's own probabilities, as training does
    proba = support_rule(proba, LABELS, analyzed["opinion_requests"])
    styled = {s: support_rule(p, LABELS, restyled[s]["opinion_requests"]) for s, p in styled.items()}
    out = {"proba": proba, "pred": np.array(LABELS, dtype=object)[proba.argmax(1)],
           "majority": majority, "folds": chosen, "tested": tested}
    if mode == "response":
        out["rules"] = np.array([r.label for r in analyzed["response_reading"]], dtype=object)
    for style, a in restyled.items():
        out[f"proba_{style}"] = styled[style]
        out[f"rules_{style}"] = np.array([r.label for r in a["response_reading"]], dtype=object)
    return out


def restyle_analyses(frame: pd.DataFrame, mode: str) -> dict:
    """{style: the rows analyzed with their responses rewritten in that style (restyle.tsv)}."""
    from .restyle import restyle, shipped_styles

    if mode != "response":
        return {}
    return {style: analyze_once(frame.assign(response=[restyle(r, style) for r in frame["response"]]), mode)
            for style in shipped_styles()}


def perturbation(scored, cv, ref, n_boot) -> dict:
    """Macro-F1 per distinct response before and after each restyling, and the loss, for the
    model and the rule labeler."""
    out = {}
    base = {"model": headline(scored, proba=cv["proba"][ref], n_boot=n_boot)["response"]["macro_f1"],
            "rules": headline(scored, pred=cv["rules"][ref], n_boot=n_boot)["response"]["macro_f1"]}
    for key in cv:
        if key.startswith("proba_"):
            style = key.removeprefix("proba_")
            model = headline(scored, proba=cv[key][ref], n_boot=n_boot)["response"]["macro_f1"]
            rules = headline(scored, pred=cv[f"rules_{style}"][ref], n_boot=n_boot)["response"]["macro_f1"]
            out[style] = {"model": model, "model_loss": round(base["model"] - model, 3),
                          "rules": rules, "rules_loss": round(base["rules"] - rules, 3)}
    return out


def _held_out(frame, test, kind):
    if kind == "loso":
        return str(frame["source"].iloc[test[0]])
    if kind == "lopo":
        return str(frame["plan"].iloc[test[0]])
    return f"{len(test)} rows"


def calibration(proba: np.ndarray, y, bins: int = 10, labels=LABELS) -> dict:
    """Expected calibration error and reliability bins of the top-class confidence."""
    conf = proba.max(1)
    correct = np.array(labels, dtype=object)[proba.argmax(1)] == np.asarray(y)
    edges = np.linspace(0, 1, bins + 1)
    rows, ece = [], 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if m.sum():
            acc, mean = float(correct[m].mean()), float(conf[m].mean())
            ece += m.sum() / len(conf) * abs(acc - mean)
            rows.append({"low": round(float(lo), 2), "high": round(float(hi), 2), "n": int(m.sum()),
                         "confidence": round(mean, 3), "accuracy": round(acc, 3)})
    return {"ece": round(float(ece), 4), "bins": rows}


# needs_review flags rows below this precision: the response model 90 %; the opinion model, weaker, 70 %
REVIEW_TARGET = {"response": 0.90, "opinion": 0.70}


def _ranked(proba: np.ndarray, y, labels) -> tuple:
    """(confidence, order most confident first, precision of the top-k rows for every k, and
    whether k ends a run of tied confidences): a threshold can only keep whole ties."""
    conf = proba.max(1)
    correct = np.array(labels, dtype=object)[proba.argmax(1)] == np.asarray(y)
    order = np.argsort(-conf, kind="stable")
    precision = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    ranked = conf[order]
    boundary = np.append(ranked[1:] < ranked[:-1], True) if len(order) else np.zeros(0, dtype=bool)
    return conf, correct, order, precision, boundary


def review_threshold(proba: np.ndarray, y, target: float = 0.90, labels=LABELS) -> dict:
    """The lowest confidence threshold such that rows at or above it are ≥ ``target`` precise;
    rows below it need review. Returns the threshold and the share of rows staff must check."""
    conf, correct, order, precision, boundary = _ranked(proba, y, labels)
    ok = np.nonzero((precision >= target) & boundary)[0]
    if not len(ok):
        return {"threshold": 1.0, "review_share": 1.0, "precision_rest": None, "target": target}
    k = int(ok.max()) + 1  # keep the top-k most confident rows (whole ties)
    threshold = float(conf[order[k - 1]])
    kept = conf >= threshold
    return {"threshold": round(threshold, 4), "review_share": round(1 - float(kept.mean()), 3),
            "precision_rest": round(float(correct[kept].mean()), 3), "target": target}


def coverage_curve(proba: np.ndarray, y, labels=LABELS, targets=(0.6, 0.7, 0.8, 0.9)) -> dict:
    """How many rows the model can label when it abstains below a confidence: the precision of the
    most confident rows at every coverage (10 %, 20 %, … of rows), and, for each target precision,
    the largest share of rows it reaches (0 when none)."""
    conf, correct, order, precision, boundary = _ranked(proba, y, labels)
    n = len(order)
    curve = [{"coverage": round(c, 2), "precision": round(float(precision[max(int(c * n) - 1, 0)]), 3),
              "threshold": round(float(conf[order[max(int(c * n) - 1, 0)]]), 4)}
             for c in np.linspace(0.1, 1.0, 10)] if n else []
    reach = {}
    for t in targets:
        ok = np.nonzero((precision >= t) & boundary)[0]
        k = int(ok.max()) + 1 if len(ok) else 0
        reach[f"{t:.0%}"] = {"share": round(k / n, 3) if n else 0.0,
                             "threshold": round(float(conf[order[k - 1]]), 4) if k else None}
    return {"curve": curve, "coverage_at_precision": reach}


def evaluate_mode(frame: pd.DataFrame, mode: str, grid=GRID, kinds=KINDS, n_jobs=1, progress=None,
                  n_boot: int = 1000) -> dict:
    """Every split kind for one mode: the headline figures (per opinion and per distinct response,
    pooled and per body, with intervals) of the model and its baselines, full summaries,
    calibration and the needs-review threshold."""
    grid = grid_for(mode, grid)
    frame = trainable(frame, mode)
    analyzed = analyze_once(frame, mode)
    result = {}
    for kind in kinds:
        restyled = restyle_analyses(frame, mode) if kind == "loso" else None
        cv = cross_validate(frame, mode, kind, grid, analyzed, n_jobs, progress, restyled)
        ref = (frame["label_origin"].isin(REFERENCE_ORIGINS).to_numpy()) & cv["tested"]
        scored = frame[ref]
        entry = {"folds": cv["folds"], "headline": {"model": headline(scored, proba=cv["proba"][ref], n_boot=n_boot)}}
        for name in ("majority", "rules"):
            if name in cv:
                entry["headline"][name] = headline(scored, pred=cv[name][ref], n_boot=n_boot)
        for name in ("pred", "majority", "rules"):
            if name in cv:
                entry["model" if name == "pred" else name] = summarize(scored, cv[name][ref])
        rule_rows = (frame["label_origin"] == "rule").to_numpy() & cv["tested"]
        if rule_rows.any():
            entry["rule_origin_rows"] = summarize(frame[rule_rows], cv["pred"][rule_rows])
        if restyled:
            entry["perturbation"] = perturbation(scored, cv, ref, n_boot=10)
        if kind == "loso":  # every scored row's out-of-fold prediction, to read the errors;
            # how each deferral-share estimator does on the held-out plans (pubcom report chooses by it)
            entry["deferral_shares"] = share_check(scored, cv["pred"][ref])
            p = cv["proba"][ref]
            entry["predictions"] = [{"id": i, "source": src, "label": l, "prediction": LABELS[k], "confidence":
                                     round(float(c), 3)} for i, src, l, k, c in
                                    zip(scored["id"], scored["source"], scored["label"], p.argmax(1), p.max(1))]
        entry["calibration"] = calibration(cv["proba"][ref], scored["label"])
        entry["coverage"] = coverage_curve(cv["proba"][ref], scored["label"])
        entry["needs_review"] = review_threshold(cv["proba"][ref], scored["label"], REVIEW_TARGET[mode])
        result[kind] = entry
    return result
