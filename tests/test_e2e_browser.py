"""End to end in a real browser: Debian's headless Chromium driven by Playwright.

Upload a fixture, see the suggestions, correct one without reloading, undo, download, and check
the correction file and the download; a small version of the 20,000-row flow (pages, progress,
a group correction confirmed). Screenshots go to test-artifacts/ for a person to look at.
"""
import shutil
import threading

import pandas as pd
import pytest
from werkzeug.serving import make_server

from classifier.corrections import read_corrections
from classifier.tables import read_table
from classifier.web import create_app, uploads

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


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = b.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        seen = {"dialogs": [], "console": []}
        page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
        page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
        yield page, seen
        b.close()


def test_upload_correct_undo_download_in_chromium(server, browser, tmp_path):
    from playwright.sync_api import expect

    url, corrections = server
    page, seen = browser
    fixture = tmp_path / "opinions.xlsx"
    pd.DataFrame({"No.": [1, 2, 3, 4],
                  "ご意見": ["窓口での手続きも\n残してください。", "<script>alert(1)</script>計画に賛成です。",
                           "窓口での手続きも\n残してください。", "職員研修を充実してほしい。"],
                  "市の考え方": ["原案のとおりとさせていただきます。", "ご意見として承ります。",
                            "原案のとおりとさせていただきます。", "今後の事業実施の中で検討してまいります。"]}
                 ).to_excel(fixture, index=False)
    page.goto(url + "/")
    page.set_input_files("input[name=file]", str(fixture))
    page.select_option("select[name=scheme]", "morioka")
    page.click("#sort-button")
    rows = page.locator("table.results tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator("#row-0 .label")).to_be_visible()
    expect(page.locator("#row-1 td.text").first).to_contain_text("<script>alert(1)</script>")
    assert "\n" in page.locator("#row-0 td.text .cell").first.inner_text()  # the cell's line break is kept
    expect(page.locator(".legend")).to_contain_text("期間中に検討するもの")
    page.evaluate("window.notReloaded = true")
    # correct row 4 to D (期間中に検討するもの = deferred) with one click, without reloading the table
    page.locator("#row-3 form.correct button[value=deferred]").click()
    expect(page.locator("#row-3 .fixed")).to_contain_text("deferred")
    expect(page.locator("#waiting")).to_have_text("1")
    expect(page.locator("#status")).to_contain_text("修正しました")
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path=str(ARTIFACTS / "e2e_results.png"), full_page=True)
    page.locator("#row-3 form.withdraw button").click()  # undo
    expect(page.locator("#row-3 .fixed")).to_have_count(0)
    expect(page.locator("#waiting")).to_have_text("0")
    page.locator("#row-3 form.correct button[value=deferred]").click()
    expect(page.locator("#row-3 .fixed")).to_contain_text("deferred")
    assert page.evaluate("window.notReloaded") is True
    with page.expect_download() as info:
        page.click("text=Excel (XLSX) をダウンロード")
    download = tmp_path / "download.xlsx"
    info.value.save_as(download)
    assert not seen["dialogs"]  # the <script> opinion was shown as text, never run
    assert not [m for m in seen["console"] if "Content Security Policy" in m]
    saved = read_corrections(corrections)
    assert saved["label"].tolist() == ["deferred"] and saved["opinion"].tolist() == ["職員研修を充実してほしい。"]
    assert saved["row"].tolist() == ["5"] and saved["number"].tolist() == ["4"]
    assert len(read_corrections(corrections, withdrawn=True)) == 2  # the withdrawn one is still recorded
    back = read_table(download)
    assert back["No."].tolist() == ["1", "2", "3", "4"]
    assert back["corrected_label"].tolist() == ["", "", "", "deferred"]
    assert set(back["category"]) <= set("ABCDE") and back["label"].iloc[0] == back["label"].iloc[2]


def test_the_large_file_flow_small(server, browser, tmp_path, monkeypatch):
    """The 20,000-row flow on 260 rows: processing message, first page while the rest is predicted,
    progress, pages of 100, a group correction confirmed after seeing its rows' response."""
    from playwright.sync_api import expect

    url, corrections = server
    page, seen = browser
    go = threading.Event()
    rest = uploads.Upload._rest
    monkeypatch.setattr(uploads.Upload, "_rest", lambda self, first: (go.wait(10), rest(self, first)))
    letter = "窓口での手続きも残してください。"
    responses = ["追記しました。", "原案のとおりとします。"]
    frame = pd.DataFrame({"意見": [letter if i % 2 else f"意見その{i}です" for i in range(260)],
                          "市の考え方": [responses[(i // 2) % 2] if i % 2 else "承ります" for i in range(260)]})
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    page.goto(url + "/")
    page.set_input_files("input[name=file]", str(path))
    page.evaluate("""document.getElementById('upload').addEventListener('submit', () => {
        const p = document.getElementById('processing');
        sessionStorage.setItem('seen', JSON.stringify({disabled: document.getElementById('sort-button').disabled,
                                                         shown: !p.hidden, text: p.textContent}));
    })""")  # what the clerk sees while the file is read and predicted (the page is then replaced)
    page.click("#sort-button")
    expect(page.locator("table.results tbody tr")).to_have_count(100)
    expect(page.locator("#progress")).to_contain_text("推定中")
    seen_then = page.evaluate("JSON.parse(sessionStorage.getItem('seen'))")
    assert seen_then["disabled"] and seen_then["shown"] and "処理中です" in seen_then["text"]
    go.set()
    expect(page.locator("#progress-done")).to_be_visible(timeout=20000)
    page.click("#progress-done")
    expect(page.locator(".pager").first).to_contain_text("1 / 3 ページ")
    page.locator(".pager a.next").first.click()
    expect(page.locator(".pager").first).to_contain_text("2 / 3 ページ")
    page.check("input[name=group]")
    page.select_option("select[name=sort]", "count")
    page.click("form.filters button[type=submit]")
    first = page.locator("table.results tbody tr").first
    expect(first.locator(".count")).to_have_text("×65")
    expect(first.locator(".group-responses")).to_contain_text("65 件")
    page.evaluate("window.notReloaded = true")
    first.locator("form.correct button[value=adopted]").click()
    panel = first.locator(".confirm")
    expect(panel).to_contain_text("65 件すべて")
    expect(panel).to_contain_text(responses[0] if "追記" in first.inner_text() else responses[1])
    assert read_corrections(corrections).empty  # nothing written before the confirmation
    page.screenshot(path=str(ARTIFACTS / "e2e_group_confirm.png"), full_page=False)
    panel.locator("button.apply").click()
    expect(first.locator(".fixed")).to_contain_text("adopted")
    expect(page.locator("#waiting")).to_have_text("65")
    assert page.evaluate("window.notReloaded") is True
    saved = read_corrections(corrections)
    assert len(saved) == 65 and saved["response"].nunique() == 1
    assert not [m for m in seen["console"] if "Content Security Policy" in m]
