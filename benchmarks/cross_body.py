"""Cross-body ablations: each part of the response model on and off, leave-one-source-out, in one
run, with 95 % cluster-bootstrap intervals — and two probes of implicit rejection.

Every variant goes through the same nested leave-one-source-out as `pubcom evaluate` (C and the
classifier chosen inside each training fold by leave-one-source-out over the training bodies,
temperature fitted there too), on the dataset + guide rows. Printed: macro-F1 per distinct
response (pooled, mean over bodies, each body) and per opinion, and the rule labeler.

Data variants change the training rows, not the configuration: "+ evidence rows" adds, for each
annotated distinct response, its deciding phrase (the evidence) as one more training row of the
same label and body (held out with that body, never scored), a rationale for the model to weigh.

Probes (on the shipped configuration's folds):
* implicit rejection: in held-out responses labelled rejected that say 原案のとおり, the sentence
  holding it is deleted — what is left defends the draft without the formula. Share still
  called rejected, and where the rest goes.
* 小牧市 rejected recall, per distinct response (its rejections are mostly implicit).
* prior adaptation: each held-out body's label shares re-estimated by EM on its own unlabelled
  responses (Saerens et al. 2002; the model was trained balanced, so its prior is uniform), the
  probabilities reweighted by them, fully or by the square root of the ratio. A clerk categorizing a
  published file has all of its responses at once, so this is open to `pubcom predict`.
* self-training: the same reason, the other way of adapting: each fold's model labels its held-out
  body, the rows it is at least 0.7 (or 0.5) confident of join the training rows with the labels it
  gave them, and the model is refitted (same configuration and temperature) and predicts the body again.

Usage: python benchmarks/cross_body.py [-j 2] [--only NAME ...] [--mode opinion] [--no-probes] [--bodies]
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier.evaluate import analyze_once, cross_validate, trainable  # noqa: E402
from classifier.labels import LABELS  # noqa: E402
from classifier.metrics import REFERENCE_ORIGINS, headline, per_response  # noqa: E402
from classifier.model import GRID, Config, grid_for  # noqa: E402
from classifier.train import load_training_data  # noqa: E402

VARIANTS = {
    "shipped configuration": {},
    "− rule reading (stance)": {"stance": False},
    "− sentence-final predicates": {"predicates": False},
    "+ request types × stance": {"crosses": True},
    "− opinion words": {"opinion_words": False},
    "− response words": {"response_words": False},
    "− guide rows": {"guide": False},
    "+ per-response weights": {"weight_response": True},
    "+ per-body weights": {"weight_body": True},
    "− balanced classes": {"balanced": False},
    "square-root class balance (a label 100× as frequent keeps 10× the weight)": {"balanced": 0.5},
    "configuration at c83bbe7 (before: crosses, per-response and per-body weights on)":
        {"crosses": True, "weight_response": True, "weight_body": True},
    "rule reading weight ×2": {"stance_weight": 2.0},
    "word blocks weight ×0.5": {"words_weight": 0.5},
    "+ per-response and per-body weights": {"weight_response": True, "weight_body": True},
    "− per-response and per-body weights": {"weight_response": False, "weight_body": False},
    "words of ≥ 2 bodies only (topic masking by body frequency)": {"min_bodies": 2},
    "words of ≥ 3 bodies only": {"min_bodies": 3},
    "+ lemma bigrams in the word blocks": {"bigrams": True},
    "+ the last sentence's words as a block": {"last_words": True},
    "+ lemma bigrams and the last sentence's words": {"bigrams": True, "last_words": True},
}


def evidence_rows(frame):
    """The frame with one row more per annotated distinct response: its evidence as the response."""
    import pandas as pd

    ann = frame[(frame["label_origin"] == "annotated") & (frame["evidence"] != "")]
    extra = ann.drop_duplicates(["source", "response_group"]).copy()
    extra["id"] = extra["id"] + "#evidence"
    extra["response"] = extra["evidence"]
    extra["label_origin"] = "evidence"  # not an annotation: trained on, never scored
    return pd.concat([frame, extra], ignore_index=True)


# grids the inner selection chooses from: whether a part helps is then decided inside each training fold
GRID_VARIANTS = {"the usual grid + its bigrams-and-last-sentence twin, chosen inside each fold":
                 lambda grid: grid + [replace(c, bigrams=True, last_words=True) for c in grid]}

DATA_VARIANTS = {"+ evidence rows (the deciding phrase as a training row)": evidence_rows}


def fmt(u) -> str:
    return f"{u['macro_f1']:.3f} [{u['ci'][0]:.3f}, {u['ci'][1]:.3f}]"


def row(name, h, bodies_ci=False) -> str:
    r, o = h["response"], h["opinion"]
    bodies = " ".join(f"{b}={v['macro_f1']:.2f}" for b, v in r["by_source"].items())
    line = (f"{name:30s} per response {fmt(r)} mean/body {r['mean_over_bodies']:.3f} | per opinion {fmt(o)} | "
            f"{bodies}")
    if bodies_ci:  # every body with its interval, per distinct response and per opinion
        for unit, u in (("per response", r), ("per opinion", o)):
            line += f"\n    {unit}: " + "; ".join(f"{b} {fmt(v)} n={v['n']}" for b, v in u["by_source"].items())
    return line


def drop_draft_clause(text: str) -> str:
    """The response without its sentences that say 原案のとおり / 原案どおり / 原案のまま."""
    parts = re.split(r"(?<=。)", text)
    kept = [p for p in parts if not re.search(r"原案(の)?(とおり|通り|どおり|のまま)", p)]
    return "".join(kept).strip()


def probes(frame, analyzed, cv) -> None:
    from classifier.evaluate import fit_predict, select_config, split_groups, splitter

    y = frame["label"].to_numpy()
    ref = frame["label_origin"].isin(REFERENCE_ORIGINS).to_numpy()
    target = ref & (y == "rejected") & frame["response"].str.contains("原案").to_numpy()
    stripped = frame.assign(response=[drop_draft_clause(r) if t else r for r, t in zip(frame["response"], target)])
    keep = target & (stripped["response"] != "").to_numpy()
    probe = analyze_once(stripped, "response")
    groups = split_groups(frame)
    pred = np.empty(len(frame), dtype=object)
    for train, test in splitter("loso", frame, groups, y):
        config, _, temperature = select_config(analyzed, frame, y, groups, train, "response", GRID, 2)
        proba = fit_predict(analyzed, frame, y, train, test, "response", config, (probe,), temperature)[1]
        pred[test] = np.array(LABELS, dtype=object)[proba.argmax(1)]
    got = pred[keep]
    print(f"\nprobe: {keep.sum()} held-out rejected responses with the 原案のとおり sentence deleted → "
          + ", ".join(f"{l} {np.mean(got == l):.0%}" for l in LABELS))
    komaki = ref & (frame["source"] == "小牧市").to_numpy()
    if komaki.any():
        resp, p = per_response(frame[komaki], cv["proba"][komaki])
        hat = np.array(LABELS, dtype=object)[p.argmax(1)]
        rej = resp["label"].to_numpy() == "rejected"
        print(f"小牧市 rejected recall per distinct response: {np.mean(hat[rej] == 'rejected'):.2f} "
              f"({int((hat[rej] == 'rejected').sum())}/{int(rej.sum())}); rejected called "
              + ", ".join(f"{l} {int((hat[rej] == l).sum())}" for l in LABELS))


def reweight(proba, prior, power=1.0):
    """``proba``'s rows reweighted by (prior × K) ** power against a uniform training prior, renormalized."""
    q = np.asarray(proba, dtype=float) * (np.asarray(prior) * len(prior)) ** power
    return q / q.sum(1, keepdims=True)


def estimate_prior(proba, iterations=200):
    """EM re-estimate of the label shares of ``proba``'s rows (Saerens et al. 2002), from uniform."""
    prior = np.full(np.shape(proba)[1], 1.0 / np.shape(proba)[1])
    for _ in range(iterations):
        new = reweight(proba, prior).mean(0)
        if np.abs(new - prior).max() < 1e-6:
            break
        prior = new
    return prior


def prior_probe(frame, cv, bodies_ci) -> None:
    """The shipped folds' held-out probabilities, adapted to each held-out body's own label shares
    (estimated on its distinct responses, never on its labels)."""
    tested = cv["tested"]
    scored = frame["label_origin"].isin(REFERENCE_ORIGINS).to_numpy() & tested
    masks = {body: tested & (frame["source"] == body).to_numpy() for body in sorted(set(frame.loc[tested, "source"]))}
    priors = {body: estimate_prior(per_response(frame[m], cv["proba"][m])[1]) for body, m in masks.items()}
    for power in (1.0, 0.5):
        adapted = cv["proba"].copy()
        for body, m in masks.items():
            adapted[m] = reweight(cv["proba"][m], priors[body], power)
        print(row(f"prior adaptation, power {power}", headline(frame[scored], proba=adapted[scored]), bodies_ci),
              flush=True)
    for body, prior in priors.items():
        print(f"    {body} estimated shares: " + " ".join(f"{l[:3]} {s:.2f}" for l, s in zip(LABELS, prior)))


def self_training_probe(frame, analyzed, cv, bodies_ci, thresholds=(0.7, 0.5)) -> None:
    """The shipped folds refitted once with the held-out body's confident rows, labelled by the
    fold's own model (never by their labels), as training rows."""
    from classifier.evaluate import fit_predict, split_groups, splitter

    y = frame["label"].to_numpy()
    scored = frame["label_origin"].isin(REFERENCE_ORIGINS).to_numpy() & cv["tested"]
    folds = list(splitter("loso", frame, split_groups(frame), y))
    for threshold in thresholds:
        out, taken = cv["proba"].copy(), []
        for (train, test), chosen in zip(folds, cv["folds"]):
            config = Config(C=chosen["C"], classifier=chosen["classifier"])  # the shipped grid varies only these
            assert config in GRID and chosen["held_out"] == str(frame["source"].iloc[test[0]]), (chosen, config)
            pseudo = test[cv["proba"][test].max(1) >= threshold]
            labels = y.copy()
            labels[pseudo] = np.array(LABELS, dtype=object)[cv["proba"][pseudo].argmax(1)]
            out[test] = fit_predict(analyzed, frame.assign(label=labels), labels, np.union1d(train, pseudo), test,
                                    "response", config, (), chosen["temperature"])
            right = np.mean(labels[pseudo] == y[pseudo]) if len(pseudo) else float("nan")  # reported, never trained on
            taken.append(f"{chosen['held_out']} {len(pseudo)}/{len(test)} ({right:.0%} of them right)")
        print(row(f"self-training, confidence ≥ {threshold}", headline(frame[scored], proba=out[scored]), bodies_ci)
              + "\n    rows taken: " + ", ".join(taken), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--only", nargs="*", help="variant names (substring) to run")
    ap.add_argument("--no-probes", action="store_true")
    ap.add_argument("--bodies", action="store_true", help="every body's figure with its interval")
    ap.add_argument("--mode", choices=("response", "opinion"), default="response",
                    help="the model to ablate (opinion: the opinion-only model; no probes)")
    args = ap.parse_args()
    data = ROOT / "data"
    mode = args.mode
    frame = trainable(load_training_data([data / "labeled_opinions.csv", data / "guide_rows.csv"]), mode)
    t0 = time.perf_counter()
    analyzed = analyze_once(frame, mode)
    ref = frame["label_origin"].isin(REFERENCE_ORIGINS).to_numpy()
    print(f"{ref.sum()} scored rows, {len(frame)} with guide rows; leave-one-source-out over "
          f"{frame.loc[ref, 'source'].nunique()} bodies; nested selection over {len(GRID)} configurations\n")
    def wanted(name):
        return not args.only or any(o in name for o in args.only)

    def run(name, rows, analysis, grid):
        """Leave-one-source-out of ``grid`` on ``rows``, printed; (cv, the scored rows)."""
        cv = cross_validate(rows, mode, "loso", grid, analysis, args.jobs)
        scored = rows["label_origin"].isin(REFERENCE_ORIGINS).to_numpy() & cv["tested"]
        print(row(name, headline(rows[scored], proba=cv["proba"][scored]), args.bodies), flush=True)
        return cv, scored

    shipped = None
    for name, change in VARIANTS.items():
        if not wanted(name):
            continue
        cv, scored = run(name, frame, analyzed, [replace(c, **change) for c in grid_for(mode, GRID)])
        if not change and mode == "response":
            shipped = cv
            print(row("rule labeler alone", headline(frame[scored], pred=cv["rules"][scored])), flush=True)
    for name, widen in GRID_VARIANTS.items():
        if wanted(name):
            run(name, frame, analyzed, widen(list(grid_for(mode, GRID))))
    for name, change in DATA_VARIANTS.items():
        if wanted(name):
            changed = change(frame)
            run(name, changed, analyze_once(changed, mode), list(grid_for(mode, GRID)))
    if shipped is not None and not args.no_probes:
        prior_probe(frame, shipped, args.bodies)
        self_training_probe(frame, analyzed, shipped, args.bodies)
        probes(frame, analyzed, shipped)
    print(f"\n({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
