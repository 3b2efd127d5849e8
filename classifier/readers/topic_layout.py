"""The layout of a 3-column No. | 意見 | 考え方 table extracted from a PDF whose answers are
``■<topic>について`` blocks (小牧市 style), as a sequence of items in document order.

Page footers (``N ページ``) and the repeated table header are dropped; bare number lines and
inline numbers (``9 第一期…``) are submitter numbers; a ■ line starts an answer block, whose
text continues while lines fit the answer column (narrower than the opinion column); anything
else is opinion text. Only the layout is read here: which opinion and which answers belong to
which submitter is decided in ``topic_pairing``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..exceptions import DocumentFormatError
from ..text import normalize
from .common import read_text, refuse

FOOTER = re.compile(r"^(?:\d+\s*(?:ページ|頁)|[-－‐]\s*\d+\s*[-－‐])$")
NUMBER = re.compile(r"^[0-9]{1,4}$")  # half-width only: full-width digits (１　…) are the opinions' own items
INLINE_NUMBER = re.compile(r"^([0-9]{1,4}) (\S.*)$")
POINTER = re.compile(r"^「No\.?\s*(\d+)\s*(?:[（(]([^）)]*)[）)])?」\s*([^「」。]*?)[、,]?\s*(?:への|の)回答のとおりです。\s*")
CONNECTIVE = re.compile(r"^(また|なお|さらに|加えて|ただし|その上で|そのため|このため|そうした中|一方)[、,]")
EXPECTED = "a No. / 意見 / 考え方 table whose answers are ■<topic> blocks"


def width(line: str) -> float:
    """Display width: full-width (and ambiguous-width) characters 1, others 0.5."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.5 for c in line)


def is_pointer_line(line: str) -> bool:
    return bool(POINTER.match(normalize(line))) and normalize(line).endswith("のとおりです。")


@dataclass
class Block:
    ordinal: int  # the k-th ■ line of the document, 1-based
    line: int
    page: int
    title: str  # the ■ line without ■
    lines: list = field(default_factory=list)  # [(line number, text)] of the answer

    @property
    def end(self) -> int:
        return self.lines[-1][0] if self.lines else self.line


@dataclass
class Item:
    kind: str  # "number", "opinion", "block" or "page" (a page break)
    line: int
    page: int
    text: str = ""  # opinion text
    number: int = 0  # submitter number
    inline: bool = False  # number printed on the same line as the opinion's first text
    block: Block | None = None


@dataclass
class Layout:
    path: str
    items: list
    blocks: list
    answer_width: float
    opinion_width: float
    notes: list = field(default_factory=list)  # line numbers left out (notes after the table)

    def numbers_on(self, page: int) -> list:
        return [i.number for i in self.items if i.kind == "number" and i.page == page]

    def opinion_lines(self) -> list:
        return [i for i in self.items if i.kind == "opinion"]


def _header(lines) -> tuple:
    """(index of the first header's No. line, the set of header lines) or (None, None)."""
    for i, line in enumerate(lines):
        if not re.fullmatch(r"No\.?", line.strip()):
            continue
        heads = [l.strip() for l in lines[i + 1:i + 10] if l.strip() and not NUMBER.match(l.strip())][:2]
        if len(heads) == 2 and "意見" in heads[0] and "考え方" in heads[1]:
            return i, {line.strip(), *heads}
    return None, None


def parse_layout(path, answer_width=None) -> Layout:
    """Read the document into items; refuse it (NotAResultsDocumentError) if it has no such table."""
    text = read_text(path)
    lines = text.splitlines()
    start, header = _header(lines)
    if start is None or not any(l.startswith("■") for l in lines[start:]):
        refuse(path, text, EXPECTED)
    if answer_width is None:  # the widest first line of an answer
        answer_width = max(width(lines[i + 1].strip()) for i in range(start, len(lines) - 1)
                           if lines[i].startswith("■"))
    answer_width = float(answer_width)
    items, blocks, page, last = [], [], 1, 0
    block = None

    def close(before_wide: bool):
        """End the open block; with ``before_wide``, its trailing one-line paragraphs that are not
        the answer's (no pointer sentence, no connective such as また、) go to the opinion."""
        nonlocal block
        if block is None:
            return
        moved = []
        while before_wide and len(block.lines) > 1:
            n, t = block.lines[-1]
            if width(block.lines[-2][1]) >= answer_width - 3 or is_pointer_line(t) or CONNECTIVE.match(normalize(t)):
                break  # continues a paragraph of the answer, or is the answer's own
            moved.insert(0, block.lines.pop())
        if not block.lines:
            raise DocumentFormatError(f"{path}:{block.line}: answer block ■{block.title} has no text")
        block = None
        items.extend(Item("opinion", n, page, text=t) for n, t in moved)

    for n, raw in enumerate(lines[start:], start + 1):
        line = raw.strip()
        if not line or line in header:
            continue
        inline = INLINE_NUMBER.match(line)
        if FOOTER.match(line):
            close(False)
            items.append(Item("page", n, page))
            page += 1
        elif NUMBER.match(line):
            close(False)
            last = int(line)
            items.append(Item("number", n, page, number=last))
        elif inline and int(inline.group(1)) == last + 1:
            close(False)
            last = int(inline.group(1))
            items.append(Item("number", n, page, number=last, inline=True))
            items.append(Item("opinion", n, page, text=inline.group(2).strip()))
        elif line.startswith("■"):
            close(False)
            block = Block(len(blocks) + 1, n, page, line[1:].strip())
            blocks.append(block)
            items.append(Item("block", n, page, block=block))
        elif block is not None and width(line) <= answer_width + 1:
            block.lines.append((n, line))
        else:
            close(True)
            items.append(Item("opinion", n, page, text=line))
    close(False)
    tail = len(items)
    while tail and (items[tail - 1].kind == "page" or items[tail - 1].text.startswith("※")):
        tail -= 1
    notes = []
    if tail and items[tail - 1].kind == "number":  # ※ lines after the last number run: the document's notes
        notes = [i.line for i in items[tail:] if i.kind == "opinion"]
        items = items[:tail] + [i for i in items[tail:] if i.kind == "page"]
    ops = sorted(width(i.text) for i in items if i.kind == "opinion")
    opinion_width = ops[int(0.75 * (len(ops) - 1))] if ops else answer_width
    return Layout(str(path), items, blocks, answer_width, max(opinion_width, answer_width), notes)


def join_wrapped(lines, full: float) -> str:
    """Hard-wrapped ``[(line number, text)]`` joined: no separator inside a paragraph, a space
    after a line shorter than ``full`` (a paragraph's last line) or where lines are not
    adjacent in the file; normalized."""
    out = ""
    for k, (n, line) in enumerate(lines):
        out += line
        if k + 1 < len(lines) and (width(line) < full or lines[k + 1][0] != n + 1):
            out += " "
    return normalize(out)


def block_text(layout: Layout, block: Block) -> str:
    return join_wrapped(block.lines, layout.answer_width - 3)


def opinion_text(layout: Layout, lines) -> str:
    return join_wrapped(lines, layout.opinion_width - 3)


@dataclass
class Pointer:
    number: int  # No.N pointed to
    topic: str  # the topic named in the pointer, else ""
    sentence: str  # the pointer sentence as published
    addition: str  # text of the block after the pointer sentence


def pointer_of(text: str) -> Pointer | None:
    """The pointer a block's (normalized) text starts with: 「No.N」の回答のとおりです。,
    「No.N（topic）」の回答…, 「No.N」topic、の回答…; None for an answer of its own."""
    m = POINTER.match(text)
    if not m:
        return None
    return Pointer(int(m.group(1)), (m.group(2) or m.group(3) or "").strip(), m.group(0).strip(), text[m.end():].strip())


def topic_key(title: str) -> str:
    """A topic title for comparison: NFKC, no ■, brackets, spaces or trailing について."""
    key = re.sub(r"[\s「」『』■]", "", unicodedata.normalize("NFKC", title))
    return re.sub(r"(について|に関して|に関すること)$", "", key)
