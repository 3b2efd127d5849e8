"""pubcom-classifier: sort public-comment opinions (パブリックコメント) by the response they get."""
from .agreement import agreement, cohen_kappa, read_reading
from .dataset import build_dataset, load_dataset, write_dataset
from .exceptions import (AnnotationError, CorrectionError, CountMismatchError, DataFileError, DocumentFormatError,
                         EncodingError, ExportError, HeaderNotFoundError, LegendMismatchError, MissingColumnError,
                         ModelError, NoTextLayerError, NotAResultsDocumentError, PointerError, PrecedentsMissingError, PubcomError,
                         SchemeError, SheetNotFoundError, StrayQuoteError, TableReadError, TableTooLargeError,
                         UnknownCategoryError, UnsupportedFormatError)
from .labels import LABELS, LABELS_JA
from .precedents import PrecedentIndex
from .predict import Model, load_model
from .report import deferral_table, wilson
from .request_labels import read_request_annotations
from .requests import REQUEST_TYPES, REQUEST_TYPES_JA, read_request
from .readers import READERS, read_document
from .rules import rule_label
from .schemes import get_scheme, load_schemes, match_legend
from .tables import read_table, write_table
from .text import dedupe_key, normalize

__all__ = [
    "LABELS", "LABELS_JA", "READERS", "REQUEST_TYPES", "REQUEST_TYPES_JA", "read_request", "read_request_annotations",
    "Model", "load_model", "PrecedentIndex", "agreement", "cohen_kappa", "read_reading", "deferral_table", "wilson",
    "build_dataset", "load_dataset", "write_dataset", "read_document", "rule_label",
    "get_scheme", "load_schemes", "match_legend", "read_table", "write_table", "normalize", "dedupe_key",
    "PubcomError", "AnnotationError", "CorrectionError", "CountMismatchError", "DataFileError", "DocumentFormatError",
    "EncodingError", "ExportError", "HeaderNotFoundError", "LegendMismatchError", "MissingColumnError", "ModelError",
    "NoTextLayerError", "NotAResultsDocumentError", "PointerError", "PrecedentsMissingError", "SchemeError", "SheetNotFoundError",
    "StrayQuoteError", "TableReadError", "TableTooLargeError", "UnknownCategoryError", "UnsupportedFormatError",
]
