"""English for the fast path of sipas indices (issue 13): a value that is not a number in a number column."""

EN = {
    "Tệp %(path)s, dòng %(line)d, cột %(column)s: '%(value)s' không phải là một số.":
        "File %(path)s, line %(line)d, column %(column)s: '%(value)s' is not a number.",
}
