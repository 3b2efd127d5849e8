import pytest

from classifier import DataFileError, rule_label
from classifier.rules import parse_rules


@pytest.mark.parametrize("response, label", [
    ("ご意見を踏まえ、以下のとおり修正いたします。", "adopted"),
    ("P12 L3に既に記載しております。", "covered"),
    ("計画案に記載のとおり、着実に取組を進めてまいります。", "covered"),
    ("上記の理由から、原案のとおりとさせていただきます。", "rejected"),
    ("本プランに反映することはできません。", "rejected"),
    ("実施段階で検討します。", "deferred"),
    ("今後の施策の参考とさせていただきます。", "other"),
    ("ご質問の件は、次のとおりとなっております。", "other"),
])
def test_rule_label(response, label):
    assert rule_label(response)[0] == label


def test_change_beats_keeping_the_draft():
    label, evidence = rule_label("一部は原案のとおりとしますが、P5を以下のとおり修正します。")
    assert (label, evidence) == ("adopted", "修正します")


@pytest.mark.parametrize("body, message", [
    ("maybe\tx\n", ":2: unknown label"),
    ("adopted\t(\n", ":2: bad pattern"),
    ("adopted\n", ":2: expected label<TAB>pattern"),
])
def test_bad_rules_file(tmp_path, body, message):
    path = tmp_path / "rules.tsv"
    path.write_text("label\tpattern\n" + body, encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        parse_rules(path)
