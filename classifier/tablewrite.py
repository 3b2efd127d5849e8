"""Writing tables: CSV with the formula guard, XLSX with text stored as text and laid out for a
clerk (Japanese column names, widths, wrapped text, frozen header, autofilter)."""
from __future__ import annotations

import math
import os
import re
import tempfile
import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .csvread import EXCEL_CELL_LIMIT, check_encoding
from .exceptions import DataFileError, TableReadError

OUTPUT_COLUMNS_PATH = Path(__file__).with_name("output_columns.tsv")
# What a spreadsheet runs as a formula: = + - @ (or their full-width forms) after any leading
# spaces, tabs, ideographic spaces, BOM or line breaks; and a leading tab or carriage return.
_FORMULA = re.compile(r"^(?:[\t\r]|[\s\ufeff\u200b\u2060]*[=+\-@＝＋－＠])")
_INTEGER = re.compile(r"^(?:0|[1-9][0-9]{0,14})$")
MAX_WIDTH, MIN_WIDTH, SAMPLE = 60, 6, 500


@lru_cache(maxsize=None)
def japanese_names() -> dict:
    """{English output column: Japanese name} from output_columns.tsv."""
    rows = [line.rstrip("\n").split("\t") for line in OUTPUT_COLUMNS_PATH.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    if not rows or rows[0] != ["column", "ja"] or any(len(r) != 2 for r in rows):
        raise DataFileError(f"{OUTPUT_COLUMNS_PATH}: expected column<TAB>ja rows under a column<TAB>ja header")
    return dict(rows[1:])


def header_cell(name) -> str:
    """The XLSX header of column ``name``: its Japanese name, a line break, the English name."""
    ja = japanese_names().get(str(name))
    return f"{ja}\n{name}" if ja else str(name)


def english_name(header) -> str:
    """The English name of a header written by header_cell; any other header unchanged."""
    parts = str(header).split("\n")
    if len(parts) == 2 and japanese_names().get(parts[1].strip()) == parts[0].strip():
        return parts[1].strip()
    return header


def guard_cell(value):
    """Neutralize a CSV cell that a spreadsheet would run as a formula (a leading apostrophe)."""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def unguard_cell(value):
    """``value`` without the apostrophe guard_cell put in front of it."""
    if isinstance(value, str) and value.startswith("'") and _FORMULA.match(value[1:]):
        return value[1:]
    return value


def xlsx_safe(value):
    """Drop the control characters an XLSX file cannot hold (openpyxl refuses them); a vertical
    tab or form feed (Word's line and page breaks) becomes a line break."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value.replace("\x0b", "\n").replace("\x0c", "\n"))
    return value


def overlong_cells(frame: pd.DataFrame, limit: int = EXCEL_CELL_LIMIT) -> list:
    """(row as Excel numbers it in the written file, column) of every text cell longer than an
    Excel cell holds."""
    return [(i + 2, col) for col in frame.columns for i, v in enumerate(frame[col].tolist())
            if isinstance(v, str) and len(v) > limit]


def write_table(df, path, encoding: str = "utf-8-sig") -> Path:
    """Write ``df`` to .csv (UTF-8 with BOM by default, so Excel opens it; formula-looking cells
    get an apostrophe) or .xlsx (text cells stored as text, so nothing runs), atomically. For
    .xlsx, ``df`` may be {sheet name: DataFrame}."""
    path = Path(path)
    sheets = df if isinstance(df, dict) else {"Sheet1": df}
    xlsx = path.suffix.lower() == ".xlsx"
    if not xlsx:
        check_encoding(encoding)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it owner-only; colleagues on a shared folder read it
    try:
        if xlsx:
            write_xlsx(sheets, tmp)
        else:
            frame = next(iter(sheets.values()))
            safe = frame.map(guard_cell)
            safe.columns = [guard_cell(c) for c in frame.columns]
            try:
                safe.to_csv(tmp, index=False, encoding=encoding, lineterminator="\r\n")
            except UnicodeEncodeError as e:
                raise TableReadError(
                    f"{path}: a cell cannot be written in {encoding} ({e.object[e.start:e.end]!r}"
                    f"{_where(safe, e.object[e.start:e.end])}); use the default UTF-8 or .xlsx") from None
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux): setting it
    to read it would race with other threads (the staff page) creating files."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _where(frame, text: str) -> str:
    """Where the first cell (row by row) holding ``text`` is, as Excel numbers it ("" if not found)."""
    for i, row in enumerate(frame.itertuples(index=False)):
        for col, cell in zip(frame.columns, row):
            if text in str(cell):
                return f", row {i + 2}, column {col!r}"
    return ""


def write_xlsx(sheets: dict, path) -> None:
    """Each frame on its own sheet: header row bold and frozen, autofilter, widths from the
    content, long or multi-line text wrapped; whole-number text columns (番号) as numbers."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    for name, frame in sheets.items():
        _write_sheet(wb.create_sheet(str(name)), frame)
    wb.save(path)


def _write_sheet(ws, frame: pd.DataFrame) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    headers = [xlsx_safe(header_cell(c)) for c in frame.columns]
    columns = [_cells(frame.iloc[:, j]) for j in range(frame.shape[1])]
    wrap = []
    for j, (header, values) in enumerate(zip(headers, columns)):
        widths = [_width(v) for v in values[:SAMPLE] if isinstance(v, str)] or [0]
        width = max(max(_width(h) for h in header.split("\n")), max(widths)) + 2
        ws.column_dimensions[get_column_letter(j + 1)].width = max(MIN_WIDTH, min(MAX_WIDTH, width))
        wrap.append(width > MAX_WIDTH or any(isinstance(v, str) and "\n" in v for v in values[:SAMPLE]))
    ws.freeze_panes = "A2"
    if frame.shape[1]:
        ws.auto_filter.ref = f"A1:{get_column_letter(frame.shape[1])}{len(frame) + 1}"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    head_align, wrapped = Alignment(wrap_text=True, vertical="center"), Alignment(wrap_text=True, vertical="top")
    row = []
    for h in headers:
        cell = _text_cell(ws, h, WriteOnlyCell)
        cell.font, cell.fill, cell.alignment = bold, fill, head_align
        row.append(cell)
    ws.append(row)
    for i in range(len(frame)):
        row = []
        for j, values in enumerate(columns):
            v = values[i]
            if wrap[j]:
                cell = _text_cell(ws, v, WriteOnlyCell)
                cell.alignment = wrapped
                row.append(cell)
            elif isinstance(v, str) and v.startswith("="):
                row.append(_text_cell(ws, v, WriteOnlyCell))
            else:
                row.append(v)
        ws.append(row)


def _text_cell(ws, value, cell_type):
    """A cell holding ``value``; a string is stored as a string even if it starts with =."""
    cell = cell_type(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _cells(series: pd.Series) -> list:
    """A column's values as XLSX cells take them: None for missing, Python scalars, text cleaned;
    a text column of whole numbers only (番号) as integers."""
    values = []
    for v in series.tolist():
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
            values.append(None)
        elif isinstance(v, str):
            values.append(xlsx_safe(v))
        elif hasattr(v, "item"):
            values.append(v.item())
        else:
            values.append(v)
    texts = [v for v in values if isinstance(v, str) and v != ""]
    if texts and all(isinstance(v, str) or v is None for v in values) and all(_INTEGER.match(v) for v in texts):
        values = [int(v) if v else None for v in values]
    return values


def _width(text: str) -> int:
    """Display width of the longest line of ``text`` (wide characters count 2), up to 2 × MAX_WIDTH."""
    best = 0
    for line in text[:4 * MAX_WIDTH].split("\n"):
        best = max(best, sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line))
    return min(best, 2 * MAX_WIDTH)
