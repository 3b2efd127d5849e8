"""``pubcom report``: load results files, compute the deferral table, write report.html (self-
contained), report.md, deferral.csv and the charts."""
from __future__ import annotations

import datetime as dt
import html
import json
import math
from pathlib import Path

import pandas as pd

from .charts import deferral_svg, label_shares_svg
from .dataset import is_dataset_file, load_dataset
from .exceptions import DataFileError
from .labels import LABELS, LABELS_JA
from .metrics import markdown_table
from .report import deferral_table, rates_from_confusion
from .tables import find_column, read_table

CSV_COLUMNS = ["source", "plan", "n", "deferred", "share", "ci_low", "ci_high", "method"]


def load_results(paths, models_dir=None, progress=None) -> pd.DataFrame:
    """Results files as one frame with source, plan, opinion, response, label (+ label_origin).

    A labelled dataset is read as it is. Another table needs an opinion column; without a
    ``source``/``plan`` column the file name stands for both; without a ``label`` column the
    response model (or the opinion model, when there is no response) predicts it.
    """
    frames = []
    for path in paths:
        path = Path(path)
        if is_dataset_file(path):
            frames.append(load_dataset(path).assign(mode="response"))
            continue
        table = read_table(path)
        line_numbers = table.index.to_numpy()
        table = table.reset_index(drop=True)
        op = find_column(table.columns, "opinion")
        resp = find_column(table.columns, "response", required=False)
        frame = pd.DataFrame({"opinion": table[op], "response": table[resp] if resp else ""})
        frame["source"] = table["source"] if "source" in table else path.stem
        frame["plan"] = table["plan"] if "plan" in table else path.stem
        mode = "response" if resp else "opinion"
        error = pd.Series("", index=table.index)
        if "label" in table:
            frame["label"] = table["label"].fillna("").str.strip()
            if "error" in table:
                error = table["error"].fillna("")
        else:
            from .predict import load_model

            if progress:
                progress(f"{path.name}: no label column, predicting with the {mode} model")
            pred = load_model(mode, models_dir).predict_table(table, op, resp)
            frame["label"] = pred["label"].fillna("").to_numpy()
            error = pred["error"]
        if "label_origin" in table:
            frame["label_origin"] = table["label_origin"]
        if "corrected_label" in table:  # the staff page's download: a correction is a reading
            corrected = table["corrected_label"].fillna("").str.strip() != ""
            frame.loc[corrected, "label"] = table.loc[corrected, "corrected_label"].str.strip()
            frame["label_origin"] = frame.get("label_origin", pd.Series("", index=frame.index)).where(~corrected, "annotated")
        missing = frame.index[frame["label"] == ""]
        if progress and len(missing):
            lines = ", ".join(str(line_numbers[i]) for i in missing[:10]) + (" …" if len(missing) > 10 else "")
            why = error[missing[0]] or "no label"
            progress(f"{path.name}: {len(missing)} row(s) left out of the report, with no label "
                     f"(rows {lines} as Excel numbers them; row {line_numbers[missing[0]]}: {why})")
        frames.append(frame.assign(mode=mode))
    if not frames:
        raise DataFileError("no input files")
    out = pd.concat(frames, ignore_index=True).fillna("")
    bad = out[~out["label"].isin(LABELS) & (out["label"] != "")]
    if len(bad):
        raise DataFileError(f"unknown label {bad['label'].iloc[0]!r} in the input; expected one of {', '.join(LABELS)}")
    return out[out["label"] != ""]


def load_rates(evaluation_path, mode="response"):
    """Deferred true/false-positive rates from the leave-one-source-out evaluation, or None."""
    path = Path(evaluation_path)
    if not path.exists():
        return None
    results = json.loads(path.read_text(encoding="utf-8"))["results"]
    if mode not in results or "loso" not in results[mode]:
        return None
    return rates_from_confusion(results[mode]["loso"]["model"]["confusion"])


def build_report(frame: pd.DataFrame, evaluation_path=None) -> pd.DataFrame:
    parts = []
    for mode, g in frame.groupby("mode", sort=True):
        rates = load_rates(evaluation_path, mode) if evaluation_path else None
        parts.append(deferral_table(g, rates))
    return pd.concat(parts, ignore_index=True).sort_values(["source", "plan"]).reset_index(drop=True)


def _pct(x):
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "source": table["source"], "plan": table["plan"], "opinions": table["n"],
        "deferred": table["deferred"], "deferral share": table["share"].map(_pct),
        "95 % interval": [f"{_pct(a)} – {_pct(b)}" for a, b in zip(table["ci_low"], table["ci_high"])],
        "raw share": table["raw_share"].map(_pct), "method": table["method"],
        "distinct opinions (deferred)": [f"{a} ({b})" for a, b in zip(table["n_distinct"], table["deferred_distinct"])],
        "distinct responses (deferred)": [f"{a} ({b})" for a, b in zip(table["n_responses"], table["deferred_responses"])],
    })


def _shares(table: pd.DataFrame) -> pd.DataFrame:
    out = table[["source", "plan", "n"]].copy()
    for label in LABELS:
        out[f"{label} {LABELS_JA[label]}"] = table[f"share_{label}"].map(_pct)
    return out


NOTES = [
    "Opinions are counted in full (every submitted opinion, form letters included); "
    "'distinct opinions' counts each duplicate group once; 'distinct responses' counts each distinct response once.",
    "Labelled rows (official categories, annotations) are counted as they are, with a Wilson 95 % interval.",
    "Predicted rows: the raw share is what the model predicted; the deferral share is corrected with the model's "
    "deferred true/false-positive rates from leave-one-source-out evaluation (adjusted classify-and-count), "
    "with a bootstrap 95 % interval that also resamples the evaluation counts.",
]


def write_report(table: pd.DataFrame, out_dir, inputs) -> list:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv = table[CSV_COLUMNS + ["raw_share", "n_distinct", "deferred_distinct", "n_responses", "deferred_responses"]]
    csv.to_csv(out_dir / "deferral.csv", index=False, encoding="utf-8", float_format="%.4f")
    shares_svg, deferral = label_shares_svg(table), deferral_svg(table)
    (out_dir / "label_shares.svg").write_text(shares_svg, encoding="utf-8")
    (out_dir / "deferral.svg").write_text(deferral, encoding="utf-8")
    today = dt.date.today().isoformat()
    md = ["# How often does each government defer? / 今後検討の割合", "",
          f"Inputs: {', '.join(map(str, inputs))}. Made by `pubcom report` on {today}.", "",
          "## Deferral share per source and plan", "", markdown_table(_readable(table)), "",
          "![deferral share](deferral.svg)", "", "## Label shares", "", markdown_table(_shares(table)), "",
          "![label shares](label_shares.svg)", "", "## Method", ""] + [f"- {n}" for n in NOTES]
    (out_dir / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    page = _HTML.format(
        inputs=html.escape(", ".join(map(str, inputs))), date=today,
        deferral_table=_readable(table).to_html(index=False, escape=True, border=0),
        shares_table=_shares(table).to_html(index=False, escape=True, border=0),
        deferral_svg=deferral, shares_svg=shares_svg,
        notes="".join(f"<li>{html.escape(n)}</li>" for n in NOTES))
    (out_dir / "report.html").write_text(page, encoding="utf-8")
    return [out_dir / n for n in ("report.html", "report.md", "deferral.csv", "deferral.svg", "label_shares.svg")]


_HTML = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<title>今後検討の割合 — pubcom report</title>
<style>
body {{ font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", Meiryo, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; }}
th {{ background: #f5f5f5; }}
figure {{ margin: 1em 0; }} svg {{ max-width: 100%; height: auto; }}
</style></head><body>
<h1>How often does each government defer? / 今後検討の割合</h1>
<p>Inputs: {inputs}. Made by <code>pubcom report</code> on {date}.</p>
<h2>Deferral share per source and plan</h2>
<figure>{deferral_svg}</figure>
{deferral_table}
<h2>Label shares</h2>
<figure>{shares_svg}</figure>
{shares_table}
<h2>Method</h2><ul>{notes}</ul>
</body></html>
"""
