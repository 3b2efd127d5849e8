"""The request-type model reads the analysis the category model already made (one parse of each
opinion): the same request types as predicting them on their own."""
import pandas as pd
import pytest

from classifier import predict
from classifier.request_model import build_request_pipeline, request_frame


@pytest.fixture(scope="module")
def with_requests(dataset, saved_models):
    frame = request_frame(dataset)
    asks = build_request_pipeline().fit(frame, frame["label"])
    model = predict.load_model("response", saved_models)
    return predict.Model(model.pipeline, "response", model.card, predict.Model(asks, "request"))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_shared_analysis_predicts_what_separate_models_do(with_requests, dataset, monkeypatch, jobs):
    monkeypatch.setenv("PUBCOM_JOBS", jobs)
    monkeypatch.setattr(predict, "CHUNK", 40)
    rows = dataset[["opinion", "response"]].iloc[:150]
    table = pd.concat([rows, rows.iloc[:20],  # repeats, an opinion whose response is empty, an empty opinion
                       pd.DataFrame({"opinion": ["窓口を残してください。", ""], "response": ["", "承ります。"]})],
                      ignore_index=True)
    assert with_requests.shares_analysis()
    shared = with_requests.predict_table(table)
    monkeypatch.setattr(predict.Model, "shares_analysis", lambda self: False)
    separate = with_requests.predict_table(table)
    pd.testing.assert_frame_equal(shared, separate)
    assert shared["request_type"].iloc[-2] and pd.isna(shared["request_type"].iloc[-1])


def test_analysis_cache_keeps_at_most_its_size():
    from classifier.features import AnalysisCache, AnalyzeColumns

    cache = AnalysisCache(size=3)
    step = AnalyzeColumns(("opinion",))
    first = step.analyze_normalized({"opinion": ["賛成です", "反対です", "賛成です"]}, cache=cache)
    again = step.analyze_normalized({"opinion": ["反対です", "質問です", "要望です"]}, cache=cache)
    assert sum(map(len, cache.columns.values())) <= 3
    assert first["opinion_tokens"].iloc[1] == again["opinion_tokens"].iloc[0]
    pd.testing.assert_frame_equal(again, step.analyze_normalized({"opinion": ["反対です", "質問です", "要望です"]}))


def test_analysis_cache_many_responses_do_not_push_out_every_opinion():
    from classifier.features import AnalysisCache, AnalyzeColumns

    cache = AnalysisCache(size=4)
    step = AnalyzeColumns(("opinion", "response"))
    step.analyze_normalized({"opinion": ["賛成です"] * 3, "response": ["承ります", "検討します", "原案のとおりとします"]},
                            cache=cache)
    assert "賛成です" in cache.column("opinion")  # the newest opinion stays beside the responses
    assert len(cache.column("response")) == 2 and sum(map(len, cache.columns.values())) <= 4
    assert "原案のとおりとします" in cache.column("response")  # the oldest dropped first
