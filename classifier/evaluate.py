"""Honest evaluation: grouped k-fold, leave-one-source-out and leave-one-plan-out
cross-validation with nested hyper-parameter selection, baselines, and calibration.

Groups: opinions that are near-identical (``duplicate_group``) or share a response
(``response_group``) are kept on one side of every split. Headline metrics use official and
annotated rows only. Tokenization runs once per token form, not once per fold.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from .labels import LABELS
from .metrics import REFERENCE_ORIGINS, summarize
from .model import GRID, MODES, TokenizeColumns, build_classifier, build_features, grid_for
from .rules import rule_label


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


def tokenize_once(frame: pd.DataFrame, mode: str, forms) -> dict:
    """{form: tokenized DataFrame} — the only place CV calls the tokenizer."""
    return {form: TokenizeColumns(MODES[mode], form).transform(frame) for form in forms}


def _fit_predict(tokenized, y, train, test, mode, config):
    """Fit features + classifier on ``train`` rows of already-tokenized data; probabilities of
    ``test`` rows in LABELS order."""
    proba = np.zeros((len(test), len(LABELS)))
    classes = sorted(set(y[train]))
    if len(classes) == 1:
        proba[:, LABELS.index(classes[0])] = 1.0
        return proba
    model = Pipeline([("features", build_features(mode, config)), ("clf", build_classifier(config))])
    model.fit(tokenized[config.form].iloc[train], y[train])
    p = model.predict_proba(tokenized[config.form].iloc[test])
    for j, c in enumerate(model.named_steps["clf"].classes_):
        proba[:, LABELS.index(c)] = p[:, j]
    return proba


def inner_score(tokenized, y, groups, train, mode, config, n_splits=3) -> float:
    """Grouped CV macro-F1 of ``config`` on the ``train`` rows only."""
    from .metrics import macro_f1

    k = min(n_splits, len(set(groups[train])))
    if k < 2:
        return 0.0
    pred = np.empty(len(train), dtype=object)
    for a, b in GroupKFold(k).split(train, groups=groups[train]):
        proba = _fit_predict(tokenized, y, train[a], train[b], mode, config)
        pred[b] = np.array(LABELS)[proba.argmax(1)]
    return macro_f1(y[train], pred)


def select_config(tokenized, y, groups, train, mode, grid=GRID, n_jobs=1) -> tuple:
    """The config of ``grid`` with the best inner grouped-CV macro-F1 on ``train`` rows."""
    scores = Parallel(n_jobs=n_jobs)(delayed(inner_score)(tokenized, y, groups, train, mode, c) for c in grid)
    best = int(np.argmax(scores))
    return grid[best], float(scores[best])


def splitter(kind: str, frame: pd.DataFrame, groups: np.ndarray, y: np.ndarray, seed: int = 0):
    if kind == "loso":
        return list(LeaveOneGroupOut().split(frame, groups=frame["source"]))
    if kind == "lopo":
        return list(LeaveOneGroupOut().split(frame, groups=frame["plan"]))
    if kind == "kfold":
        return list(StratifiedGroupKFold(5, shuffle=True, random_state=seed).split(frame, y, groups))
    raise ValueError(f"unknown split {kind!r}")


def cross_validate(frame, mode, kind, grid=GRID, tokenized=None, n_jobs=1, progress=None) -> dict:
    """Out-of-fold predictions of the model (config chosen inside each training fold), the
    majority baseline and, in response mode, the rule labeler."""
    frame = frame.reset_index(drop=True)
    y = frame["label"].to_numpy()
    groups = split_groups(frame)
    tokenized = tokenized or tokenize_once(frame, mode, sorted({c.form for c in grid}))
    proba = np.zeros((len(frame), len(LABELS)))
    majority = np.empty(len(frame), dtype=object)
    chosen = []
    for i, (train, test) in enumerate(splitter(kind, frame, groups, y)):
        if progress:
            progress(f"{mode} {kind} fold {i + 1}")
        config, score = select_config(tokenized, y, groups, train, mode, grid, n_jobs)
        chosen.append({"held_out": _held_out(frame, test, kind), "config": config.to_dict(),
                       "inner_macro_f1": round(score, 3), "n_train": len(train), "n_test": len(test)})
        proba[test] = _fit_predict(tokenized, y, train, test, mode, config)
        majority[test] = pd.Series(y[train]).mode()[0]
    out = {"proba": proba, "pred": np.array(LABELS, dtype=object)[proba.argmax(1)],
           "majority": majority, "folds": chosen}
    if mode == "response":
        out["rules"] = np.array([rule_label(r)[0] for r in frame["response"]], dtype=object)
    return out


def _held_out(frame, test, kind):
    if kind == "loso":
        return str(frame["source"].iloc[test[0]])
    if kind == "lopo":
        return str(frame["plan"].iloc[test[0]])
    return f"{len(test)} rows"


def calibration(proba: np.ndarray, y, bins: int = 10) -> dict:
    """Expected calibration error and reliability bins of the top-class confidence."""
    conf = proba.max(1)
    correct = np.array(LABELS, dtype=object)[proba.argmax(1)] == np.asarray(y)
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


def review_threshold(proba: np.ndarray, y, target: float = 0.90) -> dict:
    """The lowest confidence threshold such that rows at or above it are ≥ ``target`` precise;
    rows below it need review. Returns the threshold and the share of rows staff must check."""
    conf = proba.max(1)
    correct = np.array(LABELS, dtype=object)[proba.argmax(1)] == np.asarray(y)
    order = np.argsort(-conf, kind="stable")
    hits = np.cumsum(correct[order])
    precision = hits / np.arange(1, len(order) + 1)
    ok = np.nonzero(precision >= target)[0]
    if not len(ok):
        return {"threshold": 1.0, "review_share": 1.0, "precision_rest": None, "target": target}
    k = int(ok.max()) + 1  # keep the top-k most confident rows
    threshold = float(conf[order[k - 1]])
    kept = conf >= threshold
    return {"threshold": round(threshold, 4), "review_share": round(1 - float(kept.mean()), 3),
            "precision_rest": round(float(correct[kept].mean()), 3), "target": target}


def evaluate_mode(frame: pd.DataFrame, mode: str, grid=GRID, kinds=("loso", "lopo", "kfold"),
                  n_jobs=1, progress=None) -> dict:
    """Every split kind for one mode: metrics of the model and its baselines, per source and
    origin, calibration and the needs-review threshold (from grouped k-fold)."""
    grid = grid_for(mode, grid)
    frame = frame[frame["label"] != ""].reset_index(drop=True)
    if mode == "response":
        frame = frame[frame["response"] != ""].reset_index(drop=True)
    tokenized = tokenize_once(frame, mode, sorted({c.form for c in grid}))
    ref = frame["label_origin"].isin(REFERENCE_ORIGINS).to_numpy()
    result = {}
    for kind in kinds:
        cv = cross_validate(frame, mode, kind, grid, tokenized, n_jobs, progress)
        entry = {"folds": cv["folds"]}
        for name in ("pred", "majority", "rules"):
            if name in cv:
                entry["model" if name == "pred" else name] = summarize(frame[ref], cv[name][ref])
        if (~ref).any():
            entry["rule_origin_rows"] = summarize(frame[~ref], cv["pred"][~ref])
        if kind == "kfold":
            entry["calibration"] = calibration(cv["proba"][ref], frame["label"][ref])
            entry["needs_review"] = review_threshold(cv["proba"][ref], frame["label"][ref])
        result[kind] = entry
    return result
