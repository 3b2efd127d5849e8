"""What every reader shares: the Record and Document it returns, and small helpers for reading a
text document, refusing one that is not a results document, and checking a stated total."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import CountMismatchError, NotAResultsDocumentError
from ..tables import decode


@dataclass
class Record:
    number: str  # the document's own numbering (or position), used to build stable ids
    opinion: str
    response: str = ""
    raw_category: str = ""
    line: int = 0  # line in the file where the record starts
    key: str = ""  # when set, ids use it instead of number (<id_prefix>-<key>)
    response_published: str = ""  # the published text, when ``response`` was resolved from a pointer to another answer
    pairing: str = ""  # how the opinion was paired with the response, where the document does not print them side by side


@dataclass
class Document:
    path: str
    format: str
    records: list = field(default_factory=list)
    scheme: str = ""  # registered scheme whose legend the document printed
    problems: list = field(default_factory=list)


def read_text(path) -> str:
    """The document's text, decoded (UTF-8 or CP932)."""
    return decode(Path(path).read_bytes(), name=str(path))[0]


def describe(text: str) -> str:
    """A short description of what a non-results document looks like, for error messages."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    speakers = sum(bool(re.match(r"^(委員|事務局|会長|委員長|部長|議長|本部長)\s", l)) for l in lines)
    chapters = sum(bool(re.match(r"^第\s*\d+\s*章", l)) for l in lines)
    if speakers >= 3:
        return f"meeting minutes ({speakers} lines start with a speaker such as 委員 / 事務局)"
    if chapters >= 2 or "目次" in text[:2000] or "目 次" in text[:2000]:
        return f"a plan or report ({chapters} chapter headings, table of contents), not its consultation results"
    return f"plain text of {len(lines)} lines with no opinion/response table"


def refuse(path, text: str, expected: str):
    """Raise NotAResultsDocumentError saying what the document looks like and what was expected."""
    raise NotAResultsDocumentError(
        f"{path}: not a public-comment results document: it looks like {describe(text)}. "
        f"Expected {expected}.")


def find_legend(text: str, pattern: str) -> dict:
    """{category: legend text} for every line matching ``pattern`` (two groups)."""
    return {m.group(1).strip(): m.group(2).strip() for m in re.finditer(pattern, text, re.M)}


def check_total(path, records, expected, what):
    """Raise CountMismatchError if ``expected`` is given and differs from the number of records."""
    if expected is not None and len(records) != expected:
        raise CountMismatchError(f"{path}: parsed {len(records)} opinions but the document states {expected} ({what})")
