"""Judging what a callback returned or raised: success, rejection, or worth a retry."""

from __future__ import annotations

import email.utils
import inspect
import time
from dataclasses import dataclass
from typing import Any

import httpx

BODY_PREVIEW = 200
"""Characters of a rejected response's body kept in the error message."""

MAX_RETRY_AFTER = 300.0
"""Maximum wait in seconds taken from a `Retry-After` header."""


def _transient_errors() -> tuple[type[BaseException], ...]:
    # TimeoutError here is one raised inside a callback, such as aiohttp's total
    # timeout. The import's own timeout raises CallTimedOut and is never retried.
    errors: list[type[BaseException]] = [
        httpx.TransportError,
        ConnectionError,
        TimeoutError,
    ]
    try:
        import aiohttp

        errors.append(aiohttp.ClientConnectionError)
        errors.append(aiohttp.ClientPayloadError)
    except ImportError:
        pass
    try:
        import requests

        errors.append(requests.ConnectionError)
        errors.append(requests.Timeout)
    except ImportError:
        pass
    return tuple(errors)


TRANSIENT_ERRORS = _transient_errors()
"""Exceptions of HTTP clients that mean the request may succeed if sent again."""


@dataclass(frozen=True)
class Verdict:
    """Judgement of one call's outcome for its record or set."""

    message: str | None = None
    """Reason the call failed, or None when it succeeded."""
    retryable: bool = False
    retry_after: float | None = None
    """Seconds the server asked to wait before the next attempt."""


def status_of(result: Any) -> int | None:
    """Return the HTTP status of an httpx, requests or aiohttp response, else None."""
    status = getattr(result, "status_code", None)
    if isinstance(status, int) and not isinstance(status, bool):
        return status
    status = getattr(result, "status", None)
    if (
        isinstance(status, int)
        and not isinstance(status, bool)
        and hasattr(result, "reason")
    ):
        return status
    return None


async def _body_preview(result: Any) -> str:
    try:
        body = result.text
        if callable(body):
            body = body()
        if inspect.isawaitable(body):
            body = await body
    except Exception:  # an unread or released response: the status is enough
        return ""
    if not isinstance(body, str):
        return ""
    body = " ".join(body.split())
    if len(body) > BODY_PREVIEW:
        body = body[:BODY_PREVIEW] + "…"
    return body


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Return the wait in seconds that a `Retry-After` header requests, or None.

    The header is either a number of seconds or an HTTP date.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


async def judge_result(result: Any) -> Verdict:
    """Judge a callback's return value: a non-2xx response rejects its record.

    429 and 5xx responses may be retried. The message names the status, the reason
    phrase and the start of the body.
    """
    status = status_of(result)
    if status is None or 200 <= status < 300:
        return Verdict()

    reason = getattr(result, "reason_phrase", None) or getattr(result, "reason", "")
    message = f"HTTP {status} {reason or ''}".rstrip()
    body = await _body_preview(result)
    if body:
        message = f"{message}: {body}"

    retryable = status == 429 or 500 <= status <= 599
    retry_after = None
    if retryable:
        headers = getattr(result, "headers", None)
        if headers is not None:
            try:
                retry_after = parse_retry_after(headers.get("Retry-After"))
            except Exception:  # headers of an unknown type: back off instead
                retry_after = None
    return Verdict(message, retryable, retry_after)


def judge_error(error: Exception) -> Verdict:
    """Judge an exception raised by a callback; transport errors may be retried."""
    text = str(error).strip() or type(error).__name__
    return Verdict(text, isinstance(error, TRANSIENT_ERRORS))
