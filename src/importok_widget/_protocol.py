"""Messages and synced state shared by the kernel and the browser.

The widget's state lives in synced traits, which the kernel owns except where noted:

    step         "upload" | "mapping" | "review" | "import" | "done"
    fields       [{key, label, description, required}] in schema order
    title        heading shown above the steps
    with_header  bool; the browser sets it ("First line contains field names")
    filename     name of the uploaded file
    columns      column names of the uploaded file, in file order
    samples      {column: [up to 3 non-empty values]}
    mapping      {field key: column name or None}; the browser may set it
    review       {total, valid, invalid, errors: [{row, field, value, message}]}
    progress     {processed, failed, total}; updated at most about 10 times a second
    result       {total, succeeded, failed}
    error        message to show, or ""
    busy         what the kernel is doing ("Reading file"), or ""

Custom messages from the browser, as ``{"type": ..., ...}``:

    upload_start      {name, size, mime}; the kernel answers upload_ack
    upload_chunk      {offset} with one binary buffer of at most CHUNK_SIZE bytes;
                      the kernel answers upload_ack
    upload_end        the kernel reads the file, then sets columns, samples, mapping
                      and step "mapping", or sets error and keeps step "upload"
    confirm_mapping   {mapping}; the kernel validates, sets review and step "review"
    start_import      the kernel starts delivery: step "import", then "done"
    cancel            no new deliveries start; the rest are rejected as cancelled
    download_rejected the kernel answers download
    back              {to: step}; returns to an earlier step
    reset             Start over: step "upload" with the uploaded file dropped

Custom messages from the kernel:

    upload_ack        {received}: bytes stored so far; the browser sends the next chunk
    upload_error      {message}: the upload stopped; the browser shows the message
    download          {filename, mime} with one binary buffer; the browser saves it
"""

from __future__ import annotations

from typing import Final

CHUNK_SIZE: Final = 1024 * 1024
"""Largest upload chunk in bytes. The Jupyter server drops messages over 10 MiB."""

STEPS: Final = ("upload", "mapping", "review", "import", "done")

PROGRESS_INTERVAL: Final = 0.1
"""Seconds between progress updates sent to the browser."""
