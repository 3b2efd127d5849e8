"""One entry point turns a staff file into the table to predict (readers.read_as_table): CSV/XLSX as
they are, published results documents (.txt, .pdf, .html) as their rows; `pubcom predict` and the
staff page both go through it."""
import re
import io

import pandas as pd
import pytest
from click.testing import CliRunner

from classifier import NotAResultsDocumentError
from classifier.cli import main
from classifier.readers import DOCUMENT_COLUMNS, read_as_table
from classifier.tables import read_table
from classifier.web.app import create_app

from .pdfdocs import build_pdf, image_only_pdf
from .test_html_reader import BLOCKS_PAGE

ROWS = [["1", "窓口を残してください。", "原案のとおり窓口は残します。", "B"],
        ["2", "支所も残して", "", "B"],
        ["3", "バスを増やして", "今後検討します。", "D"]]
LEGEND = ["「B」計画に盛り込み済のもの", "「D」期間中に検討するもの"]


@pytest.fixture
def pdf(tmp_path):
    return build_pdf(tmp_path / "results.pdf", [ROWS], [30, 230, 200, 40], header=["No.", "意見の概要", "市の考え方", "区分"],
                     before=["意見数 3件"], after=LEGEND)


def test_documents_become_the_table_of_their_rows(pdf, tmp_path, raw):
    table = read_as_table(pdf)
    assert list(table.columns) == list(DOCUMENT_COLUMNS.values()) == ["No.", "意見", "市の考え方", "公表区分"]
    assert table.values.tolist() == ROWS
    assert table.attrs["document"] == "pdf" and table.attrs["count"] == "3 opinions, as the document states (意見数 3件)"
    html = tmp_path / "r.html"
    html.write_text(BLOCKS_PAGE.format(n=3), encoding="utf-8")
    assert read_as_table(html)["No."].tolist() == ["1", "2", "3"]
    assert len(read_as_table(next(raw.glob("002_*.txt")))) == 10


def test_a_tab_separated_txt_table_is_still_a_table_and_minutes_are_still_refused(tmp_path, raw):
    path = tmp_path / "export.txt"
    path.write_text("意見\t市の考え方\n窓口を残して\t残します\n", encoding="utf-8")
    table = read_as_table(path)
    assert table.attrs["document"] == "" and table["意見"].tolist() == ["窓口を残して"]
    with pytest.raises(NotAResultsDocumentError, match="meeting minutes"):
        read_as_table(next(raw.glob("004_*.txt")))


def test_pubcom_predict_takes_a_pdf_and_every_row_comes_out(pdf, tmp_path, saved_models):
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["predict", str(pdf), "-o", str(out), "--models-dir", str(saved_models)])
    assert result.exit_code == 0, result.output
    assert "3 opinions, as the document states (意見数 3件) (format pdf)" in result.output
    back = read_table(out)
    assert back["No."].tolist() == ["1", "2", "3"] and back["公表区分"].tolist() == ["B", "B", "D"]
    assert back["error"].tolist() == ["", "empty response (市の考え方)", ""]
    assert back["label"].tolist()[0] and back["label"].tolist()[2]


@pytest.fixture
def client(tmp_path, saved_models):
    app = create_app(tmp_path / "data", saved_models)
    app.config["TESTING"] = True
    return app.test_client()


def _post(client, data, name):
    """Post as the page does: from its own origin, with its CSRF token."""
    token = client.application.config["PUBCOM_CSRF"]
    return client.post("/upload", data={"file": (io.BytesIO(data), name), "csrf_token": token},
                       headers={"Origin": "http://localhost"}, content_type="multipart/form-data")


def test_the_staff_page_takes_pdf_and_html_and_says_when_a_pdf_is_scanned(client, pdf, tmp_path):
    for data, name, rows in ((pdf.read_bytes(), "結果.pdf", 3), (BLOCKS_PAGE.format(n=3).encode(), "結果.html", 3)):
        r = _post(client, data, name)
        assert r.status_code == 302, r.get_data(as_text=True)
        assert client.get(r.headers["Location"]).get_data(as_text=True).count('<tr id="row-') == rows
    r = _post(client, image_only_pdf(tmp_path / "scan.pdf").read_bytes(), "scan.pdf")
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "scan.pdf: the PDF has no text layer" in page and "OCR" in page
    accept = re.search(r'accept="([^"]+)"', client.get("/").get_data(as_text=True)).group(1).split(",")
    assert {".pdf", ".html", ".htm", ".csv", ".xlsx", ".txt"} <= set(accept)
