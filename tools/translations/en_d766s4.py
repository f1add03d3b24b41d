"""English for the rest of Decision 766: desks (MaQuay), retention of dossier rows, the printable slip."""

EN = {
    # sipas dossiers purge
    "Xóa hồ sơ (cùng sự kiện, đánh giá của hồ sơ), phản ánh, kiến nghị và nhật ký truy cập cũ hơn thời hạn lưu giữ (SIPAS_DOSSIER_RETENTION_DAYS), tính theo ngày gần nhất của hồ sơ; ghi một dòng nhật ký kiểm toán.": "Delete dossiers (with their events and rating), feedback and petitions, and access-log rows older than the retention period (SIPAS_DOSSIER_RETENTION_DAYS), by each dossier's latest date; writes one audit-log line.",
    "Đã xóa dữ liệu cũ hơn %(days)d ngày (trước %(limit)s): %(dossiers)d hồ sơ, %(events)d sự kiện, %(ratings)d đánh giá hồ sơ, %(complaints)d phản ánh, kiến nghị, %(log)d dòng nhật ký truy cập.": "Deleted data older than %(days)d days (before %(limit)s): %(dossiers)d dossiers, %(events)d events, %(ratings)d dossier ratings, %(complaints)d feedback items and petitions, %(log)d access-log rows.",
    # the return desk's kiosk
    "Mã quầy dài quá %(max)d ký tự.": "The desk code is longer than %(max)d characters.",
    "Mã quầy có ký tự không in được.": "The desk code has a character that cannot be printed.",
    "Quầy trả kết quả": "Return desk",
    "(không bắt buộc; được nhớ cho các hồ sơ sau)": "(optional; remembered for the next dossiers)",
    # the slip
    "In phiếu này (khổ A6 hoặc A5): dùng lệnh In của trình duyệt (Ctrl+P); chỉ phiếu được in.": "To print this slip (A6 or A5), use the browser's Print command (Ctrl+P); only the slip is printed.",
    # the dashboard
    "đã xóa theo thời hạn lưu giữ": "deleted after the retention period",
    "Mỗi cột là một tháng, tính đến tháng đã chọn; số trên cột là điểm; dấu — là tháng không áp dụng (không có hồ sơ và phản ánh, kiến nghị) hoặc tháng mà dữ liệu hồ sơ đã bị xóa theo thời hạn lưu giữ. Bảng số liệu ở ngay dưới biểu đồ.": "Each bar is a month, up to the chosen month; the number on a bar is its points; — marks a month that is not applicable (no dossiers, feedback or petitions) or whose dossier data was deleted after the retention period. The data table is right below the chart.",
    "Dữ liệu hồ sơ trước %(day)s đã bị xóa theo thời hạn lưu giữ: điểm của tháng %(month)s không thể tính lại; số dưới đây chỉ gồm các hồ sơ còn lưu.": "Dossier data before %(day)s was deleted after the retention period: the score of %(month)s cannot be recomputed; the numbers below count only the dossiers still stored.",
    "Quầy (MaQuay)": "Desk (MaQuay)",
    "Quầy (mã quầy, đơn vị)": "Desk (desk code, unit)",
    "Theo quầy tiếp nhận hoặc trả kết quả, nhiều nhất trước": "By receiving or return desk, most first",
    "Quầy: trường MaQuay do hệ thống một cửa gửi, hoặc quầy trả kết quả nơi cán bộ mở phiếu đánh giá. Mọi quầy đều được liệt kê, kể cả quầy có ít hồ sơ: số hồ sơ quá hạn hay có phản ánh là dữ kiện xử lý, không phải ý kiến của người dân; chỉ cột «Không hài lòng» ẩn số nhỏ. Mã quầy có thể chỉ ra một cán bộ nên chỉ người quản lý đơn vị đó thấy.": "Desk: the MaQuay field sent by the one-stop-shop system, or the return desk where the officer opened the rating form. Every desk is listed, even one with few dossiers: overdue dossiers and complaints are facts of handling, not citizens' opinions; only the “Not satisfied” column hides small numbers. A desk code can point to one officer, so only the managers of its unit see it.",
    "Tải bảng theo quầy, mọi quầy (%(format)s)": "Download the table by desk, every desk (%(format)s)",
    "Hiện %(shown)s trong %(n)s hàng, nhiều hồ sơ bị trừ điểm nhất trước.": "Showing %(shown)s of %(n)s rows, those with most dossiers that cost points first.",
}
