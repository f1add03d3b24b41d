"""Sending a rating link by SMS through a pluggable sender (``DOSSIER_SMS_SENDER``); no real provider is built in.

A province plugs in its provider by naming a class ``"package.module:Class"``
whose constructor takes the outbox path (may ignore it) and which has
``send(phone, text)``. The phone number is handed to the sender and never
stored by SIPAS (the "file" sender's outbox stands in for the provider).
"""

from __future__ import annotations

import importlib
import json
import logging
import re
from pathlib import Path
from typing import Protocol

from survey.i18n import _
from survey.models import utcnow

logger = logging.getLogger("sipas.sms")
PHONE = re.compile(r"^(\+84|0)[0-9]{9,10}$")  # Vietnamese mobile numbers: 0xxxxxxxxx or +84xxxxxxxxx


class SmsError(ValueError):
    """A phone number or a sender setting that cannot work; the message says which."""


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LogSender:
    """Writes each message to the application log (development)."""

    def __init__(self, outbox: Path | None = None):
        self.outbox = outbox

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class FileSender:
    """Appends each message as one JSON line to an outbox file (tests, or a gateway that reads the file)."""

    def __init__(self, outbox: Path | None = None):
        if outbox is None:
            raise SmsError(_("Cần đặt DOSSIER_SMS_OUTBOX (tệp ghi tin nhắn) cho bộ gửi SMS \"file\"."))
        self.outbox = outbox

    def send(self, phone: str, text: str) -> None:
        self.outbox.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": utcnow().isoformat(), "to": phone, "text": text}, ensure_ascii=False)
        with self.outbox.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


BUILTIN_SENDERS = {"log": LogSender, "file": FileSender}


def make_sender(name: str, outbox: Path | None) -> SmsSender:
    """The sender a setting names: ``log``, ``file`` or ``package.module:Class``."""
    if name in BUILTIN_SENDERS:
        return BUILTIN_SENDERS[name](outbox)
    module_name, _colon, class_name = name.partition(":")
    try:
        sender_class = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError):
        raise SmsError(_("Không tìm thấy bộ gửi SMS \"%(name)s\" (DOSSIER_SMS_SENDER): hãy ghi log, file hoặc "
                         "gói.mô_đun:Lớp.", name=name)) from None
    return sender_class(outbox)


def normalise_phone(phone: str) -> str:
    """A Vietnamese mobile number without spaces, dots or dashes; raises :class:`SmsError`."""
    cleaned = re.sub(r"[\s.\-()]", "", phone or "")
    if not PHONE.match(cleaned):
        raise SmsError(_("\"%(phone)s\" không phải là số điện thoại di động (ví dụ 0912345678 hoặc +84912345678).",
                         phone=phone))
    return cleaned


def rating_sms_text(url: str, dossier_code: str) -> str:
    return _("Moi Ong/Ba danh gia viec giai quyet ho so %(code)s: %(url)s", code=dossier_code, url=url)
