"""The staff page: upload or paste opinions, see suggestions, correct with one click, download.

Everything stays on this machine: uploads are kept in memory for the session only; the one thing
written to disk is the corrections file (data/corrections/corrections.csv). Routes for corrections
are in ``correcting``, request checks and headers in ``security``, reading and predicting uploads in
``uploads``, what a page shows in ``views``, every message in ``messages``.
"""
from __future__ import annotations

import io
import re
import secrets
import tempfile
import time
from collections import OrderedDict
from pathlib import Path

from flask import Flask, abort, jsonify, redirect, render_template, request, send_file, url_for
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from ..corrections import pending
from ..exceptions import PubcomError
from ..labels import LABELS, LABELS_JA
from ..predict import default_models_dir
from ..schemes import load_schemes, scheme_title
from ..tables import find_column, write_table
from . import correcting, security, views
from .messages import BAD_REQUEST, BROKEN, MODES_JA, NOT_FOUND, STILL_PREDICTING, TOO_LARGE, explain, jst, opinion_caveat, request_caveat
from .uploads import Models, Upload, read_input

MAX_UPLOAD_MB = 20
KEEP_UPLOADS = 20


def create_app(data_dir="data", models_dir=None, hosts=None, port=None) -> Flask:
    """The page's Flask app. ``hosts``/``port``: the names and port requests must be addressed to
    (default: 127.0.0.1, localhost, ::1 on any port; ``serve`` sets what it bound)."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD_MB * 1024 * 1024
    if hosts is not None:
        app.config["PUBCOM_HOSTS"] = set(hosts)
    app.config["PUBCOM_PORT"] = port
    corrections_dir = Path(data_dir) / "corrections"
    models = Models(Path(models_dir or default_models_dir()))
    uploads: OrderedDict = OrderedDict()
    app.extensions["pubcom"] = {"uploads": uploads, "models": models, "corrections": corrections_dir}

    def waiting():
        return pending(corrections_dir, models.dir)

    def page(template, status=200, **context):
        context.setdefault("error", None)
        cards = {mode: models.card(mode) for mode in ("response", "opinion")}
        return render_template(template, waiting=waiting(), cards=cards, jst=jst, modes_ja=MODES_JA,
                               **context), status

    def refuse(status, message):
        if request.accept_mimetypes.best == "application/json" or request.is_json:
            return jsonify(ok=False, message=message), status
        return render_template("message.html", message=message, waiting=None, cards={}, error=None), status

    def index_page(error=None, status=200):
        return page("index.html", status, error=error, schemes=views.schemes(load_schemes()))

    security.install(app, refuse)

    @app.errorhandler(413)
    def too_large(_):
        return index_page(TOO_LARGE.format(mb=MAX_UPLOAD_MB), 413)

    @app.errorhandler(500)
    def broken(_):
        return index_page(BROKEN, 500)

    @app.errorhandler(404)
    def not_found(_):
        return refuse(404, NOT_FOUND.format(n=KEEP_UPLOADS))

    @app.errorhandler(HTTPException)
    def other(e):  # 400, 405, …: never Werkzeug's English page
        return refuse(e.code or 400, BAD_REQUEST)

    @app.get("/")
    def index():
        return index_page()

    @app.post("/upload")
    def upload():
        scheme = request.form.get("scheme") or None
        started = time.perf_counter()
        try:
            if scheme and scheme not in load_schemes():
                abort(400)
            table, name, lines = read_input(request)
            resp = find_column(table.columns, "response", required=False)
            has_response = resp is not None and (table[resp].astype(str).str.strip() != "").any()
            model = models.get("response" if has_response else "opinion")
            u = Upload(secrets.token_urlsafe(12), name, table, lines, model, scheme, started, models.precedents())
            u.predict(background=app.config.get("PUBCOM_BACKGROUND", True))
        except PubcomError as e:
            return index_page(explain(e), 400)
        uploads[u.token] = u
        while len(uploads) > KEEP_UPLOADS:
            uploads.popitem(last=False)
        return redirect(url_for("results", token=u.token))

    def get(token):
        if token not in uploads:
            abort(404)
        return uploads[token]

    @app.get("/results/<token>")
    def results(token):
        u = get(token)
        chosen = views.select(u, request.args)
        grouped = chosen["grouped"]
        u.precedents([i for i in chosen["rows"] if not u.blank(i)])  # one look-up for the page's rows
        rows = [views.row_view(u, i, grouped) for i in chosen["rows"]]
        out = u.out
        return page("results.html", u=u, token=token, rows=rows, chosen=chosen, args=request.args,
                    labels=LABELS, labels_ja=LABELS_JA, choices=views.choices(u.scheme),
                    legend=views.legend(u.scheme), sorts=views.sorts(u),
                    asks=views.has_requests(u), request_types=views.request_types(), scheme_title=scheme_title,
                    review=int((out["needs_review"].astype(bool) & (out["error"] == "")).sum()),
                    current=models.card(u.mode).get("trained_at", ""), query=_query(request.args),
                    opinion_caveat=opinion_caveat, request_caveat=request_caveat,
                    rest_error=explain(u.error) if u.error else "")

    @app.get("/results/<token>/status")
    def status(token):
        u = get(token)
        done, total = u.done
        return jsonify(ready=u.ready, total=u.total, finished=u.finished, distinct_done=done, distinct_total=total,
                       error=explain(u.error) if u.error else "", timings=u.timings)

    @app.get("/results/<token>/download.<fmt>")
    def download(token, fmt):
        u = get(token)
        if fmt not in ("xlsx", "csv"):
            abort(404)
        if u.ready < u.total:
            return refuse(409, STILL_PREDICTING)
        out = u.out.copy()
        out["corrected_label"] = [u.label_of(i) or "" for i in range(len(out))]
        with tempfile.TemporaryDirectory() as tmp:
            path = write_table(out, Path(tmp) / f"result.{fmt}")
            data = path.read_bytes()
        stem = Path(u.name).stem or "opinions"
        return send_file(io.BytesIO(data), as_attachment=True, download_name=f"{stem}_pubcom.{fmt}",
                         mimetype="text/csv" if fmt == "csv" else
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    correcting.register(app, get, page, refuse, waiting)
    app.jinja_env.filters["highlight"] = highlight
    return app


def _query(args) -> dict:
    """The view's parameters (filters, sort, page), to come back to the same view."""
    return {k: v for k, v in args.items() if k in ("label", "request_type", "review", "below", "group", "sort", "page")}


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


def make_server(host="127.0.0.1", port=8765, data_dir="data", models_dir=None):
    """The page's server, bound: (server, the URLs to open, the no-login warning or None). Requests
    must be addressed to one of the names it answers to, on the port it bound."""
    from werkzeug.serving import make_server as bind

    app = create_app(data_dir, models_dir, hosts=security.addresses(host))
    app.extensions["pubcom"]["models"].precedents()  # loaded now, not on the first upload
    server = bind(host, port, app, threaded=True)
    app.config["PUBCOM_PORT"] = server.server_port
    warning = security.NO_LOGIN if host in security.WILDCARD else None
    return server, security.urls(host, server.server_port), warning


def serve(host="127.0.0.1", port=8765, data_dir="data", models_dir=None, ready=None, warn=None):
    """Run the page until interrupted. ``ready(urls)`` is called with the addresses to open once it
    listens; ``warn(text)`` with the no-login warning when it listens on every address."""
    server, urls, warning = make_server(host, port, data_dir, models_dir)
    if warning and warn:
        warn(warning)
    if ready:
        ready(urls)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return server
