"""Fill locale/de/LC_MESSAGES/django.po from the team's locale/de-src/*.tsv files.

Each .tsv line is `msgid<TAB>German text`; a plural (ngettext) is
`singular msgid<TAB>German singular<TAB>German plural`. Run by `make messages` after
makemessages; prints every msgid that still has no German text.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"
SOURCES = sorted((ROOT / "locale" / "de-src").glob("*.tsv"))


def load_translations():
    translations = {}
    for path in SOURCES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            msgid, sep, german = line.partition("\t")
            if not sep or not german.strip():
                sys.exit(f"{path.name}:{number}: expected msgid<TAB>German text")
            translations[msgid] = german.strip()
    return translations


def po_unquote(lines):
    return "".join(
        line[line.index('"') + 1 : line.rindex('"')]
        .replace('\\"', '"')
        .replace("\\n", "\n")
        .replace("\\\\", "\\")
        for line in lines
    )


def po_quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def plural_entry(lines, translations, missing):
    """An ngettext entry: msgstr[0] and msgstr[1] from `singular<TAB>plural` German."""
    plural = next(i for i, line in enumerate(lines) if line.startswith("msgid_plural"))
    msgid = po_unquote(
        lines[lines.index(next(x for x in lines if x.startswith("msgid "))) : plural]
    )
    german = translations.get(msgid, "")
    singular, sep, many = german.partition("\t")
    first = next(i for i, line in enumerate(lines) if line.startswith("msgstr"))
    if not sep:
        if not any(line.startswith("msgstr[0] ") and line != 'msgstr[0] ""' for line in lines):
            missing.append(msgid)
        return "\n".join(lines)
    head = [line for line in lines[:first] if not line.startswith("#|")]
    return "\n".join(
        [*head, "msgstr[0] " + po_quote(singular.strip()), "msgstr[1] " + po_quote(many.strip())]
    )


def merge():
    translations = load_translations()
    entries = PO.read_text(encoding="utf-8").split("\n\n")
    missing = []
    out = []
    for entry in entries:
        # Fuzzy guesses of msgmerge are replaced by the team's translation or dropped.
        lines = [line for line in entry.splitlines() if line != "#, fuzzy"]
        ids = [i for i, line in enumerate(lines) if line.startswith("msgid ")]
        strs = [i for i, line in enumerate(lines) if line.startswith("msgstr")]
        if not ids or not strs or lines[ids[0]] == 'msgid ""' and ids[0] + 1 == strs[0]:
            out.append(entry)
            continue
        if any(line.startswith("msgid_plural") for line in lines):
            out.append(plural_entry(lines, translations, missing))
            continue
        msgid = po_unquote(lines[ids[0] : strs[0]])
        # A fuzzy guess (or a broken entry with two msgstr lines) is no translation.
        untrusted = any(line.startswith("#|") for line in lines) or len(strs) > 1
        current = "" if untrusted else po_unquote(lines[strs[0] :])
        german = translations.get(msgid) or current
        head = [
            line.replace(", fuzzy", "") if line.startswith("#,") else line
            for line in lines[: strs[0]]
        ]
        head = [line for line in head if not line.startswith("#|")]
        if not german:
            missing.append(msgid)
        out.append("\n".join([*head, "msgstr " + po_quote(german)]))
    PO.write_text("\n\n".join(out), encoding="utf-8")
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return missing


if __name__ == "__main__":
    sys.exit(1 if merge() else 0)
