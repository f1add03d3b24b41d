"""Numbers from the address: ``<int:...>`` and ``?page=`` bounded to what the database can compare.

A number above a 64-bit integer makes SQLite's driver raise OverflowError (a
500); such an id can name nothing, so the route does not match (404), and a
page number out of range is the first page or a 400, never a 500.
"""

from __future__ import annotations

from flask import abort, request
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**63 - 1  # the largest BIGINT / SQLite INTEGER
MAX_PAGE = 1_000_000  # far beyond any list; keeps OFFSET (page × size) in range


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` matching only ids a database column can hold (default max 2^63 − 1)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        bound = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bound, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ID)) + 1:
            raise ValidationError()  # not even parsed: a huge digit string costs time
        return super().to_python(value)


def page_number(name: str = "page") -> int:
    """The ``?page=`` of this request: 1 when absent or not a positive number, 400 when absurdly large."""
    raw = request.args.get(name, "").strip()
    if not raw.isascii() or not raw.isdigit():
        return 1
    if len(raw) > len(str(MAX_PAGE)) or int(raw) > MAX_PAGE:
        abort(400)
    return max(1, int(raw))
