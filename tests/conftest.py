from pathlib import Path

import pytest

from classifier import load_dataset, persist
from classifier.model import Config, build_pipeline

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


@pytest.fixture
def raw():
    return RAW


@pytest.fixture
def seed_text():
    def read(prefix):
        return next(RAW.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    return read


CONFIG = Config(C=1.0)


@pytest.fixture(scope="session")
def dataset():
    return load_dataset(ROOT / "data" / "labeled_opinions.csv")


@pytest.fixture(scope="session")
def saved_models(dataset, tmp_path_factory):
    """Small models trained on the dataset and saved as `pubcom train` saves them."""
    d = tmp_path_factory.mktemp("models")
    for mode in ("opinion", "response"):
        pipe = build_pipeline(mode, CONFIG).fit(dataset, dataset["label"])
        persist.save(pipe, {"mode": mode, "needs_review": {"threshold": 0.5}}, d, mode)
    return d


def _copy_models(source, folder):
    """``folder`` with a copy of every model file and card of ``source``."""
    import shutil

    for f in source.iterdir():
        shutil.copy(f, folder / f.name)
    return folder


@pytest.fixture(scope="session")
def saved_models_with_requests(saved_models, dataset, tmp_path_factory):
    """The small models of ``saved_models`` and, beside them, a request-type model."""
    from classifier.request_model import build_request_pipeline, request_frame

    d = _copy_models(saved_models, tmp_path_factory.mktemp("models_requests"))
    rows = request_frame(dataset, guide=None)
    pipe = build_request_pipeline(C=1.0).fit(rows, rows["label"])
    persist.save(pipe, {"mode": "request", "needs_review": {"threshold": 0.5}}, d, "request")
    return d


@pytest.fixture(scope="session")
def precedent_models(saved_models, dataset, tmp_path_factory):
    """saved_models with a precedents index of the dataset beside them, as `pubcom train` builds it."""
    from classifier import precedents

    d = _copy_models(saved_models, tmp_path_factory.mktemp("models_precedents"))
    precedents.save(precedents.PrecedentIndex().fit(precedents.training_rows(dataset, "corrections.csv")), d)
    return d
