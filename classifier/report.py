"""How often does each government defer? Deferral shares per source and plan (``pubcom report``).

* Labelled rows (official / annotated) are counted as they are, with a Wilson 95 % interval.
* Predicted rows (a model's or the rule labeler's labels) get the estimator the model's
  leave-one-source-out evaluation found closer to the truth on the plans it held out
  (``share_check``): the raw predicted share (classify and count, Wilson interval) or the share
  adjusted with the true- and false-positive rates of ``deferred`` (adjusted classify-and-count,
  bootstrap interval). For the shipped response model the raw share is closer: rates pooled over
  other bodies do not hold on a new one. When the evaluation says the model cannot tell deferred
  answers from the rest (``separates``), no share is estimated from its predictions.
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
RAW, ADJUSTED = "raw", "adjusted"  # the estimators of a predicted share (share_check chooses)
UNCHECKED = "unchecked"  # the raw share, from an evaluation that did not check the estimators
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
    return _rate_dict(int(m[t, t]), int(m[t].sum()), int(m[:, t].sum() - m[t, t]), int(m.sum() - m[t].sum()))


def _rate_dict(tp: int, pos: int, fp: int, neg: int) -> dict:
    return {"tpr": tp / pos if pos else math.nan, "fpr": fp / neg if neg else math.nan,
            "tp": tp, "pos": pos, "fp": fp, "neg": neg}


def separates(rates: dict, z: float = Z95) -> bool:
    """Whether the model tells ``deferred`` from the rest at all: the 95 % interval of its true-
    minus false-positive rate (Youden's J, normal approximation) lies above 0."""
    tpr, fpr, pos, neg = rates["tpr"], rates["fpr"], rates["pos"], rates["neg"]
    if not pos or not neg or math.isnan(tpr) or math.isnan(fpr):
        return False
    se = math.sqrt(tpr * (1 - tpr) / pos + fpr * (1 - fpr) / neg)
    return tpr - fpr - z * se > 0


def _rates(truth, predicted) -> dict:
    truth, predicted = np.asarray(truth, bool), np.asarray(predicted, bool)
    return _rate_dict(int((truth & predicted).sum()), int(truth.sum()), int((~truth & predicted).sum()),
                      int((~truth).sum()))


def share_check(frame: pd.DataFrame, pred, target: str = TARGET) -> dict:
    """How close each estimator comes to the labelled deferral share of a body it never saw, from
    leave-one-source-out predictions ``pred`` of the labelled rows ``frame`` (source, plan, label):
    per (source, plan), the labelled share, the raw predicted share and the adjusted share (rates
    from the other bodies' rows only, as a new body would get them); over the plans, each
    estimator's mean and largest absolute error, and the one with the lower mean (``raw`` on a
    tie, or unless the adjusted share could be computed on every plan). The other bodies' rows were
    predicted by fold models that saw the held-out body: their rates are slightly optimistic."""
    d = frame.assign(_true=(frame["label"] == target).to_numpy(), _hat=np.asarray(pred, dtype=object) == target)
    plans = []
    for (source, plan), g in d.groupby(["source", "plan"], sort=True, dropna=False):
        rest = d[d["source"] != source]
        rates = _rates(rest["_true"], rest["_hat"])
        observed = float(g["_hat"].mean())
        adjusted = adjusted_share(observed, rates["tpr"], rates["fpr"])
        plans.append({"source": str(source), "plan": str(plan), "n": int(len(g)),
                      "labelled": round(float(g["_true"].mean()), 4), "raw": round(observed, 4),
                      "adjusted": None if math.isnan(adjusted) else round(adjusted, 4)})
    errors = {}
    for est in ("raw", "adjusted"):
        e = [abs(p[est] - p["labelled"]) for p in plans if p[est] is not None]
        errors[est] = {"mean_abs_error": round(float(np.mean(e)), 4) if e else None,
                       "max_abs_error": round(float(max(e)), 4) if e else None, "plans": len(e)}
    adj, raw = errors["adjusted"]["mean_abs_error"], errors["raw"]["mean_abs_error"]
    chosen = "adjusted" if adj is not None and raw is not None and adj < raw and \
        errors["adjusted"]["plans"] == errors["raw"]["plans"] else "raw"
    return {"target": target, "plans": plans, "errors": errors, "chosen": chosen}


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


def deferral_table(frame: pd.DataFrame, rates: dict | None = None, estimator: str = RAW) -> pd.DataFrame:
    """One row per (source, plan): counts (and of them labelled), label shares, deferral share
    with its interval and the method used. ``rates`` (from rates_from_confusion) and ``estimator``
    (``raw``, ``adjusted`` as share_check chose it, or ``unchecked``) say how predicted groups are
    estimated; the raw share unless told otherwise, as the shipped model's check chose."""
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
        row.update(_share(g, rates, estimator), raw_share=raw)
        rows.append(row)
    cols = ["source", "plan", "n", "deferred", "share", "ci_low", "ci_high", "method", "raw_share",
            "n_distinct", "deferred_distinct", "n_responses", "deferred_responses", "n_labelled",
            "deferred_labelled"] + [f"share_{l}" for l in LABELS]
    out = pd.DataFrame(rows, columns=cols)
    return out


def _share(g: pd.DataFrame, rates: dict | None, estimator: str = RAW) -> dict:
    """The deferral share of one group and its interval. Labelled rows are counted as they are.
    Predicted rows: with no ``rates``, the raw share; with rates of a model that does not separate
    deferred answers (``separates``), no share (nan); else ``estimator``: ``raw`` or ``unchecked``
    (labelled and predicted counted together, Wilson) or ``adjusted`` (predicted rows corrected
    with ``rates``, the interval drawing the labelled rows as a sample (Jeffreys), as Wilson does
    for an all-labelled group). The interval always contains the share."""
    n, k = len(g), int((g["label"] == TARGET).sum())
    pred = g[~g["_labelled"]]
    n_pred, k_pred = len(pred), int((pred["label"] == TARGET).sum())
    n_lab, k_lab = n - n_pred, k - k_pred
    low, high = wilson(k, n)
    if n_pred == 0:
        return {"share": k / n if n else math.nan, "ci_low": low, "ci_high": high, "method": "labelled (Wilson)"}
    counted = f"{n_lab} labelled counted + {n_pred} predicted, " if n_lab else "predicted, "

    def raw(why):
        return {"share": k / n, "ci_low": low, "ci_high": high, "method": counted + f"raw share ({why}; Wilson)"}

    if rates is None:
        return raw("no evaluation to check it with")
    if not separates(rates):
        where = f"{n_lab} labelled + {n_pred} predicted: the predicted rows " if n_lab else "predicted, "
        return {"share": math.nan, "ci_low": math.nan, "ci_high": math.nan,
                "method": where + f"not estimated: on unseen bodies the model does not tell deferred answers "
                                  f"from the rest (deferred found {rates['tpr']:.0%}, others called deferred "
                                  f"{rates['fpr']:.0%})"}
    if estimator == RAW:
        return raw("the estimator the evaluation's check of held-out plans chose")
    if estimator == UNCHECKED:
        return raw("the evaluation did not check the estimators")
    adjusted = adjusted_share(k_pred / n_pred, rates["tpr"], rates["fpr"])
    low, high = bootstrap_adjusted(k_pred, n_pred, rates, labelled=(k_lab, n_lab))
    share = (k_lab + n_pred * adjusted) / n
    return {"share": share, "ci_low": min(low, share), "ci_high": max(high, share),
            "method": counted + "adjusted classify-and-count (bootstrap)"}


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
