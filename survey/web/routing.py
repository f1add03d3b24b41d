"""Numbers from the address: ``<int:...>``, ``?page=`` and ids in the query bounded to what the database can compare.

A number above a 64-bit integer makes SQLite's driver raise OverflowError, and
one above 2^31 − 1 makes PostgreSQL refuse the comparison with an INTEGER
column ("integer out of range"): both were a 500. Such an id names nothing, so
the route does not match (404); a page number out of range is the first page
or a 400, never a 500.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1  # the largest INTEGER on PostgreSQL: every id in an address is an Integer primary key
MAX_BIGINT = 2**63 - 1  # the largest BIGINT / SQLite INTEGER: the most <int(max=...):...> may allow
MAX_PAGE = 1_000_000  # far beyond any list; keeps OFFSET (page × size) in range


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` matching only ids an INTEGER column holds (``<int(max=...):...>`` up to BIGINT's)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        bound = MAX_ID if max is None else _at_most_bigint(max)  # `min` and `max` are werkzeug's argument names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bound, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_BIGINT)) + 1:
            raise ValidationError()  # not even parsed: a huge digit string costs time
        return super().to_python(value)


def _at_most_bigint(limit: int) -> int:
    return min(limit, MAX_BIGINT)


def page_number(name: str = "page") -> int:
    """The ``?page=`` of this request: 1 when absent or not a positive number, 400 when absurdly large."""
    raw = request.args.get(name, "").strip()
    if not raw.isascii() or not raw.isdigit():
        return 1
    if len(raw) > len(str(MAX_PAGE)) or int(raw) > MAX_PAGE:
        abort(400)
    return max(1, int(raw))


def id_arg(name: str) -> int | None:
    """The id in ``?name=`` when it is one an INTEGER column can hold (ASCII digits, 1 to 2^31 − 1), else None."""
    raw = request.args.get(name, "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_ID)):
        return None
    number = int(raw)
    return number if 1 <= number <= MAX_ID else None


def register_input_checks(app: Flask) -> None:
    """Refuse a NUL character in the query or in a form field with a 400: PostgreSQL refuses it in text
    (a 500 there, a stored NUL on SQLite), and no person types one."""

    @app.before_request
    def _refuse_nul() -> None:
        if "\x00" in request.path:
            abort(404)  # an address with a NUL names nothing (PostgreSQL refused the lookup: a 500)
        if _has_nul(request.args) or _form_has_nul():
            abort(400, description=_("Dữ liệu gửi lên có ký tự NUL (mã 0) không hợp lệ; hãy xoá ký tự đó rồi "
                                     "gửi lại."))


def _form_has_nul() -> bool:
    """Forms only: the JSON APIs check their bodies themselves, and a body over the global limit is
    read by the view that raised its own limit (uploads)."""
    if request.method != "POST" or request.path.startswith("/api/"):
        return False
    if request.content_length is None or request.content_length > current_app.config["MAX_CONTENT_LENGTH"]:
        return False
    return _has_nul(request.form)


def _has_nul(values: MultiDict) -> bool:
    return any("\x00" in value for _name, value in values.items(multi=True))
