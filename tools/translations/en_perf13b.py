"""English for issue 13's second start-up pass: design errors of sipas indices and sipas estimate."""

EN = {
    "Tệp %(path)s, dòng %(line)d: cột %(column)s để trống; cột này cần giá trị ở mọi dòng.":
        "File %(path)s, line %(line)d: column %(column)s is empty; it needs a value on every row.",
    "Tệp %(path)s, dòng %(line)d: cột %(column)s để trống (tầng %(stratum)s); cột này cần giá trị ở mọi dòng.":
        "File %(path)s, line %(line)d: column %(column)s is empty (stratum %(stratum)s); "
        "it needs a value on every row.",
}
