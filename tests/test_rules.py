import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import DataFileError, rule_label
from classifier.rules import parse_rules, read_response
from classifier.text import normalize


@pytest.mark.parametrize("response, label", [
    ("ご意見を踏まえ、以下のとおり修正いたします。", "adopted"),
    ("該当箇所に追記しました。", "adopted"),
    ("…を追加し、…について記述しました。", "adopted"),
    ("P12 L3に既に記載しております。", "covered"),
    ("P12 L3に既に記載しています。", "covered"),
    ("計画案に記載のとおり、着実に取組を進めてまいります。", "covered"),
    ("第2部に記述しているように、対策を進めます。", "covered"),
    ("上記の理由から、原案のとおりとさせていただきます。", "rejected"),
    ("上記の理由から、原案どおりとします。", "rejected"),
    ("本プランに反映することはできません。", "rejected"),
    ("本プランに反映することはできかねます。", "rejected"),
    ("新たな施設の整備は考えておりません。", "rejected"),
    ("新たな施設の整備は考えていません。", "rejected"),
    ("実施段階で検討します。", "deferred"),
    ("今後、検討してまいります。", "deferred"),
    ("今後、検討していきます。", "deferred"),
    ("今後の施策の参考とさせていただきます。", "other"),
    ("ご質問の件は、次のとおりとなっております。", "other"),
])
def test_rule_label(response, label):
    assert rule_label(response)[0] == label


def test_change_beats_keeping_the_draft():
    label, evidence = rule_label("一部は原案のとおりとしますが、P5を以下のとおり修正します。")
    assert (label, evidence) == ("adopted", "修正します")


def test_a_citation_before_the_draft_is_covered_a_reason_rejected():
    assert rule_label("P12に記載しており、原案のとおりとします。")[0] == "covered"
    assert rule_label("全般的な総論を記載している箇所であるため、原案のとおりとします。")[0] == "rejected"
    assert rule_label("第2部に詳述していることから、原案のとおりとさせていただきます。")[0] == "covered"
    assert rule_label("ご指摘の点は必要ないと考えていることから、原案どおりとします。")[0] == "rejected"


def test_reading_says_which_sentence_matched():
    reading = read_response("ご意見ありがとうございます。今後の参考とさせていただきます。")
    assert reading.n_sentences == 2 and reading.label == "other"
    assert {h.sentence for h in reading.hits} == {0, 1}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["修正いたします", "記載しております", "原案のとおりとします", "検討します", "、",
                                 "。", "ご意見", "参考とさせていただきます", "できません", "P12"]), max_size=8).map("".join))
def test_evidence_occurs_in_the_response(response):
    label, evidence = rule_label(response)
    assert evidence in normalize(response)
    assert (evidence == "") == (not read_response(response).hits)


@pytest.mark.parametrize("body, message", [
    ("maybe\tsentence\tx\tguide\n", ":2: unknown label"),
    ("adopted\tword\tx\tguide\n", ":2: unknown scope 'word'"),
    ("adopted\tsentence\t(\tguide\n", ":2: bad pattern"),
    ("adopted\tx\n", ":2: expected label<TAB>scope<TAB>pattern<TAB>source"),
    ("adopted\tsentence\tx\t \n", ":2: say where the pattern came from"),
])
def test_bad_rules_file(tmp_path, body, message):
    path = tmp_path / "rules.tsv"
    path.write_text("label\tscope\tpattern\tsource\n" + body, encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        parse_rules(path)
