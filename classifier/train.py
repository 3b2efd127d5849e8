"""Training (``pubcom train``): choose the configuration by grouped cross-validation, fit on all
labelled rows, and save each mode's model with its model card."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from . import corrections, persist, precedents
from .dataset import add_groups, load_dataset
from .evaluate import (GUIDE, REVIEW_TARGET, analyze_once, calibration, coverage_curve, fit_predict, fit_steps, review_threshold, select_config, split_groups,
                       splitter, trainable)
from .exceptions import DataFileError
from .features import AnalyzeColumns
from .labels import LABELS
from .metrics import REFERENCE_ORIGINS, macro_f1, per_response
from .model import GRID, MODES, grid_for, support_rule
from .predict import Model
from .request_model import train_requests
from .tables import drop_blank_rows, find_column, read_table

REQUIRED = ("opinion", "label", "label_origin")
ORIGINS = ("official", "annotated", "rule", GUIDE)
GUIDE_ROWS = "guide_rows.csv"


def load_training_data(paths) -> pd.DataFrame:
    """Concatenate labelled files (the dataset, extra labelled files, staff corrections).

    Each needs ``opinion, label, label_origin`` (and ``response`` for the response mode); ids and
    duplicate/response groups are filled in where missing.
    """
    frames = []
    for path in paths:
        name = Path(path).name
        df = load_dataset(path) if name == "labeled_opinions.csv" else _read_extra(path)
        if name == corrections.FILENAME:
            df = corrections.latest(df)
        if name == GUIDE_ROWS:
            df = df.assign(source="(guide)", plan="(guide)")
        df = df.assign(training_file=name)
        frames.append(df)
    frame = pd.concat(frames, ignore_index=True).fillna("")
    if "id" not in frame or (frame["id"] == "").any() or frame["id"].duplicated().any():
        frame["id"] = [f"{f}#{i}" for i, f in enumerate(frame["training_file"])]
    for col in ("plan", "source", "response"):
        if col not in frame:
            frame[col] = ""
    return add_groups(frame)


def _read_extra(path) -> pd.DataFrame:
    df = read_table(path)  # CSV (UTF-8, BOM, CP932) or XLSX; index = line number in the file
    df = drop_blank_rows(df)  # blank rows carry nothing to learn
    for role in ("opinion", "response"):
        col = find_column(df.columns, role, required=False) if role not in df.columns else role
        if col is not None and col != role:
            df = df.rename(columns={col: role})  # 意見, 市の考え方, … are recognised
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise DataFileError(f"{path}: missing column(s) {', '.join(missing)}; a labelled file needs "
                            f"{', '.join(REQUIRED)} (and response for the response model)")
    bad = df[~df["label"].isin(LABELS) & (df["label"] != "")]
    if len(bad):
        raise DataFileError(f"{path}: line {bad.index[0]}: unknown label {bad['label'].iloc[0]!r}; "
                            f"expected one of {', '.join(LABELS)}")
    bad = df[~df["label_origin"].isin(ORIGINS)]
    if len(bad):
        raise DataFileError(f"{path}: line {bad.index[0]}: label_origin {bad['label_origin'].iloc[0]!r}; "
                            f"expected one of {', '.join(ORIGINS)}")
    return df


def train_mode(frame: pd.DataFrame, mode: str, grid=GRID, n_jobs=1, progress=None, data_files=()) -> tuple:
    """Choose the configuration by leave-one-source-out, fit the final pipeline on every row;
    return (Model, card). The review threshold comes from the leave-one-source-out predictions
    of the chosen configuration: what staff meet on a body the model has not seen."""
    grid = grid_for(mode, grid)
    frame = trainable(frame, mode)
    y = frame["label"].to_numpy()
    groups = split_groups(frame)
    if progress:
        progress(f"{mode}: analyzing {len(frame)} rows once")
    analyzed = analyze_once(frame, mode)
    everything = np.arange(len(frame))
    if progress:
        progress(f"{mode}: choosing among {len(grid)} configurations by leave-one-source-out")
    config, inner, temperature = select_config(analyzed, frame, y, groups, everything, mode, grid, n_jobs)
    proba = np.zeros((len(frame), len(LABELS)))
    tested = np.zeros(len(frame), dtype=bool)
    for train, test in splitter("loso", frame, groups, y):
        proba[test] = fit_predict(analyzed, frame, y, train, test, mode, config, temperature=temperature)
        tested[test] = True
    proba = support_rule(proba, LABELS, analyzed["opinion_requests"])  # as prediction applies it (model.support_rule)
    ref = frame["label_origin"].isin(REFERENCE_ORIGINS).to_numpy() & tested
    pred = np.array(LABELS, dtype=object)[proba.argmax(1)]
    resp, resp_proba = per_response(frame[ref], proba[ref])
    # the response model flags rows below 90 % precision; the opinion model, weaker, below 70 %
    threshold = review_threshold(proba[ref], y[ref], REVIEW_TARGET[mode])
    steps = fit_steps(analyzed, frame, y, everything, mode, config, temperature)
    pipeline = Pipeline([("analyze", AnalyzeColumns(MODES[mode])), *steps.steps])
    card = {
        "mode": mode,
        "columns": list(MODES[mode]),
        "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "training_data": {Path(p).name: persist.sha256_file(p) for p in data_files},
        "rows": int(len(frame)),
        "rows_per_label": {l: int((y == l).sum()) for l in LABELS},
        "rows_per_origin": {str(k): int(v) for k, v in frame["label_origin"].value_counts().sort_index().items()},
        "rows_per_source": {str(k): int(v) for k, v in frame["source"].value_counts().sort_index().items()},
        "config": config.to_dict(),
        "temperature": temperature,
        "cv": {"method": "leave-one-source-out on the training data, the configuration chosen by the same "
                         "split (so optimistic; `pubcom evaluate` gives the nested figures with intervals)",
               "macro_f1_per_opinion": round(macro_f1(y[ref], pred[ref]), 3),
               "macro_f1_per_response": round(macro_f1(resp["label"], np.array(LABELS, dtype=object)[resp_proba.argmax(1)]), 3),
               "accuracy": round(float((y[ref] == pred[ref]).mean()), 3),
               "ece": calibration(proba[ref], y[ref])["ece"],
               "selection_score": round(inner, 3)},
        "needs_review": threshold,
        # the share of rows the model can label at 60 / 70 / 80 / 90 % precision (leave-one-source-out)
        "coverage_at_precision": {k: v["share"] for k, v in
                                  coverage_curve(proba[ref], y[ref])["coverage_at_precision"].items()},
        "labels": list(pipeline.named_steps["clf"].classes_),
    }
    return Model(pipeline, mode, card), card


def train_precedents(frame: pd.DataFrame, models_dir, data_files=()) -> dict:
    """Build the precedents index (official and annotated rows, staff corrections) and save it
    beside the models as precedents.skops; return its card."""
    rows = precedents.training_rows(frame, corrections.FILENAME)
    if not len(rows):
        return None  # nothing official or annotated to look up: no index (predict --precedents says so)
    index = precedents.PrecedentIndex().fit(rows)
    card = {"trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "training_data": {Path(p).name: persist.sha256_file(p) for p in data_files}}
    return precedents.save(index, models_dir, card)


def train(data_files, models_dir, modes=tuple(MODES), grid=GRID, n_jobs=1, progress=None,
          with_precedents=True) -> dict:
    """Train and save every mode, and the precedents index (``with_precedents``, or a mode
    "precedents": only the index); return {mode: card} (and {"precedents": its card})."""
    frame = load_training_data(data_files)
    cards = {}
    for mode in modes:
        if mode == precedents.NAME:
            continue
        if mode == "request":
            if progress:
                progress("request: choosing C by leave-one-source-out over the annotated request types")
            pipeline, card = train_requests(frame[frame["label_origin"] != GUIDE])
            card.update(trained_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                        training_data={Path(p).name: persist.sha256_file(p) for p in data_files})
        else:
            model, card = train_mode(frame, mode, grid, n_jobs, progress, data_files)
            pipeline = model.pipeline
        cards[mode] = persist.save(pipeline, card, models_dir, mode)
    if with_precedents:
        if progress:
            progress("precedents: indexing the labelled opinions for look-up")
        card = train_precedents(frame, models_dir, data_files)
        if card is not None:
            cards[precedents.NAME] = card
        elif progress:
            progress("precedents: no official or annotated opinion to index, so no precedents index")
    return cards
