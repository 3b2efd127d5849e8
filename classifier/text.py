"""Japanese text handling: markup-stripping normalization, duplicate keys, and the process's
fugashi (MeCab + unidic-lite) tagger (stance.py reads lemmas and parts of speech through it)."""
from __future__ import annotations

import html
import os
import re
import unicodedata
from pathlib import Path

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_SPACE = re.compile(r"[\s\u3000]+")


def normalize(text) -> str:
    """Canonical form of a published text: markup removed, NFKC, whitespace collapsed.

    ``<p>`` and other HTML tags become spaces, entities are unescaped, full-width ASCII and
    half-width katakana are unified (NFKC), runs of whitespace become one space. Idempotent
    (applied until it reaches a fixed point, since unescaping can reveal new markup), and never
    removes a Japanese character.
    """
    if text is None or text != text:  # None or NaN (an empty spreadsheet cell)
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


# -- tokenizer ----------------------------------------------------------------------------------
_TAGGERS: dict = {}


def _process_tagger(key, make, *args):
    """The tagger cached under ``key`` in this process, made by ``make(*args)`` on first use
    (after a fork the parent's taggers are dropped: they are not ours)."""
    key = (os.getpid(), key)
    if key not in _TAGGERS:
        for old in [k for k in _TAGGERS if k[0] != key[0]]:
            del _TAGGERS[old]
        _TAGGERS[key] = make(*args)
    return _TAGGERS[key]


def _mecab_tagger(args: str):
    import fugashi

    return fugashi.Tagger(args)


def _token_tagger():
    import fugashi
    import unidic_lite

    return fugashi.GenericTagger(f'-r "{TOKENS_RC}" -d "{unidic_lite.DICDIR}"')


def get_tagger(args: str = ""):
    """The process's fugashi Tagger (MeCab + unidic-lite) for ``args``, created on first use.
    ``"-Owakati"`` gives a tagger whose ``parse`` returns space-separated surfaces."""
    return _process_tagger(args, _mecab_tagger, args)


TOKENS_RC = Path(__file__).with_name("tokens.mecabrc")


def get_token_tagger():
    """The process's tagger for stance.analyze: unidic-lite's dictionary with the package's own
    output format (tokens.mecabrc: leading whitespace + surface, lemma, POS; nothing else), a
    third of the full format's text, which Python reads with one split instead of a regex a line."""
    tagger = _TAGGERS.get((os.getpid(), TOKENS_RC))  # called once a sentence: the cached one first
    return tagger if tagger is not None else _process_tagger(TOKENS_RC, _token_tagger)


def split_tokens(text: str) -> list:
    """Split a space-joined token string (the output of tokenizing once) back into tokens."""
    return text.split()


def split_bigrams(text: str) -> list:
    """The tokens of a space-joined token string and each adjacent pair of them ("原案 の")."""
    tokens = text.split()
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]
