"""English for the counter kiosk, the online form's enhancements and `sipas devices`.

Vietnamese source text → English; merged into the catalog by tools/update_translations.py.
"""

EN = {
    # kiosk app (survey/kiosk/client.py)
    "Tiếp tục": "Continue",
    "Quay lại": "Back",
    "Ý kiến của ông/bà giúp chúng tôi phục vụ tốt hơn.": "Your opinion helps us serve you better.",
    "Không thấy ông/bà trả lời. Màn hình sẽ trở về đầu sau %(seconds)s giây.":
        "No answer for a while. The screen returns to the start in %(seconds)s seconds.",
    "Tôi vẫn đang trả lời": "I am still answering",
    "Chờ gửi: %(n)s": "Waiting to send: %(n)s",
    "Mất kết nối: đánh giá được lưu trên máy và sẽ tự gửi khi có mạng.":
        "No connection: ratings are kept on this tablet and sent when the network returns.",
}
