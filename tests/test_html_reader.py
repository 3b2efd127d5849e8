"""The html reader: a results <table> (rowspan, colspan, a heading row, a repeated header, markup,
a legend, a stated count, Shift_JIS) and the 西東京市-style list of labelled blocks."""
import pytest

from classifier import CountMismatchError, NotAResultsDocumentError, read_document
from classifier.readers import read_html

TABLE_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"><title>結果</title>
<script>document.write("[お寄せいただいた意見] 計99件");</script><style>td {{ color: red }}</style></head>
<body><div id="nav"><a href="/">トップ</a> &gt; 意見募集</div>
<div id="main"><h1>計画（案）への意見募集の結果</h1>
<p>意見数：{n}件（提出者2人）</p>
<table border="1">
<tr><th>No.</th><th>ご意見の概要</th><th>市の考え方</th><th>区分</th></tr>
<tr><td colspan="4">１　計画全体について</td></tr>
<tr><td>1</td><td>窓口を<br>残してください。<b>強く</b>要望します。</td>
    <td rowspan="2">原案のとおりとします。<br>窓口は残します。</td><td>B</td></tr>
<tr><td>2</td><td>&lt;p&gt;支所も残して&lt;/p&gt;<!-- 計3件 --></td><td>B</td></tr>
<tr><th>No.</th><th>ご意見の概要</th><th>市の考え方</th><th>区分</th></tr>
<tr><td>2-1</td><td><p>バスを増やして</p><p>本数が少ない</p></td><td>今後検討します。</td><td rowspan="2">D</td></tr>
<tr><td>2-2</td><td colspan="2">ご意見とお答えの区別のない行</td></tr>
</table>
<ul><li>「B」計画に盛り込み済のもの</li><li>「D」期間中に検討するもの</li></ul>
</div></body></html>
"""

BLOCKS_PAGE = """<html><head><meta charset="utf-8"></head><body>
<div class="header">西東京市 <h2>メニュー</h2></div>
<div class="content"><h1>第2次計画（素案）に対する意見と市の考え方</h1>
<p>意見提出者数：2人　意見件数：{n}件</p>
<h2>お寄せいただいた意見と市の考え方</h2>
<h3>１　計画全般について</h3>
<p>[お寄せいただいた意見]<br>計画が長すぎます。<br>要点をまとめてください。</p>
<p>[市の検討結果と理由]</p><p>概要版を作成します。</p><p>ご意見として<strong>承ります</strong>。</p>
<h3>２　第３章について</h3>
<p>［お寄せいただいた意見］　図書館を増やしてほしい。</p>
<p>［市の検討結果と理由］　現状の配置を維持します。</p>
<p>No.3</p>
<p>【お寄せいただいた意見】公園を整備して</p>
<p>【市の検討結果と理由】</p><p>今後検討します。</p>
<hr><h2>このページに関するお問い合わせ</h2><p>企画政策課 電話 042-000-0000</p></div></body></html>
"""


def write(tmp_path, text, name="page.html", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_table_spans_headings_repeated_header_markup_legend_and_count(tmp_path):
    doc = read_document(write(tmp_path, TABLE_PAGE.format(n=4), encoding="cp932"))
    assert doc.format == "html" and doc.scheme == "morioka"
    assert [(r.number, r.opinion, r.response, r.raw_category) for r in doc.records] == [
        ("1", "窓口を\n残してください。強く要望します。", "原案のとおりとします。\n窓口は残します。", "B"),
        ("2", "支所も残して", "原案のとおりとします。\n窓口は残します。", "B"),  # the rowspan answer, and 計3件 in a comment is no count
        ("2-1", "バスを増やして\n本数が少ない", "今後検討します。", "D"),
        ("2-2", "ご意見とお答えの区別のない行", "", "D"),  # colspan: the text in its first column only
    ]
    assert doc.count_summary() == "4 opinions, as the document states (意見数：4件（提出者2人）)"
    assert any("a heading) left out: '1 計画全体について'" in p for p in doc.problems)


def test_blocks_of_labelled_parts_numbered_by_headings_and_lines(tmp_path):
    doc = read_html(write(tmp_path, BLOCKS_PAGE.format(n=3)))
    assert [(r.number, r.opinion, r.response) for r in doc.records] == [
        ("1", "計画が長すぎます。\n要点をまとめてください。", "概要版を作成します。\nご意見として承ります。"),
        ("2", "図書館を増やしてほしい。", "現状の配置を維持します。"),
        ("3", "公園を整備して", "今後検討します。"),  # the contact section after <hr> is not its answer
    ]
    assert doc.stated == 3 and not doc.problems


def test_a_number_label_and_a_category_label_in_blocks(tmp_path):
    page = ("<html><body><p>意見数 2件</p><div><p>[番号] 7</p><p>[ご意見] 窓口を残して</p><p>[市の考え方] 残します</p>"
            "<p>[区分] B</p><p>[番号] 8</p><p>[ご意見] 支所も</p><p>[市の考え方] 検討します</p><p>[区分] D</p></div>"
            "<p>「B」計画に盛り込み済のもの</p><p>「D」期間中に検討するもの</p></body></html>")
    doc = read_html(write(tmp_path, page))
    assert [(r.number, r.opinion, r.response, r.raw_category) for r in doc.records] == [
        ("7", "窓口を残して", "残します", "B"), ("8", "支所も", "検討します", "D")]
    assert doc.scheme == "morioka"


@pytest.mark.parametrize("page", [TABLE_PAGE, BLOCKS_PAGE])
def test_a_stated_count_that_disagrees_fails_loudly(tmp_path, page):
    with pytest.raises(CountMismatchError, match="but the document states 9"):
        read_html(write(tmp_path, page.format(n=9)))


def test_a_page_without_results_is_refused(tmp_path):
    page = "<html><body><h1>目次</h1><p>第1章 計画の概要</p><p>第2章 施策</p><table><tr><td>a</td></tr></table></body></html>"
    with pytest.raises(NotAResultsDocumentError, match="a plan or report"):
        read_document(write(tmp_path, page, name="plan.htm"))
