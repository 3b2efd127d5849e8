"""Reader ``html``: results published as a web page (lxml).

Two shapes. ``<table>`` results whose header cells name the columns as a table's do (columns.tsv:
No., 意見の概要, 市の考え方, 区分, …; rowspan and colspan expanded, so a 市の考え方 cell spanning rows
gives each row its text; a row that is one cell across the table is a heading, left out; a header
repeated inside the table is dropped). Or, on a page with no such table, the 西東京市-style list of
blocks, each part a label in brackets and its text: ``[お寄せいただいた意見] … [市の検討結果と理由] …``
(labels named as columns are, in [ ], ［ ］ or 【 】; a number before a block — a heading ``1 計画全般
について``, a line ``No.1`` or a ``[番号]`` label — is its number). A block ends at the next one, at
a heading or rule, or where the element holding the blocks ends.

Markup is stripped as everywhere (``classifier.text.normalize``; scripts, styles and comments
dropped); ``<br>`` and block elements are line breaks and are kept. The text outside the results
gives the legend of the categories and the count the page states (see ``common``). Options:
``opinion_column``, ``response_column``, ``category_column``, ``number_column``, ``encoding`` (default:
the page's meta charset, else UTF-8 or CP932) and ``acknowledge_difference``. ``Record.line`` is the
line of the page's source where the row starts.
"""
from __future__ import annotations

import copy
import re
import unicodedata
from pathlib import Path

from ..exceptions import DocumentFormatError
from ..tables import decode
from ..text import normalize
from .common import Document, build_records, header_roles, missing_header, role_of

BLOCK = {"address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt", "figcaption",
         "figure", "footer", "form", "header", "li", "main", "nav", "ol", "p", "pre", "section", "table",
         "tbody", "td", "tfoot", "th", "thead", "tr", "ul"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
DROPPED = ("script", "style", "noscript", "template")
CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
ALIASES = {"shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "windows-31j": "cp932",
           "ms932": "cp932"}
MARKER = re.compile(r"^[\[【〔〈<]\s*([^\]】〕〉>]{1,30}?)\s*[\]】〕〉>]\s*(.*)$")
HEADING_NUMBER = re.compile(r"^(?:No\.?|番号|意見番号|意見)?\s*[(]?(\d+(?:[-‐]\d+)*)[)]?(?:[\s.、:]|$)")
NUMBER_LINE = re.compile(r"^(?:No\.?|番号|意見番号)?\s*[(]?(\d+(?:[-‐]\d+)*)[)]?$")


def parse_page(path, encoding=None):
    """The page's element tree (lxml.html), scripts, styles and comments removed."""
    import lxml.html
    from lxml import etree

    data = Path(path).read_bytes()
    if not encoding:
        m = CHARSET.search(data[:4096])
        encoding = m.group(1).decode("ascii").lower() if m else None
        encoding = ALIASES.get(encoding, encoding)
    try:
        text = decode(data, encoding, name=str(path))[0]
    except Exception:
        text = decode(data, None, name=str(path))[0]  # a wrong meta charset: UTF-8 or CP932
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise DocumentFormatError(f"{path}: empty page")
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as e:
        raise DocumentFormatError(f"{path}: not a readable HTML page ({e})") from None
    for el in root.xpath("//script|//style|//noscript|//template|//comment()|//processing-instruction()"):
        el.drop_tree()
    return root


def text_of(el) -> str:
    """The text of ``el``: a line break at <br> and around block elements."""
    parts = []

    def walk(e):
        tag = e.tag if isinstance(e.tag, str) else ""
        if tag == "br":
            parts.append("\n")
        elif tag in BLOCK or tag in HEADINGS:
            parts.append("\n")
        if e.text:
            parts.append(e.text)
        for child in e:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in BLOCK or tag in HEADINGS:
            parts.append("\n")

    walk(el)
    return "".join(parts)


def _span(value, default=1, top=1000) -> int:
    try:
        return max(0, min(int(str(value).strip() or default), top))
    except ValueError:
        return default


def grid_of(table) -> list:
    """The rows of ``table`` (not of tables inside it) as (cells, line, heading): rowspan and
    colspan expanded, a spanned cell's text in every row it spans and in the first column only;
    ``heading`` when the row is one cell across the table."""
    trs = [tr for tr in table.iter("tr") if next(tr.iterancestors("table"), None) is table]
    pending, rows = {}, []  # column → [rows left, text]
    for tr in trs:
        row = {c: t for c, (_, t) in pending.items()}
        pending = {c: [left - 1, t] for c, (left, t) in pending.items() if left > 1}
        col, tds = 0, [td for td in tr if td.tag in ("td", "th")]
        for td in tds:
            while col in row:
                col += 1
            text = text_of(td)
            rs = _span(td.get("rowspan")) or len(trs)
            for k in range(max(1, _span(td.get("colspan")))):
                row[col + k] = text if k == 0 else ""
                if rs > 1:
                    pending[col + k] = [rs - 1, row[col + k]]
            col += max(1, _span(td.get("colspan")))
        width = max(row) + 1 if row else 0
        heading = len(tds) == 1 and _span(tds[0].get("colspan")) > 1 and not (set(row) - set(range(width)))
        rows.append(([row.get(c, "") for c in range(width)], tr.sourceline or 0, heading))
    width = max((len(r[0]) for r in rows), default=0)
    return [(cells + [""] * (width - len(cells)), line, heading and len(cells) == width) for cells, line, heading in rows]


def _table_rows(path, root, given, problems) -> tuple:
    """(rows, the results tables) of every table with a results header."""
    rows, used = [], []
    for table in root.iter("table"):
        grid = grid_of(table)
        found = next(((i, r) for i, r in ((i, header_roles(g[0], given)) for i, g in enumerate(grid[:3])) if r), None)
        if not found:
            continue
        start, roles = found
        used.append(table)
        header = grid[start][0]
        for cells, line, heading in grid[start + 1:]:
            if cells == header:
                continue
            if heading:
                problems.append(f"{path}:{line}: a row spanning the whole table (a heading) left out: "
                                f"{normalize(cells[0])[:40]!r}")
                continue
            rows.append(({role: cells[i] for role, i in roles.items()}, line, f"line {line}"))
    return rows, used


def _items(root) -> list:
    """The page as lines in reading order: (kind, text, line, element) with kind "text", "heading"
    or "rule"; ``element`` is the block element the line belongs to."""
    items, buf = [], []

    def flush():
        text = "".join(t for t, _, _ in buf)
        if text.strip():
            items.append(("text", text, buf[0][1], buf[0][2]))
        buf.clear()

    def walk(e, block):
        tag = e.tag if isinstance(e.tag, str) else ""
        if tag in HEADINGS:
            flush()
            items.append(("heading", " ".join(text_of(e).split()), e.sourceline or 0, e))
            return
        if tag == "hr":
            flush()
            items.append(("rule", "", e.sourceline or 0, e))
            return
        if tag == "br" or tag in BLOCK:
            flush()
        block = e if tag in BLOCK else block
        if e.text:
            buf.append((e.text, e.sourceline or 0, block))
        for child in e:
            walk(child, block)
            if child.tail:
                buf.append((child.tail, child.sourceline or 0, block))
        if tag in BLOCK:
            flush()

    walk(root, root)
    flush()
    return items


def _marker(text, given):
    """(role, the text after the label) for a line starting with a bracketed label naming a role
    (as columns are named, or as ``given``: {role: label})."""
    m = MARKER.match(unicodedata.normalize("NFKC", text).strip())
    if m:
        label = m.group(1).strip()
        role = next((r for r, name in given.items() if name == label), None) or role_of(label)
        if role:
            return role, m.group(2)
    return None


def _block_rows(root, given) -> tuple:
    """(rows, outside text) of the 西東京市-style blocks of labelled parts."""
    items = [(kind, text, line, el, _marker(text, given) if kind == "text" else None)
             for kind, text, line, el in _items(root)]
    marked = [el for *_, el, mark in items if mark]
    if not any(mark and mark[0] == "opinion" for *_, mark in items):
        return [], "\n".join(item[1] for item in items)
    scope = set(marked[0].iterancestors()) | {marked[0]}
    for el in marked[1:]:
        scope &= set(el.iterancestors()) | {el}
    holder = max(scope, key=lambda e: len(list(e.iterancestors())))  # the innermost element holding every block
    rows, outside, cur, role, number = [], [], None, None, ""

    def close():
        nonlocal cur, role
        if cur is not None:
            rows.append(cur)
        cur, role = None, None

    for kind, text, line, el, mark in items:
        inside = el is holder or holder in el.iterancestors()
        plain = unicodedata.normalize("NFKC", text).strip()
        if not inside or kind != "text":
            if cur is not None and (not inside or role != "opinion" or kind == "rule"):
                close()
            if kind == "heading":
                m = HEADING_NUMBER.match(unicodedata.normalize("NFKC", text))
                number = m.group(1) if m and inside else ""
            outside.append(text)
            continue
        if mark:
            r, rest = mark
            if r == "number" or (r == "opinion" and not (cur and "opinion" not in cur[0])):
                close()
                cur = ({"number": number}, line, f"line {line}")
                number = ""
            if cur is None:
                outside.append(text)
                continue
            role = r
            cur[0][r] = "\n".join(p for p in (cur[0].get(r, ""), rest) if p)
        elif NUMBER_LINE.match(plain) and role not in (None, "opinion"):
            close()
            number = NUMBER_LINE.match(plain).group(1)
        elif cur is not None and role:
            cur[0][role] = "\n".join(p for p in (cur[0].get(role, ""), text) if p)
        else:
            outside.append(text)
    close()
    return rows, "\n".join(outside)


def read_html(path, opinion_column=None, response_column=None, category_column=None, number_column=None,
              encoding=None, acknowledge_difference=0) -> Document:
    """The results of a web page; see the module docstring."""
    path = Path(path)
    given = {k: v for k, v in {"opinion": opinion_column, "response": response_column,
                               "category": category_column, "number": number_column}.items() if v}
    root = parse_page(path, encoding)
    doc = Document(str(path), "html")
    rows, used = _table_rows(path, root, given, doc.problems)
    if used:
        rest = copy.deepcopy(root)  # the page without its results tables
        for original, table in list(zip(root.iter("table"), rest.iter("table"))):
            if original in used:
                table.drop_tree()
        outside = text_of(rest)
    else:
        rows, outside = _block_rows(root, given)
        if not rows:
            missing_header(path, given, text_of(root))
    build_records(doc, rows, outside, acknowledge_difference)
    return doc
