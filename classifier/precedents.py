"""Precedents: how were opinions like this answered?

A ``PrecedentIndex`` holds labelled opinions (official and annotated rows of the dataset, and staff
corrections) as TF-IDF vectors of their normalized text. ``query`` gives, for each input opinion,
the ``k`` most similar ones by cosine similarity, with the body (source), plan, response and label
each got. It is built by ``pubcom train`` and saved beside the models (models/precedents.skops).

A precedent identical to the row itself from the same document is never shown: an index row with
the same normalized opinion text and the same source and plan as the input row is skipped.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from .labels import LABELS_JA
from .text import normalize

NAME = "precedents"  # models/precedents.skops + models/precedents.json
CORRECTION_SOURCE = "staff correction"
FIELDS = ("similarity", "label", "label_ja", "source", "plan", "opinion", "response")
INDEX_COLUMNS = ("opinion", "response", "label", "source", "plan")
CHUNK = 2000  # query rows per sparse product at most
CELLS = 20_000_000  # similarities held at once (80 MB of float32): fewer rows per product for a large index


def columns(k: int) -> list:
    """The wide output columns for ranks 1..k: precedent_<i>_<field>."""
    return [f"precedent_{i}_{f}" for i in range(1, k + 1) for f in FIELDS]


CHOICES = {"char2": (2, 2), "char23": (2, 3), "char14": (1, 4), "char24": (2, 4), "lemma": (1, 1)}
DEFAULT = "char2"


def vectorizer(choice: str = DEFAULT) -> TfidfVectorizer:
    """The TF-IDF of an index. ``char2`` (the default): character bigrams within word boundaries,
    no MeCab at query time — as useful as the others by leave-one-source-out and 2.6× faster to
    apply than 2–3-grams (benchmarks/precedents.py); ``char23``/``char14``/``char24``: 2–3/1–4/2–4-
    grams; ``lemma``: MeCab lemmas (measured only: its function is not a trusted type)."""
    if choice not in CHOICES:
        raise ValueError(f"unknown vectorizer {choice!r}; expected one of {', '.join(CHOICES)}")
    if choice == "lemma":
        return TfidfVectorizer(analyzer=lemmas, sublinear_tf=True, lowercase=False, dtype=np.float32)
    return TfidfVectorizer(analyzer="char_wb", ngram_range=CHOICES[choice], sublinear_tf=True, min_df=1,
                           lowercase=False, dtype=np.float32)


def lemmas(text: str) -> list:
    """The MeCab (unidic-lite) lemmas of a text, punctuation left out."""
    from .text import get_tagger

    return [w.feature.lemma or w.surface for w in get_tagger()(text) if w.feature.pos1 not in ("補助記号", "空白")]


class PrecedentIndex:
    """Labelled opinions to look up by similarity.

    ``fit(frame)``: ``frame`` has opinion, label and (optionally) response, source, plan columns;
    rows with an empty opinion or label are left out, and identical rows (same normalized opinion,
    response, label, source and plan: form letters) are kept once.
    ``query(texts, k, exclude=...)``: one row per (input, rank), see ``query``.
    """

    def __init__(self, choice: str = DEFAULT):
        self.choice = choice

    def fit(self, frame: pd.DataFrame) -> "PrecedentIndex":
        rows = pd.DataFrame({c: (frame[c] if c in frame else pd.Series("", index=frame.index)).map(normalize)
                             for c in INDEX_COLUMNS})
        rows = rows[(rows["opinion"] != "") & (rows["label"] != "")].drop_duplicates().reset_index(drop=True)
        self.vectorizer_ = vectorizer(self.choice)
        matrix = self.vectorizer_.fit_transform(rows["opinion"]) if len(rows) else None
        self.matrix_ = matrix.T.tocsr() if matrix is not None else None  # features × rows, for X @ matrix_
        for c in INDEX_COLUMNS:
            setattr(self, f"{c}s_", rows[c].tolist())
        return self

    def __getstate__(self) -> dict:
        """What is saved: texts and terms packed into one string each (with their lengths), the
        idf weights and the matrix — a skops file of a few nodes that loads in a blink, where a
        vectorizer's vocabulary dict would be one node per term."""
        state = {"choice": self.choice}
        if hasattr(self, "vectorizer_"):
            terms = sorted(self.vectorizer_.vocabulary_, key=self.vectorizer_.vocabulary_.get)
            state.update(terms=_pack(terms), idf=np.asarray(self.vectorizer_.idf_), matrix=self.matrix_,
                         **{c: _pack(getattr(self, f"{c}s_")) for c in INDEX_COLUMNS})
        return state

    def __setstate__(self, state: dict) -> None:
        self.choice = state["choice"]
        if "terms" not in state:
            return
        vec = vectorizer(self.choice)
        terms = _unpack(*state["terms"])
        vec.vocabulary_ = {t: i for i, t in enumerate(terms)}
        vec.idf_ = np.asarray(state["idf"])
        self.vectorizer_, self.matrix_ = vec, state["matrix"]
        for c in INDEX_COLUMNS:
            setattr(self, f"{c}s_", _unpack(*state[c]))

    @property
    def size(self) -> int:
        return len(self.opinions_)

    def __len__(self) -> int:
        return self.size

    def query(self, texts, k: int = 3, exclude=None) -> pd.DataFrame:
        """The ``k`` most similar indexed opinions of each text: a DataFrame of ``len(texts) * k``
        rows, ``input`` (the text's position), ``rank`` (1..k), then similarity, label, label_ja,
        source, plan, opinion, response. Where there is no precedent (an empty text, fewer than k
        indexed opinions, no shared n-gram) the row is kept with similarity NaN and empty texts.

        ``exclude``: per text, its (source, plan) — a DataFrame with those columns or pairs — so
        that an indexed opinion with the same normalized text from the same source and plan (the
        row itself) is skipped."""
        if k < 1:
            raise ValueError("k must be at least 1")
        texts = [normalize(t) for t in texts]
        n = len(texts)
        docs = _pairs(exclude, n)
        valid = pd.Series([t != "" for t in texts], dtype=bool)
        keys = pd.Series([t + (f"\x00{s}\x00{p}" if docs else "") for t, (s, p) in zip(texts, docs or [("", "")] * n)],
                         dtype=object)
        where = pd.factorize(keys.where(valid))[0]  # identical inputs share a code; empty ones get -1
        codes, firsts = np.unique(where, return_index=True)
        unique = firsts[codes >= 0]
        top, sims = self._nearest([texts[i] for i in unique], k, [docs[i] for i in unique] if docs else None)
        return self._frame(where, top, sims, k)

    def _nearest(self, texts: list, k: int, docs) -> tuple:
        """(index rows, similarities) of shape len(texts) × k; -1 / NaN where none."""
        top = np.full((len(texts), k), -1, dtype=np.int64)
        sims = np.full((len(texts), k), np.nan, dtype=np.float32)
        if not texts or not self.size:
            return top, sims
        position = {}  # normalized opinion -> its index rows, for the self-exclusion rule
        if docs is not None:
            for j, t in enumerate(self.opinions_):
                position.setdefault(t, []).append(j)
        kk = min(k, self.size)
        step = max(1, min(CHUNK, CELLS // self.size))
        for start in range(0, len(texts), step):
            block = texts[start:start + step]
            scores = (self.vectorizer_.transform(block) @ self.matrix_).toarray()
            if docs is not None:
                for r, t in enumerate(block):
                    s, p = docs[start + r]
                    for j in position.get(t, ()):
                        if self.sources_[j] == s and self.plans_[j] == p:
                            scores[r, j] = -1.0
            part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk] if kk < self.size else \
                np.tile(np.arange(self.size), (len(block), 1))
            got = np.take_along_axis(scores, part, axis=1)
            order = np.lexsort((part, -got), axis=1)  # highest first; ties by index order
            part, got = np.take_along_axis(part, order, axis=1), np.take_along_axis(got, order, axis=1)
            keep = got > 0
            top[start:start + len(block), :kk] = np.where(keep, part, -1)
            sims[start:start + len(block), :kk] = np.where(keep, got, np.nan)
        return top, sims

    def _frame(self, where, top, sims, k) -> pd.DataFrame:
        n = len(where)
        rows = np.where(where[:, None] >= 0, top[np.maximum(where, 0)], -1) if len(top) else np.full((n, k), -1)
        sim = np.where(where[:, None] >= 0, sims[np.maximum(where, 0)], np.nan) if len(top) else np.full((n, k), np.nan)
        flat, found = rows.ravel(), rows.ravel() >= 0

        def pick(values):
            arr = np.array(values + [""], dtype=object)
            return arr[np.where(found, flat, len(values))]

        labels = pick(self.labels_)
        return pd.DataFrame({
            "input": np.repeat(np.arange(n), k), "rank": np.tile(np.arange(1, k + 1), n),
            "similarity": np.round(sim.ravel().astype(float), 3), "label": labels,
            "label_ja": np.array([LABELS_JA.get(l, l) for l in labels], dtype=object),
            "source": pick(self.sources_), "plan": pick(self.plans_),
            "opinion": pick(self.opinions_), "response": pick(self.responses_)})


def _pack(texts) -> tuple:
    return "".join(texts), np.array([len(t) for t in texts], dtype=np.int64)


def _unpack(joined: str, lengths) -> list:
    ends = np.cumsum(lengths)
    return [joined[e - n:e] for n, e in zip(lengths.tolist(), ends.tolist())]


def wide(long: pd.DataFrame, n: int, k: int) -> pd.DataFrame:
    """``query``'s long frame as one row per input: precedent_<i>_<field> for i in 1..k (empty
    cells where there is no precedent)."""
    out = {}
    values = {f: long[f].to_numpy().reshape(n, k) for f in FIELDS}
    for i in range(k):
        for f in FIELDS:
            col = values[f][:, i]
            out[f"precedent_{i + 1}_{f}"] = col
    return pd.DataFrame(out, columns=columns(k))


def documents(table: pd.DataFrame):
    """Each row's (source, plan), for the self-exclusion rule, from a table's columns source/団体
    and plan/計画; None when it has neither."""
    found = {role: next((c for c in names if c in table.columns), None)
             for role, names in (("source", ("source", "団体")), ("plan", ("plan", "計画")))}
    if not any(found.values()):
        return None
    return pd.DataFrame({role: table[c].to_numpy() if c else "" for role, c in found.items()})


def _pairs(exclude, n):
    """(source, plan) per input from ``exclude`` (None: no exclusion)."""
    if exclude is None:
        return None
    if isinstance(exclude, pd.DataFrame):
        pairs = list(zip(*(exclude[c].map(normalize) if c in exclude else [""] * len(exclude)
                           for c in ("source", "plan"))))
    else:
        pairs = [(normalize(s), normalize(p)) for s, p in exclude]
    if len(pairs) != n:
        raise ValueError(f"exclude has {len(pairs)} rows for {n} texts")
    return pairs


def training_rows(frame: pd.DataFrame, corrections_file: str) -> pd.DataFrame:
    """The rows of a training frame (train.load_training_data) that join the index: official and
    annotated rows of the dataset, and staff corrections (source "staff correction", plan: the
    upload they were made on). Guide rows and rule labels never do."""
    origin = frame["label_origin"].astype(str)
    files = frame["training_file"].astype(str) if "training_file" in frame else pd.Series("", index=frame.index)
    correction = (files == corrections_file).to_numpy()
    keep = origin.isin(("official", "annotated")).to_numpy() & (correction | (frame["source"].astype(str) != "").to_numpy())
    rows = frame[keep].copy()
    fixed = correction[keep]
    rows.loc[fixed, "source"] = CORRECTION_SOURCE
    uploads = rows["upload"].astype(str) if "upload" in rows else pd.Series("", index=rows.index)
    rows.loc[fixed, "plan"] = uploads[fixed]
    return rows


def save(index: PrecedentIndex, models_dir, card: dict | None = None) -> dict:
    """Write models/precedents.skops and its card (persist.save: skops, atomic, sha256)."""
    from . import persist

    card = dict(card or {}, kind="precedents", rows=index.size, vectorizer=index.choice,
                rows_per_label={str(k): int(v) for k, v in pd.Series(index.labels_).value_counts().sort_index().items()},
                rows_per_source={str(k): int(v) for k, v in pd.Series(index.sources_).value_counts().sort_index().items()})
    return persist.save(index, card, models_dir, NAME)


def exists(models_dir) -> bool:
    from pathlib import Path

    return (Path(models_dir) / f"{NAME}.json").exists()


def load(models_dir) -> PrecedentIndex:
    """The precedents index saved beside the models, checked as every model file is (its card's
    sha256, trusted types only). Raises PrecedentsMissingError when there is none."""
    from . import persist
    from .exceptions import PrecedentsMissingError

    if not exists(models_dir):
        raise PrecedentsMissingError(f"no precedents index in {models_dir} ({NAME}.skops); run `pubcom train` "
                                     "to build it beside the models")
    index, _ = persist.load(models_dir, NAME)
    return index
