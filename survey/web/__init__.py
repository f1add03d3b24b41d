"""The web layer: one package per area (blueprints, forms, views)."""
