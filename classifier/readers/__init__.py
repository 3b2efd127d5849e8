"""Readers: one function per published format, registered in READERS.

Each reader turns a document into a ``Document``: opinion/response records in document order,
the category scheme its legend matched (if any), and the problems met on the way (with line
numbers). A document that is not an opinion/response result raises NotAResultsDocumentError.

Modules: ``common`` (Record, Document, shared helpers), ``text_layouts`` (the seed documents'
text layouts), ``tabular`` (CSV/XLSX tables, the 環境省 corpus), ``topic_blocks`` (■ answer blocks
of a PDF table, 小牧市) with ``topic_layout`` and ``topic_pairing``.
"""
from __future__ import annotations

import inspect
from pathlib import Path

from ..exceptions import DocumentFormatError, NotAResultsDocumentError
from .common import Document, Record, describe, read_text, refuse
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
}

TEXT_READERS = ("count_table_results", "numbered_blocks", "numbered_rows", "topic_blocks")

__all__ = ["READERS", "TEXT_READERS", "Document", "Record", "describe", "read_document",
           "read_count_table_results", "read_numbered_blocks", "read_numbered_rows",
           "read_results_table", "read_moe_corpus", "read_topic_blocks", "check_options"]


def check_options(reader: str, options: dict) -> None:
    """A DocumentFormatError naming the options ``reader`` does not take, and those it does."""
    params = [p for p in inspect.signature(READERS[reader]).parameters if p != "path"]
    unknown = [k for k in options if k not in params]
    if unknown:
        raise DocumentFormatError(f"reader {reader!r} takes no option {', '.join(map(repr, unknown))}; "
                                  f"its options: {', '.join(params) or '(none)'}")


def read_document(path, reader: str | None = None, **options) -> Document:
    """Read a results document with the named reader, or detect its format.

    CSV/XLSX files are read as tables; text documents are tried with each text reader in
    turn. A document none of them recognises raises NotAResultsDocumentError.
    """
    path = Path(path)
    if reader:
        if reader not in READERS:
            raise DocumentFormatError(f"unknown reader {reader!r}; known: {', '.join(READERS)}")
        check_options(reader, options)
        return READERS[reader](path, **options)
    if path.suffix.lower() in (".csv", ".xlsx", ".xlsm", ".tsv", ".xls", ".ods"):
        check_options("table", options)
        return read_results_table(path, **options)
    if options:
        raise DocumentFormatError(f"{path}: options ({', '.join(options)}) are for a named reader or a "
                                  "CSV/XLSX table; name the reader of this text document")
    for name in TEXT_READERS:
        try:
            return READERS[name](path)
        except NotAResultsDocumentError:
            continue
    refuse(path, read_text(path), "an opinion/response results table in one of the formats: "
           + ", ".join(TEXT_READERS) + " (or a CSV/XLSX table)")
