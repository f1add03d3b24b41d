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
