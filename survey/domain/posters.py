"""Printed material with QR codes: counter posters, receipt slips and invitation letters.

Pages are drawn with Pillow in the DejaVu Sans font shipped under
``survey/static/fonts`` (it has every Vietnamese diacritic), and written as PNG
or as PDF. The PDF writer streams one page at a time, so a run of a thousand
letters never holds a thousand page images in memory.

The printed text is Vietnamese with a short English line on posters; it does
not follow the language of the admin page that prints it, because the reader
is the citizen at the counter, not the admin.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Literal

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
_SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)

PosterFormat = Literal["a4", "receipt"]
POSTER_FORMATS: tuple[str, ...] = ("a4", "receipt")

POSTER_CALL = "Quét mã QR để đánh giá sự hài lòng của bạn"
POSTER_ANONYMOUS = "Phiếu ẩn danh · chỉ mất vài phút"
POSTER_THANKS = "Ý kiến của bạn giúp chúng tôi phục vụ tốt hơn."
POSTER_ENGLISH = "Scan the QR code to rate our service (anonymous)"


@dataclass(frozen=True)
class PageSize:
    """A page in millimetres and the resolution it is drawn at."""

    width_mm: float
    height_mm: float
    dpi: int

    @property
    def pixels(self) -> tuple[int, int]:
        return (round(self.width_mm / 25.4 * self.dpi), round(self.height_mm / 25.4 * self.dpi))


A4 = PageSize(210, 297, 150)
# A slip for an 80 mm receipt printer (203 dpi is the usual thermal resolution).
RECEIPT = PageSize(80, 110, 203)


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans at ``size`` pixels: the shipped file, else a system copy, else Pillow's own."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for directory in (FONT_DIR, *_SYSTEM_FONT_DIRS):
        path = directory / name
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def qr_image(data: str, size: int) -> Image.Image:
    """A black-on-white QR code of ``data``, ``size`` pixels square (quiet zone included)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=4)
    code.add_data(data)
    code.make(fit=True)
    modules = code.get_matrix()
    n = len(modules)
    small = Image.new("L", (n, n), 255)
    small.putdata([0 if cell else 255 for row in modules for cell in row])
    scale = max(1, size // n)  # whole pixels per module keep the code sharp
    return small.resize((n * scale, n * scale), Image.Resampling.NEAREST)


def qr_png(data: str, size: int = 360) -> bytes:
    """A QR code as PNG bytes (for <img src="data:...">)."""
    buffer = io.BytesIO()
    qr_image(data, size).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def wrap(text: str, fnt, width: int) -> list[str]:
    """Lines of ``text`` no wider than ``width`` pixels (words longer than a line are cut)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if fnt.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while fnt.getlength(word) > width:  # a URL: cut it where it overflows
                cut = max(1, next(i for i in range(len(word), 0, -1) if fnt.getlength(word[:i]) <= width))
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


class Canvas:
    """A white page with a cursor that moves down as centred or left-aligned text is added."""

    def __init__(self, size: PageSize, margin_mm: float):
        self.size = size
        self.image = Image.new("L", size.pixels, 255)
        self.draw = ImageDraw.Draw(self.image)
        self.margin = self.mm(margin_mm)
        self.y = self.margin

    def mm(self, value: float) -> int:
        return round(value / 25.4 * self.size.dpi)

    @property
    def text_width(self) -> int:
        return self.image.width - 2 * self.margin

    def text(self, text: str, size_mm: float, *, bold: bool = False, centre: bool = True,
             gap_mm: float = 2.0, fill: int = 0) -> None:
        fnt = font(max(8, self.mm(size_mm)), bold)
        line_height = round(self.mm(size_mm) * 1.3)
        for line in wrap(text, fnt, self.text_width):
            x = (self.image.width - fnt.getlength(line)) / 2 if centre else self.margin
            self.draw.text((x, self.y), line, font=fnt, fill=fill)
            self.y += line_height
        self.y += self.mm(gap_mm)

    def qr(self, data: str, size_mm: float, gap_mm: float = 3.0) -> None:
        code = qr_image(data, self.mm(size_mm))
        self.image.paste(code, ((self.image.width - code.width) // 2, self.y))
        self.y += code.height + self.mm(gap_mm)

    def rule(self, gap_mm: float = 3.0) -> None:
        self.draw.line((self.margin, self.y, self.image.width - self.margin, self.y), fill=0,
                       width=max(1, self.mm(0.4)))
        self.y += self.mm(gap_mm)


def render_poster(unit_name: str, url: str, fmt: PosterFormat = "a4") -> Image.Image:
    """The poster (A4, for the counter) or slip (receipt printer) for a unit's public link."""
    if fmt == "a4":
        page = Canvas(A4, margin_mm=18)
        page.y += page.mm(8)
        page.text(unit_name, 11, bold=True, gap_mm=6)
        page.rule(gap_mm=8)
        page.text(POSTER_CALL, 9, bold=True, gap_mm=8)
        page.qr(url, 120, gap_mm=4)
        page.text(url, 4.5, gap_mm=10)
        page.text(POSTER_ANONYMOUS, 6, gap_mm=3)
        page.text(POSTER_THANKS, 6, gap_mm=10)
        page.text(POSTER_ENGLISH, 4.5, fill=90)
        return page.image
    if fmt == "receipt":
        page = Canvas(RECEIPT, margin_mm=4)
        page.text(unit_name, 4.2, bold=True, gap_mm=2)
        page.text(POSTER_CALL, 3.6, gap_mm=2)
        page.qr(url, 52, gap_mm=1)
        page.text(url, 2.6, gap_mm=2)
        page.text(POSTER_ANONYMOUS, 3.0, gap_mm=1)
        page.text(POSTER_ENGLISH, 2.6, fill=60)
        return page.image
    raise ValueError(f"unknown poster format {fmt!r}; use one of {', '.join(POSTER_FORMATS)}")


def poster_png(unit_name: str, url: str, fmt: PosterFormat = "a4") -> bytes:
    image = render_poster(unit_name, url, fmt)
    dpi = (A4 if fmt == "a4" else RECEIPT).dpi
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi), optimize=True)
    return buffer.getvalue()


def poster_pdf(unit_name: str, url: str, fmt: PosterFormat = "a4") -> bytes:
    size = A4 if fmt == "a4" else RECEIPT
    buffer = io.BytesIO()
    write_pdf([render_poster(unit_name, url, fmt)], buffer, size.dpi)
    return buffer.getvalue()


def write_pdf(pages: Iterable[Image.Image], out: BinaryIO, dpi: int) -> int:
    """Write greyscale page images as a PDF, one page per image, streaming; returns the page count.

    Each page is a Flate-compressed 8-bit grey image filling a page of the
    image's size at ``dpi``. Only object offsets are kept in memory.
    """
    start = out.tell()
    offsets: dict[int, int] = {}

    def obj(number: int, body: bytes, stream: bytes | None = None) -> None:
        offsets[number] = out.tell() - start
        out.write(b"%d 0 obj\n" % number + body)
        if stream is not None:
            out.write(b"\nstream\n" + stream + b"\nendstream")
        out.write(b"\nendobj\n")

    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    kids: list[int] = []
    next_number = 3  # 1: catalog, 2: page tree (written last, when the pages are known)
    for image in pages:
        grey = image if image.mode == "L" else image.convert("L")
        width_pt = grey.width * 72 / dpi
        height_pt = grey.height * 72 / dpi
        image_no, content_no, page_no = next_number, next_number + 1, next_number + 2
        next_number += 3
        data = zlib.compress(grey.tobytes(), 6)
        obj(image_no, b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>" % (grey.width, grey.height, len(data)), data)
        content = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (width_pt, height_pt)
        obj(content_no, b"<< /Length %d >>" % len(content), content)
        obj(page_no, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] "
            b"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>"
            % (width_pt, height_pt, image_no, content_no))
        kids.append(page_no)
    obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    obj(2, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)))
    xref_at = out.tell() - start
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % next_number)
    out.writelines(b"%010d 00000 n \n" % offsets[number] for number in range(1, next_number))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (next_number, xref_at))
    return len(kids)


LETTER_TITLE = "THƯ MỜI THAM GIA KHẢO SÁT"
LETTER_GREETING = "Kính gửi Ông/Bà,"
LETTER_BODY = (
    "{unit} trân trọng mời Ông/Bà tham gia khảo sát “{round}” về mức độ hài lòng đối với "
    "sự phục vụ của cơ quan hành chính nhà nước. Ý kiến của Ông/Bà giúp chúng tôi phục vụ "
    "người dân và doanh nghiệp tốt hơn."
)
LETTER_HOW = "Cách trả lời: quét mã QR bằng điện thoại, hoặc gõ đường dẫn dưới đây vào trình duyệt."
LETTER_PRIVACY = (
    "Phiếu khảo sát là ẩn danh: chúng tôi không lưu tên, số điện thoại hay địa chỉ của Ông/Bà, "
    "và câu trả lời không được gắn với thư mời này. Đường dẫn chỉ dùng được một lần; "
    "xin đừng chia sẻ cho người khác."
)
LETTER_CLOSING = "Trân trọng cảm ơn Ông/Bà!"


def render_letter(unit_name: str, round_name: str, url: str, number: int) -> Image.Image:
    """One A4 invitation letter (Vietnamese) with the personal link and its QR code."""
    page = Canvas(A4, margin_mm=22)
    page.text(unit_name, 5.5, bold=True, gap_mm=4)
    page.rule(gap_mm=8)
    page.text(LETTER_TITLE, 7, bold=True, gap_mm=8)
    page.text(LETTER_GREETING, 4.2, centre=False, gap_mm=3)
    page.text(LETTER_BODY.format(unit=unit_name, round=round_name), 4.2, centre=False, gap_mm=3)
    page.text(LETTER_HOW, 4.2, centre=False, gap_mm=8)
    page.qr(url, 70, gap_mm=3)
    page.text(url, 4.2, bold=True, gap_mm=10)
    page.text(LETTER_PRIVACY, 3.6, centre=False, gap_mm=6)
    page.text(LETTER_CLOSING, 4.2, centre=False, gap_mm=4)
    page.y = page.image.height - page.margin - page.mm(4)
    page.text(f"Thư số {number}", 3.2, centre=False, fill=90)
    return page.image
