"""``python -m survey.cli_entry`` runs the sipas command (same as the console script)."""

from survey.cli import main

if __name__ == "__main__":
    main()
