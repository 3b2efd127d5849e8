"""Read and write staff tables: CSV (UTF-8, UTF-8 with BOM, CP932) and XLSX.

Everything that touches a table file goes through here: encoding detection, recognition of
Japanese column names, and the formula-injection guard on write.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .exceptions import DataFileError, MissingColumnError, TableReadError

COLUMNS_PATH = Path(__file__).with_name("columns.tsv")
ENCODINGS = ("utf-8-sig", "cp932")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def find_column(columns, role: str, given: str | None = None, required: bool = True):
    """Return the column of ``columns`` that plays ``role`` (opinion, response, category).

    ``given`` names it explicitly. Otherwise the aliases in columns.tsv are tried, exact
    match first, then a heading that ends with an alias (e.g. 盛岡市の考え方 ← 考え方).
    """
    columns = list(columns)
    if given is not None:
        if given in columns:
            return given
        raise MissingColumnError(
            f"column {given!r} (given for {role}) not found; columns found: {', '.join(map(str, columns))}")
    aliases = [_canon(a) for a in column_aliases().get(role, [])]
    canon = {c: _canon(c) for c in columns}
    for alias in aliases:
        for col, key in canon.items():
            if key == alias:
                return col
    for alias in aliases:
        if len(alias) >= 2:
            for col, key in canon.items():
                if key.endswith(alias):
                    return col
    if not required:
        return None
    raise MissingColumnError(
        f"no {role} column: columns found: {', '.join(map(str, columns)) or '(none)'}; "
        f"expected one of: {', '.join(column_aliases().get(role, []))}. "
        f"Rename the column or name it with --{role}-column."
    )


def decode(data: bytes, encoding: str | None = None, name: str = "input") -> tuple:
    """Decode bytes as UTF-8 (with or without BOM) or CP932; return (text, encoding)."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as e:
            raise TableReadError(f"{name}: cannot decode as {encoding}: {e}") from None
    for enc in ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise TableReadError(
        f"{name}: not UTF-8 or CP932 (Shift_JIS) text; save it as UTF-8 CSV or XLSX, "
        "or name the encoding with --encoding")


def read_table(path, encoding: str | None = None, sheet=0) -> pd.DataFrame:
    """Read a CSV or XLSX file into a DataFrame of strings (missing cells are "").

    The index is the row's line number in the file (header = line 1), so problems can be
    reported where the user will look for them. Rows of a CSV whose field count differs from
    the header are kept (padded or joined), and listed in ``df.attrs['problems']``.
    """
    path = Path(path)
    if not path.exists():
        raise TableReadError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    return read_csv_bytes(path.read_bytes(), encoding=encoding, name=str(path))


def read_csv_bytes(data: bytes, encoding: str | None = None, name: str = "input") -> pd.DataFrame:
    if data[:4] == b"PK\x03\x04":
        raise TableReadError(f"{name}: this is an XLSX/ZIP file; give it a .xlsx name")
    if is_utf16(data) and not encoding:
        encoding = "utf-16"  # Excel's "Unicode text" export
    elif b"\x00" in data[:4096] and not (encoding and codecs.lookup(check_encoding(encoding)).name.startswith("utf-16")):
        raise TableReadError(f"{name}: binary data, not a CSV table")
    text, _ = decode(data, encoding, name)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text, name)))
    return _frame(rows, name)


def is_utf16(data: bytes) -> bool:
    """Whether ``data`` starts with a UTF-16 byte-order mark (Excel's "Unicode text" export)."""
    return data[:2] in (b"\xff\xfe", b"\xfe\xff")


def drop_blank_rows(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` without the rows whose every cell is empty (as read_table keeps them)."""
    return table[(table != "").any(axis=1)]


def _delimiter(text: str, name: str) -> str:
    """Tab for .tsv files and for text whose first line has tabs but no commas (Excel's
    "Unicode text" export); comma otherwise."""
    if name.lower().endswith((".tsv", ".tab")):
        return "\t"
    first = next((line for line in text.splitlines() if line.strip()), "")
    return "\t" if "\t" in first and "," not in first else ","


def _read_xlsx(path: Path, sheet) -> pd.DataFrame:
    """Cell values as Excel last computed them; a formula cell with no computed value keeps its
    formula text, so nothing the user typed is lost."""
    import openpyxl

    try:
        books = [openpyxl.load_workbook(path, read_only=True, data_only=flag) for flag in (True, False)]
    except Exception as e:  # openpyxl raises many kinds for a bad file
        raise TableReadError(f"{path}: not a readable XLSX workbook ({e})") from None
    try:
        sheets = [wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet] for wb in books]
    except (IndexError, KeyError):
        raise TableReadError(f"{path}: no sheet {sheet!r}; sheets: {', '.join(books[0].sheetnames)}") from None
    for ws in sheets:
        ws.reset_dimensions()  # a workbook's stored <dimension> can be stale: read every row there is
    rows = [["" if v is None and f is None else str(f if v is None else v) for v, f in zip(vr, fr)]
            for vr, fr in zip(*(ws.iter_rows(values_only=True) for ws in sheets))]
    for wb in books:
        wb.close()
    return _frame(rows, str(path))


def _frame(rows: list, name: str) -> pd.DataFrame:
    filled = [n for n, r in enumerate(rows, 1) if any(c.strip() for c in r)]
    if not filled:
        raise TableReadError(f"{name}: empty file, no header row")
    # Blank lines before the header and after the last row are not rows; a blank row between
    # rows is kept (it comes out with an error), so output rows line up with input rows.
    numbered = [(n, rows[n - 1]) for n in range(filled[0], filled[-1] + 1)]
    header_line, header = numbered[0]
    header = [h.strip() for h in header]
    while header and not header[-1]:
        header.pop()
    if len(header) < 2 or not any(header):
        raise TableReadError(
            f"{name}: not a table: the first line has {len(header)} column(s) "
            f"({(','.join(header))[:60]!r}); expected a header row such as 意見,市の考え方")
    seen = {}
    for i, h in enumerate(header):
        h = h or f"column{i + 1}"
        if h in seen:
            seen[h] += 1
            h = f"{h}.{seen[h]}"
        else:
            seen[h] = 0
        header[i] = h
    problems, data, index = [], [], []
    width = len(header)
    for n, r in numbered[1:]:
        if len(r) > width and any(c.strip() for c in r[width:]):
            problems.append((n, f"line {n}: {len(r)} fields, header has {width}; extra fields joined into the last column"))
            r = r[:width - 1] + [",".join(r[width - 1:])]
        data.append((list(r) + [""] * width)[:width])
        index.append(n)
    df = pd.DataFrame(data, columns=header, index=pd.Index(index, name="line"), dtype=object).fillna("")
    df.attrs["problems"] = problems
    return df


def guard_cell(value):
    """Neutralize a cell that a spreadsheet would run as a formula (= + - @ at the start)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def xlsx_safe(value):
    """Drop the control characters an XLSX file cannot hold (openpyxl refuses them); a vertical
    tab or form feed (Word's line and page breaks) becomes a line break."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value.replace("\x0b", "\n").replace("\x0c", "\n"))
    return value


def check_encoding(encoding: str) -> str:
    """``encoding`` if Python knows it, else a TableReadError naming it and the usual choices."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise TableReadError(f"unknown encoding {encoding!r}; use utf-8-sig (default, Excel opens it) "
                             "or cp932 (Shift_JIS)") from None
    return encoding


def write_table(df, path, encoding: str = "utf-8-sig") -> Path:
    """Write ``df`` to .csv (UTF-8 with BOM by default, so Excel opens it) or .xlsx, atomically,
    with formula-looking cells neutralized. For .xlsx, ``df`` may be {sheet name: DataFrame}."""
    path = Path(path)
    sheets = df if isinstance(df, dict) else {"Sheet1": df}
    xlsx = path.suffix.lower() == ".xlsx"
    if not xlsx:
        check_encoding(encoding)
    sheets = {name: _guarded(frame, xlsx) for name, frame in sheets.items()}
    safe = next(iter(sheets.values()))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        if xlsx:
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                for name, frame in sheets.items():
                    frame.to_excel(writer, sheet_name=name, index=False)
        else:
            try:
                safe.to_csv(tmp, index=False, encoding=encoding, lineterminator="\r\n")
            except UnicodeEncodeError as e:
                raise TableReadError(
                    f"{path}: a cell cannot be written in {encoding} ({e.object[e.start:e.end]!r}); "
                    "use the default UTF-8 or .xlsx") from None
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _guarded(frame: pd.DataFrame, xlsx: bool) -> pd.DataFrame:
    """Cells and column names with formulas neutralized (and, for XLSX, illegal characters dropped)."""
    clean = (lambda v: guard_cell(xlsx_safe(v))) if xlsx else guard_cell  # strip first, then guard
    out = frame.map(clean)
    out.columns = [clean(c) for c in frame.columns]
    return out
