"""English for serving and unexpected errors: `sipas serve`, the 500 page and JSON (Vietnamese source → English)."""

EN = {
    "Lỗi máy chủ; yêu cầu chưa được thực hiện, vui lòng thử lại sau.": "Server error; the request was not carried out, please try again later.",
    "Lỗi máy chủ": "Server error",
    "Đã xảy ra lỗi ngoài dự kiến; thao tác của bạn chưa được thực hiện. Vui lòng thử lại sau.": "An unexpected error occurred; what you did was not carried out. Please try again later.",
    "Nếu lỗi lặp lại, hãy báo cho quản trị viên mã yêu cầu sau:": "If it happens again, give the administrator this request id:",
    "SERVE_WORKER không hợp lệ: %(worker)s; chọn một trong: %(choices)s.": "Invalid SERVE_WORKER: %(worker)s; choose one of: %(choices)s.",
    "gunicorn %(version)s nằm ngoài phạm vi đã kiểm thử của worker connection-threads (%(supported)s); dùng worker gthread của gunicorn.": "gunicorn %(version)s is outside the range the connection-threads worker was tested with (%(supported)s); using gunicorn's gthread worker.",
    "Loại worker của gunicorn (mặc định: thiết lập SERVE_WORKER, connection-threads).": "gunicorn's worker type (default: the SERVE_WORKER setting, connection-threads).",
}
