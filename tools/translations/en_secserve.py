"""English for serving limits, private instance files and delayed comments (Vietnamese source text → English)."""

EN = {
    "Đường dẫn máy tính bảng và tài khoản mẫu: trong tệp %(path)s (chỉ chủ tệp đọc được).": "Demo tablet URLs and accounts: in the file %(path)s (readable by its owner only).",
}
