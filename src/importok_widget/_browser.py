"""The widget's side of the browser protocol: uploads, steps and downloads.

`BrowserSession` is a mixin of `ImportWidget`. It turns each custom message from the
front end into a call on the widget, and shows every error it catches in the widget,
because errors raised in comm handlers would otherwise only reach the kernel's log.
The messages are described in `_protocol`.
"""

from __future__ import annotations

import asyncio
import logging
import pathlib
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._exceptions import FileReadError, ImportOkError, ImportStateError
from ._mapping import check_mapping
from ._pipeline import rejected_csv
from ._protocol import CHUNK_SIZE, MAX_FILE_WARNINGS
from ._reading import Table, read_table
from ._review import EXPORT_MIME, check_export_format

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from ._display import SampleFile
    from ._import_schema import ImportSchema
    from ._pipeline import ImportResult, Prepared
    from ._providers import Provider
    from ._schema import Field

logger = logging.getLogger("importok_widget")

SAMPLE_ROWS = 200
"""Rows searched for sample values of each column."""

MAX_PROVIDER_OPTIONS = 50
"""Maximum number of options in one provider_options reply."""

PROVIDER_TIMEOUT = 10.0
"""Seconds a provider may take to return the options of a provider_options request."""


def running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class _Ignored(Exception):
    """A message that no longer applies and has had its reply, so nothing is shown."""


class Upload:
    """A file arriving in chunks, stored in one buffer of the announced size."""

    def __init__(self, upload_id: str, name: str, size: int, mime: str) -> None:
        self.upload_id = upload_id
        self.name = name
        self.size = size
        self.mime = mime
        self.buffer = bytearray(size)
        self.received = 0

    def write(self, offset: int, data: memoryview | bytes) -> None:
        if offset != self.received:
            raise FileReadError(
                f"Upload of {self.name!r} is out of order: chunk at byte {offset}, "
                f"expected byte {self.received}. Upload the file again."
            )
        end = offset + len(data)
        if end > self.size:
            raise FileReadError(
                f"Upload of {self.name!r} is larger than its announced "
                f"{self.size} bytes. Upload the file again."
            )
        self.buffer[offset:end] = data
        self.received = end


class BrowserSession:
    """Handle the front end's messages on the kernel's main event loop.

    Comm messages may arrive on another thread when JupyterLab sends them over a
    kernel subshell, so each one is handed to the loop the widget was created on.
    """

    if TYPE_CHECKING:
        # Provided by ImportWidget, the only class this is mixed into.
        step: str
        error: str
        busy: str
        filename: str
        with_header: bool
        file_info: dict[str, Any]
        columns: list[str]
        samples: dict[str, list[str]]
        mapping: dict[str, str | None]
        review: dict[str, Any]
        progress: dict[str, Any]
        result: dict[str, Any]
        rejected: Any
        _loop: asyncio.AbstractEventLoop | None
        _tasks: set[asyncio.Future[Any]]
        _upload: Upload | None
        _source: tuple[Any, str] | None
        _generation: int
        _table: Table | None
        _prepared: Prepared | None
        _setup: ImportSchema
        _schema: list[Field]
        _sample: SampleFile | None

        def send(self, content: dict[str, Any], buffers: Any = None) -> None: ...
        def hold_sync(self) -> AbstractContextManager[None]: ...
        def cancel(self) -> None: ...
        @property
        def running(self) -> bool: ...
        async def retry_failed(self) -> ImportResult: ...
        def _check_idle(self) -> None: ...
        def _check_retry(self) -> ImportResult: ...
        def _check_policy(self, prepared: Prepared) -> None: ...
        def _use_fields(self, table: Table) -> None: ...
        async def _check(
            self, table: Table, mapping: dict[str, str | None]
        ) -> Prepared: ...
        async def _deliver(
            self, prepared: Prepared, retry_of: ImportResult | None = None
        ) -> ImportResult: ...
        def _show_table(self, table: Table, mapping: dict[str, str | None]) -> None: ...
        def _show_review(self, prepared: Prepared) -> None: ...
        def grid_rows(
            self,
            start: int,
            stop: int,
            *,
            only_errors: bool = False,
            message_filter: Mapping[str, Any] | None = None,
            search: str = "",
        ) -> dict[str, Any]: ...
        def edit_cell(self, row: int, field: str, value: Any) -> None: ...
        def delete_rows(self, rows: Sequence[int]) -> int: ...
        def add_record(self, values: dict[str, Any] | None = None) -> int: ...
        def find_replace(
            self,
            find: str,
            replace: str,
            *,
            field: str | None = None,
            match_case: bool = False,
            whole_cell: bool = False,
        ) -> int: ...
        def undo(self) -> bool: ...
        def field_provider(self, key: str) -> Provider | None: ...
        def export_records(self, format: str = "csv") -> bytes: ...
        def export_filename(self, format: str = "csv") -> str: ...
        async def wait_review(self) -> None: ...
        def _review_pending(self) -> bool: ...
        def _check_reviewed(self) -> None: ...

    def _on_custom_msg(self, _widget: Any, content: Any, buffers: Any) -> None:
        loop = self._loop
        if loop is not None and loop.is_running() and running_loop() is not loop:
            loop.call_soon_threadsafe(self._handle, content, buffers)
        else:
            self._handle(content, buffers)

    def _handle(self, content: Any, buffers: Sequence[Any] | None) -> None:
        try:
            kind = content.get("type") if isinstance(content, dict) else None
            handler = self._handlers.get(kind or "")
            if handler is None:
                raise ImportStateError(f"Unknown message from the browser: {kind!r}")
            handler(self, content, list(buffers or ()))
        except _Ignored:
            pass
        except Exception as error:
            self._show_error(error)

    def _show_error(self, error: BaseException) -> None:
        if isinstance(error, ImportOkError):
            message = str(error)
            logger.info("Shown in the widget: %s", message)
        else:
            message = f"Unexpected error: {type(error).__name__}: {error}"
            logger.error("Unexpected error in the import widget", exc_info=error)
        with self.hold_sync():
            self.busy = ""
            self.error = message

    def _spawn(self, work: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        async def guarded() -> None:
            try:
                await work()
            except Exception as error:
                self._show_error(error)

        running = running_loop()
        if running is not None:
            task: asyncio.Future[Any] = running.create_task(guarded())
        elif self._loop is not None and self._loop.is_running():
            task = asyncio.wrap_future(
                asyncio.run_coroutine_threadsafe(guarded(), self._loop),
                loop=self._loop,
            )
        else:
            # No event loop at all, as in a plain script: run to completion here.
            asyncio.run(guarded())
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_upload_start(self, content: dict[str, Any], buffers: list[Any]) -> None:
        self._check_idle()
        upload_id = str(content.get("upload_id") or "")
        size = int(content.get("size", -1))
        if size < 0:
            raise FileReadError("The browser sent no file size. Upload the file again.")
        name = str(content.get("name") or "upload")
        self._generation += 1
        self._upload = Upload(upload_id, name, size, str(content.get("mime") or ""))
        self._source = None
        self._table = None
        self._prepared = None
        with self.hold_sync():
            self.error = ""
            self.filename = name
            self.busy = "Uploading"
        self.send({"type": "upload_ack", "upload_id": upload_id, "received": 0})

    def _current_upload(self, content: dict[str, Any]) -> Upload:
        upload = self._upload
        upload_id = str(content.get("upload_id") or "")
        if upload is None or upload.upload_id != upload_id:
            # Another view started a newer upload, or this one was cancelled.
            self.send(
                {
                    "type": "upload_error",
                    "upload_id": upload_id,
                    "message": "This upload was replaced or cancelled.",
                }
            )
            raise _Ignored
        return upload

    def _on_upload_chunk(self, content: dict[str, Any], buffers: list[Any]) -> None:
        upload = self._current_upload(content)
        try:
            if len(buffers) != 1:
                raise FileReadError("Upload chunk without data. Upload the file again.")
            if len(buffers[0]) > CHUNK_SIZE:
                raise FileReadError(
                    f"Upload chunk of {len(buffers[0])} bytes is over the limit of "
                    f"{CHUNK_SIZE} bytes. Upload the file again."
                )
            upload.write(int(content.get("offset", -1)), buffers[0])
        except FileReadError as error:
            self._upload = None
            self.busy = ""
            self.send(
                {
                    "type": "upload_error",
                    "upload_id": upload.upload_id,
                    "message": str(error),
                }
            )
            raise
        self.send(
            {
                "type": "upload_ack",
                "upload_id": upload.upload_id,
                "received": upload.received,
            }
        )

    def _on_upload_cancel(self, content: dict[str, Any], buffers: list[Any]) -> None:
        upload = self._upload
        if upload is not None and upload.upload_id == content.get("upload_id"):
            self._upload = None
            self._generation += 1
            with self.hold_sync():
                self.busy = ""
                self.filename = self._table.filename if self._table else ""

    def _on_upload_end(self, content: dict[str, Any], buffers: list[Any]) -> None:
        upload = self._current_upload(content)
        self._upload = None
        if upload.received != upload.size:
            self.busy = ""
            raise FileReadError(
                f"Upload of {upload.name!r} stopped at {upload.received} of "
                f"{upload.size} bytes. Upload the file again."
            )
        self._source = (memoryview(upload.buffer), upload.name)
        self._read_upload({"with_header": self.with_header})

    def _on_reread(self, content: dict[str, Any], buffers: list[Any]) -> None:
        self._check_idle()
        if self._source is None:
            raise ImportStateError("No file to read again. Upload a file.")
        options: dict[str, Any] = {
            key: content.get(key)
            for key in ("encoding", "delimiter", "header_row", "sheet")
            if content.get(key) not in (None, "")
        }
        if "header_row" in options:
            header_row = options["header_row"]
            if isinstance(header_row, bool) or not isinstance(header_row, int):
                raise FileReadError(
                    f"Header row must be a whole number, not {header_row!r}."
                )
        with_header = content.get("with_header")
        options["with_header"] = (
            self.with_header if with_header is None else bool(with_header)
        )
        self._read_upload(options)

    def _read_upload(self, options: dict[str, Any]) -> None:
        assert self._source is not None
        data, name = self._source
        generation = self._generation

        async def read() -> None:
            self.busy = "Reading file"
            try:
                table = await asyncio.to_thread(
                    read_table, data, filename=name, **options
                )
            except BaseException:
                if generation == self._generation and self._table is None:
                    # Nothing from this file was loaded, so no file is shown.
                    self.filename = ""
                raise
            finally:
                if generation == self._generation:
                    self.busy = ""
            if generation != self._generation:
                return  # a newer upload or Start over replaced this file
            self._use_fields(table)
            mapping = self._setup.map_columns(self._schema, table.columns)
            self._show_table(table, mapping)

        self._spawn(read)

    def _on_confirm_mapping(self, content: dict[str, Any], buffers: list[Any]) -> None:
        table = self._table
        if table is None:
            raise ImportStateError("No file is loaded. Upload a file first.")
        chosen = content.get("mapping", self.mapping)
        mapping = check_mapping(self._schema, table.columns, dict(chosen or {}))
        self.mapping = mapping

        async def check() -> None:
            self.busy = "Checking records"
            try:
                prepared = await self._check(table, mapping)
            finally:
                self.busy = ""
            self._show_review(prepared)

        self._spawn(check)

    def _on_start_import(self, content: dict[str, Any], buffers: list[Any]) -> None:
        prepared = self._prepared
        if prepared is None:
            raise ImportStateError("No records are ready. Upload and map a file first.")
        if self.running:
            # A second click, or a click in another view of the widget, while the
            # import that the first one started runs. That import carries on.
            raise _Ignored
        if not self._review_pending():
            self._check_reviewed()
            self._check_policy(prepared)

        async def deliver() -> None:
            await self.wait_review()  # deliver the records as last edited
            current = self._prepared
            if current is None:
                raise ImportStateError("The file was dropped before the import began.")
            self._check_reviewed()
            self._check_policy(current)
            await self._deliver(current)

        self._spawn(deliver)

    def _on_cancel(self, content: dict[str, Any], buffers: list[Any]) -> None:
        self.cancel()

    def _on_retry_failed(self, content: dict[str, Any], buffers: list[Any]) -> None:
        self._check_retry()

        async def retry() -> None:
            await self.retry_failed()

        self._spawn(retry)

    def _on_download_rejected(
        self, content: dict[str, Any], buffers: list[Any]
    ) -> None:
        stem = pathlib.Path(self.filename or "records").stem
        self.send(
            {
                "type": "download",
                "request": content.get("request"),
                "filename": f"{stem}-failed.csv",
                "mime": "text/csv",
            },
            buffers=[rejected_csv(self.rejected)],
        )

    def _on_download_sample(self, content: dict[str, Any], buffers: list[Any]) -> None:
        sample = self._sample
        if sample is None:
            raise ImportStateError("This widget offers no sample file.")
        try:
            data = sample.content(self._schema)
        except OSError as error:
            raise FileReadError(
                f"Cannot read the sample file {sample.name!r}: {error}"
            ) from error
        self.send(
            {
                "type": "download",
                "request": content.get("request"),
                "filename": sample.name,
                "mime": sample.mime,
            },
            buffers=[data],
        )

    def _on_grid_rows(self, content: dict[str, Any], buffers: list[Any]) -> None:
        rows = self.grid_rows(
            int(content.get("start") or 0),
            int(content.get("stop") or 0),
            only_errors=bool(content.get("only_errors")),
            message_filter=content.get("message_filter"),
            search=str(content.get("search") or ""),
        )
        self.send({"type": "grid_rows", "request": content.get("request"), **rows})

    def _on_edit_cell(self, content: dict[str, Any], buffers: list[Any]) -> None:
        # The values are checked by edit_cell, which raises ReviewEditError.
        row: Any = content.get("row")
        field: Any = content.get("field")
        self.edit_cell(row, field, content.get("value"))

    def _on_delete_rows(self, content: dict[str, Any], buffers: list[Any]) -> None:
        self.delete_rows(content.get("rows") or [])

    def _on_add_record(self, content: dict[str, Any], buffers: list[Any]) -> None:
        row = self.add_record(content.get("values") or {})
        self.send(
            {"type": "add_record_done", "request": content.get("request"), "row": row}
        )

    def _on_provider_options(self, content: dict[str, Any], buffers: list[Any]) -> None:
        key = str(content.get("field") or "")
        query = str(content.get("query") or "")
        provider = self.field_provider(key)
        if provider is None:
            raise ImportStateError(f"Field {key!r} has no provider.")

        async def answer() -> None:
            reply: dict[str, Any] = {
                "type": "provider_options",
                "request": content.get("request"),
                "field": key,
                "options": [],
                "error": "",
            }
            try:
                reply["options"] = await asyncio.wait_for(
                    provider.find(query, limit=MAX_PROVIDER_OPTIONS),
                    PROVIDER_TIMEOUT,
                )
            except TimeoutError:
                reply["error"] = (
                    f"The options of {key!r} took longer than {PROVIDER_TIMEOUT:g} s."
                )
            except Exception as error:
                logger.warning("Provider of field %r failed", key, exc_info=error)
                reply["error"] = f"The options of {key!r} failed: {error}"
            self.send(reply)

        self._spawn(answer)

    def _on_find_replace(self, content: dict[str, Any], buffers: list[Any]) -> None:
        find: Any = content.get("find")
        replace: Any = content.get("replace")
        count = self.find_replace(
            find,
            replace,
            field=content.get("field") or None,
            match_case=bool(content.get("match_case")),
            whole_cell=bool(content.get("whole_cell")),
        )
        self.send(
            {
                "type": "find_replace_done",
                "request": content.get("request"),
                "count": count,
            }
        )

    def _on_undo(self, content: dict[str, Any], buffers: list[Any]) -> None:
        self.undo()

    def _on_export_records(self, content: dict[str, Any], buffers: list[Any]) -> None:
        format = str(content.get("format") or "csv")
        check_export_format(format)

        async def export() -> None:
            await self.wait_review()  # the error column of the last change
            self.send(
                {
                    "type": "download",
                    "request": content.get("request"),
                    "filename": self.export_filename(format),
                    "mime": EXPORT_MIME[format],
                },
                buffers=[self.export_records(format)],
            )

        self._spawn(export)

    def _on_back(self, content: dict[str, Any], buffers: list[Any]) -> None:
        self._check_idle()
        target = content.get("to")
        allowed = {"mapping": ("upload",), "review": ("mapping", "upload")}
        if target not in allowed.get(self.step, ()):
            raise ImportStateError(f"Cannot go back from {self.step!r} to {target!r}.")
        with self.hold_sync():
            self.error = ""
            self.step = target

    def _on_reset(self, content: dict[str, Any], buffers: list[Any]) -> None:
        self._check_idle()
        self._generation += 1
        self._upload = None
        self._source = None
        self._table = None
        self._prepared = None
        with self.hold_sync():
            self.error = ""
            self.busy = ""
            self.filename = ""
            self.file_info = {}
            self.columns = []
            self.samples = {}
            self.mapping = {}
            self.review = {}
            self.progress = {}
            self.result = {}
            self.step = "upload"

    _handlers: dict[str, Callable[[Any, dict[str, Any], list[Any]], None]] = {
        "upload_start": _on_upload_start,
        "upload_chunk": _on_upload_chunk,
        "upload_end": _on_upload_end,
        "upload_cancel": _on_upload_cancel,
        "reread": _on_reread,
        "retry_failed": _on_retry_failed,
        "confirm_mapping": _on_confirm_mapping,
        "start_import": _on_start_import,
        "cancel": _on_cancel,
        "download_rejected": _on_download_rejected,
        "download_sample": _on_download_sample,
        "back": _on_back,
        "reset": _on_reset,
        "grid_rows": _on_grid_rows,
        "edit_cell": _on_edit_cell,
        "delete_rows": _on_delete_rows,
        "add_record": _on_add_record,
        "provider_options": _on_provider_options,
        "find_replace": _on_find_replace,
        "undo": _on_undo,
        "export_records": _on_export_records,
    }


def samples(table: Table, count: int = 3) -> dict[str, list[str]]:
    """Return the first `count` distinct non-empty values of each column."""
    # Plain lists, because pandas' per-column overhead dominates for wide files.
    head = table.frame.head(SAMPLE_ROWS)
    samples = {}
    columns = head.to_numpy(dtype=object).T.tolist()
    for column, values in zip(table.columns, columns, strict=True):
        found: list[str] = []
        for value in values:
            if value.strip() and value not in found:
                found.append(value)
                if len(found) == count:
                    break
        samples[column] = found
    return samples


def file_info(table: Table) -> dict[str, Any]:
    return {
        "filetype": table.filetype,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "header_row": table.header_row,
        "sheet": table.sheet,
        "sheets": list(table.sheets),
        "rows": len(table.frame),
        "warnings": list(table.warnings[:MAX_FILE_WARNINGS]),
    }
