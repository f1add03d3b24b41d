"""English for the frozen release microdata and the reasons sheet of release exports (issue 13)."""

EN = {
    "Tên đơn vị": "Unit name",
    "Tên tỉnh, thành phố": "Province name",
    "Lý do đánh giá thấp": "Reasons for low ratings",
    "Bản sao dữ liệu gốc của kết quả #%(id)d bị hỏng (tổng kiểm SHA-256 không khớp).":
        "The microdata copy of release #%(id)d is damaged (the SHA-256 checksum does not match).",
    "Dữ liệu của đợt đã thay đổi sau khi tính kết quả #%(id)d (dấu vân tay khác): hãy tính lại trước khi công bố.":
        "The round's data changed after release #%(id)d was computed (different fingerprint): compute it again "
        "before publishing.",
    "Dữ liệu gốc (SAV, DTA) là bản sao lưu lúc công bố: sửa hay xóa phiếu về sau không làm thay đổi.":
        "The microdata (SAV, DTA) is the copy kept at publication: later corrections or deletions do not change it.",
    "Bản này được công bố trước khi hệ thống lưu bản sao dữ liệu gốc: dữ liệu gốc (SAV, DTA) được đọc lại từ các "
    "phiếu của đợt đến phiếu cuối cùng của bản, nên sẽ bị từ chối nếu phiếu đã được sửa hay xóa.":
        "This release was published before microdata copies were kept: its microdata (SAV, DTA) is read again from "
        "the round's responses up to the release's last one, and is refused if responses were corrected or deleted.",
}
