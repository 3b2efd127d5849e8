"""Which submitter each ■ answer block and each opinion line of a ``topic_layout`` belongs to.

From the text alone (``exact``): a lone submitter number printed right after an answer and
right before opinion text, or a number printed inline with the opinion (``9 第一期…``), starts
that submitter's opinion; if that opinion is followed only by answer blocks and then by the
next number (or the page's end), those blocks are its answers. Everything else is read by a
person and recorded in a pairing file (``what, at, submitter, reason``: ``block`` + ordinal, or
``opinion`` + the line where that submitter's opinion starts); ``submitter`` may name the
candidates (``29|30``) where even a reader cannot tell. Blocks the file does not cover stay
``ambiguous`` with their candidates (the submitters the order and the page allow).

Checked: the numbers run 1..N (a number may repeat when its row goes on), both streams are in
submitter order, every submitter has an answer, and every assignment is to a submitter listed
on that page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import CountMismatchError, DataFileError, DocumentFormatError
from .topic_layout import Layout, block_text, pointer_of

COLUMNS = ["what", "at", "submitter", "reason"]


@dataclass
class Entry:
    what: str  # "block" or "opinion"
    at: int  # block ordinal, or line of the opinion's start
    submitters: tuple
    reason: str
    where: str  # file:line


def read_pairing(path) -> list:
    """The entries of a pairing file (tab-separated, ``#`` comments), validated."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path}: pairing file not found")
    entries, seen = [], {}
    with open(path, encoding="utf-8") as f:
        rows = [(n, l.rstrip("\r\n")) for n, l in enumerate(f, 1) if l.strip() and not l.startswith("#")]
    if not rows or rows[0][1].split("\t") != COLUMNS:
        raise DataFileError(f"{path}:{rows[0][0] if rows else 1}: header must be {'<TAB>'.join(COLUMNS)}")
    for n, line in rows[1:]:
        where = f"{path.name}:{n}"
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) != len(COLUMNS):
            raise DataFileError(f"{path}:{n}: expected {len(COLUMNS)} tab-separated fields, got {len(parts)}")
        what, at, who, reason = parts
        if what not in ("block", "opinion"):
            raise DataFileError(f"{path}:{n}: what must be block or opinion, got {what!r}")
        if not at.isdigit() or not all(s.isdigit() for s in who.split("|")):
            raise DataFileError(f"{path}:{n}: at and submitter must be numbers (submitter: N or N|M…), got {at!r}, {who!r}")
        if not reason:
            raise DataFileError(f"{path}:{n}: every entry needs its reason")
        submitters = tuple(int(s) for s in who.split("|"))
        if what == "opinion" and len(submitters) != 1:
            raise DataFileError(f"{path}:{n}: an opinion start names one submitter")
        if (what, int(at)) in seen:
            raise DataFileError(f"{path}:{n}: {what} {at} is already given at line {seen[what, int(at)]}")
        seen[what, int(at)] = n
        entries.append(Entry(what, int(at), submitters, reason, where))
    return entries


@dataclass
class Pairing:
    submitters: int  # N
    owner: dict  # block ordinal → submitter (blocks whose submitter is known)
    candidates: dict  # block ordinal → tuple of candidate submitters (the others)
    how: dict  # block ordinal → "exact", "read (file:line): reason" or "ambiguous: …"
    opinions: dict  # submitter → opinion lines [(line, text)] (known start and end)
    uncertain: dict = field(default_factory=dict)  # submitter → (first, last) of a run whose starts are unknown
    groups: dict = field(default_factory=dict)  # (first, last) → opinion lines of that run


def _numbers(layout: Layout) -> int:
    last = 0
    for item in (i for i in layout.items if i.kind == "number"):
        if item.number not in (last, last + 1):
            raise DocumentFormatError(f"{layout.path}:{item.line}: submitter number {item.number} out of sequence "
                                      f"(after {last}, expected {last} or {last + 1})")
        last = item.number
    if not last:
        raise DocumentFormatError(f"{layout.path}: no submitter numbers found")
    return last


def _anchors(layout: Layout) -> dict:
    """submitter → index (in items) of the opinion line the text proves starts their opinion."""
    content = [k for k, i in enumerate(layout.items) if i.kind != "page"]
    out, last = {}, 0
    for pos, k in enumerate(content):
        item = layout.items[k]
        if item.kind != "number":
            continue
        new, last = item.number == last + 1, item.number
        before = layout.items[content[pos - 1]] if pos else None
        after = layout.items[content[pos + 1]] if pos + 1 < len(content) else None
        if not new or after is None or after.kind != "opinion":
            continue
        if item.inline or before is None or before.kind == "block":
            out[item.number] = content[pos + 1]
    return out


def _opinion_owners(layout: Layout, starts: dict, n: int) -> tuple:
    """(known opinions {submitter: lines}, uncertain {submitter: run}, groups {run: lines})."""
    by_index = {k: s for s, k in starts.items()}
    known, groups, current = {}, {}, None
    ordered = sorted(starts)
    for k, item in enumerate(layout.items):
        if k in by_index:
            current = by_index[k]
        if item.kind != "opinion":
            continue
        if current is None and ordered and ordered[0] == 1:
            raise DocumentFormatError(f"{layout.path}:{item.line}: opinion text before No.1's opinion "
                                      f"(line {layout.items[starts[1]].line})")
        if current is None:
            first, last = 1, (ordered[0] - 1 if ordered else n)
        else:
            nxt = next((s for s in ordered if s > current), n + 1)
            first, last = current, nxt - 1
        if first == last:
            known.setdefault(first, []).append((item.line, item.text))
        else:
            groups.setdefault((first, last), []).append((item.line, item.text))
    uncertain = {s: run for run in groups for s in range(run[0], run[1] + 1)}
    return known, uncertain, groups


def _exact_blocks(layout: Layout, anchors: dict, known: dict) -> dict:
    """block ordinal → submitter for the cells the text delimits: anchored opinion, blocks, next number."""
    out = {}
    for s, k in anchors.items():
        items, j, cell_lines, cell_blocks = layout.items, k, [], []
        while j < len(items) and items[j].kind == "opinion":
            cell_lines.append(items[j].line)
            j += 1
        while j < len(items) and items[j].kind == "block":
            cell_blocks.append(items[j].block)
            j += 1
        end = items[j] if j < len(items) else None
        closed = end is None or (end.kind == "number" and end.number == s + 1) or (
            end.kind == "page" and s not in layout.numbers_on(end.page + 1))
        own = [b for b in cell_blocks if (p := pointer_of(block_text(layout, b))) and p.number == s]
        if closed and cell_blocks and not own and [l for l, _ in known.get(s, [])] == cell_lines:
            out.update({b.ordinal: s for b in cell_blocks})
    return out


def spans(numbers) -> str:
    numbers, out = sorted(set(numbers)), []
    for x in numbers:
        if out and x == out[-1][1] + 1:
            out[-1][1] = x
        else:
            out.append([x, x])
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in out)


def pair(layout: Layout, entries=()) -> Pairing:
    """Pair blocks and opinion lines with submitters; see the module docstring."""
    n = _numbers(layout)
    anchors = _anchors(layout)
    line_index = {i.line: k for k, i in enumerate(layout.items) if i.kind == "opinion"}
    starts, given_by = dict(anchors), {}
    for e in (e for e in entries if e.what == "opinion"):
        s = e.submitters[0]
        if not 1 <= s <= n:
            raise DataFileError(f"{e.where}: No.{s} is not a submitter of this document (1–{n})")
        if e.at not in line_index:
            raise DataFileError(f"{e.where}: line {e.at} of {Path(layout.path).name} is not opinion text")
        if s in anchors:
            raise DataFileError(f"{e.where}: No.{s}'s opinion start is given by the text "
                                f"(line {layout.items[anchors[s]].line}); remove the entry")
        if s in starts:
            raise DataFileError(f"{e.where}: No.{s}'s opinion start is given twice")
        starts[s], given_by[s] = line_index[e.at], e.where
    ordered = sorted(starts)
    for a, b in zip(ordered, ordered[1:]):
        if starts[a] >= starts[b]:
            where = ", ".join(given_by[s] for s in (a, b) if s in given_by)
            raise DataFileError(f"{where}: opinion of No.{b} (line {layout.items[starts[b]].line}) does not come "
                                f"after No.{a}'s (line {layout.items[starts[a]].line}); opinions are in submitter order")
    known, uncertain, groups = _opinion_owners(layout, starts, n)
    exact = _exact_blocks(layout, anchors, known)
    owner, how = dict(exact), {b: "exact" for b in exact}
    given = {}
    for e in (e for e in entries if e.what == "block"):
        if not 1 <= e.at <= len(layout.blocks):
            raise DataFileError(f"{e.where}: no block {e.at} (the document has {len(layout.blocks)} ■ blocks)")
        if e.at in exact:
            raise DataFileError(f"{e.where}: block {e.at} is paired by the text (No.{exact[e.at]}); remove the entry")
        bad = [s for s in e.submitters if not 1 <= s <= n]
        if bad:
            raise DataFileError(f"{e.where}: No.{bad[0]} is not a submitter of this document (1–{n})")
        given[e.at] = e
    candidates = {}
    for b in layout.blocks:
        e = given.get(b.ordinal)
        if e and len(e.submitters) == 1:
            owner[b.ordinal], how[b.ordinal] = e.submitters[0], f"read ({e.where}): {e.reason}"
        elif e:
            candidates[b.ordinal] = e.submitters
            how[b.ordinal] = f"ambiguous ({e.where}): {e.reason}"
    _check_order(layout, owner, given)
    for b in layout.blocks:
        if b.ordinal in owner or b.ordinal in candidates:
            continue
        lo = max((owner[o] for o in owner if o < b.ordinal), default=1)
        hi = min((owner[o] for o in owner if o > b.ordinal), default=n)
        cands = tuple(s for s in range(lo, hi + 1) if s in layout.numbers_on(b.page)) or tuple(range(lo, hi + 1))
        if len(cands) == 1:
            owner[b.ordinal] = cands[0]
            how[b.ordinal] = f"inferred: the order of the answers and page {b.page}'s numbers leave only No.{cands[0]}"
            continue
        candidates[b.ordinal] = cands
        how[b.ordinal] = (f"ambiguous: page {b.page} lists Nos. {spans(layout.numbers_on(b.page))} and the text "
                          f"does not show which of Nos. {spans(cands)} this answer belongs to")
    _check_pages(layout, owner, known, given, starts)
    answered = set(owner.values()) | {s for c in candidates.values() for s in c}
    missing = [s for s in range(1, n + 1) if s not in answered]
    if missing:
        raise CountMismatchError(f"{layout.path}: No. {spans(missing)} has no answer block")
    return Pairing(n, owner, candidates, how, known, uncertain, groups)


def _check_order(layout, owner, given):
    last = (0, None)
    for b in layout.blocks:
        if b.ordinal not in owner:
            continue
        if owner[b.ordinal] < last[0]:
            where = ", ".join(given[o].where for o in (last[1], b.ordinal) if o in given)
            raise DataFileError(f"{where}: block {b.ordinal} (No.{owner[b.ordinal]}) comes after block {last[1]} "
                                f"(No.{last[0]}); answers are in submitter order")
        last = (owner[b.ordinal], b.ordinal)


def _check_pages(layout, owner, known, given, starts):
    for b in layout.blocks:
        s = owner.get(b.ordinal)
        if s is not None and s not in layout.numbers_on(b.page):
            where = given[b.ordinal].where if b.ordinal in given else layout.path
            raise DataFileError(f"{where}: block {b.ordinal} (line {b.line}) is on page {b.page}, whose number column "
                                f"lists Nos. {spans(layout.numbers_on(b.page))}, not {s}")
    page_of = {i.line: i.page for i in layout.items if i.kind == "opinion"}
    for s, lines in known.items():
        off = [l for l, _ in lines if s not in layout.numbers_on(page_of[l])]
        if off:
            raise DocumentFormatError(f"{layout.path}:{off[0]}: opinion text of No.{s} (from line "
                                      f"{layout.items[starts[s]].line}) on page {page_of[off[0]]}, which does not list "
                                      f"No.{s}; a pairing entry for the next opinion's start is missing or wrong")
