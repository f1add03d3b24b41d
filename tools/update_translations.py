"""Extract the Vietnamese source strings, fill in English from tools/translations/en_*.py, compile.

Also compiles click's own messages into Vietnamese (tools/translations/click_vi.py ->
survey/translations/vi/LC_MESSAGES/click.mo) and fails on a message of the installed click
that the table lacks.

Each area keeps its English in its own file (en_core.py, en_kiosk.py, ...), each
defining a dict ``EN`` from Vietnamese source text to English.

Usage: python tools/update_translations.py  (also run by `make translations`).
Exits non-zero and lists the strings that still lack an English translation, that two
files translate differently (the catalogue would silently keep the last file's text), or
English entries whose Vietnamese string is no longer in the code (the catalogue drops them).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TABLES = Path(__file__).resolve().parent / "translations"
# the catalogues' header date: fixed, so that the same tables always give the same files (no merge
# conflict or diff from a run that changed nothing)
STABLE_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def _tables() -> list[tuple[str, dict[str, str]]]:
    """(file name, its EN dict) for every tools/translations/en_*.py, in name order."""
    tables = []
    for path in sorted(TABLES.glob("en_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        tables.append((path.name, module.EN))
    return tables


def conflicts() -> list[str]:
    """One line per Vietnamese string given two different English texts, naming the files of each."""
    texts: dict[str, dict[str, list[str]]] = {}
    for name, table in _tables():
        for msgid, english in table.items():
            texts.setdefault(msgid, {}).setdefault(english, []).append(name)
    return [
        f"{msgid!r}: " + "; ".join(f"{english!r} ({', '.join(files)})" for english, files in by_text.items())
        for msgid, by_text in texts.items()
        if len(by_text) > 1
    ]


def unused(source_ids: set[str]) -> list[str]:
    """One line per English entry whose Vietnamese string the code no longer has, naming its file."""
    return [f"{name}: {msgid!r}" for name, table in _tables() for msgid in table if msgid not in source_ids]


def english_table() -> dict[str, str]:
    """All English translations, merged from tools/translations/en_*.py."""
    merged: dict[str, str] = {}
    for _name, table in _tables():
        merged.update(table)
    return merged


POT = ROOT / "survey/translations/messages.pot"
CLICK_PO = ROOT / "survey/translations/vi/LC_MESSAGES/click.po"


def _click_table():
    spec = importlib.util.spec_from_file_location("click_vi", TABLES / "click_vi.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def click_messages() -> list[str | tuple[str, str]]:
    """The messages the installed click marks for translation (a plural one as its two forms)."""
    import click
    from babel.messages.extract import extract_from_dir

    found = extract_from_dir(Path(click.__file__).parent, keywords={"_": None, "ngettext": (1, 2)},
                             method_map=[("**.py", "python")])
    return list(dict.fromkeys(message for _file, _line, message, _comments, _context in found))


def click_missing() -> list[str | tuple[str, str]]:
    """click's messages with no Vietnamese in tools/translations/click_vi.py (and not kept in English)."""
    table = _click_table()
    return [m for m in click_messages() if m not in table.VI and m not in table.UNTRANSLATED]


def write_click_catalog() -> None:
    """survey/translations/vi/LC_MESSAGES/click.po and .mo from tools/translations/click_vi.py."""
    catalog = Catalog(locale="vi", project="SIPAS", fuzzy=False, creation_date=STABLE_DATE)
    for msgid, text in _click_table().VI.items():
        catalog.add(msgid, (text,) if isinstance(msgid, tuple) else text)
    CLICK_PO.parent.mkdir(parents=True, exist_ok=True)
    with open(CLICK_PO, "wb") as fh:
        write_po(fh, catalog, omit_header=False, no_location=True, sort_output=True)
    with open(CLICK_PO.with_suffix(".mo"), "wb") as fh:
        write_mo(fh, catalog)
PO = ROOT / "survey/translations/en/LC_MESSAGES/messages.po"


def main() -> int:
    clashing = conflicts()
    for line in clashing:
        print(f"two English texts for one Vietnamese string: {line}", file=sys.stderr)
    if clashing:
        return 1
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "--omit-header", "--no-location", "-o", str(POT), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with open(POT, "rb") as fh:
        template = read_po(fh)
    catalog = Catalog(locale="en", project="SIPAS", fuzzy=False, creation_date=STABLE_DATE)
    EN = english_table()
    missing = []
    for message in template:
        if not message.id:
            continue
        english = EN.get(message.id)
        if english is None:
            missing.append(message.id)
        catalog.add(message.id, english or "", context=message.context)
    PO.parent.mkdir(parents=True, exist_ok=True)
    with open(PO, "wb") as fh:
        write_po(fh, catalog, omit_header=False, no_location=True, sort_output=True)
    with open(PO.with_suffix(".mo"), "wb") as fh:
        write_mo(fh, catalog)
    for msgid in missing:
        print(f"missing English translation: {msgid!r}", file=sys.stderr)
    write_click_catalog()
    click_lacking = click_missing()
    for msgid in click_lacking:
        print(f"click message without Vietnamese in tools/translations/click_vi.py: {msgid!r}", file=sys.stderr)
    left_over = unused({message.id for message in template if message.id})
    for line in left_over:
        print(f"English for a string no longer in the code: {line}", file=sys.stderr)
    return 1 if missing or left_over or click_lacking else 0


if __name__ == "__main__":
    sys.exit(main())
