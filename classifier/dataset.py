"""Build the labelled dataset (``pubcom ingest``): documents listed in data/sources.tsv, read by
their readers, labelled officially / by annotation / by rule, with duplicate groups.

The output is deterministic: same inputs, same bytes.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .datafiles import read_tsv
from .exceptions import AnnotationError, DataFileError, SchemeError, TableReadError
from .labels import LABELS
from .readers import read_document
from .request_labels import apply_request_types, read_request_annotations
from .rules import rule_label
from .schemes import get_scheme
from .tables import drop_blank_rows, read_table
from .text import dedupe_key, normalize

COLUMNS = ["id", "source", "plan", "document", "number", "opinion", "response", "response_published",
           "pairing", "scheme", "raw_category", "label", "label_origin", "evidence", "annotation_id",
           "duplicate_group", "response_group", "request_type", "request_types", "request_origin",
           "request_evidence"]
SOURCE_COLUMNS = ["document", "reader", "options", "source", "plan", "id_prefix", "scheme", "origin"]
ANNOTATION_COLUMNS = ["id", "label", "evidence", "note"]


@dataclass
class IngestResult:
    frame: pd.DataFrame
    problems: list = field(default_factory=list)


def read_sources(path) -> list:
    """The rows of data/sources.tsv, validated."""
    path = Path(path)
    rows = []
    for n, parts in read_tsv(path, SOURCE_COLUMNS):
        row = dict(zip(SOURCE_COLUMNS, (p.strip() for p in parts)))
        for key in ("document", "reader", "source", "plan", "id_prefix"):
            if not row[key]:
                raise DataFileError(f"{path}:{n}: empty {key}")
        row["options"] = dict(kv.split("=", 1) for kv in row["options"].split(";") if kv.strip())
        row["line"] = n
        rows.append(row)
    return rows


def read_records(data_dir) -> tuple:
    """Every record of every source document, as a DataFrame (no labels yet), and problems."""
    data_dir = Path(data_dir)
    out, problems = [], []
    for src in read_sources(data_dir / "sources.tsv"):
        doc = read_document(data_dir / "raw" / src["document"], src["reader"], **src["options"])
        problems += doc.problems
        if src["scheme"] and doc.scheme and doc.scheme != src["scheme"]:
            raise SchemeError(f"{src['document']}: its legend matches scheme {doc.scheme!r} "
                              f"but sources.tsv line {src['line']} says {src['scheme']!r}")
        scheme = get_scheme(src["scheme"]) if src["scheme"] else None
        for rec in doc.records:
            row = {c: "" for c in COLUMNS}
            row.update(id=f"{src['id_prefix']}-{rec.key or rec.number}", source=src["source"], plan=src["plan"],
                       document=src["document"], number=rec.number, opinion=rec.opinion,
                       response=rec.response, response_published=rec.response_published,
                       pairing=rec.pairing, raw_category=rec.raw_category)
            if rec.raw_category:
                if scheme is None:
                    raise SchemeError(f"{src['document']}:{rec.line}: category {rec.raw_category!r} "
                                      f"but sources.tsv line {src['line']} names no scheme")
                row.update(scheme=scheme.name, label=scheme.label_of(rec.raw_category), label_origin="official")
            out.append(row)
    frame = pd.DataFrame(out, columns=COLUMNS)
    dup = frame["id"][frame["id"].duplicated()]
    if len(dup):
        raise DataFileError(f"duplicate ids: {', '.join(dup[:5])}; make id_prefix unique in sources.tsv")
    return frame, problems


def read_annotations(path) -> list:
    """The rows of an annotation file (``id, label, evidence, note``): CSV in UTF-8 or CP932, or
    XLSX, as a reader may keep it; each row remembers its file and line."""
    path = Path(path)
    try:
        table = read_table(path)
    except TableReadError as e:
        raise AnnotationError(str(e)) from None
    if list(table.columns) != ANNOTATION_COLUMNS:
        raise AnnotationError(f"{path}: header must be {','.join(ANNOTATION_COLUMNS)}, got {','.join(table.columns)}")
    table = drop_blank_rows(table)
    return [dict(row, file=path.name, line=int(line)) for line, row in zip(table.index, table.to_dict("records"))]


def apply_annotations(frame: pd.DataFrame, annotations: list) -> pd.DataFrame:
    """Label rows from annotations. An annotation labels its row and every row of the same plan
    that carries the identical response (one response answering many opinions is read once).
    Official labels are never overridden; an annotation of an official row is an error."""
    frame = frame.copy()
    index = {i: k for k, i in enumerate(frame["id"])}
    for a in annotations:
        where = f"{a['file']}:{a['line']}"
        if a["id"] not in index:
            raise AnnotationError(f"{where}: unknown id {a['id']!r}")
        if a["label"] not in LABELS:
            raise AnnotationError(f"{where}: unknown label {a['label']!r} for {a['id']}; expected one of {', '.join(LABELS)}")
        k = index[a["id"]]
        row = frame.iloc[k]
        if row["label_origin"] == "official":
            raise AnnotationError(f"{where}: {a['id']} has an official label ({row['raw_category']}); official labels are never overridden")
        if not a["evidence"].strip() or normalize(a["evidence"]) not in row["response"]:
            raise AnnotationError(f"{where}: evidence {a['evidence']!r} does not occur in the response of {a['id']}")
        same = (frame["plan"] == row["plan"]) & (frame["response"] == row["response"])
        clash = frame[same & (frame["label_origin"] == "annotated") & (frame["label"] != a["label"])]
        if len(clash):
            raise AnnotationError(f"{where}: {a['id']} labelled {a['label']!r} but {clash['id'].iloc[0]} "
                                  f"(same response) is {clash['label'].iloc[0]!r}")
        frame.loc[same, ["label", "label_origin", "evidence", "annotation_id"]] = [
            a["label"], "annotated", normalize(a["evidence"]), a["id"]]
    return frame


def apply_rules(frame: pd.DataFrame) -> pd.DataFrame:
    """Label the rows still unlabelled (and with a response) by the rule labeler: origin ``rule``."""
    frame = frame.copy()
    todo = (frame["label"] == "") & (frame["response"] != "")
    for k in frame.index[todo]:
        label, evidence = rule_label(frame.at[k, "response"])
        frame.loc[k, ["label", "label_origin", "evidence"]] = [label, "rule", evidence]
    return frame


def group_ids(keys: pd.Series, ids: pd.Series) -> pd.Series:
    """For each row, the id of the first row with the same key (an empty key is its own group)."""
    first: dict = {}
    out = []
    for key, rid in zip(keys, ids):
        out.append(first.setdefault(key, rid) if key else rid)
    return pd.Series(out, index=keys.index)


def add_groups(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["duplicate_group"] = group_ids(frame["opinion"].map(dedupe_key), frame["id"])
    # identical responses share a group wherever they occur (a stock reply of two plans or two
    # bodies must not sit on both sides of a split)
    resp_key = frame["response"].map(dedupe_key)
    resp_key[frame["response"] == ""] = ""
    frame["response_group"] = group_ids(resp_key, frame["id"])
    return frame


def build_dataset(data_dir="data") -> IngestResult:
    data_dir = Path(data_dir)
    frame, problems = read_records(data_dir)
    annotations = []
    for path in sorted(p for p in (data_dir / "annotations").iterdir() if p.suffix.lower() in (".csv", ".xlsx")):
        annotations += read_annotations(path)
    frame = add_groups(apply_rules(apply_annotations(frame, annotations)))
    requests = []
    for path in sorted((data_dir / "request_types").glob("annotations*.csv")):
        requests += read_request_annotations(path)
    return IngestResult(apply_request_types(frame, requests), problems)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows(frame[COLUMNS].itertuples(index=False, name=None))
    return buf.getvalue().encode("utf-8")


def write_dataset(frame: pd.DataFrame, path) -> Path:
    """Write the dataset atomically (temp file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(to_csv_bytes(frame))
    os.replace(tmp, path)
    return path


def is_dataset_file(path) -> bool:
    """Whether ``path`` is a labelled dataset as ``pubcom ingest`` writes it (by its header)."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return False
    with open(path, "rb") as f:
        return f.read(300).lstrip(b"\xef\xbb\xbf").startswith(b"id,source,plan")


def load_dataset(path="data/labeled_opinions.csv") -> pd.DataFrame:
    """Read the labelled dataset written by ``pubcom ingest``."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise DataFileError(f"{path}: not a labelled dataset, missing columns {', '.join(missing)}")
    return frame
