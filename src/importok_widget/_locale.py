"""Checks of the widget's `locale` and `translations` options.

The browser translates the UI text (js/i18n.ts and the catalogs in js/locales/).
The kernel keeps every message in English, so `widget.rejected`, `widget.errors`
and exported files read the same in every locale.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

LOCALES: Final = ("en", "de", "fr", "es", "it", "el")
"""Languages of the UI text: English, German, French, Spanish, Italian and Greek.
LOCALES in js/i18n.ts lists the same."""


def check_locale(locale: Any) -> str:
    """Return the language of `locale`: "de" for "de", "de-DE", "de_DE" or "DE".

    Raises `TypeError` for a value that is not a string and `ValueError` for a
    language without UI text.
    """
    if not isinstance(locale, str):
        raise TypeError(
            f'locale must be a language code such as "de", not {type(locale).__name__}'
        )
    language = re.split(r"[-_]", locale.strip(), maxsplit=1)[0].lower()
    if language not in LOCALES:
        raise ValueError(
            f"locale {locale!r} is not supported. Use one of: {', '.join(LOCALES)}."
        )
    return language


def check_translations(translations: Any) -> dict[str, str]:
    """Return `translations` as a new {English text: replacement} dict.

    None stands for no translations. Raises `TypeError` for a value that is not
    a dict, or for a key or value that is not a string.
    """
    if translations is None:
        return {}
    if not isinstance(translations, Mapping):
        raise TypeError(
            "translations must be a dict of English text to replacement text, not "
            f"{type(translations).__name__}"
        )
    checked = {}
    for text, replacement in translations.items():
        if not isinstance(text, str):
            raise TypeError(
                f"translations keys must be English text, not "
                f"{type(text).__name__} {text!r}"
            )
        if not isinstance(replacement, str):
            raise TypeError(
                f"translations[{text!r}] must be text, not {type(replacement).__name__}"
            )
        checked[text] = replacement
    return checked
