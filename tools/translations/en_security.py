"""English for the write paths' credentials and the error pages (Vietnamese source text → English)."""

EN = {
    # Submissions by unit code need a staff member's API token.
    "Phiếu gửi theo mã đơn vị cần mã truy cập API của cán bộ (Authorization: Bearer …); "
    "máy tính bảng tại quầy gửi kèm device_token.":
        "A response sent with a unit code needs a staff member's API token (Authorization: Bearer …); "
        "counter tablets send their device_token.",
    "Chỉ thống kê viên và quản trị viên được gửi phiếu theo mã đơn vị.":
        "Only statisticians and administrators may send responses by unit code.",
    "Phiếu kênh counter chỉ được gửi từ máy tính bảng đã đăng ký (device_token).":
        "Counter responses can only come from a registered tablet (device_token).",
    "Đơn vị %(code)s nằm ngoài phạm vi của tài khoản gửi phiếu.":
        "Unit %(code)s is outside the scope of the sending account.",
    # The error pages (and the messages of the API's JSON errors).
    "Yêu cầu không hợp lệ": "Bad request",
    "Máy chủ không hiểu yêu cầu này; vui lòng kiểm tra địa chỉ hoặc dữ liệu vừa gửi.":
        "The server could not understand this request; please check the address or the data you sent.",
    "Cần đăng nhập": "Login required",
    "Vui lòng đăng nhập để mở trang này.": "Please log in to open this page.",
    "Không có quyền truy cập": "Access denied",
    "Tài khoản của bạn không được phép mở trang này.": "Your account may not open this page.",
    "Không tìm thấy trang": "Page not found",
    "Địa chỉ này không có trên hệ thống; có thể đường dẫn bị sai hoặc trang đã bị xoá.":
        "There is nothing at this address; the link may be wrong or the page may have been removed.",
    "Thao tác không được hỗ trợ": "Method not allowed",
    "Địa chỉ này không nhận loại yêu cầu vừa gửi.": "This address does not accept this kind of request.",
    "Trang không còn nữa": "Gone",
    "Nội dung này đã hết hạn hoặc đã bị gỡ bỏ.": "This content has expired or has been withdrawn.",
    "Dữ liệu gửi lên quá lớn": "Request too large",
    "Tệp hoặc biểu mẫu vượt quá dung lượng cho phép.": "The file or form is larger than allowed.",
    "Quá nhiều yêu cầu": "Too many requests",
    "Có quá nhiều yêu cầu trong thời gian ngắn; vui lòng đợi một lát rồi thử lại.":
        "Too many requests in a short time; please wait a moment and try again.",
}
