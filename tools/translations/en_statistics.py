"""English for the statistics commands without the app: sipas plan, sipas sae, sipas compare."""

EN = {
    # the per-stratum and per-area tables (survey/cli/tables.py)
    "Đã ghi %(path)s.": "Wrote %(path)s.",
    "Không tìm thấy tệp %(path)s.": "File %(path)s not found.",
    "Tệp %(path)s không có dòng dữ liệu nào.": "File %(path)s has no data rows.",
    "Không đọc được tệp %(path)s (cần CSV UTF-8 hoặc XLSX): %(error)s":
        "Cannot read file %(path)s (a UTF-8 CSV or an XLSX is needed): %(error)s",
    "Tệp %(path)s thiếu cột '%(column)s' (các cột có: %(columns)s).":
        "File %(path)s has no column '%(column)s' (its columns: %(columns)s).",
    "Tệp %(path)s, dòng %(line)s, cột '%(column)s': '%(value)s' không phải là số.":
        "File %(path)s, line %(line)s, column '%(column)s': '%(value)s' is not a number.",
    "Tệp %(path)s, dòng %(line)s, cột '%(column)s': %(value)s nhỏ hơn %(minimum)s.":
        "File %(path)s, line %(line)s, column '%(column)s': %(value)s is below %(minimum)s.",
    "Tệp %(path)s, dòng %(line)s: cột '%(column)s' trống.": "File %(path)s, line %(line)s: column '%(column)s' is empty.",
    "Tệp %(path)s: '%(label)s' lặp lại ở dòng %(first)s và %(line)s (cột '%(column)s').":
        "File %(path)s: '%(label)s' appears twice, on lines %(first)s and %(line)s (column '%(column)s').",
    "Không ghi được tệp %(path)s: %(error)s": "Cannot write file %(path)s: %(error)s",
    "Mức tin cậy.": "Confidence level.",
    "KTC từ": "CI from",
    "KTC đến": "CI to",
    "SE": "SE",
    # sipas plan
    "Lập kế hoạch mẫu từ tệp theo tầng của năm trước: cỡ mẫu, phân bổ cho các tầng (tỷ lệ hoặc Neyman) "
    "và độ rộng khoảng tin cậy dự kiến theo hiệu ứng thiết kế năm trước.":
        "Plan a sample from last year's per-stratum file: sample size, allocation to strata (proportional "
        "or Neyman) and expected confidence interval widths from last year's design effects.",
    "Sai số biên mục tiêu của cả nước, điểm phần trăm (vd 2 = ±2 điểm).":
        "Target national margin of error, in percentage points (e.g. 2 = ±2 points).",
    "Tổng số phiếu hoàn thành cho sẵn (thay cho --moe).": "Given total of completed questionnaires (instead of --moe).",
    "Cách phân bổ: tỷ lệ theo quy mô, Neyman (theo độ phân tán năm trước) hoặc đều.":
        "Allocation: proportional to size, Neyman (by last year's spread) or equal.",
    "Số phiếu tối thiểu mỗi tầng.": "Minimum questionnaires per stratum.",
    "Tỷ lệ trả lời dự kiến (số phiếu phát = n / tỷ lệ).": "Expected response rate (questionnaires to issue = n / rate).",
    "Cột tên tầng.": "Column of the stratum name.",
    "Cột quy mô tổng thể của tầng.": "Column of the stratum's population size.",
    "Cột chỉ số năm trước (0–100); không có cột thì dùng 80.":
        "Column of last year's index (0–100); without it 80 is used.",
    "Cột hiệu ứng thiết kế năm trước; không có cột thì dùng 1.":
        "Column of last year's design effect; without it 1 is used.",
    "Cần đúng một trong --moe (sai số mục tiêu) hoặc --n (cỡ mẫu cho sẵn).":
        "Give exactly one of --moe (target margin of error) or --n (given sample size).",
    "phải nằm giữa 0 và 100 điểm phần trăm.": "must lie between 0 and 100 percentage points.",
    "phải lớn hơn 0 và không quá 1.": "must be above 0 and at most 1.",
    "Tệp %(path)s, dòng %(line)s: quy mô tổng thể phải là số nguyên.":
        "File %(path)s, line %(line)s: the population size must be a whole number.",
    "Tệp %(path)s, dòng %(line)s: hiệu ứng thiết kế phải lớn hơn 0.":
        "File %(path)s, line %(line)s: the design effect must be above 0.",
    "Tệp %(path)s, dòng %(line)s, cột '%(column)s': chỉ số phải nằm trong 0–100.":
        "File %(path)s, line %(line)s, column '%(column)s': the index must lie within 0–100.",
    "Không lập được kế hoạch: %(error)s": "Cannot make the plan: %(error)s",
    "Tổng %(n)s phiếu hoàn thành (%(issued)s phiếu phát), phân bổ %(method)s cho %(strata)s tầng; "
    "sai số biên dự kiến của cả nước ±%(moe)s điểm ở mức tin cậy %(level)s%%.":
        "%(n)s completed questionnaires in all (%(issued)s to issue), %(method)s allocation to %(strata)s strata; "
        "expected national margin of error ±%(moe)s points at %(level)s%% confidence.",
    "tỷ lệ theo quy mô": "proportional",
    "Neyman": "Neyman",
    "đều": "equal",
    "Tầng": "Stratum",
    "Quy mô": "Population",
    "Chỉ số năm trước": "Last year's index",
    "Deff năm trước": "Last year's deff",
    "Số phiếu cần": "Completed needed",
    "Số phiếu phát": "To issue",
    "Sai số biên (±điểm)": "Margin of error (±points)",
    "KTC dự kiến từ": "Expected CI from",
    "KTC dự kiến đến": "Expected CI to",
    # sipas sae
    "Ước lượng cho địa bàn nhỏ (Fay–Herriot) từ tệp ước lượng trực tiếp theo địa bàn; địa bàn có "
    "0 hoặc 1 PSU dùng phương sai làm trơn, địa bàn không có mẫu dùng ước lượng hồi quy.":
        "Small-area estimates (Fay–Herriot) from a file of direct estimates per area; areas with "
        "0 or 1 PSU use a smoothed variance, areas without a sample the regression estimate.",
    "Cột tên địa bàn.": "Column of the area name.",
    "Cột ước lượng trực tiếp (trống: không có mẫu).": "Column of the direct estimate (empty: no sample).",
    "Cột sai số chuẩn trực tiếp.": "Column of the direct standard error.",
    "Cột số người trả lời.": "Column of the number of respondents.",
    "Cột số PSU có mẫu trong địa bàn.": "Column of the number of sampled PSUs in the area.",
    "Cột biến phụ trợ biết cho mọi địa bàn (lặp lại được).": "Column of a covariate known for every area (repeatable).",
    "Cách ước lượng phương sai mô hình.": "Estimator of the model variance.",
    "Thang của ước lượng: chỉ số 0–100 hoặc điểm trung bình (cho việc làm trơn phương sai).":
        "Scale of the estimates: a 0–100 index or a mean score (for the variance smoothing).",
    "Không ước lượng được (tệp %(path)s): %(error)s": "Cannot estimate (file %(path)s): %(error)s",
    "Fay–Herriot (%(method)s): %(areas)s địa bàn, %(smoothed)s dùng phương sai làm trơn (0–1 PSU), "
    "%(unsampled)s không có mẫu; phương sai mô hình %(sigma2)s; khoảng tin cậy %(level)s%%.":
        "Fay–Herriot (%(method)s): %(areas)s areas, %(smoothed)s with a smoothed variance (0–1 PSU), "
        "%(unsampled)s without a sample; model variance %(sigma2)s; %(level)s%% confidence intervals.",
    "trực tiếp": "direct",
    "làm trơn": "smoothed",
    "không có mẫu": "no sample",
    "EBLUP": "EBLUP",
    "hồi quy": "regression",
    "Địa bàn": "Area",
    "Số PSU": "PSUs",
    "Ước lượng trực tiếp": "Direct estimate",
    "SE trực tiếp": "Direct SE",
    "Phương sai dùng": "Variance used",
    "Ước lượng địa bàn nhỏ": "Small-area estimate",
    "RMSE": "RMSE",
    "Trọng số trực tiếp": "Weight of the direct estimate",
    "Loại ước lượng": "Kind of estimate",
    # sipas compare
    "So sánh hai đợt khảo sát từ hai tệp kết quả của 'sipas indices --format csv': thay đổi của từng chỉ số, "
    "khoảng tin cậy và giá trị p (hai mẫu độc lập).":
        "Compare two survey rounds from two result files of 'sipas indices --format csv': the change of each "
        "index, its confidence interval and p-value (independent samples).",
    "Tên hai đợt, cách nhau bằng dấu phẩy.": "Names of the two rounds, separated by a comma.",
    "cần hai tên khác nhau, vd 2026,2025.": "needs two different names, e.g. 2026,2025.",
    "Hai tệp %(now)s và %(before)s không có chỉ số chung nào (cùng chỉ số, cấp và miền) để so sánh.":
        "The files %(now)s and %(before)s have no index in common (same index, level and domain) to compare.",
    "Tệp %(path)s, dòng %(line)s: chỉ số %(index)s (%(domain)s) lặp lại.":
        "File %(path)s, line %(line)s: index %(index)s (%(domain)s) appears twice.",
    "cả mẫu": "whole sample",
    "Không so sánh được: %(error)s": "Cannot compare: %(error)s",
    "%(now)s so với %(before)s: %(count)s chỉ số so sánh được, %(significant)s thay đổi có ý nghĩa ở mức "
    "%(level)s%%; %(dropped)s bản ghi chỉ có ở một đợt hoặc không ước lượng được (SE 0 hoặc trống) nên bỏ qua.":
        "%(now)s against %(before)s: %(count)s indices compared, %(significant)s significant changes at "
        "%(level)s%%; %(dropped)s records only in one round or not estimable (SE 0 or empty) left out.",
    "Chỉ số": "Index",
    "Cấp": "Level",
    "Miền": "Domain",
    "Chênh lệch": "Difference",
    "Giá trị p": "p-value",
    "Bậc tự do": "df",
    "Có ý nghĩa": "Significant",
    "có": "yes",
    "không": "no",
}
