"""Keep client addresses out of gunicorn's error log (the README: addresses are never logged).

gunicorn's worker logs a malformed request as ``Invalid request from ip=<address>:
<error>`` (``gunicorn.workers.base.Worker.handle_error``) on the ``gunicorn.error``
logger. :class:`AddresslessLogger`, gunicorn's ``logger_class`` for ``sipas
serve``, puts :class:`HideClientAddress` on that logger, which keeps the line
(an operator still sees that bad requests arrive) without the address.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

HIDDEN = "(ẩn)"
# "ip=" then the address up to the ": " before the error (an IPv6 address has no ": ").
_IP_FIELD = re.compile(r"\bip=\S+?(?=: |$)")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")


def hide_addresses(message: str) -> str:
    """``message`` with its ``ip=`` field and, in such a line, any IPv4 address (a refused proxy's) hidden."""
    if not _IP_FIELD.search(message):
        return message
    return _IPV4.sub(HIDDEN, _IP_FIELD.sub(f"ip={HIDDEN}", message))


class HideClientAddress(logging.Filter):
    """Rewrites a gunicorn.error record that names a client address; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = hide_addresses(message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True


class AddresslessLogger(Logger):
    """gunicorn's logger with :class:`HideClientAddress` on its error log (survives its re-setup)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        if not any(isinstance(f, HideClientAddress) for f in self.error_log.filters):
            self.error_log.addFilter(HideClientAddress())
