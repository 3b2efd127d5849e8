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


def compile_pattern(pattern: str) -> re.Pattern:
    return re.compile(rf"(?<= )(?:{pattern})(?= |$)")


def parse_rules(path) -> tuple:
    """The rules of a rules.tsv file, validated; errors name the file and line."""
    rows = []
    with open(path, encoding="utf-8") as f:
        lines = [(n, l.rstrip("\r\n")) for n, l in enumerate(f, 1) if l.strip() and not l.startswith("#")]
    if not lines or lines[0][1].split("\t") != HEADER:
        raise DataFileError(f"{path}: header must be {'<TAB>'.join(HEADER)}")
    for n, line in lines[1:]:
        parts = line.split("\t")
        if len(parts) != len(HEADER):
            raise DataFileError(f"{path}:{n}: expected label<TAB>scope<TAB>pattern<TAB>source, got {line!r}")
        label, scope, pattern, source = parts
        if label not in LABELS:
            raise DataFileError(f"{path}:{n}: unknown label {label!r}; expected one of {', '.join(LABELS)}")
        if scope not in SCOPES:
            raise DataFileError(f"{path}:{n}: unknown scope {scope!r}; expected one of {', '.join(SCOPES)}")
        if not source.strip():
            raise DataFileError(f"{path}:{n}: say where the pattern came from (source column)")
        try:
            rows.append(Rule(label, scope, compile_pattern(pattern), n, source.strip(), pattern))
        except re.error as e:
            raise DataFileError(f"{path}:{n}: bad pattern {pattern!r}: {e}") from None
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
