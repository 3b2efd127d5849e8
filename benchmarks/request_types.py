"""Request-type model variants, leave-one-source-out, in one run, with 95 % cluster-bootstrap intervals.

Every variant goes through the same nested leave-one-source-out as `pubcom evaluate` (its setting
chosen inside each training fold by leave-one-source-out over the training bodies, temperature
fitted there too), on the dataset + request guide rows. Printed per variant: macro-F1 per distinct
opinion and per opinion (pooled, mean over bodies), each body per distinct opinion, and ECE.

Variants:
* shipped: the cue table's reading and verdict, C from 0.3 / 1 / 3, each type the same total
  weight (balance 1);
* + the opinion's words (TF-IDF of its lemmas), weight 0.5 (shipped until 2026-12-04: every
  held-out prediction the same as without) or 1;
* C from 0.1 / 0.3 / 1 / 3 / 10 (the shipped grid's ends, 0.3 and 3, are what its folds choose);
* balance chosen from 1 and 0.5 (0.5: each type's total divided by its square root only), and
  balance 0.5 or 0 alone;
* − cue verdict: without the cue table's primary type as a feature block (the types found only);
  cue verdict weight 12 (shipped: 4), the model nearer the cue table's own answer;
* + the words and their lemma bigrams (して 欲しい, を 追記): with the words at 0.5, the same F1,
  ECE 0.074, but 3× the opinion TF-IDF's time (README, request types);
* + evidence rows: each annotated distinct opinion's deciding phrase (request_evidence) as one more
  training row of its primary type and body (held out with that body, never scored; the inner
  selection of C scores them with the rest);
* + the opinion's sentence-final predicates (each sentence's last content lemma and auxiliary chain,
  as the response model has them for the response: 追記_為る_て_欲しい, 反対_だ), a block of weight 0.5:
  the ask is said at the end of a sentence, without the topic's words;
* the words' weight (0, 1, 2) chosen inside each training fold with balance (1, 0.5) and C (1, 10);
* set model: one binary logistic regression per type, trained on the annotated *set* of types
  (question is in 59 sets, primary of 4), the primary read off by the guide's precedence:
  P(opposition), then P(wording) × (1 − P(opposition)) …, `other` when none (C chosen inside).

Usage: python benchmarks/request_types.py [--only NAME ...]
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from classifier import load_dataset  # noqa: E402
from classifier.evaluate import analyze_once, calibration  # noqa: E402
from classifier.features import predicate_terms  # noqa: E402
from classifier.metrics import REFERENCE_ORIGINS, headline, macro_f1  # noqa: E402
from classifier import request_model  # noqa: E402
from classifier.request_model import (GRID, GUIDE_ROWS, build_request_features, evaluate_requests,  # noqa: E402
                                      request_frame, source_folds)
from classifier.model import tfidf  # noqa: E402
from classifier.requests import PRIMARY_ORDER, REQUEST_TYPES  # noqa: E402
from classifier.stance import sentences  # noqa: E402
from classifier.text import normalize  # noqa: E402
from classifier.weights import sample_weights  # noqa: E402
from cross_body import fmt  # noqa: E402  (this folder is on sys.path when run as a script)

CS = (0.3, 1.0, 3.0)
VARIANTS = {
    "shipped (balance 1)": GRID,
    "balance chosen from 1 and 0.5": tuple((C, b) for C in CS for b in (1.0, 0.5)),
    "balance 0.5": tuple((C, 0.5) for C in CS),
    "balance 0 (unbalanced)": tuple((C, 0.0) for C in CS),
    "C from 0.1 to 10 (the shipped folds chose the grid's ends)": tuple((C, 1.0) for C in (0.1, 0.3, 1.0, 3.0, 10.0)),
    "words 0 / 1 / 2 × balance 1 / 0.5 × C 1 / 10, chosen inside":
        tuple((C, b, w) for w in (0.0, 1.0, 2.0) for b in (1.0, 0.5) for C in (1.0, 10.0)),
}
ASKED = [t for t in PRIMARY_ORDER if t != "other"]


def with_evidence_rows(dataset, guide=None):
    """request_frame plus one row per annotated distinct opinion: its evidence phrase as the opinion."""
    import pandas as pd

    rows = request_frame(dataset, guide)
    ann = rows[(rows["label_origin"] == "annotated") & (rows["request_evidence"] != "")]
    extra = ann.drop_duplicates(["source", "response_group"]).copy()
    extra["id"] = extra["id"] + "#evidence"
    extra["opinion"] = extra["request_evidence"]
    extra["response_group"] = extra["duplicate_group"] = extra["id"]
    extra["label_origin"] = "evidence"  # not an annotation: trained on, never scored
    return pd.concat([rows, extra], ignore_index=True)


def opinion_predicates(text: str) -> str:
    """The opinion's sentence-final predicate terms, as features.analyze_text writes a response's."""
    return predicate_terms(sentences(normalize(text), normalized=True))


def analyze_with_predicates(frame, mode):
    """analyze_once, plus an opinion_predicates column."""
    return analyze_once(frame, mode).assign(opinion_predicates=[opinion_predicates(t) for t in frame["opinion"]])


def with_predicate_block(weight: float = 0.5) -> ColumnTransformer:
    """The shipped request features and a block of the opinion's predicate terms (weight ``weight``)."""
    shipped = build_request_features()
    return ColumnTransformer([*shipped.transformers, ("opinion_predicates", tfidf(binary=True), "opinion_predicates")],
                             transformer_weights={**shipped.transformer_weights, "opinion_predicates": weight})


FEATURE_VARIANTS = {"− cue verdict (the types found only; shipped before 2026-12-04)":
                    functools.partial(build_request_features, verdict_weight=0),
                    "cue verdict weight 12 (nearer the cue table)":
                    functools.partial(build_request_features, verdict_weight=12.0),
                    "+ the opinion's words, weight 0.5 (shipped until 2026-12-04)":
                    functools.partial(build_request_features, words_weight=0.5),
                    "+ the opinion's words, weight 1":
                    functools.partial(build_request_features, words_weight=1.0),
                    "+ the opinion's words and their lemma bigrams, weight 0.5":
                    functools.partial(build_request_features, words_weight=0.5, bigrams=True)}


@contextlib.contextmanager
def patched(module, attrs: dict):
    """``module``'s attributes set to ``attrs`` for the block, restored after."""
    saved = {k: getattr(module, k) for k in attrs}
    vars(module).update(attrs)
    try:
        yield
    finally:
        vars(module).update(saved)


def show(name, h, ece) -> None:
    r, o = h["response"], h["opinion"]
    print(f"{name:32s} per distinct opinion {fmt(r)} mean/body {r['mean_over_bodies']:.3f} | per opinion "
          f"{fmt(o)} mean/body {o['mean_over_bodies']:.3f} | ECE {ece:.3f}")
    print("    " + "; ".join(f"{b} {fmt(v)} n={v['n']}" for b, v in r["by_source"].items()), flush=True)


# -- the set model ---------------------------------------------------------------------------------
def chain(presence) -> np.ndarray:
    """Primary-type probabilities (REQUEST_TYPES order) from each asked type's presence probability
    (ASKED order), by the guide's precedence, as if the types were independent."""
    out, rest = np.zeros((len(presence), len(REQUEST_TYPES))), np.ones(len(presence))
    for j, t in enumerate(ASKED):
        out[:, REQUEST_TYPES.index(t)] = rest * presence[:, j]
        rest = rest * (1 - presence[:, j])
    out[:, REQUEST_TYPES.index("other")] = rest
    return out


def set_fit_predict(analyzed, frame, sets, train, test, C) -> np.ndarray:
    features = build_request_features().fit(analyzed.iloc[train])
    X, Xt = features.transform(analyzed.iloc[train]), features.transform(analyzed.iloc[test])
    presence = np.zeros((len(test), len(ASKED)))
    for j, t in enumerate(ASKED):
        has = np.array([t in sets[i] for i in train])
        if has.all() or not has.any():
            presence[:, j] = float(has.all())
            continue
        w = sample_weights(frame.iloc[train].assign(label=has), response=True, body=True, balanced=True)
        presence[:, j] = LogisticRegression(C=C, max_iter=5000).fit(X, has, sample_weight=w).predict_proba(Xt)[:, 1]
    return chain(presence)


def set_model(frame, analyzed) -> np.ndarray:
    y = frame["label"].to_numpy()
    sets = [set(s.split()) or {lab} for s, lab in zip(frame["request_types"], y)]
    proba = np.zeros((len(frame), len(REQUEST_TYPES)))
    for train, test in source_folds(frame, np.arange(len(frame))):
        scores, inner = {}, list(source_folds(frame, train))
        for C in CS:  # C by inner leave-one-source-out over the training bodies
            hat = np.concatenate([set_fit_predict(analyzed, frame, sets, a, b, C).argmax(1) for a, b in inner])
            truth = np.concatenate([y[b] for _, b in inner])
            scores[C] = macro_f1(truth, np.array(REQUEST_TYPES)[hat], REQUEST_TYPES)
        proba[test] = set_fit_predict(analyzed, frame, sets, train, test, max(scores, key=scores.get))
    return proba


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", help="variant names (substring) to run")
    args = ap.parse_args()
    t0 = time.perf_counter()
    dataset = load_dataset(ROOT / "data" / "labeled_opinions.csv")
    wanted = lambda name: not args.only or any(o in name for o in args.only)  # noqa: E731
    cues_shown = False
    for name, grid in VARIANTS.items():
        if not wanted(name):
            continue
        r = evaluate_requests(dataset, grid=grid)
        show(name, r["headline"]["model"], r["calibration"]["ece"])
        print("    settings chosen: " + ", ".join(f"{f['held_out']} C={f['C']} balance={f['balance']} words={f['words']}"
                                                for f in r["folds"]))
        if not cues_shown:
            cues_shown = True
            show("cue table alone", r["headline"]["cue table"], float("nan"))
    patched_variants = {**{n: {"build_request_features": b} for n, b in FEATURE_VARIANTS.items()},
                        "+ evidence rows (the deciding phrase as a training row)": {"request_frame": with_evidence_rows},
                        "+ the opinion's sentence-final predicates": {"analyze_once": analyze_with_predicates,
                                                                     "build_request_features": with_predicate_block}}
    for name, attrs in patched_variants.items():
        if wanted(name):
            with patched(request_model, attrs):  # evaluate_requests looks these names up in request_model
                r = evaluate_requests(dataset, grid=GRID)
            show(name, r["headline"]["model"], r["calibration"]["ece"])
    name = "set model, primary by precedence"
    if wanted(name):
        frame = request_frame(dataset, GUIDE_ROWS)
        analyzed = analyze_once(frame, "opinion")
        proba = set_model(frame, analyzed)
        ref = frame["label_origin"].isin(REFERENCE_ORIGINS).to_numpy()
        y = frame["label"].to_numpy()
        show(name, headline(frame[ref], proba=proba[ref], labels=REQUEST_TYPES),
             calibration(proba[ref], y[ref], labels=REQUEST_TYPES)["ece"])
    print(f"\n({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
