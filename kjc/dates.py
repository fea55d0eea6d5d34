"""Dates and times written in Django's date-format syntax, with the format split once.

django.utils.dateformat.format() parses its format string on every call; the editor
writes 35 change times per page and the dashboard hundreds of dates per table. The
writers here give the same text (tests/test_dates.py compares them with Django) for
values already in local time, in the language active when the writer was made.
"""

from functools import lru_cache
from operator import attrgetter

from django.utils.dateformat import DateFormat, re_escaped, re_formatchars
from django.utils.dates import MONTHS
from django.utils.translation import get_language

# Format characters that are a plain number of the date or time. German d.m.Y H:i and
# j. F Y need no more: a format of only these and F is written with one %-operation.
_NUMBER_FORMATS = {
    "d": ("%02d", "day"),
    "j": ("%d", "day"),
    "m": ("%02d", "month"),
    "n": ("%d", "month"),
    "Y": ("%04d", "year"),
    "H": ("%02d", "hour"),
    "G": ("%d", "hour"),
    "i": ("%02d", "minute"),
    "s": ("%02d", "second"),
}


def date_writer(format_string):
    """A function writing a date or datetime like dateformat.format(value, format_string)
    in the active language."""
    return _writer(str(format_string), get_language())


@lru_cache(maxsize=64)
def _writer(format_string, language):
    # `language` is part of the key: month names are read when the writer is made.
    return _number_writer(format_string) or _piece_writer(format_string)


def _number_writer(format_string):
    """One %-template for a format of number characters and F without backslash
    escapes; None for any other."""
    if "\\" in format_string:
        return None
    template, getters = [], []
    for i, piece in enumerate(re_formatchars.split(format_string)):
        if i % 2 == 0:
            template.append(piece.replace("%", "%%"))
        elif piece in _NUMBER_FORMATS:
            conversion, attribute = _NUMBER_FORMATS[piece]
            template.append(conversion)
            getters.append(attrgetter(attribute))
        elif piece == "F":
            names = {number: str(name) for number, name in MONTHS.items()}
            template.append("%s")
            getters.append(lambda value, names=names: names[value.month])
        else:
            return None
    template = "".join(template)
    return lambda value: template % tuple(get(value) for get in getters)


def _piece_writer(format_string):
    """Any format: Django's formatter per value, the format split once (as
    django.utils.dateformat.Formatter.format splits it)."""
    pieces = []
    for i, piece in enumerate(re_formatchars.split(format_string)):
        if i % 2:
            pieces.append((True, piece))
        elif piece:
            pieces.append((False, re_escaped.sub(r"\1", piece)))

    def write(value):
        formatter = DateFormat(value)
        return "".join(
            str(getattr(formatter, piece)()) if special else piece for special, piece in pieces
        )

    return write
