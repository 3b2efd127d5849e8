"""The five normalized response categories (see data/labeling-guide.md)."""

LABELS = ("adopted", "covered", "deferred", "rejected", "other")

LABELS_JA = {
    "adopted": "反映",
    "covered": "記載済み",
    "deferred": "今後検討",
    "rejected": "反映困難",
    "other": "その他",
}

ORIGINS = ("official", "annotated", "rule")


def check_label(value, where=""):
    """Return ``value`` if it is one of LABELS, else raise ValueError naming it."""
    if value not in LABELS:
        raise ValueError(f"{where}unknown label {value!r}; expected one of {', '.join(LABELS)}")
    return value
