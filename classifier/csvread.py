"""CSV reading: decoding (UTF-8, BOM, CP932, UTF-16), the delimiter, and the checks that keep a
stray quote from silently merging rows."""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

from .exceptions import EncodingError, StrayQuoteError, TableReadError, TableTooLargeError, UnsupportedFormatError

ENCODINGS = ("utf-8-sig", "cp932")
EXCEL_CELL_LIMIT = 32767  # the most characters an Excel cell holds
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003) and other OLE2 files


@dataclass
class CsvRows:
    rows: list  # records as lists of strings
    starts: list  # the physical line each record starts on (1-based)
    delimiter: str


def decode(data: bytes, encoding: str | None = None, name: str = "input") -> tuple:
    """Decode bytes as UTF-8 (with or without BOM) or CP932; return (text, encoding)."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as e:
            raise EncodingError(f"{name}: cannot decode as {encoding}: {e}") from None
    for enc in ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise EncodingError(
        f"{name}: not UTF-8 or CP932 (Shift_JIS) text; save it as UTF-8 CSV or XLSX, "
        "or name the encoding")


def is_utf16(data: bytes) -> bool:
    """Whether ``data`` starts with a UTF-16 byte-order mark (Excel's "Unicode text" export)."""
    return data[:2] in (b"\xff\xfe", b"\xfe\xff")


def check_encoding(encoding: str) -> str:
    """``encoding`` if Python knows it, else a TableReadError naming it and the usual choices."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise TableReadError(f"unknown encoding {encoding!r}; use utf-8-sig (default, Excel opens it) "
                             "or cp932 (Shift_JIS)") from None
    return encoding


def too_many_rows(name, max_rows: int, rows: int | None = None) -> str:
    counted = f"{rows:,} rows" if rows is not None else "more rows"
    return (f"{name}: {counted}, more than the {max_rows:,} rows this tool reads; split the table and "
            "read the parts one by one")


def xls_message(name) -> str:
    return (f"{name}: an Excel 97-2003 workbook (.xls) is not read; open it in Excel and save it as "
            "an Excel workbook (.xlsx), or as CSV UTF-8, then use that file")


def csv_rows(data: bytes, encoding: str | None = None, name: str = "input",
             max_rows: int | None = None, slack: int = 0) -> CsvRows:
    """The records of CSV/TSV bytes, with the line each starts on. A quote left open to the end
    of the file is a StrayQuoteError; a cell over the csv field limit a TableReadError; more than
    ``max_rows`` + ``slack`` records (rows above the header) a TableTooLargeError."""
    if data[:4] == b"PK\x03\x04":
        raise TableReadError(f"{name}: this is an XLSX/ZIP file; give it a .xlsx name")
    if data[:8] == OLE2_MAGIC:
        raise UnsupportedFormatError(xls_message(name))
    if is_utf16(data) and not encoding:
        encoding = "utf-16"  # Excel's "Unicode text" export
    elif b"\x00" in data[:4096] and not (encoding and codecs.lookup(check_encoding(encoding)).name.startswith("utf-16")):
        raise TableReadError(f"{name}: binary data, not a CSV table")
    text, _ = decode(data, encoding, name)
    delimiter = sniff_delimiter(text, name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, starts, end = [], [], 0
    try:
        for row in reader:
            rows.append(row)
            starts.append(end + 1)
            end = reader.line_num
            if max_rows is not None and len(rows) > max_rows + slack:
                raise TableTooLargeError(too_many_rows(name, max_rows))
    except csv.Error as e:
        raise TableReadError(
            f"{name}: line {end + 1}: cannot read this row as CSV ({e}). A cell this long most likely "
            f"starts with a stray quote (\") that swallows the lines after it; remove that quote, or double "
            f"it (\"\") if the cell should contain one, and read the file again") from None
    if rows and any("\n" in f for f in rows[-1]) and _open_at_end(text, delimiter):
        last = rows[-1]
        line = starts[-1] + sum(f.count("\n") for f in last[:-1])
        raise StrayQuoteError(
            f"{name}: line {line}: a quote (\") opens a cell that is never closed: it runs to the end of "
            f"the file ({last[-1].count(chr(10)) + 1} lines, {len(last[-1]):,} characters), swallowing every "
            f"line after it. Nothing was read: remove the stray quote, or double it (\"\") if the cell "
            f"should contain one, and read the file again", line)
    return CsvRows(rows, starts, delimiter)


def _open_at_end(text: str, delimiter: str) -> bool:
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as e:
        return "unexpected end of data" in str(e)
    return False


def check_quotes(found: CsvRows, width: int, first: int, name: str) -> None:
    """Raise StrayQuoteError if a cell of the records from index ``first`` on swallowed lines
    that look like rows of their own (each with the header's ``width`` fields), or holds line
    breaks and more characters than an Excel cell can."""
    if width < 2:
        return
    for i in range(first, len(found.rows)):
        row = found.rows[i]
        before = 0
        for cell in row:
            if "\n" in cell:
                lines = cell.split("\n")[1:]
                rowlike = sum(line.count(found.delimiter) >= width - 1 for line in lines)
                if (rowlike >= 2 and 2 * rowlike >= len(lines)) or len(cell) > EXCEL_CELL_LIMIT:
                    line = found.starts[i] + before
                    raise StrayQuoteError(
                        f"{name}: line {line}: a quote (\") opens a cell that swallows the next "
                        f"{len(lines)} lines ({len(cell):,} characters; {rowlike} of them look like rows of "
                        f"their own). Nothing was read: remove the stray quote, or double it (\"\") if the "
                        f"cell should contain one, and read the file again", line)
            before += cell.count("\n")


def sniff_delimiter(text: str, name: str) -> str:
    """Tab for .tsv files and for text whose first line has tabs but no commas (Excel's
    "Unicode text" export); comma otherwise."""
    if name.lower().endswith((".tsv", ".tab")):
        return "\t"
    first = next((line for line in text.splitlines() if line.strip()), "")
    return "\t" if "\t" in first and "," not in first else ","
