import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from classifier.text import dedupe_key, is_japanese, normalize

japanese = st.text(alphabet=st.characters(min_codepoint=0x3041, max_codepoint=0x30FA) |
                   st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=0, max_size=30)
markup = st.sampled_from(["<p>", "</p>", "<br/>", " ", "\u3000", "\n", "&amp;", "&lt;", "、", "。", "ＡＢＣ", "ｶﾀｶﾅ", "<", ">"])
mixed = st.lists(st.one_of(japanese, markup, st.text(max_size=5)), max_size=12).map("".join)


@given(mixed)
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)


@given(st.lists(st.one_of(japanese, markup), max_size=12).map("".join))
def test_normalize_never_drops_japanese_characters(text):
    out = normalize(text)
    import unicodedata
    for ch in unicodedata.normalize("NFKC", text):
        if is_japanese(ch):
            assert ch in out


@given(mixed)
def test_dedupe_key_is_stable_under_normalization(text):
    assert dedupe_key(normalize(text)) == dedupe_key(text)


@pytest.mark.parametrize("raw, expected", [
    ("<p>いただいたご意見</p> <p>【その他】</p>", "いただいたご意見 【その他】"),
    ("ＤＸ推進　計画", "DX推進 計画"),
    ("ｶﾀｶﾅ", "カタカナ"),
    ("a &amp; b", "a & b"),
    ("  複数\n\n行 ", "複数 行"),
    (None, ""),
    (float("nan"), ""),
])
def test_normalize_cases(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("a, b", [
    ("<p>計画に賛成です。</p>", "計画に賛成です"),
    ("計画に、賛成です！", "計画に賛成です。"),
    ("ＤＸ 推進", "DX推進"),
])
def test_form_letters_share_a_dedupe_key(a, b):
    assert dedupe_key(a) == dedupe_key(b)


def test_taggers_are_made_once_per_process_and_dropped_after_a_fork():
    from classifier import text

    plain, tokens = text.get_tagger(), text.get_token_tagger()
    assert text.get_tagger() is plain and text.get_token_tagger() is tokens
    assert plain is not tokens and text.get_tagger("-Owakati") is not plain
    assert text.get_tagger("-Owakati").parse("意見を述べる").split() == ["意見", "を", "述べる"]
    inherited = (-1, "")  # a tagger a parent process made, as a fork leaves it in the cache
    text._TAGGERS[inherited] = object()
    text._TAGGERS.pop((os.getpid(), ""))  # this process needs a new plain one
    fresh = text.get_tagger()
    assert inherited not in text._TAGGERS and fresh is not plain
    assert [w.surface for w in fresh("意見を述べる")] == ["意見", "を", "述べる"]


def test_the_token_tagger_is_remade_when_this_process_has_none():
    from classifier import text

    first = text.get_token_tagger()
    text._TAGGERS[(-1, text.TOKENS_RC)] = object()  # a parent's, as a fork leaves it
    text._TAGGERS.pop((os.getpid(), text.TOKENS_RC))
    again = text.get_token_tagger()
    assert again is not first and again is text.get_token_tagger()
    assert (-1, text.TOKENS_RC) not in text._TAGGERS
    assert "述べる" in again.parse("意見を述べる")
