"""Messages and synced state shared by the kernel and the browser.

The widget's state lives in synced traits, which the kernel owns except where noted:

    step         "upload" | "mapping" | "review" | "import" | "done"
    fields       [{key, label, description, required, provider}] in schema order;
                 provider is true for fields whose editor offers options
    title        heading shown above the steps
    with_header  bool; the browser sets it ("First line contains field names")
    filename     name of the uploaded file
    file_info    {filetype, encoding, delimiter, header_row, sheet, sheets, rows,
                  warnings}: how the file was read; encoding and delimiter are None
                  for workbooks, sheet is None and sheets is [] for text files,
                  header_row is the 0-based row of the header among non-blank rows,
                  warnings lists at most 20 notes about single rows
    columns      column names of the uploaded file, in file order
    samples      {column: [up to 3 non-empty values]}
    mapping      {field key: column name or None}; the browser may set it
    review       {total, valid, invalid, error_count,
                  errors: [{row, field, value, message}]}; errors contains the first 20
                  of error_count failed rules, and row is the record's row_index,
                  the 0-based data row
                  version counts the review changes and grows with each one, so
                  the browser fetches its visible rows again; can_undo is
                  true when undo has a change to take back; filters is
                  [{field, label, message, count}], the most frequent error first
    progress     {processed, failed, total, rate, eta}; rate is records per second
                 and eta the seconds left (None until known); updated at most about
                 10 times a second
    result       {total, succeeded, failed, cancelled, retryable}; retryable counts
                 the records whose delivery failed, which retry_failed sends again
    invalid_records  "skip" (import the valid records) or "block" (import nothing
                 while any record is invalid)
    error        message to show, or ""
    busy         what the kernel is doing ("Reading file"), or ""
    subtitles    {step: text} shown under the heading of those steps
    css          CSS that the browser adds to the page (the style= option)
    sample_file  name of the sample file that the upload step offers, or ""
    locale       language of the UI text: "en", "de", "fr", "es", "it" or "el". The
                 browser also translates the busy values and the validation
                 messages, which the kernel keeps in English
    translations {English text: replacement}, entries that win over the catalog of
                 the locale. An exact entry also replaces a kernel error

Custom messages from the browser, as ``{"type": ..., ...}``:

    upload_start      {upload_id, name, size, mime}; the kernel answers upload_ack
    upload_chunk      {upload_id, offset} with one binary buffer of at most CHUNK_SIZE
                      bytes; the kernel answers upload_ack
    upload_end        {upload_id}; the kernel reads the file, then sets file_info,
                      columns, samples, mapping and step "mapping", or sets error and
                      keeps step "upload"
    upload_cancel     {upload_id}; the kernel drops that upload
    reread            {encoding, delimiter, header_row, sheet, with_header}, each None
                      for "detect"; the kernel reads the uploaded file again with
                      these settings and stays on step "mapping"
    confirm_mapping   {mapping}; the kernel validates, sets review and step "review"
    start_import      the kernel starts delivery: step "import", then "done"
    cancel            no new deliveries start; the rest are rejected as cancelled
    retry_failed      from step "done": delivers again the records whose delivery
                      failed, then step "done" with the combined result
    download_rejected {request}; the kernel answers download
    download_sample   {request}; the kernel replies with download and the sample file
    back              {to: step}; returns to an earlier step
    reset             Start over: step "upload" with the uploaded file dropped

  Review step, where rows are row_index values that stay valid after deletions:

    grid_rows         {request, start, stop, only_errors, message_filter: {field,
                      message} or None, search}; the kernel answers grid_rows with
                      at most 500 of the records that match
    edit_cell         {row, field, value}; the kernel sets the cell, checks the
                      records again and updates review
    delete_rows       {rows: [row_index, ...]}; as edit_cell
    add_record        {request, values: {key: value}}; as edit_cell, and the kernel
                      replies with add_record_done; the new record's row_index is
                      above every one used so far
    provider_options  {request, field, query}; the kernel replies with the options
                      of the field's provider that match query, in provider_options
    find_replace      {request, find, replace, field or None, match_case,
                      whole_cell}; the kernel answers find_replace_done
    undo              takes back the last change of the records
    export_records    {request, format: "csv" or "xlsx"}; the kernel replies with
                      download: the records and an error column last

Custom messages from the kernel:

    upload_ack        {upload_id, received}: bytes stored so far; the browser sends
                      the next chunk
    upload_error      {upload_id, message}: the upload stopped; the browser shows it
    download          {request, filename, mime} with one binary buffer; the view that
                      sent the matching download_rejected saves it
                      (the same holds for export_records)
    grid_rows         {request, start, total, rows: [{row, values: {key: value},
                      errors: {key: message}}]}: total counts the matching records
    find_replace_done {request, count}: the number of cells changed
    add_record_done   {request, row}: the row_index of the added record
    provider_options  {request, field, options: [{value, label}], error}: at most
                      50 options; error is "" or why the provider gave none

Messages go to every view of the widget, so each view acts only on the upload_id and
request it sent itself.
"""

from __future__ import annotations

from typing import Final

CHUNK_SIZE: Final = 1024 * 1024
"""Largest upload chunk in bytes. The Jupyter server drops messages over 10 MiB."""

STEPS: Final = ("upload", "mapping", "review", "import", "done")

PROGRESS_INTERVAL: Final = 0.1
"""Seconds between progress updates sent to the browser."""

MAX_FILE_WARNINGS: Final = 20
"""Row warnings sent to the browser; the rest stay in Python."""
