"""Staff corrections: one click on the page appends a row to data/corrections/corrections.csv
(``label_origin=annotated``, with the time and the original suggestion). The next
``pubcom train`` trains on them.

The file only grows. A correction is withdrawn by appending a *withdrawal row*: its ``withdraws``
column names the id of the correction it cancels, and its ``label`` is empty (so a reader that knows
nothing of withdrawals still learns nothing from it). Every reader here honours withdrawals:
``read_corrections`` and ``latest`` leave withdrawn corrections out, ``pending`` counts what the
next training will change.

``row`` is the row number the clerk saw on the page (the file's line as Excel shows it: header =
row 1), ``number`` the file's own 番号 where it has one.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import threading
import uuid
from pathlib import Path

import pandas as pd

from .exceptions import CorrectionError, DataFileError
from .labels import LABELS

COLUMNS = ["id", "time", "opinion", "response", "label", "label_origin", "original_label",
           "original_confidence", "mode", "upload", "row", "note", "number", "withdraws"]
FILENAME = "corrections.csv"
_LOCK = threading.Lock()  # one writer at a time in this process (the page serves several threads)


def append_correction(directory, opinion: str, response: str, label: str, original_label: str = "",
                      original_confidence=None, mode: str = "", upload: str = "", row=None, note: str = "",
                      number="") -> dict:
    """Append one correction and return it (its ``id`` withdraws it). The file only grows: each
    correction is one line written with a single append, and the header is created atomically."""
    return append_corrections(directory, [dict(opinion=opinion, response=response, label=label,
                                               original_label=original_label, original_confidence=original_confidence,
                                               mode=mode, upload=upload, row=row, note=note, number=number)])[0]


def append_corrections(directory, corrections: list) -> list:
    """Append several corrections (dicts with append_correction's arguments) in one write: a group
    corrected with one click is written whole or not at all. Returns the records written."""
    records = []
    for c in corrections:
        label = c.get("label")
        if label not in LABELS:
            raise DataFileError(f"unknown label {label!r}; expected one of {', '.join(LABELS)}")
        original, confidence = c.get("original_label", ""), c.get("original_confidence")
        records.append({
            "opinion": c.get("opinion", ""), "response": c.get("response") or "", "label": label,
            "label_origin": "annotated", "original_label": original if isinstance(original, str) else "",
            "original_confidence": "" if confidence is None or pd.isna(confidence) else f"{float(confidence):.3f}",
            "mode": c.get("mode", ""), "upload": c.get("upload", ""), "row": _text(c.get("row")),
            "note": c.get("note") or "staff correction", "number": _text(c.get("number", "")), "withdraws": ""})
    return _append(directory, records)


def withdraw_correction(directory, correction_id: str, note: str = "") -> dict:
    """Withdraw the correction ``correction_id`` by appending a withdrawal row (nothing is deleted).
    Raises CorrectionError for an unknown id, a withdrawal row, or one already withdrawn."""
    return withdraw_corrections(directory, [correction_id], note)[0]


def withdraw_corrections(directory, correction_ids: list, note: str = "") -> list:
    """Withdraw several corrections in one write (all or none; see withdraw_correction)."""
    with _LOCK:
        log = _read(directory)
        made = log[log["withdraws"] == ""].drop_duplicates("id").set_index("id")
        undone = set(log["withdraws"])
        records = []
        for cid in correction_ids:
            if cid not in made.index:
                raise CorrectionError(f"no correction with id {cid!r} in {Path(directory) / FILENAME}")
            if cid in undone:
                raise CorrectionError(f"correction {cid!r} is already withdrawn")
            undone.add(cid)
            old = made.loc[cid]
            record = {c: old[c] for c in ("opinion", "response", "mode", "upload", "row", "number")}
            record.update(label="", label_origin="annotated", original_label=old["label"], original_confidence="",
                          note=note or f"withdrawal of {cid}", withdraws=cid)
            records.append(record)
        return _append(directory, records, locked=True)


def read_corrections(directory, withdrawn: bool = False) -> pd.DataFrame:
    """The corrections in force, in the order they were made (withdrawn ones and withdrawal rows
    left out). ``withdrawn=True``: every correction made, with a ``withdrawn_at`` column (the time
    of its withdrawal, or "") — the log as staff see it; withdrawal rows are still left out."""
    log = _read(directory)
    undone = dict(zip(log["withdraws"], log["time"]))
    made = log[log["withdraws"] == ""]
    if withdrawn:
        return made.assign(withdrawn_at=made["id"].map(lambda i: undone.get(i, ""))).reset_index(drop=True)
    return made[~made["id"].isin(undone)].reset_index(drop=True)


def latest(frame: pd.DataFrame) -> pd.DataFrame:
    """One correction per text, withdrawals honoured: withdrawn corrections and withdrawal rows are
    dropped, then, when staff corrected the same opinion (and response) more than once, the last
    correction is the one that counts. Texts are the same as the staff page sees them (ignoring
    spacing, punctuation and markup: text.dedupe_key)."""
    from .text import dedupe_key

    frame = _effective(frame)
    keys = pd.DataFrame({"o": frame["opinion"].map(dedupe_key), "r": frame["response"].map(dedupe_key)})
    return frame[~keys.duplicated(keep="last").to_numpy()]


def pending(directory, models_dir) -> int:
    """What the next `pubcom train` changes: corrections in force made after the current models
    were trained, and withdrawals made since then of corrections those models learned from."""
    from . import persist

    log = _read(directory)
    if log.empty:
        return 0
    try:
        trained = min(_when(persist.read_card(models_dir, m).get("trained_at", "")) for m in ("opinion", "response"))
    except Exception:
        return len(read_corrections(directory))
    times = dict(zip(log["id"], log["time"].map(_when)))
    undone = log[log["withdraws"] != ""]
    made = log[log["withdraws"] == ""]
    in_force = made[~made["id"].isin(set(undone["withdraws"]))]
    new = int((in_force["time"].map(_when) > trained).sum())
    learned_then_withdrawn = sum(1 for _, w in undone.iterrows()
                                 if _when(w["time"]) > trained and times.get(w["withdraws"], trained) <= trained)
    return new + learned_then_withdrawn


def _effective(frame: pd.DataFrame) -> pd.DataFrame:
    if "withdraws" not in frame.columns:
        return frame
    marks = frame["withdraws"].fillna("").astype(str)
    gone = set(marks[marks != ""])
    return frame[(marks == "").to_numpy() & ~frame["id"].astype(str).isin(gone).to_numpy()]


def _when(text) -> dt.datetime:
    """An ISO time as an aware datetime (UTC when it carries no offset); the epoch if unreadable."""
    try:
        when = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return dt.datetime.fromtimestamp(0, dt.timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _read(directory) -> pd.DataFrame:
    """The whole file, every column of COLUMNS present (older files lack ``number, withdraws``)."""
    path = Path(directory) / FILENAME
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS, dtype=str)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    for c in COLUMNS:
        if c not in frame.columns:
            frame[c] = ""
    return frame


def _append(directory, records: list, locked: bool = False) -> list:
    if not locked:
        with _LOCK:
            return _append(directory, records, locked=True)
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    records = [{"id": uuid.uuid4().hex[:12], "time": now, **r} for r in records]
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILENAME
    _ensure_header(path)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for record in records:
        writer.writerow([record[c] for c in COLUMNS])
    data = memoryview(buf.getvalue().encode("utf-8"))
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        while data:
            data = data[os.write(fd, data):]
        os.fsync(fd)
    finally:
        os.close(fd)
    return records


def _ensure_header(path: Path) -> None:
    """Create the file with its header atomically, or bring an older file's header up to COLUMNS
    (its rows kept, new columns empty) through a temp file renamed over it."""
    if path.exists():
        with open(path, encoding="utf-8", newline="") as f:
            header = next(csv.reader(f), [])
        if header == COLUMNS:
            return
        if set(header) - set(COLUMNS):
            raise DataFileError(f"{path}: unexpected columns {', '.join(sorted(set(header) - set(COLUMNS)))}; "
                                f"a corrections file has {', '.join(COLUMNS)}")
    tmp = path.parent / f".{FILENAME}.{uuid.uuid4().hex}"
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(COLUMNS)
            if path.exists():
                size = path.stat().st_size
                with open(path, encoding="utf-8", newline="") as f:
                    for row in csv.DictReader(f):
                        writer.writerow([row.get(c) or "" for c in COLUMNS])
        if not path.exists():
            try:
                os.link(tmp, path)  # atomic create; if someone else made it first, keep theirs
            except FileExistsError:
                pass
            return
        if path.stat().st_size != size:  # another process appended meanwhile: read again
            return _ensure_header(path)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
