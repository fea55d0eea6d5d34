"""The German catalogue is complete and the compiled .mo matches the .po."""

import gettext
import re
from pathlib import Path

from django.test import SimpleTestCase

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "de" / "LC_MESSAGES"


def po_entries():
    """(msgid, msgstr, flags) of every entry of the German .po except the header."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        lines = block.splitlines()
        if any(line.startswith("msgid_plural") for line in lines):
            continue
        context_lines, msgid_lines, msgstr_lines, flags, current = [], [], [], "", None
        for line in lines:
            if line.startswith("#,"):
                flags = line
            elif line.startswith("msgctxt "):
                current = context_lines
            elif line.startswith("msgid "):
                current = msgid_lines
            elif line.startswith("msgstr"):
                current = msgstr_lines
            if current is not None and '"' in line and not line.startswith("#"):
                current.append(line[line.index('"') + 1 : line.rindex('"')])
        msgid = unescape("".join(msgid_lines))
        if msgid and context_lines:
            # How the .mo keys an entry with a context (pgettext).
            msgid = unescape("".join(context_lines)) + "\x04" + msgid
        if msgid:
            yield msgid, unescape("".join(msgstr_lines)), flags


def unescape(text):
    return re.sub(r'\\(["\\n])', lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


class GermanCatalogueTests(SimpleTestCase):
    def test_every_string_has_a_german_translation(self):
        entries = list(po_entries())
        self.assertGreater(len(entries), 500)
        untranslated = [msgid for msgid, msgstr, _flags in entries if not msgstr]
        fuzzy = [msgid for msgid, _msgstr, flags in entries if "fuzzy" in flags]
        self.assertEqual(untranslated, [], "run `make messages` after adding a locale/de-src line")
        self.assertEqual(fuzzy, [])

    def test_placeholders_survive_translation(self):
        for msgid, msgstr, _flags in po_entries():
            with self.subTest(msgid):
                self.assertEqual(
                    sorted(re.findall(r"%\(\w+\)s", msgid)),
                    sorted(re.findall(r"%\(\w+\)s", msgstr)),
                )

    def test_compiled_catalogue_matches_the_po(self):
        with open(LOCALE / "django.mo", "rb") as fh:
            compiled = gettext.GNUTranslations(fh)
        stale = [
            msgid for msgid, msgstr, _flags in po_entries() if compiled.gettext(msgid) != msgstr
        ]
        self.assertEqual(stale, [], "the .mo is out of date: run `make messages`")
