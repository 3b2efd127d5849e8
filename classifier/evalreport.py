"""Write an evaluation (from evaluate.evaluate_mode) as JSON, Markdown and reliability plots."""
from __future__ import annotations

import json
from pathlib import Path

from .labels import LABELS
from .metrics import markdown_table, share

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


def _unreached(review: dict) -> str:
    """What the report says when no confidence threshold reaches ``review``'s target precision."""
    return f"No confidence threshold reaches {review['target']:.0%} precision: every row needs review."


def _ci(ci) -> str:
    return f"[{ci[0]}, {ci[1]}]" if ci and ci[0] is not None else ""


def request_markdown(entry: dict) -> list:
    """The request-type model's section: leave-one-source-out per distinct opinion and per row."""
    out = ["## Request types (what an opinion asks)", "",
           "Leave-one-source-out; C and the temperature chosen inside each training fold by "
           "leave-one-source-out; `per response` below means per distinct opinion (form letters and a "
           "submitter's text answered in several blocks count once), `per opinion` per row.", "",
           headline_table({"loso": entry}, "loso"), ""]
    out += ["Per class (model, per row):", "", markdown_table(_frame(
        [{"type": k, **v} for k, v in entry["model"]["per_class"].items()])), ""]
    c, t = entry["calibration"], entry["needs_review"]
    out += [f"Calibration: expected calibration error **{c['ece']}**.", ""]
    if t["precision_rest"] is not None:
        out += [f"needs_review below confidence {t['threshold']}: {share(t['review_share'])} of rows to check, the "
                f"rest {t['precision_rest']:.0%} precise (target {t['target']:.0%}).", ""]
    else:
        out += [_unreached(t), ""]
    out += ["Folds:", "", markdown_table(_frame(entry["folds"])), ""]
    return out


def share_check_markdown(check: dict) -> list:
    """The deferral share of every held-out plan: labelled, raw predicted, adjusted (report.share_check)."""
    e = check["errors"]

    def err(est):
        v = e[est]
        return "—" if v["mean_abs_error"] is None else f"{v['mean_abs_error']:.3f} (largest {v['max_abs_error']:.3f})"

    rows = [{"source": p["source"], "plan": p["plan"], "n": p["n"], "labelled share": share(p["labelled"]),
             "raw predicted share": share(p["raw"]),
             "adjusted share": "—" if p["adjusted"] is None else share(p["adjusted"])} for p in check["plans"]]
    return ["Deferral share of each held-out plan (`pubcom report` estimates predicted shares with the estimator "
            "that comes closer here): raw predicted share (classify and count) and the share adjusted with the "
            "deferred true/false-positive rates of the other bodies' rows. Mean absolute error over the plans: "
            f"raw {err('raw')}, adjusted {err('adjusted')}; chosen: **{check['chosen']}**.", "",
            markdown_table(_frame(rows)), ""]


def headline_table(kinds: dict, kind: str = "loso") -> str:
    """Macro-F1 per distinct response and per opinion, pooled (with the mean over bodies) and per
    body, each with its 95 % cluster-bootstrap interval, for the model and its baselines."""
    entry = kinds[kind]["headline"]
    bodies = sorted(next(iter(entry.values()))["response"]["by_source"])
    rows = []
    for name, h in entry.items():
        for unit in ("response", "opinion"):
            u = h[unit]
            row = {"predictor": name, "unit": f"per {unit}",
                   "pooled": f"**{u['macro_f1']}** {_ci(u['ci'])} n={u['n']}", "mean over bodies": u["mean_over_bodies"]}
            for b in bodies:
                v = u["by_source"].get(b)
                row[b] = f"{v['macro_f1']} {_ci(v['ci'])} n={v['n']}" if v else ""
            rows.append(row)
    return markdown_table(_frame(rows))


def to_markdown(results: dict, meta: dict) -> str:
    out = ["# Evaluation", "", f"Made by `{meta['command']}` on {meta['date']}; data "
           f"`{meta['data']}` (sha256 {meta['data_sha256'][:12]}…), {meta['rows']} rows.", "",
           "Scored on `official` + `annotated` rows only (guide rows are trained on, never scored). The "
           "configuration is chosen inside each training fold by leave-one-source-out over the training "
           "bodies; opinions sharing a response or a duplicate group never straddle a split. Intervals: "
           "95 % cluster bootstrap over response groups (1,000 draws, within each body for pooled figures). "
           "Per distinct response: each response counts once (its probability is the mean over its "
           "opinions), so a stock reply answering 44 opinions does not count 44 times.", ""]
    for mode, kinds in results.items():
        if mode == "request":
            out += request_markdown(kinds)
            continue
        out += [f"## Mode `{mode}`", ""]
        if "loso" in kinds:
            out += ["### Headline: leave-one-source-out, macro-F1", "", headline_table(kinds, "loso"), ""]
        rows = []
        for kind, entry in kinds.items():
            for name, h in entry["headline"].items():
                rows.append({"split": KIND_TITLES[kind], "predictor": name,
                             "per response": f"{h['response']['macro_f1']} {_ci(h['response']['ci'])}",
                             "per opinion": f"{h['opinion']['macro_f1']} {_ci(h['opinion']['ci'])}",
                             "accuracy (opinion)": h["opinion"]["accuracy"]})
        out += ["### Every split", "", markdown_table(_frame(rows)), ""]
        for kind, entry in kinds.items():
            m = entry["model"]
            out += [f"### {KIND_TITLES[kind]}", ""]
            out += ["Per origin (model, per opinion):", "", markdown_table(_frame(
                [{"label_origin": k, **v} for k, v in m["by_label_origin"].items()])), ""]
            out += ["Per class (model, per opinion):", "", markdown_table(_frame(
                [{"label": k, **v} for k, v in m["per_class"].items()])), ""]
            cm = m["confusion"]["matrix"]
            out += ["Confusion matrix (per opinion; rows: true, columns: predicted):", "", markdown_table(_frame(
                [{"true \\ pred": LABELS[i], **dict(zip(LABELS, r))} for i, r in enumerate(cm)])), ""]
            if "rule_origin_rows" in entry:
                r = entry["rule_origin_rows"]
                out += [f"Rows labelled by rule (reported apart): n={r['n']}, macro-F1 {r['macro_f1']}.", ""]
            out += ["Configurations chosen per fold:", "", markdown_table(_frame(
                [{"held out": f["held_out"], "classifier": f["classifier"], "C": f["C"],
                  "temperature": f["temperature"], "inner macro-F1": f["inner_macro_f1"], "train": f["n_train"], "test": f["n_test"]}
                 for f in entry["folds"]])), ""]
            if "perturbation" in entry:
                out += ["Perturbation test: the held-out responses rewritten in another politeness style "
                        "(`classifier/restyle.tsv`: おります→います, いたします→します, まいります→いきます …, and the "
                        "reverse), predicted by the same fold's model; macro-F1 per distinct response:", "",
                        markdown_table(_frame([{"style": k, **v} for k, v in entry["perturbation"].items()])), ""]
            if "deferral_shares" in entry:
                out += share_check_markdown(entry["deferral_shares"])
            if "coverage" in entry:
                reach = entry["coverage"]["coverage_at_precision"]
                out += ["Abstaining: share of rows the model can label at a given precision (the most confident "
                        "first; the rest need review): " + ", ".join(
                            f"{p} precise → {share(v['share'])} of rows" for p, v in reach.items()) + ".", "",
                        markdown_table(_frame(entry["coverage"]["curve"])), ""]
            c, t = entry["calibration"], entry["needs_review"]
            out += [f"Calibration: expected calibration error **{c['ece']}**"
                    + (f" (reliability plot: `reliability_{mode}.png`)." if kind == "loso" else "."), ""]
            if t["precision_rest"] is None:
                out += [_unreached(t), ""]
            else:
                out += [f"needs_review threshold: confidence < **{t['threshold']}**. Staff check "
                        f"**{share(t['review_share'])}** of rows; the rest are {t['precision_rest']:.0%} precise "
                        f"(target {t['target']:.0%}).", ""]
    return "\n".join(out) + "\n"


def _frame(rows):
    import pandas as pd

    return pd.DataFrame(rows)


def write_evaluation(results: dict, meta: dict, out_dir) -> list:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for mode, kinds in results.items():
        rows = kinds.get("loso", {}).pop("predictions", None) if mode != "request" else None
        if rows:
            import pandas as pd

            path = out_dir / f"predictions_{mode}.csv"
            pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8")
            written.append(path)
    (out_dir / "evaluation.json").write_text(
        json.dumps({"meta": meta, "results": results}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    written.append(out_dir / "evaluation.json")
    (out_dir / "evaluation.md").write_text(to_markdown(results, meta), encoding="utf-8")
    written.append(out_dir / "evaluation.md")
    for mode, kinds in results.items():
        if mode != "request" and "loso" in kinds:
            written.append(reliability_plot(kinds["loso"]["calibration"], out_dir / f"reliability_{mode}.png",
                                            f"{mode} mode, leave-one-source-out"))
    return written
