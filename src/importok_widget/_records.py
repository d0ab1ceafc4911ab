"""Records as the user's callbacks see them."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd


class Record:
    """One row of the file after mapping and transformation.

    `row_index` is the 0-based data row in the file.
    """

    __slots__ = ("_values", "row_index", "rejection")

    def __init__(self, values: dict[str, str], row_index: int) -> None:
        self._values = values
        self.row_index = row_index
        self.rejection: str | None = None

    def get_properties(self) -> dict[str, str]:
        """Return a new dict of `{field key: value}`, every value a string."""
        return dict(self._values)

    def mark_as_rejected(self, message: str | None = "Rejected") -> None:
        """Reject this record: it counts as failed, with `message` as the reason."""
        self.rejection = str(message) if message else "Rejected"

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __repr__(self) -> str:
        return f"Record(row_index={self.row_index}, {self._values!r})"


class RecordSet:
    """The records handed to `on_import_ready`, backed by a DataFrame.

    Iterating yields the same `Record` objects every time, so a record rejected during
    one pass stays rejected.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self._records: list[Record] | None = None
        self.rejection: str | None = None

    def __len__(self) -> int:
        return len(self._frame)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    @property
    def records(self) -> list[Record]:
        if self._records is None:
            keys = list(self._frame.columns)
            columns = [self._frame[key].tolist() for key in keys]
            self._records = [
                Record(dict(zip(keys, values, strict=True)), int(row_index))
                for row_index, *values in zip(self._frame.index, *columns, strict=True)
            ]
        return self._records

    def created_records(self) -> list[Record]:
        """Return the records made so far by iteration, without making new ones."""
        return self._records or []

    def get_properties(self) -> list[dict[str, str]]:
        """Return every record as a dict of `{field key: value}`."""
        return self._frame.to_dict("records")

    def to_dataframe(self) -> pd.DataFrame:
        """Return a copy of the records as a DataFrame indexed by `row_index`."""
        return self._frame.copy()

    def mark_as_rejected(self, message: str | None = "Rejected") -> None:
        """Reject every record of the set with `message` as the reason."""
        self.rejection = str(message) if message else "Rejected"

    def __repr__(self) -> str:
        return f"RecordSet({len(self)} records)"
