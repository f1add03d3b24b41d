"""English for the bounds of uploaded XLSX files (Vietnamese source text → English)."""

EN = {
    "Tệp Excel %(file)s giải nén ra quá lớn: phần %(part)s là %(size)s MB, tối đa %(max)s MB. "
    "Hãy lưu lại tệp bằng Excel hoặc chia thành nhiều tệp.":
        "The Excel file %(file)s unpacks too large: its part %(part)s is %(size)s MB, at most %(max)s MB. "
        "Save the file again in Excel or split it into several files.",
    "Tệp Excel %(file)s bị nén bất thường: phần %(part)s giải nén lớn gấp %(ratio)s lần, tối đa %(max)s lần. "
    "Hãy lưu lại tệp bằng Excel.":
        "The Excel file %(file)s is compressed abnormally: its part %(part)s unpacks %(ratio)s times larger, "
        "at most %(max)s times. Save the file again in Excel.",
    "Tệp Excel %(file)s có hơn %(max)s ô (kể cả ô trống đến cột cuối của mỗi dòng; vượt ở dòng %(line)s). "
    "Hãy xoá các cột thừa hoặc chia thành nhiều tệp.":
        "The Excel file %(file)s has more than %(max)s cells (counting empty cells up to the last column of each "
        "row; exceeded at row %(line)s). Delete the extra columns or split it into several files.",
    "Tệp Excel %(file)s có khai báo DTD hay thực thể XML (%(part)s), không được phép vì lý do an toàn. "
    "Hãy lưu lại tệp bằng Excel.":
        "The Excel file %(file)s declares a DTD or XML entities (%(part)s), which is not allowed for safety. "
        "Save the file again in Excel.",
}
