"""The rule labeler: a response's wording → a normalized label, from the table in rules.tsv.

Labels it produces are ``label_origin=rule``, never ``annotated``. It is also the baseline
the model is compared with.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .exceptions import DataFileError
from .labels import LABELS
from .text import normalize

RULES_PATH = Path(__file__).with_name("rules.tsv")


@dataclass(frozen=True)
class Rule:
    label: str
    pattern: re.Pattern
    line: int


def parse_rules(path) -> tuple:
    rows = []
    with open(path, encoding="utf-8") as f:
        lines = [(n, l.rstrip("\r\n")) for n, l in enumerate(f, 1) if l.strip() and not l.startswith("#")]
    if not lines or lines[0][1] != "label\tpattern":
        raise DataFileError(f"{path}: header must be label<TAB>pattern")
    for n, line in lines[1:]:
        parts = line.split("\t")
        if len(parts) != 2:
            raise DataFileError(f"{path}:{n}: expected label<TAB>pattern, got {line!r}")
        label, pattern = parts
        if label not in LABELS:
            raise DataFileError(f"{path}:{n}: unknown label {label!r}; expected one of {', '.join(LABELS)}")
        try:
            rows.append(Rule(label, re.compile(pattern), n))
        except re.error as e:
            raise DataFileError(f"{path}:{n}: bad pattern {pattern!r}: {e}") from None
    return tuple(rows)


@lru_cache(maxsize=None)
def _shipped_rules():
    return parse_rules(RULES_PATH)


def rule_label(response: str, rules=None) -> tuple:
    """Return (label, evidence): the first rule whose pattern occurs in the response, and the
    matched phrase. A response no rule matches is ``other`` with empty evidence."""
    text = normalize(response)
    for rule in rules or _shipped_rules():
        m = rule.pattern.search(text)
        if m:
            return rule.label, m.group(0)
    return "other", ""
