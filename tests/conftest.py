from pathlib import Path

import pytest

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
