"""``pubcom report``: load results files, compute the deferral table, write report.html (self-
contained), report.md, deferral.csv and the charts."""
from __future__ import annotations

import datetime as dt
import html
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .charts import deferral_svg, label_shares_svg, request_labels_svg
from .dataset import is_dataset_file, load_dataset
from .exceptions import DataFileError
from .labels import LABELS, LABELS_JA
from .metrics import markdown_table
from .predict import default_models_dir
from .report import RAW, UNCHECKED, deferral_table, is_labelled, rates_from_confusion, separates
from .requests import REQUEST_TYPES
from .requesttable import (answers_readable, label_shares_by_request_type, request_answer_table,
                           request_labelled, request_type_table, types_readable)
from .tables import find_column, read_table

CSV_COLUMNS = ["source", "plan", "n", "deferred", "share", "ci_low", "ci_high", "method"]
ROOT = Path(__file__).resolve().parents[1]  # the checkout
DEFAULT_DATASET = ROOT / "data" / "labeled_opinions.csv"


def load_results(paths, models_dir=None, progress=None) -> pd.DataFrame:
    """Results files as one frame with source, plan, opinion, response, label (+ label_origin).

    A labelled dataset is read as it is. Another table needs an opinion column; without a
    ``source``/``plan`` column the file name stands for both; without a ``label`` column the
    response model (or the opinion model, when there is no response) predicts it. A
    ``request_type`` column is kept (with its ``request_origin``; without one it is predicted);
    rows without a labelled request type get the request-type model's, when there is one.
    ``attrs['notes']``: rows left out (no label) and labels taken as predictions, per file (also
    told to ``progress``); build_report carries them into the report.
    """
    frames, notes = [], []
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
        for role in ("source", "plan"):  # source / 団体, plan / 計画 exactly (columns.tsv), else the file's name
            col = find_column(table.columns, role, required=False, exact=True)
            frame[role] = table[col].fillna("").astype(str).str.strip().replace("", path.stem) if col else path.stem
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
            if "request_type" in pred:
                frame["request_type"] = pred["request_type"].fillna("").to_numpy()
                frame["request_origin"] = "predicted"
        if "request_type" in table:  # the file's own request types, where it has one
            given = table["request_type"].fillna("").astype(str).str.strip()
            has = (given != "").to_numpy()
            origin = table["request_origin"].fillna("").astype(str) if "request_origin" in table else "predicted"
            origin = pd.Series(origin, index=table.index)
            before = frame["request_origin"] if "request_origin" in frame else pd.Series("", index=frame.index)
            frame["request_type"] = np.where(has, given.to_numpy(), frame.get("request_type", pd.Series("", index=frame.index)).to_numpy())
            frame["request_origin"] = np.where(has, origin.to_numpy(), before.to_numpy())
        if "label_origin" in table:
            frame["label_origin"] = table["label_origin"]
        elif "label" in table and not {"confidence", "error", "corrected_label"} & set(table.columns):
            notes.append(f"{path.name}: its labels have no label_origin column and it is not a pubcom predict "
                         "file (no confidence or error column), so they are taken as predictions. If a person read "
                         "them or the government published them, add a label_origin column (annotated or official) "
                         "to count them as they are")
        if "corrected_label" in table:  # the staff page's download: a correction is a reading
            corrected = table["corrected_label"].fillna("").str.strip() != ""
            frame.loc[corrected, "label"] = table.loc[corrected, "corrected_label"].str.strip()
            frame["label_origin"] = frame.get("label_origin", pd.Series("", index=frame.index)).where(~corrected, "annotated")
        missing = frame.index[frame["label"] == ""]
        if len(missing):
            lines = ", ".join(str(line_numbers[i]) for i in missing[:10]) + (" …" if len(missing) > 10 else "")
            why = error[missing[0]] or "no label"
            notes.append(f"{path.name}: {len(missing)} row(s) left out of the report, with no label "
                         f"(rows {lines} as Excel numbers them; row {line_numbers[missing[0]]}: {why})")
        frames.append(frame.assign(mode=mode))
    if not frames:
        raise DataFileError("no input files")
    out = pd.concat(frames, ignore_index=True).fillna("")
    bad = out[~out["label"].isin(LABELS) & (out["label"] != "")]
    if len(bad):
        raise DataFileError(f"unknown label {bad['label'].iloc[0]!r} in the input; expected one of {', '.join(LABELS)}")
    out = out[out["label"] != ""]
    if progress:
        for note in notes:
            progress(note)
    out = predict_request_types(out, models_dir, progress)
    out.attrs["notes"] = notes
    return out


def predict_request_types(frame: pd.DataFrame, models_dir=None, progress=None) -> pd.DataFrame:
    """``frame`` with the request-type model's request_type (request_origin ``predicted``) on every
    row with an opinion but neither a labelled nor a model's request type, when a request-type
    model is trained; without one, the cue table's reading (request_origin ``rule``)."""
    folder = Path(models_dir or default_models_dir())
    frame = frame.copy()
    for col in ("request_type", "request_origin"):
        if col not in frame:
            frame[col] = ""
    todo = ~request_labelled(frame) & (frame["request_origin"] != "predicted") \
        & (frame["opinion"].astype(str).str.strip() != "")
    if not todo.any():
        return frame
    if not (folder / "request.json").exists():  # no request-type model: the cue table's reading
        from .requests import read_request

        if progress:
            progress(f"{int(todo.sum())} row(s) without a labelled request type and no request-type model in "
                     f"{shown(folder)}: reading it with the cue table")
        frame.loc[todo, "request_type"] = [read_request(o)[0] for o in frame.loc[todo, "opinion"]]
        frame.loc[todo, "request_origin"] = "rule"
        return frame
    from .predict import load_model

    if progress:
        progress(f"{int(todo.sum())} row(s) without a labelled request type: predicting it with the request-type model")
    asks = load_model("request", folder).request_types(frame.loc[todo, "opinion"].tolist())
    frame.loc[todo, "request_type"] = asks["request_type"].fillna("").to_numpy()
    frame.loc[todo, "request_origin"] = "predicted"
    return frame


def build_request_tables(frame: pd.DataFrame) -> dict:
    """The request-type tables of ``frame`` (see requesttable): ``types``, ``answers``, ``shares``
    (labels per body and request type) and ``left_out`` (rows without a request type)."""
    answers = request_answer_table(frame)
    left = int((~frame["request_type"].isin(REQUEST_TYPES)).sum()) if "request_type" in frame else len(frame)
    return {"types": request_type_table(frame), "answers": answers,
            "shares": label_shares_by_request_type(answers), "left_out": left}


def shown(path) -> str:
    """``path`` as a report shows it: relative to the checkout when inside it (no machine's folders
    in a committed report), else as given."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(ROOT)) if p.is_absolute() else str(p)
    except ValueError:
        return str(p)


def load_rates(evaluation_path, mode="response"):
    """Deferred true/false-positive rates from the leave-one-source-out evaluation, or None."""
    loso = _loso(evaluation_path, mode)
    return rates_from_confusion(loso["model"]["confusion"]) if loso else None


def load_share_check(evaluation_path, mode="response"):
    """The evaluation's check of the deferral-share estimators (report.share_check), or None
    (no such evaluation, or one made before the check existed)."""
    loso = _loso(evaluation_path, mode)
    return loso.get("deferral_shares") if loso else None


def _loso(evaluation_path, mode):
    path = Path(evaluation_path)
    if not path.exists():
        return None
    results = json.loads(path.read_text(encoding="utf-8"))["results"]
    return results.get(mode, {}).get("loso")


def find_evaluation(models_dir=None, mode: str = "response") -> tuple:
    """(evaluation.json of the ``mode`` model or None, the model card, the paths looked at).

    The card's ``evaluation`` (a path, absolute or relative to the models folder or to its parent
    folder; or {"path": …}) comes first, then reports/evaluation/evaluation.json beside the models
    folder. Nothing is looked for in the current folder."""
    models_dir = Path(models_dir or default_models_dir()).resolve()
    card_path = models_dir / f"{mode}.json"
    card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.exists() else {}
    pointer = card.get("evaluation")
    if isinstance(pointer, dict):
        pointer = pointer.get("path") or pointer.get("file")
    candidates = []
    if pointer:
        p = Path(pointer)
        candidates += [p] if p.is_absolute() else [models_dir / p, models_dir.parent / p]
    candidates.append(models_dir.parent / "reports" / "evaluation" / "evaluation.json")
    looked = []
    for c in dict.fromkeys(candidates):  # each place once
        looked.append(c)
        if c.exists():
            return c, card, looked
    return None, card, looked


def evaluation_mismatch(evaluation_path, card: dict) -> str:
    """Why the evaluation may not be of the model the card describes (other training data), or ""."""
    meta = json.loads(Path(evaluation_path).read_text(encoding="utf-8")).get("meta", {})
    trained = card.get("training_data") or {}
    if not trained:
        return ""
    if meta.get("training_files"):
        if meta["training_files"] != trained:
            return "it was made on other training files than the model"
    elif meta.get("data_sha256") and meta["data_sha256"] not in trained.values():
        return "it was made on another dataset than the model"
    return ""


def build_report(frame: pd.DataFrame, evaluation_path=None, models_dir=None, say=None) -> pd.DataFrame:
    """The deferral table of ``frame`` (see report.deferral_table). Predicted rows of each mode are
    estimated as ``evaluation_path`` says, else as the evaluation of that mode's model says
    (find_evaluation): no share when the model does not separate deferred answers, else the
    estimator its check of the held-out plans chose. ``table.attrs['notes']`` says which evaluation
    decided what, or that none was found (also told to ``say``); ``attrs['input_notes']`` carries
    load_results' notes (rows left out, labels taken as predictions) into the report."""
    parts, notes = [], []
    for mode, g in frame.groupby("mode", sort=True):
        rates, estimator = None, RAW
        if (~is_labelled(g)).any():
            rates, estimator, note, warn = _estimate_for(mode, evaluation_path, models_dir)
            notes.append(note)
            if say:
                say(("warning: " if warn else "") + note)
        parts.append(deferral_table(g, rates, estimator))
    table = pd.concat(parts, ignore_index=True).sort_values(["source", "plan"]).reset_index(drop=True)
    table.attrs["notes"] = notes
    table.attrs["input_notes"] = list(frame.attrs.get("notes", []))
    return table


def _estimate_for(mode, evaluation_path, models_dir) -> tuple:
    """(rates or None, estimator, what to say about them, whether it is a warning) for the
    predicted rows of ``mode``."""
    found, card, looked = find_evaluation(models_dir, mode)
    if evaluation_path is None:
        evaluation_path = found
    else:
        looked = [evaluation_path]
    rates = load_rates(evaluation_path, mode) if evaluation_path is not None else None
    if rates is None:
        where = f"{shown(evaluation_path)} has no leave-one-source-out results for it" if evaluation_path is not None \
            else f"looked at {', '.join(map(shown, looked))}"
        return None, RAW, (f"no evaluation of the {mode} model found ({where}): its predicted deferral shares are "
                           "raw, unchecked against the model's errors (run pubcom evaluate)"), True
    where = shown(evaluation_path)
    check = load_share_check(evaluation_path, mode)
    if check is not None and check["errors"]["raw"]["mean_abs_error"] is None:
        check = None  # a check over no plan decides nothing
    estimator = check["chosen"] if check else UNCHECKED
    if not separates(rates):
        note = (f"predicted rows ({mode} model): no deferral share estimated. On the bodies its evaluation {where} "
                f"held out, the model found {rates['tpr']:.0%} of the deferred answers and called {rates['fpr']:.0%} "
                "of the others deferred: it does not tell them apart, and neither a raw nor an adjusted share "
                "would mean anything. Label these rows" + (", or predict them from their responses with the "
                                                           "response model" if mode == "opinion" else ""))
    elif check is None:
        note = (f"predicted rows ({mode} model): raw predicted shares, unchecked: the evaluation {where} does not "
                "check the share estimators (re-run pubcom evaluate)")
    else:
        e = check["errors"]
        name = "raw predicted share" if estimator == RAW else "share adjusted with the model's deferred error rates"
        adjusted = (f"{e['adjusted']['mean_abs_error']:.3f} (largest {e['adjusted']['max_abs_error']:.3f}, "
                    f"{e['adjusted']['plans']} plans)" if e["adjusted"]["mean_abs_error"] is not None else "not computable")
        note = (f"predicted rows ({mode} model): the {name}, as the evaluation {where} chose it on the "
                f"{e['raw']['plans']} plans it held out (mean absolute error from the labelled share: raw "
                f"{e['raw']['mean_abs_error']:.3f}, largest {e['raw']['max_abs_error']:.3f}; adjusted {adjusted})")
    why = evaluation_mismatch(evaluation_path, card) if card else ""
    if why:
        note += f"; this evaluation may not fit the model: {why}"
    return rates, estimator, note, bool(why) or not separates(rates)


def _estimated(row) -> bool:
    return not (isinstance(row.share, float) and math.isnan(row.share))


def summary_line(row) -> str:
    """One line per source and plan for the terminal: one deferral figure, the raw one named raw."""
    if _estimated(row):
        head = f"{row.source} / {row.plan}: deferral share {row.share:.3f} [{row.ci_low:.3f}, {row.ci_high:.3f}]"
    else:
        head = f"{row.source} / {row.plan}: deferral share not estimated"
    if row.n_labelled == row.n:
        return f"{head}, {row.deferred}/{row.n} labelled deferred ({row.method})"
    n_pred, k_pred = row.n - row.n_labelled, row.deferred - row.deferred_labelled
    return f"{head} ({row.method}); raw: {k_pred}/{n_pred} predicted deferred" + \
        ("" if _raw(row.method) else ", not adjusted")


def _raw(method: str) -> bool:
    return "raw share" in method


def _pct(x):
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"


def _counted(row) -> str:
    n_pred, k_pred = row.n - row.n_labelled, row.deferred - row.deferred_labelled
    parts = [f"{row.deferred_labelled} of {row.n_labelled} labelled"] if row.n_labelled else []
    if n_pred:
        parts.append(f"{k_pred} of {n_pred} predicted (raw)")
    return " + ".join(parts)


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """One deferral figure per row; for predicted rows the raw predicted share is named raw."""
    rows = list(table.itertuples())
    raw_only = [_raw(r.method) for r in rows]
    out = pd.DataFrame({
        "source": table["source"], "plan": table["plan"], "opinions": table["n"],
        "deferral share": [(_pct(r.share) + (" (raw)" if raw else "")) if _estimated(r) else "not estimated"
                           for r, raw in zip(rows, raw_only)],
        "95 % interval": [f"{_pct(a)} – {_pct(b)}" for a, b in zip(table["ci_low"], table["ci_high"])],
        "deferred, counted": [_counted(r) for r in rows],
        "raw predicted share (not adjusted)": [
            _pct((r.deferred - r.deferred_labelled) / (r.n - r.n_labelled)) if r.n > r.n_labelled and not raw else "—"
            for r, raw in zip(rows, raw_only)],
        "method": table["method"],
        "distinct opinions (deferred; raw if predicted)": [
            f"{a} ({b})" for a, b in zip(table["n_distinct"], table["deferred_distinct"])],
        "distinct responses (deferred; raw if predicted)": [
            f"{a} ({b})" for a, b in zip(table["n_responses"], table["deferred_responses"])],
    })
    raw = "raw predicted share (not adjusted)"
    return out if (out[raw] != "—").any() else out.drop(columns=raw)


def _shares(table: pd.DataFrame) -> pd.DataFrame:
    out = table[["source", "plan", "n"]].copy()
    for label in LABELS:
        out[f"{label} {LABELS_JA[label]}"] = table[f"share_{label}"].map(_pct)
    return out


NOTES = [
    "Opinions are counted in full (every submitted opinion, form letters included); "
    "'distinct opinions' counts each duplicate group once; 'distinct responses' counts each distinct response once.",
    "Labelled rows (official categories, annotations) are counted as they are, with a Wilson 95 % interval.",
    "Predicted rows: the model's leave-one-source-out evaluation decides how their deferral share is estimated. "
    "It predicted every plan of a body it had not seen, and measured how far from the labelled share each "
    "estimator came: the raw predicted share (classify and count; Wilson 95 % interval, which covers sampling, "
    "not the model's errors), or the share adjusted with the model's deferred true/false-positive rates "
    "(adjusted classify-and-count, bootstrap 95 % interval that also resamples the evaluation counts). The "
    "one with the smaller mean error is used, and the evaluation note below gives both errors. A raw share is "
    "marked (raw); an adjusted one has the raw share beside it, named raw. When the evaluation shows that the "
    "model does not tell deferred answers from the rest (the opinion-only model), no share is estimated. "
    "Without an evaluation the share is the raw one, unchecked.",
    "The label shares below are counted as they are, labelled and predicted rows alike (raw for predicted rows).",
    "Caveat: `deferred` is the label readers agree on least. In the blind second readings (reports/agreement/), "
    "most disagreements on city responses are deferred vs other: 「今後の参考とさせていただきます」 is a promise "
    "of future action to one reader and a polite non-answer to another. Deferral shares, above all of cities, "
    "rest on that judgement.",
]


REQUEST_NOTES = [
    "Request types (what each opinion asks; data/request_types/README.md): the labelled request type where a "
    "person read it (request_origin annotated/official), else the request-type model's prediction, else the cue "
    "table's reading; `request_type_from` says which (labelled, predicted, or labelled+predicted for a group "
    "holding both). The label is the labelled one where there is one, else the predicted one (`label_from`).",
    "How each body answers each request type: the deferred share is counted as it is, with a Wilson 95 % "
    "interval; where labels or request types are predicted, that interval covers sampling only, not the models' "
    "errors (the deferral share above is checked against the evaluation; per request type it is not).",
]


def _request_files(requests: dict, out_dir: Path) -> tuple:
    """Write request_types.csv, request_answers.csv and request_labels.svg; (paths, svg)."""
    requests["types"].to_csv(out_dir / "request_types.csv", index=False, encoding="utf-8", float_format="%.4f")
    requests["answers"].to_csv(out_dir / "request_answers.csv", index=False, encoding="utf-8", float_format="%.4f")
    svg = request_labels_svg(requests["shares"])
    (out_dir / "request_labels.svg").write_text(svg, encoding="utf-8")
    return [out_dir / n for n in ("request_types.csv", "request_answers.csv", "request_labels.svg")], svg


def write_report(table: pd.DataFrame, out_dir, inputs, requests: dict | None = None) -> list:
    """Write the report; ``requests`` (build_request_tables) adds the request-type tables and
    their files when any row has a request type."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv = table[CSV_COLUMNS + ["raw_share", "n_distinct", "deferred_distinct", "n_responses", "deferred_responses",
                               "n_labelled", "deferred_labelled"]]
    notes = NOTES + [f"Evaluation: {n}." for n in table.attrs.get("notes", [])] + \
        [f"Input: {n}." for n in table.attrs.get("input_notes", [])]
    asks = requests is not None and not requests["answers"].empty
    written, request_svg, req_md, req_html = [], "", [], ""
    if asks:
        written, request_svg = _request_files(requests, out_dir)
        notes += REQUEST_NOTES + ([f"{requests['left_out']} row(s) without a request type (no request-type model "
                                   "and no reading) are left out of the request-type tables."]
                                  if requests["left_out"] else [])
        req_md = ["## Request types per source / 意見の種類", "", markdown_table(types_readable(requests["types"])), "",
                  "## How each source answers each request type / 意見の種類ごとの回答", "",
                  markdown_table(answers_readable(requests["answers"])), "",
                  "![labels per body and request type](request_labels.svg)", ""]
        req_html = _REQUESTS_HTML.format(
            types_table=types_readable(requests["types"]).to_html(index=False, escape=True, border=0),
            answers_table=answers_readable(requests["answers"]).to_html(index=False, escape=True, border=0),
            request_svg=request_svg)
    elif requests is not None:
        notes.append("No row has a request type (no request-type model, no reading): no request-type tables.")
    csv.to_csv(out_dir / "deferral.csv", index=False, encoding="utf-8", float_format="%.4f")
    shares_svg, deferral = label_shares_svg(table), deferral_svg(table)
    (out_dir / "label_shares.svg").write_text(shares_svg, encoding="utf-8")
    (out_dir / "deferral.svg").write_text(deferral, encoding="utf-8")
    today = dt.date.today().isoformat()
    md = ["# How often does each government defer? / 今後検討の割合", "",
          f"Inputs: {', '.join(map(shown, inputs))}. Made by `pubcom report` on {today}.", "",
          "## Deferral share per source and plan", "", markdown_table(_readable(table)), "",
          "![deferral share](deferral.svg)", "", "## Label shares", "", markdown_table(_shares(table)), "",
          "![label shares](label_shares.svg)", ""] + req_md + ["## Method", ""] + [f"- {n}" for n in notes]
    (out_dir / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    page = _HTML.format(
        inputs=html.escape(", ".join(map(shown, inputs))), date=today,
        deferral_table=_readable(table).to_html(index=False, escape=True, border=0),
        shares_table=_shares(table).to_html(index=False, escape=True, border=0),
        deferral_svg=deferral, shares_svg=shares_svg, requests=req_html,
        notes="".join(f"<li>{html.escape(n)}</li>" for n in notes))
    (out_dir / "report.html").write_text(page, encoding="utf-8")
    return [out_dir / n for n in ("report.html", "report.md", "deferral.csv", "deferral.svg", "label_shares.svg")] + written


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
{requests}<h2>Method</h2><ul>{notes}</ul>
</body></html>
"""

_REQUESTS_HTML = """<h2>Request types per source / 意見の種類</h2>
{types_table}
<h2>How each source answers each request type / 意見の種類ごとの回答</h2>
<figure>{request_svg}</figure>
{answers_table}
"""
