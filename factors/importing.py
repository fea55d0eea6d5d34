"""Import the official wording of the 35 success factors from a CSV file.

`import_catalogue()` validates every row before it writes anything: on any
error the database is left exactly as it was and the result names each bad
row with its line number. The command `manage.py import_catalogue` is a thin
wrapper; an admin upload can call the same function with the uploaded bytes.

Implementation statuses and their history are never touched: only themes and
the factors' wording, addressee, `verified` and `source` change.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath

from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import FACTOR_COUNT, Factor, Theme

# A catalogue of 35 factors is a few dozen kilobytes at most.
MAX_BYTES = 1024 * 1024
COLUMNS = ("number", "theme", "title", "description", "addressee")
# German column names are accepted as well, as the official list may use them.
COLUMN_ALIASES = {
    "nummer": "number",
    "nr": "number",
    "handlungsfeld": "theme",
    "thema": "theme",
    "titel": "title",
    "beschreibung": "description",
    "adressat": "addressee",
}
UPDATED_FIELDS = ("theme", "title", "description", "addressee", "verified", "source")
# Bounds that keep a hostile file cheap to refuse: the known columns and some empty
# ones, far more rows than factors, and long descriptions.
MAX_COLUMNS = len(COLUMNS) + 10
MAX_ROWS = 200
MAX_LINE_CHARS = 20_000


@dataclass(frozen=True)
class RowError:
    """Why one line (or, with `line=None`, the whole file) cannot be imported."""

    line: int | None
    message: str

    def __str__(self):
        if self.line is None:
            return self.message
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class FactorChange:
    number: int
    fields: tuple[str, ...]

    def __str__(self):
        names = ", ".join(str(Factor._meta.get_field(name).verbose_name) for name in self.fields)
        return _("Factor %(number)s: %(fields)s") % {"number": self.number, "fields": names}


@dataclass
class ImportResult:
    """What an import found and did.

    `rows` counts the factor rows read; `errors` lists every problem (nothing
    was saved if there is one); `changes` lists each factor whose stored values
    differ from the file; `new_themes` the themes created (or, in a dry run,
    that would be created); `empty_themes` the themes left without any factor.
    """

    filename: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[FactorChange] = field(default_factory=list)
    new_themes: list[str] = field(default_factory=list)
    empty_themes: list[str] = field(default_factory=list)
    saved: bool = False

    @property
    def ok(self):
        return not self.errors


@dataclass
class _Row:
    line: int
    number: int
    theme: str
    title: str
    description: str
    addressee: str


def _clean(text):
    """Strip and collapse inner whitespace runs (spreadsheet cells often carry stray ones)."""
    return " ".join(text.split())


def _addressee_lookup():
    """Map each accepted spelling of an addressee to its stored value.

    Accepted: the value itself (bund, land, kommune, mehrere) and its label in
    German and in English, case-insensitive.
    """
    lookup = {}
    for choice in Factor.Addressee:
        lookup[choice.value.casefold()] = choice.value
        for language in ("de", "en"):
            with translation.override(language):
                lookup[_clean(str(choice.label)).casefold()] = choice.value
    return lookup


def _allowed_addressees():
    with translation.override("de"):
        return ", ".join(f"{c.value} ({c.label})" for c in Factor.Addressee)


def _decode(data, errors):
    if not data or not data.strip():
        errors.append(RowError(None, _("The file is empty.")))
        return None
    if len(data) > MAX_BYTES:
        errors.append(
            RowError(
                None,
                _("The file is larger than %(limit)s KB; a catalogue of 35 factors is far smaller.")
                % {"limit": MAX_BYTES // 1024},
            )
        )
        return None
    if b"\x00" in data:
        errors.append(
            RowError(None, _("The file is not a CSV text file (it contains binary data)."))
        )
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.append(
            RowError(line, _("the file is not UTF-8 text; save it as “CSV UTF-8” and try again."))
        )
        return None
    if not text.strip():
        errors.append(RowError(None, _("The file is empty.")))
        return None
    for line, physical in enumerate(text.split("\n"), start=1):
        if len(physical) > MAX_LINE_CHARS:
            errors.append(
                RowError(
                    line,
                    _("the line is longer than %(limit)s characters.") % {"limit": MAX_LINE_CHARS},
                )
            )
            return None
    return text


def _dialect(text):
    """(delimiter, whether the first line only names it).

    Excel may write a first line "sep=;"; otherwise semicolon (German spreadsheets) or
    comma, whichever the header row uses more.
    """
    first = text.lstrip().splitlines()[0]
    if len(first.strip()) == 5 and first.lower().startswith("sep="):
        return first[4], True
    return (";" if first.count(";") > first.count(",") else ","), False


def _header_positions(header, line, errors):
    """Map each expected column to its position, or report what is wrong with the header."""
    names = [COLUMN_ALIASES.get(n, n) for n in (_clean(c).casefold() for c in header)]
    expected = ", ".join(COLUMNS)
    positions = {}
    for index, name in enumerate(names):
        if name in positions:
            errors.append(
                RowError(line, _("the column “%(column)s” appears twice.") % {"column": name})
            )
        positions[name] = index
    missing = [c for c in COLUMNS if c not in positions]
    unknown = [header[i] for n, i in positions.items() if n not in COLUMNS and n]
    if missing:
        errors.append(
            RowError(
                line,
                _("missing columns: %(columns)s. Expected: %(expected)s.")
                % {"columns": ", ".join(missing), "expected": expected},
            )
        )
    if unknown:
        errors.append(
            RowError(
                line,
                _("unknown columns: %(columns)s. Expected: %(expected)s.")
                % {"columns": ", ".join(unknown), "expected": expected},
            )
        )
    return None if errors else positions


def _parse_number(raw, line, errors):
    if not raw:
        errors.append(RowError(line, _("the number is missing.")))
        return None
    try:
        number = int(raw)
    except ValueError:
        errors.append(
            RowError(line, _("the number “%(value)s” is not a whole number.") % {"value": raw})
        )
        return None
    if not 1 <= number <= FACTOR_COUNT:
        errors.append(
            RowError(
                line,
                _("the number %(number)s is outside 1–%(max)s.")
                % {"number": number, "max": FACTOR_COUNT},
            )
        )
        return None
    return number


def _parse_rows(text, errors):
    """Read and check every row (errors are collected, not raised).

    Returns the valid rows and, for every readable number, the line it first
    appeared on.
    """
    delimiter, skip_sep_line = _dialect(text)
    if _header_too_wide(text, delimiter, skip_sep_line, errors):
        return [], {}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    positions = None
    width = 0
    seen = {}  # number -> first line
    addressees = _addressee_lookup()
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(
                RowError(reader.line_num, _("unreadable CSV (%(error)s).") % {"error": exc})
            )
            return [], seen
        start, line = line, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if start > MAX_ROWS:
            errors.append(
                RowError(
                    start,
                    _("the file has more than %(limit)s lines; a catalogue has %(count)s factors.")
                    % {"limit": MAX_ROWS, "count": FACTOR_COUNT},
                )
            )
            return [], seen
        if skip_sep_line:
            skip_sep_line = False
            continue
        if positions is None:
            # Spreadsheets often end every line with empty cells; they carry nothing.
            while not cells[-1].strip():
                cells.pop()
            width = len(cells)
            positions = _header_positions(cells, start, errors)
            if positions is None:
                return [], seen
            continue
        if len(cells) > width and not any(c.strip() for c in cells[width:]):
            cells = cells[:width]
        if len(cells) != width:
            errors.append(
                RowError(
                    start,
                    _("%(count)s fields instead of %(expected)s; is the separator right?")
                    % {"count": len(cells), "expected": width},
                )
            )
            continue
        values = {name: cells[i] for name, i in positions.items() if name in COLUMNS}
        row = _check_row(values, start, seen, addressees, errors)
        if row is not None:
            rows.append(row)
    if positions is None:
        errors.append(RowError(None, _("The file is empty.")))
    elif not seen and not errors:
        errors.append(RowError(None, _("The file has a header row but no factor rows.")))
    return rows, seen


def _header_too_wide(text, delimiter, skip_sep_line, errors):
    # The header is the first line, or the second after Excel's "sep=" line.
    header = text.lstrip().split("\n", 2)[1 if skip_sep_line else 0 :][:1]
    if not header or header[0].count(delimiter) < MAX_COLUMNS:
        return False
    errors.append(
        RowError(
            None,
            _("The header has more than %(limit)s columns. Expected: %(expected)s.")
            % {"limit": MAX_COLUMNS, "expected": ", ".join(COLUMNS)},
        )
    )
    return True


def _check_row(values, line, seen, addressees, errors):
    """The factor row of one line's `values`, or None with its problems in `errors`."""
    row_errors = []
    number = _parse_number(_clean(values["number"]), line, row_errors)
    if number is not None:
        if number in seen:
            row_errors.append(
                RowError(
                    line,
                    _("the number %(number)s appears again (first in line %(first)s).")
                    % {"number": number, "first": seen[number]},
                )
            )
        else:
            seen[number] = line
    theme = _clean(values["theme"])
    if not theme:
        row_errors.append(RowError(line, _("the theme is empty.")))
    elif len(theme) > (theme_max := Theme._meta.get_field("name").max_length):
        row_errors.append(
            RowError(line, _("the theme is longer than %(max)s characters.") % {"max": theme_max})
        )
    title = _clean(values["title"])
    if not title:
        row_errors.append(RowError(line, _("the title is empty.")))
    elif len(title) > (title_max := Factor._meta.get_field("title").max_length):
        row_errors.append(
            RowError(line, _("the title is longer than %(max)s characters.") % {"max": title_max})
        )
    raw_addressee = _clean(values["addressee"])
    addressee = addressees.get(raw_addressee.casefold())
    if addressee is None:
        row_errors.append(
            RowError(
                line,
                _("unknown addressee “%(value)s”; allowed: %(allowed)s.")
                % {"value": raw_addressee, "allowed": _allowed_addressees()},
            )
        )
    if row_errors:
        errors.extend(row_errors)
        return None
    return _Row(
        line=line,
        number=number,
        theme=theme,
        title=title,
        description=values["description"].strip(),
        addressee=addressee,
    )


def import_catalogue(*, data, filename, dry_run=False, today=None):
    """Validate `data` (the bytes of a CSV file) and, if every row is valid, save it.

    Returns an ImportResult. With errors, or with `dry_run`, nothing is saved;
    otherwise all changes happen in one transaction.
    """
    name = PurePath(filename).name or str(filename)
    result = ImportResult(filename=name)
    text = _decode(data, result.errors)
    if text is None:
        return result
    rows, seen = _parse_rows(text, result.errors)
    result.rows = len(seen)

    with transaction.atomic():
        factors = {f.number: f for f in Factor.objects.select_for_update().select_related("theme")}
        unknown = sorted(set(seen) - set(factors))
        for number in unknown:
            result.errors.append(
                RowError(
                    seen[number],
                    _("there is no factor %(number)s yet; run “manage.py seed” first.")
                    % {"number": number},
                )
            )
        missing = sorted(set(factors) - set(seen))
        if seen and missing:
            result.errors.append(
                RowError(
                    None,
                    _("Numbers missing from the file: %(numbers)s.")
                    % {"numbers": ", ".join(map(str, missing))},
                )
            )
        if result.errors:
            return result
        _apply(rows, factors, result, dry_run=dry_run, today=today or timezone.localdate())
    return result


def _source_note(filename, day):
    # Factor data stays German, whatever the interface language.
    note = f"Offizieller Katalog, importiert aus „{filename}“ am {day:%d.%m.%Y}"
    limit = Factor._meta.get_field("source").max_length
    return note if len(note) <= limit else note[: limit - 1] + "…"


def _apply(rows, factors, result, *, dry_run, today: date):
    themes = {}
    for theme in Theme.objects.order_by("number"):
        themes.setdefault(theme.name.casefold(), theme)
    top = Theme.objects.aggregate(number=Max("number"), order=Max("order"))
    next_number, next_order = (top["number"] or 0) + 1, (top["order"] or 0) + 1
    source = _source_note(result.filename, today)

    changed = []
    for row in rows:
        theme = themes.get(row.theme.casefold())
        if theme is None:
            theme = Theme(number=next_number, name=row.theme, order=next_order)
            if not dry_run:
                theme.save()
            themes[row.theme.casefold()] = theme
            result.new_themes.append(row.theme)
            next_number += 1
            next_order += 1
        factor = factors[row.number]
        new = {
            "theme": theme,
            "title": row.title,
            "description": row.description,
            "addressee": row.addressee,
            "verified": True,
        }
        fields = tuple(
            name
            for name in new
            if (
                (factor.theme_id != theme.pk or theme.pk is None)
                if name == "theme"
                else getattr(factor, name) != new[name]
            )
        )
        if fields:
            result.changes.append(FactorChange(row.number, fields))
        for name, value in new.items():
            setattr(factor, name, value)
        factor.source = source
        changed.append(factor)

    # The file covers every factor, so a theme it does not name is left empty.
    used = {row.theme.casefold() for row in rows}
    result.empty_themes = [t.name for key, t in themes.items() if key not in used]
    if dry_run:
        return
    Factor.objects.bulk_update(changed, UPDATED_FIELDS)
    result.saved = True
