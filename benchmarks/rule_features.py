"""What the rule features add to the response model: macro-F1 with and without them, same
nested grouped CV as `pubcom evaluate` (fast grid), one run.

Usage: python benchmarks/rule_features.py [-j 2]
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier import load_dataset  # noqa: E402
from classifier.evaluate import cross_validate  # noqa: E402
from classifier.metrics import REFERENCE_ORIGINS, macro_f1  # noqa: E402
from classifier.model import GRID  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    frame = load_dataset(ROOT / "data" / "labeled_opinions.csv")
    frame = frame[frame["label_origin"].isin(REFERENCE_ORIGINS)].reset_index(drop=True)
    y = frame["label"].to_numpy()
    print(f"response model, {len(frame)} official + annotated rows, macro-F1")
    print(f"{'split':8} {'without rules':>14} {'with rules':>11}")
    for kind in ("loso", "lopo", "kfold"):
        scores = [macro_f1(y, cross_validate(frame, "response", kind, [replace(c, rules=r) for c in GRID],
                                             n_jobs=args.jobs)["pred"]) for r in (False, True)]
        print(f"{kind:8} {scores[0]:14.3f} {scores[1]:11.3f}", flush=True)


if __name__ == "__main__":
    main()
