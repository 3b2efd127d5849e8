import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from classifier import AnnotationError, LABELS, load_dataset
from classifier.agreement import agreement, cohen_kappa
from classifier.cli import main
from classifier.dataset import read_annotations

from .conftest import ROOT

FIRST = ROOT / "data" / "annotations" / "moe_environment_plans.csv"
SECOND = ROOT / "data" / "second_reading" / "moe_environment_plans.csv"


def reading(*labels, prefix="r"):
    return [{"id": f"{prefix}{i}", "label": l, "evidence": f"e{i}"} for i, l in enumerate(labels)]


@pytest.mark.parametrize("first, second, observed, kappa", [
    (["adopted", "covered", "other"], ["adopted", "covered", "other"], 1.0, 1.0),
    (["adopted", "adopted"], ["adopted", "adopted"], 1.0, 1.0),
    # half agree, both readers split 50/50 → chance 0.5 → kappa 0
    (["adopted", "adopted", "other", "other"], ["adopted", "other", "adopted", "other"], 0.5, 0.0),
    # systematic swap: worse than chance
    (["adopted", "other"], ["other", "adopted"], 0.0, -1.0),
])
def test_agreement_table(first, second, observed, kappa):
    result = agreement(reading(*first), reading(*second))
    assert result["observed"] == observed
    assert result["kappa"] == pytest.approx(kappa)
    assert result["n"] == len(first)
    assert sum(map(sum, result["confusion"]["matrix"])) == len(first)
    assert len(result["disagreements"]) == sum(a != b for a, b in zip(first, second))


@given(st.lists(st.tuples(st.sampled_from(LABELS), st.sampled_from(LABELS)), min_size=2, max_size=60))
def test_kappa_matches_sklearn_and_is_symmetric(pairs):
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    if len(set(a)) == 1 and set(a) == set(b):
        assert cohen_kappa(a, b) == 1.0  # sklearn returns nan here
        return
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa(b, a))
    assert cohen_kappa(a, b) <= 1.0


@pytest.mark.parametrize("second, message", [
    (reading("adopted", prefix="x"), "x0"),                               # id not in the first reading
    (reading("accepted"), "'accepted'"),                                  # unknown label, named
    (reading("adopted") + reading("other"), "read twice"),                # duplicate id
    ([], "empty"),
])
def test_bad_second_reading_is_a_clear_error(second, message):
    with pytest.raises(AnnotationError, match=message):
        agreement(reading("adopted", "other"), second)


def test_bundled_second_reading_is_blind_of_the_same_responses():
    first = {r["id"]: r for r in read_annotations(FIRST)}
    second = read_annotations(SECOND)
    assert len(second) == 77 and all(r["id"] in first for r in second)
    # the second readers' evidence is copied from the response they read
    data = load_dataset(ROOT / "data" / "labeled_opinions.csv").set_index("id")
    for r in second:
        assert r["evidence"] in data.loc[r["id"], "response"], r["id"]


def test_cli_writes_the_agreement_report(tmp_path):
    out = tmp_path / "agreement.md"
    result = CliRunner().invoke(main, ["agreement", str(FIRST), str(SECOND), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Cohen's kappa" in out.read_text(encoding="utf-8")
    assert (tmp_path / "agreement.json").exists()


def test_cli_names_the_bad_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,label,evidence,note\nmoe-5-001,accepted,x,\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["agreement", str(FIRST), str(bad)])
    assert result.exit_code == 1
    assert "bad.csv line 2" in result.output and "'accepted'" in result.output


@pytest.mark.parametrize("suffix, encoding", [(".csv", "cp932"), (".xlsx", None)])
def test_a_second_reading_saved_from_excel(tmp_path, suffix, encoding):
    from classifier.agreement import agreement
    from classifier.dataset import read_annotations

    second = ROOT / "data" / "second_reading" / "moe_environment_plans.csv"
    frame = pd.read_csv(second, dtype=str, keep_default_na=False)
    path = tmp_path / f"second{suffix}"
    frame.to_csv(path, index=False, encoding=encoding) if suffix == ".csv" else frame.to_excel(path, index=False)
    assert [a["label"] for a in read_annotations(path)] == frame["label"].tolist()
    assert [a["line"] for a in read_annotations(path)][:2] == [2, 3]


def test_the_dataset_can_be_the_first_reading():
    from classifier.agreement import read_reading

    dataset = ROOT / "data" / "labeled_opinions.csv"
    assert agreement(read_reading(dataset), read_reading(SECOND)) == agreement(read_reading(FIRST), read_reading(SECOND))
    official = {r["id"]: r for r in read_reading(dataset)}["goshogawara-2"]
    assert (official["label"], official["evidence"]) == ("deferred", "【実施段階検討】")
    blind = [{"id": "goshogawara-2", "label": "other", "evidence": "x"}]
    assert agreement(read_reading(dataset), blind)["disagreements"][0]["first_evidence"] == "【実施段階検討】"


def test_bundled_city_reading_covers_every_city_row_and_is_reported_per_origin():
    from classifier.agreement import read_reading

    city = ROOT / "data" / "second_reading" / "city_rows.csv"
    data = load_dataset(ROOT / "data" / "labeled_opinions.csv")
    cities = data[data["source"].isin(["五所川原市", "盛岡市", "金沢市"])].set_index("id")
    second = read_annotations(city)
    assert sorted(r["id"] for r in second) == sorted(cities.index)
    for r in second:
        assert r["evidence"] in cities.loc[r["id"], "response"], r["id"]
    result = agreement(read_reading(ROOT / "data" / "labeled_opinions.csv"), second)
    per_origin = result["per_origin"]
    assert {o: r["n"] for o, r in per_origin.items()} == {"annotated": 8, "official": 17}
    assert sum(r["agreed"] for r in per_origin.values()) == result["agreed"]


def test_bundled_komaki_readings_are_blind_pairs_of_every_distinct_answer():
    from classifier.agreement import read_reading

    data = load_dataset(ROOT / "data" / "labeled_opinions.csv").set_index("id")
    first = read_annotations(ROOT / "data" / "annotations" / "komaki.csv")
    second = read_annotations(ROOT / "data" / "second_reading" / "komaki.csv")
    komaki = data[data["source"] == "小牧市"]
    assert {r["id"] for r in first} == {r["id"] for r in second}
    assert len(first) == komaki["response"].nunique() >= 40  # every distinct answer read twice
    result = agreement(read_reading(ROOT / "data" / "annotations" / "komaki.csv"), second)
    assert result["n"] == len(first) and 0 < result["kappa"] <= 1
