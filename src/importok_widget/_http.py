"""Ready-made callbacks that send records as JSON over HTTP.

They use aiohttp rather than httpx: on a local server, httpx's rate at 100 requests
in flight fell below its rate at 10, while aiohttp kept its rate (see
benchmarks/RESULTS-delivery.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass(frozen=True)
class HttpResponse:
    """The response to one request, read in full."""

    status_code: int
    reason_phrase: str
    text: str = field(repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return json.loads(self.text)


class JsonPoster:
    """A callback that sends `records.get_properties()` as the JSON body of a request.

    Used as `on_record_ready`, it sends one object per record. Used as
    `on_import_ready`, it sends a list of objects per call. The import enters it as an
    async context manager, so all calls of one import share one connection pool.
    Called outside an import, each call opens and closes its own.
    """

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        method: str = "POST",
        timeout: float | None = 30.0,
    ) -> None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"url must start with http:// or https://, not {url!r}")
        self.url = url
        self.method = method.upper()
        self.headers = dict(headers or {})
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._users = 0

    async def __aenter__(self) -> JsonPoster:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                # The import's throttle limits the requests in flight, so the pool
                # has no limit of its own.
                connector=aiohttp.TCPConnector(limit=0),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers=self.headers,
            )
        self._users += 1
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._users -= 1
        if self._users == 0 and self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def __call__(self, records: Any, meta: Mapping[str, Any]) -> HttpResponse:
        payload = records.get_properties()
        if self._session is None:
            async with self:
                return await self._send(payload)
        return await self._send(payload)

    async def _send(self, payload: Any) -> HttpResponse:
        assert self._session is not None
        async with self._session.request(self.method, self.url, json=payload) as reply:
            text = await reply.text(errors="replace")
            return HttpResponse(reply.status, reply.reason or "", text, reply.headers)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.method} {self.url})"


def post_json(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    method: str = "POST",
    timeout: float | None = 30.0,
) -> JsonPoster:
    """Return an `on_record_ready` callback that sends each record as a JSON object.

    A non-2xx response rejects the record, with its status and the start of its body
    as the reason. `timeout` is in seconds per request.
    """
    return JsonPoster(url, headers=headers, method=method, timeout=timeout)


def post_batch_json(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    method: str = "POST",
    timeout: float | None = 30.0,
) -> JsonPoster:
    """Return an `on_import_ready` callback that sends each batch as a JSON list.

    A non-2xx response rejects the whole batch. `timeout` is in seconds per request.
    """
    return JsonPoster(url, headers=headers, method=method, timeout=timeout)
