"""English for lenient paper import and its template file (Vietnamese source text → English)."""

EN = {
    # where a problem is
    "Ô %(cell)s": "Cell %(cell)s",
    "Dòng %(row)s": "Row %(row)s",
    "Cột %(column)s": "Column %(column)s",
    # messages
    "Tệp không có cột cho câu hỏi %(item)s, câu bắt buộc trên phiếu giấy.":
        "The file has no column for item %(item)s, which is required on paper.",
    "«%(value)s» không phải phương án của câu %(item)s; chọn %(options)s.":
        "«%(value)s» is not an option of item %(item)s; choose %(options)s.",
    "Câu %(item)s không có phương án «Không trải nghiệm» (9), nên «%(value)s» không được nhận; "
    "chọn %(options)s, hoặc để trống.":
        "Item %(item)s has no «not experienced» (9) option, so «%(value)s» is not accepted; "
        "choose %(options)s, or leave the cell blank.",
    "Thiếu câu trả lời cho câu %(item)s, câu bắt buộc trên phiếu giấy.":
        "Item %(item)s has no answer; it is required on paper.",
    "Phiếu trống: dòng có mã đơn vị nhưng không có câu trả lời nào.":
        "Empty form: the row has a unit code but no answer at all.",
    "Phiếu trống: không có câu trả lời nào.": "Empty form: there is no answer at all.",
    'Lưu ý: cột %(column)s ("%(header)s") được ghép theo tiêu đề với câu %(item)s, thang %(options)s, '
    "nhưng cột có giá trị đến %(max)s; hãy kiểm tra cột này có đúng là câu %(item)s không.":
        'Note: column %(column)s ("%(header)s") was matched by its header to item %(item)s, scale %(options)s, '
        "but the column holds values up to %(max)s; check that this column really is item %(item)s.",
    'Lưu ý: cột %(column)s ("%(header)s") được ghép theo tiêu đề với câu %(item)s, thang %(options)s, '
    "nhưng cột ghi Có/Không; hãy kiểm tra cột này có đúng là câu %(item)s không.":
        'Note: column %(column)s ("%(header)s") was matched by its header to item %(item)s, scale %(options)s, '
        "but the column holds yes/no answers; check that this column really is item %(item)s.",
    # the upload page
    'Dòng 1 là tiêu đề cột. Cột mã đơn vị là bắt buộc; số phiếu, ngày điền phiếu, tầng, PSU, SSU và trọng số là '
    "tuỳ chọn. Mỗi cột còn lại là một câu hỏi: ghi mã lựa chọn (1, 2…) hoặc tên lựa chọn; 9, \"KTN\" hoặc "
    '"Không trải nghiệm" khi người trả lời chưa trải qua (ở câu có phương án này); ô trống là không trả lời; '
    "nhiều lựa chọn cách nhau bằng dấu chấm phẩy, ví dụ 1;3. Có lỗi ở bất kỳ dòng nào thì không lưu phiếu nào.":
        "Row 1 holds the column headers. The unit code column is required; form number, date, stratum, PSU, SSU "
        "and weight are optional. Every other column is an item: write the option's code (1, 2…) or its name; "
        '9, "KTN" or "Không trải nghiệm" when the respondent has not experienced it (where the item offers it); '
        "a blank cell is no answer; several choices are separated by semicolons, e.g. 1;3. If any row has a "
        "problem, no form is stored.",
    "Tệp mẫu để nhập liệu": "Template files for data entry",
    'Tệp mẫu có sẵn các cột của đợt khảo sát (mã đơn vị, số phiếu, ngày và một cột cho mỗi câu hỏi); tệp XLSX có '
    'thêm trang "Mã phương án" liệt kê mã và tên mọi phương án. Ô để trống là không trả lời, trừ các câu bắt '
    "buộc trên phiếu giấy.":
        "A template has the round's columns ready (unit code, form number, date and one column per item); the "
        'XLSX file also has a sheet "Mã phương án" listing the code and name of every option. A blank cell is no '
        "answer, except for items required on paper.",
    # the template file
    "Hãy ghi mã của một phương án: %(codes)s.": "Write the code of an option: %(codes)s.",
    "Cột": "Column",
    "Tiêu đề": "Header",
    "Câu hỏi hoặc thông tin": "Item or information",
    "Mã": "Code",
    "Phương án": "Option",
    "Bắt buộc trên phiếu giấy": "Required on paper",
    "Có": "Yes",
    "Không": "No",
    "Mã đơn vị (định dạng Văn bản để giữ số 0 ở đầu)": "Unit code (formatted as Text to keep leading zeros)",
    "Số phiếu in trên phiếu giấy": "The form number printed on the paper form",
    "Ngày điền phiếu, dạng ngày/tháng/năm": "The day the form was filled in, as day/month/year",
    "Tầng của thiết kế mẫu": "Stratum of the sampling design",
    "Đơn vị mẫu cấp 1": "Primary sampling unit",
    "Đơn vị mẫu cấp 2": "Secondary sampling unit",
    "Trọng số cơ sở, một số dương": "Base weight, a positive number",
    "Một số": "A number",
    "Văn bản": "Text",
    # the CLI
    'Ghi tệp mẫu để nhập phiếu giấy của một đợt khảo sát: OUT.xlsx (có danh sách mã phương án và trang "Mã '
    'phương án") hoặc OUT.csv (UTF-8). Tệp mẫu điền đủ sẽ nhập được ngay.':
        "Write the template file for importing a round's paper forms: OUT.xlsx (with lists of option codes and "
        'a sheet "Mã phương án") or OUT.csv (UTF-8). A filled-in template imports as it is.',
    "Tệp mẫu phải có đuôi .xlsx hoặc .csv: %(file)s.": "The template file must end in .xlsx or .csv: %(file)s.",
    "Không ghi được tệp %(file)s: %(reason)s": "Cannot write %(file)s: %(reason)s",
    "Đã ghi tệp mẫu %(file)s cho đợt %(round)s.": "Wrote the template %(file)s for round %(round)s.",
}
