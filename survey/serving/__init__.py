"""Serving: gunicorn worker, the submission lane, group commit."""
