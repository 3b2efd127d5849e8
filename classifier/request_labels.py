"""Request-type labels of the dataset (what each opinion asks): read from
data/request_types/annotations.csv (``id, primary, types, evidence, note``), given to every row of
the same form letter (duplicate_group), checked like response annotations (the evidence must occur
in the opinion); rows nobody read get the cue table's reading, ``request_origin=rule``."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .exceptions import AnnotationError, TableReadError
from .requests import PRIMARY_ORDER, REQUEST_TYPES, read_request
from .tables import drop_blank_rows, read_table
from .text import normalize

REQUEST_COLUMNS = ["request_type", "request_types", "request_origin", "request_evidence"]
ANNOTATION_HEADER = ["id", "primary", "types", "evidence", "note"]


def read_request_annotations(path) -> list:
    """Rows of a request-type annotation file, validated; errors name the file and line."""
    path = Path(path)
    try:
        table = drop_blank_rows(read_table(path))
    except TableReadError as e:
        raise AnnotationError(str(e)) from None
    if list(table.columns) != ANNOTATION_HEADER:
        raise AnnotationError(f"{path}: header must be {','.join(ANNOTATION_HEADER)}, got {','.join(table.columns)}")
    rows = []
    for line, r in zip(table.index, table.to_dict("records")):
        where = f"{path.name}:{line}"
        types = r["types"].split()
        bad = [t for t in [r["primary"], *types] if t not in REQUEST_TYPES]
        if bad:
            raise AnnotationError(f"{where}: unknown request type {bad[0]!r}; expected one of {', '.join(REQUEST_TYPES)}")
        if r["primary"] not in types:
            raise AnnotationError(f"{where}: primary {r['primary']!r} is not among its types {r['types']!r}")
        expected = next(t for t in PRIMARY_ORDER if t in types)
        if r["primary"] != expected:
            raise AnnotationError(f"{where}: primary {r['primary']!r} but {expected!r} comes first among "
                                  f"{r['types']!r} (guide: request types, rule 2)")
        rows.append(dict(r, types=" ".join(t for t in REQUEST_TYPES if t in types), where=where))
    return rows


def apply_request_types(frame: pd.DataFrame, annotations: list) -> pd.DataFrame:
    """The request-type columns for every row: annotated rows (and their form letters), else the cue
    table's reading (origin rule)."""
    frame = frame.copy()
    for col in REQUEST_COLUMNS:
        frame[col] = ""
    index = {i: k for k, i in enumerate(frame["id"])}
    for a in annotations:
        if a["id"] not in index:
            raise AnnotationError(f"{a['where']}: unknown id {a['id']!r}")
        row = frame.iloc[index[a["id"]]]
        if not a["evidence"].strip() or normalize(a["evidence"]) not in row["opinion"]:
            raise AnnotationError(f"{a['where']}: evidence {a['evidence']!r} does not occur in the opinion of {a['id']}")
        same = frame["duplicate_group"] == row["duplicate_group"]
        frame.loc[same, REQUEST_COLUMNS] = [a["primary"], a["types"], "annotated", normalize(a["evidence"])]
    todo = (frame["request_origin"] == "") & (frame["opinion"] != "")
    for k in frame.index[todo]:
        primary, types = read_request(frame.at[k, "opinion"])
        frame.loc[k, REQUEST_COLUMNS] = [primary, " ".join(types), "rule", ""]
    return frame
