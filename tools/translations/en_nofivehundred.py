"""English for the refusals of bad input found by the sweep (tests/web/test_bad_input_sweep.py)."""

EN = {
    "Dữ liệu gửi lên có ký tự NUL (mã 0) không hợp lệ; hãy xoá ký tự đó rồi gửi lại.":
        "The data sent contains a NUL character (code 0), which is not allowed; remove it and send again.",
    "Tệp bắt đầu như UTF-16 nhưng bị hỏng hoặc bị cắt (byte lạ ở khoảng byte %(offset)s). "
    "Hãy lưu lại thành \"CSV UTF-8\".":
        "The file starts as UTF-16 but is damaged or cut short (an odd byte near byte %(offset)s). "
        "Save it again as \"CSV UTF-8\".",
}
