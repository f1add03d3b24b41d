"""The domain: plain functions on a SQLAlchemy Session (no Flask)."""
