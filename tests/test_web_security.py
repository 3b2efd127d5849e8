"""The page has no login: it refuses what does not come from itself, and cannot be framed."""
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from classifier.corrections import read_corrections
from classifier.web import create_app, make_server
from classifier.web.security import split_host

from .test_web import Page

TEMPLATES = Path(__file__).resolve().parents[1] / "classifier" / "web" / "templates"


@pytest.fixture
def page(tmp_path, saved_models):
    app = create_app(tmp_path / "data", saved_models)
    p = Page(app)
    frame = pd.DataFrame({"意見": ["窓口を残して"], "市の考え方": ["承ります"]})
    return p, p.token(frame), tmp_path / "data" / "corrections"


def _post(p, url, data, headers, token=True):
    if token:
        data = dict(data, csrf_token=p.app.config["PUBCOM_CSRF"])
    return p.c.post(url, data=data, headers=headers, content_type="multipart/form-data")


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://localhost:9999"},  # another port is another origin
    {"Referer": "http://evil.example/page"},
    {},  # neither Origin nor Referer: not the page
])
def test_cross_origin_posts_are_refused(page, headers):
    p, token, corrections = page
    r = _post(p, f"/results/{token}/correct", {"row": "0", "label": "other"}, headers)
    assert r.status_code == 403 and "ほかのサイト" in r.get_data(as_text=True)
    assert read_corrections(corrections).empty


def test_a_post_without_the_pages_token_is_refused(page):
    p, token, corrections = page
    for data in ({"row": "0", "label": "other"}, {"row": "0", "label": "other", "csrf_token": "guess"}):
        r = _post(p, f"/results/{token}/correct", data, {"Origin": "http://localhost"}, token=False)
        assert r.status_code == 403 and "再読み込み" in r.get_data(as_text=True)
    r = p.c.post(f"/results/{token}/correct", data={"row": "0", "label": "other"},
                 headers={"Origin": "http://localhost", "X-CSRF-Token": p.app.config["PUBCOM_CSRF"]})
    assert r.status_code == 302  # the header a fetch sends is as good as the form field
    r = _post(p, f"/results/{token}/correct", {"row": "0", "label": "deferred"}, {"Referer": f"http://localhost/results/{token}"})
    assert r.status_code == 302  # a same-origin Referer stands in for a missing Origin
    assert read_corrections(corrections)["label"].tolist() == ["other", "deferred"]


def test_every_form_of_the_page_carries_the_token(page):
    p, token, _ = page
    p.correct(token, 0, "other")
    csrf = p.app.config["PUBCOM_CSRF"]
    for url in ("/", f"/results/{token}", "/corrections"):
        html = p.get(url).get_data(as_text=True)
        forms = re.findall(r'<form[^>]*method="post".*?</form>', html, re.S)
        assert forms and all(f'name="csrf_token" value="{csrf}"' in f for f in forms), url


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example", "localhost.:80x"])
def test_requests_for_another_host_are_refused(page, host):
    p, token, _ = page
    r = p.c.get(f"/results/{token}", headers={"Host": host})
    assert r.status_code == 400 and "このアドレス" in r.get_data(as_text=True)
    assert p.c.get("/static/app.js", headers={"Host": host}).status_code == 400


def test_the_bound_port_is_part_of_the_host(tmp_path, saved_models):
    app = create_app(tmp_path, saved_models, hosts=["127.0.0.1", "localhost"], port=8765)
    c = app.test_client()
    assert c.get("/", headers={"Host": "127.0.0.1:8765"}).status_code == 200
    assert c.get("/", headers={"Host": "localhost:8765"}).status_code == 200
    assert c.get("/", headers={"Host": "127.0.0.1:8766"}).status_code == 400
    assert c.get("/", headers={"Host": "192.168.0.5:8765"}).status_code == 400
    assert split_host("[::1]:8765") == ("::1", 8765) and split_host("LocalHost") == ("localhost", None)
    assert split_host("localhost:80x") == ("localhost", -1)


def test_headers_forbid_framing_and_inline_script(page):
    p, token, _ = page
    for url in ("/", f"/results/{token}", "/corrections", "/static/app.js", "/static/style.css", "/nowhere"):
        r = p.get(url)
        csp = r.headers["Content-Security-Policy"]
        assert r.headers["X-Frame-Options"] == "DENY", url
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "default-src 'none'" in csp and r.headers["X-Content-Type-Options"] == "nosniff"
    r = p.post("/upload", {"file": (io.BytesIO(b"\x00bin"), "x.csv")})
    assert r.headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_or_style_in_any_page(page):
    p, token, _ = page
    p.correct(token, 0, "other")
    pages = [p.get(u).get_data(as_text=True) for u in ("/", f"/results/{token}", f"/results/{token}?group=1", "/corrections")]
    for html in pages + [f.read_text(encoding="utf-8") for f in TEMPLATES.glob("*.html")]:
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"\sstyle=|\son[a-z]+=|javascript:", html)
        assert "<style" not in html


def test_listening_on_every_address_warns_and_names_the_real_addresses(tmp_path, saved_models):
    server, urls, warning = make_server("0.0.0.0", 0, tmp_path, saved_models)
    try:
        assert "ログインがありません" in warning and "no login" in warning
        port = server.server_port
        assert all(u.endswith(f":{port}/") for u in urls) and "http://0.0.0.0" not in " ".join(urls)
        assert f"http://127.0.0.1:{port}/" in urls
        app = server.app
        c = app.test_client()
        for url in urls:
            assert c.get("/", headers={"Host": url.split("/")[2]}).status_code == 200, url
        assert c.get("/", headers={"Host": f"evil.example:{port}"}).status_code == 400
    finally:
        server.server_close()
    server, urls, warning = make_server("127.0.0.1", 0, tmp_path, saved_models)
    server.server_close()
    assert warning is None and urls[0] == f"http://127.0.0.1:{server.server_port}/"


def test_serve_prints_the_warning_and_addresses(tmp_path, saved_models, monkeypatch):
    from click.testing import CliRunner

    from classifier import cli
    from classifier.web import app as web, security

    monkeypatch.setattr(security, "addresses", lambda host: ["192.0.2.7", "127.0.0.1"])

    class Stop(Exception):
        pass

    def fake(host, port, data_dir, models_dir):
        class Server:
            def serve_forever(self):
                raise Stop

            def server_close(self):
                pass
        return Server(), security.urls(host, port), security.NO_LOGIN if host == "0.0.0.0" else None

    monkeypatch.setattr(web, "make_server", fake)
    result = CliRunner().invoke(cli.main, ["serve", "--host", "0.0.0.0", "--port", "8765", "--models-dir", str(saved_models)])
    assert isinstance(result.exception, Stop)
    assert "ログインがありません" in result.output and "http://192.0.2.7:8765/" in result.output
    assert "0.0.0.0" not in result.output.split("open the page at:")[1]
