"""Readers of tables: any CSV/XLSX with opinion / response / category columns, and the 環境省
corpus."""
from __future__ import annotations

from ..exceptions import MissingColumnError
from ..tables import find_column, read_table
from ..text import normalize
from .common import Document, Record, clean_number


def read_results_table(path, opinion_column=None, response_column=None, category_column=None,
                       encoding=None, where=None, number_column=None, header_row=None, sheet=None) -> Document:
    """A CSV/XLSX table with an opinion column, optionally a response and a category column.

    Columns are recognised by their Japanese names (see columns.tsv) or given explicitly; a
    number column (No., 番号) gives each record the table's own number, else its line number;
    ``header_row`` and ``sheet`` are passed to read_table (default: found).
    ``where`` keeps only rows whose column equals a value ({"ver": "5"}). Rows with an empty
    opinion are reported as problems, with their line number, and left out.
    """
    df = read_table(path, encoding=encoding, sheet=sheet, header_row=header_row)
    doc = Document(str(path), "table", problems=[f"{path}: {p}" for _, p in df.attrs.get("problems", [])])
    op = find_column(df.columns, "opinion", opinion_column)
    resp = find_column(df.columns, "response", response_column, required=False)
    cat = find_column(df.columns, "category", category_column, required=category_column is not None)
    num = number_column or find_column(df.columns, "number", required=False)
    for col, value in (where or {}).items():
        if col not in df.columns:
            raise MissingColumnError(f"{path}: no column {col!r} to select rows by; columns found: {', '.join(df.columns)}")
        df = df[df[col].str.strip() == str(value)]
    for line, row in df.iterrows():
        opinion = normalize(row[op])
        if not opinion:
            doc.problems.append(f"{path}:{line}: empty opinion; row left out")
            continue
        number = row[number_column].strip() if number_column else clean_number(row[num]) if num else ""
        if number_column and number.isdigit():
            number = f"{int(number):03d}"
        number = number or str(line)
        doc.records.append(Record(number, opinion, normalize(row[resp]) if resp else "",
                                  row[cat].strip() if cat else "", int(line)))
    return doc


def read_moe_corpus(path, ver) -> Document:
    """The 環境省 環境基本計画 corpus: ``comment`` and ``reply`` of one plan (``ver``). Its score
    columns were produced by a language model and are never read."""
    return read_results_table(path, opinion_column="comment", response_column="reply",
                              where={"ver": ver}, number_column="id")
