"""English for session 7's fixes made on main (the demo's summary)."""

EN = {
    "đơn vị": "units",
    "liên kết kế thừa": "lineage links",
    "tài khoản cán bộ": "staff accounts",
    "bảng hỏi": "questionnaires",
    "đợt khảo sát": "survey rounds",
    "máy tính bảng": "tablets",
    "phiếu trả lời": "responses",
    "hồ sơ": "dossiers",
    "bản công bố": "releases",
}
