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

