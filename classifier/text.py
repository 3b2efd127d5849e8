"""Japanese text handling: markup-stripping normalization, duplicate keys, and a picklable
fugashi (MeCab + unidic-lite) tokenizer."""
from __future__ import annotations

import html
import re
import unicodedata

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_SPACE = re.compile(r"[\s\u3000]+")


def normalize(text) -> str:
    """Canonical form of a published text: markup removed, NFKC, whitespace collapsed.

    ``<p>`` and other HTML tags become spaces, entities are unescaped, full-width ASCII and
    half-width katakana are unified (NFKC), runs of whitespace become one space. Idempotent
    (applied until it reaches a fixed point, since unescaping can reveal new markup), and never
    removes a Japanese character.
    """
    if text is None:
        return ""
    text = str(text)
    for _ in range(20):
        step = _SPACE.sub(" ", _TAG.sub(" ", unicodedata.normalize("NFKC", html.unescape(text)))).strip()
        if step == text:
            break
        text = step
    return text


def dedupe_key(text) -> str:
    """Key under which near-identical texts (form letters) compare equal: the normalized text
    without whitespace, punctuation or symbols."""
    return "".join(
        ch for ch in normalize(text)
        if not unicodedata.category(ch).startswith(("P", "S", "Z", "C"))
    )


def is_japanese(ch: str) -> bool:
    """True for hiragana, katakana and CJK ideographs."""
    cp = ord(ch)
    return (0x3040 <= cp <= 0x30FF) or (0x4E00 <= cp <= 0x9FFF) or (0x3400 <= cp <= 0x4DBF)
