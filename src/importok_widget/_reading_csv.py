"""Decoding, delimiter detection and parsing of delimited text files."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import struct
from collections import Counter
from collections.abc import Iterator

import charset_normalizer
import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from ._exceptions import FileReadError

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 64 * 1024
# Enough leading bytes for the longest BOM followed by a full sample, plus one byte
# to tell a file of exactly that size from a longer one.
HEAD_BYTES = SAMPLE_BYTES + 8
_SNIFF_RECORDS = 100
_TRANSCODE_CHUNK_BYTES = 16 * 1024 * 1024
# pyarrow's default. On the 82 MB file of benchmarks/bench_read.py, 4 MiB blocks
# raised the peak RSS by 0.15x to 0.2x the file size without a measurable speed-up.
ARROW_BLOCK_BYTES = 1024 * 1024

_SAVE_AS_HINT = "Save it as CSV UTF-8 or XLSX and upload again."

# The UTF-32 LE BOM begins with the UTF-16 LE BOM, so it is tested first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 control bytes that never occur in text files: tab, LF, VT, FF and CR are left out.
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32), 127])

_MIN_NON_ASCII_EVIDENCE = 32
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def probable_utf8(head: bytes, encoding: str | None) -> tuple[int, str] | None:
    """Check whether a file whose first bytes are `head` can be read as UTF-8.

    Returns the offset where the text starts after a BOM and the encoding name
    that decode_to_utf8 would report, or None when decode_to_utf8 must decide.
    Only the head is validated, so a caller must still check the rest of the file.
    """
    if encoding is not None:
        try:
            if codecs.lookup(encoding).name != "utf-8":
                return None
        except LookupError:
            return None
    if head.startswith(codecs.BOM_UTF8):
        start, name = len(codecs.BOM_UTF8), encoding or "utf-8-sig"
    elif encoding is None and (
        head.startswith(tuple(bom for bom, _ in _BOMS))
        or _guess_utf16_without_bom(head) is not None
        or _looks_binary(head)
    ):
        return None
    else:
        start, name = 0, encoding or "utf-8"
    if b"\x00" in head:
        return None
    try:
        # A head cut from a longer file may end inside a character, which final=False
        # accepts.
        codecs.utf_8_decode(head[start:], "strict", len(head) < HEAD_BYTES)
    except UnicodeDecodeError:
        return None
    return start, name


def decode_to_utf8(
    data: bytes | bytearray, encoding: str | None, filename: str
) -> tuple[bytes | bytearray, int, str]:
    """Decode text to UTF-8 without copying when it is UTF-8 already.

    Returns the UTF-8 bytes, the offset where the text starts after a BOM, and the
    name of the encoding used.
    """
    if encoding is not None:
        return _decode_given(data, encoding, filename)

    for bom, name in _BOMS:
        if data.startswith(bom):
            if name == "utf-8-sig":
                _check_utf8(data, len(bom), filename, name)
                return data, len(bom), name
            return _transcode(data, len(bom), name, filename), 0, name

    utf16 = _guess_utf16_without_bom(data)
    if utf16 is not None:
        try:
            return _transcode(data, 0, utf16, filename), 0, utf16
        except FileReadError:
            pass

    if _looks_binary(data):
        raise FileReadError(
            f"{filename} does not look like a text file: it contains binary data "
            f"such as NUL bytes. {_SAVE_AS_HINT}"
        )
    if _is_utf8(data):
        return data, 0, "utf-8"

    guessed = _guess_legacy_encoding(data, filename)
    for candidate in dict.fromkeys((guessed, "cp1252", "latin-1")):
        try:
            return _transcode(data, 0, candidate, filename), 0, candidate
        except FileReadError:
            continue
    raise AssertionError("latin-1 decodes every byte sequence")


def _decode_given(
    data: bytes | bytearray, encoding: str, filename: str
) -> tuple[bytes | bytearray, int, str]:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(
            f"Unknown encoding {encoding!r}; use a Python codec name such as "
            "'utf-8', 'cp1252' or 'utf-16'."
        ) from None
    if codec == "utf-8":
        start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        _check_utf8(data, start, filename, encoding)
        return data, start, encoding
    return _transcode(data, 0, codec, filename), 0, encoding


def _check_utf8(data: bytes | bytearray, start: int, filename: str, name: str) -> None:
    if not _is_utf8(data, start):
        # Decoding again only to build the message keeps the fast path free of it.
        _transcode(data, start, "utf-8", filename, name)


def _is_utf8(data: bytes | bytearray, start: int = 0) -> bool:
    """Validate UTF-8 with pyarrow's vectorised check, without building a str."""
    length = len(data) - start
    offsets = pa.py_buffer(struct.pack("<qq", 0, length))
    values = pa.py_buffer(data).slice(start)
    array = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, values])
    try:
        array.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _transcode(
    data: bytes | bytearray,
    start: int,
    codec: str,
    filename: str,
    shown_name: str | None = None,
) -> bytearray:
    """Decode `data[start:]` with `codec` and return it encoded as UTF-8."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    view = memoryview(data)
    output = bytearray()
    offset = start
    try:
        for offset in range(start, len(data), _TRANSCODE_CHUNK_BYTES):
            text = decoder.decode(view[offset : offset + _TRANSCODE_CHUNK_BYTES])
            output += text.encode("utf-8")
        output += decoder.decode(b"", final=True).encode("utf-8")
    except UnicodeDecodeError as error:
        position = offset + error.start
        byte = data[position] if position < len(data) else None
        shown = f"byte 0x{byte:02X}" if byte is not None else "an incomplete character"
        raise FileReadError(
            f"{filename} could not be decoded as {shown_name or codec}: {shown} at "
            f"position {position} is invalid. Choose another encoding, or "
            f"{_SAVE_AS_HINT[0].lower()}{_SAVE_AS_HINT[1:]}"
        ) from None
    if output.startswith(codecs.BOM_UTF8):
        del output[: len(codecs.BOM_UTF8)]
    return output


def _guess_utf16_without_bom(data: bytes | bytearray) -> str | None:
    """Return the UTF-16 byte order when NULs fill every other byte of the sample."""
    sample = bytes(data[: SAMPLE_BYTES & ~1])
    half = len(sample) // 2
    if half < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _looks_binary(data: bytes | bytearray) -> bool:
    sample = bytes(data[:SAMPLE_BYTES])
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    # A stray NUL or two occurs in real exports, so only a high share counts.
    return controls >= 8 and controls > 0.05 * len(sample)


def _legacy_sample(data: bytes | bytearray) -> bytes:
    """Collect the start of the file and the lines that contain non-ASCII bytes."""
    sample = bytearray(data[:4096])
    position = len(sample)
    while len(sample) < 2 * SAMPLE_BYTES:
        match = _NON_ASCII.search(data, position)
        if match is None:
            break
        line_start = data.rfind(b"\n", 0, match.start()) + 1
        line_end = data.find(b"\n", match.start())
        if line_end == -1:
            line_end = len(data)
        sample += b"\n"
        sample += data[max(line_start, position) : line_end]
        position = line_end + 1
    return bytes(sample)


def _guess_legacy_encoding(data: bytes | bytearray, filename: str) -> str:
    """Guess a single- or multi-byte encoding for text that is not UTF-8."""
    sample = _legacy_sample(data)
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        raise FileReadError(
            f"{filename} could not be read as text in any known encoding. "
            f"{_SAVE_AS_HINT}"
        )
    guessed = codecs.lookup(best.encoding).name
    non_ascii = sum(1 for byte in sample if byte >= 0x80)
    # With only a few non-ASCII bytes charset-normalizer picks among many code
    # pages that all decode them, such as cp932 or cp1125 for one "©". cp1252, the
    # Windows default for Western European exports, is the better guess then.
    # It also drops code pages that decode the sample to the same text as the one
    # it keeps, so cp1250 often stands for text that cp1252 reads identically.
    try:
        as_cp1252 = sample.decode("cp1252")
    except UnicodeDecodeError:
        return guessed
    if non_ascii < _MIN_NON_ASCII_EVIDENCE or as_cp1252 == sample.decode(guessed):
        return "cp1252"
    return guessed


def sample_text(utf8: bytes | bytearray, start: int) -> tuple[str, bool]:
    """Return the text of the first complete lines and whether it is the whole file."""
    end = start + SAMPLE_BYTES
    if end >= len(utf8):
        return bytes(utf8[start:]).decode("utf-8"), True
    chunk = bytes(utf8[start:end])
    cut = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
    if cut >= 0:
        chunk = chunk[: cut + 1]
    return chunk.decode("utf-8", errors="ignore"), False


def parse_records(text: str, delimiter: str) -> list[list[str]]:
    """Split text into records with the csv module; blank lines give []."""
    return list(_csv_reader(text, delimiter))


def _csv_reader(text: str, delimiter: str) -> Iterator[list[str]]:
    # A quote opens a quoted field only at the start of a field, as in pyarrow.
    return csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        strict=False,
    )


def is_blank(fields: list[str]) -> bool:
    return all(not field.strip() for field in fields)


def detect_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first records into the most consistent
    number of fields, preferring more fields on a tie."""
    best, best_score = DELIMITERS[0], (0.0, 0)
    for delimiter in DELIMITERS:
        records = (r for r in _csv_reader(text, delimiter) if not is_blank(r))
        counts = [len(r) for r in itertools.islice(records, _SNIFF_RECORDS)]
        if not counts:
            continue
        width, frequency = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        score = (frequency / len(counts), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _field_pattern(delimiter: str) -> re.Pattern[str]:
    stop = re.escape(delimiter)
    return re.compile(rf'"((?:[^"]|"")*)"([^{stop}\r\n]*)|([^{stop}\r\n]*)')


def scan_records(text: str, delimiter: str) -> Iterator[tuple[list[str], int]]:
    """Yield each record of `text` with the character offset just past its line end.

    Follows the csv module's rules: a quote opens a quoted field only at the start
    of a field.
    """
    pattern = _field_pattern(delimiter)
    position = 0
    length = len(text)
    while position < length:
        fields = []
        while True:
            match = pattern.match(text, position)
            assert match is not None  # the unquoted branch matches the empty string
            quoted, rest, plain = match.groups()
            if quoted is not None:
                fields.append(quoted.replace('""', '"') + rest)
            else:
                fields.append(plain)
            position = match.end()
            if position < length and text[position] == delimiter:
                position += 1
                continue
            break
        if text.startswith("\r\n", position):
            position += 2
        elif position < length:
            position += 1
        yield fields, position


def read_arrow(
    stream: pa.NativeFile, width: int, delimiter: str, newlines_in_values: bool
) -> pa.Table:
    """Parse `stream` from its position with pyarrow into `width` large_string
    columns f0, f1, …

    Raises pyarrow.ArrowInvalid when a row has another number of fields or a value
    is not valid UTF-8. Without `newlines_in_values` pyarrow also raises it when a
    block boundary falls on a line break inside quotes, because the block then ends
    inside a quoted value. A quoted line break within one block is read correctly
    either way.
    """
    names = [f"f{i}" for i in range(width)]
    read_options = pa_csv.ReadOptions(
        column_names=names, block_size=ARROW_BLOCK_BYTES, use_threads=True
    )
    parse_options = pa_csv.ParseOptions(
        delimiter=delimiter,
        quote_char='"',
        double_quote=True,
        escape_char=False,
        newlines_in_values=newlines_in_values,
        ignore_empty_lines=True,
    )
    # pandas' StringDtype("pyarrow") stores large_string, so parsing straight into
    # it avoids a cast that would copy the offsets.
    convert_options = pa_csv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.large_string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
        check_utf8=True,
    )
    return pa_csv.read_csv(
        stream,
        read_options=read_options,
        parse_options=parse_options,
        convert_options=convert_options,
    )


def contains_nul(table: pa.Table) -> bool:
    """Return whether any value of a table of large_string columns has a NUL byte."""
    for column in table.columns:
        for chunk in column.chunks:
            _, offsets, values = chunk.buffers()
            if values is None or len(chunk) == 0:
                continue
            # Only the bytes between the first and last offsets belong to values.
            bounds = np.frombuffer(offsets, dtype=np.int64)
            first = int(bounds[chunk.offset])
            last = int(bounds[chunk.offset + len(chunk)])
            if last == first:
                continue
            used = np.frombuffer(
                values, dtype=np.uint8, count=last - first, offset=first
            )
            if used.min() == 0:
                return True
    return False


def iter_python_records(
    utf8: bytes | bytearray, start: int, delimiter: str, filename: str
) -> Iterator[tuple[int, list[str]]]:
    """Yield (1-based record number, fields) for every record, blank lines included."""
    text = bytes(utf8[start:]).decode("utf-8")
    reader = _csv_reader(text, delimiter)
    number = 0
    try:
        for number, fields in enumerate(reader, start=1):
            yield number, fields
    except csv.Error as error:
        raise FileReadError(
            f"{filename} could not be read after row {number}: {error}. {_SAVE_AS_HINT}"
        ) from None
