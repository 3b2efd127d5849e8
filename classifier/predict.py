"""Prediction for people: a trained model applied to a table, row for row.

Every input row comes out, in order, with its input columns and ``label, label_ja, confidence,
label_2, confidence_2, needs_review, top_terms, error``. An empty row gets an ``error`` instead
of a prediction. Identical texts are predicted once.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from . import persist, precedents as precedent_index
from .exceptions import MissingColumnError, ModelError, PrecedentsMissingError
from .features import AnalysisCache
from .labels import LABELS, LABELS_JA
from .requests import REQUEST_TYPES_JA
from .model import MODES, check_mode, support_rule, top_terms
from .schemes import get_scheme
from .tables import find_column, missing_column_message
from .text import normalize

OUTPUT_COLUMNS = ["label", "label_ja", "confidence", "label_2", "confidence_2", "needs_review",
                  "top_terms", "error"]
# added before ``error`` when a request-type model is trained beside the category model
REQUEST_COLUMNS = ["request_type", "request_type_ja", "request_confidence"]
# the request type predicted inside predict_texts when the analysis is shared (Model.shares_analysis)
ASK_COLUMNS = ["asks", "asks_confidence"]
CHUNK = 2000


def default_models_dir() -> Path:
    """$PUBCOM_MODELS, else the models/ folder of the checkout the package runs from."""
    env = os.environ.get("PUBCOM_MODELS")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "models"


class Model:
    """A trained pipeline for one mode, with its model card (training facts, review threshold)."""

    def __init__(self, pipeline, mode: str, card: dict | None = None, requests: "Model | None" = None,
                 precedents=None, models_dir=None):
        self.pipeline = pipeline
        self.mode = check_mode(mode)
        self.card = card or {}
        review = self.card.get("needs_review", {})
        # below it, a row needs review; when no threshold reached the target precision, every row does
        self.threshold = float("inf") if review.get("precision_rest", 0) is None else float(review.get("threshold", 0.5))
        self.requests = requests  # the request-type model, when one was trained
        self.index = precedents  # the PrecedentIndex, loaded from models_dir when first needed
        self.models_dir = models_dir

    @property
    def output_columns(self) -> list:
        return OUTPUT_COLUMNS[:-1] + (REQUEST_COLUMNS if self.requests else []) + ["error"]

    @property
    def feature_names(self):
        if getattr(self, "_names", None) is None:
            self._names = self.pipeline.named_steps["features"].get_feature_names_out()
        return self._names

    @property
    def columns(self):
        return MODES[self.mode]

    def predict_texts(self, frame: pd.DataFrame, progress=False) -> pd.DataFrame:
        """Predictions for a DataFrame with the mode's text columns, normalized, none empty.
        Large inputs are split over ``jobs`` processes (default: $PUBCOM_JOBS, else up to 2 CPUs).
        ``progress``: True for a bar on stderr (a terminal only), or a function called as
        ``progress(done, total)`` (distinct texts) after each chunk."""
        chunks = [frame.iloc[start:start + CHUNK] for start in range(0, len(frame), CHUNK)]
        jobs = _jobs(len(chunks))
        bar = _progress(len(frame), progress)
        asks = self.requests.pipeline if self.shares_analysis() else None
        parts = []
        if jobs > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(jobs, mp_context=_context(), initializer=_init_worker,
                                     initargs=(self.pipeline, asks)) as pool:
                for part in pool.map(_predict_in_worker, chunks):
                    parts.append(part)
                    bar(len(part))
        else:
            cache = AnalysisCache()
            for chunk in chunks:
                parts.append(predict_chunk(self.pipeline, chunk, self.feature_names, requests=asks, cache=cache))
                bar(len(chunk))
        bar(0, done=True)
        columns = ["label", "confidence", "label_2", "confidence_2", "top_terms"] + (ASK_COLUMNS if asks else [])
        out = pd.concat(parts) if parts else pd.DataFrame(columns=columns)
        out["label_ja"] = out["label"].map(REQUEST_TYPES_JA if self.mode == "request" else LABELS_JA)
        out["needs_review"] = out["confidence"] < self.threshold
        return out

    def shares_analysis(self) -> bool:
        """True if the request-type model reads what this model's analysis already holds (the
        opinion, analyzed the same way): the opinion is then parsed once for both."""
        if self.requests is None:
            return False
        return self.pipeline.named_steps["analyze"].covers(self.requests.pipeline.named_steps["analyze"])

    def request_types(self, opinions, known: dict | None = None) -> pd.DataFrame:
        """What each opinion asks: request_type, request_type_ja, request_confidence (one row per
        opinion; an empty opinion gets none). Needs a trained request-type model: this one (mode
        request) or the one beside it. ``known``: normalized opinion → (type, type_ja, confidence)
        already predicted."""
        if self.mode != "request" and self.requests is None:
            raise ModelError("no request-type model beside this model; train one with `pubcom train`")
        return self._request_rows(pd.Series(_normalized(list(opinions)), dtype=object), known)

    def _request_rows(self, texts: pd.Series, known: dict | None = None) -> pd.DataFrame:
        """request_types for opinions already normalized."""
        asker = self if self.mode == "request" else self.requests
        table = dict(known or {})
        todo = texts[(texts != "") & ~texts.isin(table)].drop_duplicates()
        unique = pd.DataFrame({"opinion": todo}).reset_index(drop=True)
        if len(unique):
            pred = asker.predict_texts(unique)
            table.update(zip(unique["opinion"], map(tuple, pred[["label", "label_ja", "confidence"]].values)))
        rows = [table.get(t, (None, None, None)) for t in texts]
        return pd.DataFrame(rows, columns=REQUEST_COLUMNS, dtype=object)

    def precedent_index(self):
        """The precedents index beside this model (PrecedentsMissingError when there is none)."""
        if self.index is None:
            if self.models_dir is None:
                raise PrecedentsMissingError("this model has no precedents index; run `pubcom train` to build "
                                             "one beside the models")
            self.index = precedent_index.load(self.models_dir)
        return self.index

    def precedents(self, opinions, k: int = 3, exclude=None) -> pd.DataFrame:
        """The ``k`` most similar labelled opinions of each opinion and how they were answered: one
        row per (input, rank) — input, rank, similarity, label, label_ja, source, plan, opinion,
        response (PrecedentIndex.query; ``exclude``: each opinion's (source, plan))."""
        return self.precedent_index().query(list(opinions), k, exclude)

    def predict(self, opinions, responses=None) -> pd.DataFrame:
        """Predict lists of texts: ``predict(["…"])`` in opinion mode, ``predict(ops, resps)`` in
        response mode. Returns one row per text (see OUTPUT_COLUMNS)."""
        data = {"opinion": list(opinions)}
        if self.mode == "response":
            if responses is None:
                raise ModelError("the response model needs responses: predict(opinions, responses)")
            data["response"] = list(responses)
        return self.predict_table(pd.DataFrame(data))[self.output_columns]

    def predict_table(self, table: pd.DataFrame, opinion_column=None, response_column=None,
                      scheme: str | None = None, progress=False, precedents: int = 0) -> pd.DataFrame:
        """Every row of ``table``, in order, with all its columns plus the prediction columns.
        Columns are found by their Japanese names (意見, 市の考え方, …) or given. ``progress``: as
        for predict_texts (counts are of distinct texts). ``precedents=k``: also the k most similar
        labelled opinions (precedent_<i>_… columns before ``error``); a row's source and plan
        columns (source/団体, plan/計画), when the table has them, keep the row itself out."""
        index = self.precedent_index() if precedents else None
        cols = {"opinion": find_column(table.columns, "opinion", opinion_column)}
        if self.mode == "response":
            cols["response"] = find_column(table.columns, "response", response_column, required=False)
            if cols["response"] is None:
                raise MissingColumnError(
                    f"{missing_column_message(table.columns, 'response')}. A table without responses can "
                    "still be sorted from the opinions alone, with the opinion model (opinion mode)",
                    "response", table.columns)
        scheme_obj = get_scheme(scheme) if scheme else None
        texts = pd.DataFrame({role: _normalized(table[col]) for role, col in cols.items()}, index=range(len(table)))
        error = pd.Series("", index=texts.index, dtype=object)
        for role in reversed(list(cols)):
            error[texts[role] == ""] = f"empty {role} ({cols[role]})"
        valid = texts[error == ""]
        # one number per distinct text (pair): no joined copy of every row's texts
        key = valid.groupby(list(valid.columns), sort=False).ngroup()
        unique = valid[~key.duplicated()]
        pred = self.predict_texts(unique, progress)
        pred.index = key[unique.index].to_numpy()
        out = table.copy().reset_index(drop=True)
        ours = set(self.output_columns) | {"category"} | set(precedent_index.columns(precedents))
        renamed = {c: f"{c}_input" for c in out.columns if c in ours}
        out.columns = [renamed.get(c, c) for c in out.columns]
        for c in OUTPUT_COLUMNS[:-1]:
            values = pd.Series(None, index=texts.index, dtype=object)
            if len(valid):
                values[valid.index] = pred[c].reindex(key.to_numpy()).to_numpy()
            out[c] = values
        out["needs_review"] = out["needs_review"].where(error == "", True)
        if self.requests is not None:
            known = None
            if ASK_COLUMNS[0] in pred:  # predicted with the category, from the same analysis
                known = dict(zip(unique["opinion"], zip(pred[ASK_COLUMNS[0]], pred[ASK_COLUMNS[0]].map(REQUEST_TYPES_JA),
                                                        pred[ASK_COLUMNS[1]])))
            asks = self._request_rows(texts["opinion"], known)
            for c in REQUEST_COLUMNS:
                out[c] = asks[c].to_numpy()
        if index is not None:
            long = index.query(texts["opinion"].tolist(), precedents, precedent_index.documents(table))
            for c, values in precedent_index.wide(long, len(texts), precedents).items():
                out[c] = values.to_numpy()
        out["error"] = error.to_numpy()
        if scheme_obj is not None:
            out.insert(len(out.columns) - len(self.output_columns) - len(precedent_index.columns(precedents)), "category",
                       [scheme_obj.raw_for(l) if isinstance(l, str) else "" for l in out["label"]])
        out.attrs["renamed"] = renamed  # input columns that share a name with an output column
        return out


def predict_chunk(pipeline, chunk: pd.DataFrame, names=None, requests=None, cache=None) -> pd.DataFrame:
    """label, confidence, runner-up and top_terms for the rows of ``chunk`` (normalized texts).
    ``requests``: a request-type pipeline whose analysis ``pipeline``'s covers (Model.shares_analysis),
    applied to the same analysis (ASK_COLUMNS). ``cache``: an AnalysisCache kept across chunks."""
    analyze, features, clf = (pipeline.named_steps[s] for s in ("analyze", "features", "clf"))
    analyzed = analyze.analyze_normalized(chunk, chunk.index, cache=cache)
    feats = features.transform(analyzed)
    classes = np.array(clf.classes_, dtype=object)
    proba = clf.predict_proba(feats)
    if "opinion_requests" in analyzed and set(classes) <= set(LABELS):  # a category model, not request types
        proba = support_rule(proba, classes, analyzed["opinion_requests"])
    top, second, confidence, confidence_2 = _ranked(proba)
    readings = analyzed["response_reading"].tolist() if "response_reading" in analyzed else None
    out = pd.DataFrame({
        "label": classes[top], "confidence": confidence, "label_2": classes[second], "confidence_2": confidence_2,
        "top_terms": top_terms(pipeline, feats, top, names=names, readings=readings)}, index=chunk.index)
    if requests is not None:
        ask_features, ask_clf = requests.named_steps["features"], requests.named_steps["clf"]
        needed = getattr(ask_features, "feature_names_in_", None)
        ask_top, _, ask_confidence, _ = _ranked(ask_clf.predict_proba(
            ask_features.transform(analyzed[list(needed)] if needed is not None else analyzed)))
        out[ASK_COLUMNS[0]] = np.array(ask_clf.classes_, dtype=object)[ask_top]
        out[ASK_COLUMNS[1]] = ask_confidence
    return out


def _ranked(proba) -> tuple:
    """(best class, runner-up, their probabilities rounded to 3 places) per row."""
    order = np.argsort(-proba, axis=1)
    top, second = order[:, 0], order[:, 1] if proba.shape[1] > 1 else order[:, 0]
    rows = np.arange(len(proba))
    return top, second, proba[rows, top].round(3), proba[rows, second].round(3)


def _normalized(column) -> np.ndarray:
    """normalize() of every cell, each distinct cell once (form letters repeat)."""
    memo: dict = {}

    def one(value):
        try:
            key = (type(value), value)
            return memo[key] if key in memo else memo.setdefault(key, normalize(value))
        except TypeError:  # an unhashable cell
            return normalize(value)
    return np.array([one(v) for v in column], dtype=object)


_WORKER: dict = {}


def _init_worker(pipeline, requests=None):
    import gc

    gc.freeze()  # the model (vocabularies of many strings) is never garbage: keep it out of every collection
    _WORKER["pipeline"] = pipeline
    _WORKER["names"] = pipeline.named_steps["features"].get_feature_names_out()
    _WORKER["requests"] = requests
    _WORKER["cache"] = AnalysisCache()


def _predict_in_worker(chunk):
    return predict_chunk(_WORKER["pipeline"], chunk, _WORKER["names"], _WORKER["requests"], _WORKER["cache"])


def _jobs(n_chunks: int) -> int:
    """Processes for ``n_chunks`` chunks: 1 for small inputs; $PUBCOM_JOBS or up to 2 CPUs."""
    if n_chunks < 3:
        return 1
    env = os.environ.get("PUBCOM_JOBS")
    jobs = int(env) if env and env.isdigit() else min(2, os.cpu_count() or 1)
    return max(1, min(jobs, n_chunks))


def _context():
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def model_card(mode: str = "response", models_dir=None) -> dict:
    """The model card of ``mode`` (training date ``trained_at``, ``model_sha256``, …) without
    loading the model: cheap enough to read on every request, to notice a retrained model."""
    return persist.read_card(models_dir or default_models_dir(), check_mode(mode))


def load_model(mode: str = "response", models_dir=None) -> Model:
    """Load the trained model of ``mode`` after checking its model file against its card and the
    trusted types; a request-type model trained beside it comes with it (Model.requests)."""
    folder = Path(models_dir or default_models_dir())
    pipeline, card = persist.load(folder, check_mode(mode))
    requests = None
    if mode != "request" and (folder / "request.json").exists():
        requests = load_model("request", folder)
    return Model(pipeline, mode, card, requests, models_dir=folder)


def _progress(total: int, enabled):
    """A minimal progress bar on stderr, only when stderr is a terminal; or, when ``enabled`` is
    a function, ``enabled(done, total)`` after each chunk."""
    state = {"done": 0}
    report = enabled if callable(enabled) else None
    show = report is None and enabled and total > CHUNK and sys.stderr.isatty()

    def update(n, done=False):
        state["done"] += n
        if report is not None:
            report(state["done"], total)
        elif show:
            width = 30
            filled = int(width * state["done"] / max(total, 1))
            sys.stderr.write(f"\rpredicting [{'#' * filled}{'.' * (width - filled)}] {state['done']}/{total}")
            if done:
                sys.stderr.write("\n")
            sys.stderr.flush()
    return update
