"""Staff corrections: one click on the page appends a row to data/corrections/corrections.csv
(``label_origin=annotated``, with the time and the original suggestion). The next
``pubcom train`` trains on them."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import uuid
from pathlib import Path

import pandas as pd

from .exceptions import DataFileError
from .labels import LABELS

COLUMNS = ["id", "time", "opinion", "response", "label", "label_origin", "original_label",
           "original_confidence", "mode", "upload", "row", "note"]
FILENAME = "corrections.csv"


def append_correction(directory, opinion: str, response: str, label: str, original_label: str = "",
                      original_confidence=None, mode: str = "", upload: str = "", row=None, note: str = "") -> dict:
    """Append one correction. The file only grows: each correction is one line written with a
    single append, and the header is created atomically (temp file + rename)."""
    if label not in LABELS:
        raise DataFileError(f"unknown label {label!r}; expected one of {', '.join(LABELS)}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILENAME
    if not path.exists():
        tmp = directory / f".{FILENAME}.{uuid.uuid4().hex}"
        tmp.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
        try:
            os.link(tmp, path)  # atomic create; if someone else made it first, keep theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    record = {"id": uuid.uuid4().hex[:12], "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "opinion": opinion, "response": response or "", "label": label, "label_origin": "annotated",
              "original_label": original_label if isinstance(original_label, str) else "",
              "original_confidence": "" if pd.isna(original_confidence) else f"{float(original_confidence):.3f}",
              "mode": mode, "upload": upload, "row": "" if row is None else str(row), "note": note or "staff correction"}
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([record[c] for c in COLUMNS])
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, buf.getvalue().encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return record


def read_corrections(directory) -> pd.DataFrame:
    path = Path(directory) / FILENAME
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS)
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def latest(frame: pd.DataFrame) -> pd.DataFrame:
    """One correction per text: when staff corrected the same opinion (and response) more than
    once, the last correction is the one that counts. Texts are the same as the staff page sees
    them (ignoring spacing, punctuation and markup: text.dedupe_key)."""
    from .text import dedupe_key

    keys = pd.DataFrame({"o": frame["opinion"].map(dedupe_key), "r": frame["response"].map(dedupe_key)})
    return frame[~keys.duplicated(keep="last").to_numpy()]


def pending(directory, models_dir) -> int:
    """Corrections made after the current models were trained (waiting for `pubcom train`)."""
    from . import persist

    frame = read_corrections(directory)
    if frame.empty:
        return 0
    try:
        trained = min(persist.read_card(models_dir, m).get("trained_at", "") for m in ("opinion", "response"))
    except Exception:
        return len(frame)
    return int((frame["time"] > trained).sum())
