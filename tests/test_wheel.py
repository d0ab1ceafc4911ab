"""The built wheel ships the front end and works in a fresh virtual environment."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import venv
import zipfile

ROOT = pathlib.Path(__file__).parent.parent

CHECK = """
import asyncio
from importok_widget import ImportWidget

received = []
widget = ImportWidget(fields={"name": {"validators": "required"}},
                      on_record_ready=lambda record, meta: received.append(record))
result = asyncio.run(widget.import_file(b"name\\nAda\\n\\nBob\\n", filename="n.csv"))
assert (result.total, result.succeeded, result.failed) == (2, 2, 0), result
esm = widget.get_state()["_esm"]
assert "front end is not built" not in esm, "front end missing from the wheel"
assert "render" in esm
print("wheel works")
"""


def test_wheel_installs_and_imports(tmp_path: pathlib.Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = dist.glob("importok_widget-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "importok_widget/static/widget.js" in names
    assert "importok_widget/static/widget.css" in names

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", wheel],
        check=True,
        capture_output=True,
        timeout=900,
    )
    checked = subprocess.run(
        [python, "-c", CHECK],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "wheel works"
