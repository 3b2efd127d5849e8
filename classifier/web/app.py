"""The staff page: upload or paste opinions, see suggestions, correct with one click, download.

Everything stays on this machine: uploads are kept in memory for the session only; the one thing
written to disk is the corrections file (data/corrections/corrections.csv).
"""
from __future__ import annotations

import io
import re
import secrets
import tempfile
from collections import OrderedDict
from pathlib import Path

import pandas as pd
from flask import Flask, abort, redirect, render_template, request, send_file, url_for
from markupsafe import Markup, escape

from ..corrections import append_correction, pending, read_corrections
from ..exceptions import PubcomError
from ..labels import LABELS, LABELS_JA
from ..predict import default_models_dir, load_model
from ..readers import DOCUMENT_SUFFIXES, read_as_table
from ..schemes import get_scheme, load_schemes
from ..tables import find_column, is_utf16, read_csv_bytes, write_table
from ..text import dedupe_key

MAX_UPLOAD_MB = 20
KEEP_UPLOADS = 20


def create_app(data_dir="data", models_dir=None) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD_MB * 1024 * 1024
    corrections_dir = Path(data_dir) / "corrections"
    models_dir = Path(models_dir or default_models_dir())
    models: dict = {}
    uploads: OrderedDict = OrderedDict()

    def model(mode):
        if mode not in models:
            models[mode] = load_model(mode, models_dir)
        return models[mode]

    def waiting():
        return pending(corrections_dir, models_dir)

    @app.errorhandler(413)
    def too_large(_):
        return render_template("index.html", error=f"The file is larger than {MAX_UPLOAD_MB} MB. "
                               "Split it into smaller files and upload them one by one.",
                               schemes=load_schemes(), waiting=waiting()), 413

    @app.errorhandler(500)
    def broken(_):
        return render_template("index.html", error="Something went wrong while reading this input. "
                               "Check that it is a CSV or XLSX table with an opinion column.",
                               schemes=load_schemes(), waiting=waiting()), 500

    @app.get("/")
    def index():
        return render_template("index.html", schemes=load_schemes(), waiting=waiting(), error=None)

    @app.post("/upload")
    def upload():
        scheme = request.form.get("scheme") or None
        try:
            table, name = _input_table(request)
            resp = find_column(table.columns, "response", required=False)
            mode = "response" if resp is not None and (table[resp].astype(str).str.strip() != "").any() else "opinion"
            out = model(mode).predict_table(table, scheme=scheme)
        except PubcomError as e:
            return render_template("index.html", error=str(e), schemes=load_schemes(), waiting=waiting()), 400
        token = secrets.token_urlsafe(8)
        uploads[token] = {"name": name, "table": table, "out": out, "mode": mode, "scheme": scheme,
                          "opinion": find_column(table.columns, "opinion"), "response": resp if mode == "response" else None,
                          "corrected": _earlier_corrections(table)}
        while len(uploads) > KEEP_UPLOADS:
            uploads.popitem(last=False)
        return redirect(url_for("results", token=token))

    def get(token):
        if token not in uploads:
            abort(404)
        return uploads[token]

    @app.get("/results/<token>")
    def results(token):
        u = get(token)
        rows = _rows(u, request.args)
        return render_template("results.html", u=u, token=token, rows=rows, args=request.args,
                               labels=LABELS, labels_ja=LABELS_JA, waiting=waiting(),
                               choices=_choices(u["scheme"]), total=len(u["out"]),
                               review=int(u["out"]["needs_review"].sum()))

    @app.post("/results/<token>/correct")
    def correct(token):
        u = get(token)
        try:
            row = int(request.form["row"])
            label = request.form["label"]
            if label not in LABELS or not 0 <= row < len(u["out"]):
                raise ValueError
        except (KeyError, ValueError):
            abort(400)
        out = u["out"]
        rows = [row]
        key = dedupe_key(out.at[row, u["opinion"]])
        if request.form.get("group") == "1" and key:  # one click corrects every identical opinion shown once
            rows = [i for i in range(len(out)) if dedupe_key(out.at[i, u["opinion"]]) == key]
        for i in rows:
            if key:  # a row without an opinion is corrected in the download, but teaches the model nothing
                append_correction(corrections_dir, str(out.at[i, u["opinion"]]),
                                  str(out.at[i, u["response"]]) if u["response"] else "", label,
                                  out.at[i, "label"], out.at[i, "confidence"], u["mode"], u["name"], i)
            u["corrected"][i] = label
        query = {k: v for k, v in request.form.items() if k.startswith("q_")}
        return redirect(url_for("results", token=token, **{k[2:]: v for k, v in query.items()}) + f"#row-{row}")

    @app.get("/results/<token>/download.<fmt>")
    def download(token, fmt):
        u = get(token)
        if fmt not in ("xlsx", "csv"):
            abort(404)
        out = u["out"].copy()
        out["corrected_label"] = [u["corrected"].get(i, "") for i in range(len(out))]
        with tempfile.TemporaryDirectory() as tmp:
            path = write_table(out, Path(tmp) / f"result.{fmt}")
            data = path.read_bytes()
        stem = Path(u["name"]).stem or "opinions"
        return send_file(io.BytesIO(data), as_attachment=True, download_name=f"{stem}_pubcom.{fmt}",
                         mimetype="text/csv" if fmt == "csv" else
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @app.get("/corrections")
    def corrections():
        frame = read_corrections(corrections_dir)
        return render_template("corrections.html", frame=frame.tail(200).iloc[::-1], total=len(frame),
                               waiting=waiting(), labels_ja=LABELS_JA)

    app.jinja_env.filters["highlight"] = highlight
    return app


def _earlier_corrections(table: pd.DataFrame) -> dict:
    """A re-uploaded download keeps the corrections made on it before ({row: label})."""
    if "corrected_label" not in table.columns:
        return {}
    labels = table["corrected_label"].fillna("").astype(str).str.strip().tolist()
    return {i: label for i, label in enumerate(labels) if label in LABELS}


def _input_table(req) -> tuple:
    file = req.files.get("file")
    if file and file.filename:
        data = file.read()
        suffix = Path(file.filename).suffix.lower()
        if suffix == ".txt" and is_utf16(data):
            suffix = ".csv"  # Excel's "Unicode text": a tab-separated table in UTF-16
        if suffix in (".xlsx", ".xlsm") + DOCUMENT_SUFFIXES:  # XLSX, or a published results document
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"upload{suffix}"
                path.write_bytes(data)
                try:
                    return read_as_table(path).reset_index(drop=True), file.filename
                except PubcomError as e:  # name the user's file, not our temporary copy
                    raise type(e)(str(e).replace(str(path), file.filename)) from None
        return read_csv_bytes(data, name=file.filename).reset_index(drop=True), file.filename
    text = (req.form.get("text") or "").strip()
    if not text:
        raise PubcomError("Choose a CSV or XLSX file, or paste opinions (one per line) into the box.")
    lines = [l for l in text.splitlines() if l.strip()]
    if any("\t" in l for l in lines):  # pasted from Excel: opinion<TAB>response
        parts = [l.split("\t", 1) + [""] for l in lines]
        return pd.DataFrame({"意見": [p[0] for p in parts], "市の考え方": [p[1] for p in parts]}), "pasted"
    return pd.DataFrame({"意見": lines}), "pasted"


def _choices(scheme):
    """Correction buttons: the scheme's own categories where a scheme is chosen."""
    if not scheme:
        return [(l, LABELS_JA[l]) for l in LABELS]
    s = get_scheme(scheme)
    seen = {}
    for raw, label in s.labels.items():  # the scheme's own order (A, B, C, D, E)
        seen.setdefault(label, raw)
    return [(label, raw) for label, raw in seen.items()]


def _rows(u, args) -> list:
    out = u["out"]
    frame = pd.DataFrame({"row": range(len(out)), "label": out["label"], "confidence": out["confidence"],
                          "review": out["needs_review"].astype(bool),
                          "key": out[u["opinion"]].map(dedupe_key)})
    frame["count"] = frame.groupby("key")["row"].transform("size")
    if args.get("group") == "1":
        frame = frame.drop_duplicates("key")
    if args.get("label") in LABELS:
        frame = frame[frame["label"] == args["label"]]
    if args.get("review") == "1":
        frame = frame[frame["review"]]
    try:
        below = float(args.get("below") or 1.01)
    except ValueError:
        below = 1.01
    frame = frame[frame["confidence"].fillna(0).astype(float) < below]
    sort = args.get("sort", "row")
    if sort == "confidence":
        frame = frame.sort_values("confidence", na_position="first", kind="stable")
    elif sort == "-confidence":
        frame = frame.sort_values("confidence", ascending=False, na_position="last", kind="stable")
    elif sort == "label":
        frame = frame.sort_values("label", kind="stable")
    elif sort == "count":
        frame = frame.sort_values("count", ascending=False, kind="stable")
    rows = []
    for r in frame.itertuples():
        o = out.iloc[r.row]
        rows.append({"row": r.row, "count": r.count, "opinion": o[u["opinion"]],
                     "response": o[u["response"]] if u["response"] else "", "data": o,
                     "terms": [t for t in str(o["top_terms"] or "").split(" / ") if t],
                     "corrected": u["corrected"].get(r.row)})
    return rows


def highlight(text, terms) -> Markup:
    """Escape ``text`` and wrap the words that drove the decision in <mark>."""
    text = "" if text is None or text != text else str(text)
    words = sorted({t.replace(" ", "") for t in terms if len(t.replace(" ", "")) >= 2}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words))
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup("<mark>") + escape(m.group(0)) + Markup("</mark>"))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def serve(host="127.0.0.1", port=8765, data_dir="data", models_dir=None, ready=None):
    """Run the page until interrupted; ``ready(url)`` is called once it listens."""
    from werkzeug.serving import make_server

    server = make_server(host, port, create_app(data_dir, models_dir), threaded=True)
    url = f"http://{host}:{server.server_port}/"
    if ready:
        ready(url)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return server
