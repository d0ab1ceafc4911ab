"""A spreadsheet import wizard for Jupyter notebooks.

Display an `ImportWidget`, drop a CSV or Excel file on it, map its columns to your
fields, and deliver the cleaned, validated records to your own async callbacks.
"""

from ._custom_rules import CustomRule, column_rule, dataset_rule
from ._exceptions import (
    EmptyFileError,
    FileReadError,
    ImportOkError,
    ImportStateError,
    InvalidRecordsError,
    MappingError,
    RuleError,
    SchemaError,
    UnsupportedFileError,
)
from ._http import HttpResponse, JsonPoster, post_batch_json, post_json
from ._pipeline import ImportResult
from ._providers import LookupProvider, Provider, StaticProvider
from ._records import Record, RecordSet
from ._schema import Field, Rule
from ._widget import ImportWidget

__version__ = "0.1.0"

__all__ = [
    "CustomRule",
    "EmptyFileError",
    "Field",
    "FileReadError",
    "HttpResponse",
    "ImportOkError",
    "ImportResult",
    "ImportStateError",
    "ImportWidget",
    "InvalidRecordsError",
    "RuleError",
    "JsonPoster",
    "LookupProvider",
    "MappingError",
    "Provider",
    "Record",
    "RecordSet",
    "Rule",
    "SchemaError",
    "StaticProvider",
    "UnsupportedFileError",
    "column_rule",
    "dataset_rule",
    "post_batch_json",
    "post_json",
]
