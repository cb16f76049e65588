"""One translation function for every user-facing string: gettext catalogues (locales/*.po, read with babel).

English is the source language; `locales/nb/LC_MESSAGES/messages.po` holds Norwegian bokmål. The language
of a session lives in st.session_state["lang"] (the sidebar sets it); outside Streamlit it is English.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parents[1] / "locales"
LANGUAGES = {"en": "English", "nb": "Norsk bokmål"}
BABEL_LOCALE = {"en": "en_GB", "nb": "nb_NO"}
DEFAULT = "en"


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue for a language (English needs none)."""
    po = LOCALES / lang / "LC_MESSAGES" / "messages.po"
    if lang == "en" or not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def current_language() -> str:
    try:
        import streamlit as st

        lang = st.session_state.get("lang", DEFAULT)
    except Exception:  # no Streamlit session (CLI, tests of pure code)
        lang = DEFAULT
    return lang if lang in LANGUAGES else DEFAULT


def _(message: str) -> str:
    """Translate a message into the session's language."""
    return translations(current_language()).gettext(message)


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; translate it with _() where it is shown."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


def babel_locale() -> str:
    return BABEL_LOCALE[current_language()]


def bucket_label(label: str) -> str:
    """A bucket label for display: 'current' is a word and is translated; '1-30', '121+' are shown as they are."""
    return _("current") if label == "current" else label
