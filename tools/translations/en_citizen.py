"""English for what citizens see: the online form in sections, its error summary, thank-you pages, the kiosk."""

EN = {
    # online form
    "Lỗi:": "Error:",
    "Phiếu khảo sát ẩn danh: chúng tôi không lưu tên, số điện thoại hay địa chỉ của Ông/Bà.":
        "This survey is anonymous: we do not keep your name, phone number or address.",
    "Thời gian trả lời: khoảng %(minutes)s phút (%(questions)s câu hỏi trong %(sections)s phần).":
        "Time to answer: about %(minutes)s minutes (%(questions)s questions in %(sections)s parts).",
    "Câu có dấu * là câu bắt buộc phải trả lời.": "Questions marked * must be answered.",
    "(bắt buộc)": "(required)",
    "Có 1 câu cần xem lại": "1 question needs your attention",
    "Có %(n)s câu cần xem lại": "%(n)s questions need your attention",
    "Phần %(n)s/%(total)s": "Part %(n)s of %(total)s",
    "Câu trả lời được tạm lưu trên thiết bị này cho đến khi Ông/Bà gửi phiếu.":
        "Your answers are kept on this device only, until you send the form.",
    # thank-you and invitation pages
    "Cảm ơn Ông/Bà đã góp ý!": "Thank you for your feedback!",
    "Ý kiến của Ông/Bà giúp %(unit)s phục vụ tốt hơn.": "Your answers help %(unit)s serve people better.",
    "Thư mời này đã được dùng để trả lời phiếu khảo sát. Mỗi thư mời chỉ dùng được một lần. Cảm ơn Ông/Bà đã tham gia!":
        "This invitation has already been used to answer the survey. Each invitation can be used once. "
        "Thank you for taking part!",
    # kiosk
    "Cảm ơn Ông/Bà đã đánh giá!": "Thank you for your rating!",
    "Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn.": "Your opinion helps us serve you better.",
    "Không thấy Ông/Bà trả lời. Màn hình sẽ trở về đầu sau %(seconds)s giây.":
        "No answer for a while. The screen returns to the start in %(seconds)s seconds.",
    "Bắt đầu lượt đánh giá mới": "Start a new rating",
    "Làm lại từ đầu": "Start again",
}
