"""English for the statistics commands' refusals of bad input files (sipas indices, estimate, plan, sae, compare)."""

EN = {
    "%(path)s là một thư mục, không phải tệp dữ liệu.": "%(path)s is a folder, not a data file.",
    "--out %(path)s là một thư mục; cần tên tệp kết quả.": "--out %(path)s is a folder; give the name of the output file.",
    "--out %(path)s: thư mục %(folder)s không tồn tại.": "--out %(path)s: the folder %(folder)s does not exist.",
    "mở bằng Excel và lưu lại dạng 'CSV UTF-8 (phân cách bằng dấu phẩy)'":
        "open it in Excel and save it again as 'CSV UTF-8 (Comma delimited)'",
    "Tệp %(path)s trống (không có dòng tiêu đề).": "The file %(path)s is empty (no header line).",
    "Tệp %(path)s có đuôi %(suffix)s nhưng không phải tệp Excel (XLSX); nếu là CSV, hãy đổi đuôi thành .csv.":
        "The file %(path)s is named %(suffix)s but is not an Excel (XLSX) file; if it is a CSV, rename it to .csv.",
    "Tệp %(path)s là tệp Excel (XLSX) nhưng có đuôi '%(suffix)s'; hãy đổi đuôi thành .xlsx hoặc %(advice)s.":
        "The file %(path)s is an Excel (XLSX) file named '%(suffix)s'; rename it to .xlsx or %(advice)s.",
    "Tệp %(path)s được lưu bằng mã UTF-16 ('Unicode Text'); hãy %(advice)s.":
        "The file %(path)s is saved in UTF-16 ('Unicode Text'); %(advice)s.",
    "Tệp %(path)s không phải tệp văn bản CSV (có byte nhị phân).":
        "The file %(path)s is not a CSV text file (it holds binary bytes).",
    "Tệp %(path)s là tệp JSON; lệnh này cần bảng CSV hoặc XLSX.":
        "The file %(path)s is a JSON file; this command needs a CSV or XLSX table.",
    "Tệp %(path)s, dòng %(line)d: không đọc được tệp vì không phải mã UTF-8 (có thể là Windows-1258/ANSI); "
    "hãy %(advice)s.":
        "File %(path)s, line %(line)d: cannot read the file, it is not UTF-8 (perhaps Windows-1258/ANSI); "
        "%(advice)s.",
    "Tệp %(path)s, dòng %(line)d: có %(count)d trường nhưng dòng tiêu đề có %(expected)d "
    "(thiếu hoặc thừa dấu '%(separator)s', hoặc dấu ngoặc kép chưa đóng).":
        "File %(path)s, line %(line)d: %(count)d fields but the header has %(expected)d "
        "(a missing or extra '%(separator)s', or an unclosed quote).",
    "Tệp %(path)s: tầng %(stratum)s chỉ có một PSU nên không ước lượng được phương sai; "
    "dùng --lonely-psu remove, certainty, adjust hoặc average.":
        "File %(path)s: stratum %(stratum)s has a single PSU, so its variance cannot be estimated; "
        "use --lonely-psu remove, certainty, adjust or average.",
    "Tệp %(path)s: PSU %(stratum)s chỉ có một đơn vị mẫu cấp 2 nên không ước lượng được phương sai; "
    "dùng --lonely-psu remove, certainty, adjust hoặc average.":
        "File %(path)s: PSU %(stratum)s has a single secondary sampling unit, so its variance cannot be "
        "estimated; use --lonely-psu remove, certainty, adjust or average.",
    "Tệp %(path)s: không tính được (%(error)s).": "File %(path)s: cannot compute (%(error)s).",
    "Tệp %(path)s, dòng %(line)d, cột %(column)s: '%(value)s' không phải là một số hữu hạn.":
        "File %(path)s, line %(line)d, column %(column)s: '%(value)s' is not a finite number.",
    "Tệp %(path)s, dòng %(line)d, cột %(column)s: trọng số để trống (cần một số lớn hơn 0 ở mọi dòng).":
        "File %(path)s, line %(line)d, column %(column)s: the weight is blank (every row needs a number above 0).",
    "Tệp %(path)s, dòng %(line)d, cột %(column)s: trọng số '%(value)s' không hợp lệ "
    "(cần một số lớn hơn 0 ở mọi dòng).":
        "File %(path)s, line %(line)d, column %(column)s: invalid weight '%(value)s' "
        "(every row needs a number above 0).",
    "--compare: tệp %(path)s không có dòng nào có cột %(column)s = '%(value)s' (miền trống).":
        "--compare: the file %(path)s has no row with %(column)s = '%(value)s' (an empty domain).",
    "Tệp %(path)s, dòng %(line)s, cột '%(column)s': '%(value)s' không phải là số hữu hạn.":
        "File %(path)s, line %(line)s, column '%(column)s': '%(value)s' is not a finite number.",
}
