"""Safe persistence of trained models, with skops.

A model is ``models/<mode>.skops`` plus a model card ``models/<mode>.json`` holding, among the
training facts, the sha256 of the model file. Loading checks the hash (integrity: the file is the
one its card describes), then refuses any type in the file that the project does not trust
(origin: a skops file only builds what is listed, and never runs code of its own) — a checksum
alone proves nothing about who made a file. A model file in any other format (a pickle, joblib)
is refused without being opened as one. Writes are atomic (temp file + rename), card last, and a
replaced file keeps its permissions.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import warnings
import zipfile
from pathlib import Path

from .exceptions import ModelError

LIBRARIES = ("scikit-learn", "numpy", "scipy", "pandas", "skops", "fugashi", "unidic-lite")
SUFFIX = ".skops"
# The types a model may contain beyond what skops trusts by default (public scikit-learn, numpy,
# scipy): the project's feature steps and tokenizer function, and the private parts of
# scikit-learn's calibrated LinearSVC; the precedents index and its sparse matrix.
TRUSTED = ("classifier.features.AnalyzeColumns", "classifier.features.CrossFeatures",
           "classifier.features.StanceFeatures", "classifier.features.RequestVerdict",
           "classifier.model.Tempered", "classifier.text.split_tokens", "classifier.text.split_bigrams",
           "sklearn.calibration._CalibratedClassifier", "sklearn.calibration._SigmoidCalibration",
           "classifier.precedents.PrecedentIndex", "scipy.sparse._csr.csr_matrix")


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
    """Write through a temp file renamed over ``path``; the new file keeps the permissions of the
    one it replaces (a new file gets the usual 0666 minus the umask, as `open` would give it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def save(obj, card: dict, models_dir, name: str) -> dict:
    """Write ``<name>.skops`` and ``<name>.json`` atomically; return the card with the model's
    sha256 and file size added."""
    import skops.io as sio

    models_dir = Path(models_dir)
    model_path = models_dir / f"{name}{SUFFIX}"
    _atomic_write(model_path, lambda tmp: sio.dump(obj, tmp, compression=zipfile.ZIP_DEFLATED))
    card = dict(card, model_file=model_path.name, model_format="skops", model_sha256=sha256_file(model_path),
                model_bytes=model_path.stat().st_size, libraries=library_versions())
    text = json.dumps(card, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    _atomic_write(models_dir / f"{name}.json", lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return card


def link_evaluation(models_dir, name: str, evaluation_path, training_files: dict) -> bool:
    """Point the model card ``<name>.json`` to the evaluation of what it was trained on: when the
    card's ``training_data`` (file name → sha256) is exactly ``training_files``, write
    ``evaluation`` = {"path", "sha256"} into the card (the model file is untouched) and return True;
    a card trained on other data, or none, is left alone (False)."""
    path = Path(models_dir) / f"{name}.json"
    if not path.exists():
        return False
    card = read_card(models_dir, name)
    if card.get("training_data") != training_files:
        return False
    evaluation = Path(evaluation_path).resolve()
    try:
        shown = str(evaluation.relative_to(Path(models_dir).resolve().parent))
    except ValueError:
        shown = str(evaluation)
    card["evaluation"] = {"path": shown, "sha256": sha256_file(evaluation)}
    text = json.dumps(card, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    _atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return True


def read_card(models_dir, name: str) -> dict:
    path = Path(models_dir) / f"{name}.json"
    if not path.exists():
        raise ModelError(f"no model card {path}; train a model with `pubcom train`")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ModelError(f"{path}: not a valid model card ({e})") from None


def check_file(path: Path, card: dict) -> None:
    """Refuse a model file that is missing, not the one its card describes, not in skops format,
    or holding a type the project does not trust. Nothing in the file is run."""
    import skops.io as sio

    if not path.exists():
        raise ModelError(f"model file {path} is missing; train a model with `pubcom train`")
    digest = sha256_file(path)
    if digest != card.get("model_sha256"):
        raise ModelError(
            f"{path}: sha256 {digest[:16]}… does not match its model card ({str(card.get('model_sha256'))[:16]}…). "
            "The file was changed after training; it will not be loaded. Retrain with `pubcom train` or "
            "restore the original file.")
    if path.suffix != SUFFIX or not zipfile.is_zipfile(path):
        raise ModelError(f"{path}: not a skops model file; models are only loaded in skops format, never as "
                         "pickle or joblib files (those run code when loaded). Retrain with `pubcom train`.")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as e:  # a damaged or foreign zip file
        raise ModelError(f"{path}: not a readable skops model file ({e}); retrain with `pubcom train`") from None
    unknown = sorted(set(untrusted) - set(TRUSTED))
    if unknown:
        raise ModelError(f"{path}: holds types the project does not trust: {', '.join(unknown)}. It was not "
                         "made by `pubcom train` of this version, and will not be loaded.")


def load(models_dir, name: str):
    """Check ``<name>``'s model file against its card and the trusted types, then load it.
    Returns (object, card). Warns when library versions differ from training."""
    import skops.io as sio

    card = read_card(models_dir, name)
    path = Path(models_dir) / card.get("model_file", f"{name}{SUFFIX}")
    check_file(path, card)
    now = library_versions()
    differ = {k: (v, now.get(k)) for k, v in card.get("libraries", {}).items() if now.get(k) != v}
    if differ:
        warnings.warn(f"{path} was trained with other library versions "
                      + ", ".join(f"{k} {a} (now {b})" for k, (a, b) in differ.items())
                      + "; predictions may differ — retrain with `pubcom train`.", stacklevel=2)
    return sio.load(path, trusted=list(TRUSTED)), card
