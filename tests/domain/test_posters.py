"""Posters and receipt slips with the QR code of a unit's public link; the PDF writer; the font."""

from __future__ import annotations

import io
import re
import zlib
from pathlib import Path

import pytest
import qrcode
from PIL import Image, ImageFont

from survey.domain import posters
from survey.domain.units import find_unit

VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
)
VIETNAMESE += VIETNAMESE.upper()


def _expected_matrix(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


FINDER = [
    [1, 1, 1, 1, 1, 1, 1, 0],
    [1, 0, 0, 0, 0, 0, 1, 0],
    [1, 0, 1, 1, 1, 0, 1, 0],
    [1, 0, 1, 1, 1, 0, 1, 0],
    [1, 0, 1, 1, 1, 0, 1, 0],
    [1, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 1, 1, 1, 1, 0],
    [0, 0, 0, 0, 0, 0, 0, 0],
]


def _is_finder_corner(pixels, x: int, y: int) -> float | None:
    """The module size if (x, y) is the top-left corner of a QR finder pattern, else None."""
    run = 0
    while pixels[x + run, y] < 128:
        run += 1
    if run < 14:  # at least 2 pixels per module
        return None
    m = run / 7
    for r, row in enumerate(FINDER):
        for c, dark in enumerate(row):
            if (pixels[int(x + (c + 0.5) * m), int(y + (r + 0.5) * m)] < 128) != bool(dark):
                return None
    return m


def read_qr(image: Image.Image, n: int) -> list[list[bool]]:
    """The n×n modules (quiet zone of 4 included) of the first QR code found on a page."""
    grey = image.convert("L")
    pixels = grey.load()
    for y in range(grey.height - 8):
        for x in range(grey.width - 8):
            if pixels[x, y] < 128:
                m = _is_finder_corner(pixels, x, y)
                if m:
                    x0, y0 = x - 4 * m, y - 4 * m
                    return [[pixels[int(x0 + (c + 0.5) * m), int(y0 + (r + 0.5) * m)] < 128 for c in range(n)]
                            for r in range(n)]
    raise AssertionError("no QR code found")


def assert_encodes(image: Image.Image, url: str) -> None:
    expected = _expected_matrix(url)
    # A plain check: pytest's diff of two module matrices can take minutes.
    if read_qr(image, len(expected)) != expected:
        raise AssertionError(f"the QR code on the page does not encode {url}")


@pytest.mark.parametrize("fmt, size", [("a4", (1240, 1754)), ("receipt", (639, 879))])
def test_poster_carries_the_qr_code_of_the_unit_link(fmt, size):
    url = "https://sipas.example.gov.vn/s/00004"
    image = posters.render_poster("Phường Ba Đình", url, fmt)
    assert image.size == size and image.mode == "L"
    assert_encodes(image, url)
    other = posters.render_poster("Phường Ba Đình", "https://sipas.example.gov.vn/s/00070", fmt)
    with pytest.raises(AssertionError):
        assert_encodes(other, url)


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown poster format 'a3'"):
        posters.render_poster("X", "https://x", "a3")


def test_the_shipped_font_has_every_vietnamese_letter():
    fnt = posters.font(40)
    assert isinstance(fnt, ImageFont.FreeTypeFont)
    assert Path(fnt.path) == posters.FONT_DIR / "DejaVuSans.ttf"
    assert (posters.FONT_DIR / "LICENSE-DejaVu.txt").read_text(encoding="utf-8").count("Bitstream") >= 3
    missing = bytes(fnt.getmask("\U000f0000"))  # a code point no font has: the "missing glyph" box
    for bold in (False, True):
        fnt = posters.font(40, bold)
        drawn = {letter for letter in VIETNAMESE if bytes(fnt.getmask(letter)) != missing}
        assert drawn == set(VIETNAMESE)


def test_font_falls_back_when_the_shipped_file_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(posters, "FONT_DIR", tmp_path)
    monkeypatch.setattr(posters, "_SYSTEM_FONT_DIRS", ())
    posters.font.cache_clear()
    try:
        assert posters.font(20) is not None
        image = posters.render_poster("Phường Ba Đình", "https://x.vn/s/00004", "receipt")
        assert image.size == (639, 879)
    finally:
        posters.font.cache_clear()


def test_wrap_cuts_long_urls_and_keeps_words():
    fnt = posters.font(20)
    lines = posters.wrap("Trung tâm Phục vụ hành chính công " + "x" * 80, fnt, 200)
    assert all(fnt.getlength(line) <= 200 for line in lines)
    assert "".join(lines).replace(" ", "") == ("Trung tâm Phục vụ hành chính công " + "x" * 80).replace(" ", "")


# --- the PDF writer --------------------------------------------------------------------


def parse_pdf(data: bytes) -> dict:
    """Check the cross-reference table and return the page sizes and image streams."""
    assert data.startswith(b"%PDF-1.4\n") and data.endswith(b"%%EOF\n")
    xref_at = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", data).group(1))
    assert data[xref_at:].startswith(b"xref\n0 ")
    count = int(re.match(rb"xref\n0 (\d+)\n", data[xref_at:]).group(1))
    entries = re.findall(rb"(\d{10}) (\d{5}) ([nf]) \n", data[xref_at:])
    assert len(entries) == count
    for number, (offset, _gen, kind) in enumerate(entries):
        if kind == b"n":
            assert data[int(offset):].startswith(b"%d 0 obj\n" % number), number
    pages = [tuple(float(v) for v in m) for m in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)]
    images = []
    for m in re.finditer(rb"/Width (\d+) /Height (\d+) .*?/Length (\d+) >>\nstream\n", data):
        start = m.end()
        stream = data[start:start + int(m.group(3))]
        assert data[start + int(m.group(3)):].startswith(b"\nendstream")
        images.append((int(m.group(1)), int(m.group(2)), zlib.decompress(stream)))
    assert re.search(rb"/Type /Pages /Kids \[[^\]]*\] /Count %d" % len(pages), data)
    return {"pages": pages, "images": images}


def test_poster_pdf_is_one_a4_page_with_the_poster_image():
    url = "https://sipas.example.gov.vn/s/00004"
    parsed = parse_pdf(posters.poster_pdf("Phường Ba Đình", url, "a4"))
    assert len(parsed["pages"]) == 1
    width, height = parsed["pages"][0]
    assert abs(width - 595.3) < 0.5 and abs(height - 841.9) < 0.5  # A4 in points
    w, h, pixels = parsed["images"][0]
    assert pixels == posters.render_poster("Phường Ba Đình", url, "a4").tobytes()
    assert_encodes(Image.frombytes("L", (w, h), pixels), url)


def test_write_pdf_streams_many_pages():
    out = io.BytesIO()
    pages = (Image.new("L", (100, 50), 255 - i) for i in range(30))
    assert posters.write_pdf(pages, out, dpi=72) == 30
    parsed = parse_pdf(out.getvalue())
    assert parsed["pages"] == [(100.0, 50.0)] * 30
    assert [img[2][0] for img in parsed["images"]] == [255 - i for i in range(30)]


def test_letter_has_the_personal_link_and_its_number():
    url = "https://sipas.example.gov.vn/i/AbCdEfGhIjKlMnOpQrStUv"
    letter = posters.render_letter("Phường Ba Đình", "SIPAS 2026", url, 7)
    assert letter.size == (1240, 1754)
    assert_encodes(letter, url)


# --- the admin route ---------------------------------------------------------------------


def test_admin_downloads_posters_in_both_formats(app, client, db_session, demo, login_as):
    unit = find_unit(db_session, "00004")
    login_as("admin")
    province = client.get(f"/admin/units/{unit.parent.id}").get_data(as_text=True)
    assert f'<a href="/admin/units/{unit.id}">Phường Ba Đình</a> (00004)' in province  # how admins get there
    detail = client.get(f"/admin/units/{unit.id}").get_data(as_text=True)
    assert f"/admin/units/{unit.id}/poster.pdf?format=receipt" in detail
    png = client.get(f"/admin/units/{unit.id}/poster.png?format=a4")
    assert png.status_code == 200 and png.mimetype == "image/png"
    image = Image.open(io.BytesIO(png.data))
    assert image.size == (1240, 1754) and round(image.info["dpi"][0]) == 150
    assert_encodes(image, "http://localhost/s/00004")
    receipt = client.get(f"/admin/units/{unit.id}/poster.png?format=receipt")
    assert Image.open(io.BytesIO(receipt.data)).size == (639, 879)
    pdf = client.get(f"/admin/units/{unit.id}/poster.pdf?format=receipt")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="sipas-00004-receipt.pdf"'
    assert len(parse_pdf(pdf.data)["pages"]) == 1
    assert client.get(f"/admin/units/{unit.id}/poster.png?format=a3").status_code == 400
    assert client.get(f"/admin/units/{unit.id}/poster.gif").status_code == 404
    assert client.get("/admin/units/999999/poster.png").status_code == 404


def test_posters_use_the_public_base_url_when_configured(app, client, db_session, demo, login_as):
    app.config["PUBLIC_BASE_URL"] = "https://khaosat.hanoi.gov.vn/"
    unit = find_unit(db_session, "00004")
    login_as("admin")
    image = Image.open(io.BytesIO(client.get(f"/admin/units/{unit.id}/poster.png").data))
    assert_encodes(image, "https://khaosat.hanoi.gov.vn/s/00004")
    assert "https://khaosat.hanoi.gov.vn/s/00004" in client.get(f"/admin/units/{unit.id}").get_data(as_text=True)


def test_posters_are_for_admins(client, db_session, demo, login_as):
    unit = find_unit(db_session, "00004")
    assert client.get(f"/admin/units/{unit.id}/poster.png").status_code == 302
    login_as("quanly.badinh")
    assert client.get(f"/admin/units/{unit.id}/poster.png").status_code == 403
