"""Cross-validation time: tokenize once vs tokenize in every fold (the naive way), one run.

Both run the same grouped 5-fold CV of the response model over the same configurations and
must give the same predictions; only where tokenization happens differs.

Usage: python benchmarks/cv_tokenize_once.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier import load_dataset  # noqa: E402
from classifier.evaluate import _fit_predict, split_groups, splitter, tokenize_once  # noqa: E402
from classifier.labels import LABELS  # noqa: E402
from classifier.model import FULL_GRID, build_pipeline  # noqa: E402

MODE = "response"


def main():
    frame = load_dataset(ROOT / "data" / "labeled_opinions.csv")
    y = frame["label"].to_numpy()
    groups = split_groups(frame)
    folds = splitter("kfold", frame, groups, y)
    grid = [c for c in FULL_GRID if c.word_ngrams == 1 and not c.chars and c.C == 10.0]  # surface and lemma

    t0 = time.perf_counter()
    tokenized = tokenize_once(frame, MODE, sorted({c.form for c in grid}))
    once = [np.concatenate([_fit_predict(tokenized, y, tr, te, MODE, c) for tr, te in folds]) for c in grid]
    t_once = time.perf_counter() - t0

    t0 = time.perf_counter()
    naive = []
    for c in grid:
        parts = []
        for tr, te in folds:
            pipe = build_pipeline(MODE, c).fit(frame.iloc[tr], y[tr])  # tokenizes the training rows
            p = pipe.predict_proba(frame.iloc[te])  # and the test rows, again for every fold
            full = np.zeros((len(te), len(LABELS)))
            for j, lab in enumerate(pipe.classes_):
                full[:, LABELS.index(lab)] = p[:, j]
            parts.append(full)
        naive.append(np.concatenate(parts))
    t_naive = time.perf_counter() - t0

    same = all(np.allclose(a, b) for a, b in zip(once, naive))
    print(f"{len(grid)} configurations × {len(folds)} folds on {len(frame)} rows ({MODE} mode)")
    print(f"  tokenize once:  {t_once:6.1f} s")
    print(f"  naive per fold: {t_naive:6.1f} s")
    print(f"  speed-up: {t_naive / t_once:.2f}×; identical predictions: {same}")


if __name__ == "__main__":
    main()
