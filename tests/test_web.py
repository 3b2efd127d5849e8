import io

import pandas as pd
import pytest

from classifier.corrections import read_corrections
from classifier.tables import read_csv_bytes
from classifier.web.app import MAX_UPLOAD_MB, create_app, highlight


XSS = ['<script>alert("x")</script>窓口を残して', '"><img src=x onerror=alert(1)>賛成です']


@pytest.fixture
def client(tmp_path, saved_models):
    app = create_app(tmp_path / "data", saved_models)
    app.config["TESTING"] = True
    return app.test_client(), tmp_path / "data" / "corrections"


def _upload(c, frame, name="in.csv", **form):
    buf = io.BytesIO()
    frame.to_csv(buf, index=False, encoding="utf-8-sig")
    buf.seek(0)
    return c.post("/upload", data={"file": (buf, name), **form}, content_type="multipart/form-data")


def test_upload_shows_suggestions_with_everything_escaped(client):
    c, _ = client
    frame = pd.DataFrame({"意見": XSS + ["=1+2"], "市の考え方": ["原案のとおりとします。", "承ります。<b>", "今後検討します"]})
    r = _upload(c, frame, scheme="morioka")
    assert r.status_code == 302
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page and "&#34;&gt;&lt;img" in page
    assert "要確認" in page or "needs review" in page
    assert page.count('name="label" value="deferred"') == 3  # one-click buttons on each row


def test_correction_is_appended_and_download_keeps_every_row(client):
    c, corrections = client
    frame = pd.DataFrame({"No": [1, 2, 3], "意見": ["窓口を残して", "", "@SUM(A1)"],
                          "市の考え方": ["原案のとおりとします。", "承ります", "今後検討します"], "メモ": ["a", "b", "c"]})
    location = _upload(c, frame).headers["Location"]
    token = location.rsplit("/", 1)[1]
    r = c.post(f"/results/{token}/correct", data={"row": "0", "label": "deferred"})
    assert r.status_code == 302
    saved = read_corrections(corrections)
    assert saved[["opinion", "label", "label_origin"]].values.tolist() == [["窓口を残して", "deferred", "annotated"]]
    assert saved["original_label"].iloc[0] and saved["time"].iloc[0]
    c.post(f"/results/{token}/correct", data={"row": "2", "label": "other"})
    assert len(read_corrections(corrections)) == 2  # append only
    data = c.get(f"/results/{token}/download.csv").data
    assert data[:3] == b"\xef\xbb\xbf"
    back = read_csv_bytes(data)
    assert back["No"].tolist() == ["1", "2", "3"] and back["メモ"].tolist() == ["a", "b", "c"]
    assert back["corrected_label"].tolist() == ["deferred", "", "other"]
    assert back["意見"].iloc[2] == "'@SUM(A1)"  # formula neutralized
    assert back["error"].iloc[1].startswith("empty opinion")
    assert "2 corrections" in c.get("/corrections").get_data(as_text=True)


@pytest.mark.parametrize("payload, message", [
    ({"file": (io.BytesIO(b"\x00\x01\x02\x03binary"), "x.csv")}, "binary data"),
    ({"file": (io.BytesIO("ただの文章です\n".encode()), "x.csv")}, "not a table"),
    ({"file": (io.BytesIO("番号,本文\n1,x\n".encode()), "x.csv")}, "no opinion column"),
    ({"file": (io.BytesIO(b"PK\x03\x04broken"), "x.xlsx")}, "x.xlsx: not a readable XLSX"),  # not a temp path
    ({"text": "   "}, "paste opinions"),
])
def test_bad_uploads_get_a_clear_message_and_the_server_stays_up(client, payload, message):
    c, _ = client
    r = c.post("/upload", data=payload, content_type="multipart/form-data")
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)
    assert c.get("/").status_code == 200


def test_upload_over_the_size_limit(client):
    c, _ = client
    big = io.BytesIO(b"a" * (MAX_UPLOAD_MB * 1024 * 1024 + 10))
    r = c.post("/upload", data={"file": (big, "big.csv")}, content_type="multipart/form-data")
    assert r.status_code == 413 and f"{MAX_UPLOAD_MB} MB" in r.get_data(as_text=True)


def test_pasted_opinions_and_duplicate_grouping(client):
    c, _ = client
    r = c.post("/upload", data={"text": "窓口を残して\n窓口を残して\n\n賛成です"})
    page = c.get(r.headers["Location"] + "?group=1").get_data(as_text=True)
    assert "×2" in page and page.count('<tr id="row-') == 2


def test_filters(client):
    c, _ = client
    frame = pd.DataFrame({"意見": ["a意見", "b意見", "c意見"], "市の考え方": ["原案のとおりとします。", "修正します。", "承ります"]})
    location = _upload(c, frame).headers["Location"]
    page = c.get(location + "?sort=confidence&below=0.0").get_data(as_text=True)
    assert "no rows match" in page


def test_highlight_escapes_and_marks():
    out = str(highlight('<b>原案</b>のとおり"', ["原案", "と"]))
    assert out == '&lt;b&gt;<mark>原案</mark>&lt;/b&gt;のとおり&#34;'


def test_published_text_document_can_be_uploaded(client, raw):
    c, _ = client
    data = next(raw.glob("002_*.txt")).read_bytes()
    r = c.post("/upload", data={"file": (io.BytesIO(data), "morioka.txt"), "scheme": "morioka"},
               content_type="multipart/form-data")
    assert r.status_code == 302
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert page.count('<tr id="row-') == 10
    minutes = next(raw.glob("004_*.txt")).read_bytes()
    r = c.post("/upload", data={"file": (io.BytesIO(minutes), "minutes.txt")}, content_type="multipart/form-data")
    assert r.status_code == 400 and "meeting minutes" in r.get_data(as_text=True)


def test_correcting_empty_opinions_teaches_nothing_and_never_spreads(client):
    c, corrections = client
    frame = pd.DataFrame({"意見": ["", "窓口を残して", ""], "市の考え方": ["承ります", "原案のとおり", "はい"]})
    token = _upload(c, frame).headers["Location"].rsplit("/", 1)[1]
    c.post(f"/results/{token}/correct", data={"row": "0", "label": "other", "group": "1"})
    assert read_corrections(corrections).empty  # nothing to learn from an empty opinion
    back = read_csv_bytes(c.get(f"/results/{token}/download.csv").data)
    assert back["corrected_label"].tolist() == ["other", "", ""]  # only the row clicked


def test_download_with_control_characters_in_cells(client):
    c, _ = client
    frame = pd.DataFrame({"意見": ["改行\x0bあり\x01の意見"], "市の考え方": ["承ります"]})
    token = _upload(c, frame).headers["Location"].rsplit("/", 1)[1]
    r = c.get(f"/results/{token}/download.xlsx")
    assert r.status_code == 200
    back = pd.read_excel(io.BytesIO(r.data))
    assert back["意見"].tolist() == ["改行\nありの意見"]


def test_excel_unicode_text_upload(client):
    c, _ = client
    data = "意見\t市の考え方\n窓口を残して\t今後検討してまいります。\n".encode("utf-16")
    r = c.post("/upload", data={"file": (io.BytesIO(data), "意見一覧.txt")}, content_type="multipart/form-data")
    assert r.status_code == 302
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "窓口を残して" in page and page.count('<tr id="row-') == 1


def test_reuploading_a_download_keeps_its_corrections(client):
    c, _ = client
    frame = pd.DataFrame({"意見": ["窓口を残して", "賛成です", "反対です"], "市の考え方": ["承ります", "承ります。", "原案のとおり"]})
    token = _upload(c, frame).headers["Location"].rsplit("/", 1)[1]
    c.post(f"/results/{token}/correct", data={"row": "1", "label": "deferred"})
    first = read_csv_bytes(c.get(f"/results/{token}/download.csv").data).reset_index(drop=True)
    token = _upload(c, first).headers["Location"].rsplit("/", 1)[1]
    c.post(f"/results/{token}/correct", data={"row": "2", "label": "rejected"})
    second = read_csv_bytes(c.get(f"/results/{token}/download.csv").data)
    assert second["corrected_label"].tolist() == ["", "deferred", "rejected"]
