"""Checks of the widget's delivery options, raised when the widget is created."""

from __future__ import annotations

from typing import Any

from ._delivery import is_async_callable


def check_delivery_limits(
    on_import_ready: Any, retries: Any, rate_limit: Any, batch_size: Any
) -> None:
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise TypeError(
            f"retries must be a whole number of at least 0, not {retries!r}"
        )
    if rate_limit is not None and (
        isinstance(rate_limit, bool)
        or not isinstance(rate_limit, int | float)
        or rate_limit <= 0
    ):
        raise TypeError(
            f"rate_limit must be a positive number of calls per second, "
            f"not {rate_limit!r}"
        )
    if batch_size is not None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int):
            raise TypeError(f"batch_size must be a whole number, not {batch_size!r}")
        if batch_size < 1:
            raise TypeError(f"batch_size must be at least 1, not {batch_size}")
        if on_import_ready is None:
            raise TypeError(
                "batch_size applies to on_import_ready; on_record_ready always "
                "receives one record at a time."
            )


def check_callbacks(
    on_record_ready: Any,
    on_import_ready: Any,
    on_import_progress: Any,
    throttle: Any,
    timeout: Any,
) -> None:
    if on_record_ready is not None and on_import_ready is not None:
        raise TypeError("Pass on_record_ready or on_import_ready, not both.")
    if on_record_ready is None and on_import_ready is None:
        raise TypeError(
            "Pass on_record_ready(record, meta) to receive records one at a time, "
            "or on_import_ready(records, meta) to receive them all at once."
        )
    for name, callback in (
        ("on_record_ready", on_record_ready),
        ("on_import_ready", on_import_ready),
        ("on_import_progress", on_import_progress),
    ):
        if callback is not None and not callable(callback):
            raise TypeError(f"{name} must be a function, not {type(callback).__name__}")
    if on_import_progress is not None and is_async_callable(on_import_progress):
        raise TypeError(
            "on_import_progress must be a plain function, not async def: it is "
            "called up to 10 times a second and must return at once."
        )
    if isinstance(throttle, bool) or not isinstance(throttle, int) or throttle < 1:
        raise TypeError(
            f"throttle must be a whole number of at least 1, not {throttle!r}"
        )
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or timeout <= 0
    ):
        raise TypeError(
            f"timeout must be a positive number of seconds, not {timeout!r}"
        )
