"""XLSX reading: the size check made before anything is unzipped, the sheet, cell values as Excel
computed them, and merged cells spread over the rows they span."""
from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from .csvread import OLE2_MAGIC, too_many_rows, xls_message
from .exceptions import SheetNotFoundError, TableReadError, TableTooLargeError, UnsupportedFormatError

MAX_UNZIPPED = 200 * 2**20  # bytes an XLSX may unzip to
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


@dataclass
class XlsxRows:
    rows: list  # rows as lists of strings; rows[0] is Excel's row 1
    sheet: str  # the sheet read
    sheets: list  # every sheet of the workbook, in order


def check_size(path, limit: int = MAX_UNZIPPED) -> int:
    """The bytes the workbook unzips to, from its directory (nothing is unzipped); a
    TableTooLargeError over ``limit``. Python's zipfile never inflates a member past its stated
    size, so the check also holds for a file whose directory lies."""
    with open(path, "rb") as f:
        if f.read(8) == OLE2_MAGIC:
            raise UnsupportedFormatError(xls_message(path))
    try:
        with zipfile.ZipFile(path) as z:
            total = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError) as e:
        raise TableReadError(f"{path}: not a readable XLSX workbook ({e})") from None
    if total > limit:
        raise TableTooLargeError(
            f"{path}: the workbook unzips to {total / 2**20:,.0f} MB, more than the {limit / 2**20:,.0f} MB "
            f"this tool reads (often formatting applied to whole rows or columns, or a very large table). "
            f"Delete the unused rows and columns below and beside the table in Excel, or save the sheet "
            f"as CSV UTF-8, or split the table, and read that file")
    return total


def xlsx_rows(path, sheet=None, max_rows: int | None = None, slack: int = 0, head: int | None = None,
              max_unzipped: int = MAX_UNZIPPED) -> XlsxRows:
    """The rows of one sheet (the first if ``sheet`` is None; else its name or 0-based index) as
    strings, "" for empty cells. A formula cell with no computed value keeps its formula text.
    ``head`` reads only the first rows; more than ``max_rows`` + ``slack`` (rows above the
    header) filled rows is a TableTooLargeError."""
    path = Path(path)
    check_size(path, max_unzipped)
    try:
        return _rows(path, sheet, max_rows, slack, head)
    except (zipfile.BadZipFile, zlib.error, ElementTree.ParseError, KeyError, ValueError, EOFError, OSError) as e:
        # the zip opened, but a sheet inside it is damaged (cut short, bytes changed)
        raise TableReadError(f"{path}: not a readable XLSX workbook: a sheet in it is damaged ({type(e).__name__}: "
                             f"{e}); open it in Excel and save it again, or export the sheet as CSV") from None


def _rows(path, sheet, max_rows, slack, head) -> XlsxRows:
    wb = _open(path, data_only=False)
    try:
        names = wb.sheetnames
        name = pick_sheet(names, sheet, path)
        ws = wb[name]
        ws.reset_dimensions()  # a workbook's stored <dimension> can be stale: read every row there is
        rows, filled, formulas = [], 0, False
        for values in ws.iter_rows(values_only=True, max_row=head):
            row = ["" if v is None else str(v) for v in values]
            rows.append(row)
            formulas = formulas or any(c.startswith("=") for c in row)
            filled += any(c.strip() for c in row)
            if max_rows is not None and filled > max_rows + slack:
                raise TableTooLargeError(too_many_rows(f"{path} (sheet {name!r})", max_rows))
    finally:
        wb.close()
    if formulas:  # a second pass for the values Excel computed (a cell without one keeps its formula)
        wb = _open(path, data_only=True)
        try:
            ws = wb[name]
            ws.reset_dimensions()
            for row, values in zip(rows, ws.iter_rows(values_only=True, max_row=len(rows))):
                for j, v in enumerate(values[:len(row)]):
                    if v is not None:
                        row[j] = str(v)
        finally:
            wb.close()
    spread_merged(rows, merged_ranges(path, name))
    return XlsxRows(rows, name, names)


def _skip_size_scan() -> None:
    """openpyxl's read-only sheet looks for the sheet's stored size when it opens it, and when the
    file has no <dimension> it parses the whole sheet to find out (3 s of a 10 s read of a 20,000-row
    file). The size is never used here (every read resets it and reads every row), so the look is
    skipped; should openpyxl change, its own behaviour stays."""
    try:
        from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    except ImportError:
        return
    if hasattr(ReadOnlyWorksheet, "_get_size") and hasattr(ReadOnlyWorksheet, "_max_row"):
        ReadOnlyWorksheet._get_size = lambda self: None


def _open(path, data_only: bool):
    import openpyxl

    _skip_size_scan()
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except Exception as e:  # openpyxl raises many kinds for a bad file
        raise TableReadError(f"{path}: not a readable XLSX workbook ({e})") from None


def pick_sheet(names: list, sheet, path) -> str:
    """The name of the sheet asked for: None = the first, an int = by position, a name exactly or
    ignoring width, case and spaces."""
    if sheet is None:
        sheet = 0
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return names[sheet]
    else:
        if sheet in names:
            return sheet
        key = _key(sheet)
        near = [n for n in names if _key(n) == key]
        if len(near) == 1:
            return near[0]
    raise SheetNotFoundError(f"{path}: no sheet {sheet!r}; its sheets: {', '.join(names)}", names)


def _key(name) -> str:
    return "".join(unicodedata.normalize("NFKC", str(name)).split()).lower()


def spread_merged(rows: list, ranges: list) -> None:
    """Give every row a merged range spans the value of its top-left cell (in the range's first
    column: a range merged across columns stays one cell). Rows beyond ``rows`` are left out."""
    for r1, c1, r2, _ in ranges:
        if r1 > len(rows) or c1 > len(rows[r1 - 1]):
            continue
        value = rows[r1 - 1][c1 - 1]
        for r in range(r1 + 1, min(r2, len(rows)) + 1):
            row = rows[r - 1]
            if len(row) < c1:
                row.extend([""] * (c1 - len(row)))
            if not row[c1 - 1]:
                row[c1 - 1] = value


def merged_ranges(path, sheet: str) -> list:
    """[(first row, first column, last row, last column)] of the merged cells of ``sheet``, read
    from its XML in chunks; [] if the workbook's parts cannot be found."""
    try:
        with zipfile.ZipFile(path) as z:
            member = _sheet_member(z, sheet)
            if member is None:
                return []
            out, tail = [], b""
            with z.open(member) as f:
                while True:
                    chunk = f.read(1 << 20)
                    data = tail + chunk
                    last = 0
                    for m in _MERGE.finditer(data):
                        out.append((int(m[2]), _column(m[1]), int(m[4]), _column(m[3])))
                        last = m.end()
                    if not chunk:
                        return out
                    tail = data[max(last, len(data) - 200):]
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return []


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _sheet_member(z: zipfile.ZipFile, sheet: str):
    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    rid = next((s.get(f"{_REL}id") for s in book.iter(f"{_MAIN}sheet") if s.get("name") == sheet), None)
    target = next((r.get("Target") for r in rels.iter(f"{_PKG}Relationship") if r.get("Id") == rid), None)
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
