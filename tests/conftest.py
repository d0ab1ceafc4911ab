from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest

from importok_widget.target import LocalTarget

DATA = pathlib.Path(__file__).parent / "data"
SUPERSTORE = DATA / "sample_superstore.csv"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def target() -> Iterator[LocalTarget]:
    """A real HTTP server on 127.0.0.1 that accepts every record."""
    with LocalTarget() as server:
        yield server
