"""English for the leftovers of issue 13: sample frames and weight sets named in the audit log
(survey/web/admin/audit_details.py)."""

EN = {
    # audit log: a sample frame and a weight set named in a sentence or in the details
    "%(name)s (đợt %(round)s)": "%(name)s (round %(round)s)",
    "%(round)s (bộ trọng số #%(id)d)": "%(round)s (weight set #%(id)d)",
}
