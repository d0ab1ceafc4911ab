"""A spreadsheet import wizard for Jupyter notebooks.

Display an `ImportWidget`, drop a CSV or Excel file on it, map its columns to your
fields, and deliver the cleaned, validated records to your own async callbacks.
"""

from ._exceptions import (
    EmptyFileError,
    FileReadError,
    ImportOkError,
    ImportStateError,
    MappingError,
    SchemaError,
    UnsupportedFileError,
)
from ._http import HttpResponse, JsonPoster, post_batch_json, post_json
from ._pipeline import ImportResult
from ._records import Record, RecordSet
from ._widget import ImportWidget

__version__ = "0.1.0"

__all__ = [
    "EmptyFileError",
    "FileReadError",
    "HttpResponse",
    "ImportOkError",
    "ImportResult",
    "ImportStateError",
    "ImportWidget",
    "JsonPoster",
    "MappingError",
    "Record",
    "RecordSet",
    "SchemaError",
    "UnsupportedFileError",
    "post_batch_json",
    "post_json",
]
