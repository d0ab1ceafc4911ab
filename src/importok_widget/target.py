"""A small HTTP endpoint on 127.0.0.1 that stores the records posted to it.

It replaces a real API in demos and tests::

    from importok_widget.target import LocalTarget

    target = LocalTarget(reject=lambda record: "Email is taken" if ... else None)
    target.url            # "http://127.0.0.1:PORT/records"
    target.records        # the JSON bodies it accepted
    target.close()

Each POST of a JSON object (or of a list of objects) is passed to `reject`. A returned
message answers 422 with that message as the body, and None answers 201. For tests of
failures, `respond` sees each body first and may answer with any status instead.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Rejector = Callable[[dict[str, Any]], str | None]
Responder = Callable[[Any], "tuple[int, str] | tuple[int, str, dict[str, str]] | None"]


class LocalTarget:
    """Serve `POST /records` on 127.0.0.1 in a background thread.

    `delay` is the time in seconds each request takes before the response is sent, and
    `max_in_flight` records how many requests were being served at once, at most.
    `respond(body)` may return `(status, text)` or `(status, text, headers)` to
    answer a request itself; bodies it answers are not stored.
    """

    def __init__(
        self,
        *,
        reject: Rejector | None = None,
        respond: Responder | None = None,
        delay: float = 0.0,
        port: int = 0,
    ) -> None:
        self.reject = reject
        self.respond = respond
        self.delay = delay
        self.records: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.requests = 0
        self.connections = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="importok-local-target", daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/records"

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LocalTarget:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LocalTarget({self.url}, {len(self.records)} records stored)"

    def _receive(self, body: Any) -> tuple[int, str, dict[str, str]]:
        if self.respond is not None:
            answer = self.respond(body)
            if answer is not None:
                status, text, *rest = answer
                return status, text, dict(rest[0]) if rest else {}
        items = body if isinstance(body, list) else [body]
        if not all(isinstance(item, dict) for item in items):
            return 400, "Expected a JSON object or a list of objects", {}
        messages = []
        if self.reject is not None:
            messages = [m for m in map(self.reject, items) if m]
        with self._lock:
            if messages:
                self.rejected.extend(items)
            else:
                self.records.extend(items)
        if messages:
            return 422, "; ".join(messages), {}
        return 201, json.dumps({"stored": len(items)}), {}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        target = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes, which Nagle's algorithm
            # would hold back for a delayed ACK of about 40 ms per request.
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                with target._lock:
                    target.connections += 1

            def do_POST(self) -> None:  # noqa: N802 - name fixed by http.server
                with target._lock:
                    target.requests += 1
                    target.in_flight += 1
                    target.max_in_flight = max(target.max_in_flight, target.in_flight)
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    raw = self.rfile.read(length)
                    if target.delay:
                        time.sleep(target.delay)
                    headers: dict[str, str] = {}
                    if self.path.split("?")[0] != "/records":
                        status, text = 404, "Not found: POST to /records"
                    else:
                        try:
                            body = json.loads(raw)
                        except ValueError:
                            status, text = 400, "Body is not valid JSON"
                        else:
                            status, text, headers = target._receive(body)
                finally:
                    with target._lock:
                        target.in_flight -= 1
                payload = text.encode()
                self.send_response(status)
                content_type = "application/json" if status < 300 else "text/plain"
                self.send_header("Content-Type", f"{content_type}; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
