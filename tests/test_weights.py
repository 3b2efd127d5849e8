"""Training weights: each distinct response once, each body the same, labels balanced fully or in part."""
import numpy as np
import pandas as pd
import pytest

from classifier.weights import sample_weights


def frame(rows):
    return pd.DataFrame(rows, columns=["source", "response_group", "label"])


# 100 rows of label a, 1 of label b, one body, every row its own response
SKEWED = frame([("x", f"r{i}", "a") for i in range(100)] + [("x", "r100", "b")])


def totals(f, w, col):
    return pd.Series(w).groupby(f[col].to_numpy()).sum()


@pytest.mark.parametrize("balanced, ratio", [
    (False, 100.0),  # a's total / b's total: left as it is
    (0.0, 100.0),
    (0.5, 10.0),  # square root of the ratio
    (1.0, 1.0),
    (True, 1.0),
])
def test_balance_goes_all_or_part_of_the_way(balanced, ratio):
    w = sample_weights(SKEWED, response=False, body=False, balanced=balanced)
    t = totals(SKEWED, w, "label")
    assert t["a"] / t["b"] == pytest.approx(ratio)
    assert w.mean() == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [1.5, -0.1, 2])
def test_a_balance_outside_0_to_1_is_refused_naming_the_value(bad):
    with pytest.raises(ValueError, match=str(bad)):
        sample_weights(SKEWED, balanced=bad)


def test_rows_sharing_a_response_split_one_weight_and_bodies_weigh_the_same():
    f = frame([("x", "stock", "a")] * 4 + [("x", "own", "a"), ("y", "r", "a")])
    w = sample_weights(f, response=True, body=False, balanced=False)
    assert np.allclose(w[:4], w[4] / 4)  # the stock reply's four copies together weigh one response
    w = sample_weights(f, response=True, body=True, balanced=False)
    t = totals(f, w, "source")
    assert t["x"] == pytest.approx(t["y"])


def test_no_rows_no_weights():
    assert len(sample_weights(frame([]))) == 0
