"""How much a body's own labels help: the response model on a held-out body, trained with the other
bodies plus n labelled distinct responses of that body (a clerk labels a few of this year's answers,
then retrains with ``pubcom train --extra``).

For each body with at least 50 distinct responses (小牧市, 環境省) and each seed, the body's distinct
responses (response_group, the unit scored) are shuffled; the first ``pool`` are the labels a clerk could
give, the others the test set (less any row whose opinion is a copy of a pooled row's), the same
for every n of that seed, so the figures of one seed differ only by the labels added. The
n labelled groups are nested (the 10 are among the 20). Scored per distinct response (macro-F1),
on the test groups only; printed: mean and range over seeds for each n and each weighting of the
added rows (×1: as any other row; ×k: each added row counted k times).

The same for the request-type model (distinct opinions, duplicate_group, as the unit;
小牧市 and 環境省), without and with the opinion's words (weight 1): across bodies the words change
nothing (benchmarks/request_types.py), but a body's own labelled opinions might teach its wording.
C 1, each type the same total weight, as the shipped grid's middle setting.

The configuration (classifier, C) is the one the nested leave-one-source-out chose for that held-out
body in ``reports/evaluation/evaluation.json`` (run ``pubcom evaluate`` first), so n = 0 is the
shipped evaluation's fold model, scored on the seed's test groups.

Usage: python benchmarks/local_labels.py [--seeds 10] [--weights 1 3 10] [--models response request]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier.evaluate import analyze_once, always_train, fit_predict, trainable  # noqa: E402
from classifier.labels import LABELS  # noqa: E402
from classifier.metrics import REFERENCE_ORIGINS, macro_f1, per_response  # noqa: E402
from classifier.model import Config  # noqa: E402
from classifier.train import load_training_data  # noqa: E402
from classifier import load_dataset  # noqa: E402
from classifier.request_model import GUIDE_ROWS, build_request_features, request_frame  # noqa: E402
from classifier.requests import REQUEST_TYPES  # noqa: E402
from classifier.weights import sample_weights  # noqa: E402

# body → (labelled pool size, the n to try): 小牧市 has 55 distinct responses, 環境省 303
PLAN = {"小牧市": (20, (0, 5, 10, 20)), "環境省": (80, (0, 10, 20, 40, 80))}


def fold_configs(path: Path) -> dict:
    """held-out body → the Config its nested leave-one-source-out fold chose (C and classifier: what the
    shipped fast grid varies; an evaluation made with --grid full would need its other fields too)."""
    if not path.exists():
        raise SystemExit(f"{path} not found: run `pubcom evaluate` (or scripts/run.sh) first")
    folds = json.loads(path.read_text(encoding="utf-8"))["results"]["response"]["loso"]["folds"]
    return {f["held_out"]: replace(Config(), C=f["C"], classifier=f["classifier"]) for f in folds}


def spread(values) -> str:
    return f"{np.mean(values):.3f} [{min(values):.3f}–{max(values):.3f}]"


def scored_f1(frame, rows, proba) -> float:
    sub = frame.iloc[rows]
    ref = sub["label_origin"].isin(REFERENCE_ORIGINS).to_numpy()
    resp, p = per_response(sub[ref], proba[ref])
    return macro_f1(resp["label"], np.array(LABELS, dtype=object)[p.argmax(1)])


def repeated(frame, analyzed, y, rows, k: int):
    """frame, analyzed and y with ``rows`` present k times (k − 1 copies appended): with the shipped
    weights (no per-response weight), each added row then weighs k. (The copies' indices.)"""
    import pandas as pd

    extra = np.repeat(rows, k - 1)
    idx = np.arange(len(frame), len(frame) + len(extra))
    return (pd.concat([frame, frame.iloc[extra]], ignore_index=True),
            pd.concat([analyzed, analyzed.iloc[extra]], ignore_index=True), np.concatenate([y, y[extra]]), idx)


REQUEST_PLAN = {"小牧市": (20, (0, 5, 10, 20)), "環境省": (160, (0, 20, 40, 80, 160))}


def request_fit_predict(analyzed, frame, train, test, words: float) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    y = frame["label"].to_numpy()
    w = sample_weights(frame.iloc[train], response=True, body=True, balanced=1.0)
    model = Pipeline([("features", build_request_features(words_weight=words)),
                      ("clf", LogisticRegression(C=1.0, max_iter=5000))])
    model.fit(analyzed.iloc[train], y[train], clf__sample_weight=w)
    proba = np.zeros((len(test), len(REQUEST_TYPES)))
    for j, c in enumerate(model.named_steps["clf"].classes_):
        proba[:, REQUEST_TYPES.index(c)] = model.predict_proba(analyzed.iloc[test])[:, j]
    return proba


def requests(seeds: int) -> None:
    frame = request_frame(load_dataset(ROOT / "data" / "labeled_opinions.csv"), GUIDE_ROWS)
    analyzed = analyze_once(frame, "opinion")
    groups = frame["duplicate_group"].astype(str).to_numpy()
    sources = frame["source"].to_numpy()
    for body, (pool, ns) in REQUEST_PLAN.items():
        others, mine = np.nonzero(sources != body)[0], np.nonzero(sources == body)[0]
        distinct = np.unique(groups[mine])
        print(f"request types, {body}: {len(distinct)} distinct opinions, {pool} of them the labelled pool")
        results = {(n, w): [] for n in ns for w in (0.0, 1.0)}
        for seed in range(seeds):
            order = np.random.default_rng(seed).permutation(distinct)
            test = mine[~np.isin(groups[mine], order[:pool])]
            for n in ns:
                train = np.union1d(others, mine[np.isin(groups[mine], order[:n])])
                for w in (0.0, 1.0):
                    proba = request_fit_predict(analyzed, frame, train, test, w)
                    sub = frame.iloc[test].assign(response_group=groups[test])
                    resp, p = per_response(sub, proba)
                    hat = np.array(REQUEST_TYPES, dtype=object)[p.argmax(1)]
                    results[(n, w)].append((macro_f1(resp["label"], hat, REQUEST_TYPES),
                                            float((resp["label"].to_numpy() == hat).mean())))
        for w in (0.0, 1.0):
            for k, what in enumerate(("macro-F1", "accuracy")):
                print(f"  {'with' if w else 'without'} the words, {what}: " + "; ".join(
                    f"n={n} {spread([r[k] for r in results[(n, w)]])}" for n in ns), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--weights", type=int, nargs="*", default=[1, 3, 10])
    ap.add_argument("--models", nargs="*", choices=("response", "request"), default=["response", "request"])
    args = ap.parse_args()
    t0 = time.perf_counter()
    data = ROOT / "data"
    frame = trainable(load_training_data([data / "labeled_opinions.csv", data / "guide_rows.csv"]), "response")
    configs = fold_configs(ROOT / "reports" / "evaluation" / "evaluation.json")
    analyzed = analyze_once(frame, "response")
    y = frame["label"].to_numpy()
    groups = frame["response_group"].astype(str).to_numpy()
    copies_of = frame["duplicate_group"].astype(str).to_numpy()
    sources = frame["source"].to_numpy()
    fixed = np.nonzero(always_train(frame))[0]
    for body, (pool, ns) in PLAN.items() if "response" in args.models else ():
        config = configs[body]
        others = np.union1d(np.nonzero((sources != body) & ~always_train(frame))[0], fixed)
        mine = np.nonzero(sources == body)[0]
        body_groups = np.unique(groups[mine])
        print(f"{body}: {len(body_groups)} distinct responses, {pool} of them the labelled pool; {config.classifier} C={config.C}")
        results = {(n, k): [] for n in ns for k in args.weights}
        for seed in range(args.seeds):
            order = np.random.default_rng(seed).permutation(body_groups)
            pooled = mine[np.isin(groups[mine], order[:pool])]
            test = mine[~np.isin(groups[mine], order[:pool]) & ~np.isin(copies_of[mine], copies_of[pooled])]
            for n in ns:
                added = mine[np.isin(groups[mine], order[:n])]
                train = np.union1d(others, added)
                for k in args.weights:
                    if n == 0 and k != args.weights[0]:
                        results[(n, k)].append(results[(n, args.weights[0])][-1])
                        continue
                    f, a, yy, copies = repeated(frame, analyzed, y, added, int(k))
                    proba = fit_predict(a, f, yy, np.union1d(train, copies), test, "response", config)
                    results[(n, k)].append(scored_f1(frame, test, proba))
            print(f"  seed {seed}: " + ", ".join(f"n={n} ×{k:g} {results[(n, k)][-1]:.3f}"
                                                  for n in ns for k in args.weights), flush=True)
        for k in args.weights:
            print(f"  added rows ×{k:g}: " + "; ".join(
                f"n={n} {spread(results[(n, k)])}" for n in ns))
    if "request" in args.models:
        requests(args.seeds)
    print(f"\n({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
