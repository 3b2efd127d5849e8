"""Reader ``pdf``: the results table in a PDF's text layer (pdfplumber; no OCR).

On each page the table is found as ruled cells (pdfplumber's lines) or, on a page without a ruled
results table, as columns of words under a header line, the columns split where a vertical gap
runs between the header's names. The header names the columns as a table's does (columns.tsv:
No., 意見の概要, 市の考え方, 区分, …; a note such as （原文） ignored); a header repeated on later pages
is dropped, and so are page footers (N ページ, - N -, a bare page number) and lines that cross the
columns (titles, notes, the legend: the text around the table). On a page without a ruled table
a row starts at the line of its number. A row at the top of a page without its number (or, with no
number column, without its opinion) continues the row of the page before. A cell merged over rows
gives each row its text. In a cell, lines that reach the column's width are joined (a wrapped
line); a shorter line ends a paragraph and its line break is kept. The text around the table
gives the legend of the categories and the count the document states (see ``common``).

A PDF with no text layer at all (a scan) raises NoTextLayerError; a page of images alone in a PDF
that has text is reported. Options: ``opinion_column``, ``response_column``, ``category_column``,
``number_column`` (header names columns.tsv does not know) and ``acknowledge_difference`` (a
documented difference between the rows and the stated count). ``Record.line`` is the page.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import DocumentFormatError, NoTextLayerError
from .common import Document, build_records, clean_number, header_roles, missing_header

FOOTER = re.compile(r"^(?:[-‐―–—~]\s*\d+\s*[-‐―–—~]|\d+\s*(?:ページ|頁)|[Pp]\.?\s*\d+|\d+\s*/\s*\d+|第\s*\d+\s*頁)$")
NUMBER = re.compile(r"^(?:No\.?)?\d+(?:[-‐]\d+)*$")
MARGIN = 0.1  # share of the page height, at the top and the bottom, where footers and running heads sit
WRAP = 1.5  # a line ending within this many characters of its column's right edge is a wrapped line


@dataclass
class Line:
    """Characters of one line (pdfplumber's char dicts), left to right."""
    chars: list = field(default_factory=list)

    @property
    def top(self):
        return min(c["top"] for c in self.chars)

    @property
    def bottom(self):
        return max(c["bottom"] for c in self.chars)

    @property
    def x0(self):
        return min(c["x0"] for c in self.chars)

    @property
    def x1(self):
        return max(c["x1"] for c in self.chars)

    @property
    def size(self):
        return max(c["bottom"] - c["top"] for c in self.chars)

    @property
    def text(self):
        """The characters, a space where they are more than a fifth of a character apart."""
        out, last = "", None
        for c in sorted(self.chars, key=lambda c: c["x0"]):
            if last is not None and c["x0"] - last > 0.2 * (c["bottom"] - c["top"]):
                out += " "
            out += c["text"]
            last = c["x1"]
        return out

    def runs(self, gap: float) -> list:
        """The line cut where its characters are more than ``gap`` characters apart."""
        out = []
        for c in sorted(self.chars, key=lambda c: c["x0"]):
            if out and c["x0"] - out[-1].x1 < gap * (c["bottom"] - c["top"]):
                out[-1].chars.append(c)
            else:
                out.append(Line([c]))
        return out


def lines_of(chars) -> list:
    """Characters grouped into lines, top to bottom (tops within half a character)."""
    lines = []
    for c in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if lines and c["top"] - lines[-1].chars[0]["top"] < 0.5 * (c["bottom"] - c["top"]):
            lines[-1].chars.append(c)
        else:
            lines.append(Line([c]))
    return lines


def join_lines(lines, right: float) -> tuple:
    """(text, whether its last line is full) of a cell's lines: a line reaching ``right`` (its
    column's right edge) wraps into the next with no separator (a space between two ASCII
    letters or digits); after a shorter line the line break is kept."""
    out, full = "", False
    for line in lines:
        text = line.text
        if out:
            out += (" " if out[-1].isascii() and out[-1].isalnum() and text[0].isascii() else "") if full else "\n"
        out += text
        full = line.x1 >= right - WRAP * line.size
    return out, full


def _inside(w, box) -> bool:
    cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _is_footer(line, page) -> bool:
    text = unicodedata.normalize("NFKC", line.text).strip()
    in_margin = line.top > page.height * (1 - MARGIN) or line.bottom < page.height * MARGIN
    centred = abs((line.x0 + line.x1) / 2 - page.width / 2) < page.width * 0.1
    return in_margin and (bool(FOOTER.match(text)) or (text.isdigit() and centred))


@dataclass
class _Table:
    """The results table being read: its roles ({role: column}), and for an unruled layout the x
    positions separating its columns."""
    roles: dict
    ncols: int
    separators: list = field(default_factory=list)
    ruled: bool = True


class _Reader:
    def __init__(self, path, given, problems):
        self.path, self.given, self.problems = path, given, problems
        self.table = None
        self.rows = []  # ({role: (text, whether its last line is full)}, page)
        self.outside = []  # lines of text around the table
        self.header_seen = False

    # -- ruled tables --------------------------------------------------------------------------
    def ruled(self, page, found, chars) -> list:
        """The results tables among pdfplumber's tables of ``page``; their rows are read."""
        used = []
        for t in found:
            grid, ncols = self._grid(t, chars)
            start, roles = next(((i, r) for i, r in ((i, header_roles(self._texts(row), self.given))
                                                     for i, row in enumerate(grid[:3])) if r), (None, None))
            if roles:
                self.table = _Table(roles, ncols)
                self.header_seen = True
                header = self._texts(grid[start])
                body = [row for row in grid[start + 1:] if self._texts(row) != header]
            elif self.table and self.table.ruled and ncols == self.table.ncols:
                body = grid  # the table continues from the page before, without its header
            else:
                continue
            used.append(t.bbox)
            for k, row in enumerate(body):
                if isinstance(row, str):
                    self.problems.append(f"{self.path}: page {page.page_number}: a row spanning the whole "
                                         f"table (a heading) left out: {row[:40]!r}")
                    continue
                cells = {role: join_lines(*row[i]) for role, i in self.table.roles.items()}
                self.add(cells, page.page_number, k == 0)
        return used

    @staticmethod
    def _texts(row):
        return ["".join(l.text for l in lines) for lines, _ in row] if isinstance(row, list) else []

    @staticmethod
    def _grid(t, chars) -> tuple:
        """(rows × columns of (cell lines, the cell's right edge for text), the number of
        columns); a cell merged over rows gives each of them its lines, over columns only the
        first; a row that is one cell across the table is its text (a heading)."""
        def edges(values):
            out = []
            for v in sorted(values):
                if not out or v - out[-1] > 1:
                    out.append(v)
            return out

        xs, ys = edges(c[0] for c in t.cells), edges(c[1] for c in t.cells)
        cache, grid = {}, []
        for y in ys:
            row = []
            for x in xs:
                cell = next((c for c in t.cells if c[0] - 1 <= x + 0.5 < c[2] and c[1] - 1 <= y + 0.5 < c[3]), None)
                if cell is None or abs(cell[0] - x) > 1:
                    row.append(([], 0.0))
                    continue
                if cell not in cache:
                    lines = lines_of([c for c in chars if _inside(c, cell)])
                    padding = min((l.x0 for l in lines), default=cell[0]) - cell[0]
                    cache[cell] = (lines, cell[2] - padding)
                row.append(cache[cell])
            starting = [c for c in t.cells if abs(c[1] - y) <= 1]
            whole = len(xs) > 1 and len(starting) == 1 and starting[0][0] <= t.bbox[0] + 1 \
                and starting[0][2] >= t.bbox[2] - 1
            grid.append(" ".join(l.text for l in row[0][0]) if whole else row)
        return grid, len(xs)

    # -- unruled layouts -----------------------------------------------------------------------
    def unruled(self, page, lines):
        """Read an unruled column layout: a header line starts (or restarts) the table; without
        one, a table from the page before continues; every other line is text around it."""
        start = None
        for k, line in enumerate(lines):
            phrases = line.runs(1.0)
            roles = header_roles([p.text for p in phrases], self.given) if len(phrases) > 1 else None
            if roles:
                start = k
                break
        if start is not None:
            self.outside += [l.text for l in lines[:start]]
            body = lines[start + 1:]
            centres = [(p.x0 + p.x1) / 2 for p in lines[start].runs(1.0)]
            self.table = _Table(roles, len(centres), self._separators(centres, body, page), ruled=False)
            self.header_seen = True
        elif self.table and not self.table.ruled:
            body = lines
        else:
            self.outside += [l.text for l in lines]
            return
        self._unruled_rows(page, body)

    def _separators(self, centres, lines, page) -> list:
        """Between each two header names, the middle of the widest run of x positions that the
        fewest characters of the lines below cross."""
        lo, hi = int(min(centres)), int(max(centres)) + 1
        counts = [0] * (hi - lo + 1)
        for line in lines:
            for w in line.chars:
                for x in range(max(lo, int(w["x0"]) + 1), min(hi, int(w["x1"])) + 1):
                    counts[x - lo] += 1
        seps = []
        for a, b in zip(centres, centres[1:]):
            span = range(int(a) - lo + 1, int(b) - lo)
            if not span:
                seps.append((a + b) / 2)
                continue
            least = min(counts[i] for i in span)
            runs = []
            for i in span:
                if counts[i] == least:
                    if runs and runs[-1][1] == i - 1:
                        runs[-1][1] = i
                    else:
                        runs.append([i, i])
            first, last = max(runs, key=lambda r: r[1] - r[0])
            sep = lo + (first + last) / 2
            if least > 0:
                self.problems.append(f"{self.path}: page {page.page_number}: no clear gap between the columns "
                                     f"at x≈{sep:.0f} ({least} characters cross it)")
            seps.append(sep)
        return seps

    def _unruled_rows(self, page, lines):
        seps, roles = self.table.separators, self.table.roles
        bounds = [float("-inf")] + seps + [float("inf")]
        columns = [[] for _ in range(len(bounds) - 1)]
        inside = []
        for line in lines:
            runs = line.runs(0.5)
            cols = [next((j for j in range(len(columns)) if bounds[j] <= r.x0 + 1 and r.x1 - 1 <= bounds[j + 1]),
                         None) for r in runs]
            if None in cols:
                self.outside.append(line.text)
                if inside:
                    self.problems.append(f"{self.path}: page {page.page_number}: a line across the columns "
                                         f"inside the table left out: {line.text[:40]!r}")
                continue
            inside.append(line)
            for r, j in zip(runs, cols):
                columns[j] += r.chars
        col_lines = [lines_of(ws) for ws in columns]
        rights = [max([l.x1 for l in ls], default=0.0) for ls in col_lines]
        starts = self._row_starts(col_lines, roles)
        if not inside:
            return
        if not starts or starts[0] > min(l.top for l in inside) + 0.1:
            starts = [min(l.top for l in inside) - 0.1] + starts
            first_continues = True
        else:
            first_continues = False
        tol = 0.3 * min(l.size for l in inside)
        for k, top in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else float("inf")
            cells = {role: join_lines([l for l in col_lines[i] if top - tol <= l.top < end - tol], rights[i])
                     for role, i in roles.items()}
            self.add(cells, page.page_number, k == 0 and first_continues)

    @staticmethod
    def _row_starts(col_lines, roles) -> list:
        """Tops of the lines where rows start: the number column's numbers, or else a vertical gap
        of more than half a line across every column."""
        if "number" in roles:
            return [l.top for l in col_lines[roles["number"]] if NUMBER.match(clean_number(l.text))]
        every = sorted((l for ls in col_lines for l in ls), key=lambda l: l.top)
        starts, bottom = [], None
        for l in every:
            if bottom is None or l.top - bottom > 0.5 * l.size:
                starts.append(l.top)
            bottom = l.bottom if bottom is None else max(bottom, l.bottom)
        return starts

    # -- rows ----------------------------------------------------------------------------------
    def add(self, cells, page, at_top):
        """A row; at the top of a page, a row without its number (or opinion) continues the last."""
        key = "number" if "number" in cells else "opinion"
        if at_top and self.rows and not cells[key][0].strip():
            prev = self.rows[-1][0]
            for role, (text, full) in cells.items():
                before, was_full = prev.get(role, ("", False))
                if text:
                    sep = "" if not before else ("" if was_full else "\n")
                    prev[role] = (before + sep + text, full)
            return
        self.rows.append((cells, page))


def read_pdf(path, opinion_column=None, response_column=None, category_column=None, number_column=None,
             acknowledge_difference=0) -> Document:
    """The results table of a PDF; see the module docstring."""
    import pdfplumber

    path = Path(path)
    given = {"opinion": opinion_column, "response": response_column, "category": category_column,
             "number": number_column}
    doc = Document(str(path), "pdf")
    reader = _Reader(path, {k: v for k, v in given.items() if v}, doc.problems)
    try:
        pdf = pdfplumber.open(path)
    except Exception as e:  # pdfminer raises many kinds for a damaged, encrypted or non-PDF file
        raise DocumentFormatError(f"{path}: not a readable PDF ({type(e).__name__}: {e})") from None
    with pdf:
        pages = pdf.pages
        try:
            chars = [len(p.chars) for p in pages]
        except Exception as e:
            raise DocumentFormatError(f"{path}: not a readable PDF ({type(e).__name__}: {e})") from None
        if not any(chars):
            images = sum(len(p.images) for p in pages)
            raise NoTextLayerError(
                f"{path}: the PDF has no text layer ({len(pages)} page{'s' * (len(pages) != 1)}"
                + (f", {images} image{'s' * (images != 1)}: a scanned document" if images else ", no text at all")
                + "). This reader reads a PDF's text, it does no OCR: get the text version of the results "
                "(a PDF made from the original, or the CSV/XLSX), or run OCR first (e.g. ocrmypdf -l jpn)")
        for page, n in zip(pages, chars):
            if not n:
                doc.problems.append(f"{path}: page {page.page_number} has no text layer"
                                    f"{' (an image only: scanned?)' if page.images else ''}; rows on it cannot be read")
                continue
            chars = [c for c in page.chars if c["text"].strip()]
            used = reader.ruled(page, page.find_tables(), chars)
            rest = [c for c in chars if not any(_inside(c, b) for b in used)]
            lines = [l for l in lines_of(rest) if not _is_footer(l, page)]
            if used:
                reader.outside += [l.text for l in lines]
            else:
                reader.unruled(page, lines)
        if not reader.header_seen:
            missing_header(path, reader.given, "\n".join(p.extract_text() or "" for p in pages))
    build_records(doc, [({r: t for r, (t, _) in cells.items()}, page, f"page {page}")
                        for cells, page in reader.rows], "\n".join(reader.outside), acknowledge_difference)
    return doc
