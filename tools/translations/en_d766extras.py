"""English for `sipas dossiers recount`, the recount job, and the extra criteria of a province's rating form."""

EN = {
    "Không xếp được việc đếm lại các tháng đã qua: %(error)s":
        "Could not enqueue the recount of past months: %(error)s",
    "Đếm lại và lưu số liệu các tháng đã qua bị cũ (sau khi nâng cấp, sau khi xóa dữ liệu cũ hay nhập hàng loạt), "
    "để lần xem bảng điều khiển Quyết định 766 tiếp theo không phải đếm lại.":
        "Count again and store the stale figures of past months (after an upgrade, a purge or a bulk import), so "
        "that the next view of the Decision 766 dashboard need not count them.",
    "Chỉ N tháng đã qua gần nhất (mặc định: 12 tháng của biểu đồ xu hướng và mọi tháng cũ hơn có số liệu bị cũ).":
        "Only the last N past months (default: the 12 months of the trend and every older month with stale "
        "figures).",
    "Đã đếm lại %(units)d tháng của đơn vị (trong %(months)d tháng).":
        "Counted %(units)d unit-months again (in %(months)d months).",
}
EN.update({
    "Bảng “%(value)s” không có; hãy chọn units, desks hoặc circular01.":
        "There is no table “%(value)s”; choose units, desks or circular01.",
    "không tính vào tổng %(max)d điểm": "not in the total of %(max)d",
    "%(criterion)s: điểm trung bình (%(outside)s)": "%(criterion)s: mean points (%(outside)s)",
    "%(criterion)s: %(level)s (%%) (%(outside)s)": "%(criterion)s: %(level)s (%%) (%(outside)s)",
    "Điểm TB": "Mean points",
    "Dưới %(k)d câu trả lời": "Fewer than %(k)d answers",
    "Các tiêu chí riêng của tỉnh (cột cuối) không tính vào tổng %(max)d điểm và không vào xếp loại: điểm trung bình "
    "0–2 trên các lượt đã trả lời tiêu chí, tỷ lệ mỗi mức (2 điểm: %(best)s, 1 điểm: %(middle)s, 0 điểm: "
    "%(worst)s); tiêu chí có dưới %(k)d câu trả lời không hiển thị.":
        "The province's own criteria (last columns) are not in the total of %(max)d nor in the band: mean points "
        "0–2 over the ratings that answered the criterion, share of each level (2 points: %(best)s, 1 point: "
        "%(middle)s, 0 points: %(worst)s); a criterion with fewer than %(k)d answers is not shown.",
    "Tải báo cáo Thông tư 01 (%(format)s)": "Download the Circular 01 report (%(format)s)",
})
