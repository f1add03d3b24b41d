"""English for staff accounts: sipas staff, the admin's staff pages, everyone's own account page."""

EN = {
    # sipas staff
    "Tài khoản cán bộ: thêm, liệt kê, khóa, đặt lại mật khẩu.": "Staff accounts: add, list, disable, reset passwords.",
    "Không đọc được mật khẩu từ đầu vào chuẩn (dòng trống).": "Could not read a password from standard input (empty line).",
    "Nhập lại mật khẩu": "Repeat the password",
    "Không có tài khoản %(login)s.": "There is no account %(login)s.",
    "Đọc mật khẩu từ một dòng của đầu vào chuẩn (cho tập lệnh).": "Read the password from one line of standard input (for scripts).",
    "Thêm tài khoản cán bộ; cách tạo quản trị viên đầu tiên: sipas staff add admin --role admin.":
        "Add a staff account; the first administrator is made with: sipas staff add admin --role admin.",
    "Vai trò: admin, statistician hoặc manager.": "Role: admin, statistician or manager.",
    "Mã đơn vị phạm vi (bắt buộc với manager).": "Code of the scope unit (required for a manager).",
    "Tên hiển thị.": "Display name.",
    "Đã thêm tài khoản %(login)s (%(role)s).": "Added the account %(login)s (%(role)s).",
    "Liệt kê tài khoản cán bộ, vai trò, phạm vi và lần đăng nhập gần nhất.":
        "List staff accounts, their role, scope and last login.",
    "Chưa có tài khoản cán bộ nào. Tạo quản trị viên đầu tiên: sipas staff add admin --role admin":
        "There is no staff account yet. Create the first administrator: sipas staff add admin --role admin",
    "Họ tên": "Name",
    "Vai trò": "Role",
    "Phạm vi": "Scope",
    "Đăng nhập gần nhất": "Last login",
    "toàn quốc": "nationwide",
    "đã khóa": "disabled",
    "Khóa một tài khoản và đăng xuất nó khỏi mọi thiết bị.": "Disable an account and log it out on every device.",
    "Đã khóa tài khoản %(login)s; mọi phiên và mã API của tài khoản đã hết hiệu lực.":
        "Disabled the account %(login)s; all its sessions and API tokens have stopped working.",
    "Mở khóa một tài khoản.": "Enable a disabled account.",
    "Đã mở khóa tài khoản %(login)s.": "Enabled the account %(login)s.",
    "Đặt mật khẩu mới cho một tài khoản và đăng xuất nó khỏi mọi thiết bị.":
        "Set a new password for an account and log it out on every device.",
    "Đã đặt mật khẩu mới cho %(login)s; mọi phiên và mã API của tài khoản đã hết hiệu lực.":
        "Set a new password for %(login)s; all its sessions and API tokens have stopped working.",
    "Đăng xuất một tài khoản khỏi mọi thiết bị và thu hồi mọi mã API của nó.":
        "Log an account out on every device and revoke all its API tokens.",
    "Đã đăng xuất %(login)s khỏi mọi thiết bị và thu hồi %(n)d mã API.":
        "Logged %(login)s out on every device and revoked %(n)d API tokens.",
    # roles
    "Quản trị viên": "Administrator",
    "Thống kê": "Statistician",
    "Lãnh đạo": "Manager",
    # rules (domain)
    "Vai trò %(role)s không có; chọn một trong: %(choices)s.": "There is no role %(role)s; choose one of: %(choices)s.",
    "Mật khẩu phải có ít nhất %(n)d ký tự.": "The password must have at least %(n)d characters.",
    "Mật khẩu dài quá %(n)d ký tự.": "The password is longer than %(n)d characters.",
    "Mật khẩu không được trùng với tên đăng nhập.": "The password must not be the login.",
    "Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác.":
        "This password is too common and easily guessed; choose another one.",
    "Tên đăng nhập phải có từ 3 đến 64 ký tự, chỉ gồm chữ a–z không dấu, chữ số và các dấu . _ -":
        "A login has 3 to 64 characters: letters a–z without accents, digits and . _ -",
    "Tên đăng nhập %(login)s đã có người dùng.": "The login %(login)s is already taken.",
    "Mật khẩu hiện tại không đúng.": "The current password is wrong.",
    "Mật khẩu mới phải khác mật khẩu hiện tại.": "The new password must differ from the current one.",
    "Tài khoản lãnh đạo cần một đơn vị phạm vi (mã đơn vị).": "A manager account needs a scope unit (unit code).",
    "Không có đơn vị mã %(code)s đang hoạt động hôm nay.": "No unit with code %(code)s is valid today.",
    "Tên hiển thị dài quá 255 ký tự.": "The display name is longer than 255 characters.",
    "%(login)s là quản trị viên đang hoạt động cuối cùng: hãy thêm một quản trị viên khác trước.":
        "%(login)s is the last active administrator: add another administrator first.",
    # forms
    "Mã đơn vị phạm vi": "Scope unit code",
    "Để trống: toàn quốc. Bắt buộc với tài khoản lãnh đạo.": "Empty: nationwide. Required for a manager.",
    "3–64 ký tự: chữ a–z không dấu, chữ số và các dấu . _ -": "3–64 characters: letters a–z without accents, digits and . _ -",
    "Mật khẩu ban đầu": "Initial password",
    "Để trống để hệ thống tạo mật khẩu và hiện một lần.": "Leave empty to have a password generated and shown once.",
    "Mật khẩu mới": "New password",
    "Mật khẩu hiện tại": "Current password",
    "Ít nhất 10 ký tự, khác tên đăng nhập, không phải mật khẩu phổ biến.":
        "At least 10 characters, not the login, not a common password.",
    "Nhập lại mật khẩu mới": "Repeat the new password",
    "Hai lần nhập mật khẩu mới không giống nhau.": "The two new passwords differ.",
    # admin pages
    "Đã thêm tài khoản %(login)s.": "Added the account %(login)s.",
    "Đã lưu tài khoản %(login)s.": "Saved the account %(login)s.",
    "Đã đăng xuất %(login)s khỏi mọi thiết bị và thu hồi mọi mã API của tài khoản.":
        "Logged %(login)s out on every device and revoked all the account's API tokens.",
    "Tài khoản cán bộ": "Staff accounts",
    "Đang hoạt động": "Active",
    "Đã khóa": "Disabled",
    "Thêm tài khoản": "Add an account",
    "Không có tài khoản nào.": "No account.",
    "Tài khoản %(login)s": "Account %(login)s",
    "Vai trò và phạm vi": "Role and scope",
    "Lưu": "Save",
    "Đặt lại mật khẩu": "Reset the password",
    "Người dùng bị đăng xuất khỏi mọi thiết bị và mọi mã API của họ bị thu hồi.":
        "The user is logged out on every device and all their API tokens are revoked.",
    "Phiên đăng nhập và quyền truy cập": "Sessions and access",
    "Đăng xuất khỏi mọi thiết bị": "Log out on every device",
    "Khóa tài khoản": "Disable the account",
    "Mở khóa tài khoản": "Enable the account",
    "Đăng xuất khỏi mọi thiết bị và khóa tài khoản đều thu hồi mọi mã API của người dùng.":
        "Logging out on every device and disabling the account both revoke all the user's API tokens.",
    "Danh sách tài khoản": "List of accounts",
    "Thêm tài khoản cán bộ": "Add a staff account",
    "Mật khẩu: ít nhất 10 ký tự, khác tên đăng nhập, không phải mật khẩu phổ biến.":
        "Password: at least 10 characters, not the login, not a common password.",
    "Mật khẩu của %(login)s": "Password of %(login)s",
    "Mật khẩu do hệ thống tạo cho %(login)s – hãy trao cho người dùng ngay; mật khẩu chỉ hiện một lần:":
        "The password generated for %(login)s – hand it to the user now; it is shown only once:",
    "Người dùng nên đổi mật khẩu này trong trang Tài khoản của tôi sau khi đăng nhập.":
        "The user should change this password on the My account page after logging in.",
    "Về trang tài khoản": "Back to the account",
    # own account
    "Tài khoản của tôi": "My account",
    "Đổi mật khẩu": "Change password",
    "Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã bị đăng xuất.":
        "Password changed. Your other sessions have been logged out.",
    "Đã đăng xuất khỏi mọi thiết bị và thu hồi %(n)d mã API. Hãy đăng nhập lại.":
        "Logged out on every device and revoked %(n)d API tokens. Please log in again.",
    "Sau khi đổi mật khẩu, các phiên đăng nhập khác của bạn bị đăng xuất; phiên này vẫn giữ.":
        "After a password change your other sessions are logged out; this one stays.",
    "Kết thúc mọi phiên đăng nhập của bạn, kể cả phiên này, và thu hồi mọi mã truy cập API của bạn. Dùng khi nghi mất máy hoặc lộ mật khẩu.":
        "Ends all your sessions, this one included, and revokes all your API tokens. Use it when a device is lost or a password may be known to others.",
    "Chưa có tài khoản cán bộ nào. Người quản trị máy chủ tạo tài khoản quản trị đầu tiên bằng lệnh:":
        "There is no staff account yet. The server's operator creates the first administrator with the command:",
    "Nút “Đăng xuất khỏi mọi thiết bị” trong trang Tài khoản của tôi thu hồi mọi mã của bạn cùng lúc; khóa tài khoản hay đặt lại mật khẩu cũng vậy.":
        "The “Log out on every device” button on the My account page revokes all your tokens at once; so do disabling the account and resetting its password.",
}
