"""English for the counter kiosk, the online form's enhancements and `sipas devices`.

Vietnamese source text → English; merged into the catalog by tools/update_translations.py.
"""

EN = {
    # kiosk app (survey/kiosk/client.py)
    "Tiếp tục": "Continue",
    "Quay lại": "Back",
    "Tôi vẫn đang trả lời": "I am still answering",
    "Chờ gửi: %(n)s": "Waiting to send: %(n)s",
    "Mất kết nối: đánh giá được lưu trên máy và sẽ tự gửi khi có mạng.":
        "No connection: ratings are kept on this tablet and sent when the network returns.",
    # sipas devices (survey/commands/devices.py)
    "Máy tính bảng tại quầy: đăng ký và theo dõi liên lạc.": "Counter tablets: registration and last contact.",
    "Cần địa chỉ công khai của SIPAS: dùng --base-url hoặc đặt SIPAS_PUBLIC_BASE_URL.":
        "SIPAS's public address is needed: use --base-url or set SIPAS_PUBLIC_BASE_URL.",
    "Địa chỉ %(url)s phải bắt đầu bằng https:// hoặc http://.": "The address %(url)s must start with https:// or http://.",
    "Đăng ký một máy tính bảng cho một quầy; in địa chỉ kiosk và ghi mã QR.":
        "Register a counter tablet; print its kiosk address and write a QR code of it.",
    "Mã đơn vị.": "Unit code.",
    "Tên quầy, ví dụ \"Quầy 1\".": "Counter label, e.g. \"Quầy 1\".",
    "Tệp PNG mã QR (mặc định: kiosk-<đơn vị>-<số máy>.png).": "QR code PNG file (default: kiosk-<unit>-<device number>.png).",
    "Địa chỉ công khai của SIPAS, ví dụ https://sipas.example.gov.vn.": "SIPAS's public address, e.g. https://sipas.example.gov.vn.",
    "Tên quầy phải có từ 1 đến 64 ký tự.": "The counter label must have 1 to 64 characters.",
    "Không có đơn vị mã %(code)s đang hoạt động.": "There is no current unit with code %(code)s.",
    "Đã đăng ký máy số %(id)s: %(unit)s · %(counter)s.": "Registered tablet number %(id)s: %(unit)s · %(counter)s.",
    "Địa chỉ kiosk (chỉ hiện một lần; mở địa chỉ này trên máy tính bảng):":
        "Kiosk address (shown only once; open it on the tablet):",
    "Mã QR: %(path)s": "QR code: %(path)s",
    "chưa bao giờ": "never",
    "Liệt kê máy tính bảng, lần liên lạc gần nhất và máy im lặng.": "List the tablets, their last contact and the silent ones.",
    "Máy không liên lạc quá số giờ này bị đánh dấu im lặng.": "Tablets without contact for longer than this many hours are flagged silent.",
    "Chưa có máy tính bảng nào.": "No tablets are registered yet.",
    "Số": "No.",
    "Đơn vị": "Unit",
    "Quầy": "Counter",
    "Liên lạc gần nhất": "Last contact",
    "Tình trạng": "Status",
    "đã tắt": "switched off",
    "IM LẶNG": "SILENT",
    "hoạt động": "active",
    "%(n)d máy không liên lạc trong %(hours)d giờ qua.": "%(n)d tablets made no contact in the last %(hours)d hours.",
}
