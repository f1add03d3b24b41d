"""click's own messages (``Usage:``, ``Error: Missing argument``, ``Invalid value for ...``) in the user's language.

click writes its messages in English and marks each one for :mod:`gettext`
(``from gettext import gettext as _`` in its modules). The project's rule is
Vietnamese first, so ``sipas`` gives click a Vietnamese catalogue
(``survey/translations/vi/LC_MESSAGES/click.mo``, compiled from
``tools/translations/click_vi.py`` by ``tools/update_translations.py``) and
looks each message up in the language of the moment (``SIPAS_LANG`` or the
locale, Vietnamese by default; English leaves click's text as it is).

click reads the catalogue through the names ``_`` and ``ngettext`` of its own
modules: :func:`use_user_language` points them at :func:`click_gettext` and
:func:`click_ngettext`. Python's process-wide gettext domain and the
environment are left alone (the documented alternative, ``textdomain`` with
``LANGUAGE``, would change both for every library and every child process).
"""

from __future__ import annotations

import gettext
import sys
from functools import cache

from survey.i18n import TRANSLATIONS_DIR, current_language

__all__ = ["click_gettext", "click_ngettext", "use_user_language"]


@cache
def _vietnamese() -> gettext.NullTranslations:
    found = gettext.find("click", str(TRANSLATIONS_DIR), ["vi"])
    if not found:
        return gettext.NullTranslations()
    with open(found, "rb") as compiled:
        return gettext.GNUTranslations(compiled)


def click_gettext(message: str) -> str:
    """One of click's messages in the current language."""
    if current_language() != "vi":
        return message
    return _vietnamese().gettext(message)


def click_ngettext(singular: str, plural: str, n: int) -> str:
    """One of click's messages with a plural form, in the current language."""
    if current_language() != "vi":
        return singular if n == 1 else plural
    return _vietnamese().ngettext(singular, plural, n)


def use_user_language() -> None:
    """Point the message functions of every loaded click module at the two above."""
    for name, module in list(sys.modules.items()):
        if name != "click" and not name.startswith("click."):
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = click_gettext  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = click_ngettext  # type: ignore[attr-defined]
