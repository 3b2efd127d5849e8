"""predict_table reports its progress to a function (the staff page shows it)."""
import pandas as pd

from classifier import predict


def test_progress_function_is_called_with_distinct_texts_done(saved_models, monkeypatch):
    monkeypatch.setenv("PUBCOM_JOBS", "1")
    monkeypatch.setattr(predict, "CHUNK", 4)
    model = predict.load_model("opinion", saved_models)
    texts = [f"窓口を残してください {i}" for i in range(10)]
    calls = []
    out = model.predict_table(pd.DataFrame({"意見": texts + texts[:5] + [""]}), progress=lambda d, t: calls.append((d, t)))
    assert len(out) == 16
    assert calls == [(4, 10), (8, 10), (10, 10), (10, 10)]
