"""What one page of results shows: the rows chosen by the filters (review-first, 100 a page) and
each row as the template needs it."""
from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd

from ..labels import LABELS, LABELS_JA
from ..requests import REQUEST_TYPES, REQUEST_TYPES_JA
from ..schemes import get_scheme, scheme_title
from .messages import cell_error, evidence, highlightable

PAGE = 100
SORTS = [("review", "要確認を先に / needs review first"), ("row", "元の順 / file order"),
         ("confidence", "確信度の低い順 / confidence ↑"), ("-confidence", "確信度の高い順 / confidence ↓"),
         ("label", "区分の順 / label"), ("count", "件数の多い順 / count")]
REQUEST_SORT = ("request_type", "意見の種類の順 / request type")


def has_requests(u) -> bool:
    """The upload's rows carry request types (a request-type model is trained beside the model)."""
    return u.out is not None and "request_type" in u.out.columns


def sorts(u) -> list:
    """The sort orders the page offers: by request type too when the rows have one."""
    return SORTS + [REQUEST_SORT] if has_requests(u) else SORTS


def request_types() -> list:
    """(request type, its Japanese name) for the filter, in REQUEST_TYPES order."""
    return [(t, REQUEST_TYPES_JA[t]) for t in REQUEST_TYPES]


def select(u, args) -> dict:
    """The rows of this page (row indices), with the counts the page shows. While the rest of the
    file is being predicted, rows come in file order and are not grouped."""
    out = u.out
    n = len(out)
    blank = (out["error"] != "").to_numpy()
    frame = pd.DataFrame({"row": np.arange(n), "label": out["label"].to_numpy(),
                          "confidence": pd.to_numeric(out["confidence"], errors="coerce").to_numpy(),
                          "review": out["needs_review"].astype(bool).to_numpy() & ~blank, "blank": blank})
    asks = has_requests(u)
    if asks:
        frame["request_type"] = out["request_type"].to_numpy()
    grouped = args.get("group") == "1" and u.finished
    if grouped:  # blank rows each stand alone: their key is their own row
        frame["key"] = np.where(blank, -1 - frame["row"].to_numpy(), u.codes()[:n])
        frame["count"] = frame.groupby("key")["row"].transform("size")
        frame = frame.drop_duplicates("key")
    else:
        frame["count"] = 1
    if args.get("label") in LABELS:
        frame = frame[frame["label"] == args["label"]]
    if asks and args.get("request_type") in REQUEST_TYPES:
        frame = frame[frame["request_type"] == args["request_type"]]
    if args.get("review") == "1":
        frame = frame[frame["review"]]
    try:
        below = float(args.get("below") or "nan")
    except ValueError:
        below = float("nan")
    if below == below:
        frame = frame[frame["confidence"].fillna(0) < below]
    sort = args.get("sort") or "review"
    if not u.finished or sort not in dict(sorts(u)):
        sort = "row" if not u.finished else "review"
    frame = _sorted(frame, sort)
    total = len(frame)
    pages = max(1, math.ceil(total / PAGE))
    try:
        page = min(max(1, int(args.get("page") or 1)), pages)
    except ValueError:
        page = 1
    start = (page - 1) * PAGE
    return {"rows": frame["row"].iloc[start:start + PAGE].tolist(), "total": total, "page": page, "pages": pages,
            "first": start + 1, "last": min(start + PAGE, total), "grouped": grouped, "sort": sort}


def _sorted(frame, sort):
    if sort == "review":  # needs review first, then the rest, rows without a suggestion last
        order = np.where(frame["blank"], 2, np.where(frame["review"], 0, 1))
        return frame.assign(_o=order).sort_values(["_o", "row"], kind="stable")
    if sort == "confidence":
        return frame.sort_values("confidence", na_position="last", kind="stable")
    if sort == "-confidence":
        return frame.sort_values("confidence", ascending=False, na_position="last", kind="stable")
    if sort == "label":
        return frame.assign(_o=frame["label"].map({l: k for k, l in enumerate(LABELS)}).fillna(9)).sort_values(
            ["_o", "row"], kind="stable")
    if sort == "request_type":  # REQUEST_TYPES order, rows without a request type last
        order = frame["request_type"].map({t: k for k, t in enumerate(REQUEST_TYPES)}).fillna(len(REQUEST_TYPES))
        return frame.assign(_o=order).sort_values(["_o", "row"], kind="stable")
    if sort == "count":
        return frame.sort_values("count", ascending=False, kind="stable")
    return frame


def fingerprint(u, rows) -> str:
    """What a group's confirmation showed: its rows and their responses as written. A correction
    is written only if the group is still exactly this."""
    text = "\n".join(f"{j}\x00{u.answers[j]}" for j in sorted(rows))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def row_view(u, i, grouped=False) -> dict:
    """Everything the template shows for row ``i`` (the group it stands for in the grouped view)."""
    o = u.out.iloc[i]
    scheme = get_scheme(u.scheme) if u.scheme else None
    blank = bool(o["error"])
    members = u.group(i) if grouped and not blank else [i]
    view = {"i": i, "line": u.lines[i], "number": u.file_number(i), "blank": blank,
            "opinion": u.opinions[i], "response": u.answers[i],
            "file_category": str(u.table.at[i, u.category]).strip() if u.category else "",
            "error": cell_error(o["error"]), "corrected": u.label_of(i), "grouped": grouped,
            "count": len(members), "members": members, "responses": u.responses(members) if grouped else [],
            "shown": fingerprint(u, members) if grouped else "", "marks": highlightable(o["top_terms"]),
            "evidence": evidence(o["top_terms"]), "asks": has_requests(u)}
    asked = o.get("request_type") if has_requests(u) else None
    if isinstance(asked, str) and asked in REQUEST_TYPES_JA:
        view.update(request_type=asked, request_type_ja=REQUEST_TYPES_JA[asked],
                    request_confidence=float(o["request_confidence"]))
    view["precedents"] = [precedent_view(p) for p in u.precedents([i]).get(i, [])] if not blank else []
    batches = u.history.get(i)
    view["undo"] = len(u.clicks[batches[-1]]) if batches else 0
    if not blank:
        view.update(label=o["label"], label_ja=LABELS_JA[o["label"]], confidence=float(o["confidence"]),
                    label_2=o["label_2"], label_2_ja=LABELS_JA.get(o["label_2"], o["label_2"]),
                    confidence_2=float(o["confidence_2"]), review=bool(o["needs_review"]),
                    category=_raw(scheme, o["label"]), category_2=_raw(scheme, o["label_2"]))
    if view["corrected"]:
        view["corrected_ja"] = LABELS_JA[view["corrected"]]
        view["corrected_category"] = _raw(scheme, view["corrected"])
    return view


SHOWN = 200  # characters of a precedent's opinion shown; the rest behind "…"


def precedent_view(p: dict) -> dict:
    """A precedent as the row's folded block shows it."""
    opinion = str(p["opinion"])
    return {"percent": round(100 * float(p["similarity"])), "label": p["label"], "label_ja": p["label_ja"],
            "source": p["source"], "plan": p["plan"], "response": p["response"],
            "opinion": opinion if len(opinion) <= SHOWN else opinion[:SHOWN] + "…", "full": opinion}


def _raw(scheme, label) -> str:
    if scheme is None or not isinstance(label, str):
        return ""
    try:
        return scheme.raw_for(label)
    except Exception:
        return ""


def choices(scheme_name) -> list:
    """Correction buttons (label, text on the button, legend): the scheme's own categories (A–E …)
    with their legend where a scheme is chosen, else the five labels."""
    if not scheme_name:
        return [(l, LABELS_JA[l], f"{LABELS_JA[l]} ({l})") for l in LABELS]
    s = get_scheme(scheme_name)
    seen: dict = {}
    for raw, label in s.labels.items():  # the scheme's own order (A, B, C, D, E)
        seen.setdefault(label, raw)
    return [(label, raw, f"{raw}: {s.legends[raw]}（{LABELS_JA[label]}）") for label, raw in seen.items()]


def legend(scheme_name) -> list:
    """(category, legend, label_ja) for the chosen scheme, in its order."""
    if not scheme_name:
        return []
    s = get_scheme(scheme_name)
    return [(raw, s.legends[raw], LABELS_JA[label]) for raw, label in s.labels.items()]


def schemes(names) -> list:
    return [(name, scheme_title(name)) for name in names]
