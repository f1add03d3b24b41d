"""English for the statistics conventions: release settings of domain df and domain lonely PSUs (issue 17)."""

EN = {
    "Cách tính bậc tự do của miền không hợp lệ: %(value)s (chọn %(choices)s).":
        "Invalid domain degrees of freedom convention: %(value)s (choose %(choices)s).",
}
