"""Read staff tables: CSV (UTF-8, UTF-8 with BOM, CP932, UTF-16) and XLSX, as offices keep them.

Everything that reads a table file goes through ``read_table``: the header row is found by the
known column names (columns.tsv) within the first rows, and Japanese column names are
recognised. The bytes are read by ``csvread`` and ``xlsxread``; ``tablewrite`` writes tables.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .csvread import check_encoding, check_quotes, csv_rows, decode, is_utf16, too_many_rows, xls_message
from .exceptions import (DataFileError, HeaderNotFoundError, MissingColumnError, TableReadError,
                         TableTooLargeError, UnsupportedFormatError)
from .tablewrite import english_name, guard_cell, unguard_cell, write_table, xlsx_safe
from .xlsxread import MAX_UNZIPPED, xlsx_rows

__all__ = ["COLUMNS_PATH", "MAX_ROWS", "MAX_CSV_BYTES", "MAX_UNZIPPED", "SCAN_ROWS", "check_encoding",
           "column_aliases", "decode", "drop_blank_rows", "find_column", "find_header", "guard_cell",
           "is_utf16", "missing_column_message", "read_csv_bytes", "read_table", "unguard_cell",
           "write_table", "xlsx_safe"]

COLUMNS_PATH = Path(__file__).with_name("columns.tsv")
SCAN_ROWS = 20  # the header row is looked for within the first rows that have content
MAX_ROWS = 300_000  # rows a table may have
MAX_CSV_BYTES = 400 * 2**20  # bytes a CSV may have
HEADER_ROLES = ("opinion", "response", "category")
_HEADER_CELL = 30  # a header cell is short


@lru_cache(maxsize=None)
def column_aliases() -> dict:
    """{role: [alias, ...]} from columns.tsv, validated."""
    aliases: dict = {}
    with open(COLUMNS_PATH, encoding="utf-8") as f:
        rows = [(n, line.rstrip("\n")) for n, line in enumerate(f, 1)
                if line.strip() and not line.startswith("#")]
    if not rows or rows[0][1] != "role\talias":
        raise DataFileError(f"{COLUMNS_PATH}: header must be role<TAB>alias")
    for n, line in rows[1:]:
        parts = line.split("\t")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise DataFileError(f"{COLUMNS_PATH}:{n}: expected role<TAB>alias, got {line!r}")
        aliases.setdefault(parts[0].strip(), []).append(parts[1].strip())
    return aliases


def _canon(name) -> str:
    return "".join(unicodedata.normalize("NFKC", str(name)).split()).lower()


def find_column(columns, role: str, given: str | None = None, required: bool = True, exact: bool = False):
    """Return the column of ``columns`` that plays ``role`` (opinion, response, category).

    ``given`` names it explicitly. Otherwise the aliases in columns.tsv are tried, exact
    match first, then (unless ``exact``) a heading that ends with an alias (e.g. 盛岡市の考え方 ←
    考え方). The tool's own precedent columns (precedent_1_response …) never play a role.
    """
    columns = list(columns)
    if given is not None:
        if given in columns:
            return given
        raise MissingColumnError(
            f"column {given!r} (given for {role}) not found; columns found: {', '.join(map(str, columns))}")
    found = column_candidates(columns, role, exact)
    if found:
        return found[0]
    if not required:
        return None
    raise MissingColumnError(missing_column_message(columns, role), role, columns)


def column_candidates(columns, role: str, exact: bool = False) -> list:
    """Every column that could play ``role`` by columns.tsv's aliases, best first (find_column's
    choice): exact matches in the aliases' order, then (unless ``exact``) headings ending with
    an alias. Precedent columns (precedent_i_…, 過去の回答例i…) are left out."""
    aliases = [_canon(a) for a in column_aliases().get(role, [])]
    canon = {c: _canon(c) for c in columns}
    canon = {c: k for c, k in canon.items() if not k.startswith(("precedent_", "過去の回答例"))}
    found = [c for a in aliases for c, k in canon.items() if k == a]
    if not exact:
        found += [c for a in aliases if len(a) >= 2 for c, k in canon.items() if k.endswith(a)]
    return list(dict.fromkeys(found))


def missing_column_message(columns, role: str) -> str:
    """What to say when ``columns`` have no column for ``role``: the columns found, the names
    expected, and that the column can be renamed or named."""
    return (f"no {role} column: columns found: {', '.join(map(str, columns)) or '(none)'}; "
            f"expected one of: {', '.join(column_aliases().get(role, []))}. "
            f"Rename the column, or name the {role} column to use")

def read_table(path, encoding: str | None = None, sheet=None, header_row: int | None = None,
               max_rows: int = MAX_ROWS, max_unzipped: int = MAX_UNZIPPED) -> pd.DataFrame:
    """Read a CSV or XLSX file into a DataFrame of strings (missing cells are "").

    The header is the row ``header_row`` (numbered as Excel numbers rows), else the row among the
    first SCAN_ROWS that names the most known columns (意見, 市の考え方, 区分, …), else the first
    row. ``sheet`` is an XLSX sheet's name or 0-based position (default: the first). The index is
    each row's number as Excel shows it. ``df.attrs['problems']`` lists (row, message): rows
    skipped above the header, ragged CSV rows. Larger than ``max_rows`` rows or an XLSX that
    unzips to more than ``max_unzipped`` bytes is a TableTooLargeError.
    """
    path = Path(path)
    if not path.exists():
        raise TableReadError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise UnsupportedFormatError(xls_message(path))
    if suffix in (".ods", ".numbers"):
        raise UnsupportedFormatError(f"{path}: {suffix} files are not read; save the sheet as an Excel "
                                     "workbook (.xlsx) or as CSV UTF-8, then use that file")
    slack = SCAN_ROWS + (header_row or 0)
    if suffix in (".xlsx", ".xlsm"):
        found = xlsx_rows(path, sheet, max_rows=max_rows, slack=slack, max_unzipped=max_unzipped)
        if sheet is None and header_row is None and len(found.sheets) > 1 and find_header(found.rows) is None:
            _other_sheets(path, found)
        try:
            return _frame(found.rows, str(path), header_row, max_rows, sheet=found.sheet)
        except HeaderNotFoundError as e:
            if len(found.sheets) < 2:
                raise
            raise HeaderNotFoundError(f"{e}; the workbook's sheets: {', '.join(found.sheets)}", found.sheets) from None
    if sheet is not None:
        raise TableReadError(f"{path}: a CSV file has no sheets (a sheet was asked for: {sheet!r})")
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise TableTooLargeError(f"{path}: {size / 2**20:,.0f} MB, more than the {MAX_CSV_BYTES / 2**20:,.0f} MB "
                                 "this tool reads; split the file and read the parts one by one")
    return read_csv_bytes(path.read_bytes(), encoding=encoding, name=str(path), header_row=header_row,
                          max_rows=max_rows)


def read_csv_bytes(data: bytes, encoding: str | None = None, name: str = "input",
                   header_row: int | None = None, max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """read_table for the bytes of a CSV/TSV file (an upload); ``name`` is used in messages."""
    found = csv_rows(data, encoding, name, max_rows=max_rows, slack=SCAN_ROWS + (header_row or 0))
    return _frame(found.rows, name, header_row, max_rows, quotes=found)


def is_header(row, roles=HEADER_ROLES) -> int:
    """How many of ``roles`` the cells of ``row`` name (0: not a header row). A row with one
    distinct value is a header only if that value is exactly an opinion or response name."""
    cells = [english_name(c.strip()) for c in row if c.strip()]
    short = list(dict.fromkeys(c for c in cells if len(c) <= _HEADER_CELL))
    if len(set(cells)) < 2:
        aliases = {_canon(a) for role in ("opinion", "response") for a in column_aliases()[role]}
        return 1 if cells and _canon(cells[0]) in aliases else 0
    found = [role for role in roles if find_column(short, role, required=False) is not None]
    return len(found) if set(found) & {"opinion", "response"} else 0


def find_header(rows: list) -> int | None:
    """The 0-based index of the header among ``rows``: within the first SCAN_ROWS rows with
    content, the one naming the most known columns (the first of equals); None if none does."""
    best, best_score, seen = None, 0, 0
    for i, row in enumerate(rows):
        if not any(c.strip() for c in row):
            continue
        seen += 1
        if seen > SCAN_ROWS:
            break
        score = is_header(row)
        if score > best_score:
            best, best_score = i, score
    return best


def drop_blank_rows(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` without the rows whose every cell is empty (as read_table keeps them)."""
    return table[(table != "").any(axis=1)]


def _preview(row, n=60) -> str:
    return ", ".join(c.strip().replace("\n", " ") for c in row if c.strip())[:n]


def _frame(rows: list, name: str, header_row=None, max_rows=MAX_ROWS, quotes=None, sheet=None) -> pd.DataFrame:
    filled = [n for n, r in enumerate(rows, 1) if any(c.strip() for c in r)]
    where = f"{name} (sheet {sheet!r})" if sheet else name
    if not filled:
        raise HeaderNotFoundError(f"{where}: empty, no header row")
    problems = []
    if header_row is not None:
        if not isinstance(header_row, int) or header_row < 1:
            raise HeaderNotFoundError(f"{where}: header row {header_row!r}: give a row number from 1")
        if header_row > len(rows) or not any(c.strip() for c in rows[header_row - 1]):
            raise HeaderNotFoundError(f"{where}: row {header_row} (given as the header row) is "
                                      f"{'past the last row, ' + str(filled[-1]) if header_row > len(rows) else 'empty'}")
        top = header_row
    else:
        found = find_header(rows)
        top = filled[0] if found is None else found + 1
        if found is None and sum(1 for c in rows[top - 1] if c.strip()) < 2:
            raise HeaderNotFoundError(
                f"{where}: not a table: no row among the first {SCAN_ROWS} names an opinion or response "
                f"column, and the first row has one cell ({_preview(rows[top - 1])!r}); expected a header "
                f"row such as 意見,市の考え方, or name the header row")
        if top != filled[0]:
            problems.append((top, f"row {top} taken as the header ({_preview(rows[top - 1])}); rows "
                                  f"{filled[0]}–{top - 1} above it are not read ({_preview(rows[filled[0] - 1])!r})"))
    header = [english_name(h.strip()) for h in rows[top - 1]]
    while header and not header[-1]:
        header.pop()
    last = max([top] + [n for n in filled if n > top])
    if last - top > max_rows:
        raise TableTooLargeError(too_many_rows(where, max_rows, last - top))
    if quotes is not None:
        check_quotes(quotes, len(header), top, name)
    seen = {}
    for i, h in enumerate(header):
        h = h or f"column{i + 1}"
        if h in seen:
            seen[h] += 1
            h = f"{h}.{seen[h]}"
        else:
            seen[h] = 0
        header[i] = h
    data, index = [], []
    width = len(header)
    for n in range(top + 1, last + 1):
        r = rows[n - 1]
        if len(r) > width and any(c.strip() for c in r[width:]):
            problems.append((n, f"line {n}: {len(r)} fields, header has {width}; extra fields joined into the last column"))
            r = r[:width - 1] + [",".join(r[width - 1:])]
        data.append((list(r) + [""] * width)[:width])
        index.append(n)
    df = pd.DataFrame(data, columns=header, index=pd.Index(index, name="line"), dtype=object).fillna("")
    df.attrs.update(problems=problems, header_row=top, sheet=sheet)
    return df


def _other_sheets(path, found) -> None:
    """For a workbook whose first sheet has no opinion/response header: a HeaderNotFoundError
    naming its sheets and those that have one (with their header row), if any has."""
    with_table = []
    for other in found.sheets:
        if other == found.sheet:
            continue
        head = xlsx_rows(path, other, head=SCAN_ROWS * 3).rows
        i = find_header(head)
        if i is not None:
            with_table.append((other, f"{other} (row {i + 1}: {_preview(head[i])})"))
    if with_table:
        raise HeaderNotFoundError(
            f"{path}: sheet {found.sheet!r} has no table with an opinion or response column; the workbook's "
            f"sheets: {', '.join(found.sheets)}; with a table: {'; '.join(w for _, w in with_table)}. "
            f"Name the sheet to read", found.sheets, [n for n, _ in with_table])
