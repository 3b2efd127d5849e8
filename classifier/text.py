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


def get_tagger(args: str = ""):
    """The process's fugashi Tagger (MeCab + unidic-lite) for ``args``, created on first use.
    ``"-Owakati"`` gives a tagger whose ``parse`` returns space-separated surfaces."""
    import os

    key = (os.getpid(), args)
    if key not in _TAGGERS:
        import fugashi

        for old in [k for k in _TAGGERS if k[0] != key[0]]:  # forked: the parent's taggers are not ours
            del _TAGGERS[old]
        _TAGGERS[key] = fugashi.Tagger(args)
    return _TAGGERS[key]


def _symbol_class() -> str:
    chars = [chr(c) for c in range(0x21, 0x10000)
             if unicodedata.category(chr(c))[0] in "PS" and not (0xD800 <= c <= 0xDFFF)]
    return "".join(re.escape(c) for c in chars)


# a token made only of punctuation or symbols, between spaces of a wakati string
_SYMBOL_TOKEN = re.compile(rf"(?<!\S)[{_symbol_class()}]+(?!\S)")


class Tokenizer:
    """Picklable Japanese word tokenizer on fugashi + unidic-lite.

    ``form`` is ``"surface"`` (the text as written) or ``"lemma"`` (dictionary form, so
    検討します / 検討いたしました share 検討 + 為る …). Tokens whose part of speech is in
    ``drop_pos`` (by default punctuation/symbols and whitespace) are left out. The MeCab tagger is
    not picklable: it is shared per process, created lazily, and never part of the pickled state.
    """

    def __init__(self, form: str = "lemma", drop_pos=("補助記号", "空白")):
        if form not in ("surface", "lemma"):
            raise ValueError(f"form must be 'surface' or 'lemma', not {form!r}")
        self.form = form
        self.drop_pos = tuple(drop_pos)

    def __call__(self, text: str) -> list:
        return self.joined(text).split()

    def joined(self, text: str) -> str:
        """The tokens joined by spaces (what the TF-IDF step reads)."""
        if self.form == "surface":
            # the fast path: MeCab writes the surfaces itself (-Owakati); tokens made only of
            # punctuation or symbols are removed from the string in one pass
            out = get_tagger("-Owakati").parse(text)
            return _SYMBOL_TOKEN.sub("", out) if self.drop_pos else out
        tokens = []
        for w in get_tagger()(text):
            f = w.feature_raw.split(",", 8)  # pos1, …, lemma is the 8th field in unidic
            if f[0] in self.drop_pos:
                continue
            lemma = f[7] if len(f) > 7 and f[7] != "*" else w.surface
            # unidic lemmas of loanwords carry their origin ("データ-data")
            tokens.append(lemma.split("-")[0] or w.surface)
        return " ".join(tokens)

    def __getstate__(self):
        return {"form": self.form, "drop_pos": self.drop_pos}

    def __setstate__(self, state):
        self.__init__(**state)

    def __repr__(self):
        return f"Tokenizer(form={self.form!r}, drop_pos={self.drop_pos!r})"

    def __eq__(self, other):
        return isinstance(other, Tokenizer) and self.__getstate__() == other.__getstate__()

    def __hash__(self):
        return hash((self.form, self.drop_pos))


def split_tokens(text: str) -> list:
    """Split a space-joined token string (the output of tokenizing once) back into tokens."""
    return text.split()


def split_bigrams(text: str) -> list:
    """Tokens and word bigrams of a space-joined token string (a picklable TF-IDF analyzer)."""
    tokens = text.split()
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]
