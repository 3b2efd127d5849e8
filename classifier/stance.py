"""What a response says, read through its words' dictionary forms: one MeCab pass per text
(fugashi + unidic-lite), politeness normalized, split into sentences, each sentence as a string of
lemmas that rules (rules.tsv) and model features match.

After normalization 考えておりません, 考えていません and 考えてはいない all read
``考える て 居る ない``; 検討してまいります, 検討していきます read ``検討 為る て 行く``. The
normalization table is data (politeness.tsv), validated on load.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import accumulate
from operator import sub
from pathlib import Path
from typing import NamedTuple

from .datafiles import read_tsv
from .exceptions import DataFileError
from .text import get_token_tagger, normalize

POLITENESS_PATH = Path(__file__).with_name("politeness.tsv")

# parts of speech of content words (the head of a predicate; what normalization never drops)
CONTENT_POS = ("名詞", "動詞", "形容詞", "形状詞", "副詞", "代名詞", "連体詞")
_DEPENDENT = ("動詞-非自立可能", "形容詞-非自立可能", "名詞-普通名詞-助動詞語幹", "形状詞-助動詞語幹")
# formal nouns (こと, もの, ため …): nouns by POS, but not the head of what a sentence says
_FORMAL = frozenset({"事", "物", "為", "所", "訳", "筈", "積もり", "旨", "の"})


class Token(NamedTuple):
    surface: str
    lemma: str
    pos: str  # UniDic's part of speech, levels joined by '-' (名詞-普通名詞-サ変可能)
    start: int = 0  # where the token's text starts and ends in the analyzed text
    end: int = 0


def is_content(token: Token) -> bool:
    """A content word: noun, verb, adjective, adverb … but not a dependent (auxiliary-like) verb
    such as the いる of 〜ている or the する after a サ変 noun."""
    return (token.pos.startswith(CONTENT_POS) and not token.pos.startswith(_DEPENDENT)
            and token.lemma not in _FORMAL)


# -- one MeCab pass ------------------------------------------------------------------------------
_BREAKS = re.compile("[\t\n\r\x0b\x0c]")  # ASCII whitespace but the space


def analyze(text: str) -> list:
    """Tokens of ``text`` (already normalized) with lemma and part of speech, whitespace left out.

    Reads the token tagger's text output (text.get_token_tagger: surface, lemma, POS, one token a
    line), column by column: no Python step per token but building it.
    """
    if _BREAKS.search(text):  # whitespace MeCab skips; as spaces, the token lines stay lines
        text = _BREAKS.sub(" ", text)
    parsed = get_token_tagger().parse(text)
    fields = parsed.replace("\n", "\t").split("\t")  # 3 a token, then EOS
    n = len(fields) // 3
    if not n:
        return []
    shown, lemmas, pos = fields[0:3 * n:3], fields[1::3], fields[2::3]  # shown: after skipped whitespace
    ends = list(accumulate(map(len, shown)))
    surfaces = [s.lstrip(" ") for s in shown] if " " in text else shown
    if "-" in "".join(lemmas) or "" in lemmas:  # loanwords: データ-data → データ; no lemma: the surface
        lemmas = [lemma.partition("-")[0] or surface for lemma, surface in zip(lemmas, surfaces)]
    tokens = list(map(_token, zip(surfaces, lemmas, pos, map(sub, ends, map(len, surfaces)), ends)))
    if "\t空白" in parsed:
        tokens = [t for t in tokens if t.pos != "空白"]
    return tokens


_token = partial(tuple.__new__, Token)  # Token(…) without the keyword handling of its __new__


# -- politeness table ----------------------------------------------------------------------------
class _Item(NamedTuple):
    lemma: str
    pos: str  # a POS prefix ('' matches any)


@dataclass(frozen=True)
class PolitenessRule:
    pattern: tuple  # of _Item
    replacement: tuple  # of _Item (pos '' = inherit)
    line: int


def _items(field: str, where: str) -> tuple:
    items = []
    for part in field.split():
        lemma, _, pos = part.partition("/")
        if not lemma:
            raise DataFileError(f"{where}: empty lemma in {field!r}")
        items.append(_Item(lemma, pos))
    return tuple(items)


def load_politeness(path=POLITENESS_PATH) -> tuple:
    """The politeness table (pattern → replacement), validated; errors name file and line."""
    rules = []
    for n, (pattern_field, replacement_field, _note) in read_tsv(path, ["pattern", "replacement", "note"]):
        where = f"{path}:{n}"
        pattern = _items(pattern_field, where)
        replacement = () if replacement_field.strip() == "-" else _items(replacement_field, where)
        if not pattern:
            raise DataFileError(f"{where}: empty pattern")
        if len(replacement) > len(pattern):
            raise DataFileError(f"{where}: the replacement is longer than the pattern; normalization must "
                                "never lengthen a text")
        rules.append(PolitenessRule(pattern, replacement, n))
    return tuple(sorted(rules, key=lambda r: -len(r.pattern)))  # longest pattern first, then file order


@lru_cache(maxsize=None)
def shipped_politeness() -> tuple:
    return load_politeness(POLITENESS_PATH)


@lru_cache(maxsize=None)
def _index(rules: tuple) -> dict:
    """First lemma → [(rule, its lemmas as a list, its (position, POS prefix) checks)], in table order."""
    by_first: dict = {}
    for rule in rules:
        checks = tuple((k, item.pos) for k, item in enumerate(rule.pattern) if item.pos)
        by_first.setdefault(rule.pattern[0].lemma, []).append((rule, [item.lemma for item in rule.pattern], checks))
    return by_first


@lru_cache(maxsize=None)
def _shipped_index() -> dict:  # not _index(shipped_politeness()): hashing the table on every call is slow
    return _index(shipped_politeness())


def _replace(matched, replacement) -> list:
    """Tokens for ``replacement``; the first carries the matched text and its whole span."""
    out, start, end = [], matched[0].start, matched[-1].end
    for k, item in enumerate(replacement):
        if item.pos:
            pos = item.pos
        else:
            same = next((t for t in matched if t.lemma == item.lemma), None)
            pos = (same or matched[min(k, len(matched) - 1)]).pos
        if k == 0:
            out.append(Token("".join(t.surface for t in matched), item.lemma, pos, start, end))
        else:
            out.append(Token("", item.lemma, pos, end, end))
    return out


def _one_pass(tokens, by_first) -> tuple:
    """(tokens after one left-to-right pass of the table, whether any rule applied)."""
    out, i, changed = [], 0, False
    lemmas = [t[1] for t in tokens]
    for k in [k for k, lemma in enumerate(lemmas) if lemma in by_first]:  # where a rule may start
        if k < i:
            continue  # inside what a rule already matched
        for rule, pattern, checks in by_first[lemmas[k]]:
            if lemmas[k:k + len(pattern)] == pattern and all(tokens[k + j][2].startswith(pos) for j, pos in checks):
                changed = True
                out += tokens[i:k]
                matched = tokens[k:k + len(rule.pattern)]
                if rule.replacement:
                    out += _replace(matched, rule.replacement)
                elif out:  # a dropped ending stays part of the word before it (修正します)
                    out[-1] = out[-1]._replace(end=max(out[-1].end, matched[-1].end))
                i = k + len(rule.pattern)
                break
    out += tokens[i:]
    return out, changed


def normalize_tokens(tokens, rules=None) -> list:
    """Politeness-normalized tokens: the table applied until nothing changes (so normalizing twice
    is normalizing once). Only function words are dropped; content words are kept or mapped."""
    by_first = _index(rules) if rules else _shipped_index()
    tokens = list(tokens)
    for _ in range(10):
        tokens, changed = _one_pass(tokens, by_first)
        if not changed:
            break
    return tokens


# -- sentences -----------------------------------------------------------------------------------
_END = "。!?！？\n"
_OPEN, _CLOSE = "「『", "」』"
_MARKS = re.compile("[" + re.escape(_END + _OPEN + _CLOSE) + "]")


def split_sentences(text: str) -> list:
    """Sentences of a response: split after 。！？ (and ! ?) and at line breaks, never inside
    「」 or 『』. If the quotes do not balance (a PDF lost one), they are ignored."""
    text = str(text)
    marks = [(m.start(), m.group()) for m in _MARKS.finditer(text)]  # the only characters that matter
    depth, balanced = 0, True
    for _, ch in marks:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth < 0:
                balanced = False
    balanced = balanced and depth == 0
    out, start, depth = [], 0, 0
    for i, ch in marks:
        if balanced and ch in _OPEN:
            depth += 1
        elif balanced and ch in _CLOSE:
            depth -= 1
        elif ch in _END and depth == 0:
            out.append(text[start:i + 1])
            start = i + 1
    out.append(text[start:])
    return [s.strip() for s in out if s.strip(" \n\u3000" + _END)]


def final_predicate(tokens) -> str:
    """The sentence's final predicate: its last content word and the auxiliary chain after it,
    joined by '_' (考える_て_居る_ない, 検討_為る_て_行く, 参考_と_為る). Symbols are skipped."""
    words = [t for t in tokens if not t.pos.startswith(("補助記号", "記号"))]
    head = next((k for k in range(len(words) - 1, -1, -1) if is_content(words[k])), 0)  # the last content word
    return "_".join(t.lemma for t in words[head:])


@dataclass(frozen=True)
class Sentence:
    text: str  # the sentence as written (normalized)
    tokens: tuple  # its politeness-normalized tokens
    words: tuple  # the tokens the lemma string shows (symbols dropped, 、 kept)
    lemmas: str  # the words' lemmas joined by single spaces (、 for any comma)
    predicate: str  # see final_predicate

    def phrase(self, start: int, end: int) -> str:
        """The text as written behind the lemma-string span [start, end)."""
        at, first, last = 0, None, None
        for word in self.words:
            lemma = "、" if word.pos == _COMMA else word.lemma
            if at < end and at + len(lemma) > start:
                first = word if first is None else first
                last = word
            at += len(lemma) + 1
        return self.text[first.start:last.end] if first is not None else ""


_QUOTES = frozenset("「」『』→⇒")
_COMMA = "補助記号-読点"


def shown_words(tokens) -> tuple:
    """The tokens a lemma string shows: any comma, quotes 「」『』 and arrows → ⇒ (a quoted wording, a
    proposed replacement); other punctuation and symbols are dropped. (Tuple indexing, not .pos and
    .lemma: this runs for every token of every text.)"""
    return tuple([t for t in tokens if t[2][:4] != "補助記号" or t[2] == _COMMA or t[1] in _QUOTES])


def lemma_string(words) -> str:
    """The shown words' lemmas (see shown_words) joined by single spaces, any comma as 、."""
    return " ".join(["、" if t[2] == _COMMA else t[1] for t in words])


def sentence(text: str, rules=None, predicate: bool = True) -> Sentence:
    """One sentence (normalized text) analyzed; ``predicate=False`` leaves its predicate ''
    (an opinion's is never read)."""
    tokens = tuple(normalize_tokens(analyze(text), rules))
    words = shown_words(tokens)
    lemmas = lemma_string(words)
    return Sentence(text, tokens, words, lemmas, final_predicate(tokens) if predicate else "")


def sentences(text, rules=None, predicates: bool = True, normalized: bool = False) -> list:
    """The response as normalized sentences (see Sentence; ``predicates``: as for sentence).
    ``normalized``: the text is text.normalize's output already, and so is each of its sentences."""
    raw = "" if text is None or text != text else str(text)  # None or NaN: no sentences
    parts = split_sentences(raw) if normalized else filter(None, map(normalize, split_sentences(raw)))
    return [sentence(s, rules, predicates) for s in parts]


def normalized_lemmas(text, rules=None) -> str:
    """The whole text as one normalized lemma string (sentences joined by ' 。 ')."""
    return " 。 ".join(s.lemmas for s in sentences(text, rules))
