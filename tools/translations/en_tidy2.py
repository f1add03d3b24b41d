"""English for the second clean-up: audit sentences naming their targets (survey/web/admin/audit_details.py)
and the sample frame import within the configured limits (survey/domain/weights.py)."""

EN = {
    # audit log: a release named in a sentence or in the details
    "%(round)s, bản công bố số %(number)d": "%(round)s, release no. %(number)d",
    # sample frame import
    "Không đọc được tệp %(file)s: %(error)s": "Cannot read the file %(file)s: %(error)s",
}
