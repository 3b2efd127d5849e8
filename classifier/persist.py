"""Safe persistence of trained models.

A model is ``models/<mode>.joblib`` plus a model card ``models/<mode>.json`` holding, among the
training facts, the sha256 of the joblib file. Loading checks that hash before unpickling — a
joblib file runs code when loaded, so a file the card does not vouch for is refused. Writes are
atomic (temp file + rename), card last, so a crash never leaves a model its card matches by
accident.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

import joblib

from .exceptions import ModelError

LIBRARIES = ("scikit-learn", "numpy", "scipy", "pandas", "joblib", "fugashi", "unidic-lite")


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def library_versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def save(obj, card: dict, models_dir, name: str) -> dict:
    """Write ``<name>.joblib`` and ``<name>.json`` atomically; return the card with the model's
    sha256 and file size added."""
    models_dir = Path(models_dir)
    model_path = models_dir / f"{name}.joblib"
    _atomic_write(model_path, lambda tmp: joblib.dump(obj, tmp, compress=3))
    card = dict(card, model_file=model_path.name, model_sha256=sha256_file(model_path),
                model_bytes=model_path.stat().st_size, libraries=library_versions())
    text = json.dumps(card, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    _atomic_write(models_dir / f"{name}.json", lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return card


def read_card(models_dir, name: str) -> dict:
    path = Path(models_dir) / f"{name}.json"
    if not path.exists():
        raise ModelError(f"no model card {path}; train a model with `pubcom train`")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ModelError(f"{path}: not a valid model card ({e})") from None


def load(models_dir, name: str):
    """Verify ``<name>.joblib`` against the sha256 in its card, then unpickle it. Returns
    (object, card). Refuses a file whose hash differs; warns when library versions differ."""
    card = read_card(models_dir, name)
    path = Path(models_dir) / card.get("model_file", f"{name}.joblib")
    if not path.exists():
        raise ModelError(f"model file {path} is missing; train a model with `pubcom train`")
    digest = sha256_file(path)
    if digest != card.get("model_sha256"):
        raise ModelError(
            f"{path}: sha256 {digest[:16]}… does not match its model card ({str(card.get('model_sha256'))[:16]}…). "
            "The file was changed after training; it will not be loaded, since a joblib file runs code when "
            "loaded. Retrain with `pubcom train` or restore the original file.")
    now = library_versions()
    differ = {k: (v, now.get(k)) for k, v in card.get("libraries", {}).items() if now.get(k) != v}
    if differ:
        warnings.warn(f"{path} was trained with other library versions "
                      + ", ".join(f"{k} {a} (now {b})" for k, (a, b) in differ.items())
                      + "; predictions may differ — retrain with `pubcom train`.", stacklevel=2)
    return joblib.load(path), card
