"""Exceptions raised by importok-widget.

All of them derive from one base class, so a caller can catch at the level it needs::

    ImportOkError
    ├── SchemaError          invalid field definitions or rules, raised at creation
    ├── FileReadError        a file that cannot be read as a table
    │   ├── EmptyFileError
    │   └── UnsupportedFileError
    ├── MappingError         a required field has no column, or a column is unknown
    ├── RuleError            a transformer or validator failed or timed out
    ├── InvalidRecordsError  invalid records with invalid_records="block"
    └── ImportStateError     an action that the import's current state does not allow
"""

from __future__ import annotations


class ImportOkError(Exception):
    """Base class of every error raised by importok-widget."""


class SchemaError(ImportOkError, ValueError):
    """Invalid field definitions, rule names or rule arguments."""


class FileReadError(ImportOkError):
    """A file that cannot be read as a table of records."""


class EmptyFileError(FileReadError):
    """A file with no data rows."""


class UnsupportedFileError(FileReadError):
    """A file whose type is neither a delimited text file nor a workbook."""


class MappingError(ImportOkError, ValueError):
    """A mapping that leaves a required field without a column or names no column."""


class RuleError(ImportOkError):
    """A transformer or validator that raised or timed out while checking records.

    `field` is the field's key and `rule` the rule as written (`in:crm`). The
    original exception is the `__cause__`.
    """

    def __init__(self, message: str, field: str, rule: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class InvalidRecordsError(ImportOkError):
    """Records that failed validation, with `invalid_records="block"`.

    `count` is the number of invalid records. Nothing was delivered.
    """

    def __init__(self, message: str, count: int) -> None:
        super().__init__(message)
        self.count = count


class ImportStateError(ImportOkError, RuntimeError):
    """An action that the current state of the import does not allow."""
