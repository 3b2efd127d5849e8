"""Write an evaluation (from evaluate.evaluate_mode) as JSON, Markdown and reliability plots."""
from __future__ import annotations

import json
from pathlib import Path

from .labels import LABELS
from .metrics import markdown_table

KIND_TITLES = {"loso": "leave-one-source-out (headline)", "lopo": "leave-one-plan-out",
               "kfold": "grouped stratified 5-fold"}


def reliability_plot(calibration: dict, path, title: str) -> Path:
    from matplotlib.figure import Figure

    bins = calibration["bins"]
    fig = Figure(figsize=(4.5, 4.5), dpi=100)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], "o-", label="model")
    for b in bins:
        ax.annotate(str(b["n"]), (b["confidence"], b["accuracy"]), textcoords="offset points",
                    xytext=(4, -10), fontsize=7)
    ax.set_xlabel("confidence (top class probability)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{title}\nECE = {calibration['ece']:.3f}", fontsize=10)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    return Path(path)


def to_markdown(results: dict, meta: dict) -> str:
    out = ["# Evaluation", "", f"Made by `{meta['command']}` on {meta['date']}; data "
           f"`{meta['data']}` (sha256 {meta['data_sha256'][:12]}…), {meta['rows']} rows.", "",
           "Metrics on `official` + `annotated` rows only. Hyper-parameters are chosen inside each "
           "training fold (nested grouped CV); opinions sharing a response or a duplicate group never "
           "straddle a split.", ""]
    for mode, kinds in results.items():
        out += [f"## Mode `{mode}`", ""]
        rows = []
        for kind, entry in kinds.items():
            for name in ("model", "majority", "rules"):
                if name in entry:
                    rows.append({"split": KIND_TITLES[kind], "predictor": name, "n": entry[name]["n"],
                                 "macro-F1": entry[name]["macro_f1"], "accuracy": entry[name]["accuracy"]})
        out += [markdown_table(_frame(rows)), ""]
        for kind, entry in kinds.items():
            m = entry["model"]
            out += [f"### {KIND_TITLES[kind]}", ""]
            out += ["Per source (model):", "", markdown_table(_frame(
                [{"source": k, **v} for k, v in m["by_source"].items()])), ""]
            out += ["Per origin (model):", "", markdown_table(_frame(
                [{"label_origin": k, **v} for k, v in m["by_label_origin"].items()])), ""]
            out += ["Per class (model):", "", markdown_table(_frame(
                [{"label": k, **v} for k, v in m["per_class"].items()])), ""]
            cm = m["confusion"]["matrix"]
            out += ["Confusion matrix (rows: true, columns: predicted):", "", markdown_table(_frame(
                [{"true \\ pred": LABELS[i], **dict(zip(LABELS, r))} for i, r in enumerate(cm)])), ""]
            if "rule_origin_rows" in entry:
                r = entry["rule_origin_rows"]
                out += [f"Rows labelled by rule (reported apart): n={r['n']}, macro-F1 {r['macro_f1']}.", ""]
            out += ["Configurations chosen per fold:", "", markdown_table(_frame(
                [{"held out": f["held_out"], **f["config"], "inner macro-F1": f["inner_macro_f1"],
                  "train": f["n_train"], "test": f["n_test"]} for f in entry["folds"]])), ""]
            if "calibration" in entry:
                c, t = entry["calibration"], entry["needs_review"]
                out += [f"Calibration: expected calibration error **{c['ece']}** "
                        f"(reliability plot: `reliability_{mode}.png`).", ""]
                if t["precision_rest"] is None:
                    out += ["No confidence threshold reaches 90 % precision: every row needs review.", ""]
                else:
                    out += [f"needs_review threshold: confidence < **{t['threshold']}**. Staff check "
                            f"**{t['review_share']:.0%}** of rows; the rest are {t['precision_rest']:.0%} precise "
                            f"(target {t['target']:.0%}).", ""]
    return "\n".join(out) + "\n"


def _frame(rows):
    import pandas as pd

    return pd.DataFrame(rows)


def write_evaluation(results: dict, meta: dict, out_dir) -> list:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    (out_dir / "evaluation.json").write_text(
        json.dumps({"meta": meta, "results": results}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    written.append(out_dir / "evaluation.json")
    (out_dir / "evaluation.md").write_text(to_markdown(results, meta), encoding="utf-8")
    written.append(out_dir / "evaluation.md")
    for mode, kinds in results.items():
        if "kfold" in kinds and "calibration" in kinds["kfold"]:
            written.append(reliability_plot(kinds["kfold"]["calibration"], out_dir / f"reliability_{mode}.png",
                                            f"{mode} mode, grouped 5-fold"))
    return written
