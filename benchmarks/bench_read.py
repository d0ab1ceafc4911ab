"""Compare read_table with a bare pandas.read_csv on a 1,000,000-row CSV.

Run from the repository root:

    PYTHONPATH=src python benchmarks/bench_read.py

Each measurement runs in a fresh subprocess, so the peak resident memory of one
read (ru_maxrss after the read minus ru_maxrss after the imports) is not hidden by
an earlier one. read_table is measured on the path and on a memoryview of a
bytearray that holds the file, which is how the widget passes an upload. The file
is generated once into benchmarks/.data/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
from pathlib import Path

DATA_DIR = Path(__file__).parent / ".data"
ROWS = 1_000_000

_FIRST_NAMES = ["Zoë", "Łukasz", "Anna", "James", "María", "Chen", "Olivia", "Noah"]
_LAST_NAMES = ["Ferrand", "Nowak", "Müller", "Smith", "García", "Wang", "Dubois"]
_CITIES = ["Montréal", "Kraków", "Berlin", "Boston", "São Paulo", "Lyon", "Osaka"]

# ru_maxrss is in KiB on Linux. tracemalloc counts Python allocations such as the
# file's bytes, and the pyarrow pool's max_memory() counts Arrow buffers. The upload
# buffer of the memoryview case is filled before both baselines are taken, because
# the widget holds it before read_table runs, so it is not counted as growth.
_MEASURE = """
import os, resource, sys, time, tracemalloc
import pandas as pd
import pyarrow as pa
from importok_widget._reading import read_table
path, which = sys.argv[1], sys.argv[2]
if which == "memoryview":
    upload = bytearray(os.path.getsize(path))
    view = memoryview(upload)
    with open(path, "rb", buffering=0) as file:
        filled = 0
        while filled < len(upload):
            filled += file.readinto(view[filled:])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
start = time.perf_counter()
cpu_start = time.process_time()
if which == "pandas":
    frame = pd.read_csv(path, dtype=str, engine="pyarrow")
    rows = len(frame)
elif which == "memoryview":
    rows = len(read_table(view, filename="upload.csv").frame)
else:
    rows = len(read_table(path).frame)
seconds = time.perf_counter() - start
cpu_seconds = time.process_time() - cpu_start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
python_peak = tracemalloc.get_traced_memory()[1]
arrow_peak = pa.default_memory_pool().max_memory()
print(seconds, cpu_seconds, (after - before) * 1024, python_peak + arrow_peak, rows)
"""


def generate(path: Path, rows: int) -> None:
    """Write a CSV with names, emails, zip codes with leading zeros, dates and
    amounts."""
    rng = random.Random(20241016)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write("id,first_name,last_name,email,zip,city,signup_date,amount\n")
        for i in range(rows):
            first = rng.choice(_FIRST_NAMES)
            last = rng.choice(_LAST_NAMES)
            email = f"{first.lower()}.{last.lower()}{i}@example.com"
            zip_code = f"{rng.randrange(100000):05d}"
            city = rng.choice(_CITIES)
            if rng.random() < 0.05:
                city = f'"{city}, QC"'
            year = rng.randrange(2010, 2025)
            date = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
            amount = f"{rng.randrange(100000) / 100:.2f}" if rng.random() > 0.1 else ""
            values = [str(i), first, last, email, zip_code, city, date, amount]
            file.write(",".join(values) + "\n")


def measure(path: Path, which: str) -> tuple[float, float, int, int]:
    """Return (wall seconds, CPU seconds of all threads, peak RSS growth, peak traced
    bytes) of one read in a new process."""
    env = dict(os.environ)
    source = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), which],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    seconds, cpu_seconds, rss_peak, traced_peak, _rows = result.stdout.split()
    return float(seconds), float(cpu_seconds), int(rss_peak), int(traced_peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS, help="rows to generate")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each reader")
    args = parser.parse_args()

    path = DATA_DIR / f"people-{args.rows}.csv"
    if not path.exists():
        generate(path, args.rows)
    size = path.stat().st_size

    import pandas as pd
    import pyarrow as pa

    # pandas: the baseline. read_table: a path. memoryview: the bytes of an upload,
    # as the widget passes them.
    results: dict[str, list[tuple[float, float, int, int]]] = {
        "pandas": [],
        "read_table": [],
        "memoryview": [],
    }
    # Alternate the readers so that a slow phase of the machine hits all of them.
    for _ in range(args.repeat):
        for which in results:
            results[which].append(measure(path, which))

    best = {which: min(run[0] for run in runs) for which, runs in results.items()}
    # The median is less sensitive than the best time to one run that happened to
    # get both cores of a busy machine.
    median = {
        which: statistics.median(run[0] for run in runs)
        for which, runs in results.items()
    }
    cpu = {which: min(run[1] for run in runs) for which, runs in results.items()}
    rss = {which: max(run[2] for run in runs) for which, runs in results.items()}
    traced = {which: max(run[3] for run in runs) for which, runs in results.items()}
    readers = ("read_table", "memoryview")
    report = {
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "pandas": pd.__version__,
            "pyarrow": pa.__version__,
        },
        "rows": args.rows,
        "file_bytes": size,
        "best_seconds": best,
        "time_ratio": {which: best[which] / best["pandas"] for which in readers},
        "median_time_ratio": {
            which: median[which] / median["pandas"] for which in readers
        },
        "cpu_seconds": cpu,
        "cpu_time_ratio": {which: cpu[which] / cpu["pandas"] for which in readers},
        "rss_growth_over_file_size": {k: v / size for k, v in rss.items()},
        "traced_peak_over_file_size": {k: v / size for k, v in traced.items()},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
