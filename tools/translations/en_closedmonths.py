"""English for the Decision 766 dashboard's score table of a large scope (lowest first, the first rows)."""

EN = {
    "%(shown)s trong %(n)s đơn vị có điểm thấp nhất (không áp dụng ở cuối), và tổng phạm vi":
        "The %(shown)s of %(n)s units with the lowest points (not applicable last), and the scope's total",
    "Mọi đơn vị (%(n)s), điểm thấp nhất trước, và tổng phạm vi":
        "Every unit (%(n)s), lowest points first, and the scope's total",
    "Xem cả %(n)s đơn vị trên trang": "Show all %(n)s units on the page",
    "(trang dài); các tệp tải về luôn có mọi đơn vị.": "(a long page); the downloads always hold every unit.",
    "Hiện %(shown)s trong %(n)s đơn vị có đánh giá, đơn vị đủ số lượt đánh giá trước.":
        "Showing %(shown)s of %(n)s units with ratings, those with enough ratings first.",
}
