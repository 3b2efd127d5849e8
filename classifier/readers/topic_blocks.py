"""Reader ``topic_blocks``: a No. | 意見（原文） | 市の考え方 table extracted from a PDF whose
answer cells are sequences of ``■<topic>について`` blocks (小牧市 style).

One record per ■ block, in document order, keyed by its ordinal (``001``…): ``number`` is
``<submitter>-<position in that submitter's cell>``, ``opinion`` the submitter's opinion,
``response`` the answer — for a block that only points to another (「No.N」の回答のとおりです),
the answer pointed to (transitively; an explicit （topic） wins over the block's own title), with
the published text kept in ``response_published`` — and ``pairing`` how the block was paired
(see ``topic_pairing``).

Options: ``summary`` (a file stating ``N名より計M件``, next to the document; the submitters and
■ blocks are checked against it), ``pairing`` (the pairing file, next to the document),
``acknowledge_extra_blocks`` (a documented difference between the ■ blocks and the stated
opinions), ``answer_width`` (the answer column's width, default: measured).
"""
from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

from ..exceptions import CountMismatchError, DocumentFormatError, PointerError
from .common import Document, Record, read_text
from .topic_layout import block_text, opinion_text, parse_layout, pointer_of, topic_key
from .topic_pairing import pair, read_pairing, spans

SUMMARY = re.compile(r"(\d+)(?:名|人)(?:から|より)(?:計|合計)?(\d+)件")
MATCH_RATIO = 0.75  # a pointer's topic and a title that differ slightly (第１期学校再編の時期 / 第１期再編の時期)


def stated_counts(path) -> tuple:
    """(submitters, opinions) stated by a results summary (``５５名より計１４２件``; spaced-out
    characters, full-width digits and Kangxi radicals are read as what they show)."""
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", read_text(path)))
    m = SUMMARY.search(compact)
    if not m:
        raise DocumentFormatError(f"{path}: no statement of the submitters and opinions (N名より計M件) found")
    return int(m.group(1)), int(m.group(2))


def _check_counts(path, layout, pairing, summary, acknowledged, problems):
    name = Path(summary).name
    submitters, opinions = stated_counts(summary)
    if pairing.submitters != submitters:
        raise CountMismatchError(f"{path}: submitter numbers run 1–{pairing.submitters} but {name} states "
                                 f"{submitters} submitters")
    extra = len(layout.blocks) - opinions
    if extra == acknowledged == 0:
        return
    if extra != acknowledged:
        raise CountMismatchError(
            f"{path}: {len(layout.blocks)} ■ answer blocks but {name} states {opinions} opinions ({extra:+d})"
            + (f"; the option acknowledge_extra_blocks={acknowledged} does not match" if acknowledged else
               "; if the difference is the document's own (investigated and documented), acknowledge it "
               f"with acknowledge_extra_blocks={extra} in sources.tsv"))
    problems.append(f"{path}: {len(layout.blocks)} ■ answer blocks against {opinions} opinions stated in {name}: "
                    f"difference of {extra} acknowledged by acknowledge_extra_blocks={acknowledged}")


def _resolve(layout, pairing, problems) -> dict:
    """block ordinal → its answer text, pointers followed."""
    path = layout.path
    blocks = {b.ordinal: b for b in layout.blocks}
    texts = {o: block_text(layout, b) for o, b in blocks.items()}
    pointers = {o: pointer_of(t) for o, t in texts.items()}
    answers_of = {}
    for o in sorted(pairing.owner):
        answers_of.setdefault(pairing.owner[o], []).append(blocks[o])

    def target(b):
        p = pointers[b.ordinal]
        topic = p.topic or b.title
        said = f"{path}:{b.line}: block {b.ordinal} ■{b.title}: {p.sentence}"
        if not 1 <= p.number <= pairing.submitters:
            raise PointerError(f"{said}: No.{p.number} is not a submitter of this document (1–{pairing.submitters})")
        if pairing.owner.get(b.ordinal) == p.number:
            raise PointerError(f"{said} points to its own submitter")
        pool = answers_of.get(p.number, [])
        key = topic_key(topic)
        same = [c for c in pool if topic_key(c.title) == key]
        if len(same) == 1:
            return same[0]
        if len(same) > 1:
            raise PointerError(f"{said}: No.{p.number} has {len(same)} answers on ■{topic} "
                               f"(blocks {', '.join(str(c.ordinal) for c in same)})")
        if not pool:
            raise PointerError(f"{said} does not resolve: no answer of No.{p.number} is paired (the text does not "
                               "show which blocks are its; name them in a pairing file, option pairing=…)")
        scored = sorted(((SequenceMatcher(None, key, topic_key(c.title)).ratio(), -c.ordinal, c) for c in pool),
                        key=lambda x: x[:2], reverse=True)
        if scored and scored[0][0] >= MATCH_RATIO and (len(scored) == 1 or scored[1][0] < scored[0][0]):
            c = scored[0][2]
            problems.append(f"{path}:{b.line}: block {b.ordinal} ■{b.title} → No.{p.number}'s ■{c.title} "
                            f"(block {c.ordinal}): the titles differ slightly")
            return c
        topics = ", ".join(f"■{c.title}" for c in pool)
        raise PointerError(f"{said} does not resolve: No.{p.number} has no answer on ■{topic} (its answers: {topics})")

    resolved = {}

    def text(o, chain=()):
        if o not in resolved:
            p = pointers[o]
            if p is None:
                resolved[o] = texts[o]
            else:
                t = target(blocks[o])
                if t.ordinal in chain + (o,):
                    raise PointerError(f"{path}:{blocks[o].line}: block {o}: pointers go round in a circle "
                                       f"(blocks {', '.join(map(str, chain + (o, t.ordinal)))})")
                resolved[o] = (text(t.ordinal, chain + (o,)) + " " + p.addition).strip()
        return resolved[o]

    for o in blocks:
        text(o)
    return {o: (resolved[o], texts[o] if pointers[o] else "") for o in blocks}


def _opinion(layout, pairing, s) -> tuple:
    """(opinion text of submitter s, the run of submitters it is shared with if its bounds are unknown)."""
    if s in pairing.opinions:
        return opinion_text(layout, pairing.opinions[s]), None
    run = pairing.uncertain.get(s)
    return (opinion_text(layout, pairing.groups[run]), run) if run else ("", None)


def _page_problems(path, layout, pairing, name) -> list:
    """One line per page whose answers the text does not pair: which rows, and how they were paired."""
    out = []
    for page in sorted({b.page for b in layout.blocks}):
        bs = [b for b in layout.blocks if b.page == page and pairing.how[b.ordinal] != "exact"]
        if not bs:
            continue
        kinds = {"read": {}, "inferred": {}}
        for b in bs:
            kind = pairing.how[b.ordinal].split(" ")[0].rstrip(":")
            if b.ordinal in pairing.owner:
                kinds[kind].setdefault(pairing.owner[b.ordinal], []).append(b.ordinal)
        msg = (f"{path}: page {page} (Nos. {spans(layout.numbers_on(page))}): the text does not show where these rows' "
               f"opinions and answers divide")
        for kind, said in (("read", f"paired by reading ({name})"), ("inferred", "inferred from the order")):
            if kinds[kind]:
                msg += f"; {said}: " + "; ".join(f"No.{s} block{'s' if len(o) > 1 else ''} {spans(o)}"
                                                 for s, o in kinds[kind].items())
        amb = [b for b in bs if b.ordinal not in pairing.owner]
        if amb:
            msg += "; ambiguous: " + "; ".join(f"block {b.ordinal} (Nos. {spans(pairing.candidates[b.ordinal])})"
                                               for b in amb)
        out.append(msg)
    return out


def read_topic_blocks(path, summary=None, pairing=None, acknowledge_extra_blocks=0, answer_width=None) -> Document:
    """One record per ■ answer block; see the module docstring."""
    path = Path(path)
    layout = parse_layout(path, answer_width)
    entries = read_pairing(path.parent / pairing) if pairing else []
    paired = pair(layout, entries)
    doc = Document(str(path), "topic_blocks")
    if summary:
        _check_counts(path, layout, paired, path.parent / summary, int(acknowledge_extra_blocks), doc.problems)
        submitters, opinions = stated_counts(path.parent / summary)
        doc.stated, doc.stated_as = opinions, f"{summary}: {submitters}名より計{opinions}件"
    else:
        doc.problems.append(f"{path}: no summary named (option summary=…): the counts are not checked")
    answers = _resolve(layout, paired, doc.problems)
    doc.problems += _page_problems(path, layout, paired, pairing)
    if layout.notes:
        doc.problems.append(f"{path}: lines {spans(layout.notes)}: the document's notes after the table (※…) left out")
    width = max(3, len(str(len(layout.blocks))))
    position = {}
    for b in layout.blocks:
        s = paired.owner.get(b.ordinal)
        how = paired.how[b.ordinal]
        if s is not None:
            position[s] = position.get(s, 0) + 1
            number = f"{s}-{position[s]}"
            opinion, run = _opinion(layout, paired, s)
            if run:
                how += f"; where No.{s}'s opinion ends is not known: the opinions of Nos. {spans(range(run[0], run[1] + 1))} joined"
        else:
            cands = paired.candidates[b.ordinal]
            number = "|".join(map(str, cands))
            texts = []
            for c in cands:
                t = _opinion(layout, paired, c)[0]
                if t and t not in texts:
                    texts.append(t)
            opinion = " ".join(texts)
            how += f"; opinions of Nos. {spans(cands)} joined"
        response, published = answers[b.ordinal]
        doc.records.append(Record(number, opinion, response, "", b.line, key=f"{b.ordinal:0{width}d}",
                                  response_published=published, pairing=how))
    return doc
