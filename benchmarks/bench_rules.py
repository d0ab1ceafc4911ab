"""Time the rules on 1,000,000 rows against reading the file and a per-record loop.

Run from the repository root:

    PYTHONPATH=src python benchmarks/bench_rules.py

The CSV (8 columns, about 4 % invalid rows) is generated once into
benchmarks/.data/. In one process the script then times three things in wall-clock
and CPU seconds. The first is reading the file with `read_table`. The second is
transforming and validating the table with `prepare`, the widget's own path. Those
two alternate `--repeat` times, and each reports its best run. The third is a plain
Python loop that applies the same rules record by record to the first `--loop-rows`
rows, timed once and scaled linearly to the whole file.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import math
import os
import platform
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pycountry

from importok_widget._import_schema import ImportSchema
from importok_widget._pipeline import Prepared, prepare
from importok_widget._reading import Table, read_table
from importok_widget._rules import EMAIL_PATTERN

DATA_DIR = Path(__file__).parent / ".data"
ROWS = 1_000_000

FIELDS = {
    "id": {"validators": "required|unique"},
    "first_name": {"transformers": "trim|capitalize", "validators": "required"},
    "last_name": {"transformers": "trim|capitalize", "validators": "required"},
    "email": {
        "transformers": "trim|lowercase",
        "validators": "required|email|unique",
    },
    "country": {"transformers": "trim", "validators": "in:countries"},
    "city": {"transformers": "trim|capitalize"},
    "signup_date": {"transformers": "trim", "validators": "required|date"},
    "zip": {"transformers": "trim", "validators": "required"},
}

_FIRST = ["zoë", "łukasz", "anna", " james", "maría", "chen ", "olivia", "noah"]
_LAST = ["ferrand", "Nowak", "müller", "smith", "garcía", "wang", "dubois"]
_ASCII_NAMES = ["zoe", "lukasz", "anna", "james", "maria", "chen", "olivia", "noah"]
_CITIES = ["montréal", "Kraków", "berlin", "boston", "são paulo", "lyon", "osaka"]
_COUNTRIES = ["DE", "FR", "US", "PL", "BR", "JP", "CA", "GB", "IT", "ES"] * 9 + ["XX"]


def generate(path: Path, rows: int) -> None:
    """Write the CSV with a few blanks, duplicates, bad e-mails, codes and dates."""
    rng = random.Random(20241101)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write("id,first_name,last_name,email,country,city,signup_date,zip\n")
        for i in range(rows):
            first = rng.choice(_FIRST)
            last = rng.choice(_LAST)
            local = f"{rng.choice(_ASCII_NAMES)}.{rng.choice(_ASCII_NAMES)}{i}"
            email = f" {local}@Example.com"
            if rng.random() < 0.01:
                email = f"{local}@"  # invalid
            if rng.random() < 0.005:
                email = "dup@example.com"  # duplicate
            year = rng.randrange(2010, 2025)
            day = rng.randrange(1, 31)
            month = rng.randrange(1, 13)
            date = f"{year}-{month:02d}-{day:02d}"  # 30 February is invalid
            zip_code = f"{rng.randrange(100000):05d}" if rng.random() > 0.01 else ""
            values = [
                str(i),
                first,
                last,
                email,
                rng.choice(_COUNTRIES),
                rng.choice(_CITIES),
                date,
                zip_code,
            ]
            file.write(",".join(values) + "\n")


def per_record_loop(frame: pd.DataFrame) -> int:
    """Apply the same rules record by record in plain Python; return the errors."""
    email = re.compile(EMAIL_PATTERN)
    countries = {country.alpha_2 for country in pycountry.countries}
    records = frame.to_dict("records")
    cleaned = []
    for record in records:
        row = {key: value.strip() for key, value in record.items()}
        for key in ("first_name", "last_name", "city"):
            row[key] = row[key][:1].upper() + row[key][1:]
        row["email"] = row["email"].lower()
        cleaned.append(row)

    counts: dict[str, dict[str, int]] = {"id": {}, "email": {}}
    for row in cleaned:
        for key, seen in counts.items():
            if row[key]:
                seen[row[key]] = seen.get(row[key], 0) + 1

    errors = 0
    for row in cleaned:
        for key in ("id", "first_name", "last_name", "email", "signup_date", "zip"):
            errors += not row[key]
        for key, seen in counts.items():
            errors += bool(row[key]) and seen[row[key]] > 1
        errors += bool(row["email"]) and email.fullmatch(row["email"]) is None
        errors += bool(row["country"]) and row["country"] not in countries
        if row["signup_date"]:
            try:
                datetime.datetime.strptime(row["signup_date"], "%Y-%m-%d")
            except ValueError:
                errors += 1
    return errors


@dataclass
class Timing:
    """The best wall-clock and CPU seconds (all threads) of the runs so far."""

    wall: float = math.inf
    cpu: float = math.inf

    def run(self, function: Callable[..., Any], *args: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = function(*args)
        self.wall = min(self.wall, time.perf_counter() - wall)
        self.cpu = min(self.cpu, time.process_time() - cpu)
        return result


def prepare_table(
    schema: ImportSchema, table: Table, mapping: dict[str, str | None]
) -> Prepared:
    """Run `prepare` in a new event loop, as a script without a running loop does."""
    results = []

    async def check() -> None:
        # The coroutine returns None because asyncio.run on Python 3.11 formats the
        # repr of the main task's result when it restores the SIGINT handler, and
        # the repr of the DataFrames in Prepared took 0.13 s.
        results.append(await prepare(schema.compiled, table, mapping))

    asyncio.run(check())
    return results[0]


def load_average() -> str:
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--loop-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()

    path = DATA_DIR / f"rules-{options.rows}.csv"
    if not path.exists():
        print(f"Generating {path} ...")
        generate(path, options.rows)

    load_before = load_average()
    schema = ImportSchema(FIELDS)
    reading, rules = Timing(), Timing()
    mapping = None
    # Reading and the rules alternate, so that load from other processes falls on
    # both alike rather than on whichever runs during a busy spell.
    for _ in range(options.repeat):
        table = reading.run(read_table, path)
        if mapping is None:
            mapping = schema.map_columns(schema.fields, table.columns)
        prepared = rules.run(prepare_table, schema, table, mapping)

    loop_rows = min(options.loop_rows, options.rows)
    head = table.frame.head(loop_rows)
    loop = Timing()
    loop_errors = loop.run(per_record_loop, head)
    scale = options.rows / loop_rows
    slice_errors = int((prepared.errors["row"] < loop_rows).sum())

    print(
        f"file: {path.name}, {path.stat().st_size / 1e6:.1f} MB, "
        f"{len(table.frame):,} rows"
    )
    print(
        f"machine: nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"pandas {pd.__version__}, pyarrow {pa.__version__}, "
        f"load average {load_before} before, {load_average()} after"
    )
    print("                            wall s     CPU s")
    print(f"read_table:                 {reading.wall:6.3f}   {reading.cpu:7.3f}")
    print(
        f"transform + validate:       {rules.wall:6.3f}   {rules.cpu:7.3f}   "
        f"({prepared.invalid:,} invalid rows, {len(prepared.errors):,} errors)"
    )
    print(
        f"per-record loop, {loop_rows:,} rows: {loop.wall:6.3f}   {loop.cpu:7.3f}   "
        f"({loop_errors:,} errors; prepare found {slice_errors:,} in those rows)"
    )
    print(
        f"per-record loop, scaled:    {loop.wall * scale:6.3f}   "
        f"{loop.cpu * scale:7.3f}"
    )
    print(
        f"ratio rules / read:         {rules.wall / reading.wall:6.2f}   "
        f"{rules.cpu / reading.cpu:7.2f}   (target <= 2)"
    )
    print(
        f"ratio loop / rules:         {loop.wall * scale / rules.wall:6.1f}   "
        f"{loop.cpu * scale / rules.cpu:7.1f}   (target >= 20)"
    )


if __name__ == "__main__":
    main()
