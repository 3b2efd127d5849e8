"""Politeness normalization, sentences and final predicates (classifier/stance.py)."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import DataFileError
from classifier.stance import (analyze, final_predicate, is_content, load_politeness, normalize_tokens, sentence,
                               sentences, shipped_politeness, split_sentences)


def lemmas(text):
    return " 。 ".join(s.lemmas for s in sentences(text))


# Each group: variants in other politeness styles that must read the same after normalization.
@pytest.mark.parametrize("variants, expected", [
    (["考えておりません", "考えていません", "考えてはいない"], "考える て 居る ない"),
    (["記述しております", "記述しています"], "記述 為る て 居る"),
    (["検討してまいります", "検討していきます"], "検討 為る て 行く"),
    (["検討いたします", "検討します", "検討させていただきます"], "検討 為る"),
    (["原案のとおりとします", "原案どおりといたします", "原案のままとします", "原案のとおりとさせていただきます"],
     "原案 通り と 為る"),
    (["予定はありません", "予定はございません", "予定はない"], "予定 は 無い"),
    (["反映することはできかねます", "反映することはできません", "反映することはできない"], "反映 為る 事 は 出来る ない"),
    (["困難であると考えております", "困難だと考えています"], "困難 だ と 考える て 居る"),
    (["ご意見として承ります", "意見として承る"], "意見 と 為る て 承る"),
    (["存じます", "思います"], "思う"),
    (["申し上げます", "言います"], "言う"),
    (["適当ではありません", "適当ではない"], "適当 だ は 無い"),
])
def test_politeness_variants_meet(variants, expected):
    assert [lemmas(v) for v in variants] == [expected] * len(variants)


@pytest.mark.parametrize("variants, predicate", [
    (["記述しております", "記述しているように", "記述しています"], "記述_為る_て_居る"),
])
def test_variants_share_the_head_and_chain(variants, predicate):
    assert all(sentence(v).predicate.startswith(predicate) for v in variants)


@pytest.mark.parametrize("text", ["追記しました", "追加し、記述しました", "書き加えました"])
def test_additions_end_in_a_change_verb_done(text):
    s = sentence(text)
    assert s.predicate in ("追記_為る_た", "記述_為る_た", "加える_た")
    assert s.lemmas.endswith("た")


@pytest.mark.parametrize("text, expected", [
    ("修正します。次に、追記しました！最後か？", ["修正します。", "次に、追記しました!", "最後か?"]),
    ("「案を見直す。」と記載しています。以上", ["「案を見直す。」と記載しています。", "以上"]),
    ("一行目\n二行目", ["一行目", "二行目"]),
    ("「閉じない。引用。", ["「閉じない。", "引用。"]),  # unbalanced quotes are ignored
    ("", []),
    ("。。", []),
])
def test_split_sentences(text, expected):
    from classifier.text import normalize
    assert [normalize(s) for s in split_sentences(text)] == expected


@pytest.mark.parametrize("text, predicate", [
    ("今後の参考とさせていただきます", "参考_と_為る"),
    ("考えておりません", "考える_て_居る_ない"),
    ("反映することはできません", "反映_為る_事_は_出来る_ない"),
    ("以下のとおり修正しました", "修正_為る_た"),
])
def test_final_predicate(text, predicate):
    assert final_predicate(normalize_tokens(analyze(text))) == predicate


def test_phrase_maps_lemmas_back_to_the_text():
    s = sentence("ご指摘を踏まえ、以下のとおり修正いたしました。")
    start = s.lemmas.index("修正")
    assert s.phrase(start, len(s.lemmas)) == "修正いたしました"


japanese = st.text(alphabet=st.sampled_from(list("をにはがでとのてしたますせんおりいご御致参考検討記載修正原案通困難存申上"
                                                 "、。「」ありませでしょう")), max_size=40)
polite = st.lists(st.sampled_from(["検討", "いたします", "してまいります", "しております", "ではありません", "ご意見",
                                   "のとおり", "させていただきます", "できかねます", "存じます", "、", "。", "考えて",
                                   "おりません", "はいない", "原案のまま"]), max_size=10).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.one_of(japanese, polite))
def test_normalization_is_idempotent(text):
    once = normalize_tokens(analyze(text))
    assert normalize_tokens(once) == once


MAPPED = {item.lemma for rule in shipped_politeness() for item in rule.pattern}


@settings(max_examples=150, deadline=None)
@given(st.one_of(japanese, polite))
def test_normalization_never_drops_a_content_lemma(text):
    before = [t for t in analyze(text) if is_content(t)]
    after = [t for t in normalize_tokens(analyze(text)) if is_content(t)]
    # every content word survives in order, itself or mapped by the table (存ずる → 思う)
    assert len(after) >= len(before) - sum(t.lemma in MAPPED for t in before)
    kept = iter(t.lemma for t in after)
    for t in before:
        if t.lemma not in MAPPED:
            assert t.lemma in kept


@pytest.mark.parametrize("body, message", [
    ("御/接頭辞\n", ":2: expected pattern"),
    ("御\tです ます だ\tx\n", ":2: the replacement is longer"),
    ("\t-\tx\n", ":2: empty pattern"),
])
def test_bad_politeness_table(tmp_path, body, message):
    path = tmp_path / "politeness.tsv"
    path.write_text("pattern\treplacement\tnote\n" + body, encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        load_politeness(path)


# analyze reads the tagger's own output format (tokens.mecabrc) column by column: each token's
# surface, lemma, POS and where it stands in the text.
@pytest.mark.parametrize("text, expected", [
    ("検討します", [("検討", "検討", "名詞-普通名詞-サ変可能", 0, 2), ("し", "為る", "動詞-非自立可能", 2, 3),
                  ("ます", "ます", "助動詞", 3, 5)]),
    ("データを", [("データ", "データ", "名詞-普通名詞-一般", 0, 3), ("を", "を", "助詞-格助詞", 3, 4)]),  # データ-data
    ("案 A", [("案", "案", "名詞-普通名詞-一般", 0, 1), ("A", "A", "名詞-普通名詞-一般", 2, 3)]),  # after a space
    ("案\tと\n案", [("案", "案", "名詞-普通名詞-一般", 0, 1), ("と", "と", "助詞-格助詞", 2, 3),
                  ("案", "案", "名詞-普通名詞-一般", 4, 5)]),  # tabs and line breaks are whitespace too
    ("案\u3000案", [("案", "案", "名詞-普通名詞-一般", 0, 1), ("案", "案", "名詞-普通名詞-一般", 2, 3)]),  # 空白 left out
    ("—-ー", [("—-", "—", "記号-一般", 0, 2), ("ー", "ー", "補助記号-一般", 2, 3)]),  # unknown: lemma from the surface
    ("", []),
    ("   ", []),
])
def test_analyze_reads_surface_lemma_pos_and_offsets(text, expected):
    assert [tuple(t) for t in analyze(text)] == expected


@settings(max_examples=200, deadline=None)
@given(st.one_of(japanese, polite, st.text(alphabet="案をA 1\t\n\r\x0b\x0c\u3000ー-—「」、。データ", max_size=30)))
def test_analyze_offsets_point_at_each_surface(text):
    tokens = analyze(text)
    assert all(text[t.start:t.end] == t.surface and t.surface and t.lemma for t in tokens)
    assert not any(t.surface[0] in " \t\n\r\x0b\x0c" for t in tokens)  # skipped whitespace is not a surface's
    assert all(a.end <= b.start for a, b in zip(tokens, tokens[1:]))  # in order, never overlapping
    # nothing but whitespace is left out (an unknown word may hold a full-width space: -\u3000)
    def visible(s):
        return "".join(ch for ch in s if not ch.isspace())
    assert visible("".join(t.surface for t in tokens)) == visible(text)


# prediction analyzes normalized texts and skips normalizing each sentence again: a sentence of a
# normalized text must read as if it had been normalized itself
@settings(max_examples=200, deadline=None)
@given(st.one_of(japanese, polite, st.text(alphabet="案。！？!?\n 　「」『』ＡＢ１ｶﾞ&amp;<p>\u3099\u0301e", max_size=40)))
def test_sentences_of_a_normalized_text_need_no_second_normalization(text):
    from classifier.text import normalize

    text = normalize(text)
    assert sentences(text, normalized=True) == sentences(text)
