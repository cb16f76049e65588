"""Translations: every UI message is in the Norwegian catalogue, translated, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from components.i18n import _, translations
from components.i18n_catalog import ROOT, UI_DIRS, extract

NB = ROOT / "locales" / "nb" / "LC_MESSAGES" / "messages.po"


def nb_catalog():
    with NB.open("rb") as fh:
        return read_po(fh, locale="nb")


def placeholders(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_ui_message_is_translated_to_norwegian():
    nb = nb_catalog()
    missing = [m.id for m in extract() if m.id and (nb.get(m.id) is None or not nb.get(m.id).string)]
    assert not missing, f"{len(missing)} messages lack a Norwegian translation: {missing[:15]}"
    fuzzy = [m.id for m in nb if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy (unchecked) translations: {fuzzy[:10]}"


def forms(x) -> tuple[str, ...]:
    """A message's text(s): plural messages (ngettext) hold a tuple of forms."""
    return x if isinstance(x, tuple) else (x,)


def test_translations_keep_their_placeholders():
    wrong = [
        (m.id, m.string)
        for m in nb_catalog()
        if m.id and any(s and placeholders(s) != placeholders(forms(m.id)[-1]) for s in forms(m.string))
    ]
    assert not wrong, wrong[:10]


def test_no_f_string_or_concatenation_inside_the_translation_function():
    bad = []
    for target in UI_DIRS:
        files = [ROOT / target] if (ROOT / target).is_file() else sorted((ROOT / target).rglob("*.py"))
        for f in files:
            for n, line in enumerate(f.read_text().splitlines(), start=1):
                if re.search(r"\b_\(\s*f[\"']", line):
                    bad.append(f"{Path(f).relative_to(ROOT)}:{n}")
    assert not bad, f"_() must get a literal (use .format with named placeholders): {bad}"


def test_english_is_the_source_and_norwegian_is_loaded(monkeypatch):
    assert _("Data status") == "Data status"  # outside a Streamlit session: English
    nb = translations("nb")
    assert nb.gettext("Data status") != "Data status"
    assert nb.gettext("Data status") == nb_catalog().get("Data status").string


@pytest.mark.parametrize("message", ["Portfolio", "Aging", "Customers", "As of", "Filters"])
def test_core_navigation_words_are_translated(message):
    assert translations("nb").gettext(message) not in ("", message)
