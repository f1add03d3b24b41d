"""English for serving limits, private instance files and delayed comments (Vietnamese source text → English)."""

EN = {
    "Đường dẫn máy tính bảng và tài khoản mẫu: trong tệp %(path)s (chỉ chủ tệp đọc được).": "Demo tablet URLs and accounts: in the file %(path)s (readable by its owner only).",
    "Để không ai đoán được người viết, một ý kiến chỉ hiện sau ít nhất %(hours)s giờ và sau khi đơn vị nhận thêm ít nhất %(k)d phiếu khác; ý kiến trong cùng một ngày không xếp theo giờ.": "So that no one can tell who wrote it, a comment appears only after at least %(hours)s hours and once the unit has received at least %(k)d other responses; comments of the same day are not in order of time.",
}
