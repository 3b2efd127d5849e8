"""Readers: one function per published format, registered in READERS.

Each reader turns a document into a ``Document``: opinion/response records in document order,
the category scheme its legend matched (if any), and the problems met on the way (with line
numbers). A document that is not an opinion/response result raises NotAResultsDocumentError.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import CountMismatchError, DocumentFormatError, MissingColumnError, NotAResultsDocumentError
from .schemes import match_legend
from .tables import decode, find_column, read_table
from .text import normalize


@dataclass
class Record:
    number: str  # the document's own numbering (or position), used to build stable ids
    opinion: str
    response: str = ""
    raw_category: str = ""
    line: int = 0  # line in the file where the record starts


@dataclass
class Document:
    path: str
    format: str
    records: list = field(default_factory=list)
    scheme: str = ""  # registered scheme whose legend the document printed
    problems: list = field(default_factory=list)


def _text(path) -> str:
    return decode(Path(path).read_bytes(), name=str(path))[0]


def describe(text: str) -> str:
    """A short description of what a non-results document looks like, for error messages."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    speakers = sum(bool(re.match(r"^(委員|事務局|会長|委員長|部長|議長|本部長)\s", l)) for l in lines)
    chapters = sum(bool(re.match(r"^第\s*\d+\s*章", l)) for l in lines)
    if speakers >= 3:
        return f"meeting minutes ({speakers} lines start with a speaker such as 委員 / 事務局)"
    if chapters >= 2 or "目次" in text[:2000] or "目 次" in text[:2000]:
        return f"a plan or report ({chapters} chapter headings, table of contents), not its consultation results"
    return f"plain text of {len(lines)} lines with no opinion/response table"


def _refuse(path, text: str, expected: str):
    raise NotAResultsDocumentError(
        f"{path}: not a public-comment results document: it looks like {describe(text)}. "
        f"Expected {expected}.")


def _legend(text: str, pattern: str) -> dict:
    return {m.group(1).strip(): m.group(2).strip() for m in re.finditer(pattern, text, re.M)}


def _check_total(path, records, expected, what):
    if expected is not None and len(records) != expected:
        raise CountMismatchError(f"{path}: parsed {len(records)} opinions but the document states {expected} ({what})")


# -- seed 000: 五所川原市 -------------------------------------------------------------------
_CATEGORY_TAG = re.compile(r"(?:<p>\s*)?【([^】]+)】\s*(?:</p>)?\s*$")


def read_count_table_results(path) -> Document:
    """Tab-separated 提出された意見 / 市の考え方 rows whose responses end in 【category】, with a
    count table (category … 合計 / N件 …) and a 「category」・・・legend (五所川原市)."""
    text = _text(path)
    lines = text.splitlines()
    expected = "a table of 提出された意見<TAB>市の考え方 rows, each response ending in 【category】"
    header = next((i for i, l in enumerate(lines)
                   if l.count("\t") == 1 and "意見" in l.split("\t")[0] and "考え方" in l.split("\t")[1]), None)
    if header is None:
        _refuse(path, text, expected)
    counts = _count_table(lines)
    legend = _legend(text, r"^「([^」]+)」\s*[・…:：]+\s*(.+)$")
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
        _check_total(path, doc.records, total, "合計 in its count table")
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
    text = _text(path)
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
        _refuse(path, text, expected)
    legend = _legend(text, r"^\s*(?:[•・*-]\s*)?「([A-Z])」\s*(.+)$")
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
    _check_total(path, doc.records, int(m.group(1)) if m else None, "受付意見数")
    return doc


# -- seed 003: 金沢市 ---------------------------------------------------------------------------
def read_numbered_rows(path) -> Document:
    """Tab-separated No. / 意見の概要 / 本市の考え方 rows numbered 1, 2-1, …; a row without a
    number continues the opinion above it (金沢市). No category is published."""
    text = _text(path)
    lines = text.splitlines()
    header = next((i for i, l in enumerate(lines) if l.startswith("No.\t") and l.count("\t") == 2
                   and "意見" in l and "考え方" in l), None)
    if header is None:
        _refuse(path, text, "a No.<TAB>意見の概要<TAB>本市の考え方 table")
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
    _check_total(path, doc.records, int(m.group(1)) if m else None, "意見数")
    return doc


# -- tables: staff CSV/XLSX, and the 環境省 corpus ------------------------------------------------
def read_results_table(path, opinion_column=None, response_column=None, category_column=None,
                       encoding=None, where=None, number_column=None) -> Document:
    """A CSV/XLSX table with an opinion column, optionally a response and a category column.

    Columns are recognised by their Japanese names (see columns.tsv) or given explicitly.
    ``where`` keeps only rows whose column equals a value ({"ver": "5"}). Rows with an empty
    opinion are reported as problems, with their line number, and left out.
    """
    df = read_table(path, encoding=encoding)
    doc = Document(str(path), "table", problems=[f"{path}: {p}" for _, p in df.attrs.get("problems", [])])
    op = find_column(df.columns, "opinion", opinion_column)
    resp = find_column(df.columns, "response", response_column, required=False)
    cat = find_column(df.columns, "category", category_column, required=category_column is not None)
    for col, value in (where or {}).items():
        if col not in df.columns:
            raise MissingColumnError(f"{path}: no column {col!r} to select rows by; columns found: {', '.join(df.columns)}")
        df = df[df[col].str.strip() == str(value)]
    for line, row in df.iterrows():
        opinion = normalize(row[op])
        if not opinion:
            doc.problems.append(f"{path}:{line}: empty opinion; row left out")
            continue
        number = row[number_column].strip() if number_column else str(line)
        if number_column and number.isdigit():
            number = f"{int(number):03d}"
        doc.records.append(Record(number, opinion, normalize(row[resp]) if resp else "",
                                  row[cat].strip() if cat else "", int(line)))
    return doc


def read_moe_corpus(path, ver) -> Document:
    """The 環境省 環境基本計画 corpus: ``comment`` and ``reply`` of one plan (``ver``). Its score
    columns were produced by a language model and are never read."""
    return read_results_table(path, opinion_column="comment", response_column="reply",
                              where={"ver": ver}, number_column="id")


READERS = {
    "count_table_results": read_count_table_results,
    "numbered_blocks": read_numbered_blocks,
    "numbered_rows": read_numbered_rows,
    "table": read_results_table,
    "moe_corpus": read_moe_corpus,
}

_TEXT_READERS = ("count_table_results", "numbered_blocks", "numbered_rows")


def read_document(path, reader: str | None = None, **options) -> Document:
    """Read a results document with the named reader, or detect its format.

    CSV/XLSX files are read as tables; text documents are tried with each text reader in
    turn. A document none of them recognises raises NotAResultsDocumentError.
    """
    path = Path(path)
    if reader:
        if reader not in READERS:
            raise DocumentFormatError(f"unknown reader {reader!r}; known: {', '.join(READERS)}")
        return READERS[reader](path, **options)
    if path.suffix.lower() in (".csv", ".xlsx", ".xlsm", ".tsv"):
        return read_results_table(path, **options)
    for name in _TEXT_READERS:
        try:
            return READERS[name](path)
        except NotAResultsDocumentError:
            continue
    _refuse(path, _text(path), "an opinion/response results table in one of the formats: "
            + ", ".join(_TEXT_READERS) + " (or a CSV/XLSX table)")
