"""Readers of the text layouts of the seed documents: a count table with 【category】 responses
(五所川原市), No. / 意見 / 考え方 / 区分 blocks (盛岡市) and numbered tab-separated rows (金沢市)."""
from __future__ import annotations

import re

from ..exceptions import CountMismatchError, DocumentFormatError
from ..schemes import match_legend
from ..text import normalize
from .common import Document, Record, check_total, find_legend, read_text, refuse


# -- seed 000: 五所川原市 -------------------------------------------------------------------
_CATEGORY_TAG = re.compile(r"(?:<p>\s*)?【([^】]+)】\s*(?:</p>)?\s*$")


def read_count_table_results(path) -> Document:
    """Tab-separated 提出された意見 / 市の考え方 rows whose responses end in 【category】, with a
    count table (category … 合計 / N件 …) and a 「category」・・・legend (五所川原市)."""
    text = read_text(path)
    lines = text.splitlines()
    expected = "a table of 提出された意見<TAB>市の考え方 rows, each response ending in 【category】"
    header = next((i for i, l in enumerate(lines)
                   if l.count("\t") == 1 and "意見" in l.split("\t")[0] and "考え方" in l.split("\t")[1]), None)
    if header is None:
        refuse(path, text, expected)
    counts = _count_table(lines)
    legend = find_legend(text, r"^「([^」]+)」\s*[・…:：]+\s*(.+)$")
    if not legend:
        raise DocumentFormatError(f"{path}: no 「category」・・・legend found")
    scheme = match_legend(legend)
    doc = Document(str(path), "count_table_results", scheme=scheme.name)
    for n, line in enumerate(lines[header + 1:], header + 2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            doc.problems.append(f"{path}:{n}: expected 2 tab-separated fields, found {len(parts)}; line skipped")
            continue
        opinion, response = parts
        m = _CATEGORY_TAG.search(response)
        if not m:
            raise DocumentFormatError(f"{path}:{n}: response does not end in 【category】")
        category = m.group(1).strip()
        scheme.label_of(category)  # unknown category → UnknownCategoryError naming it
        doc.records.append(Record(str(len(doc.records) + 1), normalize(opinion),
                                  normalize(response[:m.start()]), category, n))
    if counts:
        total = counts.pop("合計", None)
        check_total(doc, total, "合計 in its count table")
        parsed = {c: sum(r.raw_category == c for r in doc.records) for c in counts}
        if parsed != counts:
            raise CountMismatchError(f"{path}: parsed category counts {parsed} differ from the document's count table {counts}")
    return doc


def _count_table(lines) -> dict:
    for i, line in enumerate(lines[:-1]):
        cells = [c.strip() for c in line.split("\t")]
        if "合計" in cells and len(cells) >= 2:
            nxt = next((l for l in lines[i + 1:] if l.strip()), "")
            values = [re.fullmatch(r"(\d+)\s*件", c.strip()) for c in nxt.split("\t")]
            if len(values) == len(cells) and all(values):
                return {c: int(v.group(1)) for c, v in zip(cells, values)}
    return {}


# -- seed 002: 盛岡市 ---------------------------------------------------------------------------
def read_numbered_blocks(path) -> Document:
    """Blocks of No. / 意見の趣旨 / 市の考え方 / 反映区分, one line or paragraph each, with a
    「A」… legend at the end (盛岡市)."""
    text = read_text(path)
    lines = text.splitlines()
    expected = "No. / 意見の趣旨 / 市の考え方 / 反映区分 blocks"
    start = None
    for i, l in enumerate(lines):
        if l.strip() == "No.":
            heads = [x.strip() for x in lines[i + 1:i + 12] if x.strip()][:3]
            if len(heads) == 3 and "意見" in heads[0] and "考え方" in heads[1] and "区分" in heads[2]:
                start = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == heads[2]) + 1
                break
    if start is None:
        refuse(path, text, expected)
    legend = find_legend(text, r"^\s*(?:[•・*-]\s*)?「([A-Z])」\s*(.+)$")
    if not legend:
        raise DocumentFormatError(f"{path}: no 「A」… legend of the 反映区分 found")
    scheme = match_legend(legend)
    doc = Document(str(path), "numbered_blocks", scheme=scheme.name)
    paragraphs, number, first_line = [], None, 0
    for n, raw in enumerate(lines[start:], start + 1):
        line = raw.strip()
        if not line:
            continue
        if number is None:
            if re.fullmatch(r"\d+", line):
                number, paragraphs, first_line = line, [], n
                continue
            break  # end of the table (the legend, page footer)
        if line in legend or (len(line) == 1 and line.isupper()):
            if len(paragraphs) != 2:
                raise DocumentFormatError(
                    f"{path}:{first_line}: item {number} has {len(paragraphs)} paragraphs before its "
                    f"category {line!r}; expected an opinion and a response")
            scheme.label_of(line)
            doc.records.append(Record(number, normalize(paragraphs[0]), normalize(paragraphs[1]), line, first_line))
            number = None
        elif line.startswith("※") and paragraphs:
            paragraphs[-1] += " " + line  # a footnote belongs to the paragraph above it
        else:
            paragraphs.append(line)
    if number is not None:
        raise DocumentFormatError(f"{path}:{first_line}: item {number} has no 反映区分")
    m = re.search(r"受付意見数\s*(\d+)\s*件", text)
    check_total(doc, int(m.group(1)) if m else None, "受付意見数")
    return doc


# -- seed 003: 金沢市 ---------------------------------------------------------------------------
def read_numbered_rows(path) -> Document:
    """Tab-separated No. / 意見の概要 / 本市の考え方 rows numbered 1, 2-1, …; a row without a
    number continues the opinion above it (金沢市). No category is published."""
    text = read_text(path)
    lines = text.splitlines()
    header = next((i for i, l in enumerate(lines) if l.startswith("No.\t") and l.count("\t") == 2
                   and "意見" in l and "考え方" in l), None)
    if header is None:
        refuse(path, text, "a No.<TAB>意見の概要<TAB>本市の考え方 table")
    doc = Document(str(path), "numbered_rows")
    for n, line in enumerate(lines[header + 1:], header + 2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            doc.problems.append(f"{path}:{n}: expected 3 tab-separated fields, found {len(parts)}; line skipped")
            continue
        number, opinion, response = (p.strip() for p in parts)
        if not number:
            if not doc.records:
                raise DocumentFormatError(f"{path}:{n}: continuation row before any numbered row")
            prev = doc.records[-1]
            prev.opinion = normalize(prev.opinion + " " + opinion)
            prev.response = normalize(prev.response + " " + response)
            continue
        if not re.fullmatch(r"\d+(-\d+)?", number):
            doc.problems.append(f"{path}:{n}: unexpected number {number!r}; line skipped")
            continue
        doc.records.append(Record(number, normalize(opinion), normalize(response), "", n))
    m = re.search(r"意見数\s*[：:]\s*(\d+)\s*件", text)
    check_total(doc, int(m.group(1)) if m else None, "意見数")
    return doc
