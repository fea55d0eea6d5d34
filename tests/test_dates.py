"""kjc/dates.py writes every date and time as django.utils.dateformat does."""

from datetime import UTC, date, datetime

from django.test import SimpleTestCase
from django.utils import dateformat, translation
from django.utils.formats import get_format

from kjc.dates import _number_writer, date_writer

MOMENTS = [
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(999, 12, 31, 23, 59, 59),
    datetime(2026, 10, 25, 0, 0),
    datetime(2026, 3, 29, 14, 7, 0, 123456),
]
DAYS = [date(2026, 3, 1), date(2027, 12, 31)]
TIME_CHARACTERS = set("aAfgGhHiPsuBcrUeIOTZ")


def formats():
    """Hand-picked formats, with and without the %-template shortcut, and the
    site's formats in both languages."""
    found = ["d.m.Y", "d.m.Y H:i", "j.n.Y G:i:s", "Y-m-d", "100 % d", "j. F Y", ""]
    found += ["m/d/Y P", r"d\.m \u\m H:i", "D, d.m.", "N j, Y", "y", "l, j. F Y, H:i"]
    for language in ("de", "en"):
        with translation.override(language):
            for name in ("DATE_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT"):
                found.append(get_format(name))
    return found


class DateWriterTests(SimpleTestCase):
    def test_every_format_as_django_writes_it(self):
        for language in ("de", "en"):
            with translation.override(language):
                for format_string in formats():
                    write = date_writer(format_string)
                    values = MOMENTS if TIME_CHARACTERS & set(format_string) else DAYS + MOMENTS
                    for value in values:
                        with self.subTest(language=language, format=format_string, value=value):
                            self.assertEqual(write(value), dateformat.format(value, format_string))

    def test_number_formats_take_the_shortcut(self):
        for format_string in ("d.m.Y", "d.m.Y H:i", "j. F Y", "100 % d"):
            self.assertIsNotNone(_number_writer(format_string), format_string)
        for format_string in ("m/d/Y P", r"d\.m", "D, d.m.", "N j, Y", "y"):
            self.assertIsNone(_number_writer(format_string), format_string)

    def test_month_names_follow_the_language(self):
        day = date(2026, 3, 1)
        with translation.override("de"):
            self.assertEqual(date_writer("j. F Y")(day), "1. März 2026")
        with translation.override("en"):
            self.assertEqual(date_writer("j. F Y")(day), "1. March 2026")
