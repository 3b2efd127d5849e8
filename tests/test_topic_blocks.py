"""The topic_blocks reader (■ answer blocks of a PDF table, 小牧市 style): a small synthetic
document in that layout, its pairing file and summary, and the real 小牧市 file."""
import re

import pytest

from classifier import CountMismatchError, DataFileError, DocumentFormatError, PointerError, read_document
from classifier.readers import read_topic_blocks
from classifier.text import normalize


def wrap(text, width):
    """Hard-wrap ``text`` (full-width characters) at ``width``, as a PDF cell does."""
    return [text[i:i + width] for i in range(0, len(text), width)]


A, O = 30, 45  # answer and opinion column widths (characters)
OP1 = "再編の時期が早すぎると考えます。住民への説明が足りていないので、説明会をもっと開いてください。"
OP2 = "第一期の再編の時期についても、地域の声を聞いてから決めてほしいと思います。よろしくお願いします。"
OP3A = "通学路の安全が心配です。子どもたちが歩く道には歩道が無いところがあり、車の通行も多いのです。"
OP3B = "見守りの人を増やすなど、具体的な対策を計画に書いてください。"
OP4 = "説明会では質問の時間が短く、多くの人が意見を言えませんでした。時期も含めて考え直してください。"
ANS1_P1 = "再編に猶予はないと考えています。"
ANS1_P2 = "そのため、最短で実施が可能な令和九年度とさせていただいたものです。"
ANS2 = "今後も丁寧な説明と対話を重ねながら進めてまいります。"
ANS3 = "通学路の安全対策として、通学路のカラー塗装を行うなど、安全な通学に努めます。"

DOC = [
    "https://example.jp/results.pdf", "---", "提出された意見及び市の考え方",
    "No.", "意見（原文）", "市の考え方",
    "1", *wrap(OP1, O),
    "■再編の時期について", *wrap(ANS1_P1, A), *wrap(ANS1_P2, A),
    "■地域への説明について", *wrap(ANS2, A),
    "2", *wrap(OP2, O),
    "■再編の時期について", "「No.1」の回答のとおりです。",
    "1 ページ", "No.", "意見（原文）", "市の考え方",
    "3", *wrap(OP3A, O),
    "2 ページ", "No.", "意見（原文）", "市の考え方",
    "3", "4", *wrap(OP3B, O),
    "■通学路の安全について", *wrap(ANS3, A),
    "要望", *wrap(OP4, O),  # a one-line heading of No.4's opinion right after an answer
    "■説明会について", "「No.1（地域への説明について）」の回答のとおりです。",
    "■再編の時期について", "「No.2」の回答のとおりです。",
    "3 ページ",
]
SUMMARY = "提 出 さ れ た 意 ⾒ の 件 数\n４ 名 よ り 計 ６ 件\n"  # spaced out, full-width digits, Kangxi ⾒
PAIRING = ["what\tat\tsubmitter\treason",
           "opinion\t{op4}\t4\tthe second opinion after the numbers 3, 4 (要望…)",
           "block\t4\t3\t■通学路の安全 answers No.3's 通学路の安全が心配です",
           "block\t5\t4\t■説明会 answers No.4's 説明会では質問の時間が短く",
           "block\t6\t4\t■再編の時期 answers No.4's 時期も含めて考え直して"]


def line_of(text, lines=DOC):
    return next(n for n, l in enumerate(lines, 1) if l == text)


def write(tmp_path, doc=DOC, summary=SUMMARY, pairing=PAIRING):
    (tmp_path / "doc.txt").write_text("\n".join(doc) + "\n", encoding="utf-8")
    (tmp_path / "summary.txt").write_text(summary, encoding="utf-8")
    op4 = next(n for n, l in enumerate(doc, 1) if l == "要望")
    (tmp_path / "pairing.tsv").write_text("\n".join(pairing).format(op4=op4) + "\n", encoding="utf-8")
    return tmp_path / "doc.txt"


def read(path, **options):
    options = {"summary": "summary.txt", "pairing": "pairing.tsv", **options}
    return read_topic_blocks(path, **{k: v for k, v in options.items() if v is not None})


def test_one_record_per_block_keyed_by_ordinal(tmp_path):
    doc = read(write(tmp_path))
    assert [r.key for r in doc.records] == ["001", "002", "003", "004", "005", "006"]
    assert [r.number for r in doc.records] == ["1-1", "1-2", "2-1", "3-1", "4-1", "4-2"]
    assert [r.line for r in doc.records] == [n for n, l in enumerate(DOC, 1) if l.startswith("■")]


def test_text_pairs_the_cells_it_delimits_and_the_file_the_rest(tmp_path):
    doc = read(write(tmp_path))
    assert [r.pairing for r in doc.records[:3]] == ["exact"] * 3
    assert all(r.pairing.startswith("read (pairing.tsv:") for r in doc.records[3:])
    assert doc.records[3].pairing.endswith("answers No.3's 通学路の安全が心配です")
    assert any("page 3 (Nos. 3–4)" in p and "No.3 block 4; No.4 blocks 5–6" in p for p in doc.problems)


def test_hard_wraps_joined_paragraphs_kept_footer_header_and_numbers_removed(tmp_path):
    doc = read(write(tmp_path))
    assert doc.records[0].response == normalize(ANS1_P1 + " " + ANS1_P2)
    assert doc.records[0].opinion == normalize(OP1)
    assert doc.records[3].opinion == normalize(OP3A + " " + OP3B)  # across the page break
    assert doc.records[4].opinion == normalize("要望 " + OP4)  # the heading is not the answer's
    assert doc.records[3].response == normalize(ANS3)
    for r in doc.records:
        assert not re.search(r"ページ|意見\(原文\)|No\. |市の考え方", r.opinion + r.response)


@pytest.mark.parametrize("k, answer, published", [
    (2, ANS1_P1 + " " + ANS1_P2, "「No.1」の回答のとおりです。"),  # a pointer
    (4, ANS2, "「No.1(地域への説明について)」の回答のとおりです。"),  # its （topic） wins over ■説明会
    (5, ANS1_P1 + " " + ANS1_P2, "「No.2」の回答のとおりです。"),  # No.2's answer is itself a pointer
    (0, ANS1_P1 + " " + ANS1_P2, ""),  # an answer of its own
])
def test_pointers_resolve_and_the_published_text_is_kept(tmp_path, k, answer, published):
    r = read(write(tmp_path)).records[k]
    assert (r.response, r.response_published) == (normalize(answer), published)


def test_without_a_pairing_file_unclear_blocks_are_ambiguous_with_their_candidates(tmp_path):
    doc = read(write(tmp_path), pairing=None)
    assert [r.number for r in doc.records] == ["1-1", "1-2", "2-1", "3|4", "3|4", "3|4"]
    amb = doc.records[3]
    assert amb.pairing.startswith("ambiguous: page 3 lists Nos. 3–4") and "Nos. 3–4 joined" in amb.pairing
    assert normalize(OP3A) in amb.opinion and normalize(OP4) in amb.opinion
    assert doc.records[4].response == normalize(ANS2)  # pointers of ambiguous blocks still resolve
    assert any("ambiguous: block 4 (Nos. 3–4)" in p for p in doc.problems)


def test_a_reader_may_name_candidates_where_even_reading_cannot_tell(tmp_path):
    pairing = PAIRING[:2] + ["block\t4\t3|4\tcould answer either", *PAIRING[3:]]
    r = read(write(tmp_path, pairing=pairing)).records[3]
    assert r.number == "3|4" and r.pairing.startswith("ambiguous (pairing.tsv:3): could answer either")
    assert normalize(OP3A) in r.opinion and normalize(OP4) in r.opinion


def _swap(old, new):
    assert old in DOC
    return [new if l == old else l for l in DOC]


@pytest.mark.parametrize("doc, error, message", [
    (_swap("「No.1（地域への説明について）」の回答のとおりです。", "「No.1（校歌について）」の回答のとおりです。"),
     PointerError, "doc.txt:{line}: block 5 ■説明会について: 「No.1(校歌について)」の回答のとおりです。 does not resolve"),
    (_swap("「No.2」の回答のとおりです。", "「No.4」の回答のとおりです。"), PointerError, "points to its own submitter"),
    (_swap("「No.2」の回答のとおりです。", "「No.9」の回答のとおりです。"), PointerError, "No.9 is not a submitter"),
    (_swap("4", "5"), DocumentFormatError, "doc.txt:{line}: submitter number 5 out of sequence"),
])
def test_what_cannot_be_resolved_fails_naming_the_line(tmp_path, doc, error, message):
    with pytest.raises(error) as e:
        read(write(tmp_path, doc=doc))
    changed = next(n for n, (a, b) in enumerate(zip(doc, DOC), 1) if a != b)
    assert message.format(line=changed - 1 if "■" in message else changed) in str(e.value)


def test_pointers_going_round_in_a_circle_fail(tmp_path):
    doc = _swap("「No.1」の回答のとおりです。", "「No.4」の回答のとおりです。")  # No.2 → No.4 → No.2
    with pytest.raises(PointerError, match="go round in a circle"):
        read(write(tmp_path, doc=doc))


@pytest.mark.parametrize("summary, options, message", [
    ("４名より計５件", {}, "6 ■ answer blocks but summary.txt states 5 opinions (+1); if the difference is the "
                         "document's own (investigated and documented), acknowledge it with acknowledge_extra_blocks=1"),
    ("４名より計５件", {"acknowledge_extra_blocks": "2"}, "the option acknowledge_extra_blocks=2 does not match"),
    ("５名より計６件", {}, "submitter numbers run 1–4 but summary.txt states 5 submitters"),
    ("四名の方から", {}, "no statement of the submitters and opinions"),
])
def test_counts_that_do_not_add_up_fail_loudly(tmp_path, summary, options, message):
    with pytest.raises((CountMismatchError, DocumentFormatError)) as e:
        read(write(tmp_path, summary=summary), **options)
    assert message in str(e.value)
    assert isinstance(e.value, CountMismatchError) == ("件" in summary)


def test_an_acknowledged_difference_is_reported(tmp_path):
    doc = read(write(tmp_path, summary="４名より計５件"), acknowledge_extra_blocks="1")
    assert len(doc.records) == 6
    assert any("difference of 1 acknowledged by acknowledge_extra_blocks=1" in p for p in doc.problems)


@pytest.mark.parametrize("row, message", [
    ("block\t4\t3\t", "pairing.tsv:2: every entry needs its reason"),
    ("block\t2\t1\tby reading", "pairing.tsv:2: block 2 is paired by the text (No.1); remove the entry"),
    ("opinion\t{op3}\t3\tby reading", "pairing.tsv:2: No.3's opinion start is given by the text"),
    ("cell\t4\t3\tby reading", "pairing.tsv:2: what must be block or opinion"),
    ("block\t4\t7\tby reading", "pairing.tsv:2: No.7 is not a submitter"),
    ("block\t9\t3\tby reading", "pairing.tsv:2: no block 9"),
    ("opinion\t3\t4\tby reading", "pairing.tsv:2: line 3 of doc.txt is not opinion text"),
    ("block\t4\t2\tby reading", "block 4 (line {b4}) is on page 3, whose number column lists Nos. 3–4, not 2"),
])
def test_pairing_file_errors_name_file_and_line(tmp_path, row, message):
    op3, b4 = line_of(wrap(OP3A, O)[0]), line_of("■通学路の安全について")
    with pytest.raises(DataFileError) as e:
        read(write(tmp_path, pairing=[PAIRING[0], row.replace("{op3}", str(op3))]))
    assert message.format(b4=b4) in str(e.value)


def test_answers_out_of_submitter_order_are_refused(tmp_path):
    pairing = PAIRING[:2] + ["block\t4\t4\tby reading", "block\t5\t3\tby reading", PAIRING[4]]
    with pytest.raises(DataFileError, match=r"pairing.tsv:3, pairing.tsv:4: block 5 \(No.3\) comes after block 4"):
        read(write(tmp_path, pairing=pairing))


def test_detected_among_text_layouts(tmp_path):
    doc = read_document(write(tmp_path))
    assert doc.format == "topic_blocks" and len(doc.records) == 6
    assert any("counts are not checked" in p for p in doc.problems)


def test_pubcom_read_takes_reader_options_and_keeps_the_published_pointer(tmp_path):
    from click.testing import CliRunner

    from classifier.cli import main
    from classifier.tables import read_table

    path, out = write(tmp_path), tmp_path / "out.csv"
    args = ["read", str(path), "-o", str(out), "--reader", "topic_blocks",
            "--option", "summary=summary.txt", "--option", "pairing=pairing.tsv"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    table = read_table(out)
    assert list(table.columns) == ["number", "opinion", "response", "response_published", "pairing", "category"]
    assert table["response_published"].tolist()[2] == "「No.1」の回答のとおりです。"
    bad = CliRunner().invoke(main, args[:-2] + ["--option", "pairing"])
    assert bad.exit_code != 0 and "expected KEY=VALUE" in bad.output


# -- the real document: 小牧市 提出された意見及び市の考え方 --------------------------------------------
KOMAKI = {"summary": "komaki_kekkagaiyou.txt", "pairing": "komaki_pairing.tsv", "acknowledge_extra_blocks": "1"}


@pytest.fixture(scope="module")
def komaki():
    from .conftest import RAW
    return read_topic_blocks(RAW / "komaki_teisyutuiken.txt", **KOMAKI)


def test_komaki_one_record_per_block_from_55_submitters(komaki):
    assert len(komaki.records) == 143
    assert [r.key for r in komaki.records] == [f"{k:03d}" for k in range(1, 144)]
    submitters = {int(s) for r in komaki.records for s in r.number.split("-")[0].split("|")}
    assert submitters == set(range(1, 56))
    assert komaki.records[83].number == "29|30" and komaki.records[83].pairing.startswith("ambiguous")
    assert sum(r.pairing == "exact" for r in komaki.records) == 15


def test_komaki_every_pointer_resolved_and_kept(komaki):
    pointers = [r for r in komaki.records if r.response_published]
    assert len(pointers) == 93
    assert all(r.response_published.startswith("「No.") for r in pointers)
    assert not any(re.match(r"「No\.\d+", r.response) for r in komaki.records)
    by_key = {r.key: r for r in komaki.records}
    assert by_key["081"].response == by_key["020"].response  # No.29 → No.19 (人口減少対策) → No.8 (まちづくり)
    assert by_key["018"].response.startswith(by_key["016"].response) and "地域づくりに貢献" in by_key["018"].response
    assert "「No.14」への回答のとおりです" in by_key["075"].response  # a partial pointer keeps its own text


def test_komaki_no_footer_header_or_number_left(komaki):
    for r in komaki.records:
        text = r.opinion + " " + r.response
        assert not re.search(r"\d+ ページ|意見\(原文\)|(^| )No\. ", text), r.key
        assert r.opinion and r.response
    assert not any("明らかに誤字" in r.opinion for r in komaki.records)  # the notes after the table


def test_komaki_needs_its_acknowledgement_and_its_pairing_file(raw):
    with pytest.raises(CountMismatchError, match="143 ■ answer blocks but komaki_kekkagaiyou.txt states 142"):
        read_topic_blocks(raw / "komaki_teisyutuiken.txt", summary="komaki_kekkagaiyou.txt", pairing="komaki_pairing.tsv")
    with pytest.raises(PointerError, match=r"komaki_teisyutuiken.txt:174: block 7 ■第２期再編について: 「No.1」"):
        read_topic_blocks(raw / "komaki_teisyutuiken.txt")


def test_komaki_rows_in_the_dataset(dataset):
    rows = dataset[dataset["source"] == "小牧市"]
    assert rows["id"].tolist() == [f"komaki-{k:03d}" for k in range(1, 144)]
    assert set(rows["label_origin"]) == {"annotated"} and (rows["response_published"] != "").sum() == 93
    # a pointer takes the label of the answer it points to (one reading per distinct answer)
    assert rows["annotation_id"].nunique() == rows["response"].nunique() == 55
    assert (dataset.loc[dataset["source"] != "小牧市", ["response_published", "pairing"]] == "").all().all()
