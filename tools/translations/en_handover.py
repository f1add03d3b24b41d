"""English for files handed over: `sipas indices` tables, CSV dialects, export headers (issues 13 and 17)."""

EN = {
    "Kiểu CSV không hỗ trợ: %(dialect)s (chọn %(choices)s).": "Unsupported CSV dialect: %(dialect)s (choose %(choices)s).",
    "Miền ước lượng": "Domain",
    "Loại thống kê": "Statistic",
    "Mã phương án": "Answer code",
    "Phương pháp khoảng tin cậy": "Confidence interval method",
    "Miền A": "Domain A",
    "Miền B": "Domain B",
    "Chênh lệch A − B (điểm %)": "Difference A − B (percentage points)",
    "Cận dưới khoảng tin cậy (điểm %)": "Confidence interval, lower (percentage points)",
    "Cận trên khoảng tin cậy (điểm %)": "Confidence interval, upper (percentage points)",
    "So sánh": "Comparisons",
    "Mức tin cậy": "Confidence level",
    "Bậc tự do của cả thiết kế": "Degrees of freedom of the whole design",
    "Bậc tự do của khoảng tin cậy từng đơn vị: 'domain' = số PSU có phiếu của đơn vị trừ số tầng "
    "(như R, thận trọng với đơn vị ít PSU); 'design' = của cả thiết kế (như Stata subpop).":
        "Degrees of freedom of each unit's interval: 'domain' = PSUs holding the unit's responses minus strata "
        "(as R; conservative for units on few PSUs); 'design' = the whole design's (as Stata subpop).",
    "Áp dụng quy tắc PSU đơn lẻ cho tầng chỉ có một PSU trong đơn vị (như R survey.adjust.domain.lonely).":
        "Apply the lonely-PSU rule to strata with a single PSU inside a unit (as R survey.adjust.domain.lonely).",
    "Kiểu CSV: 'standard' (dấu phẩy, dấu chấm thập phân) hoặc 'excel-vn' (dấu chấm phẩy, dấu phẩy "
    "thập phân, như Excel tiếng Việt mở).":
        "CSV dialect: 'standard' (commas, decimal point) or 'excel-vn' (semicolons, decimal comma, "
        "as Vietnamese Excel opens it).",
    "Kỳ khảo sát": "Survey period",
    "Ngày tính": "Computed on",
    "%(option)s '%(entry)s': dùng COL[,COL]=FILE.csv": "%(option)s '%(entry)s': use COL[,COL]=FILE.csv",
    "%(option)s '%(entry)s': tệp %(path)s cần các cột %(columns)s và cột total":
        "%(option)s '%(entry)s': file %(path)s needs the columns %(columns)s and a total column",
    "%(option)s: tệp %(path)s, dòng %(line)d: tổng không hợp lệ (cần một số không âm)":
        "%(option)s: file %(path)s, line %(line)d: invalid total (a number of at least 0 is needed)",
    "Hậu phân tầng theo số lượng tổng thể trong FILE: COL[,COL]=FILE.csv (cột total).":
        "Post-stratify to the population counts in FILE: COL[,COL]=FILE.csv (a total column).",
    "Cân chỉnh (raking) theo một biên, có thể là biên chéo: COL[,COL]=FILE.csv (cột total), "
    "lặp lại cho nhiều biên; phương sai như calibrate() của R.":
        "Rake to a margin, crossed if several columns: COL[,COL]=FILE.csv (a total column), repeatable "
        "for several margins; variance as R's calibrate().",
}
