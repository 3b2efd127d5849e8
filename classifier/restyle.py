"""Rewrite a response into another politeness style (restyle.tsv), for the perturbation test: a
model that reads stance, not one body's manners, gives the rewritten answer the same label."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .exceptions import DataFileError
from .text import normalize

RESTYLE_PATH = Path(__file__).with_name("restyle.tsv")


def load_styles(path=RESTYLE_PATH) -> dict:
    """{style: [(compiled pattern, replacement), …]}, validated; errors name the file and line."""
    styles: dict = {}
    with open(path, encoding="utf-8") as f:
        lines = [(n, l.rstrip("\r\n")) for n, l in enumerate(f, 1) if l.strip() and not l.startswith("#")]
    if not lines or lines[0][1].split("\t") != ["style", "pattern", "replacement"]:
        raise DataFileError(f"{path}: header must be style<TAB>pattern<TAB>replacement")
    for n, line in lines[1:]:
        parts = line.split("\t")
        if len(parts) != 3:
            raise DataFileError(f"{path}:{n}: expected style<TAB>pattern<TAB>replacement, got {line!r}")
        try:
            styles.setdefault(parts[0], []).append((re.compile(parts[1]), parts[2]))
        except re.error as e:
            raise DataFileError(f"{path}:{n}: bad pattern {parts[1]!r}: {e}") from None
    return styles


@lru_cache(maxsize=None)
def shipped_styles() -> dict:
    return load_styles(RESTYLE_PATH)


def restyle(text: str, style: str) -> str:
    """``text`` (normalized) rewritten in ``style`` (a style of restyle.tsv)."""
    styles = shipped_styles()
    if style not in styles:
        raise ValueError(f"unknown style {style!r}; expected one of {', '.join(styles)}")
    out = normalize(text)
    for pattern, replacement in styles[style]:
        out = pattern.sub(replacement, out)
    return out
