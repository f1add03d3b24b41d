"""English for the published statistics: calibrated variance and "not estimable" domains (issue 13)."""

EN = {
    "Không ước lượng được / không tin cậy": "Not estimable / unreliable",
    "không ước lượng được / không tin cậy (df ≤ 1 hoặc SE bằng 0), không xếp hạng":
        "not estimable / unreliable (df ≤ 1 or SE 0), not ranked",
    "Ước lượng của đơn vị này không tin cậy: quá ít cụm mẫu (bậc tự do ≤ 1) hoặc sai số chuẩn bằng 0. "
    "Khoảng tin cậy không có ý nghĩa và đơn vị không được xếp hạng hay so sánh.":
        "This unit's estimate is unreliable: too few sampled clusters (df ≤ 1) or a standard error of 0. "
        "Its confidence interval means nothing, and the unit is neither ranked nor compared.",
    "Độ tin cậy của ước lượng": "Reliability of the estimate",
    "Ước lượng được": "Estimable",
}
