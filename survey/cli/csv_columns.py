"""Read the columns a statistics command needs from a plain CSV file as numpy arrays, without pandas.

``sipas indices`` on 200,000 responses spends more time importing pandas and
running its reader than computing (issue 13). Most survey exports are plain
CSV: one header line, ``,`` between fields, quotes (if any) around whole
fields, as R's ``write.csv`` writes text. For those this module
finds the separators with numpy passes over slices of whole rows (about 256 KB
each, so that the temporary arrays stay in the processor's cache and the
process touches half the memory of one pass over the file) and converts only
the columns asked for, with the types ``pandas.read_csv`` would give them (a
column's type is decided from all its slices):

* numbers: ``int64`` when every field is an integer, else ``float64`` with NaN
  for a blank (or ``NA``, ``NaN``, ``null``, ...) field;
* text: an object array of ``str`` with NaN for a blank field, as soon as one
  field is not a number (``"01"`` stays ``"01"`` there, as in pandas).

Anything else (a comma, newline or doubled quote inside quotes, rows of
different lengths, blank lines, a single
column, duplicated or empty header names, ``1e3``, ``inf``, ``True``, fields
with spaces, numbers of more than 15 digits, invalid UTF-8) returns ``None``
and the caller reads the file with pandas, so such files keep their exact
behaviour, including pandas' error messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

__all__ = ["read_csv_columns"]

BOM = b"\xef\xbb\xbf"
COMMA, NEWLINE, QUOTE, DOT, PLUS, MINUS, ZERO, NINE = 44, 10, 34, 46, 43, 45, 48, 57
MAX_DIGITS = 15  # a whole number of at most 15 digits is exact in a double
# powers of ten written out: each is exactly representable, so m / 10**k is correctly rounded
POWERS_OF_TEN = np.array([float(f"1e{k}") for k in range(MAX_DIGITS + 1)])
# pandas.read_csv's default missing-value markers (besides the empty field)
NA_TOKENS = frozenset([
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
])


class _NotPlain(Exception):
    """The file (or a needed column) is outside what this reader converts exactly as pandas does."""


def read_csv_columns(path: Path, columns: Iterable[str]) -> dict[str, np.ndarray] | None:
    """The named columns of a plain CSV file (UTF-8, BOM allowed), or None to read it with pandas.

    Parameters
    ----------
    path : pathlib.Path
        The CSV file.
    columns : iterable of str
        Columns to convert; a name the header lacks is left out (the caller's
        check reports it as unknown).

    Returns
    -------
    dict of str to numpy.ndarray, or None
        One array per column found, in the types ``pandas.read_csv`` gives;
        None when the file needs pandas' general reader.
    """
    raw = path.read_bytes()
    try:
        return _read(raw, columns)
    except _NotPlain:
        return None


def _read(raw: bytes, columns: Iterable[str]) -> dict[str, np.ndarray]:
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n")
    if b"\x00" in raw or b"\r" in raw:
        raise _NotPlain
    if b'"' in raw:
        raw = _unquoted(raw.removeprefix(BOM))
    try:
        raw.isascii() or raw.decode("utf-8")  # pandas' error for invalid UTF-8
    except UnicodeDecodeError:
        raise _NotPlain from None
    start = len(BOM) if raw.startswith(BOM) else 0
    end = raw.find(b"\n", start)
    if end <= start:
        raise _NotPlain
    header = raw[start:end].decode("utf-8").split(",")
    if len(header) < 2 or len(set(header)) < len(header) or "" in header:
        raise _NotPlain
    stop = len(raw)
    while stop > end and raw[stop - 1] == NEWLINE:  # pandas skips blank lines at the end
        stop -= 1
    if stop == end:  # a header without rows
        return {name: np.zeros(0, dtype=np.float64) for name in columns if name in header}
    if stop == len(raw):  # no newline after the last row
        raw += b"\n"
    wanted = [name for name in dict.fromkeys(columns) if name in header]
    index = np.array([header.index(name) for name in wanted], dtype=np.int64)
    n_rows = raw.count(b"\n", end + 1, stop + 1)
    values = np.empty((len(wanted), n_rows))
    blank_any, dotted_any, other_any = (np.zeros(len(wanted), dtype=bool) for _ in range(3))
    row = 0
    for a, b in _chunks(raw, end + 1, stop + 1):
        chunk = np.frombuffer(raw, dtype=np.uint8, count=b - a, offset=a)
        starts, lengths = _field_positions(chunk, len(header), index)
        m = starts.shape[1]
        widths = lengths.max(axis=1)
        # columns of equal width are read together: one numpy pass per character position
        for width in sorted(set(widths.tolist())):  # (np.unique without an index array imports numpy.ma)
            group = np.flatnonzero(widths == width)
            if width == 0:
                values[group, row:row + m] = np.nan
                blank_any[group] = True
                continue
            value, simple, dotted = _decimal_values(chunk, starts[group], lengths[group], width)
            values[group, row:row + m] = value
            blank = lengths[group] == 0
            blank_any[group] |= blank.any(axis=1)
            dotted_any[group] |= dotted
            other_any[group] |= (~simple & ~blank).any(axis=1)
        row += m
    out = {}
    for i, name in enumerate(wanted):
        if not other_any[i]:  # values are NaN exactly where blank
            out[name] = values[i] if blank_any[i] or dotted_any[i] else values[i].astype(np.int64)
    if other_any.any():  # text or missing-value words: the whole column at once
        general = np.flatnonzero(other_any)
        buffer = np.frombuffer(raw, dtype=np.uint8)[end + 1:stop + 1]
        starts, lengths = _field_positions(buffer, len(header), index[general])
        widths = lengths.max(axis=1)
        for width in sorted(set(widths.tolist())):
            group = np.flatnonzero(widths == width)
            block = _Fields(buffer, starts[group], lengths[group], width)
            for position, i in enumerate(group):
                out[wanted[general[i]]] = block.column(position)
    return {name: out[name] for name in wanted}


CHUNK_BYTES = 1 << 18  # rows are read in slices of about 256 KB: the temporary arrays stay in the cache


def _chunks(raw: bytes, begin: int, end: int) -> list[tuple[int, int]]:
    """Byte ranges of whole rows (each ending just after a newline) covering ``raw[begin:end]``."""
    bounds = []
    a = begin
    while a < end:
        b = raw.find(b"\n", min(a + CHUNK_BYTES, end - 1), end) + 1
        bounds.append((a, b))
        a = b
    return bounds


def _field_positions(buffer: np.ndarray, k: int, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and length of the fields of columns ``index`` in whole rows of ``k`` fields (one row per column).

    Raises _NotPlain unless every row has exactly ``k`` fields.
    """
    newline = buffer == NEWLINE
    separators = np.flatnonzero(newline | (buffer == COMMA))
    if len(buffer) < 2**31:  # half the memory traffic for the positions
        separators = separators.astype(np.int32)
    n = len(separators) // k
    line_ends = separators[k - 1::k]
    # every row has k fields exactly when the k-th separators are the only newlines
    if len(separators) != n * k or np.count_nonzero(newline) != n or not newline[line_ends].all():
        raise _NotPlain
    # the separator after each field, one row per column: row j ends the fields of column j
    field_ends = separators.reshape(n, k).T
    ends = field_ends[index]
    starts = field_ends[np.maximum(index - 1, 0)]
    starts += 1
    starts[index == 0] = np.concatenate(([0], line_ends[:-1] + 1))
    return starts, ends - starts


def _unquoted(raw: bytes) -> bytes:
    """The file without its quotes, when every pair of quotes holds one whole field and no separator.

    That is how R's ``write.csv`` and most exports quote text; pandas then reads
    the same values as from the file without quotes (``"3"`` is the number 3,
    ``""`` is blank). A comma, newline or doubled quote inside quotes leaves the
    file to pandas.
    """
    buffer = np.frombuffer(raw, dtype=np.uint8)
    quotes = np.flatnonzero(buffer == QUOTE)
    if len(quotes) % 2:
        raise _NotPlain
    opening, closing = quotes[0::2], quotes[1::2]
    padded = np.concatenate(([NEWLINE], buffer, [NEWLINE]))  # the file's start and end bound fields too
    before, after = padded[opening], padded[closing + 2]
    whole = ((before == COMMA) | (before == NEWLINE)) & ((after == COMMA) | (after == NEWLINE))
    separators = np.flatnonzero((buffer == COMMA) | (buffer == NEWLINE))
    inside = np.searchsorted(separators, closing) - np.searchsorted(separators, opening)
    if not whole.all() or inside.any():
        raise _NotPlain
    return raw.replace(b'"', b"")


def _field_bytes(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray, width: int) -> np.ndarray:
    """The bytes of every field, one row each, padded with zeros to ``width``."""
    offsets = np.arange(width)
    inside = offsets[None, :] < lengths[:, None]
    index = np.minimum(starts[:, None] + offsets[None, :], len(buffer) - 1)
    return np.where(inside, buffer[index], 0).astype(np.uint8)


class _Fields:
    """The fields of some columns of equal width: their decimal values, then each column's type."""

    def __init__(self, buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray, width: int) -> None:
        self.buffer, self.starts, self.lengths, self.width = buffer, starts, lengths, width
        if width:
            self.values, self.simple, self.dotted = _decimal_values(buffer, starts, lengths, width)

    def column(self, i: int) -> np.ndarray:
        """Column ``i`` of the block: int64, float64 (NaN for missing) or object of str, as pandas infers it."""
        starts, lengths, width = self.starts[i], self.lengths[i], self.width
        if width == 0:
            return np.full(len(starts), np.nan)
        values, simple = self.values[i], self.simple[i]
        blank = lengths == 0
        other = ~simple & ~blank
        if not other.any():  # values are NaN exactly where blank
            if blank.any() or self.dotted[i]:
                return values
            return values.astype(np.int64)
        chars = _field_bytes(self.buffer, starts, lengths, width)
        texts, inverse = np.unique(chars[other].view(f"S{width}").ravel(), return_inverse=True)
        tokens = [t.decode("utf-8") for t in texts]
        missing_token = np.array([t in NA_TOKENS for t in tokens], dtype=bool)
        if missing_token.all():
            missing = blank.copy()
            missing[other] = True
            return np.where(missing, np.nan, values)
        for token, is_missing in zip(tokens, missing_token):
            if not is_missing and (token != token.strip() or _looks_special(token)):
                raise _NotPlain  # spaces, exponents, inf, booleans: pandas' own rules
        return _text_column(chars, width, blank, other, missing_token[inverse.ravel()])


def _looks_special(token: str) -> bool:
    """A token pandas may read as a number or a boolean although it is not a plain decimal."""
    if token.lower() in ("true", "false"):
        return True
    try:
        float(token)
    except ValueError:
        return False
    return True


def _text_column(
    chars: np.ndarray, width: int, blank: np.ndarray, other: np.ndarray, other_missing: np.ndarray
) -> np.ndarray:
    """A text column: every present field as its ``str``, NaN where missing."""
    missing = blank.copy()
    missing[np.flatnonzero(other)[other_missing]] = True
    present = np.flatnonzero(~missing)
    texts, inverse = np.unique(chars[present].view(f"S{width}").ravel(), return_inverse=True)
    labels = np.array([t.decode("utf-8") for t in texts], dtype=object)
    column = np.full(len(chars), np.nan, dtype=object)
    column[present] = labels[inverse.ravel()]
    return column


def _decimal_values(
    buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value of each plain decimal field (``[+-]digits[.digits]``), which fields are plain, and which rows have a dot.

    Values are correctly rounded, as ``float(text)`` and pandas' parser give
    them: up to 15 digits, the digits read as an exact integer ``m`` divided
    by ``10**k`` for ``k`` digits after the dot (one correctly rounded
    division); longer decimals go through numpy's text-to-double conversion.
    The fields are read one character position at a time (they are short).
    """
    if width == 1:  # one digit or nothing: most answer columns
        digit_value = buffer[starts] - np.uint8(ZERO)
        simple = digit_value <= 9  # a blank field starts on its separator, never a digit
        return np.where(simple, digit_value, np.nan), simple, np.zeros(len(starts), dtype=bool)
    shape = starts.shape
    last = len(buffer) - 1
    mantissa = np.zeros(shape, dtype=np.int64)
    decimals = np.zeros(shape, dtype=np.int64)
    n_digits = np.zeros(shape, dtype=np.int64)
    after_dot = np.zeros(shape, dtype=bool)
    bad = np.zeros(shape, dtype=bool)
    negative = np.zeros(shape, dtype=bool)
    for c in range(width):
        inside = lengths > c
        char = buffer[starts if c == 0 else np.minimum(starts + c, last)]
        digit_value = char - np.uint8(ZERO)  # wraps around below '0'
        digit = inside & (digit_value <= 9)
        dot = inside & (char == DOT)
        allowed = digit | dot
        if c == 0:
            negative = inside & (char == MINUS)
            allowed |= negative | (inside & (char == PLUS))
        bad |= (inside & ~allowed) | (dot & after_dot)
        after_dot |= dot
        mantissa = np.where(digit, mantissa * 10 + digit_value, mantissa)  # wraps past 18 digits: unused then
        decimals += digit & after_dot
        n_digits += digit
    # a whole number beyond 15 digits is an exact int64 in pandas: that file goes to pandas
    simple = (lengths > 0) & ~bad & (n_digits >= 1) & (after_dot | (n_digits <= MAX_DIGITS))
    values = mantissa.astype(np.float64) / POWERS_OF_TEN[np.minimum(decimals, MAX_DIGITS)]
    values = np.where(simple, np.where(negative, -values, values), np.nan)
    long = simple & (n_digits > MAX_DIGITS)
    if long.any():
        rows = np.nonzero(long)
        text = _field_bytes(buffer, starts[rows], lengths[rows], width).view(f"S{width}").ravel()
        values[rows] = text.astype(np.float64)
    return values, simple, (after_dot & simple).any(axis=1)
