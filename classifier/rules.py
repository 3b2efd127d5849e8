"""The rule labeler: patterns over each sentence's politeness-normalized lemmas (rules.tsv) → a
label for the response.

Verdict: any sentence that changes the text → ``adopted`` (guide rule 2), then the guide's
precedence adopted > covered > rejected > deferred > other; a response no rule matches is
``other``. Labels it produces are ``label_origin=rule``, never ``annotated``. It is also the
baseline the model is compared with, and its matches are features of the response model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .datafiles import compile_at, read_tsv
from .exceptions import DataFileError
from .labels import LABELS
from .stance import sentences as analyze_sentences

RULES_PATH = Path(__file__).with_name("rules.tsv")
PRECEDENCE = ("adopted", "covered", "rejected", "deferred", "other")
HEADER = ["label", "scope", "pattern", "source"]
SCOPES = ("sentence", "draft")
_DRAFT = re.compile(r"(?<= )(原案|原文) 通り(?= |$)")


@dataclass(frozen=True)
class Rule:
    label: str
    scope: str  # sentence: every sentence; draft: a sentence keeping the draft, which it then decides
    pattern: re.Pattern  # compiled over " " + a sentence's lemma string, whole tokens only
    line: int
    source: str
    text: str  # the pattern as written


@dataclass(frozen=True)
class Hit:
    rule: int  # index into the rules
    sentence: int  # index of the sentence
    label: str
    phrase: str  # the words of the response that matched, as written


@dataclass(frozen=True)
class Reading:
    """What the rules read in one response."""

    label: str  # the verdict
    evidence: str  # the phrase that decided it ('' when no rule matched)
    hits: tuple  # every Hit, in sentence order
    n_sentences: int


def wrap_pattern(pattern: str) -> str:
    return rf"(?<= )(?:{pattern})(?= |$)"


def compile_pattern(pattern: str) -> re.Pattern:
    """A pattern over a sentence's lemma string, matching whole tokens (see rules.tsv)."""
    return re.compile(wrap_pattern(pattern))


def parse_rules(path) -> tuple:
    """The rules of a rules.tsv file, validated; errors name the file and line."""
    rows = []
    for n, (label, scope, pattern, source) in read_tsv(path, HEADER):
        if label not in LABELS:
            raise DataFileError(f"{path}:{n}: unknown label {label!r}; expected one of {', '.join(LABELS)}")
        if scope not in SCOPES:
            raise DataFileError(f"{path}:{n}: unknown scope {scope!r}; expected one of {', '.join(SCOPES)}")
        if not source.strip():
            raise DataFileError(f"{path}:{n}: say where the pattern came from (source column)")
        rows.append(Rule(label, scope, compile_at(path, n, pattern, wrap_pattern), n, source.strip(), pattern))
    return tuple(rows)


@lru_cache(maxsize=None)
def shipped_rules() -> tuple:
    return parse_rules(RULES_PATH)


def read_sentences(sents, rules=None) -> Reading:
    """Apply the rules to analyzed sentences (stance.sentences) and give the verdict."""
    rules = rules or shipped_rules()
    hits = []
    for k, s in enumerate(sents):
        padded = " " + s.lemmas
        keeps_draft = bool(_DRAFT.search(padded))
        found = []
        for j, rule in enumerate(rules):
            if rule.scope == "draft" and not keeps_draft:
                continue
            m = rule.pattern.search(padded)
            if m:
                found.append((rule.scope, Hit(j, k, rule.label, s.phrase(m.start() - 1, m.end() - 1))))
        if any(scope == "draft" for scope, _ in found):  # guide rule 4 decides covered vs rejected here
            found = [(sc, h) for sc, h in found if sc == "draft" or h.label not in ("covered", "rejected")]
        hits += [h for _, h in found]
    for label in PRECEDENCE:
        first = next((h for h in hits if h.label == label), None)
        if first is not None:
            return Reading(label, first.phrase, tuple(hits), len(sents))
    return Reading("other", "", tuple(hits), len(sents))


def read_response(response: str, rules=None) -> Reading:
    return read_sentences(analyze_sentences(response), rules)


def rule_label(response: str, rules=None) -> tuple:
    """Return (label, evidence): the verdict on the response and the phrase that decided it."""
    reading = read_response(response, rules)
    return reading.label, reading.evidence
