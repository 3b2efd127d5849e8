"""The classifier: MeCab lemmas (politeness-normalized) → TF-IDF + the rule reading of the
response + sentence-final predicates + what the opinion asks → a linear model, in two modes.

* ``opinion``: only the opinion is known (pre-sorting an incoming opinion).
* ``response``: the opinion and the government's response are known (categorizing published
  results that carry no category).
* ``request``: what the opinion asks (its request type; request_model.py), shown beside either.

The pipeline is ``analyze`` (normalize + fugashi, the slow step; features.AnalyzeColumns) →
``features`` (sparse blocks per column) → ``clf``. Cross-validation runs ``analyze`` once and fits
only ``features`` + ``clf`` per fold (see evaluate.py). How rows are weighted in training (each
distinct response once, each body the same, balanced classes) and whether the guide rows are
trained on are part of the Config, so that every choice is measured the same way.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from .features import AnalyzeColumns, CrossFeatures, StanceFeatures
from .text import split_bigrams, split_tokens

MODES = {"opinion": ("opinion",), "response": ("opinion", "response"), "request": ("opinion",)}
CLASSIFIERS = ("lr", "svc")


@dataclass(frozen=True)
class Config:
    """Every modelling choice; the defaults are the shipped configuration's parts, C and the
    classifier are chosen by leave-one-source-out (train.py)."""

    C: float = 1.0  # inverse regularization
    classifier: str = "lr"  # lr: logistic regression; svc: LinearSVC calibrated by sigmoid
    response_words: bool = True  # TF-IDF of the response's normalized lemmas
    opinion_words: bool = True  # TF-IDF of the opinion's normalized lemmas (weight 0.5 in response mode)
    stance: bool = True  # the rule reading: each rule, any/last sentence per label, verdict
    predicates: bool = True  # sentence-final predicates of the response (and the last one)
    crosses: bool = False  # the opinion's request types, and crossed with the response's reading (measured: hurts across bodies)
    stance_weight: float = 1.0  # scale of the rule-reading block (larger: cheaper to use under L2)
    words_weight: float = 1.0  # scale of the TF-IDF word blocks
    guide: bool = True  # train on the guide rows (data/guide_rows.csv)
    weight_response: bool = False  # each distinct response weighs 1 over its opinions (measured: off is better)
    weight_body: bool = False  # each body (the guide rows one of them) the same total weight (measured: off is better)
    balanced: "bool | float" = True  # each label the same total weight (a number from 0 to 1: part of the way, see weights.sample_weights)
    bigrams: bool = False  # the word blocks also count adjacent lemma pairs (原案 の, の とおり)
    last_words: bool = False  # a TF-IDF block of the response's last sentence alone
    min_bodies: int = 1  # a word is a TF-IDF feature only if the training rows of this many bodies use it (guide rows one body)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Config":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


# Chosen by leave-one-source-out inside training (train.py) and inside each outer fold (evaluate.py).
GRID = [Config(C=C, classifier=clf) for clf in CLASSIFIERS for C in (0.1, 0.3, 1.0, 3.0)]
GRIDS = {"fast": GRID, "full": GRID + [replace(c, opinion_words=False) for c in GRID]}


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    return mode


def grid_for(mode: str, grid=GRID) -> list:
    """The configurations of ``grid`` that make sense in ``mode`` (opinion mode has no response
    features, and always the request-type cues), without repeats."""
    if mode == "response":
        return list(dict.fromkeys(grid))
    # the opinion model reads the opinion's words and what it asks (its request-type cues); each
    # distinct response and each body weigh the same (measured, benchmarks/cross_body.py --mode
    # opinion: per opinion 0.237 [0.194, 0.278] with both weightings, 0.147 [0.106, 0.177] without)
    return list(dict.fromkeys(replace(c, response_words=False, stance=False, predicates=False, opinion_words=True,
                                      crosses=True, weight_response=True, weight_body=True) for c in grid))


def tfidf(bigrams: bool = False, **kw):
    return TfidfVectorizer(analyzer=split_bigrams if bigrams else split_tokens, lowercase=False, sublinear_tf=True, **kw)


def shared_vocabulary(tokens, bodies, min_bodies: int, bigrams: bool = False) -> list:
    """The terms (space-separated tokens; ``bigrams``: and adjacent pairs, as tfidf(bigrams) counts
    them) that the texts of at least ``min_bodies`` distinct bodies use, sorted: the vocabulary that
    can carry to a body the model has not seen. Raises ValueError when no term is left."""
    split = split_bigrams if bigrams else split_tokens
    seen = {}
    for text, body in zip(tokens, bodies):
        for word in set(split(text)):
            seen.setdefault(word, set()).add(body)
    kept = sorted(w for w, b in seen.items() if len(b) >= min_bodies)
    if not kept:
        n = len(set(bodies))
        raise ValueError(f"min_bodies={min_bodies}: no word is used by that many of the training rows' "
                         f"{n} {'body' if n == 1 else 'bodies'}; lower min_bodies or train on more bodies")
    return kept


def build_features(mode: str, config: Config, vocabulary=None) -> ColumnTransformer:
    """The sparse feature blocks of ``mode`` that ``config`` turns on. ``vocabulary``: column → the
    words its TF-IDF keeps, asked only for the word blocks built (see shared_vocabulary; default:
    every word of the training rows)."""
    response = check_mode(mode) == "response"
    blocks, weights = [], {}

    def add(name, step, column, weight=1.0):
        blocks.append((name, step, column))
        weights[name] = weight

    def words(column):
        return tfidf(config.bigrams, vocabulary=vocabulary(column) if vocabulary else None)

    if config.opinion_words or not response:
        add("opinion_words", words("opinion_tokens"), "opinion_tokens", (0.5 if response else 1.0) * config.words_weight)
    if response and config.response_words:
        add("response_words", words("response_tokens"), "response_tokens", config.words_weight)
    if response and config.last_words:
        add("response_last_words", words("response_last_tokens"), "response_last_tokens", config.words_weight)
    if response and config.stance:
        add("response_stance", StanceFeatures(), "response_reading", config.stance_weight)
    if response and config.predicates:
        add("response_predicates", tfidf(binary=True), "response_predicates", 0.5)
    if config.crosses:
        add("asks", CrossFeatures(), ["opinion_requests", "response_reading"] if response else ["opinion_requests"])
    return ColumnTransformer(blocks, transformer_weights=weights)


class Tempered(BaseEstimator, ClassifierMixin):
    """A probabilistic classifier whose probabilities are sharpened or softened by a temperature:
    p ∝ p_base ** (1 / temperature). The temperature is fitted (fit_temperature) on predictions for
    bodies the base model did not see, so confidence means on a new body what it says."""

    def __init__(self, estimator=None, temperature: float = 1.0):
        self.estimator = estimator
        self.temperature = temperature

    def fit(self, X, y, sample_weight=None):
        estimator = clone(self.estimator)
        if isinstance(estimator, CalibratedClassifierCV):  # its inner folds need each class in each fold
            fewest = int(np.unique(np.asarray(y), return_counts=True)[1].min())
            if fewest < 2:  # too few to calibrate: logistic regression, with the same C, is used instead
                estimator = LogisticRegression(C=estimator.estimator.C, max_iter=5000)
            else:
                estimator.set_params(cv=min(estimator.cv, fewest))
        self.estimator_ = estimator.fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X):
        return temper(self.estimator_.predict_proba(X), self.temperature)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(1)]


def support_rule(proba, classes, opinion_requests) -> np.ndarray:
    """Guide rule 6 (statements of support: ``other``): an opinion the cue table reads as support
    and nothing else asks for nothing to decline, so its ``rejected`` probability goes to ``other``
    (a 「賛成です」 answered 「原案のとおりとします」 is not a rejection). ``covered`` stays: a
    response can still point at the plan's text (rule 4 comes first; one annotated support opinion
    is covered). Applied after the model, in prediction and on the evaluation's outer predictions,
    not inside the fitted pipeline nor in the inner folds that choose its configuration and
    temperature (a hard zero there pushed the fitted temperatures up)."""
    classes = list(classes)
    if "other" not in classes or "rejected" not in classes:
        return proba
    rows = np.array([tuple(t) == ("support",) for t in opinion_requests], dtype=bool)
    if not rows.any():
        return proba
    proba = np.array(proba, dtype=float)
    o, j = classes.index("other"), classes.index("rejected")
    proba[rows, o] += proba[rows, j]
    proba[rows, j] = 0.0
    return proba


def temper(proba, temperature: float) -> np.ndarray:
    logp = np.log(np.clip(np.asarray(proba, dtype=float), 1e-12, 1.0)) / temperature
    logp -= logp.max(1, keepdims=True)
    p = np.exp(logp)
    return p / p.sum(1, keepdims=True)


def fit_temperature(proba, y, classes, weights=None) -> float:
    """The temperature (from 0.05 to 5, log grid) that minimizes the log loss of ``proba`` (columns
    in ``classes`` order) against ``y``."""
    proba, y = np.asarray(proba, dtype=float), np.asarray(y)
    if not len(y):
        return 1.0
    col = np.array([list(classes).index(v) for v in y])
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    grid = np.exp(np.linspace(np.log(0.05), np.log(5.0), 61))
    losses = [-(w * np.log(np.clip(temper(proba, t)[np.arange(len(y)), col], 1e-12, 1))).sum() for t in grid]
    return float(round(grid[int(np.argmin(losses))], 4))


def build_classifier(config: Config, temperature: float = 1.0):
    if config.classifier == "lr":
        base = LogisticRegression(C=config.C, max_iter=5000)
    elif config.classifier == "svc":
        base = CalibratedClassifierCV(LinearSVC(C=config.C, max_iter=20000), method="sigmoid", cv=3)
    else:
        raise ValueError(f"unknown classifier {config.classifier!r}; expected one of {', '.join(CLASSIFIERS)}")
    return Tempered(base, temperature)


def build_pipeline(mode: str, config: Config = Config(), temperature: float = 1.0) -> Pipeline:
    return Pipeline([
        ("analyze", AnalyzeColumns(MODES[check_mode(mode)])),
        ("features", build_features(mode, config)),
        ("clf", build_classifier(config, temperature)),
    ])


def coefficients(clf) -> np.ndarray:
    """Per-class coefficients of a fitted classifier (averaged over a calibrated SVC's folds)."""
    clf = getattr(clf, "estimator_", clf)
    if hasattr(clf, "coef_"):
        return clf.coef_
    return np.mean([c.estimator.coef_ for c in clf.calibrated_classifiers_], axis=0)


# lemmas that carry grammar, not content: never shown as evidence on their own
_FUNCTION = frozenset("為る 居る 行く 有る 成る 事 物 為 所 様 貰う 呉れる 無い ない だ た て の を に は が と も で へ から "
                      "まで より や か ね よ れる せる 頂く 御 ます".split())


def _readable(term: str) -> bool:
    return term not in _FUNCTION and not (len(term) <= 2 and all("\u3040" <= ch <= "\u309f" for ch in term))


def top_terms(pipeline: Pipeline, features, classes_idx, k: int = 5, names=None, readings=None) -> list:
    """For each row, the ``k`` features that pushed it most towards its predicted class (value ×
    coefficient), as readable strings: a word, a predicate, the phrase of the response a rule
    matched (given the rows' rule ``readings``), the labeler's verdict (``rule→<label>``, or ``no
    rule matched``), or what the opinion asks. Bare function words are left out."""
    coef = coefficients(pipeline.named_steps["clf"])
    if names is None:
        names = pipeline.named_steps["features"].get_feature_names_out()
    out = []
    features = sparse.csr_matrix(features)  # a ColumnTransformer's output is dense when dense enough
    indptr, indices, data = features.indptr, features.indices, features.data
    for i, c in enumerate(classes_idx):
        cols = indices[indptr[i]:indptr[i + 1]]
        w = coef[c] if coef.shape[0] > 1 else (coef[0] if c == 1 else -coef[0])
        contrib = data[indptr[i]:indptr[i + 1]] * w[cols]
        terms = []
        for j in np.argsort(-contrib):
            if contrib[j] <= 0 or len(terms) >= k:
                break
            term = _term(names[cols[j]], readings[i] if readings is not None else None)
            if term and term not in terms:
                terms.append(term)
        out.append(" / ".join(terms))
    return out


def _term(name: str, reading) -> str:
    block, _, term = name.partition("__")
    if term.startswith("rule:"):
        index = int(term.split(":")[1])
        hit = next((h for h in reading.hits if h.rule == index), None) if reading is not None else None
        return hit.phrase if hit else f"rule:{term.split(':')[2]}"
    if block == "response_predicates":
        head, _, rest = term.partition(":")
        return ("〜" if "tail" in head else "") + (rest if rest else head).replace("_", "")
    if block.endswith("_words"):
        return term if _readable(term) else ""
    return term
