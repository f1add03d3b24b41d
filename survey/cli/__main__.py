"""``python -m survey.cli`` runs the sipas command (same as the console script)."""

from survey.cli import main

main()
