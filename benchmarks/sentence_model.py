"""A learned sentence model beside the rule reading, leave-one-source-out, with intervals.

The rules read each sentence of a response through hand-written patterns. This measures whether a
model of sentences learned from the annotations carries better: each annotated response's deciding
sentence (the one holding its evidence phrase) is a training sentence of its label, its other
sentences are ``none``, and every sentence of a guide row is one of its label (each distinct
response once). The response model then gets, per label, the highest probability any sentence has
and the last sentence's, as one more feature block (weight ``--weight``).

Cross-fitted so that no score comes from a model that saw the row's body or the held-out one: in
the fold that holds body B out, B's rows are scored by a sentence model trained without B, and the
training rows of body A (the guide rows included, as their own body) by one trained without A and
B. The response model's configuration and temperature are then chosen inside the fold, as in
`pubcom evaluate` (one process: the feature block is patched into classifier.evaluate). One level
is not cross-fitted: inside that inner selection, the scores of the inner training rows come from
sentence models that saw the inner held-out body. That can only bias the choice of configuration
and temperature, never the held-out body's scores.

Usage: python benchmarks/sentence_model.py [--weight W ...] [--bodies]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier import evaluate  # noqa: E402
from classifier.evaluate import analyze_once, fit_predict, select_config, split_groups, splitter, trainable  # noqa: E402
from classifier.labels import LABELS  # noqa: E402
from classifier.metrics import REFERENCE_ORIGINS, headline  # noqa: E402
from classifier.model import GRID, build_features, tfidf  # noqa: E402
from classifier.stance import sentences  # noqa: E402
from classifier.text import normalize  # noqa: E402
from classifier.train import load_training_data  # noqa: E402
from cross_body import row  # noqa: E402  (this folder is on sys.path when run as a script)
from request_types import patched  # noqa: E402


def sentence_table(frame) -> tuple:
    """(each row's sentences as lemma strings, the training sentences: source, lemmas, label)."""
    parsed = [sentences(normalize(r), normalized=True) for r in frame["response"]]
    lemmas = [[s.lemmas for s in p] or [""] for p in parsed]
    out, seen = [], set()
    for i, (sents, r) in enumerate(zip(parsed, frame.itertuples())):
        key = (r.source, r.response_group)
        if key in seen or r.label_origin not in ("annotated", "guide"):
            continue
        if r.label_origin == "guide":
            deciding = set(range(len(sents)))
        else:
            evidence = normalize(r.evidence)
            holding = [k for k, s in enumerate(sents) if evidence and (evidence in s.text or evidence[-15:] in s.text)]
            if not holding:
                continue
            deciding = {holding[-1]}
        seen.add(key)
        out += [(r.source, lemmas[i][k], r.label if k in deciding else "none") for k in range(len(lemmas[i]))]
    return lemmas, pd.DataFrame(out, columns=["source", "lemmas", "label"])


def fit_sentences(table, excluded):
    t = table[~table["source"].isin(excluded)]
    vectorizer = tfidf()
    return vectorizer.fit(t["lemmas"]), LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced").fit(
        vectorizer.transform(t["lemmas"]), t["label"])


def sentence_scores(model, lemmas, rows) -> np.ndarray:
    """Per row: each label's highest sentence probability, then the last sentence's."""
    vectorizer, clf = model
    cols = [list(clf.classes_).index(label) if label in clf.classes_ else None for label in LABELS]
    out = np.zeros((len(rows), 2 * len(LABELS)))
    for n, i in enumerate(rows):
        p = clf.predict_proba(vectorizer.transform(lemmas[i]))
        for j, c in enumerate(cols):
            if c is not None:
                out[n, j], out[n, len(LABELS) + j] = p[:, c].max(), p[-1, c]
    return out


class DenseBlock(BaseEstimator, TransformerMixin):
    """A column of equal-length vectors → a sparse matrix."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return sparse.csr_matrix(np.vstack(list(X)))


def with_sentence_block(weight):
    def build(mode, config, vocabulary=None):
        shipped = build_features(mode, config, vocabulary)
        return ColumnTransformer([*shipped.transformers, ("sentences", DenseBlock(), "response_sentence_scores")],
                                 transformer_weights={**shipped.transformer_weights, "sentences": weight})
    return build


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weight", type=float, nargs="*", default=[1.0, 2.0])
    ap.add_argument("--bodies", action="store_true", help="every body's figure with its interval")
    args = ap.parse_args()
    t0 = time.perf_counter()
    data = ROOT / "data"
    frame = trainable(load_training_data([data / "labeled_opinions.csv", data / "guide_rows.csv"]), "response")
    analyzed = analyze_once(frame, "response")
    lemmas, table = sentence_table(frame)
    print(f"{len(table)} training sentences: " + ", ".join(f"{k} {v}" for k, v in table["label"].value_counts().items()))
    y, source = frame["label"].to_numpy(), frame["source"].astype(str).to_numpy()
    groups, scored = split_groups(frame), frame["label_origin"].isin(REFERENCE_ORIGINS).to_numpy()
    folds = []  # per outer fold: (train, test, the rows' sentence scores)
    for train, test in splitter("loso", frame, groups, y):
        held, scores = source[test[0]], np.zeros((len(frame), 2 * len(LABELS)))
        scores[test] = sentence_scores(fit_sentences(table, {held}), lemmas, test)
        for body in sorted(set(source[train])):
            rows = train[source[train] == body]
            scores[rows] = sentence_scores(fit_sentences(table, {held, body}), lemmas, rows)
        folds.append((train, test, scores))
    for weight in args.weight:
        proba, chosen = np.zeros((len(frame), len(LABELS))), []
        with patched(evaluate, {"build_features": with_sentence_block(weight)}):  # fit_steps looks it up there
            for train, test, scores in folds:
                a = analyzed.assign(response_sentence_scores=list(scores))
                config, _, temperature = select_config(a, frame, y, groups, train, "response", GRID, 1)
                proba[test] = fit_predict(a, frame, y, train, test, "response", config, (), temperature)
                chosen.append(f"{source[test[0]]} {config.classifier} C={config.C}")
        print(row(f"+ sentence model, weight {weight}", headline(frame[scored], proba=proba[scored]), args.bodies)
              + "\n    chosen: " + ", ".join(chosen), flush=True)
    print(f"\n({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
