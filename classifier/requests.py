"""What an opinion asks (its request type), read from its wording with the cue table
request_cues.tsv over politeness-normalized lemmas (stance.py).

Types: wording (a concrete change of plan text), addition (add or state something), request (a
measure or policy), opposition (反対, 中止, 延期 …), question, support, other (none of these).
An opinion may carry several; ``primary`` picks one by PRIMARY_ORDER.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .exceptions import DataFileError
from .datafiles import compile_at, read_tsv
from .rules import wrap_pattern
from .stance import sentences as analyze_sentences

CUES_PATH = Path(__file__).with_name("request_cues.tsv")
REQUEST_TYPES = ("wording", "addition", "request", "opposition", "question", "support", "other")
REQUEST_TYPES_JA = {"wording": "文言修正", "addition": "追記・明記", "request": "施策の要望", "opposition": "反対・中止",
                    "question": "質問", "support": "賛成・評価", "other": "その他"}
# the most specific ask first: an opinion that opposes and also asks a question is an opposition
PRIMARY_ORDER = ("opposition", "wording", "addition", "request", "question", "support", "other")
HEADER = ["type", "pattern", "source"]


@dataclass(frozen=True)
class Cue:
    type: str
    pattern: re.Pattern
    line: int
    source: str


def parse_cues(path=CUES_PATH) -> tuple:
    """The cue table, validated; errors name the file and line."""
    rows = []
    for n, (kind, pattern, source) in read_tsv(path, HEADER):
        if kind not in REQUEST_TYPES or kind == "other":
            raise DataFileError(f"{path}:{n}: unknown request type {kind!r}; expected one of "
                                f"{', '.join(t for t in REQUEST_TYPES if t != 'other')}")
        rows.append(Cue(kind, compile_at(path, n, pattern, wrap_pattern), n, source.strip()))
    return tuple(rows)


@lru_cache(maxsize=None)
def shipped_cues() -> tuple:
    return parse_cues(CUES_PATH)


def request_types(sents, cues=None) -> tuple:
    """The request types analyzed sentences carry, in REQUEST_TYPES order (('other',) if none)."""
    found = set()
    for s in sents:
        padded = " " + s.lemmas
        found.update(c.type for c in cues or shipped_cues() if c.type not in found and c.pattern.search(padded))
    return tuple(t for t in REQUEST_TYPES if t in found) or ("other",)


def primary(types) -> str:
    return next(t for t in PRIMARY_ORDER if t in types or t == "other")


def read_request(opinion: str, cues=None) -> tuple:
    """(primary type, all types) of an opinion's text."""
    types = request_types(analyze_sentences(opinion), cues)
    return primary(types), types
