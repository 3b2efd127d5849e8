"""Readers: one function per published format, registered in READERS; ``read_as_table``, the one
way a staff file (a table, or a published results document) becomes the table `pubcom predict`
and the staff page predict.

Each reader turns a document into a ``Document``: opinion/response records in document order,
the category scheme its legend matched (if any), and the problems met on the way (with line
numbers). A document that is not an opinion/response result raises NotAResultsDocumentError.

Modules: ``common`` (Record, Document, shared helpers), ``text_layouts`` (the seed documents'
text layouts), ``tabular`` (CSV/XLSX tables, the 環境省 corpus), ``topic_blocks`` (■ answer blocks
of a PDF table as text, 小牧市) with ``topic_layout`` and ``topic_pairing``, ``pdf`` (the results
table of a PDF's text layer) and ``html`` (results tables and labelled blocks of a web page).
"""
from __future__ import annotations

import inspect
from pathlib import Path

from ..exceptions import DocumentFormatError, NotAResultsDocumentError, PubcomError
from .common import Document, Record, describe, read_text, refuse
from .html import read_html
from .pdf import read_pdf
from .tabular import read_moe_corpus, read_results_table
from .text_layouts import read_count_table_results, read_numbered_blocks, read_numbered_rows
from .topic_blocks import read_topic_blocks

READERS = {
    "count_table_results": read_count_table_results,
    "numbered_blocks": read_numbered_blocks,
    "numbered_rows": read_numbered_rows,
    "table": read_results_table,
    "moe_corpus": read_moe_corpus,
    "topic_blocks": read_topic_blocks,
    "pdf": read_pdf,
    "html": read_html,
}

TEXT_READERS = ("count_table_results", "numbered_blocks", "numbered_rows", "topic_blocks")

TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods")  # .xls/.ods: refused with a message
DOCUMENT_SUFFIXES = (".txt", ".pdf", ".html", ".htm")
DOCUMENT_COLUMNS = {"number": "No.", "opinion": "意見", "response": "市の考え方", "category": "公表区分"}

__all__ = ["READERS", "TEXT_READERS", "DOCUMENT_COLUMNS", "Document", "Record", "describe", "read_as_table",
           "read_document", "read_count_table_results", "read_numbered_blocks", "read_numbered_rows",
           "read_results_table", "read_moe_corpus", "read_topic_blocks", "read_pdf", "read_html", "check_options"]


def check_options(reader: str, options: dict) -> None:
    """A DocumentFormatError naming the options ``reader`` does not take, and those it does."""
    params = [p for p in inspect.signature(READERS[reader]).parameters if p != "path"]
    unknown = [k for k in options if k not in params]
    if unknown:
        raise DocumentFormatError(f"reader {reader!r} takes no option {', '.join(map(repr, unknown))}; "
                                  f"its options: {', '.join(params) or '(none)'}")


def read_document(path, reader: str | None = None, **options) -> Document:
    """Read a results document with the named reader, or detect its format.

    CSV/XLSX files are read as tables, a PDF with the ``pdf`` reader, an HTML page with ``html``;
    text documents are tried with each text reader in turn (options then need a named reader). A
    document none of them recognises raises NotAResultsDocumentError; an option the reader does not
    take, DocumentFormatError.
    """
    path = Path(path)
    if reader:
        if reader not in READERS:
            raise DocumentFormatError(f"unknown reader {reader!r}; known: {', '.join(READERS)}")
        return _call(reader, path, options)
    suffix = path.suffix.lower()
    for name, suffixes in (("table", TABLE_SUFFIXES), ("pdf", (".pdf",)), ("html", (".html", ".htm"))):
        if suffix in suffixes:
            return _call(name, path, options)
    if options:
        raise DocumentFormatError(f"{path}: options ({', '.join(options)}) need a reader: name it with --reader")
    for name in TEXT_READERS:
        try:
            return READERS[name](path)
        except NotAResultsDocumentError:
            continue
    refuse(path, read_text(path), "an opinion/response results table in one of the formats: "
           + ", ".join(TEXT_READERS) + " (or a CSV/XLSX table)")


def _call(name: str, path: Path, options: dict) -> Document:
    """READERS[name](path, **options), an option the reader does not take named as an error."""
    check_options(name, options)
    return READERS[name](path, **options)


def read_as_table(path, encoding=None, opinion_column=None, response_column=None, sheet=None, header_row=None):
    """The rows of a staff file as a table to predict, for `pubcom predict` and the staff page.

    A CSV/XLSX file is read as it is (``tables.read_table``: every row and column). A published
    results document (.txt in a known text layout, .pdf, .html/.htm) becomes the table of its
    records, one row each in document order, with the columns of DOCUMENT_COLUMNS (the
    document's own numbering, opinion, response, published category); ``opinion_column`` /
    ``response_column`` then name the document's own headings (PDF, HTML), and ``encoding`` an
    HTML page's; ``sheet`` and ``header_row`` are read_table's (default: found). A .txt that is no
    results document but a table with an opinion column (a
    tab-separated export; UTF-16 "Unicode text") is read as a table. ``attrs``: ``problems``
    [(line, message)], ``document`` (the reader's format, "" for a table), ``count`` (how many
    rows were found against the count the document states).
    """
    import pandas as pd

    from ..tables import find_column, is_utf16, read_table

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES or (suffix == ".txt" and is_utf16(path.read_bytes()[:2])):
        return _as_table(read_table(path, encoding=encoding, sheet=sheet, header_row=header_row))
    options = {k: v for k, v in {"opinion_column": opinion_column, "response_column": response_column,
                                 "encoding": encoding}.items() if v and suffix != ".txt"}
    if suffix == ".pdf":
        options.pop("encoding", None)
    try:
        doc = read_document(path, **options)
    except DocumentFormatError:
        if suffix != ".txt":
            raise
        try:  # a table exported as text: its first line is the header
            table = read_table(path, encoding=encoding, header_row=header_row)
        except PubcomError:
            table = None
        if table is None or find_column(table.columns, "opinion", opinion_column, required=False) is None:
            raise
        return _as_table(table)
    table = pd.DataFrame({DOCUMENT_COLUMNS[role]: [getattr(r, attr) for r in doc.records] for role, attr in
                          (("number", "number"), ("opinion", "opinion"), ("response", "response"),
                           ("category", "raw_category"))}, dtype=object)
    table.attrs.update(problems=[(0, p) for p in doc.problems],
                       document=doc.format, count=doc.count_summary())
    return table


def _as_table(table):
    table.attrs.setdefault("problems", [])
    table.attrs.update(document="", count="")
    return table
