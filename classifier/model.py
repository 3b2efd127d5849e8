"""The classifier: MeCab tokens → TF-IDF → logistic regression, in two modes.

* ``opinion``: only the opinion is known (pre-sorting an incoming opinion).
* ``response``: the opinion and the government's response are known (categorizing published
  results that carry no category).

The pipeline is ``tokenize`` (normalize + fugashi, the slow step) → ``features`` (TF-IDF of word
n-grams and character n-grams per text column) → ``clf``. Cross-validation runs ``tokenize`` once
and fits only ``features`` + ``clf`` per fold (see evaluate.py).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .text import Tokenizer, normalize, split_bigrams, split_tokens

MODES = {"opinion": ("opinion",), "response": ("opinion", "response")}


@dataclass(frozen=True)
class Config:
    """The choices made by cross-validation (see evaluate.select_config)."""

    form: str = "surface"  # token form: surface or lemma
    word_ngrams: int = 2  # word n-grams up to this length
    chars: bool = True  # add character 2–3-grams
    C: float = 10.0  # inverse regularization of the logistic regression
    rules: bool = False  # add the rule labeler's matches as features (response mode)

    def to_dict(self):
        return asdict(self)


# Every option, for those who trade speed for a little accuracy (`--grid full`).
FULL_GRID = [Config(form, n, chars, C) for form in ("surface", "lemma") for n in (1, 2)
             for chars in (False, True) for C in (1.0, 10.0)]
# The default: only options that keep prediction at ≥ 70 % of raw tokenization speed. Measured
# (benchmarks/predict_speed.py): surface unigrams 0.76×, + word bigrams 0.60×, lemma 0.48×,
# + character n-grams 0.35×; their gain in cross-validated macro-F1 was ≤ 0.02 (README).
GRID = [Config("surface", 1, False, C) for C in (0.3, 1.0, 3.0, 10.0)]
GRIDS = {"fast": GRID, "full": FULL_GRID}


def grid_for(mode: str, grid=GRID) -> list:
    """The configurations tried for ``mode``. The response model always gets the rule features:
    with them, macro-F1 goes from 0.12 to 0.39 leave-one-source-out, 0.60 to 0.73 leave-one-plan-out
    and 0.69 to 0.77 grouped 5-fold (benchmarks/rule_features.py); the opinion model has no
    response to match rules against."""
    return [Config(**{**c.to_dict(), "rules": mode == "response"}) for c in grid]


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    return mode


class TokenizeColumns(BaseEstimator, TransformerMixin):
    """DataFrame of texts → DataFrame with, per column, the normalized text and its tokens
    joined by spaces (``<column>_tokens``). Stateless; the fugashi tagger is never pickled."""

    def __init__(self, columns=("opinion",), form="surface"):
        self.columns = columns
        self.form = form

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return self.tokenize_normalized({col: [normalize(t) for t in X[col]] for col in self.columns},
                                        getattr(X, "index", None))

    def tokenize_normalized(self, texts: dict, index=None) -> pd.DataFrame:
        """Like transform, for texts already normalized (prediction normalizes them once)."""
        tokenizer = Tokenizer(self.form)
        out = {}
        for col in self.columns:
            out[col] = list(texts[col])
            out[col + "_tokens"] = [tokenizer.joined(t) for t in out[col]]
        return pd.DataFrame(out, index=index)


class RuleFeatures(BaseEstimator, TransformerMixin):
    """The rule labeler (rules.tsv) as features: one indicator per rule that matches the text,
    and one per label the labeler would give. Carries the labeling guide's wording into the
    model, which helps on bodies whose style the training data lacks."""

    def fit(self, X, y=None):
        from .rules import _shipped_rules

        self.n_rules_ = len(_shipped_rules())
        return self

    def transform(self, X):
        from scipy import sparse

        from .labels import LABELS
        from .rules import _shipped_rules

        rules = _shipped_rules()
        rows, cols = [], []
        for i, text in enumerate(X):
            first = None
            for j, rule in enumerate(rules):
                if rule.pattern.search(text):
                    rows.append(i)
                    cols.append(j)
                    first = first or rule.label
            rows.append(i)
            cols.append(len(rules) + LABELS.index(first or "other"))
        data = [1.0] * len(rows)
        return sparse.csr_matrix((data, (rows, cols)), shape=(len(X), len(rules) + len(LABELS)))

    def get_feature_names_out(self, input_features=None):
        from .labels import LABELS
        from .rules import _shipped_rules

        rules = _shipped_rules()
        return np.array([f"rule:{j}:{r.label}" for j, r in enumerate(rules)] + [f"rule→{l}" for l in LABELS],
                        dtype=object)


def build_features(mode: str, config: Config) -> ColumnTransformer:
    """TF-IDF blocks per text column; in response mode the response weighs more than the opinion."""
    blocks, weights = [], {}
    for col in MODES[check_mode(mode)]:
        weight = 0.5 if (mode == "response" and col == "opinion") else 1.0
        analyzer = {1: split_tokens, 2: split_bigrams}[config.word_ngrams]
        blocks.append((f"{col}_words", TfidfVectorizer(analyzer=analyzer, lowercase=False, sublinear_tf=True),
                       f"{col}_tokens"))
        weights[f"{col}_words"] = weight
        if config.chars:
            blocks.append((f"{col}_chars", TfidfVectorizer(
                analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=2), col))
            weights[f"{col}_chars"] = weight
        if config.rules and col == "response":
            blocks.append(("response_rules", RuleFeatures(), col))
            weights["response_rules"] = 1.0
    return ColumnTransformer(blocks, transformer_weights=weights)


def build_classifier(config: Config) -> LogisticRegression:
    return LogisticRegression(C=config.C, class_weight="balanced", max_iter=3000)


def build_pipeline(mode: str, config: Config = Config()) -> Pipeline:
    return Pipeline([
        ("tokenize", TokenizeColumns(MODES[check_mode(mode)], config.form)),
        ("features", build_features(mode, config)),
        ("clf", build_classifier(config)),
    ])


def top_terms(pipeline: Pipeline, features, classes_idx, k: int = 5, names=None, responses=None) -> list:
    """For each row, the ``k`` features that pushed the row most towards its predicted class
    (tf-idf value × coefficient), as readable strings. A rule feature shows the phrase of the
    row's response it matched (given ``responses``), else ``rule:<label>``; the labeler's verdict
    shows as ``rule→<label>``, or ``no rule matched`` when it fell back to other."""
    from .rules import _shipped_rules

    rules = _shipped_rules()
    clf = pipeline.named_steps["clf"]
    if names is None:
        names = pipeline.named_steps["features"].get_feature_names_out()
    coef = clf.coef_
    is_rule = np.array([n.split("__", 1)[-1].startswith("rule:") for n in names])  # a rule matched
    out = []
    features = features.tocsr()
    indptr, indices, data = features.indptr, features.indices, features.data
    for i, c in enumerate(classes_idx):
        cols = indices[indptr[i]:indptr[i + 1]]
        w = coef[c] if coef.shape[0] > 1 else (coef[0] if c == 1 else -coef[0])
        contrib = data[indptr[i]:indptr[i + 1]] * w[cols]
        order = np.argsort(-contrib)[:k]
        terms = []
        for j in order:
            if contrib[j] <= 0:
                break
            name = names[cols[j]].split("__", 1)[1]
            if name.startswith("rule:"):
                _, index, label = name.split(":")
                match = rules[int(index)].pattern.search(responses[i]) if responses is not None else None
                name = match.group(0) if match else f"rule:{label}"
            elif name == "rule→other" and not is_rule[cols].any():
                name = "no rule matched"  # the labeler's fallback, not a rule that said other
            if name not in terms:
                terms.append(name)
        out.append(" / ".join(terms))
    return out
