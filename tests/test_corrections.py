"""Staff corrections: withdrawals are recorded, never deletions, and every reader honours them."""
import csv
import datetime as dt
import json

import pytest

from classifier.corrections import (COLUMNS, FILENAME, append_correction, latest, pending, read_corrections,
                                    withdraw_correction)
from classifier.exceptions import CorrectionError
from classifier.tables import read_table


def _lines(folder):
    return (folder / FILENAME).read_text(encoding="utf-8").splitlines()


def test_a_withdrawal_is_a_new_row_and_the_correction_is_no_longer_in_force(tmp_path):
    a = append_correction(tmp_path, "窓口を残して", "承ります", "deferred", "other", 0.4, "response", "in.xlsx", 5,
                          number="3")
    b = append_correction(tmp_path, "賛成です", "ありがとうございます", "other", "covered", 0.5, "response", "in.xlsx", 6)
    w = withdraw_correction(tmp_path, a["id"])
    assert len(_lines(tmp_path)) == 4  # header, two corrections, one withdrawal: nothing deleted
    assert w["withdraws"] == a["id"] and w["label"] == "" and w["opinion"] == "窓口を残して"
    assert read_corrections(tmp_path)["id"].tolist() == [b["id"]]
    log = read_corrections(tmp_path, withdrawn=True)
    assert log["id"].tolist() == [a["id"], b["id"]]
    assert log["withdrawn_at"].tolist() == [w["time"], ""]
    assert log["row"].tolist() == ["5", "6"] and log["number"].tolist() == ["3", ""]
    with pytest.raises(CorrectionError, match="already withdrawn"):
        withdraw_correction(tmp_path, a["id"])
    with pytest.raises(CorrectionError, match="no correction"):
        withdraw_correction(tmp_path, w["id"])  # a withdrawal row is not a correction
    with pytest.raises(CorrectionError, match="no correction"):
        withdraw_correction(tmp_path, "nope")


def test_training_never_uses_a_withdrawn_correction(tmp_path):
    from classifier.train import load_training_data

    first = append_correction(tmp_path, "窓口を残して", "承ります", "deferred", "", None, "response")
    second = append_correction(tmp_path, "窓口を残して", "承ります", "rejected", "", None, "response")
    withdraw_correction(tmp_path, second["id"])
    frame = load_training_data([tmp_path / FILENAME])
    assert frame["label"].tolist() == ["deferred"]  # the earlier correction counts again
    withdraw_correction(tmp_path, first["id"])
    assert load_training_data([tmp_path / FILENAME])["label"].tolist() == []
    # latest() on the file as train reads it (read_table) drops withdrawn rows and withdrawal rows
    assert latest(read_table(tmp_path / FILENAME)).empty


def _card(folder, when):
    folder.mkdir(exist_ok=True)
    for mode in ("opinion", "response"):
        (folder / f"{mode}.json").write_text(json.dumps({"trained_at": when.isoformat()}), encoding="utf-8")


def test_pending_counts_what_the_next_training_changes(tmp_path):
    models = tmp_path / "models"
    before = append_correction(tmp_path, "a意見", "", "deferred")
    _card(models, dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1))
    assert pending(tmp_path, models) == 0
    _card(models, dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5))
    assert pending(tmp_path, models) == 1
    _card(models, dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1))
    after = append_correction(tmp_path, "b意見", "", "other")
    withdraw_correction(tmp_path, after["id"])  # made and withdrawn since training: nothing changes
    assert pending(tmp_path, models) == 1  # `before` is after the card too
    _card(models, dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1))
    assert pending(tmp_path, models) == 0
    # a correction the models learned from, withdrawn after training: the next training changes
    withdraw_correction(tmp_path, before["id"])
    _card(models, dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc))
    _set_times(tmp_path, ["2026-05-31T23:00:00+00:00", "2026-05-31T23:10:00+00:00", "2026-05-31T23:20:00+00:00",
                          "2026-06-01T09:00:00+09:00"])  # the last is 00:00 UTC: not after training
    assert pending(tmp_path, models) == 0
    _set_times(tmp_path, ["2026-05-31T23:00:00+00:00", "2026-05-31T23:10:00+00:00", "2026-05-31T23:20:00+00:00",
                          "2026-06-01T00:00:01+00:00"])
    assert pending(tmp_path, models) == 1


def _set_times(folder, times):
    with open(folder / FILENAME, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    for row, when in zip(rows[1:], times):
        row[1] = when
    with open(folder / FILENAME, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def test_an_older_file_gains_the_new_columns_and_keeps_its_rows(tmp_path):
    old = ["id", "time", "opinion", "response", "label", "label_origin", "original_label",
           "original_confidence", "mode", "upload", "row", "note"]
    with open(tmp_path / FILENAME, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(old)
        w.writerow(["abc", "2026-01-01T00:00:00+00:00", "改行\nのある意見", "", "other", "annotated", "", "",
                    "opinion", "x.csv", "0", "staff correction"])
    assert read_corrections(tmp_path)["withdraws"].tolist() == [""]
    withdraw_correction(tmp_path, "abc")
    with open(tmp_path / FILENAME, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == COLUMNS and len(rows) == 3 and rows[1][2] == "改行\nのある意見"
    assert read_corrections(tmp_path).empty


def test_a_group_is_written_whole_or_not_at_all(tmp_path):
    from classifier.corrections import append_corrections, withdraw_corrections
    from classifier.exceptions import DataFileError

    with pytest.raises(DataFileError):
        append_corrections(tmp_path, [{"opinion": "a", "label": "other"}, {"opinion": "b", "label": "nope"}])
    assert read_corrections(tmp_path).empty
    made = append_corrections(tmp_path, [{"opinion": f"意見{i}", "label": "other", "row": i + 2} for i in range(3)])
    assert [r["row"] for r in made] == ["2", "3", "4"] and len({r["id"] for r in made}) == 3
    with pytest.raises(CorrectionError):
        withdraw_corrections(tmp_path, [made[0]["id"], "nope"])
    assert len(read_corrections(tmp_path)) == 3  # nothing withdrawn
    withdraw_corrections(tmp_path, [r["id"] for r in made[:2]])
    assert read_corrections(tmp_path)["opinion"].tolist() == ["意見2"]


def test_pubcom_corrections_counts_those_in_force(tmp_path, saved_models):
    from click.testing import CliRunner

    from classifier.cli import main

    folder = tmp_path / "corrections"
    kept = append_correction(folder, "a意見", "", "other")
    withdraw_correction(folder, append_correction(folder, "b意見", "", "other")["id"])
    result = CliRunner().invoke(main, ["corrections", "--data-dir", str(tmp_path), "--models-dir", str(saved_models)])
    assert result.exit_code == 0 and result.output.startswith("1 corrections in force") and kept["id"]
