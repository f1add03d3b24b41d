"""English for serving and unexpected errors: `sipas serve`, the 500 page and JSON (Vietnamese source → English)."""

EN = {
    "Lỗi máy chủ; yêu cầu chưa được thực hiện, vui lòng thử lại sau.": "Server error; the request was not carried out, please try again later.",
    "Lỗi máy chủ": "Server error",
    "Đã xảy ra lỗi ngoài dự kiến; thao tác của bạn chưa được thực hiện. Vui lòng thử lại sau.": "An unexpected error occurred; what you did was not carried out. Please try again later.",
    "Nếu lỗi lặp lại, hãy báo cho quản trị viên mã yêu cầu sau:": "If it happens again, give the administrator this request id:",
}
