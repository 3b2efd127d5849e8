"""Feature steps of the model (scikit-learn transformers, picklable, stateless where they can be).

``AnalyzeColumns`` runs the one slow step, MeCab, once per text: politeness-normalized lemmas for
TF-IDF, the response's rule reading and sentence-final predicates, the opinion's request types.
The other steps turn those columns into sparse features; cross-validation analyzes once and fits
only them (evaluate.py).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from .labels import LABELS
from .requests import REQUEST_TYPES, primary, request_types
from .rules import read_sentences, shipped_rules
from .stance import sentences
from .text import normalize

_NOT_WORDS = frozenset("、「」『』→⇒")


def analyze_text(text: str, role: str) -> dict:
    """The analyzed columns of one normalized text in ``role`` (opinion or response)."""
    # only a response's predicates are features
    sents = sentences(text, predicates=role == "response", normalized=True)
    lemmas = [[w[1] for w in s.words if w[1] not in _NOT_WORDS] for s in sents]  # per sentence
    out = {f"{role}_tokens": " ".join([lemma for sent in lemmas for lemma in sent])}
    if role == "response":
        out["response_last_tokens"] = " ".join(lemmas[-1]) if lemmas else ""
        out["response_reading"] = read_sentences(sents)
        out["response_predicates"] = predicate_terms(sents)
    else:
        out["opinion_requests"] = request_types(sents)
    return out


def predicate_terms(sents) -> str:
    """The sentences' final predicates as space-separated terms: each predicate, each auxiliary
    chain alone (``tail:…``: …_て_行く a commitment, …_て_居る a state, whatever the verb), and the
    last sentence's predicate and chain (``last:…``, ``lasttail:…``)."""
    preds = [s.predicate for s in sents if s.predicate]
    tails = [f"tail:{p.partition('_')[2]}" for p in preds if "_" in p]
    last = [f"last:{preds[-1]}", f"lasttail:{preds[-1].partition('_')[2]}"] if preds else []
    return " ".join(preds + tails + last)


class AnalyzeColumns(BaseEstimator, TransformerMixin):
    """DataFrame of texts → DataFrame with each column normalized and analyzed (analyze_text).
    Stateless; the MeCab tagger is shared per process and never pickled."""

    def __init__(self, columns=("opinion",)):
        self.columns = columns

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return self.analyze_normalized({c: [normalize(t) for t in X[c]] for c in self.columns},
                                       getattr(X, "index", None))

    def analyze_normalized(self, texts: dict, index=None, cache: "AnalysisCache | None" = None) -> pd.DataFrame:
        """Like transform, for texts already normalized (prediction normalizes them once).
        ``cache``: analyses kept across calls (prediction passes one per process and call, so a
        stock reply answering opinions in many chunks is analyzed once)."""
        out = {}
        for col in self.columns:
            out[col] = list(texts[col])
            seen = cache.column(col) if cache is not None else {}  # a stock reply is analyzed once
            rows = [seen[t] if t in seen else seen.setdefault(t, analyze_text(t, col)) for t in out[col]]
            if cache is not None:
                cache.trim()
            for key in (rows[0] if rows else analyze_text("", col)):
                out[key] = [r[key] for r in rows]
        return pd.DataFrame(out, index=index)

    def covers(self, other) -> bool:
        """True if this step's output holds every column ``other`` (an AnalyzeColumns) produces,
        analyzed the same way: its analysis can be given to ``other``'s features."""
        return isinstance(other, AnalyzeColumns) and set(other.columns) <= set(self.columns)


class AnalysisCache:
    """Analyzed texts per column, kept across analyze_normalized calls, at most ``size`` in all:
    each column keeps its most recent share (the oldest dropped first), so many distinct responses
    do not push out every opinion. Never part of a fitted model."""

    def __init__(self, size: int = 10_000):
        self.size = size
        self.columns: dict = {}

    def column(self, col: str) -> dict:
        return self.columns.setdefault(col, {})

    def trim(self) -> None:
        share = self.size // max(len(self.columns), 1)
        for seen in self.columns.values():
            for _ in range(len(seen) - share):
                del seen[next(iter(seen))]


def _indicators(rows, cols, n_rows, n_cols):
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_rows, n_cols))


class StanceFeatures(BaseEstimator, TransformerMixin):
    """A response's rule reading as indicators: each rule that matched a sentence, and per label
    "any sentence says it", "the last sentence says it" and the labeler's verdict (plus "no rule
    matched"). Carries the guide's wording into the model, across bodies."""

    def fit(self, X, y=None):
        self.rule_labels_ = [r.label for r in shipped_rules()]
        return self

    def transform(self, X):
        n_rules, n_labels = len(self.rule_labels_), len(LABELS)
        rows, cols = [], []
        for i, reading in enumerate(X):
            seen = set()
            for hit in reading.hits:
                seen.add(hit.rule)
                seen.add(n_rules + LABELS.index(hit.label))
                if hit.sentence == reading.n_sentences - 1:
                    seen.add(n_rules + n_labels + LABELS.index(hit.label))
            if reading.hits:
                seen.add(n_rules + 2 * n_labels + LABELS.index(reading.label))
            else:  # the labeler's fallback to other is not a rule that said other
                seen.add(n_rules + 3 * n_labels)
            rows += [i] * len(seen)
            cols += sorted(seen)
        return _indicators(rows, cols, len(X), n_rules + 3 * n_labels + 1)

    def get_feature_names_out(self, input_features=None):
        return np.array([f"rule:{j}:{l}" for j, l in enumerate(self.rule_labels_)]
                        + [f"any→{l}" for l in LABELS] + [f"last→{l}" for l in LABELS]
                        + [f"rule→{l}" for l in LABELS] + ["no rule matched"], dtype=object)


class CrossFeatures(BaseEstimator, TransformerMixin):
    """What the opinion asks crossed with what the response holds to: ``ask:<type>`` alone, and
    ``ask:<type>×<verdict>`` / ``ask:<type>×last:<label>`` with the response's rule reading. A
    response that explains (no rule) to an opinion that opposed is read differently from the same
    explanation answering a question. Input: a DataFrame with opinion_requests (and, in response
    mode, response_reading)."""

    def fit(self, X, y=None):
        self.with_response_ = "response_reading" in X
        names = [f"ask:{t}" for t in REQUEST_TYPES]
        if self.with_response_:
            names += [f"ask:{t}×{l}" for t in REQUEST_TYPES for l in LABELS]
            names += [f"ask:{t}×last:{l}" for t in REQUEST_TYPES for l in (*LABELS, "none")]
        self.names_ = names
        return self

    def transform(self, X):
        index = {n: k for k, n in enumerate(self.names_)}
        rows, cols = [], []
        readings = X["response_reading"] if self.with_response_ else [None] * len(X)
        for i, (types, reading) in enumerate(zip(X["opinion_requests"], readings)):
            names = {f"ask:{t}" for t in types}
            if reading is not None:
                last = [h.label for h in reading.hits if h.sentence == reading.n_sentences - 1]
                last_label = next((l for l in LABELS if l in last), "none")
                names |= {f"ask:{t}×{reading.label}" for t in types}
                names |= {f"ask:{t}×last:{last_label}" for t in types}
            cols += sorted(index[n] for n in names)
            rows += [i] * len(names)
        return _indicators(rows, cols, len(X), len(self.names_))

    def get_feature_names_out(self, input_features=None):
        return np.array(self.names_, dtype=object)


class RequestVerdict(BaseEstimator, TransformerMixin):
    """The cue table's primary request type (the guide's precedence over the types it found), one-hot.
    A linear model over the types found (``ask:<type>``) cannot read a precedence by itself; the
    response model gets the rule labeler's verdict the same way. Input: opinion_requests."""

    def fit(self, X, y=None):
        self.types_ = tuple(REQUEST_TYPES)
        return self

    def transform(self, X):
        cols = [self.types_.index(primary(types)) for types in X["opinion_requests"]]
        return _indicators(range(len(cols)), cols, len(cols), len(self.types_))

    def get_feature_names_out(self, input_features=None):
        return np.array([f"cue→{t}" for t in self.types_], dtype=object)
