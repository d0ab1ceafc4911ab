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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Playwright's sync API keeps an event loop marked as running on the main thread
    # until the session ends, which breaks async tests that run after it. So the
    # browser tests run last.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
