"""Folders of the repository that the browser tests read and write."""

import pathlib

REPO = pathlib.Path(__file__).resolve().parents[2]
SRC = REPO / "src"
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = REPO / "test-artifacts"
"""Screenshots, downloads and failure logs, ignored by git."""
