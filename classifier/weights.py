"""Training weights: each distinct response once, each body the same, balanced classes.

A stock reply answering 44 opinions would otherwise teach the model 44 times what one reading of
it says; 環境省 would outweigh every city together; and rare labels (deferred) would be drowned.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def sample_weights(frame: pd.DataFrame, response: bool = True, body: bool = True,
                   balanced: "bool | float" = True) -> np.ndarray:
    """One weight per row of ``frame`` (columns source, response_group, label), mean 1.

    ``response``: the rows sharing a response (within a body) split a weight of 1. ``body``: every
    source gets the same total (the guide rows are their own source). ``balanced``: every label gets
    the same total; a number between 0 and 1 goes part of the way (each label's total divided by
    its total to that power: with 0.5 a label 100 times as frequent keeps 10 times the weight).
    Applied in that order.
    """
    power = float(balanced)
    if not 0.0 <= power <= 1.0:
        raise ValueError(f"balanced={balanced!r}: expected True, False or a number from 0 to 1")
    w = np.ones(len(frame))
    if not len(frame):
        return w
    if response:
        key = frame["source"].astype(str) + "\x00" + frame["response_group"].astype(str)
        w /= key.map(key.value_counts()).to_numpy()
    for col, exponent in (("source", float(body)), ("label", power)):
        if exponent:
            totals = pd.Series(w).groupby(frame[col].to_numpy()).sum()
            w = w / totals.reindex(frame[col].to_numpy()).to_numpy() ** exponent
    return w * len(w) / w.sum()
