"""Category schemes as data: ``schemes.tsv`` maps each government's categories to the five labels.

The file is validated on load; a bad row is reported with the file and line number.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .exceptions import DataFileError, LegendMismatchError, SchemeError, UnknownCategoryError
from .labels import LABELS
from .text import dedupe_key

SCHEMES_PATH = Path(__file__).with_name("schemes.tsv")
NAMES_PATH = Path(__file__).with_name("scheme_names.tsv")
_COLUMNS = ["scheme", "raw_category", "label", "legend"]


@dataclass
class Scheme:
    """One government's category scheme: raw category → normalized label, with legends."""

    name: str
    labels: dict = field(default_factory=dict)  # raw category -> label, in file order
    legends: dict = field(default_factory=dict)  # raw category -> legend text

    def label_of(self, raw_category: str) -> str:
        """Map a published category to its normalized label, or raise UnknownCategoryError."""
        key = raw_category.strip()
        if key not in self.labels:
            raise UnknownCategoryError(
                f"category {raw_category!r} is not part of scheme {self.name!r} "
                f"(known: {', '.join(self.labels)}); register it in {SCHEMES_PATH.name}"
            )
        return self.labels[key]

    def raw_for(self, label: str) -> str:
        """The scheme's first category that maps to ``label`` (used to present predictions)."""
        for raw, lab in self.labels.items():
            if lab == label:
                return raw
        raise SchemeError(f"scheme {self.name!r} has no category for label {label!r}")


def parse_schemes(path: Path) -> dict:
    """Read and validate a schemes file; return {name: Scheme}."""
    schemes: dict = {}
    path = Path(path)
    with open(path, encoding="utf-8", newline="") as f:
        lines = [(n, line) for n, line in enumerate(f, 1) if line.strip() and not line.startswith("#")]
    if not lines:
        raise DataFileError(f"{path}: no rows")
    header_no, header = lines[0]
    if header.rstrip("\r\n").split("\t") != _COLUMNS:
        raise DataFileError(f"{path}:{header_no}: header must be {'<TAB>'.join(_COLUMNS)}")
    for n, line in lines[1:]:
        parts = next(csv.reader([line.rstrip("\r\n")], delimiter="\t"))
        if len(parts) != 4 or not all(p.strip() for p in parts[:3]):
            raise DataFileError(f"{path}:{n}: expected 4 tab-separated fields "
                                f"(scheme, raw_category, label, legend), got {parts!r}")
        name, raw, label, legend = (p.strip() for p in parts)
        if label not in LABELS:
            raise DataFileError(f"{path}:{n}: unknown label {label!r} for {name}/{raw}; "
                                f"expected one of {', '.join(LABELS)}")
        scheme = schemes.setdefault(name, Scheme(name))
        if raw in scheme.labels:
            raise DataFileError(f"{path}:{n}: duplicate category {raw!r} in scheme {name!r}")
        scheme.labels[raw] = label
        scheme.legends[raw] = legend
    return schemes


@lru_cache(maxsize=None)
def _shipped():
    return parse_schemes(SCHEMES_PATH)


def load_schemes(path=None) -> dict:
    """All registered schemes ({name: Scheme}); the shipped file unless ``path`` is given."""
    return parse_schemes(path) if path else dict(_shipped())


@lru_cache(maxsize=None)
def _names() -> dict:
    names = {}
    with open(NAMES_PATH, encoding="utf-8", newline="") as f:
        lines = [(n, line.rstrip("\r\n")) for n, line in enumerate(f, 1) if line.strip() and not line.startswith("#")]
    for n, line in lines[1:]:
        parts = line.split("\t")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise DataFileError(f"{NAMES_PATH}:{n}: expected scheme<TAB>name, got {line!r}")
        names[parts[0].strip()] = parts[1].strip()
    return names


def scheme_title(name: str) -> str:
    """The scheme's name as staff know it (五所川原市 …, from scheme_names.tsv), else its code name."""
    return _names().get(name, name)


def get_scheme(name: str, schemes=None) -> Scheme:
    schemes = schemes or load_schemes()
    if name not in schemes:
        raise SchemeError(f"unknown scheme {name!r}; registered: {', '.join(sorted(schemes))}")
    return schemes[name]


def match_legend(legend: dict, schemes=None) -> Scheme:
    """Find the registered scheme whose categories and legend texts match a printed legend.

    ``legend`` maps each printed category to its printed definition. Definitions are compared
    after removing whitespace and punctuation. Raises LegendMismatchError when none matches.
    """
    schemes = schemes or load_schemes()
    for scheme in schemes.values():
        if set(legend) <= set(scheme.labels) and all(
            dedupe_key(text) == dedupe_key(scheme.legends[raw]) for raw, text in legend.items()
        ):
            return scheme
    found = "\n".join(f"  {raw}\t{text}" for raw, text in legend.items())
    raise LegendMismatchError(
        "the document's legend matches no registered scheme. Legend found:\n"
        f"{found}\n"
        f"Register it by adding one row per category to {SCHEMES_PATH} "
        "(scheme<TAB>raw_category<TAB>label<TAB>legend), label being one of "
        f"{', '.join(LABELS)}."
    )
