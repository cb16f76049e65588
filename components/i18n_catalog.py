"""Maintaining the translation catalogues: extract every _() message from the UI code and merge it into
locales/<lang>/LC_MESSAGES/messages.po (existing translations are kept; new messages arrive empty)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
UI_DIRS = ("app.py", "pages", "components")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
TEMPLATE = ROOT / "locales" / "messages.pot"


def extract() -> Catalog:
    """Every translatable message in app.py, pages/ and components/ (with file:line locations)."""
    catalog = Catalog(project="Kredittvakt", charset="utf-8")
    for target in UI_DIRS:
        path = ROOT / target
        if path.is_file():
            from babel.messages.extract import extract_from_file

            found = [(path.name, *m) for m in extract_from_file("python", str(path), keywords=KEYWORDS)]
        else:
            found = [
                (f"{target}/{fn}", *rest)
                for fn, *rest in extract_from_dir(str(path), method_map=[("**.py", "python")], keywords=KEYWORDS)
            ]
        for fname, lineno, message, comments, context in found:
            catalog.add(message, None, [(fname, lineno)], auto_comments=comments, context=context)
    return catalog


def update(langs: tuple[str, ...] = ("nb",)) -> dict[str, int]:
    """Write the template and merge it into each language; returns the count of untranslated messages."""
    template = extract()
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    with TEMPLATE.open("wb") as fh:
        write_po(fh, template, omit_header=False, sort_output=True)
    missing = {}
    for lang in langs:
        po = ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po"
        if po.is_file():
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="Kredittvakt", charset="utf-8")
        catalog.update(template, update_header_comment=False)
        catalog.obsolete.clear()
        po.parent.mkdir(parents=True, exist_ok=True)
        with po.open("wb") as fh:
            write_po(fh, catalog, sort_output=True, ignore_obsolete=True)
        missing[lang] = sum(1 for m in catalog if m.id and not m.string)
    return missing


if __name__ == "__main__":
    for lang, n in update().items():
        print(f"{lang}: {n} untranslated")
