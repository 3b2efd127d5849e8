"""What every reader shares: the Record and Document it returns, and small helpers for reading a
text document, refusing one that is not a results document, and checking a stated total; and, for
the readers of laid-out documents (PDF, HTML), turning the rows of a results table into records:
columns mapped by their Japanese names, the document's own numbering kept, a printed legend read
through the schemes, the rows counted against the count the document prints."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import CountMismatchError, MissingColumnError, NotAResultsDocumentError, UnknownCategoryError
from ..schemes import match_legend
from ..tables import decode, find_column
from ..text import normalize


@dataclass
class Record:
    number: str  # the document's own numbering (or position), used to build stable ids
    opinion: str
    response: str = ""
    raw_category: str = ""
    line: int = 0  # line in the file where the record starts
    key: str = ""  # when set, ids use it instead of number (<id_prefix>-<key>)
    response_published: str = ""  # the published text, when ``response`` was resolved from a pointer to another answer
    pairing: str = ""  # how the opinion was paired with the response, where the document does not print them side by side


@dataclass
class Document:
    path: str
    format: str
    records: list = field(default_factory=list)
    scheme: str = ""  # registered scheme whose legend the document printed
    problems: list = field(default_factory=list)
    stated: int | None = None  # the number of opinions the document itself states, if it states one
    stated_as: str = ""  # where it states it (計142件, 受付意見数, …)

    def check_count(self, expected, what: str, acknowledged: int = 0):
        """Record the count the document states and raise CountMismatchError if the records differ
        from it (by other than an ``acknowledged`` difference, which is reported as a problem)."""
        if expected is None:
            return
        self.stated, self.stated_as = int(expected), what
        extra = len(self.records) - self.stated
        if extra == acknowledged == 0:
            return
        if extra != acknowledged:
            raise CountMismatchError(
                f"{self.path}: parsed {len(self.records)} opinions but the document states {expected} ({what})"
                + (f"; acknowledge_difference={acknowledged} does not match" if acknowledged else ""))
        self.problems.append(f"{self.path}: {len(self.records)} opinions against {expected} stated ({what}): "
                             f"difference of {extra} acknowledged by acknowledge_difference={acknowledged}")

    def count_summary(self) -> str:
        """How many records were found against the count the document states."""
        n = len(self.records)
        if self.stated is None:
            return f"{n} opinions (the document states no count)"
        said = self.stated_as if str(self.stated) in unicodedata.normalize("NFKC", self.stated_as) \
            else f"{self.stated_as}: {self.stated}"
        return f"{n} opinions, as the document states ({said})" if n == self.stated else \
            f"{n} opinions against {self.stated} stated ({said}); the difference acknowledged"


def read_text(path) -> str:
    """The document's text, decoded (UTF-8 or CP932)."""
    return decode(Path(path).read_bytes(), name=str(path))[0]


def describe(text: str) -> str:
    """A short description of what a non-results document looks like, for error messages."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    speakers = sum(bool(re.match(r"^(委員|事務局|会長|委員長|部長|議長|本部長)\s", l)) for l in lines)
    chapters = sum(bool(re.match(r"^第\s*\d+\s*章", l)) for l in lines)
    if speakers >= 3:
        return f"meeting minutes ({speakers} lines start with a speaker such as 委員 / 事務局)"
    if chapters >= 2 or "目次" in text[:2000] or "目 次" in text[:2000]:
        return f"a plan or report ({chapters} chapter headings, table of contents), not its consultation results"
    return f"plain text of {len(lines)} lines with no opinion/response table"


def refuse(path, text: str, expected: str):
    """Raise NotAResultsDocumentError saying what the document looks like and what was expected."""
    raise NotAResultsDocumentError(
        f"{path}: not a public-comment results document: it looks like {describe(text)}. "
        f"Expected {expected}.")


def find_legend(text: str, pattern: str) -> dict:
    """{category: legend text} for every line matching ``pattern`` (two groups)."""
    return {m.group(1).strip(): m.group(2).strip() for m in re.finditer(pattern, text, re.M)}


def check_total(doc: Document, expected, what):
    """Record the count ``expected`` the document states; raise CountMismatchError if the records differ."""
    doc.check_count(expected, what)


# -- rows of a results table laid out in a document (PDF, HTML) ----------------------------------
ROLES = ("number", "opinion", "response", "category")
_NOTE = re.compile(r"[(（][^()（）]*[)）]$")  # 意見（原文）, ご意見の概要（要旨）
_NUMBER_PREFIX = re.compile(r"^(?:No\.?|NO\.?|№|番号|意見番号)\s*")
_COUNTS = [re.compile(p) for p in (  # over a line without whitespace, NFKC; most specific first
    r"(?:意見|御意見|ご意見)(?:の)?(?:件数|数)[:：]?(\d+)件",  # 意見数 12件, 意見の件数：12件
    r"件数[:：]?(?:\d+(?:人|名|団体)[(（])?(\d+)件",  # 提出件数：5人（12件）
    r"\d+(?:人|名|団体)(?:から|より)?[(（]?(?:計|合計)?(\d+)件",  # 55名より計142件
    r"(?:合計|総計|(?<![一-龥々])計)(\d+)件",  # 合計12件, 計12件 (not 設計3件)
    r"(\d+)件の(?:ご|御)?意見",  # 12件のご意見
)]
_OPEN, _CLOSE, _SEP = r"[「【\[(（<〈『]", r"[」】\])）>〉』]", r"[\s:：…・.．、\-－=＝‥]"


def header_roles(cells, given: dict | None = None) -> dict | None:
    """{role: index} for a header row naming an opinion column and at least one of a response,
    number or category column (names as in columns.tsv; a trailing note such as （原文） ignored);
    None for a row that is not such a header. ``given`` names columns explicitly ({role: name})."""
    raw = [" ".join(str(c or "").split()) for c in cells]
    names = [_NOTE.sub("", unicodedata.normalize("NFKC", c)).strip() for c in raw]
    roles: dict = {}
    for role in ("opinion", "response", "category", "number"):
        name = (given or {}).get(role)
        if name is not None:
            name = " ".join(name.split())
            idx = raw.index(name) if name in raw else names.index(name) if name in names else None
        else:
            idx = _find([n if i not in roles.values() else "" for i, n in enumerate(names)], role)
        if idx is not None and idx not in roles.values():
            roles[role] = idx
    if "opinion" not in roles or len(roles) < 2:
        return None
    return roles


def role_of(name: str) -> str | None:
    """The role (opinion, response, category, number) a column name or label plays, if any."""
    name = _NOTE.sub("", unicodedata.normalize("NFKC", str(name or "")).strip()).strip()
    return next((role for role in ("opinion", "response", "category", "number") if _find([name], role) is not None),
                None)


def _find(names, role):
    """Index of the column of ``names`` playing ``role``, by the aliases of columns.tsv."""
    present = [n for n in names if n]
    col = find_column(present, role, required=False) if present else None
    return names.index(col) if col is not None else None


def missing_header(path, given: dict, text: str):
    """Raise the error for a document in which no results header was found although columns
    were named (MissingColumnError), or refuse it as not a results document."""
    if any(given.values()):
        named = ", ".join(f"{r}={n!r}" for r, n in given.items() if n)
        raise MissingColumnError(f"{path}: no table header with the columns named ({named}) and an opinion column")
    refuse(path, text, "a results table whose header names an opinion column (意見, 意見の概要, …) and a "
           "response (市の考え方, …), No. or 区分 column")


def stated_count(text: str) -> tuple | None:
    """(count, the line stating it) for the number of opinions a document prints outside its
    table (意見数 12件, 件数：5人（12件）, 55名より計142件, 合計12件, 12件のご意見), else None."""
    lines = [l for l in text.splitlines() if l.strip()]
    for pattern in _COUNTS:
        for line in lines + ["\n".join(lines)]:
            m = pattern.search("".join(unicodedata.normalize("NFKC", line).split()))
            if m:
                said = " ".join(line.split())
                return int(m.group(1)), said if len(said) <= 60 else m.group(0)
    return None


def printed_legend(text: str, categories) -> dict:
    """{category: definition} for each category that starts a line of ``text`` followed by its
    definition (「A」計画に盛り込むもの, A：計画に盛り込むもの, 反映 … 意見を踏まえ修正するもの)."""
    legend = {}
    lines = [unicodedata.normalize("NFKC", l).strip() for l in text.splitlines()]
    for cat in categories:
        c = re.escape(cat)
        pattern = re.compile(rf"^[\s※・*●○◆◇□\-]*(?:{_OPEN}\s*{c}\s*{_CLOSE}{_SEP}*|{c}{_SEP}+)(\S.*)$")
        for line in lines:
            m = pattern.match(line)
            if m:
                legend[cat] = m.group(1).strip()
                break
    return legend


def clean_number(text: str) -> str:
    """A printed row number as the document has it, without spaces or a No. prefix (2-1, 12)."""
    return _NUMBER_PREFIX.sub("", "".join(unicodedata.normalize("NFKC", text or "").split()))


def cell_text(text: str) -> str:
    """A cell's text normalized line by line (markup removed), its line breaks kept."""
    return "\n".join(t for t in (normalize(l) for l in str(text or "").split("\n")) if t)


def build_records(doc: Document, rows, outside: str, acknowledge_difference=0):
    """Fill ``doc`` from the rows of its results table: each row a ({role: cell text}, line,
    where) triple in document order. A row without a number where the table has a number column
    continues the row above; a row without an opinion is reported and left out. The categories
    are read through the legend printed in ``outside`` (the text around the table), and the
    records are counted against the count it states."""
    joined = []
    for cells, line, where in rows:
        cells = {r: cell_text(t) for r, t in cells.items()}
        if "number" in cells and not clean_number(cells["number"]) and joined:
            prev = joined[-1][0]
            for role, t in cells.items():
                if t and role != "number":
                    prev[role] = "\n".join(p for p in (prev.get(role, ""), t) if p)
            continue
        if any(cells.values()):
            joined.append((cells, line, where))
    seen, wheres = {}, []
    for k, (cells, line, where) in enumerate(joined, 1):
        if not cells.get("opinion"):
            doc.problems.append(f"{doc.path}: {where}: a row with no opinion text "
                                f"({(cells.get('response') or '')[:30]!r}…); row left out")
            continue
        number = clean_number(cells.get("number", "")) or str(k)
        seen[number] = seen.get(number, 0) + 1
        doc.records.append(Record(number, cells["opinion"], cells.get("response", ""),
                                  unicodedata.normalize("NFKC", cells.get("category", "")).strip(), line,
                                  key=f"{number}.{seen[number]}" if seen[number] > 1 else ""))
        wheres.append(where)
    repeated = [n for n, c in seen.items() if c > 1]
    if repeated:
        doc.problems.append(f"{doc.path}: numbers printed more than once: {', '.join(repeated)} "
                            "(ids of the repeats get .2, .3, …)")
    _read_categories(doc, outside, wheres)
    found = stated_count(outside)
    doc.check_count(found[0] if found else None, found[1] if found else "", int(acknowledge_difference))


def _read_categories(doc: Document, outside: str, wheres: list):
    categories = list(dict.fromkeys(r.raw_category for r in doc.records if r.raw_category))
    if not categories:
        return
    legend = printed_legend(outside, categories)
    if not legend:
        doc.problems.append(f"{doc.path}: categories {', '.join(categories)} printed without a legend: "
                            "checked against the scheme sources.tsv names, if any")
        return
    scheme = match_legend(legend)
    doc.scheme = scheme.name
    for r, where in zip(doc.records, wheres):
        try:
            scheme.label_of(r.raw_category)
        except UnknownCategoryError as e:
            raise UnknownCategoryError(f"{doc.path}: {where}: No.{r.number}: {e}") from None
