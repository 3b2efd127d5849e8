"""The staff page through Flask's test client: uploads, the results page, downloads, messages."""
import io
import re

import pandas as pd
import pytest

from classifier.corrections import read_corrections
from classifier.tables import read_csv_bytes
from classifier.web.app import MAX_UPLOAD_MB, create_app, highlight
from classifier.web.messages import evidence, explain, without_flags

XSS = ['<script>alert("x")</script>窓口を残して', '"><img src=x onerror=alert(1)>賛成です']
ORIGIN = {"Origin": "http://localhost"}


class Page:
    """A test client that posts as the page does: from its own origin, with its CSRF token."""

    def __init__(self, app):
        self.app, self.c = app, app.test_client()

    def get(self, url, **kw):
        return self.c.get(url, **kw)

    def post(self, url, data=None, json=False, **kw):
        data = dict(data or {}, csrf_token=self.app.config["PUBCOM_CSRF"])
        headers = dict(ORIGIN, **({"Accept": "application/json"} if json else {}))
        return self.c.post(url, data=data, headers=headers, content_type="multipart/form-data", **kw)

    def upload(self, frame, name="in.csv", **form):
        buf = io.BytesIO()
        frame.to_csv(buf, index=False, encoding="utf-8-sig")
        buf.seek(0)
        return self.post("/upload", {"file": (buf, name), **form})

    def token(self, frame, **form):
        r = self.upload(frame, **form)
        assert r.status_code == 302, r.get_data(as_text=True)
        return r.headers["Location"].rsplit("/", 1)[1]

    def correct(self, token, row, label, json=False, **form):
        return self.post(f"/results/{token}/correct", {"row": str(row), "label": label, **form}, json=json)

    def download(self, token):
        return read_csv_bytes(self.get(f"/results/{token}/download.csv").data)


@pytest.fixture
def page(tmp_path, saved_models):
    app = create_app(tmp_path / "data", saved_models)
    app.config["TESTING"] = True
    return Page(app), tmp_path / "data" / "corrections"


def rows_shown(html):
    return re.findall(r'<tr id="row-(\d+)"', html)


def test_upload_shows_suggestions_with_everything_escaped(page):
    p, _ = page
    frame = pd.DataFrame({"意見": XSS + ["=1+2"], "市の考え方": ["原案のとおりとします。", "承ります。<b>", "今後検討します"]})
    r = p.upload(frame, scheme="morioka")
    assert r.status_code == 302
    html = p.get(r.headers["Location"]).get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html and "&#34;&gt;&lt;img" in html
    assert html.count('name="label" value="deferred"') == 3  # one-click buttons on each row
    assert "盛岡市" in html and "期間中に検討するもの" in html  # the scheme by its name, its legend
    assert re.search(r'value="deferred" class="[^"]*" title="D: 期間中に検討するもの', html)  # D's button, its legend
    assert "次点 " in html and not re.search(r"次点 [A-E] · (adopted|covered|deferred|rejected|other)", html)


def test_correction_is_appended_with_the_row_the_clerk_saw_and_download_keeps_every_row(page):
    p, corrections = page
    frame = pd.DataFrame({"番号": ["12", "13", "14"], "意見": ["窓口を残して", "", "@SUM(A1)"],
                          "市の考え方": ["原案のとおりとします。", "承ります", "今後検討します"], "メモ": ["a", "b", "c"]})
    token = p.token(frame)
    assert p.correct(token, 0, "deferred").status_code == 302
    saved = read_corrections(corrections)
    assert saved[["opinion", "label", "label_origin"]].values.tolist() == [["窓口を残して", "deferred", "annotated"]]
    assert saved["row"].tolist() == ["2"] and saved["number"].tolist() == ["12"]  # Excel's row 2, 番号 12
    assert saved["original_label"].iloc[0] and saved["time"].iloc[0]
    p.correct(token, 2, "other")
    assert len(read_corrections(corrections)) == 2  # append only
    data = p.get(f"/results/{token}/download.csv").data
    assert data[:3] == b"\xef\xbb\xbf"
    back = read_csv_bytes(data)
    assert back["番号"].tolist() == ["12", "13", "14"] and back["メモ"].tolist() == ["a", "b", "c"]
    assert back["corrected_label"].tolist() == ["deferred", "", "other"]
    assert back["意見"].iloc[2] == "'@SUM(A1)"  # formula neutralized
    assert back["error"].iloc[1].startswith("empty opinion")
    html = p.get(f"/results/{token}").get_data(as_text=True)
    assert "番号 12" in html and ">2<br>" in html  # the clerk sees the file's row and 番号


@pytest.mark.parametrize("payload, japanese, english", [
    ({"file": (io.BytesIO(b"\x00\x01\x02\x03binary"), "x.csv")}, "表として読めない", "binary data"),
    ({"file": (io.BytesIO("ただの文章です\n".encode()), "x.csv")}, "見出し", "not a table"),
    ({"file": (io.BytesIO("番号,本文\n1,x\n".encode()), "x.csv")}, "意見の列が見つかりません", "no opinion column"),
    ({"file": (io.BytesIO(b"PK\x03\x04broken"), "x.xlsx")}, "Excel (.xlsx) ファイルとして読めません", "x.xlsx: not a readable XLSX"),
    ({"file": (io.BytesIO(b"\xd0\xcf\x11\xe0old"), "x.xls")}, ".xlsx で保存", ".xls"),
    ({"text": "   "}, "貼り付けてください", "paste opinions"),
])
def test_bad_uploads_get_a_japanese_message_naming_no_flag(page, payload, japanese, english):
    p, _ = page
    r = p.post("/upload", payload)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and japanese in html and english in html
    shown = html.replace(p.app.config["PUBCOM_CSRF"], "")  # the random CSRF token may hold "--"
    assert "Traceback" not in shown and "--" not in shown and "upload.xlsx" not in shown
    assert p.get("/").status_code == 200


def test_library_messages_lose_their_flags():
    from classifier.exceptions import MissingColumnError

    e = MissingColumnError("no opinion column: columns found: 番号; expected one of: 意見. "
                           "Rename the column or name it with --opinion-column.")
    text = explain(e)
    assert text.startswith("意見の列が見つかりません") and "--" not in text and "columns found: 番号" in text
    assert without_flags("a.csv: no response column. Use --mode opinion when there are no responses.") == \
        "a.csv: no response column."


def test_upload_over_the_size_limit(page):
    p, _ = page
    big = io.BytesIO(b"a" * (MAX_UPLOAD_MB * 1024 * 1024 + 10))
    r = p.post("/upload", {"file": (big, "big.csv")})
    html = r.get_data(as_text=True)
    assert r.status_code == 413 and f"{MAX_UPLOAD_MB} MB" in html and "大きすぎます" in html


def test_pasted_opinions_grouped_and_blank_lines_neither_grouped_nor_correctable(page):
    p, corrections = page
    r = p.post("/upload", {"text": "窓口を残して\n窓口を残して\n\n賛成です"})
    html = p.get(r.headers["Location"] + "?group=1").get_data(as_text=True)
    assert "×2" in html and len(rows_shown(html)) == 2
    frame = pd.DataFrame({"意見": ["", "窓口を残して", "", "窓口を残して"], "市の考え方": ["", "原案のとおり", "", "原案のとおり"]})
    token = p.token(frame)
    html = p.get(f"/results/{token}?group=1").get_data(as_text=True)
    assert sorted(rows_shown(html)) == ["0", "1", "2"]  # the two blank rows stay apart
    assert html.count('class="correct"') == 1 and "空の行は修正できません" in html
    assert p.correct(token, 0, "other").status_code == 400
    assert p.correct(token, 0, "other", group="1", rows="0,2").status_code == 400
    assert read_corrections(corrections).empty
    assert p.download(token)["corrected_label"].tolist() == ["", "", "", ""]


def test_filters_and_japanese_cell_errors(page):
    p, _ = page
    frame = pd.DataFrame({"意見": ["a意見", "b意見", "c意見"], "市の考え方": ["原案のとおりとします。", "", "承ります"]})
    token = p.token(frame)
    html = p.get(f"/results/{token}?sort=confidence&below=0.0").get_data(as_text=True)
    assert "該当する行はありません" in html
    html = p.get(f"/results/{token}").get_data(as_text=True)
    assert "回答が空のため推定していません（列「市の考え方」）" in html and "empty response" not in html


def test_review_first_100_a_page(page):
    p, _ = page
    p.app.config["PUBCOM_BACKGROUND"] = False
    responses = ["原案のとおりとします。", "承ります", "今後検討します", "ご意見として伺います。"]
    frame = pd.DataFrame({"意見": [f"意見その{i}です" for i in range(250)], "市の考え方": [responses[i % 4] for i in range(250)]})
    token = p.token(frame)
    back = p.download(token)
    review = [i for i, flag in enumerate(back["needs_review"]) if flag == "True"]
    order = review + [i for i in range(250) if i not in review]
    first = p.get(f"/results/{token}").get_data(as_text=True)
    assert [int(i) for i in rows_shown(first)] == order[:100] and "1 / 3 ページ" in first
    third = p.get(f"/results/{token}?page=3").get_data(as_text=True)
    assert [int(i) for i in rows_shown(third)] == order[200:]
    assert [int(i) for i in rows_shown(p.get(f"/results/{token}?sort=row&page=2").get_data(as_text=True))] == \
        list(range(100, 200))


def test_highlight_escapes_and_marks():
    out = str(highlight('<b>原案</b>のとおり"', ["原案", "と"]))
    assert out == '&lt;b&gt;<mark>原案</mark>&lt;/b&gt;のとおり&#34;'


def test_evidence_in_japanese_without_bare_function_tokens():
    shown = evidence("し / rule→covered / 原案のとおり / 〜まし / する / せ / ask:request×last:none / ask:other / "
                     "ask:question / no rule matched / 〜検討する")
    assert shown == ["原案のとおり", "〜検討する", "表現の判定: 記載済み", "意見の種類: 質問", "定型の表現なし"]


def test_the_files_own_category_is_shown_beside_the_suggestion(page):
    p, _ = page
    frame = pd.DataFrame({"意見": ["窓口を残して"], "市の考え方": ["承ります"], "区分": ["反映困難"]})
    html = p.get(f"/results/{p.token(frame)}").get_data(as_text=True)
    assert "ファイルの区分: <strong>反映困難</strong>" in html


def test_published_text_document_can_be_uploaded(page, raw):
    p, _ = page
    data = next(raw.glob("002_*.txt")).read_bytes()
    r = p.post("/upload", {"file": (io.BytesIO(data), "morioka.txt"), "scheme": "morioka"})
    assert r.status_code == 302
    assert len(rows_shown(p.get(r.headers["Location"]).get_data(as_text=True))) == 10
    minutes = next(raw.glob("004_*.txt")).read_bytes()
    r = p.post("/upload", {"file": (io.BytesIO(minutes), "minutes.txt")})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "meeting minutes" in html and "一覧ではないようです" in html


def test_download_with_control_characters_in_cells(page):
    p, _ = page
    token = p.token(pd.DataFrame({"意見": ["改行\x0bあり\x01の意見"], "市の考え方": ["承ります"]}))
    r = p.get(f"/results/{token}/download.xlsx")
    assert r.status_code == 200
    assert pd.read_excel(io.BytesIO(r.data))["意見"].tolist() == ["改行\nありの意見"]


def test_excel_unicode_text_upload(page):
    p, _ = page
    data = "意見\t市の考え方\n窓口を残して\t今後検討してまいります。\n".encode("utf-16")
    r = p.post("/upload", {"file": (io.BytesIO(data), "意見一覧.txt")})
    assert r.status_code == 302
    html = p.get(r.headers["Location"]).get_data(as_text=True)
    assert "窓口を残して" in html and len(rows_shown(html)) == 1


def test_reuploading_a_download_keeps_its_corrections(page):
    p, _ = page
    frame = pd.DataFrame({"意見": ["窓口を残して", "賛成です", "反対です"], "市の考え方": ["承ります", "承ります。", "原案のとおり"]})
    token = p.token(frame)
    p.correct(token, 1, "deferred")
    first = p.download(token).reset_index(drop=True)
    token = p.token(first)
    p.correct(token, 2, "rejected")
    assert p.download(token)["corrected_label"].tolist() == ["", "deferred", "rejected"]


def test_the_page_names_its_model_and_uses_a_retrained_one(tmp_path, saved_models):
    import shutil

    from classifier import persist

    models = tmp_path / "models"
    shutil.copytree(saved_models, models)
    app = create_app(tmp_path / "data", models)
    p = Page(app)
    old = persist.read_card(models, "response")["trained_at"] if "trained_at" in persist.read_card(models, "response") else ""
    frame = pd.DataFrame({"意見": ["窓口を残して"], "市の考え方": ["承ります"]})
    first = p.token(frame)
    pipeline, card = persist.load(models, "response")
    persist.save(pipeline, dict(card, trained_at="2031-04-01T01:00:00+00:00"), models, "response")
    html = p.get("/").get_data(as_text=True)
    assert "2031-04-01 10:00 JST" in html  # the header names the model now in use, in JST
    html = p.get(f"/results/{first}").get_data(as_text=True)
    assert "新しいモデル（2031-04-01 10:00 JST 学習）があります" in html
    second = p.token(frame)
    assert app.extensions["pubcom"]["uploads"][second].trained_at == "2031-04-01T01:00:00+00:00"
    assert app.extensions["pubcom"]["uploads"][first].trained_at == old
    assert "新しいモデル" not in p.get(f"/results/{second}").get_data(as_text=True)


def test_a_large_file_shows_its_first_page_while_the_rest_is_predicted(page, monkeypatch):
    import threading
    import time

    from classifier.predict import load_model
    from classifier.web import uploads

    p, _ = page
    go = threading.Event()
    rest = uploads.Upload._rest
    monkeypatch.setattr(uploads.Upload, "_rest", lambda self, first: (go.wait(10), rest(self, first)))
    frame = pd.DataFrame({"意見": [f"窓口を残してください その{i}" for i in range(150)] + ["最後の意見"],
                          "市の考え方": ["今後検討してまいります。", "原案のとおりとします。", "承ります"] * 50 + ["承ります"]})
    frame.loc[130] = ["", ""]  # a blank row among the rest
    token = p.token(frame)
    html = p.get(f"/results/{token}?sort=confidence&group=1").get_data(as_text=True)
    assert 'id="progress"' in html and "推定中" in html and "100 / 151 行" in html
    assert [int(i) for i in rows_shown(html)] == list(range(100))  # file order, not grouped, until done
    assert re.search(r'name="group" value="1"\s+disabled', html)
    r = p.get(f"/results/{token}/download.csv")
    assert r.status_code == 409 and "まだ推定中です" in r.get_data(as_text=True)
    assert p.get(f"/results/{token}/status").get_json()["finished"] is False
    assert p.correct(token, 5, "deferred").status_code == 302  # shown rows can be corrected meanwhile
    assert p.correct(token, 120, "deferred").status_code == 400  # rows not shown yet cannot
    go.set()
    for _ in range(200):
        status = p.get(f"/results/{token}/status").get_json()
        if status["finished"]:
            break
        time.sleep(0.05)
    assert status["ready"] == status["total"] == 151 and status["timings"]["all_s"] >= status["timings"]["first_s"]
    html = p.get(f"/results/{token}").get_data(as_text=True)
    assert 'id="progress"' not in html and "1 / 2 ページ" in html
    back = p.download(token)
    expected = load_model("response", p.app.extensions["pubcom"]["models"].dir).predict_table(frame)
    assert back["label"].fillna("").tolist() == expected["label"].fillna("").tolist()
    assert back["corrected_label"].tolist()[5] == "deferred" and back["error"].tolist()[130].startswith("empty")


def test_http_errors_are_explained_in_japanese(page):
    p, _ = page
    for r in (p.get("/upload"), p.get("/results/nope"), p.post("/results/nope/correct", {"row": "0", "label": "other"})):
        html = r.get_data(as_text=True)
        assert r.status_code in (404, 405) and re.search("[ぁ-んァ-ン]", html) and "Method Not Allowed" not in html
    token = p.token(pd.DataFrame({"意見": ["窓口を残して"], "市の考え方": ["承ります"]}))
    r = p.correct(token, 0, "bogus", json=True)
    assert r.status_code == 400 and "正しくありません" in r.get_json()["message"]


def test_the_readers_errors_are_explained_by_kind():
    from classifier.exceptions import TableReadError

    class StrayQuoteError(TableReadError):  # as the table readers name theirs
        pass

    class HeaderNotFoundError(TableReadError):
        def __init__(self, message, sheets):
            super().__init__(message)
            self.sheets = sheets

    assert explain(StrayQuoteError("a.csv: line 3: a quote opens a cell")).startswith("CSV の中に閉じていない引用符")
    text = explain(HeaderNotFoundError("a.xlsx: no header row. Name it with --header-row N.", ["集計", "意見一覧"]))
    assert text.startswith("見出しの行") and "集計、意見一覧" in text and "--" not in text


ASKS = ["「計画」を「方針」に修正してください。", "この計画には反対です。白紙に戻してください。",
        "P5に市民参加を明記していただきたい。", "説明会はいつ開かれるのですか。", "この計画に賛成です。"]
REQUEST_ORDER = ["wording", "addition", "request", "opposition", "question", "support", "other"]


@pytest.fixture
def asking(tmp_path, saved_models_with_requests):
    app = create_app(tmp_path / "data", saved_models_with_requests)
    app.config.update(TESTING=True, PUBCOM_BACKGROUND=False)
    return Page(app)


def asks_shown(html):
    return re.findall(r'<span class="ask ask-(\w+)">', html)


def test_each_row_shows_its_request_type_and_the_filter_keeps_only_that_type(asking):
    p = asking
    frame = pd.DataFrame({"意見": ASKS * 2 + [""], "市の考え方": ["原案のとおりとします。"] * 11})
    token = p.token(frame)
    types = p.download(token)["request_type"].fillna("").tolist()
    assert types[-1] == "" and len(set(types[:-1])) >= 3  # the opinions ask different things
    html = p.get(f"/results/{token}?sort=row").get_data(as_text=True)
    assert "<th>意見の種類 / request type</th>" in html and 'name="request_type"' in html
    assert asks_shown(html) == types[:-1] and "意見が空のため推定していません" in html
    assert html.count('<td class="request-type">') == 11
    ja = {"wording": "文言修正", "opposition": "反対・中止"}
    for kind in set(types[:-1]):
        shown = p.get(f"/results/{token}?sort=row&request_type={kind}").get_data(as_text=True)
        assert [int(i) for i in rows_shown(shown)] == [i for i, t in enumerate(types) if t == kind]
        assert f'<option value="{kind}" selected>' in shown
        if kind in ja:
            assert f'<span class="ask ask-{kind}">{ja[kind]}</span>' in shown
    assert "--" not in re.sub(r"<!--.*?-->", "", html.split("<form class=\"filters\"")[1].split("</form>")[0])


def test_sort_by_request_type(asking):
    p = asking
    token = p.token(pd.DataFrame({"意見": ASKS[::-1] * 2, "市の考え方": ["今後検討します"] * 10}))
    types = p.download(token)["request_type"].tolist()
    html = p.get(f"/results/{token}?sort=request_type").get_data(as_text=True)
    rows = [int(i) for i in rows_shown(html)]
    assert rows == sorted(range(10), key=lambda i: (REQUEST_ORDER.index(types[i]), i))
    assert asks_shown(html) == sorted(types, key=REQUEST_ORDER.index)
    assert '<option value="request_type" selected>' in html


def test_pages_and_corrections_keep_the_request_type_filter(asking):
    p = asking
    frame = pd.DataFrame({"意見": [f"{ASKS[i % 3]}（{i}）" for i in range(330)], "市の考え方": ["承ります"] * 330})
    token = p.token(frame)
    types = p.download(token)["request_type"].tolist()
    kind = max(set(types), key=types.count)
    wanted = [i for i, t in enumerate(types) if t == kind]
    assert len(wanted) > 100
    first = p.get(f"/results/{token}?sort=row&request_type={kind}").get_data(as_text=True)
    assert [int(i) for i in rows_shown(first)] == wanted[:100]
    nxt = re.search(r'<a class="button next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert f"request_type={kind}" in nxt
    second = p.get(nxt).get_data(as_text=True)
    assert [int(i) for i in rows_shown(second)] == wanted[100:200]
    assert f'name="q_request_type" value="{kind}"' in second
    r = p.correct(token, wanted[0], "other", q_request_type=kind, q_sort="row")
    assert r.status_code == 302 and f"request_type={kind}" in r.headers["Location"]


def test_without_a_request_model_the_page_says_nothing_of_request_types(page):
    p, _ = page
    token = p.token(pd.DataFrame({"意見": ASKS, "市の考え方": ["原案のとおりとします。"] * 5}))
    html = p.get(f"/results/{token}").get_data(as_text=True)
    assert "意見の種類" not in html and "request type" not in html and 'class="request-type"' not in html
    assert "request_type" not in html
    html = p.get(f"/results/{token}?sort=request_type&request_type=wording").get_data(as_text=True)
    assert len(rows_shown(html)) == 5  # the filter and the sort are ignored, not an error
    assert '<option value="review" selected>' in html


@pytest.mark.parametrize("reach, says", [
    ({"60%": 0.5, "70%": 0.25, "80%": 0.1, "90%": 0.0}, ["70 % の精度で区分できるのは全体の 25 %", "80 % の精度では 10 %"]),
    ({"60%": 0.0, "70%": 0.0, "80%": 0.0, "90%": 0.0}, ["全体の 0 %", "80 % の精度では 0 %"]),
    (None, ["評価されていません"]),
])
def test_the_opinion_only_caveat_says_what_share_of_rows_it_can_label(reach, says):
    from classifier.web.messages import opinion_caveat

    text = opinion_caveat({"coverage_at_precision": reach} if reach else {})
    assert text.startswith("意見だけからの推定は参考です")
    assert all(s in text for s in says) and "--" not in text


def test_an_opinion_only_upload_shows_the_caveat_and_a_response_upload_does_not(tmp_path, saved_models):
    import shutil

    from classifier import persist

    models = tmp_path / "models"
    shutil.copytree(saved_models, models)
    pipeline, card = persist.load(models, "opinion")
    persist.save(pipeline, dict(card, coverage_at_precision={"60%": 0.3, "70%": 0.12, "80%": 0.04, "90%": 0.0}),
                 models, "opinion")
    p = Page(create_app(tmp_path / "data", models))
    html = p.get(f"/results/{p.token(pd.DataFrame({'意見': ['窓口を残して', '賛成です']}))}").get_data(as_text=True)
    assert "70 % の精度で区分できるのは全体の 12 %" in html and "80 % の精度では 4 %" in html
    both = pd.DataFrame({"意見": ["窓口を残して"], "市の考え方": ["原案のとおりとします。"]})
    shown = p.get(f"/results/{p.token(both)}").get_data(as_text=True)
    assert "意見だけからの推定" not in shown and "request-caveat" not in shown  # no request-type model here


@pytest.mark.parametrize("review, says", [
    ({"threshold": 1.0, "review_share": 1.0, "precision_rest": None, "target": 0.9},
     ["どの確信度でも 90 % の精度に届きません", "一件ずつ確かめてください"]),
    ({"threshold": 0.72, "review_share": 0.4, "precision_rest": 0.91, "target": 0.9},
     ["確信度 0.72 未満の行は確かめてください", "90 % の精度"]),
    (None, ["どの確信度でも 90 % の精度に届きません"]),  # a card that never measured it: check everything
])
def test_the_request_caveat_says_how_far_the_request_types_can_be_trusted(review, says):
    from classifier.web.messages import request_caveat

    text = request_caveat({"needs_review": review} if review else {})
    assert text.startswith("意見の種類は、言い回しの手がかりの表から推定したものです。")
    assert all(s in text for s in says)


def test_an_upload_with_request_types_shows_the_request_caveat(asking, tmp_path):
    p = asking
    html = p.get(f"/results/{p.token(pd.DataFrame({'意見': ASKS, '市の考え方': ['原案のとおりとします。'] * len(ASKS)}))}"
                 ).get_data(as_text=True)
    assert 'class="caveat request-caveat"' in html and "意見の種類は、言い回しの手がかりの表から" in html


def test_a_summary_sheet_first_or_a_damaged_sheet_is_explained_on_the_page(page, tmp_path):
    import zipfile

    import openpyxl

    p, _ = page
    wb = openpyxl.Workbook()
    wb.active.title = "集計"
    wb.active.append(["区分", "件数"])
    sheet = wb.create_sheet("意見")
    sheet.append(["番号", "ご意見", "市の考え方"])
    for i in range(40):
        sheet.append([i, "窓口を残してください。", "原案のとおりとします。"])
    good = tmp_path / "summary_first.xlsx"
    wb.save(good)
    r = p.post("/upload", {"file": (io.BytesIO(good.read_bytes()), "summary_first.xlsx")})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "先頭のシート「集計」に表がありません。表は「意見」のシートにあります" in html
    damaged = io.BytesIO()
    with zipfile.ZipFile(good) as s, zipfile.ZipFile(damaged, "w") as z:
        for name in s.namelist():
            data = s.read(name)
            z.writestr(name, data[: len(data) // 2] if name == "xl/worksheets/sheet1.xml" else data)
    damaged.seek(0)
    r = p.post("/upload", {"file": (damaged, "damaged.xlsx")})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Excel (.xlsx) ファイルとして読めません" in html and "damaged" in html
