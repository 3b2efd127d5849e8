"""Reading the package's curated tab-separated tables (rules, request cues, politeness, restyle):
comment lines start with #, the first other line is the header, every row has its fields."""
from __future__ import annotations

import re

from .exceptions import DataFileError


def read_tsv(path, header: list) -> list:
    """[(line number, fields)] of the data rows of ``path``; a wrong header or a row with another
    number of fields is a DataFileError naming the file and line."""
    with open(path, encoding="utf-8") as f:
        lines = [(n, l.rstrip("\r\n")) for n, l in enumerate(f, 1) if l.strip() and not l.startswith("#")]
    if not lines or lines[0][1].split("\t") != list(header):
        raise DataFileError(f"{path}: header must be {'<TAB>'.join(header)}")
    rows = []
    for n, line in lines[1:]:
        parts = line.split("\t")
        if len(parts) != len(header):
            raise DataFileError(f"{path}:{n}: expected {'<TAB>'.join(header)}, got {line!r}")
        rows.append((n, parts))
    return rows


def compile_at(path, n: int, pattern: str, wrap=lambda p: p) -> re.Pattern:
    """``re.compile(wrap(pattern))``, a bad pattern named with its file and line."""
    try:
        return re.compile(wrap(pattern))
    except re.error as e:
        raise DataFileError(f"{path}:{n}: bad pattern {pattern!r}: {e}") from None
