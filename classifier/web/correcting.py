"""Corrections from the page: one click corrects a row (or, in the grouped view and after a
confirmation that showed them, every row of its group), undo withdraws a click, and the
corrections list shows every correction with a button to withdraw it.

A group is the rows with the same opinion and, in response mode, the same response; a correction
of a group is written only if the group is still exactly the rows (and responses) that were shown.
Answers come as JSON to the page's script (the table is not reloaded), else as a redirect.
"""
from __future__ import annotations

import uuid

from flask import jsonify, redirect, render_template, request, url_for

from ..corrections import append_corrections, read_corrections, withdraw_correction, withdraw_corrections
from ..exceptions import CorrectionError
from ..labels import LABELS, LABELS_JA
from . import views
from .messages import BAD_REQUEST, NOT_CORRECTABLE, STALE, explain, jst

LIST_PAGE = 100
WITHDRAWN = "修正を取り消しました（取り消しも記録に残ります）。 / The correction was withdrawn."
FAILED = "その修正は取り消せません（すでに取り消されているか、見つかりません）。 / It cannot be withdrawn."


def register(app, get, page, refuse, waiting) -> None:
    state = app.extensions["pubcom"]
    folder, ids = state["corrections"], state.setdefault("ids", {})  # correction id -> (token, batch)

    def wants_json():
        return request.accept_mimetypes.best == "application/json"

    def answer(u, token, affected, message):
        query = {k[2:]: v for k, v in request.form.items() if k.startswith("q_")}
        if not wants_json():
            anchor = f"#row-{affected[0]}" if affected else ""
            return redirect(url_for("results", token=token, **query) + anchor)
        visible = {int(v) for v in request.form.get("visible", "").split(",") if v.isdigit()}
        grouped = query.get("group") == "1" and u.finished
        rows = {str(i): render_template("_row.html", r=views.row_view(u, i, grouped), u=u, token=token,
                                        choices=views.choices(u.scheme), query=query)
                for i in affected if i in visible}
        return jsonify(ok=True, rows=rows, waiting=waiting(), message=message)

    @app.post("/results/<token>/correct")
    def correct(token):
        u = get(token)
        try:
            row, label = int(request.form["row"]), request.form["label"]
        except (KeyError, ValueError):
            return refuse(400, BAD_REQUEST)
        if label not in LABELS or not 0 <= row < u.ready:
            return refuse(400, BAD_REQUEST)
        if u.blank(row):
            return refuse(400, NOT_CORRECTABLE)
        rows = [row]
        if request.form.get("group") == "1":
            rows = u.group(row) if u.finished else []
            given = sorted(int(v) for v in request.form.get("rows", "").split(",") if v.isdigit())
            if given != sorted(rows) or request.form.get("shown") != views.fingerprint(u, rows):
                return refuse(409, STALE)
            if len(rows) > 1 and request.form.get("confirm") != "1":
                return page("confirm.html", u=u, token=token, r=views.row_view(u, row, True), label=label,
                            label_ja=LABELS_JA[label], choices=dict((l, t) for l, t, _ in views.choices(u.scheme)),
                            form={k: v for k, v in request.form.items() if k != "csrf_token"},
                            back={k[2:]: v for k, v in request.form.items() if k.startswith("q_")})
        batch = uuid.uuid4().hex[:12]
        out = u.out
        with u.lock:
            records = append_corrections(folder, [dict(
                opinion=u.opinions[j], response=u.answers[j],
                label=label, original_label=out.at[j, "label"], original_confidence=out.at[j, "confidence"],
                mode=u.mode, upload=u.name, row=u.lines[j], number=u.file_number(j)) for j in rows])
            u.clicks[batch] = [(j, record["id"], label) for j, record in zip(rows, records)]
            for j, record in zip(rows, records):
                ids[record["id"]] = (token, batch)
                u.history.setdefault(j, []).append(batch)
        shown = views.choices(u.scheme)
        text = next(t for l, t, _ in shown if l == label)
        return answer(u, token, rows, f"{len(rows)} 件を「{text}」に修正しました。 / {len(rows)} row(s) corrected.")

    @app.post("/results/<token>/withdraw")
    def withdraw(token):
        u = get(token)
        try:
            row = int(request.form["row"])
        except (KeyError, ValueError):
            return refuse(400, BAD_REQUEST)
        with u.lock:
            batches = u.history.get(row)
            if not batches:
                return refuse(409, STALE)
            batch = batches[-1]
            made = u.clicks.pop(batch)
            listed = set(read_corrections(folder)["id"])  # some may have been withdrawn from the list
            withdraw_corrections(folder, [cid for _, cid, _ in made if cid in listed], note="withdrawn on the page")
            for j, cid, _ in made:
                u.history[j].remove(batch)
                ids.pop(cid, None)
        return answer(u, token, [j for j, _, _ in made],
                      f"{len(made)} 件の修正を取り消しました（記録は残ります）。 / {len(made)} correction(s) withdrawn.")

    @app.get("/corrections")
    def corrections():
        log = read_corrections(folder, withdrawn=True).iloc[::-1]
        pages = max(1, -(-len(log) // LIST_PAGE))
        try:
            number = min(max(1, int(request.args.get("page") or 1)), pages)
        except ValueError:
            number = 1
        shown = log.iloc[(number - 1) * LIST_PAGE:number * LIST_PAGE]
        return page("corrections.html", frame=shown, total=len(log), in_force=int((log["withdrawn_at"] == "").sum()),
                    page_number=number, pages=pages, labels_ja=LABELS_JA,
                    error=FAILED if request.args.get("failed") else None,
                    done=WITHDRAWN if request.args.get("done") else None)

    @app.post("/corrections/withdraw")
    def withdraw_listed():
        cid = request.form.get("id", "")
        try:
            withdraw_correction(folder, cid, note="withdrawn from the corrections list")
        except CorrectionError as e:
            if wants_json():
                return refuse(409, explain(e))
            return redirect(url_for("corrections", failed=1))
        token, batch = ids.pop(cid, (None, None))
        u = state["uploads"].get(token)
        if u is not None:
            with u.lock:
                made = u.clicks.get(batch, [])
                for j, other, _ in [m for m in made if m[1] == cid]:
                    made.remove((j, other, _))
                    u.history[j].remove(batch)
                if not made:
                    u.clicks.pop(batch, None)
        if wants_json():
            return jsonify(ok=True, waiting=waiting(), message=WITHDRAWN)
        return redirect(url_for("corrections", done=1, page=request.form.get("page") or None))
