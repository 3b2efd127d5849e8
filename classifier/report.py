"""How often does each government defer? Deferral shares per source and plan (``pubcom report``).

* Labelled rows (official / annotated) are counted as they are, with a Wilson 95 % interval.
* Predicted rows (a model's or the rule labeler's labels) get the raw predicted share and a share
  corrected for the model's known errors — adjusted classify-and-count with the true- and
  false-positive rates of ``deferred`` from leave-one-source-out evaluation — with a bootstrap
  interval.
* Opinions are counted in full, with duplicate groups (form letters) once, and by distinct
  response (one response often answers many opinions).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .labels import LABELS
from .metrics import REFERENCE_ORIGINS
from .text import dedupe_key

TARGET = "deferred"
Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple:
    """Wilson score interval of k successes in n trials; (nan, nan) for n = 0."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half)))


def rates_from_confusion(confusion: dict, target: str = TARGET) -> dict:
    """True/false-positive rates of ``target`` and their counts, from a confusion matrix
    ({"labels": [...], "matrix": rows true × columns predicted})."""
    labels, m = confusion["labels"], np.asarray(confusion["matrix"])
    t = labels.index(target)
    pos, neg = m[t].sum(), m.sum() - m[t].sum()
    tp, fp = m[t, t], m[:, t].sum() - m[t, t]
    return {"tpr": tp / pos if pos else math.nan, "fpr": fp / neg if neg else math.nan,
            "tp": int(tp), "pos": int(pos), "fp": int(fp), "neg": int(neg)}


def adjusted_share(observed: float, tpr: float, fpr: float) -> float:
    """Adjusted classify-and-count: (observed − fpr) / (tpr − fpr), clipped to [0, 1]."""
    if not (tpr - fpr > 0):
        return math.nan
    return float(min(1.0, max(0.0, (observed - fpr) / (tpr - fpr))))


def bootstrap_adjusted(k: int, n: int, rates: dict, draws: int = 2000, seed: int = 0,
                       labelled: tuple = (0, 0)) -> tuple:
    """95 % percentile interval of the adjusted share, drawing the observed share (Jeffreys
    posterior of k in n) and the evaluation counts the rates came from. ``labelled`` = (k, n) of
    labelled rows in the same group, drawn from their own Jeffreys posterior and pooled in."""
    if n == 0 or not rates["pos"] or not rates["neg"]:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    obs = rng.beta(k + 0.5, n - k + 0.5, draws)  # Jeffreys: no zero-width interval at k = 0 or k = n
    tpr = rng.binomial(rates["pos"], rates["tpr"], draws) / rates["pos"]
    fpr = rng.binomial(rates["neg"], rates["fpr"], draws) / rates["neg"]
    ok = tpr - fpr > 0
    if ok.sum() < draws / 2:
        return (math.nan, math.nan)
    est = np.clip((obs[ok] - fpr[ok]) / (tpr[ok] - fpr[ok]), 0, 1)
    k_lab, n_lab = labelled
    if n_lab:
        est = (n_lab * rng.beta(k_lab + 0.5, n_lab - k_lab + 0.5, len(est)) + n * est) / (n_lab + n)
    return (float(np.percentile(est, 2.5)), float(np.percentile(est, 97.5)))


def is_labelled(frame: pd.DataFrame) -> pd.Series:
    """Rows whose label a government published or a person read (not a prediction)."""
    if "label_origin" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["label_origin"].isin(REFERENCE_ORIGINS)


def deferral_table(frame: pd.DataFrame, rates: dict | None = None) -> pd.DataFrame:
    """One row per (source, plan): counts (and of them labelled), label shares, deferral share
    with its interval and the method used. ``rates`` (from rates_from_confusion) corrects
    predicted groups."""
    frame = frame.copy()
    frame["_labelled"] = is_labelled(frame)
    frame["_dup"] = frame["duplicate_group"] if "duplicate_group" in frame else frame["opinion"].map(dedupe_key)
    frame["_resp"] = frame["response"].map(dedupe_key) if "response" in frame else ""
    rows = []
    for (source, plan), g in frame.groupby(["source", "plan"], sort=True):
        row = {"source": source, "plan": plan}
        row.update(_counts(g))
        n, k = row["n"], row["deferred"]
        row.update(n_labelled=int(g["_labelled"].sum()), deferred_labelled=int((g["_labelled"] & (g["label"] == TARGET)).sum()))
        raw = k / n if n else math.nan
        row.update(_share(g, rates), raw_share=raw)
        rows.append(row)
    cols = ["source", "plan", "n", "deferred", "share", "ci_low", "ci_high", "method", "raw_share",
            "n_distinct", "deferred_distinct", "n_responses", "deferred_responses", "n_labelled",
            "deferred_labelled"] + [f"share_{l}" for l in LABELS]
    out = pd.DataFrame(rows, columns=cols)
    return out


def _share(g: pd.DataFrame, rates: dict | None) -> dict:
    """The deferral share of one group and its interval. Labelled rows are counted as they are;
    predicted rows are corrected with ``rates`` (adjusted classify-and-count) when there are
    rates, and added to the labelled count. The interval treats the labelled rows as a sample
    (Jeffreys draws), as Wilson does for an all-labelled group, and always contains the share."""
    n, k = len(g), int((g["label"] == TARGET).sum())
    pred = g[~g["_labelled"]]
    n_pred, k_pred = len(pred), int((pred["label"] == TARGET).sum())
    n_lab, k_lab = n - n_pred, k - k_pred
    if n_pred == 0:
        low, high = wilson(k, n)
        return {"share": k / n if n else math.nan, "ci_low": low, "ci_high": high, "method": "labelled (Wilson)"}
    adjusted = adjusted_share(k_pred / n_pred, rates["tpr"], rates["fpr"]) if rates is not None else math.nan
    if math.isnan(adjusted):
        low, high = wilson(k, n)
        return {"share": k / n, "ci_low": low, "ci_high": high,
                "method": "predicted, raw share (no error rates to adjust with; Wilson)"}
    low, high = bootstrap_adjusted(k_pred, n_pred, rates, labelled=(k_lab, n_lab))
    method = "predicted, adjusted classify-and-count (bootstrap)"
    if n_lab:
        method = f"{n_lab} labelled counted + {n_pred} predicted, adjusted classify-and-count (bootstrap)"
    share = (k_lab + n_pred * adjusted) / n
    return {"share": share, "ci_low": min(low, share), "ci_high": max(high, share), "method": method}


def _counts(g: pd.DataFrame) -> dict:
    n = len(g)
    out = {"n": n, "deferred": int((g["label"] == TARGET).sum())}
    firsts = g.drop_duplicates("_dup")
    out["n_distinct"] = len(firsts)
    out["deferred_distinct"] = int((firsts["label"] == TARGET).sum())
    responses = g[g["_resp"] != ""].drop_duplicates("_resp")
    out["n_responses"] = len(responses)
    out["deferred_responses"] = int((responses["label"] == TARGET).sum())
    for label in LABELS:
        out[f"share_{label}"] = float((g["label"] == label).mean()) if n else math.nan
    return out
