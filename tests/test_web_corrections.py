"""Corrections on the page never corrupt the training data: groups are opinion AND response, a
group is written only as it was shown, every click can be withdrawn (and is recorded)."""
import re

import pandas as pd
import pytest

from classifier.corrections import read_corrections
from classifier.web.app import create_app
from classifier.web.messages import jst

from .test_web import Page, rows_shown

FORM_LETTER = "窓口での手続きも残してください。"


@pytest.fixture
def page(tmp_path, saved_models):
    app = create_app(tmp_path / "data", saved_models)
    return Page(app), tmp_path / "data" / "corrections"


@pytest.fixture
def letters():
    """One form letter answered with three different responses (two of them only differently
    punctuated), and another opinion."""
    return pd.DataFrame({"意見": [FORM_LETTER, FORM_LETTER, FORM_LETTER, FORM_LETTER, "賛成です", FORM_LETTER],
                         "市の考え方": ["追記しました。", "原案のとおりとします。", "追記しました。", "追記しました",
                                   "承ります", "原案のとおりとします。"]})


def _group_form(html, row):
    form = re.search(rf'<input type="hidden" name="row" value="{row}">\s*<input type="hidden" name="group" value="1">\s*'
                     r'<input type="hidden" name="rows" value="([\d,]*)">\s*<input type="hidden" name="shown" value="(\w+)">', html)
    return {"group": "1", "rows": form.group(1), "shown": form.group(2)}


def test_identical_opinions_are_grouped_with_their_response_and_show_it(page, letters):
    p, _ = page
    token = p.token(letters)
    html = p.get(f"/results/{token}?group=1&sort=row").get_data(as_text=True)
    assert rows_shown(html) == ["0", "1", "4"]  # 追記しました (3 rows, two spellings), 原案のとおり (2), 賛成
    assert "同じ意見・同じ回答の 3 件" in html and "同じ意見・同じ回答の 2 件" in html
    group = re.sub(r"<[^>]+>", "", html[html.index('id="row-0"'):html.index('id="row-1"')])
    assert "追記しました。 （2 件）" in group and "追記しました （1 件）" in group
    assert "原案のとおり" not in group  # a row with another response is not in this group
    assert _group_form(html, 0)["rows"] == "0,2,3"


def test_a_group_correction_writes_only_the_rows_shown_after_confirmation(page, letters):
    p, corrections = page
    token = p.token(letters)
    html = p.get(f"/results/{token}?group=1").get_data(as_text=True)
    form = _group_form(html, 0)
    r = p.correct(token, 0, "adopted", **form)  # no confirmation yet: a page shows what would change
    confirm = r.get_data(as_text=True)
    assert r.status_code == 200 and "3 件" in confirm and "追記しました。" in confirm and "原案のとおり" not in confirm
    assert read_corrections(corrections).empty
    r = p.correct(token, 0, "adopted", confirm="1", q_group="1", **form)
    assert r.status_code == 302 and "group=1" in r.headers["Location"]
    saved = read_corrections(corrections)
    assert saved["response"].tolist() == ["追記しました。", "追記しました。", "追記しました"]
    assert saved["row"].tolist() == ["2", "4", "5"]  # the rows as the clerk's file numbers them
    assert p.download(token)["corrected_label"].tolist() == ["adopted", "", "adopted", "adopted", "", ""]


@pytest.mark.parametrize("change", [
    {"rows": "0,1,2,3,5"},  # rows whose response (原案のとおり) was not shown
    {"rows": "0,2"},  # fewer rows than the group
    {"shown": "0" * 20},  # responses other than those shown
    {"group": "1", "rows": "", "shown": ""},  # a group correction without what was shown
])
def test_a_group_correction_that_differs_from_what_was_shown_is_refused(page, letters, change):
    p, corrections = page
    token = p.token(letters)
    form = dict(_group_form(p.get(f"/results/{token}?group=1").get_data(as_text=True), 0), confirm="1")
    form.update(change)
    r = p.correct(token, 0, "adopted", json=True, **form)
    assert r.status_code == 409 and "再読み込み" in r.get_json()["message"]
    assert read_corrections(corrections).empty


def test_corrections_come_back_as_json_without_reloading_the_table(page, letters):
    p, corrections = page
    token = p.token(letters)
    r = p.correct(token, 4, "deferred", json=True, visible="0,1,4")
    answer = r.get_json()
    assert r.status_code == 200 and answer["ok"] and answer["waiting"] == 1
    assert list(answer["rows"]) == ["4"] and "corrected" in answer["rows"]["4"].split(">")[0]
    assert "修正済み → 今後検討" in answer["rows"]["4"] and "修正を取り消す" in answer["rows"]["4"]
    assert "1 件を「今後検討」に修正しました" in answer["message"]
    other = p.correct(token, 1, "other", json=True, visible="4").get_json()
    assert other["ok"] and other["rows"] == {} and other["waiting"] == 2  # row 1 is not on this page


def test_undo_on_the_page_withdraws_the_whole_click_and_keeps_the_record(page, letters):
    p, corrections = page
    token = p.token(letters)
    form = _group_form(p.get(f"/results/{token}?group=1").get_data(as_text=True), 0)
    p.correct(token, 0, "rejected", confirm="1", **form)
    p.correct(token, 4, "other")
    r = p.post(f"/results/{token}/withdraw", {"row": "0", "q_group": "1", "visible": "0,1,4"}, json=True)
    answer = r.get_json()
    assert r.status_code == 200 and "3 件の修正を取り消しました" in answer["message"]
    assert "修正済み" not in answer["rows"]["0"]
    assert read_corrections(corrections)["opinion"].tolist() == ["賛成です"]
    log = read_corrections(corrections, withdrawn=True)
    assert len(log) == 4 and (log["withdrawn_at"] != "").sum() == 3  # recorded, not deleted
    assert p.download(token)["corrected_label"].tolist() == ["", "", "", "", "other", ""]
    assert p.post(f"/results/{token}/withdraw", {"row": "0"}).status_code == 409  # nothing left to undo


def test_a_second_correction_then_undo_goes_back_to_the_first(page, letters):
    p, corrections = page
    token = p.token(letters)
    p.correct(token, 4, "deferred")
    p.correct(token, 4, "rejected")
    p.post(f"/results/{token}/withdraw", {"row": "4"})
    assert p.download(token)["corrected_label"].tolist()[4] == "deferred"
    assert read_corrections(corrections)["label"].tolist() == ["deferred"]


def test_the_corrections_list_withdraws_and_shows_times_in_jst(page, letters):
    p, corrections = page
    token = p.token(letters)
    p.correct(token, 4, "deferred")
    saved = read_corrections(corrections)
    html = p.get("/corrections").get_data(as_text=True)
    assert jst(saved["time"].iloc[0]) in html and "JST" in html and saved["time"].iloc[0] not in html
    assert "行 6" in html and "in.csv" in html
    r = p.post("/corrections/withdraw", {"id": saved["id"].iloc[0]})
    assert r.status_code == 302
    html = p.get(r.headers["Location"]).get_data(as_text=True)
    assert "取り消し済み" in html and "修正を取り消しました" in html
    assert read_corrections(corrections).empty
    assert p.download(token)["corrected_label"].tolist()[4] == ""  # the open page follows
    html = p.get(f"/results/{token}").get_data(as_text=True)
    assert "修正済み" not in html
    r = p.post("/corrections/withdraw", {"id": saved["id"].iloc[0]})
    assert "取り消せません" in p.get(r.headers["Location"]).get_data(as_text=True)
