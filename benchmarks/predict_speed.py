"""Prediction speed and memory, printed as figures (never asserted in tests).

1. Throughput ratio: predicting N distinct texts vs raw fugashi analysis of the same texts,
   measured in one run, best of 3. The target's baseline is fugashi lemma + POS iteration
   (``[(w.feature.lemma, w.feature.pos1) for w in tagger(text)]``: what any lemma-reading tool
   does); surface node iteration and MeCab's wakati output are printed beside it for context.
2. 200,000 opinions resampled from the corpus with realistic duplication (form letters), predicted
   through ``Model.predict_table`` in a child process; wall time and the child's peak RSS.

Usage: python benchmarks/predict_speed.py [--mode response] [--rows 200000]
"""
from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier import load_dataset  # noqa: E402
from classifier.predict import load_model  # noqa: E402
from classifier.text import get_tagger, normalize  # noqa: E402


def corpus():
    return load_dataset(ROOT / "data" / "labeled_opinions.csv")


def distinct_texts(n: int, seed: int = 0):
    """n distinct (opinion, response) pairs: corpus rows, each made unique by a sentence of
    another row appended."""
    df = corpus()
    rng = random.Random(seed)
    ops, resps = df["opinion"].tolist(), df["response"].tolist()
    out = []
    for i in range(n):
        j, k = rng.randrange(len(ops)), rng.randrange(len(ops))
        tail = ops[k].split("。")[0][:60]
        out.append((f"{ops[j]} {tail} ({i})", resps[j]))
    return out


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def throughput(mode: str, n: int) -> None:
    import pandas as pd

    pairs = distinct_texts(n)
    frame = pd.DataFrame(pairs, columns=["opinion", "response"])
    model = load_model(mode)
    tagger, wakati = get_tagger(), get_tagger("-Owakati")
    texts = [normalize(o) + (" " + normalize(r) if mode == "response" else "") for o, r in pairs]
    chars = sum(map(len, texts))
    lemmas = best_of(lambda: [[(w.feature.lemma, w.feature.pos1) for w in tagger(t)] for t in texts])
    nodes = best_of(lambda: [[w.surface for w in tagger(t)] for t in texts])
    parse = best_of(lambda: [wakati.parse(t) for t in texts])
    pred = best_of(lambda: model.predict_table(frame))
    cfg = model.card.get("config", {})
    print(f"throughput, {n} distinct {mode}-mode rows ({chars / n:.0f} chars each), model "
          f"{cfg.get('classifier')} C={cfg.get('C')}:")
    print(f"  raw fugashi, lemma+POS iteration: {n / lemmas:8.0f} texts/s ({lemmas:.2f} s)")
    print(f"  raw fugashi, surface iteration:   {n / nodes:8.0f} texts/s ({nodes:.2f} s)")
    print(f"  raw fugashi, wakati parse:        {n / parse:8.0f} texts/s ({parse:.2f} s)")
    print(f"  pubcom predict_table:             {n / pred:8.0f} texts/s ({pred:.2f} s)")
    print(f"  ratio predict / lemma+POS iteration: {lemmas / pred:.2f} (target ≥ 0.70); "
          f"/ surface iteration {nodes / pred:.2f}; / wakati parse {parse / pred:.2f}")


def make_big(rows: int, seed: int = 1):
    """rows opinions: 70 % copies of 40 form letters, 30 % distinct opinions."""
    import pandas as pd

    rng = random.Random(seed)
    letters = distinct_texts(40, seed=99)
    unique = distinct_texts(int(rows * 0.3), seed=seed)
    data = unique + [letters[rng.randrange(40)] for _ in range(rows - len(unique))]
    rng.shuffle(data)
    return pd.DataFrame(data, columns=["意見", "市の考え方"])


def big_child(mode: str, rows: int) -> None:
    frame = make_big(rows)
    model = load_model(mode)
    cpu0 = _cpu()
    t0 = time.perf_counter()
    out = model.predict_table(frame)
    dt = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    peak = _own_peak_mb()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{rows} rows ({frame.drop_duplicates().shape[0]} distinct), {mode} mode: "
          f"predicted in {dt:.1f} s ({rows / dt:.0f} rows/s); peak RSS {peak:.0f} MB in the main process, "
          f"{workers:.0f} MB in the largest worker, {peak + 2 * workers:.0f} MB at most in all "
          f"(targets < 60 s, < 2048 MB); {int((out['error'] != '').sum())} errors")
    print(f"  CPU time (user + system, main process and workers): {cpu:.1f} s, i.e. {cpu / 2:.1f} s "
          f"of wall time at best on 2 free cores (wall time above depends on the machine's load)")


def _own_peak_mb() -> float:
    """This process's peak RSS: VmHWM where /proc has it (Linux keeps the parent's peak in ru_maxrss
    across fork + exec, so ru_maxrss would report the benchmark's first part), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="response", choices=["opinion", "response"])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--distinct", type=int, default=3000)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--no-throughput", action="store_true", help="only the large run")
    args = ap.parse_args()
    if args.child:
        return big_child(args.mode, args.rows)
    if not args.no_throughput:
        throughput(args.mode, args.distinct)
    subprocess.run([sys.executable, __file__, "--child", "--mode", args.mode, "--rows", str(args.rows)], check=True)


if __name__ == "__main__":
    main()
