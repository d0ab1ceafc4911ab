"""Checks of the widget's display options: subtitles, style and the sample file."""

from __future__ import annotations

import csv
import io
import os
import pathlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._protocol import STEPS

if TYPE_CHECKING:
    from ._schema import Field

MAX_SAMPLE_FILE_SIZE = 10 * 1024 * 1024
"""Largest sample file in bytes; the download goes through one comm message."""

SAMPLE_MIME = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".txt": "text/plain",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
}


def check_subtitles(subtitles: Any) -> dict[str, str]:
    """Return `subtitles` as {step: text}, or raise `TypeError` naming the problem."""
    if subtitles is None:
        return {}
    if not isinstance(subtitles, Mapping):
        raise TypeError(
            f"subtitles must be a dict of step to text, not {type(subtitles).__name__}"
        )
    checked = {}
    for step, text in subtitles.items():
        if step not in STEPS:
            raise TypeError(
                f"subtitles has an unknown step {step!r}. Steps are: {list(STEPS)}."
            )
        if not isinstance(text, str):
            raise TypeError(
                f"subtitles[{step!r}] must be text, not {type(text).__name__}"
            )
        checked[step] = text
    return checked


def check_style(style: Any) -> str:
    if not isinstance(style, str):
        raise TypeError(f"style must be CSS text, not {type(style).__name__}")
    return style


@dataclass(frozen=True)
class SampleFile:
    """A file that the upload step offers to download, as an example of the input."""

    name: str
    path: pathlib.Path | None = None
    """File to send, or None for a header row made from the fields' labels."""

    @property
    def mime(self) -> str:
        return SAMPLE_MIME.get(pathlib.Path(self.name).suffix.lower(), "text/csv")

    def content(self, fields: list[Field]) -> bytes:
        """Return the file's bytes, read when the user asks for them."""
        if self.path is None:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\r\n").writerow(
                [spec.label for spec in fields]
            )
            return buffer.getvalue().encode("utf-8-sig")
        return self.path.read_bytes()


def sample_file(value: Any) -> SampleFile | None:
    """Return the sample file for `sample_file=`, or raise naming the problem.

    `True` offers a CSV whose header row contains the fields' labels, which the
    mapping step recognises. A path offers that file, which must exist.
    """
    if value is None or value is False:
        return None
    if value is True:
        return SampleFile(name="sample.csv")
    if not isinstance(value, str | os.PathLike):
        raise TypeError(
            f"sample_file must be True or the path of a file, not "
            f"{type(value).__name__}"
        )
    path = pathlib.Path(value)
    if not path.is_file():
        raise FileNotFoundError(f"sample_file {str(path)!r} is not a file.")
    size = path.stat().st_size
    if size > MAX_SAMPLE_FILE_SIZE:
        raise ValueError(
            f"sample_file {str(path)!r} has {size:,} bytes; a sample may have at "
            f"most {MAX_SAMPLE_FILE_SIZE:,}."
        )
    return SampleFile(name=path.name, path=path)
