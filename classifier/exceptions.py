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


class EncodingError(TableReadError):
    """A CSV's bytes are not text in the encodings tried (UTF-8, CP932) or the one named."""


class MissingColumnError(TableReadError):
    """A required column is missing from a table. ``role`` is the column's role (opinion, response,
    category), ``columns`` the columns found."""

    def __init__(self, message, role=None, columns=()):
        super().__init__(message)
        self.role, self.columns = role, tuple(columns)


class HeaderNotFoundError(TableReadError):
    """No header row: no row near the top names an opinion or response column, or the row asked
    for is not there. ``sheets`` lists a workbook's sheets, ``with_table`` those that have one."""

    def __init__(self, message, sheets=(), with_table=()):
        super().__init__(message)
        self.sheets, self.with_table = tuple(sheets), tuple(with_table)


class SheetNotFoundError(TableReadError):
    """The sheet asked for is not in the workbook (``sheets`` lists those that are)."""

    def __init__(self, message, sheets=()):
        super().__init__(message)
        self.sheets = tuple(sheets)


class StrayQuoteError(TableReadError):
    """A quote in a CSV opens a cell that swallows the lines after it. ``line`` is the line of the
    quote."""

    def __init__(self, message, line=0):
        super().__init__(message)
        self.line = line


class TableTooLargeError(TableReadError):
    """A table has more rows, or an XLSX unzips to more bytes, than the tool reads."""


class UnsupportedFormatError(TableReadError):
    """A file format the tool does not read (.xls, .ods): save it as .xlsx or CSV."""


class AnnotationError(PubcomError):
    """An annotation file is inconsistent with the data (unknown id, evidence not found, ...)."""


class ExportError(PubcomError):
    """A results table cannot be exported as asked (rows without a category)."""


class ModelError(PubcomError):
    """A model file is missing, tampered with, or unusable."""


class PrecedentsMissingError(ModelError):
    """No precedents index beside the models (models/precedents.skops): `pubcom train` builds it."""


class CorrectionError(PubcomError):
    """A staff correction cannot be made or withdrawn as asked (unknown id, already withdrawn)."""
