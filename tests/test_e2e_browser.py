"""End to end in a real browser: Debian's headless Chromium driven by Playwright.

Upload a fixture, see the suggestions, correct one, download, and check the correction file and
the download. A screenshot is saved to test-artifacts/ for a person to look at.
"""
import shutil
import threading

import pandas as pd
import pytest
from werkzeug.serving import make_server

from classifier.corrections import read_corrections
from classifier.tables import read_table
from classifier.web import create_app

from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def server(tmp_path, saved_models):
    app = create_app(tmp_path / "data", saved_models)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}", tmp_path / "data" / "corrections"
    srv.shutdown()


def test_upload_correct_download_in_chromium(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url, corrections = server
    fixture = tmp_path / "opinions.xlsx"
    pd.DataFrame({"No.": [1, 2, 3, 4],
                  "ご意見": ["窓口での手続きも残してください。", "<script>alert(1)</script>計画に賛成です。",
                           "窓口での手続きも残してください。", "職員研修を充実してほしい。"],
                  "市の考え方": ["原案のとおりとさせていただきます。", "ご意見として承ります。",
                            "原案のとおりとさせていただきます。", "今後の事業実施の中で検討してまいります。"]}
                 ).to_excel(fixture, index=False)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url + "/")
        page.set_input_files("input[name=file]", str(fixture))
        page.select_option("select[name=scheme]", "morioka")
        page.click("button[type=submit]")
        rows = page.locator("table.results tbody tr")
        expect(rows).to_have_count(4)
        expect(page.locator("#row-0 .label")).to_be_visible()
        expect(page.locator("#row-1 td.text").first).to_contain_text("<script>alert(1)</script>")
        # correct row 4 to D (期間中に検討するもの = deferred) with one click
        page.locator("#row-3 form.correct button[value=deferred]").click()
        expect(page.locator("#row-3 .fixed")).to_contain_text("deferred")
        expect(page.locator("header .waiting")).to_contain_text("1")
        page.screenshot(path=str(ARTIFACTS / "e2e_results.png"), full_page=True)
        with page.expect_download() as info:
            page.click("text=Excel (XLSX) をダウンロード")
        download = tmp_path / "download.xlsx"
        info.value.save_as(download)
        browser.close()
    assert not dialogs  # the <script> opinion was shown as text, never run
    saved = read_corrections(corrections)
    assert saved["label"].tolist() == ["deferred"] and saved["opinion"].tolist() == ["職員研修を充実してほしい。"]
    back = read_table(download)
    assert back["No."].tolist() == ["1", "2", "3", "4"]
    assert back["corrected_label"].tolist() == ["", "", "", "deferred"]
    assert set(back["category"]) <= set("ABCDE") and back["label"].iloc[0] == back["label"].iloc[2]
