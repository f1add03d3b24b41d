"""QR codes of kiosk addresses, for the admin to scan into a tablet."""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_png(url: str, box_size: int = 10) -> bytes:
    """A PNG image of a QR code holding ``url`` (medium error correction, quiet zone of 4)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
