"""Typed errors. The library raises these; only the CLI turns them into messages and exit codes."""


class PubcomError(Exception):
    """Base class of every error this package raises on purpose."""


class DataFileError(PubcomError):
    """A curated data file shipped with the package (schemes, rules, columns) is malformed."""


class SchemeError(PubcomError):
    """A category scheme is unknown, or a category is not part of its scheme."""


class UnknownCategoryError(SchemeError):
    """A published category is not registered in the scheme the document uses."""


class LegendMismatchError(SchemeError):
    """A document prints a legend that matches no registered scheme."""


class DocumentFormatError(PubcomError):
    """A document could not be parsed in the format it was read as."""


class NotAResultsDocumentError(DocumentFormatError):
    """The document is not an opinion/response results table (a plan, minutes, ...)."""


class CountMismatchError(DocumentFormatError):
    """The parsed rows disagree with the counts the document itself prints."""


class NoTextLayerError(DocumentFormatError):
    """A PDF has no text layer (a scanned document: its pages are images); nothing can be read
    without OCR."""


class PointerError(DocumentFormatError):
    """An answer that only points to another (「No.N」の回答のとおりです) cannot be resolved."""


class TableReadError(PubcomError):
    """A CSV/XLSX file cannot be read as a table (encoding, not a table, empty)."""


class MissingColumnError(TableReadError):
    """A required column is missing from a table."""


class AnnotationError(PubcomError):
    """An annotation file is inconsistent with the data (unknown id, evidence not found, ...)."""


class ExportError(PubcomError):
    """A results table cannot be exported as asked (rows without a category)."""


class ModelError(PubcomError):
    """A model file is missing, tampered with, or unusable."""


class CorrectionError(PubcomError):
    """A staff correction cannot be made or withdrawn as asked (unknown id, already withdrawn)."""
