"""The notebook widget: translates between the browser and the import pipeline."""

from __future__ import annotations

import asyncio
import logging
import os
import pathlib
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import anywidget
import pandas as pd
import traitlets

from ._browser import BrowserSession, Upload, file_info, running_loop, samples
from ._checking import count_errors
from ._config import build_config, load_config, save_config, widget_arguments
from ._custom_rules import CustomRule
from ._delivery import DeliveryOptions, ProgressListener
from ._display import check_style, check_subtitles
from ._display import sample_file as load_sample_file
from ._exceptions import ImportStateError, InvalidRecordsError, SchemaError
from ._import_schema import FieldProcessor, ImportSchema
from ._locale import check_locale, check_translations
from ._mapping import Mapper, check_mapping
from ._options import check_callbacks, check_delivery_limits
from ._pipeline import (
    ImportResult,
    Prepared,
    empty_rejected,
    prepare,
    run_import,
)
from ._providers import Provider
from ._reading import Table, read_table
from ._review import ReviewSession

logger = logging.getLogger("importok_widget")

CANCEL_GRACE = 10.0
"""Seconds that calls in flight get to finish after a cancel."""

_STATIC = pathlib.Path(__file__).parent / "static"
_MISSING_BUILD = """
export default { render({ el }) {
  el.textContent = "importok-widget: the front end is not built. "
    + "Run `npm install && npm run build` in the source tree, or install a wheel.";
} };
"""


def _static(name: str, fallback: str) -> pathlib.Path | str:
    path = _STATIC / name
    return path if path.exists() else fallback


class ImportWidget(ReviewSession, BrowserSession, anywidget.AnyWidget):
    """Import a CSV or Excel file into your own callbacks, from a notebook cell.

    Display the widget and drop a file on it, or call `await widget.import_file(path)`.
    Either way the file is read, its columns are mapped to `fields`, the values are
    transformed and validated, and the valid records are delivered to
    `on_record_ready(record, meta)` (up to `throttle` calls at once) or to
    `on_import_ready(records, meta)` (once, with all of them).

    Raises `SchemaError` for invalid fields or rules and `TypeError` for invalid
    callbacks or limits.
    """

    _esm = _static("widget.js", _MISSING_BUILD)
    _css = _static("widget.css", "")

    step = traitlets.Unicode("upload").tag(sync=True)
    fields: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    title = traitlets.Unicode("Import records").tag(sync=True)
    with_header = traitlets.Bool(True).tag(sync=True)
    filename = traitlets.Unicode("").tag(sync=True)
    file_info = traitlets.Dict().tag(sync=True)
    columns: traitlets.List[str] = traitlets.List().tag(sync=True)
    samples = traitlets.Dict().tag(sync=True)
    mapping = traitlets.Dict().tag(sync=True)
    review = traitlets.Dict().tag(sync=True)
    progress = traitlets.Dict().tag(sync=True)
    result = traitlets.Dict().tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    invalid_records = traitlets.Unicode("skip").tag(sync=True)
    busy = traitlets.Unicode("").tag(sync=True)
    subtitles = traitlets.Dict().tag(sync=True)
    # Named css, not style: ipywidgets' front end reads a style trait as a widget
    # model and fails on text.
    css = traitlets.Unicode("").tag(sync=True)
    sample_file = traitlets.Unicode("").tag(sync=True)
    locale = traitlets.Unicode("en").tag(sync=True)
    translations: traitlets.Dict[str, str] = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        fields: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        meta: Mapping[str, Any] | None = None,
        throttle: int = 1,
        on_record_ready: Callable[..., Any] | None = None,
        on_import_ready: Callable[..., Any] | None = None,
        on_import_progress: Callable[[int, int, int], Any] | None = None,
        timeout: float | None = None,
        retries: int = 0,
        rate_limit: float | None = None,
        batch_size: int | None = None,
        retry_backoff: float = 0.5,
        title: str = "Import records",
        locale: str = "en",
        translations: Mapping[str, str] | None = None,
        subtitles: Mapping[str, str] | None = None,
        style: str = "",
        sample_file: str | os.PathLike[str] | bool | None = None,
        transformers: Mapping[str, Callable[..., Any] | CustomRule] | None = None,
        validators: Mapping[str, Callable[..., Any] | CustomRule] | None = None,
        providers: Mapping[str, Any] | None = None,
        mapper: Mapper | None = None,
        field_processor: FieldProcessor | None = None,
        column_mapping: Mapping[str, str | None] | None = None,
        pass_through: bool = False,
        number_locale: str = "en",
        invalid_records: str = "skip",
        on_step_enter: Callable[[str, str | None], Any] | None = None,
        on_step_exit: Callable[[str, str], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        setup = ImportSchema(
            fields,
            transformers=transformers,
            validators=validators,
            providers=providers,
            mapper=mapper,
            field_processor=field_processor,
            column_mapping=column_mapping,
            pass_through=pass_through,
            number_locale=number_locale,
        )
        schema = setup.fields
        check_callbacks(
            on_record_ready, on_import_ready, on_import_progress, throttle, timeout
        )
        check_delivery_limits(on_import_ready, retries, rate_limit, batch_size)
        if invalid_records not in ("skip", "block"):
            raise TypeError(
                f'invalid_records must be "skip" or "block", not {invalid_records!r}'
            )
        for name, hook in (
            ("on_step_enter", on_step_enter),
            ("on_step_exit", on_step_exit),
        ):
            if hook is not None and not callable(hook):
                raise TypeError(f"{name} must be a function, not {type(hook).__name__}")
        if meta is not None and not isinstance(meta, Mapping):
            raise SchemaError(f"meta must be a dict, not {type(meta).__name__}")

        checked_subtitles = check_subtitles(subtitles)
        language = check_locale(locale)
        checked_translations = check_translations(translations)
        sample = load_sample_file(sample_file)

        super().__init__(
            fields=[spec.to_json() for spec in schema],
            title=title,
            locale=language,
            translations=checked_translations,
            subtitles=checked_subtitles,
            css=check_style(style),
            sample_file=sample.name if sample is not None else "",
            **kwargs,
        )
        self._sample = sample
        self._schema = schema
        self._setup = setup
        self._compiled = setup.compiled
        self._config_options: dict[str, Any] = {
            "throttle": throttle,
            "timeout": timeout,
            "title": title,
            "subtitles": checked_subtitles,
            "style": style,
            "pass_through": pass_through,
            "number_locale": number_locale,
        }
        self._meta = dict(meta or {})
        self._options = DeliveryOptions(
            throttle=throttle,
            timeout=timeout,
            retries=retries,
            rate_limit=rate_limit,
            batch_size=batch_size,
            backoff=retry_backoff,
        )
        self._on_record_ready = on_record_ready
        self._on_import_ready = on_import_ready
        self._on_import_progress = on_import_progress

        # The kernel's main loop, where every handler and user callback runs. Comm
        # messages may arrive on another thread when the front end uses subshells.
        self._loop = running_loop()
        self._tasks: set[asyncio.Future[Any]] = set()
        self._upload: Upload | None = None
        self._source: tuple[Any, str] | None = None
        """The file last read, as a path or buffer and its name, for a re-read."""
        self._generation = 0
        self._progress_start: tuple[float, int] = (0.0, 0)
        self._table: Table | None = None
        self._prepared: Prepared | None = None
        self._result: ImportResult | None = None
        self._running: asyncio.Future[ImportResult] | None = None
        self._cancelled: asyncio.Event | None = None
        self._stop_now: asyncio.Event | None = None
        self.invalid_records = invalid_records
        self._on_step_enter = on_step_enter
        self._on_step_exit = on_step_exit
        self.observe(self._notify_step_hooks, names="step")
        self.on_msg(self._on_custom_msg)

    @traitlets.validate("locale")
    def _validate_locale(self, proposal: traitlets.Bunch) -> str:
        return check_locale(proposal["value"])

    @traitlets.validate("translations")
    def _validate_translations(self, proposal: traitlets.Bunch) -> dict[str, str]:
        return check_translations(proposal["value"])

    # Public API

    @property
    def rejected(self) -> pd.DataFrame:
        """Failed records of the last import: field columns, then `error`.

        The index is `row_index`, the 0-based data row in the file. Records that
        failed validation are included with their validation messages.
        """
        if self._result is None:
            return empty_rejected(self._schema)
        return self._result.rejected

    @property
    def last_result(self) -> ImportResult | None:
        """The result of the last finished import, or None."""
        return self._result

    @property
    def errors(self) -> pd.DataFrame:
        """Validation errors of the current file: `row`, `field`, `value`, `message`."""
        if self._prepared is None:
            return pd.DataFrame(columns=["row", "field", "value", "message"])
        return self._prepared.errors

    @property
    def error_counts(self) -> pd.DataFrame:
        """Validation errors of the current file counted by `field` and `message`.

        Columns: `field`, `message`, `count`; fields in schema order, the most
        frequent message of each field first.
        """
        return count_errors(self.errors, [spec.key for spec in self._schema])

    def field_provider(self, key: str) -> Provider | None:
        """Return the provider named by field `key`'s `provider` setting, or None.

        `await provider.options()` and `await provider.find(query)` return
        `{"value", "label"}` dicts.
        """
        for spec in self._schema:
            if spec.key == key:
                return self._setup.provider(spec.provider) if spec.provider else None
        raise KeyError(f"No field {key!r}. Fields are: {[s.key for s in self._schema]}")

    def to_config(self, path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """Return the fields, the last mapping and the options as JSON-compatible data.

        With `path`, also write them there as JSON. Load them with
        `ImportWidget.from_config`. Callbacks, `meta` and functions are not stored.
        """
        mapping = dict(self.mapping) or dict(self._setup.column_mapping)
        options = dict(
            self._config_options,
            with_header=self.with_header,
            locale=self.locale,
            translations=dict(self.translations),
        )
        config = build_config(self._setup, mapping, options)
        if path is not None:
            save_config(config, path)
        return config

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any] | str | os.PathLike[str], **kwargs: Any
    ) -> ImportWidget:
        """Create a widget from `to_config()` output or its JSON file.

        Pass the callbacks, `meta` and the functions that the config names again as
        keyword arguments, which also override stored options. The stored mapping
        maps every field whose column the next file has. Raises `SchemaError` naming
        custom rules and providers that the config uses but `kwargs` lacks.
        """
        arguments = widget_arguments(load_config(config), kwargs)
        with_header = arguments.pop("with_header", True)
        widget = cls(**arguments)
        widget.with_header = with_header
        return widget

    def _use_fields(self, table: Table) -> None:
        """Apply `field_processor` for a new file, and show the resulting fields."""
        self._setup.clear_results()
        schema, compiled = self._setup.fields_for(table.columns, table.frame)
        self._schema = schema
        self._compiled = compiled
        self.fields = [spec.to_json() for spec in schema]

    async def _check(self, table: Table, mapping: dict[str, str | None]) -> Prepared:
        return await prepare(
            self._compiled,
            table,
            mapping,
            throttle=self._options.throttle,
            pass_through=self._setup.pass_through,
        )

    @property
    def running(self) -> bool:
        """Whether an import is delivering records now."""
        return self._running is not None and not self._running.done()

    async def import_file(
        self,
        source: str | os.PathLike[str] | bytes | bytearray | memoryview,
        *,
        with_header: bool | None = None,
        mapping: Mapping[str, str | None] | None = None,
        filename: str | None = None,
    ) -> ImportResult:
        """Read, map, validate and deliver a file without the browser.

        `source` is a path or the file's bytes. `with_header` defaults to the
        widget's setting, which `from_config` restores. Columns are mapped
        automatically unless `mapping={field_key: column_name}` is given. The
        widget, if shown, follows along. Raises `FileReadError` for an unreadable
        file, `MappingError` when a required field has no column or no field has
        one, and `ImportStateError` while another import runs.
        """
        self._claim_loop()
        self._begin()
        if with_header is None:
            with_header = self.with_header
        self.busy = "Reading file"
        try:
            table = await asyncio.to_thread(
                read_table, source, filename=filename, with_header=with_header
            )
            self._source = (source, table.filename)
            self._use_fields(table)
            chosen = (
                self._setup.map_columns(self._schema, table.columns)
                if mapping is None
                else mapping
            )
            complete = check_mapping(self._schema, table.columns, dict(chosen))
            self._show_table(table, complete)
            self.busy = "Checking records"
            prepared = await self._check(table, complete)
            self._show_review(prepared)
            self._check_policy(prepared)
        except BaseException as error:
            self._end_with(error)
            raise
        finally:
            self.busy = ""
        return await self._deliver(prepared, begun=True)

    async def import_reviewed(self) -> ImportResult:
        """Deliver the records of the review step as they are now, like the
        widget's Import button.

        Waits for the check of the last change first. The invalid records go to
        `rejected` unless `invalid_records="block"`, which raises
        `InvalidRecordsError` while any is invalid. Raises `ImportStateError` when
        no file is in review, another import runs, or the last check failed.
        """
        self._claim_loop()
        self._review_table()
        if self.step != "review":
            raise ImportStateError(
                f"No records are in review: the widget is on step {self.step!r}. "
                f"Upload a file, or use import_file()."
            )
        await self.wait_review()
        prepared = self._prepared
        if prepared is None:
            raise ImportStateError("The file was dropped before the import began.")
        self._check_idle()
        self._check_reviewed()
        self._check_policy(prepared)
        return await self._deliver(prepared)

    def import_file_sync(
        self,
        source: str | os.PathLike[str] | bytes | bytearray | memoryview,
        *,
        with_header: bool = True,
        mapping: Mapping[str, str | None] | None = None,
        filename: str | None = None,
    ) -> ImportResult:
        """Run `import_file` to completion and return its result, for scripts.

        Without a running event loop this uses `asyncio.run`. Inside one, as in a
        notebook cell, it patches that loop with nest-asyncio so that it can wait,
        which blocks the kernel until the import ends: prefer `await
        widget.import_file(...)` in notebooks.
        """
        work = self.import_file(
            source, with_header=with_header, mapping=mapping, filename=filename
        )
        loop = running_loop()
        if loop is None:
            return asyncio.run(work)

        import nest_asyncio

        nest_asyncio.apply(loop)
        return loop.run_until_complete(work)

    async def retry_failed(self) -> ImportResult:
        """Deliver again the records whose delivery failed in the last import.

        Records that succeeded are never sent twice, and records that failed
        validation stay failed. Returns the combined result. Raises
        `ImportStateError` when no finished import has failed deliveries.
        """
        previous = self._check_retry()
        assert self._prepared is not None
        self._claim_loop()
        return await self._deliver(self._prepared, retry_of=previous)

    def _check_retry(self) -> ImportResult:
        self._check_idle()
        previous = self._result
        if previous is None or self._prepared is None:
            raise ImportStateError("No finished import to retry. Import a file first.")
        if previous.retryable == 0:
            raise ImportStateError(
                "No deliveries failed in the last import, so there is nothing to "
                "retry. Records that failed validation need fixing in the file."
            )
        return previous

    def cancel(self) -> None:
        """Stop the running import: no new deliveries start.

        Calls in flight get `CANCEL_GRACE` seconds to finish (or time out), then
        they are cancelled; a second `cancel()` cancels them at once. Records not
        delivered are rejected with the reason. Does nothing when no import runs.
        """
        if not self.running or self._cancelled is None or self._stop_now is None:
            return
        if self._cancelled.is_set():
            self._stop_now.set()
            return
        self._cancelled.set()
        self.busy = "Cancelling"
        loop = self._loop or running_loop()
        if loop is not None:
            loop.call_soon_threadsafe(loop.call_later, CANCEL_GRACE, self._stop_now.set)

    async def wait(self) -> ImportResult | None:
        """Wait for the running import without blocking the kernel.

        Returns the result of that import, or of the last one when none runs.
        """
        if self._running is not None:
            return await asyncio.shield(self._running)
        return self._result

    # Delivery, shared by the browser path and import_file

    def _check_idle(self) -> None:
        if self.running:
            raise ImportStateError(
                "An import is running. Wait for it (await widget.wait()) or cancel "
                "it (widget.cancel()) first."
            )

    def _claim_loop(self) -> None:
        if self._loop is None or not self._loop.is_running():
            self._loop = running_loop()

    def _build_meta(self, table: Table) -> dict[str, Any]:
        meta = dict(self._meta)
        meta["importok"] = {
            "filename": table.filename,
            "filesize": table.filesize,
            "filetype": table.filetype,
            "with_header": table.with_header,
        }
        return meta

    def _notify_step_hooks(self, change: dict[str, Any]) -> None:
        previous, step = change["old"], change["new"]
        try:
            if self._on_step_exit is not None and previous:
                self._on_step_exit(previous, step)
            if self._on_step_enter is not None:
                self._on_step_enter(step, previous)
        except Exception as error:
            logger.warning("Step callback failed", exc_info=error)
            self.error = f"Step callback failed: {type(error).__name__}: {error}"

    def _check_policy(self, prepared: Prepared, only_valid: bool = False) -> None:
        """Raise `InvalidRecordsError` when invalid records block the import."""
        if self.invalid_records == "block" and prepared.invalid and not only_valid:
            raise InvalidRecordsError(
                f"{prepared.invalid} of {prepared.total} records are invalid, and "
                f'invalid_records="block" delivers nothing until they are fixed. '
                f"See widget.errors for what to fix.",
                prepared.invalid,
            )

    def _begin(self) -> None:
        """Mark an import as running, from reading the file to the last delivery."""
        self._check_idle()
        self._running = asyncio.get_running_loop().create_future()
        self._cancelled = asyncio.Event()
        self._stop_now = asyncio.Event()

    def _end_with(self, error: BaseException) -> None:
        """Mark the running import as ended by `error`, so another one may start."""
        if self._running is not None and not self._running.done():
            self._running.set_exception(error)
            self._running.exception()  # marks it retrieved

    async def _deliver(
        self,
        prepared: Prepared,
        retry_of: ImportResult | None = None,
        *,
        begun: bool = False,
    ) -> ImportResult:
        if not begun:
            self._begin()
        assert self._running is not None and self._cancelled is not None
        self._result = None
        self._progress_start = (time.monotonic(), -1)
        self.step = "import"
        self.progress = {
            "processed": 0,
            "failed": 0,
            "total": prepared.total,
            "rate": None,
            "eta": None,
        }

        listeners: list[ProgressListener] = [self._show_progress]
        if self._on_import_progress is not None:
            listeners.append(self._on_import_progress)
        try:
            return await run_import(
                prepared,
                self._build_meta(prepared.table),
                on_record_ready=self._on_record_ready,
                on_import_ready=self._on_import_ready,
                options=self._options,
                listeners=listeners,
                cancelled=self._cancelled,
                on_result=self._finish,
                retry_of=retry_of,
                stop_now=self._stop_now,
            )
        except BaseException as error:
            self._end_with(error)
            raise

    def _finish(self, result: ImportResult) -> None:
        self._result = result
        with self.hold_sync():
            self.result = {
                "total": result.total,
                "succeeded": result.succeeded,
                "failed": result.failed,
                "cancelled": result.cancelled,
                "retryable": result.retryable,
            }
            self.busy = ""
            self.step = "done"
        if self._running is not None and not self._running.done():
            self._running.set_result(result)
        logger.info(
            "Import of %s finished: %d total, %d succeeded, %d failed",
            self.filename or "file",
            result.total,
            result.succeeded,
            result.failed,
        )

    def _show_progress(self, processed: int, failed: int, total: int) -> None:
        started, first = self._progress_start
        if first < 0:
            # The first report counts records finished before delivery started,
            # such as invalid ones, which must not inflate the rate.
            self._progress_start = (time.monotonic(), processed)
            first = processed
        elapsed = time.monotonic() - started
        rate = (processed - first) / elapsed if elapsed > 0.5 else None
        eta = (total - processed) / rate if rate else None
        self.progress = {
            "processed": processed,
            "failed": failed,
            "total": total,
            "rate": round(rate, 1) if rate is not None else None,
            "eta": round(eta, 1) if eta is not None else None,
        }

    def _show_table(self, table: Table, mapping: dict[str, str | None]) -> None:
        self._table = table
        with self.hold_sync():
            self.filename = table.filename
            self.columns = list(table.columns)
            self.samples = samples(table)
            self.file_info = file_info(table)
            self.mapping = mapping
            self.error = ""
            self.step = "mapping"

    def _show_review(self, prepared: Prepared) -> None:
        self._prepared = prepared
        with self.hold_sync():
            self._start_review(prepared)
            self.step = "review"


__all__ = ["ImportWidget"]
