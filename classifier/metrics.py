"""Scores of a labelling against the reference labels, per source and per origin."""
from __future__ import annotations

import pandas as pd
from sklearn.metrics import f1_score

from .labels import LABELS

REFERENCE_ORIGINS = ("official", "annotated")


def macro_f1(y_true, y_pred, labels=LABELS) -> float:
    """Macro-F1 over the labels present in either y_true or y_pred."""
    present = [l for l in labels if l in set(y_true) | set(y_pred)]
    return float(f1_score(list(y_true), list(y_pred), labels=present, average="macro", zero_division=0))


def scores_by(frame: pd.DataFrame, pred_col: str, by=("source",)) -> pd.DataFrame:
    """Macro-F1 and accuracy of ``pred_col`` against ``label`` on official + annotated rows,
    per group of ``by``, plus an ``(all)`` row."""
    ref = frame[frame["label_origin"].isin(REFERENCE_ORIGINS)]
    rows = []
    for key, g in list(ref.groupby(list(by), sort=True)) + [(("(all)",) * len(by), ref)]:
        key = key if isinstance(key, tuple) else (key,)
        rows.append(dict(zip(by, key), n=len(g), macro_f1=round(macro_f1(g["label"], g[pred_col]), 3),
                         accuracy=round(float((g["label"] == g[pred_col]).mean()), 3)))
    return pd.DataFrame(rows)


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a GitHub Markdown table (no extra dependency)."""
    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def share(x: float) -> str:
    """A share as a percentage with as many decimals as keep it off 0 % and 100 % when it is
    neither: one row in 500 kept is 99.8 %, not 100 %; 0.3 % is not 0 %."""
    for digits in range(4):
        shown = f"{x:.{digits}%}"
        if not 0 < x < 1 or float(shown[:-1]) not in (0.0, 100.0):
            return shown
    return "<0.001%" if x < 0.5 else ">99.999%"


def summarize(frame: pd.DataFrame, pred, labels=LABELS) -> dict:
    """Macro-F1, accuracy, per-class precision/recall, confusion matrix, and macro-F1 per source
    and per origin of predictions ``pred`` against ``frame['label']``."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    y = frame["label"].to_numpy()
    pred = pd.Series(list(pred), index=frame.index, dtype=object)
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=list(labels), zero_division=0)
    out = {
        "n": int(len(y)),
        "macro_f1": round(macro_f1(y, pred, labels), 3),
        "accuracy": round(float((y == pred.to_numpy()).mean()), 3) if len(y) else None,
        "per_class": {l: {"precision": round(float(p[i]), 3), "recall": round(float(r[i]), 3),
                          "f1": round(float(f[i]), 3), "support": int(s[i])} for i, l in enumerate(labels)},
        "confusion": {"labels": list(labels),
                      "matrix": confusion_matrix(y, pred, labels=list(labels)).tolist()},
    }
    for col in ("source", "label_origin"):
        out[f"by_{col}"] = {str(k): {"n": int(len(g)), "macro_f1": round(macro_f1(g["label"], pred[g.index], labels), 3),
                                     "accuracy": round(float((g["label"] == pred[g.index]).mean()), 3)}
                            for k, g in frame.groupby(col, sort=True)}
    return out


# -- per distinct response, and intervals -------------------------------------------------------
def per_response(frame: pd.DataFrame, proba) -> tuple:
    """Collapse rows to distinct responses: (frame of one row per (source, response_group), their
    probabilities = the mean over the group's rows). A response answering 44 opinions counts once."""
    import numpy as np

    key = (frame["source"].astype(str) + "\x00" + frame["response_group"].astype(str)).to_numpy()
    codes, first = np.unique(key, return_index=True)
    inverse = np.searchsorted(codes, key)
    proba = np.asarray(proba, dtype=float)
    sums = np.zeros((len(codes), proba.shape[1]))
    np.add.at(sums, inverse, proba)
    counts = np.bincount(inverse, minlength=len(codes))[:, None]
    order = np.argsort(first)  # keep document order
    return frame.iloc[first[order]], (sums / counts)[order]


def _macro_f1_from_confusion(conf) -> "np.ndarray":
    """Macro-F1 of each of a stack of confusion matrices (…, L, L), over the labels present in
    truth or prediction, as macro_f1 does."""
    import numpy as np

    tp = np.diagonal(conf, axis1=-2, axis2=-1)
    true, pred = conf.sum(-1), conf.sum(-2)
    present = (true + pred) > 0
    f1 = np.where(present, 2 * tp / np.maximum(true + pred, 1), 0.0)
    return f1.sum(-1) / np.maximum(present.sum(-1), 1)


def bootstrap_macro_f1(y, pred, clusters, strata=None, n: int = 1000, seed: int = 0, labels=LABELS) -> tuple:
    """95 % cluster-bootstrap interval of macro-F1: clusters (response groups) are resampled with
    replacement, within each stratum (body) when given, ``n`` times."""
    import numpy as np

    y, pred, clusters = (np.asarray(a) for a in (y, pred, clusters))
    if not len(y):
        return (None, None)
    code = {l: k for k, l in enumerate(labels)}
    L = len(labels)
    cell = np.array([code[a] * L + code[b] for a, b in zip(y, pred)])
    ids, inverse = np.unique(clusters, return_inverse=True)
    per_cluster = np.zeros((len(ids), L ** 2))
    np.add.at(per_cluster, (inverse, cell), 1)
    strata = np.zeros(len(ids), dtype=int) if strata is None else \
        np.unique(np.asarray(strata), return_inverse=True)[1][np.unique(inverse, return_index=True)[1]]
    rng = np.random.default_rng(seed)
    counts = np.zeros((n, len(ids)))
    for s in np.unique(strata):
        members = np.nonzero(strata == s)[0]
        draws = rng.integers(0, len(members), size=(n, len(members)))
        np.add.at(counts, (np.repeat(np.arange(n), len(members)), members[draws].ravel()), 1)
    conf = (counts @ per_cluster).reshape(n, L, L)
    scores = _macro_f1_from_confusion(conf)
    return (round(float(np.percentile(scores, 2.5)), 3), round(float(np.percentile(scores, 97.5)), 3))


def headline(frame: pd.DataFrame, proba=None, pred=None, n_boot: int = 1000, labels=LABELS,
             cluster_col: str = "response_group") -> dict:
    """Macro-F1 per opinion and per distinct response, pooled and per body, each with its 95 %
    cluster-bootstrap interval (resampling response groups), and the mean over bodies. Give the
    model's ``proba`` (``labels`` order), or a fixed ``pred`` label per row (rules, majority). For
    another target than the response label (request types), give its ``labels`` and the column
    whose groups are resampled."""
    import numpy as np

    if proba is None:
        proba = np.array([[float(p == l) for l in labels] for p in pred])
    proba = np.asarray(proba, dtype=float)
    out = {}
    resp_frame, resp_proba = per_response(frame.assign(response_group=frame[cluster_col]), proba)
    for unit, f, p in (("opinion", frame, proba), ("response", resp_frame, resp_proba)):
        y = f["label"].to_numpy()
        hat = np.array(labels, dtype=object)[p.argmax(1)]
        clusters = (f["source"].astype(str) + "\x00" + f[cluster_col].astype(str)).to_numpy()
        bodies = {}
        for body in sorted(set(f["source"])):
            m = (f["source"] == body).to_numpy()
            bodies[body] = {"n": int(m.sum()), "macro_f1": round(macro_f1(y[m], hat[m], labels), 3),
                            "ci": bootstrap_macro_f1(y[m], hat[m], clusters[m], n=n_boot, labels=labels)}
        out[unit] = {"n": int(len(y)), "macro_f1": round(macro_f1(y, hat, labels), 3),
                     "accuracy": round(float((y == hat).mean()), 3) if len(y) else None,
                     "ci": bootstrap_macro_f1(y, hat, clusters, f["source"].to_numpy(), n=n_boot, labels=labels),
                     "mean_over_bodies": round(float(np.mean([b["macro_f1"] for b in bodies.values()])), 3),
                     "by_source": bodies}
    return out
