"""The pdf reader, on PDFs built here with reportlab (tests/pdfdocs.py): a ruled 4-column table over
three pages, an unruled 3-column layout, a merged 市の考え方 cell, a scanned page, a stated count
that disagrees, and a table in 小牧市's layout made of its own rows, read better than the naive
text extraction of the same PDF."""
import re

import pytest
from click.testing import CliRunner

from classifier import (CountMismatchError, DocumentFormatError, NoTextLayerError, NotAResultsDocumentError,
                        UnknownCategoryError, read_document)
from classifier.cli import main
from classifier.readers import read_pdf, read_topic_blocks
from classifier.readers.topic_layout import parse_layout
from classifier.tables import read_table
from classifier.text import normalize

from .pdfdocs import build_pdf, image_only_pdf

HEADER4 = ["No.", "意見の概要", "市の考え方", "区分"]
LEGEND = ["区分の説明", "「A」計画に盛り込むもの", "「B」計画に盛り込み済のもの", "「C」計画に盛り込まないもの",
          "「D」期間中に検討するもの", "「E」その他、意見・感想等"]


def opinion(i):
    return f"意見{i}です。" + "窓口での手続きを残してください。" * 3 + "\n高齢者への配慮もお願いします。"


def answer(i):
    return f"回答{i}です。" + "窓口での対面による手続きは引き続き残します。" * 2


SPLIT_A = "ページの終わりまで続く意見の前半です。" * 4
SPLIT_B = "次のページに続いた意見の後半です。"
CATS = {1: "A", 2: "B", 3: "B", 4: "D", 5: "E", 6: "C", 7: "D", 8: "E", 9: "A", 10: "B", 11: "E"}


def ruled_pages(n_stated=11, cats=CATS):
    rows = {i: [str(i), opinion(i), answer(i), cats[i]] for i in cats}
    rows[5][1] = opinion(5) + "\n" + SPLIT_A
    return [[rows[i] for i in range(1, 6)],
            [["", SPLIT_B, "", ""]] + [rows[i] for i in range(6, 9)],
            [rows[i] for i in range(9, 12)]], [f"意見募集の結果", f"意見数 {n_stated}件"]


@pytest.fixture(scope="module")
def ruled(tmp_path_factory):
    pages, before = ruled_pages()
    path = tmp_path_factory.mktemp("pdf") / "ruled.pdf"
    return build_pdf(path, pages, [30, 230, 200, 40], header=HEADER4, before=before, after=LEGEND)


def test_ruled_table_over_three_pages_keeps_numbers_order_and_categories(ruled):
    doc = read_document(ruled)
    assert doc.format == "pdf" and doc.scheme == "morioka" and not doc.problems
    assert [r.number for r in doc.records] == [str(i) for i in range(1, 12)]
    assert [r.raw_category for r in doc.records] == list(CATS.values())
    assert [r.line for r in doc.records] == [1] * 5 + [2] * 3 + [3] * 3  # the page
    assert doc.count_summary() == "11 opinions, as the document states (意見数 11件)"


def test_wrapped_lines_joined_and_the_cells_own_line_breaks_kept(ruled):
    first = read_pdf(ruled).records[0]
    assert first.opinion == normalize(opinion(1).split("\n")[0]) + "\n" + "高齢者への配慮もお願いします。"
    assert first.response == normalize(answer(1))


def test_row_continued_over_the_page_break_is_one_row_and_headers_footers_are_gone(ruled):
    doc = read_pdf(ruled)
    fifth = doc.records[4]
    assert fifth.opinion.replace("\n", "") == normalize(opinion(5) + SPLIT_A + SPLIT_B).replace(" ", "")
    text = " ".join(r.opinion + r.response + r.number for r in doc.records)
    assert not re.search(r"- \d+ -|意見の概要|市の考え方|区分", text)


def test_unruled_three_column_layout_read_by_its_column_gaps(tmp_path):
    pages = [[[str(i), opinion(i), answer(i)] for i in range(1, 5)] + [["5", opinion(5) + "\n" + SPLIT_A, answer(5)]],
             [["", SPLIT_B, "(回答の続き)"]] + [[f"6-{k}", opinion(5 + k), answer(5 + k)] for k in (1, 2)]]
    path = build_pdf(tmp_path / "unruled.pdf", pages, [40, 250, 200], header=["番号", "ご意見の要旨", "市の考え方"],
                     ruled=False, before=["計画（案）に対する意見募集の結果", "提出件数：3人（7件）"], footer="{n} ページ")
    doc = read_pdf(path)
    assert [r.number for r in doc.records] == ["1", "2", "3", "4", "5", "6-1", "6-2"]
    assert [r.response.split("\n")[0] for r in doc.records] == [normalize(answer(i)) for i in range(1, 8)]
    assert doc.records[4].opinion.endswith(SPLIT_B) and doc.records[4].response.endswith("\n(回答の続き)")
    assert doc.records[6].opinion == normalize(opinion(7).split("\n")[0]) + "\n高齢者への配慮もお願いします。"
    assert not any(re.search(r"\d+ ページ", r.opinion + r.response) for r in doc.records)
    assert doc.stated == 7 and not doc.problems


def test_merged_response_cell_gives_each_row_the_answer_and_a_heading_row_is_left_out(tmp_path):
    rows = [["1 計画全体について", "", "", ""], ["1", "窓口を残して", "窓口は残します。", "B"], ["2", "支所も残して", "", "B"],
            ["3", "バスを増やして", "検討します。", "D"]]
    path = build_pdf(tmp_path / "merged.pdf", [rows], [30, 230, 200, 40], header=HEADER4, after=LEGEND,
                     spans={0: [((0, 0), (3, 0)), ((2, 1), (2, 2))]})
    doc = read_pdf(path)
    assert [(r.number, r.response) for r in doc.records] == [("1", "窓口は残します。"), ("2", "窓口は残します。"),
                                                             ("3", "検討します。")]
    assert doc.problems == [f"{path}: page 1: a row spanning the whole table (a heading) left out: '1 計画全体について'"]


def test_a_page_with_no_text_layer_is_a_typed_error_not_an_empty_table(tmp_path):
    with pytest.raises(NoTextLayerError) as e:
        read_document(image_only_pdf(tmp_path / "scan.pdf"))
    assert "no text layer" in str(e.value) and "scanned" in str(e.value) and "OCR" in str(e.value)


def test_stated_count_that_disagrees_fails_loudly_unless_acknowledged(tmp_path):
    pages, before = ruled_pages(n_stated=12)
    path = build_pdf(tmp_path / "count.pdf", pages, [30, 230, 200, 40], header=HEADER4, before=before, after=LEGEND)
    with pytest.raises(CountMismatchError, match=r"parsed 11 opinions but the document states 12 \(意見数 12件\)"):
        read_pdf(path)
    doc = read_pdf(path, acknowledge_difference=-1)
    assert len(doc.records) == 11 and "acknowledged" in doc.problems[-1]


def test_category_outside_the_printed_legend_is_named(tmp_path):
    pages, before = ruled_pages(cats={**CATS, 7: "F"})
    path = build_pdf(tmp_path / "cat.pdf", pages, [30, 230, 200, 40], header=HEADER4, before=before, after=LEGEND)
    with pytest.raises(UnknownCategoryError, match=r"page 2: No\.7: category 'F' is not part of scheme 'morioka'"):
        read_pdf(path)


def test_not_a_results_pdf_and_not_a_pdf(tmp_path):
    plan = build_pdf(tmp_path / "plan.pdf", [], [100], before=["目次", "第1章 計画の概要", "本文です。", "第2章 施策",
                                                               "本文です。"], footer="")
    with pytest.raises(NotAResultsDocumentError, match="a plan or report"):
        read_document(plan)
    fake = tmp_path / "fake.pdf"
    fake.write_text("意見,市の考え方\n", encoding="utf-8")
    with pytest.raises(DocumentFormatError, match="not a readable PDF"):
        read_document(fake)


def test_columns_named_by_option_when_columns_tsv_does_not_know_them(tmp_path):
    rows = [["1", "窓口を残して", "窓口は残します。"]]
    path = build_pdf(tmp_path / "named.pdf", [rows], [30, 230, 200], header=["整理", "お声", "お答え"])
    with pytest.raises(NotAResultsDocumentError):
        read_pdf(path)
    doc = read_pdf(path, opinion_column="お声", response_column="お答え", number_column="整理")
    assert [(r.number, r.opinion, r.response) for r in doc.records] == [("1", "窓口を残して", "窓口は残します。")]


def test_pubcom_read_writes_the_pdf_table_and_its_count(ruled, tmp_path):
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["read", str(ruled), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "11 opinions, as the document states (意見数 11件) (format pdf, scheme morioka)" in result.output
    table = read_table(out)
    assert table["number"].tolist()[:3] == ["1", "2", "3"] and table["category"].tolist()[0] == "A"
    bad = CliRunner().invoke(main, ["read", str(ruled), "-o", str(out), "--option", "pairing=x.tsv"])
    assert bad.exit_code == 1 and "reader 'pdf' takes no option 'pairing'" in bad.output


# -- 小牧市's layout: 3 columns, the submitter's No. in a narrow first column, ■ answer blocks ---------
KOMAKI = {"summary": "komaki_kekkagaiyou.txt", "pairing": "komaki_pairing.tsv", "acknowledge_extra_blocks": "1"}


@pytest.fixture(scope="module")
def komaki_rows():
    """Submitters 1–7 of 小牧市 as published (their opinions and ■ answers, pointers as printed);
    No.1 shortened to its first paragraph and the three answers the others point to."""
    from .conftest import RAW as raw

    doc = read_topic_blocks(raw / "komaki_teisyutuiken.txt", **KOMAKI)
    titles = {f"{b.ordinal:03d}": normalize(b.title) for b in parse_layout(raw / "komaki_teisyutuiken.txt").blocks}
    rows = {}
    for r in doc.records:
        s = r.number.split("-")[0]
        if s in "1234567" and (s != "1" or r.key in ("001", "003", "004")):
            rows.setdefault(s, [s, r.opinion, []])[2].append(f"■{titles[r.key]}\n{r.response_published or r.response}")
    rows["1"][1] = rows["1"][1][:rows["1"][1].index("そこで出された")]
    return {s: [n, op, "\n".join(blocks)] for s, (n, op, blocks) in rows.items()}


def test_komaki_layout_pdf_pairs_every_opinion_with_its_answers_where_its_naive_text_cannot(komaki_rows, tmp_path):
    rows = komaki_rows
    cut = rows["4"][1].index("バス圏境界線")  # No.4's opinion runs over a page break
    pages = [[rows["1"]], [rows["2"], rows["3"], ["4", rows["4"][1][:cut], rows["4"][2]]],
             [["", rows["4"][1][cut:], ""], rows["5"], rows["6"]], [rows["7"]]]
    path = build_pdf(tmp_path / "komaki.pdf", pages, [25, 250, 240], header=["No.", "意見（原文）", "市の考え方"],
                     before=["提出された意見及び市の考え方"], footer="{n} ページ")
    doc = read_pdf(path)
    squeeze = lambda t: re.sub(r"\s", "", t)  # a space the text had may fall at a line end
    assert [r.number for r in doc.records] == list("1234567")
    assert [squeeze(r.opinion) for r in doc.records] == [squeeze(rows[s][1]) for s in "1234567"]
    assert [squeeze(r.response) for r in doc.records] == [squeeze(rows[s][2]) for s in "1234567"]
    assert [[l for l in r.response.split("\n") if l.startswith("■")] for r in doc.records] == \
        [[l for l in rows[s][2].split("\n") if l.startswith("■")] for s in "1234567"]
    # The naive text of the same PDF (pdfminer's extraction, as the published 小牧市 text was made:
    # numbers detached from their cells, answers before the opinions they answer), its header cells
    # put on lines of their own as the topic_blocks reader expects, does not pair them.
    from pdfminer.high_level import extract_text

    naive = tmp_path / "komaki.txt"
    naive.write_text(extract_text(str(path)).replace("\x0c", "").replace("No. 意見（原文）", "No.\n意見（原文）"),
                     encoding="utf-8")
    assert re.search(r"^2\n+3\n", naive.read_text(encoding="utf-8"), re.M)  # Nos. 2 and 3 in a run, apart
    try:
        blocks = read_topic_blocks(naive).records
    except DocumentFormatError:  # today: CountMismatchError, Nos. 5–6 have no answer block
        blocks = []
    right = sum(b.pairing == "exact" and squeeze(b.opinion) == squeeze(rows[b.number.split("-")[0]][1])
                for b in blocks if b.number.split("-")[0] in rows)
    assert sum(r.response.count("■") for r in doc.records) == 14
    assert right < 14
