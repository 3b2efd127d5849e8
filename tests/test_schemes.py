import pytest

from classifier import DataFileError, LegendMismatchError, UnknownCategoryError, get_scheme, load_schemes, match_legend
from classifier.schemes import parse_schemes

HEADER = "scheme\traw_category\tlabel\tlegend\n"


@pytest.mark.parametrize("scheme, raw, label", [
    ("goshogawara", "文章修正等", "adopted"), ("goshogawara", "記述済み", "covered"),
    ("goshogawara", "実施段階検討", "deferred"), ("goshogawara", "反映困難", "rejected"),
    ("goshogawara", "その他", "other"),
    ("morioka", "A", "adopted"), ("morioka", "B", "covered"), ("morioka", "C", "rejected"),
    ("morioka", "D", "deferred"), ("morioka", "E", "other"),
    ("generic", "一部反映", "adopted"), ("generic", "反映済み", "covered"),
    ("generic", "今後の参考・検討", "deferred"), ("generic", "反映しない", "rejected"),
    ("generic", "その他・質問", "other"),
])
def test_shipped_schemes(scheme, raw, label):
    assert get_scheme(scheme).label_of(raw) == label


@pytest.mark.parametrize("body, message", [
    ("x\tA\tmaybe\tdef\n", ":2: unknown label 'maybe'"),
    ("x\tA\tadopted\tdef\nx\tA\tother\tdef\n", ":3: duplicate category 'A'"),
    ("x\tA\tadopted\n", ":2: expected 4 tab-separated fields"),
])
def test_bad_scheme_file_names_file_and_line(tmp_path, body, message):
    path = tmp_path / "schemes.tsv"
    path.write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(DataFileError) as e:
        parse_schemes(path)
    assert str(path) in str(e.value) and message in str(e.value)


def test_unknown_category_error_names_value_and_scheme():
    with pytest.raises(UnknownCategoryError, match="'F'.*'morioka'"):
        get_scheme("morioka").label_of("F")


def test_legend_matches_registered_scheme_regardless_of_punctuation():
    legend = {"A": "計画に盛り込むもの。", "E": "その他 意見・感想等"}
    assert match_legend(legend).name == "morioka"


def test_adding_a_city_is_a_data_row(tmp_path):
    path = tmp_path / "schemes.tsv"
    path.write_text(HEADER + "newcity\t甲\tadopted\t修正するもの\nnewcity\t乙\tother\tその他\n", encoding="utf-8")
    schemes = load_schemes(path)
    assert match_legend({"甲": "修正するもの"}, schemes).label_of("甲") == "adopted"
    with pytest.raises(LegendMismatchError):
        match_legend({"甲": "全く別の定義"}, schemes)


def test_every_shipped_scheme_has_a_japanese_name():
    from classifier.schemes import scheme_title
    from classifier.text import is_japanese

    for name in load_schemes():
        assert any(is_japanese(ch) for ch in scheme_title(name)), name
    assert scheme_title("morioka").startswith("盛岡市") and scheme_title("unknown") == "unknown"
