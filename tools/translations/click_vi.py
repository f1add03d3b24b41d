"""click's own messages (Usage, Error, Missing argument, ...) in Vietnamese, for ``sipas`` in Vietnamese.

click writes them in English and marks them for gettext. ``tools/update_translations.py``
compiles this table into ``survey/translations/vi/LC_MESSAGES/click.mo`` and fails when
the installed click has a message that is neither here nor in ``UNTRANSLATED``;
``survey/cli/click_text.py`` makes click read it. A message with a plural form is keyed by
its (singular, plural) pair; Vietnamese has one form for both.
"""

# kept in English: a debugging helper's letter and a type's name in developer output
UNTRANSLATED = frozenset(["d", "Choice({choices})"])

VI: dict[str | tuple[str, str], str] = {
    "{editor}: Editing failed": "{editor}: sửa không thành công",
    "{editor}: Editing failed: {e}": "{editor}: sửa không thành công: {e}",
    "Windows error: {error}": "Lỗi Windows: {error}",
    "Aborted!": "Đã dừng!",
    "deprecated": "không còn dùng",
    "Options": "Tùy chọn",
    "Positional arguments": "Đối số theo vị trí",
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        "Thừa đối số không cần đến ({args})",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}":
        "Cảnh báo: lệnh {name!r} không còn được dùng.{extra_message}",
    "Commands": "Lệnh",
    "Missing command.": "Thiếu lệnh.",
    "Value must be an iterable.": "Giá trị phải là một danh sách.",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        "Cần {nargs} giá trị nhưng có {len}.",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        "Cảnh báo: {name!r} không còn được dùng.{extra_message}",
    "Name '{name}' defined twice": "Tên '{name}' được khai báo hai lần",
    "Boolean option {decl!r} cannot use the same flag for true/false.":
        "Tùy chọn đúng/sai {decl!r} không dùng được cùng một cờ cho cả đúng và sai.",
    "Could not determine name for option with declarations {decls!r}":
        "Không xác định được tên của tùy chọn khai báo là {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
    "Did you mean to pass '--{name}'?":
        "Chưa khai báo tùy chọn nào nhưng có tên ({name}). Có phải cần khai báo một đối số? "
        "Hay cần ghi '--{name}'?",
    "env var: {var}": "biến môi trường: {var}",
    "default: {default}": "mặc định: {default}",
    "(dynamic)": "(tính khi chạy)",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.":
        "Mỗi đối số chỉ có đúng một khai báo, ở đây có {length}: {decls}.",
    "Do you want to continue?": "Tiếp tục?",
    "Confirm the action without prompting.": "Xác nhận thao tác, không hỏi lại.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        "(Có phải ý bạn là: {possibilities}?)",
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Xem hướng dẫn: '{command} {option}'.",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ ở {param_hint}: {message}",
    "Missing argument": "Thiếu đối số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "unknown error": "lỗi không rõ",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "Usage:": "Cách dùng:",
    "Invalid start character for option ({option})": "Tùy chọn bắt đầu bằng ký tự không hợp lệ ({option})",
    "Argument {name!r} takes {nargs} values.": "Đối số {name!r} cần {nargs} giá trị.",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        "Tùy chọn {name!r} cần {nargs} giá trị.",
    "Shell completion is not supported for Bash versions older than 4.4.":
        "Không tự hoàn thành lệnh được với Bash cũ hơn 4.4.",
    "Couldn't detect Bash version, shell completion is not supported.":
        "Không biết phiên bản Bash: không tự hoàn thành lệnh được.",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Error: The two entered values do not match.": "Lỗi: hai lần nhập không khớp nhau.",
    "Error: invalid input": "Lỗi: giá trị nhập không hợp lệ",
    "Unknown color {colour!r}": "Không có màu {colour!r}",
    "Press any key to continue...": "Nhấn một phím bất kỳ để tiếp tục...",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        "{value!r} không phải là một trong: {choices}.",
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        "{value!r} không đúng định dạng {formats}.",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải là một số hợp lệ ({number_type}).",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} không phải giá trị đúng/sai. Các giá trị nhận được: {states}",
    "{value!r} is not a valid UUID.": "{value!r} không phải là một UUID hợp lệ.",
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    # the sentences below name the path without click's title-cased "File"/"Directory" word
    "{name} {filename!r} does not exist.": "Không tìm thấy {filename!r}.",
    "{name} {filename!r} is a file.": "{filename!r} là một tệp, ở đây cần một thư mục.",
    "{name} {filename!r} is a directory.": "{filename!r} là một thư mục, ở đây cần một tệp.",
    "{name} {filename!r} is not readable.": "Không có quyền đọc {filename!r}.",
    "{name} {filename!r} is not writable.": "Không có quyền ghi vào {filename!r}.",
    "{name} {filename!r} is not executable.": "Không có quyền chạy {filename!r}.",
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        "Cần {len_type} giá trị nhưng có {len_value}.",
    "Unknown standard stream '{name}'": "Không có luồng chuẩn '{name}'",
}
