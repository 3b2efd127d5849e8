"""Scores of a labelling against the reference labels, per source and per origin."""
from __future__ import annotations

import pandas as pd
from sklearn.metrics import f1_score

from .labels import LABELS

REFERENCE_ORIGINS = ("official", "annotated")


def macro_f1(y_true, y_pred) -> float:
    """Macro-F1 over the labels present in either y_true or y_pred."""
    present = [l for l in LABELS if l in set(y_true) | set(y_pred)]
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


def summarize(frame: pd.DataFrame, pred) -> dict:
    """Macro-F1, accuracy, per-class precision/recall, confusion matrix, and macro-F1 per source
    and per origin of predictions ``pred`` against ``frame['label']``."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    y = frame["label"].to_numpy()
    pred = pd.Series(list(pred), index=frame.index, dtype=object)
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=list(LABELS), zero_division=0)
    out = {
        "n": int(len(y)),
        "macro_f1": round(macro_f1(y, pred), 3),
        "accuracy": round(float((y == pred.to_numpy()).mean()), 3) if len(y) else None,
        "per_class": {l: {"precision": round(float(p[i]), 3), "recall": round(float(r[i]), 3),
                          "f1": round(float(f[i]), 3), "support": int(s[i])} for i, l in enumerate(LABELS)},
        "confusion": {"labels": list(LABELS),
                      "matrix": confusion_matrix(y, pred, labels=list(LABELS)).tolist()},
    }
    for col in ("source", "label_origin"):
        out[f"by_{col}"] = {str(k): {"n": int(len(g)), "macro_f1": round(macro_f1(g["label"], pred[g.index]), 3),
                                     "accuracy": round(float((g["label"] == pred[g.index]).mean()), 3)}
                            for k, g in frame.groupby(col, sort=True)}
    return out
