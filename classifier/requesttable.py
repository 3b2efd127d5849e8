"""What opinions ask, and how each body answers each kind of ask (``pubcom report``): request types
per body, and body × request type × response label with the deferred share.

A row's request type is the labelled one (request_origin official / annotated) where it has one,
else a prediction (the request-type model's, or the cue table's reading); its label likewise
(label_origin, as report.is_labelled reads it). ``request_type_from`` and ``label_from`` say which:
``labelled``, ``predicted``, or ``labelled+predicted`` for a group holding both.
"""
from __future__ import annotations

import math

import pandas as pd

from .labels import LABELS, LABELS_JA
from .metrics import REFERENCE_ORIGINS
from .report import TARGET, is_labelled, wilson
from .requests import REQUEST_TYPES, REQUEST_TYPES_JA

TYPE_COLUMNS = ["source", "request_type", "request_type_ja", "n", "share", "n_source", "n_labelled",
                "request_type_from"]
ANSWER_COLUMNS = (["source", "request_type", "request_type_ja", "n"] + list(LABELS)
                  + ["deferred_share", "ci_low", "ci_high", "request_type_from", "label_from"])


def request_labelled(frame: pd.DataFrame) -> pd.Series:
    """Rows whose request type a person read or a government published (not a prediction)."""
    if "request_origin" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["request_origin"].isin(REFERENCE_ORIGINS)


def with_request_types(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that have a request type, with ``_req_lab`` / ``_lab`` (labelled or not)."""
    if "request_type" not in frame:
        return frame.iloc[:0].assign(request_type="", _req_lab=False, _lab=False)
    rows = frame[frame["request_type"].isin(REQUEST_TYPES)]
    return rows.assign(_req_lab=request_labelled(rows), _lab=is_labelled(rows))


def origin_of(flags: pd.Series) -> str:
    """labelled (every row), predicted (none) or labelled+predicted."""
    if len(flags) and flags.all():
        return "labelled"
    return "labelled+predicted" if flags.any() else "predicted"


def request_type_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (source, request type), every type of every source: the count, its share of
    the source's rows with a request type (shares of a source sum to 1), and where it came from."""
    rows = with_request_types(frame)
    out = []
    for source, g in rows.groupby("source", sort=True):
        for kind in REQUEST_TYPES:
            of = g[g["request_type"] == kind]
            out.append({"source": source, "request_type": kind, "request_type_ja": REQUEST_TYPES_JA[kind],
                        "n": len(of), "share": len(of) / len(g), "n_source": len(g),
                        "n_labelled": int(of["_req_lab"].sum()),
                        "request_type_from": origin_of(of["_req_lab"]) if len(of) else origin_of(g["_req_lab"])})
    return pd.DataFrame(out, columns=TYPE_COLUMNS)


def request_answer_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (source, request type) that occurs: label counts, the deferred share with its
    Wilson 95 % interval, and where the request types and the labels came from. The share is the
    count as it is: predicted labels are not corrected for the model's errors here."""
    rows = with_request_types(frame)
    rows = rows[rows["label"].isin(LABELS)]
    order = {t: k for k, t in enumerate(REQUEST_TYPES)}
    out = []
    for (source, kind), g in sorted(rows.groupby(["source", "request_type"]), key=lambda x: (x[0][0], order[x[0][1]])):
        counts = {label: int((g["label"] == label).sum()) for label in LABELS}
        n, k = len(g), counts[TARGET]
        low, high = wilson(k, n)
        out.append({"source": source, "request_type": kind, "request_type_ja": REQUEST_TYPES_JA[kind], "n": n,
                    **counts, "deferred_share": k / n, "ci_low": low, "ci_high": high,
                    "request_type_from": origin_of(g["_req_lab"]), "label_from": origin_of(g["_lab"])})
    return pd.DataFrame(out, columns=ANSWER_COLUMNS)


def label_shares_by_request_type(answers: pd.DataFrame) -> pd.DataFrame:
    """Per source and request type that occurs (sources sorted, types in REQUEST_TYPES order): n
    and the share of each label (columns LABELS), from request_answer_table's counts. Per body, not
    pooled: pooled shares mix the bodies' ways of answering with their mixes of request types (in
    the bundled data every opposition answered deferred is 小牧市's)."""
    rows = answers.assign(_order=answers["request_type"].map(REQUEST_TYPES.index)).sort_values(["source", "_order"])
    shares = rows[list(LABELS)].div(rows["n"], axis=0)
    shares.index = pd.MultiIndex.from_arrays([rows["source"], rows["request_type"]], names=["source", "request_type"])
    return shares.assign(n=rows["n"].to_numpy())


def _pct(x) -> str:
    return "—" if x is None or math.isnan(x) else f"{x:.1%}"


def types_readable(types: pd.DataFrame) -> pd.DataFrame:
    """request_type_table as people read it: one row per source, one column per request type
    holding ``count (share)``."""
    out = []
    for source, g in types.groupby("source", sort=True):
        row = {"source": source, "opinions": int(g["n_source"].iloc[0])}
        for r in g.itertuples():
            row[f"{r.request_type_ja} {r.request_type}"] = f"{r.n} ({_pct(r.share)})"
        labelled, n = int(g["n_labelled"].sum()), row["opinions"]
        row["request types from"] = "labelled" if labelled == n else "predicted" if labelled == 0 \
            else f"labelled+predicted ({labelled} labelled)"
        out.append(row)
    return pd.DataFrame(out)


def answers_readable(answers: pd.DataFrame) -> pd.DataFrame:
    """request_answer_table as people read it: label counts, the deferred share and its interval."""
    out = pd.DataFrame({"source": answers["source"],
                        "request type": answers["request_type_ja"] + " " + answers["request_type"],
                        "opinions": answers["n"]})
    for label in LABELS:
        out[f"{LABELS_JA[label]} {label}"] = answers[label]
    out["deferred share"] = answers["deferred_share"].map(_pct)
    out["95 % interval (Wilson)"] = [f"{_pct(a)} – {_pct(b)}" for a, b in zip(answers["ci_low"], answers["ci_high"])]
    out["request type from"] = answers["request_type_from"]
    out["label from"] = answers["label_from"]
    return out
