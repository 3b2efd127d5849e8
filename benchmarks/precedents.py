"""Precedents: speed and usefulness, printed as figures (never asserted in tests).

1. Usefulness, leave-one-source-out: for each labelled row (official and annotated), the index is
   built from the rows of the OTHER bodies (column ``source``); how often the nearest precedent's
   label is the row's label (accuracy and macro-F1 per opinion; also the majority of the 3 nearest),
   for each vectorizer choice, against the opinion-only model's leave-one-source-out figures (the
   shipped opinion configuration of models/opinion.json, refitted in each fold through
   classifier.evaluate) and the majority-label baseline.
2. Speed: ``--rows`` opinions resampled from the corpus with realistic duplication (form letters,
   as benchmarks/predict_speed.py), predicted through ``Model.predict_table`` without and with
   ``precedents=3``; wall times and their ratio (target < 2×).

Usage: python benchmarks/precedents.py [--rows 10000] [--repeat 2] [--mode opinion] [--skip-loso] [--skip-speed]
(a couple of minutes on a shared 2-core machine; the target is stated for --rows 200000)
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from classifier import precedents  # noqa: E402
from classifier.labels import LABELS  # noqa: E402
from classifier.metrics import REFERENCE_ORIGINS, macro_f1  # noqa: E402
from classifier.train import load_training_data  # noqa: E402

DATA = ROOT / "data" / "labeled_opinions.csv"
GUIDE = ROOT / "data" / "guide_rows.csv"


def training_frame():
    return load_training_data([DATA] + ([GUIDE] if GUIDE.exists() else []))


def precedent_loso(frame, choice: str, by: str = "source") -> dict:
    """Top-1 (and top-3 majority) precedent labels of every scored row, each from an index of the
    rows of the other bodies (``by="source"``; ``"plan"``: of the other plans, the same body's
    included)."""
    rows = precedents.training_rows(frame, "corrections.csv").reset_index(drop=True)
    scored = rows["label_origin"].isin(REFERENCE_ORIGINS).to_numpy()
    y = rows["label"].to_numpy()
    top1 = np.empty(len(rows), dtype=object)
    vote = np.empty(len(rows), dtype=object)
    t0 = time.perf_counter()
    for held in rows[by].unique():
        test = (rows[by] == held).to_numpy()
        index = precedents.PrecedentIndex(choice).fit(rows[~test])
        found = index.query(rows.loc[test, "opinion"].tolist(), 3)
        labels = found["label"].to_numpy().reshape(-1, 3)
        top1[test] = labels[:, 0]
        vote[test] = [max(LABELS, key=lambda l: (list(r).count(l), -list(r).index(l) if l in r else -9)) for r in labels]
    return {"accuracy": float((top1[scored] == y[scored]).mean()), "macro_f1": macro_f1(y[scored], top1[scored]),
            "vote_accuracy": float((vote[scored] == y[scored]).mean()), "vote_macro_f1": macro_f1(y[scored], vote[scored]),
            "rows": int(scored.sum()), "seconds": time.perf_counter() - t0}


def model_loso(frame) -> dict:
    """The opinion-only model's leave-one-source-out predictions, shipped configuration."""
    from classifier import persist
    from classifier.evaluate import analyze_once, fit_predict, split_groups, splitter, trainable
    from classifier.model import Config

    card = persist.read_card(ROOT / "models", "opinion")
    config, temperature = Config.from_dict(card["config"]), float(card.get("temperature", 1.0))
    frame = trainable(frame, "opinion")
    y = frame["label"].to_numpy()
    analyzed = analyze_once(frame, "opinion")
    proba = np.zeros((len(frame), len(LABELS)))
    tested = np.zeros(len(frame), dtype=bool)
    for train, test in splitter("loso", frame, split_groups(frame), y):
        proba[test] = fit_predict(analyzed, frame, y, train, test, "opinion", config, temperature=temperature)
        tested[test] = True
    ref = frame["label_origin"].isin(REFERENCE_ORIGINS).to_numpy() & tested
    pred = np.array(LABELS, dtype=object)[proba.argmax(1)]
    majority = max(LABELS, key=lambda l: (y[ref] == l).sum())
    return {"accuracy": float((pred[ref] == y[ref]).mean()), "macro_f1": macro_f1(y[ref], pred[ref]),
            "rows": int(ref.sum()), "config": f"{config.classifier} C={config.C}",
            "majority": majority, "majority_accuracy": float((y[ref] == majority).mean()),
            "majority_macro_f1": macro_f1(y[ref], np.array([majority] * int(ref.sum()), dtype=object))}


def usefulness(choices) -> None:
    frame = training_frame()
    print("usefulness, leave-one-source-out (index built from the other bodies' labelled opinions):")
    for choice in choices:
        r = precedent_loso(frame, choice)
        print(f"  nearest precedent's label, TF-IDF {choice:6s}: accuracy {r['accuracy']:.3f}, macro-F1 "
              f"{r['macro_f1']:.3f}; majority of 3 nearest: accuracy {r['vote_accuracy']:.3f}, macro-F1 "
              f"{r['vote_macro_f1']:.3f} ({r['rows']} rows, {r['seconds']:.1f} s)")
    r = precedent_loso(frame, precedents.DEFAULT, by="plan")
    print(f"  (leave-one-plan-out instead, the same body's other plans indexed, {precedents.DEFAULT}: accuracy "
          f"{r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f})")
    m = model_loso(frame)
    print(f"  opinion-only model ({m['config']}, shipped configuration): accuracy {m['accuracy']:.3f}, "
          f"macro-F1 {m['macro_f1']:.3f} ({m['rows']} rows)")
    print(f"  majority label ({m['majority']}): accuracy {m['majority_accuracy']:.3f}, macro-F1 "
          f"{m['majority_macro_f1']:.3f}")


def speed(rows: int, mode: str, repeat: int = 2) -> None:
    from predict_speed import make_big

    from classifier.predict import load_model

    models = ROOT / "models"
    with tempfile.TemporaryDirectory() as tmp:
        model = load_model(mode, models)
        if precedents.exists(models):
            index, where = precedents.load(models), f"{models / 'precedents.skops'}"
        else:
            index = precedents.PrecedentIndex().fit(precedents.training_rows(training_frame(), "corrections.csv"))
            precedents.save(index, tmp)
            where = "built now from data/labeled_opinions.csv (no models/precedents.skops)"
        model.index = index
        frame = make_big(rows)
        distinct = frame["意見"].nunique()
        model.predict_table(frame.iloc[:200], precedents=3)  # warm up (taggers, imports)
        t_plain = t_with = float("inf")
        for _ in range(repeat):  # alternated, best of ``repeat``: the machine is shared
            t0 = time.perf_counter()
            plain = model.predict_table(frame)
            t_plain = min(t_plain, time.perf_counter() - t0)
            t0 = time.perf_counter()
            withp = model.predict_table(frame, precedents=3)
            t_with = min(t_with, time.perf_counter() - t0)
        t0 = time.perf_counter()
        index.query(frame["意見"].tolist(), 3)
        t_query = time.perf_counter() - t0
    assert len(withp) == len(plain) == rows
    print(f"speed, {rows} rows ({distinct} distinct opinions), {mode} mode, best of {repeat}, index of {index.size} opinions "
          f"({where}):")
    print(f"  predict_table: {t_plain:.1f} s; with precedents=3: {t_with:.1f} s; ratio {t_with / t_plain:.2f} "
          f"(target < 2); precedents alone (query): {t_query:.1f} s ({rows / t_query:.0f} rows/s), so "
          f"(predict + query) / predict = {(t_plain + t_query) / t_plain:.2f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=2, help="Timed runs of each (best of).")
    ap.add_argument("--mode", default="opinion", choices=["opinion", "response"])
    ap.add_argument("--choices", default="char2,char23,char24,lemma", help="Vectorizers to compare (precedents.CHOICES).")
    ap.add_argument("--skip-loso", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    args = ap.parse_args()
    if not args.skip_loso:
        usefulness(args.choices.split(","))
    if not args.skip_speed:
        speed(args.rows, args.mode, args.repeat)


if __name__ == "__main__":
    main()
