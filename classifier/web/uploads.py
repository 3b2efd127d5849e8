"""Uploads: reading what the clerk gave (file or pasted text), predicting it (the first page at
once, the rest in the background with progress), and the state of its corrections.

Each row keeps the number the clerk sees (``line``: the file's row as Excel shows it, header =
row 1; the line of a pasted text) and the file's own 番号 where it has one.
"""
from __future__ import annotations

import tempfile
import threading
import time
import unicodedata
from pathlib import Path

import pandas as pd

from .. import persist, precedents as precedent_index
from ..exceptions import ModelError, PubcomError, TableReadError
from ..labels import LABELS
from ..predict import load_model, model_card
from ..readers import DOCUMENT_SUFFIXES, read_as_table
from ..tables import find_column, is_utf16, read_csv_bytes
from ..text import dedupe_key
from .messages import NOTHING

FIRST = 100  # rows predicted before the page is shown: the first page in file order
NUMBER_COLUMNS = ("番号", "no", "no.", "通し番号", "意見番号", "整理番号", "number")


class Models:
    """The trained models, reloaded when their model card changes (after `pubcom train`)."""

    def __init__(self, models_dir):
        self.dir = models_dir
        self._loaded: dict = {}
        self._lock = threading.Lock()

    def card(self, mode) -> dict:
        try:
            return model_card(mode, self.dir)
        except ModelError:
            return {}

    def get(self, mode):
        card = model_card(mode, self.dir)
        with self._lock:
            model = self._loaded.get(mode)
            if model is None or model.card.get("model_sha256") != card.get("model_sha256") \
                    or model.card.get("trained_at") != card.get("trained_at"):
                model = self._loaded[mode] = load_model(mode, self.dir)
            return model

    def precedents(self):
        """The precedents index beside the models, or None when `pubcom train` made none or it
        cannot be loaded (changed after training: refused as any model file is; the page then
        shows no precedents rather than refusing uploads); reloaded when its card changes."""
        if not precedent_index.exists(self.dir):
            return None
        try:
            sha = persist.read_card(self.dir, precedent_index.NAME).get("model_sha256")
            with self._lock:
                held = self._loaded.get(precedent_index.NAME)
                if held is None or held[0] != sha:
                    held = self._loaded[precedent_index.NAME] = sha, precedent_index.load(self.dir)
                return held[1]
        except ModelError:
            return None


class Upload:
    """One uploaded table and its predictions; ``out`` grows from the first page to every row."""

    def __init__(self, token, name, table, lines, model, scheme=None, started=None, precedents=None):
        self.token, self.name, self.scheme, self.model = token, name, scheme, model
        self.index = precedents  # a PrecedentIndex, or None: no precedents shown
        self._precedents: dict = {}  # row -> its precedents (dicts), computed for the rows shown
        self.table = table.reset_index(drop=True)
        self.lines = [int(n) for n in lines]
        self.mode = model.mode
        self.opinion = find_column(self.table.columns, "opinion")
        self.response = find_column(self.table.columns, "response") if self.mode == "response" else None
        self.category = find_column(self.table.columns, "category", required=False)
        self.number = _number_column(self.table.columns)
        self.trained_at = model.card.get("trained_at", "")
        self.total = len(self.table)
        self.opinions = self.table[self.opinion].astype(str).tolist()
        self.answers = self.table[self.response].astype(str).tolist() if self.response else [""] * self.total
        self._keys = None  # group keys, made when first needed (after the first page is shown)
        self.out = None  # predictions of rows [0, ready); every row once done
        self.done = 0, 0  # distinct texts predicted, of
        self.error = None
        self.started = time.perf_counter() if started is None else started
        self.timings: dict = {"read_s": round(time.perf_counter() - self.started, 3)}  # read and keyed
        self.corrected = _earlier_corrections(self.table)  # {row: label} from a re-uploaded download
        self.clicks: dict = {}  # batch id -> [(row, correction id, label)]
        self.history: dict = {}  # row -> [batch id, …] in force, latest last
        self.lock = threading.Lock()

    @property
    def ready(self) -> int:
        out = self.out
        return 0 if out is None else len(out)

    @property
    def finished(self) -> bool:
        return self.ready == self.total or self.error is not None

    def predict(self, background=True) -> None:
        """The first page now; the rest in a thread (or now, if not ``background``)."""
        first = min(FIRST, self.total)
        self.out = self.model.predict_table(self.table.iloc[:first], scheme=self.scheme)
        self.timings["first_s"] = round(time.perf_counter() - self.started, 3)
        if first == self.total:
            self.timings["all_s"] = self.timings["first_s"]
            return
        if background:
            threading.Thread(target=self._rest, args=(first,), daemon=True, name=f"predict-{self.token}").start()
        else:
            self._rest(first)

    def _rest(self, first) -> None:
        def progress(done, total):
            self.done = done, total

        try:
            rest = self.model.predict_table(self.table.iloc[first:], scheme=self.scheme, progress=progress)
            self.codes()  # ready for the grouped view before it can be asked for
            self.out = pd.concat([self.out, rest], ignore_index=True)
            self.by_key()
        except Exception as e:  # shown on the page; the first rows stay usable
            self.error = e
        self.timings["all_s"] = round(time.perf_counter() - self.started, 3)

    @property
    def keys(self) -> list:
        if self._keys is None:
            self._keys = _group_keys(self.opinions, self.answers if self.response else None)
        return self._keys

    def errors(self) -> list:
        """Each predicted row's error ("" where it has a suggestion)."""
        out = self.out
        if getattr(self, "_errors_of", None) is not out:
            self._errors, self._errors_of = out["error"].tolist(), out
        return self._errors

    def blank(self, i) -> bool:
        """No suggestion for this row (an empty opinion or response): never grouped, never corrected."""
        errors = self.errors()
        return i >= len(errors) or bool(errors[i])

    def label_of(self, i):
        """The row's correction in force, or None."""
        batches = self.history.get(i)
        if batches:
            return next(label for row, _, label in self.clicks[batches[-1]] if row == i)
        return self.corrected.get(i)

    def group(self, i) -> list:
        """The rows shown once with row ``i`` in the "identical opinions once" view: the same
        opinion and, in response mode, the same response (as text.dedupe_key sees them)."""
        if self.blank(i):
            return [i]
        errors = self.errors()
        return [j for j in self.by_key().get(self.keys[i], [i]) if j < len(errors) and not errors[j]]

    def codes(self):
        """The group keys as integers (row → group number), for the grouped view."""
        if getattr(self, "_codes", None) is None:
            self._codes = pd.factorize(pd.Series(self.keys, dtype=object))[0]
        return self._codes

    def by_key(self) -> dict:
        if getattr(self, "_by_key", None) is None or self._by_key_ready != self.ready:
            groups: dict = {}
            for j, key in enumerate(self.keys[:self.ready]):
                groups.setdefault(key, []).append(j)
            self._by_key, self._by_key_ready = groups, self.ready
        return self._by_key

    def responses(self, rows) -> list:
        """The distinct responses of ``rows`` as written, with how many rows carry each."""
        if not self.response:
            return []
        counts: dict = {}
        for j in rows:
            text = self.answers[j]
            counts[text] = counts.get(text, 0) + 1
        return list(counts.items())

    def precedents(self, rows, k: int = 3) -> dict:
        """{row: [precedent, …]} for ``rows`` (each a dict of similarity, label, label_ja, source,
        plan, opinion, response), computed once per row, for the rows a page shows only."""
        if self.index is None:
            return {}
        todo = [i for i in dict.fromkeys(rows) if i not in self._precedents]
        if todo:
            docs = precedent_index.documents(self.table.iloc[todo])
            found = self.index.query([self.opinions[i] for i in todo], k, docs)
            found = found[found["similarity"].notna()]
            got: dict = {i: [] for i in todo}
            for record in found.to_dict("records"):
                got[todo[record["input"]]].append(record)
            with self.lock:
                self._precedents.update(got)
        return {i: self._precedents.get(i, []) for i in rows}

    def file_number(self, i) -> str:
        return str(self.table.at[i, self.number]).strip() if self.number else ""


def read_input(req) -> tuple:
    """(table, name, lines) from the request: an uploaded file or pasted text."""
    file = req.files.get("file")
    if file and file.filename:
        data = file.read()
        suffix = Path(file.filename).suffix.lower()
        if suffix == ".txt" and is_utf16(data):
            suffix = ".csv"  # Excel's "Unicode text": a tab-separated table in UTF-16
        if suffix == ".xls":
            raise TableReadError(f"{file.filename}: .xls (Excel 97-2003) files are not read; save it as .xlsx")
        if suffix in (".xlsx", ".xlsm") + DOCUMENT_SUFFIXES:  # XLSX, or a published results document
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"upload{suffix}"
                path.write_bytes(data)
                try:
                    table = read_as_table(path)  # .txt/.pdf/.html: one row per opinion, No. kept
                except PubcomError as e:  # name the user's file, not our temporary copy
                    renamed = PubcomError.__new__(type(e))  # keeps what the error carries (sheets …)
                    renamed.__dict__.update(e.__dict__)
                    renamed.args = (str(e).replace(str(path), file.filename),)
                    raise renamed from None
            if suffix in DOCUMENT_SUFFIXES and "No." in table.columns:
                return table, file.filename, range(1, len(table) + 1)
        else:
            table = read_csv_bytes(data, name=file.filename)
        return table, file.filename, _lines(table)
    text = (req.form.get("text") or "").strip("\r\n")
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not numbered:
        raise PubcomError(NOTHING)
    lines = [n for n, _ in numbered]
    if any("\t" in line for _, line in numbered):  # pasted from Excel: opinion<TAB>response
        parts = [line.split("\t", 1) + [""] for _, line in numbered]
        return pd.DataFrame({"意見": [p[0] for p in parts], "市の考え方": [p[1] for p in parts]}), "貼り付け", lines
    return pd.DataFrame({"意見": [line for _, line in numbered]}), "貼り付け", lines


def _lines(table) -> list:
    """The row numbers read_table gives (the file's rows as Excel shows them), else 2, 3, …"""
    index = table.index
    if pd.api.types.is_integer_dtype(index) and index.is_unique and len(index) and index.min() >= 1:
        return list(index)
    return list(range(2, len(table) + 2))


def _number_column(columns):
    def canon(name):
        return "".join(unicodedata.normalize("NFKC", str(name)).split()).lower()

    wanted = {canon(c) for c in NUMBER_COLUMNS}
    return next((c for c in columns if canon(c) in wanted), None)


def _group_keys(opinions, responses) -> list:
    """Per row, the key under which identical opinions (and responses) are shown once; texts are
    keyed once each (form letters repeat)."""
    cache: dict = {}

    def key(text):
        if text not in cache:
            cache[text] = dedupe_key(text)
        return cache[text]

    ops = [key(t) for t in opinions]
    if responses is None:
        return ops
    return [f"{o}\x00{key(r)}" for o, r in zip(ops, responses)]


def _earlier_corrections(table: pd.DataFrame) -> dict:
    """A re-uploaded download keeps the corrections made on it before ({row: label})."""
    if "corrected_label" not in table.columns:
        return {}
    labels = table["corrected_label"].fillna("").astype(str).str.strip().tolist()
    return {i: label for i, label in enumerate(labels) if label in LABELS}
