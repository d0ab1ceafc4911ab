"""String kernels for whole Arrow columns, with numpy fast paths for common data.

Each function returns what the pyarrow.compute kernels named in its docstring
return, for an array or a chunked array. The fast paths read the offsets and data
buffers of string and large_string chunks without nulls. They skip the work that
those kernels spend on values they leave unchanged, such as values without white
space, ASCII text and first letters that are capitals already. Other columns go to
the kernels.

The numpy work runs on blocks of rows, which keeps temporary arrays in the CPU cache
and reuses their memory. Hashing the million e-mail addresses of bench_rules.py in a
new worker thread took 0.15 to 0.24 s on whole columns, much of it in page faults on
fresh temporaries, and 0.05 to 0.08 s on blocks (2 cores).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Strings = pa.Array | pa.ChunkedArray


def contiguous(values: Strings) -> pa.Array:
    """Return the values as one array, copying only when there are several chunks."""
    if isinstance(values, pa.ChunkedArray):
        if values.num_chunks == 1:
            return values.chunk(0)
        return values.combine_chunks()
    return values


@dataclass(frozen=True)
class _Layout:
    """The buffers of a string array without nulls, as numpy arrays."""

    offsets: np.ndarray
    """`len + 1` positions in `data`: value `i` is `data[offsets[i]:offsets[i + 1]]`."""
    data: np.ndarray
    """The whole data buffer as uint8, which a sliced array shares with others."""

    @property
    def starts(self) -> np.ndarray:
        return self.offsets[:-1]

    @property
    def used(self) -> np.ndarray:
        """The bytes of the values, from the first value's start to the last's end."""
        return self.data[self.offsets[0] : self.offsets[-1]]

    def is_empty(self) -> np.ndarray:
        return self.offsets[1:] == self.offsets[:-1]

    def first_bytes(self) -> np.ndarray:
        """Return each value's first byte, and an arbitrary byte for empty values."""
        if len(self.data) == 0:
            return np.zeros(len(self.starts), dtype=np.uint8)
        # Only empty values at the end of a full buffer start at len(data).
        return self.data[np.minimum(self.starts, len(self.data) - 1)]

    def row_blocks(self) -> Iterator[tuple[int, _Layout]]:
        """Yield the layouts of consecutive blocks of rows, with their first row."""
        for begin in range(0, len(self.starts), _BLOCK_ROWS):
            offsets = self.offsets[begin : begin + _BLOCK_ROWS + 1]
            yield begin, _Layout(offsets, self.data)

    def is_ascii(self) -> bool:
        return not _any_block(self.used, lambda block: block.max() >= 0x80)

    def is_ascii_without_separators(self) -> bool:
        """Return whether all bytes are ASCII but the separators 0x1C to 0x1F."""
        return not _any_block(self.used, _block_has_non_ascii_or_separators)

    def may_have_space(self) -> bool:
        """Return False when no value can contain white space."""
        return _any_block(self.used, _block_may_have_space)


_BLOCK_BYTES = 1 << 20
_BLOCK_ROWS = 1 << 15


def _any_block(data: np.ndarray, test: Callable[[np.ndarray], bool]) -> bool:
    """Return whether `test` is true for any block of `data`, stopping at the first."""
    return any(
        test(data[start : start + _BLOCK_BYTES])
        for start in range(0, len(data), _BLOCK_BYTES)
    )


_OFFSET_TYPES = {pa.string(): np.int32, pa.large_string(): np.int64}
_ARRAY_CLASSES = {pa.string(): pa.StringArray, pa.large_string(): pa.LargeStringArray}


def _layout(values: pa.Array) -> _Layout | None:
    """Return the buffers of `values`, or None where no fast path applies."""
    offset_type = _OFFSET_TYPES.get(values.type)
    if offset_type is None or values.null_count:
        return None
    _, offsets_buffer, data_buffer = values.buffers()
    itemsize = np.dtype(offset_type).itemsize
    offsets = np.frombuffer(
        offsets_buffer,
        dtype=offset_type,
        count=len(values) + 1,
        offset=values.offset * itemsize,
    )
    if data_buffer is None:
        data = np.zeros(0, dtype=np.uint8)
    else:
        data = np.frombuffer(data_buffer, dtype=np.uint8)
    return _Layout(offsets, data)


def _chunk_layouts(values: Strings) -> list[tuple[int, pa.Array, _Layout]] | None:
    """Return the first row, array and layout of each chunk that has rows.

    Returns None when a chunk has no fast path.
    """
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    layouts = []
    begin = 0
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        layout = _layout(chunk)
        if layout is None:
            return None
        layouts.append((begin, chunk, layout))
        begin += len(chunk)
    return layouts


def _may_start_space(byte: np.ndarray) -> np.ndarray:
    """Return True for each byte that can be the first of a white space character.

    Those are the characters that `pc.utf8_trim_whitespace` removes, in pyarrow 26:
    9 to 13, 28 to 32, U+0085 and U+00A0 (first byte 0xC2), U+1680 (0xE1), U+2000
    to U+205F (0xE2) and U+3000 (0xE3). tests/test_rules.py checks this set against
    the installed pyarrow.
    """
    in_e1_to_e3 = (byte - np.uint8(0xE1)) < np.uint8(3)
    return (byte <= 0x20) | (byte == 0xC2) | in_e1_to_e3


def _block_has_non_ascii_or_separators(block: np.ndarray) -> bool:
    if block.max() >= 0x80:
        return True
    # min is much faster than the exact test, and settles most blocks.
    return block.min() <= 0x1F and bool(((block - np.uint8(0x1C)) < 4).any())


def _block_may_have_space(block: np.ndarray) -> bool:
    # min and max are much faster than the exact test, and settle most blocks.
    if block.min() <= 0x20:
        return True
    if block.max() < 0xC2:
        return False
    return bool(_may_start_space(block).any())


def trim_whitespace(values: Strings) -> Strings:
    """Remove white space at both ends, as `pc.utf8_trim_whitespace`.

    Returns `values` itself when no byte can start a space character.
    """
    layouts = _chunk_layouts(values)
    if layouts is None:
        return pc.utf8_trim_whitespace(values)
    if not any(layout.may_have_space() for _, _, layout in layouts):
        return values
    # The ASCII kernel takes half the time. Its white space lacks only the
    # separators 0x1C to 0x1F, which the Unicode kernel also removes.
    if all(layout.is_ascii_without_separators() for _, _, layout in layouts):
        return pc.ascii_trim_whitespace(values)
    return pc.utf8_trim_whitespace(values)


def is_blank(values: Strings) -> np.ndarray:
    """Return True where a value is empty or only white space, False for nulls."""
    layouts = _chunk_layouts(values)
    if layouts is None:
        trimmed = pc.utf8_trim_whitespace(values)
        return _to_numpy(pc.fill_null(pc.equal(trimmed, ""), False))
    blank = np.zeros(len(values), dtype=bool)
    candidates = []
    for begin, _, layout in layouts:
        blank[begin : begin + len(layout.starts)] = layout.is_empty()
        if not layout.may_have_space():
            continue
        # Only a value that starts with a white space byte can be blank.
        for block_begin, block in layout.row_blocks():
            may_be_blank = _may_start_space(block.first_bytes()) & ~block.is_empty()
            candidates.append(begin + block_begin + np.flatnonzero(may_be_blank))
    rows = np.concatenate(candidates) if candidates else np.zeros(0, dtype=np.intp)
    if len(rows):
        trimmed = pc.utf8_trim_whitespace(values.take(rows))
        blank[rows] = _to_numpy(pc.equal(trimmed, ""))
    return blank


def _to_numpy(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(mask, pa.ChunkedArray):
        return mask.to_numpy()
    return mask.to_numpy(zero_copy_only=False)


def lower(values: Strings) -> Strings:
    """Lowercase every character, as `pc.utf8_lower`."""
    if _is_ascii(values):
        return pc.ascii_lower(values)
    return pc.utf8_lower(values)


def upper(values: Strings) -> Strings:
    """Uppercase every character, as `pc.utf8_upper`."""
    if _is_ascii(values):
        return pc.ascii_upper(values)
    return pc.utf8_upper(values)


def _is_ascii(values: Strings) -> bool:
    layouts = _chunk_layouts(values)
    return layouts is not None and all(layout.is_ascii() for _, _, layout in layouts)


def capitalize(values: Strings) -> Strings:
    """Uppercase the first character only, as `pc.utf8_upper` on a one-letter slice.

    The rest of the value stays as it is, so "mcDonald" becomes "McDonald".
    """
    layouts = _chunk_layouts(values)
    if layouts is None:
        return _capitalize_with_kernels(values)
    # Each chunk that changes gets a copy of its data, changed in place.
    copies = [_uppercase_ascii_first_letters(layout) for _, _, layout in layouts]
    if not _uppercase_non_ascii_first_letters(values, layouts, copies):
        return _capitalize_with_kernels(values)
    if all(data is None for data in copies):
        return values
    chunks = [
        chunk if data is None else _with_data(chunk, layout, data)
        for (_, chunk, layout), data in zip(layouts, copies, strict=True)
    ]
    if isinstance(values, pa.Array):
        return chunks[0]
    return pa.chunked_array(chunks, type=values.type)


def _uppercase_ascii_first_letters(layout: _Layout) -> np.ndarray | None:
    """Return a copy of the data with ASCII first letters uppercased, or None."""
    base = layout.offsets[0]
    data = None
    for _, block in layout.row_blocks():
        first = block.first_bytes()
        lowercase = ~block.is_empty() & ((first - np.uint8(ord("a"))) < np.uint8(26))
        if lowercase.any():
            if data is None:
                data = layout.used.copy()
            data[block.starts[lowercase] - base] -= ord("a") - ord("A")
    return data


def _uppercase_non_ascii_first_letters(
    values: Strings,
    layouts: list[tuple[int, pa.Array, _Layout]],
    copies: list[np.ndarray | None],
) -> bool:
    """Uppercase the non-ASCII first letters in `copies`, copying data as needed.

    Returns False, changing nothing, when an uppercase letter has another length.
    """
    found = [np.zeros(0, dtype=np.intp)]
    for begin, _, layout in layouts:
        for block_begin, block in layout.row_blocks():
            non_ascii = ~block.is_empty() & (block.first_bytes() >= 0x80)
            found.append(begin + block_begin + np.flatnonzero(non_ascii))
    rows = np.concatenate(found)
    if len(rows) == 0:
        return True
    old_first = pc.utf8_slice_codeunits(contiguous(values.take(rows)), 0, 1)
    new_first = pc.utf8_upper(old_first)
    same_length = pc.equal(pc.binary_length(old_first), pc.binary_length(new_first))
    if not pc.all(same_length).as_py():
        # Uppercase is longer or shorter in UTF-8 for a few letters, such as "ı"
        # (2 bytes) to "I" (1 byte), so those values cannot change in place.
        return False
    uppercase = _layout(new_first)
    for position, (begin, _, layout) in enumerate(layouts):
        first = np.searchsorted(rows, begin)
        stop = np.searchsorted(rows, begin + len(layout.starts))
        if first == stop:
            continue
        if copies[position] is None:
            copies[position] = layout.used.copy()
        starts = layout.starts[rows[first:stop] - begin] - layout.offsets[0]
        prefixes = _Layout(uppercase.offsets[first : stop + 1], uppercase.data)
        _write_prefixes(copies[position], starts, prefixes)
    return True


def _capitalize_with_kernels(values: Strings) -> Strings:
    first = pc.utf8_upper(pc.utf8_slice_codeunits(values, 0, 1))
    rest = pc.utf8_slice_codeunits(values, 1)
    empty = pa.scalar("", type=values.type)
    return pc.binary_join_element_wise(first, rest, empty)


def _write_prefixes(data: np.ndarray, starts: np.ndarray, prefixes: _Layout) -> None:
    """Overwrite the bytes of `data` from each of `starts` with one of `prefixes`."""
    source = prefixes.used
    first_of_each = np.repeat(
        starts - (prefixes.starts - prefixes.offsets[0]), np.diff(prefixes.offsets)
    )
    data[first_of_each + np.arange(len(source))] = source


def _with_data(values: pa.Array, layout: _Layout, data: np.ndarray) -> pa.Array:
    """Return `values` with `data`, a changed copy of `layout.used`, as its bytes."""
    base = layout.offsets[0]
    if base:
        offsets = pa.py_buffer(layout.offsets - base)
        offset = 0
    else:
        # The values start at byte 0, so the new array shares the old offsets.
        offsets = values.buffers()[1]
        offset = values.offset
    array_class = _ARRAY_CLASSES[values.type]
    return array_class.from_buffers(
        len(values), offsets, pa.py_buffer(data), offset=offset
    )


def duplicated(values: Strings) -> np.ndarray:
    """Return True for every value that occurs more than once; null counts as "".

    Arrow's hash kernels (`pc.value_counts`) spend about 0.3 s on a million distinct
    e-mail addresses, mostly on cache misses in a table of a million entries. A
    64-bit hash of each value in numpy and a sort of the hashes take about a third
    of that (bench_rules.py, 2 cores). Only the values whose hash repeats go to the
    exact count in Arrow, so a hash collision costs time but never a false result.
    """
    if values.null_count:
        values = pc.fill_null(values, "")
    layouts = _chunk_layouts(values)
    if layouts is None:
        return _duplicated_with_kernels(values)
    result = np.zeros(len(values), dtype=bool)
    if not layouts:
        return result
    hashes = np.concatenate([_hash_values(layout) for _, _, layout in layouts])
    ordered = np.sort(hashes)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if len(repeated) == 0:
        return result
    # One comparison per repeated hash beats a binary search for up to about 64
    # (0.02 s against 0.04 s on a million hashes). Beyond that np.isin sorts, which
    # is slower than the search.
    if len(repeated) <= 64:
        found = np.zeros(len(hashes), dtype=bool)
        for value in repeated:
            found |= hashes == value
    else:
        slot = np.minimum(np.searchsorted(repeated, hashes), len(repeated) - 1)
        found = repeated[slot] == hashes
    candidates = np.flatnonzero(found)
    result[candidates] = _duplicated_with_kernels(values.take(candidates))
    return result


def _duplicated_with_kernels(values: Strings) -> np.ndarray:
    counts = pc.value_counts(values)
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    return _to_numpy(pc.fill_null(pc.is_in(values, value_set=repeated), False))


_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_PREFIX_MASKS = np.array([(1 << (8 * size)) - 1 for size in range(9)], dtype=np.uint64)
"""`_PREFIX_MASKS[size]` keeps the first `size` bytes of a little-endian word."""


def _hash_values(layout: _Layout) -> np.ndarray:
    """Return a 64-bit hash of each value's bytes and length."""
    used = layout.used
    if len(used) < 8:
        used = np.concatenate([used, np.zeros(8, dtype=np.uint8)])
    last = len(used) - 8
    # Element i is the 8 bytes from byte i on, read unaligned and without a copy.
    words = np.ndarray((last + 1,), dtype="<u8", buffer=used, strides=(1,))
    base = layout.offsets[0]
    result = np.empty(len(layout.starts), dtype=np.uint64)
    for begin, block in layout.row_blocks():
        starts = (block.starts - base).astype(np.int64)
        lengths = np.diff(block.offsets).astype(np.int64)
        result[begin : begin + len(starts)] = _hash_block(words, last, starts, lengths)
    return result


def _hash_block(
    words: np.ndarray, last: int, positions: np.ndarray, remaining: np.ndarray
) -> np.ndarray:
    """Hash the values at `positions` of `remaining` bytes, 8 bytes per step.

    `positions` must ascend. A value's hash depends on its bytes only, not on the
    other values of the block.
    """
    result = np.empty(len(positions), dtype=np.uint64)
    rows = np.arange(len(positions))
    hashes = remaining.astype(np.uint64)
    hashes *= _MULTIPLIER
    while True:
        if positions[-1] <= last:
            word = words[positions]
        else:
            # A read that would run past the data is made at `last` and shifted
            # down. positions ascend, so those reads are a suffix.
            word = words[np.minimum(positions, last)]
            past = np.searchsorted(positions, last, side="right")
            word[past:] >>= (positions[past:] - last).astype(np.uint64) * np.uint64(8)
        # mode="clip" takes the mask of 8 bytes for 8 or more remaining bytes.
        word &= _PREFIX_MASKS.take(remaining, mode="clip")
        hashes ^= word
        hashes *= _MULTIPLIER
        hashes ^= hashes >> np.uint64(29)
        remaining -= 8
        positions += 8
        active = remaining > 0
        if active.all():
            continue
        result[rows[~active]] = hashes[~active]
        if not active.any():
            return result
        rows, hashes = rows[active], hashes[active]
        remaining, positions = remaining[active], positions[active]
