"""English for the clean-ups: the audit log's details in words (survey/web/admin/audit_details.py)
and the collapsible staff menu."""

EN = {
    # audit log details: labels of stored keys
    "Đơn vị trước": "Former units",
    "Đơn vị sau": "Successor units",
    "Chủ tài khoản": "Account holder",
    "Bản kết quả": "Release",
    "Thay cho bản": "Replaces release",
    "Công việc": "Job",
    "Khung mẫu": "Sample frame",
    "Mã API số": "API token no.",
    "Mã SHA-256 của tệp": "SHA-256 of the file",
    "Mã nội dung": "Content hash",
    "Số mục mới": "New entries",
    "Số mục cập nhật": "Updated entries",
    "Số liên kết": "Links",
    "Số phiếu trùng": "Duplicate forms",
    "Số phiếu có thông tin thiết kế mẫu": "Forms with sample design data",
    "Số lỗi": "Problems",
    "Định dạng": "Format",
    "Số thứ tự": "Number",
    "Tên cũ": "Former name",
    "Ngày hiệu lực": "Effective on",
    "Ngày bắt đầu": "Starts on",
    "Ngày kết thúc": "Ends on",
    # audit log details: values
    "%(value)s (đã xoá)": "%(value)s (deleted)",
}
