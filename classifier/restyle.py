"""Rewrite a response into another politeness style (restyle.tsv), for the perturbation test: a
model that reads stance, not one body's manners, gives the rewritten answer the same label."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .datafiles import compile_at, read_tsv
from .text import normalize

RESTYLE_PATH = Path(__file__).with_name("restyle.tsv")


def load_styles(path=RESTYLE_PATH) -> dict:
    """{style: [(compiled pattern, replacement), …]}, validated; errors name the file and line."""
    styles: dict = {}
    for n, (style, pattern, replacement) in read_tsv(path, ["style", "pattern", "replacement"]):
        styles.setdefault(style, []).append((compile_at(path, n, pattern), replacement))
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
