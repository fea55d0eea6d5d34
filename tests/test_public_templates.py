"""The public pages write their markup in templates: forms with a real action, unknown
progress as "–", the status palette as CSS classes, and no HTML in public/*.py."""

import re
from pathlib import Path

from django.conf import settings
from django.test import TestCase
from django.urls import reverse

from jobcenters.models import STATUS_ORDER

from .test_public_pages import PublicDataMixin

PUBLIC_APP = Path(settings.BASE_DIR) / "public"
MARKUP = re.compile(r"<(table|tr|td|th|ul|ol|li|span|form|svg|rect|path|a)[\s>]")


class FilterFormActionTests(PublicDataMixin, TestCase):
    """Issue 11 item 5: action="" is not valid HTML; each filter form names its page."""

    def test_every_filter_form_has_its_own_page_as_action(self):
        for name in ("public:factor_list", "public:jobcenter_list", "public:matrix"):
            with self.subTest(name):
                url = reverse(name)
                html = self.client.get(url, {"q": "x"}).content.decode()
                forms = re.findall(r'<form class="filters"[^>]*>', html)
                self.assertEqual(len(forms), 1)
                self.assertIn(f'action="{url}"', forms[0])
                self.assertNotIn('action=""', html)

    def test_filter_fields_render_through_django_form_templates(self):
        html = self.client.get(reverse("public:factor_list")).content.decode()
        self.assertIn('<select name="theme" id="id_theme">', html)
        self.assertIn('<input type="text" name="q" maxlength="100"', html)


class UnknownIsNotZeroTests(PublicDataMixin, TestCase):
    """Issue 13 item 3: "not reported" and "not applicable" show "–", never "0 %"."""

    def test_factor_page(self):
        html = self.client.get(reverse("public:factor_detail", args=[3])).content.decode()
        # Offenbach has not reported factor 3: a dash, not 0 %.
        row = re.search(r"Kreis Offenbach</a></th>.*?</tr>", html, re.S).group(0)
        self.assertIn("nicht gemeldet", row)
        self.assertNotIn("0\u00a0%", row)
        self.assertIn('–<span class="visually-hidden"> kein Fortschritt gemeldet</span>', row)
        # Fulda has not started: a real 0 %.
        row = re.search(r"Landkreis Fulda</a></th>.*?</tr>", html, re.S).group(0)
        self.assertIn("0\u00a0%", row)

    def test_jobcenter_page(self):
        html = self.client.get(reverse("public:jobcenter_detail", args=["06438"])).content.decode()
        row = re.search(r"2\. <span lang=\"de\">Kitaplätze.*?</tr>", html, re.S).group(0)
        self.assertIn("nicht zutreffend", row)
        self.assertNotIn("0\u00a0%", row)


class PaletteTests(PublicDataMixin, TestCase):
    """Issue 13 item 1: maps and bars fill through the status classes of site.css."""

    def test_factor_map_and_bars_use_status_classes_not_colours(self):
        html = self.client.get(reverse("public:factor_detail", args=[1])).content.decode()
        self.assertIn('class="map-region fill-umgesetzt"', html)
        self.assertIn('<rect class="fill-in_umsetzung"', html)
        self.assertNotRegex(html, r'(fill|stroke)="#')
        # The legend shows icon and text for every status, in STATUS_ORDER.
        legend = html[html.index('<figcaption id="map-factor-caption">') :]
        positions = [legend.index(f"{s.icon}</span> {s.label}") for s in STATUS_ORDER]
        self.assertEqual(positions, sorted(positions))

    def test_home_map_uses_the_share_scale(self):
        html = self.client.get(reverse("public:home")).content.decode()
        self.assertRegex(html, r'class="map-region fill-share-[0-4]"')
        css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text()
        for step in range(5):
            self.assertIn(f".fill-share-{step} {{ fill: var(--share-{step}); }}", css)
        for status in STATUS_ORDER:
            self.assertIn(f".fill-{status.value} {{ fill: var(--status-{status.value}); }}", css)


class NoMarkupInPythonTests(TestCase):
    def test_public_python_writes_no_markup(self):
        for path in PUBLIC_APP.rglob("*.py"):
            with self.subTest(path.name):
                self.assertIsNone(MARKUP.search(path.read_text()), path)
        self.assertFalse((PUBLIC_APP / "rows.py").exists())


class EnglishDateTests(PublicDataMixin, TestCase):
    """Issue 13 item 12: English dates in ISO / British order, never US month/day."""

    def test_english_pages_write_iso_dates(self):
        self.client.cookies["django_language"] = "en"
        html = self.client.get(reverse("public:factor_detail", args=[1])).content.decode()
        self.assertIn('lang="en"', html)
        self.assertIn("As of: 2026-11-24", html)
        self.assertIn("2027-03-31", html)  # Wiesbaden's target date
        self.assertNotIn("03/31/2027", html)
        self.assertNotIn("11/24/2026", html)

    def test_format_module_in_every_format(self):
        import datetime as dt

        from django.utils import translation
        from django.utils.formats import date_format

        day = dt.date(2026, 12, 2)
        with translation.override("en"):
            self.assertEqual(date_format(day, "SHORT_DATE_FORMAT"), "2026-12-02")
            self.assertEqual(date_format(day, "DATE_FORMAT"), "2 December 2026")
        with translation.override("de"):
            self.assertEqual(date_format(day, "SHORT_DATE_FORMAT"), "02.12.2026")


class NoticeCountTests(PublicDataMixin, TestCase):
    """Issue 13 item 2: the banners say exact counts, not "some"."""

    def notices(self, name, *args):
        """Each notice's text, tags replaced by a space (the full and the short form)."""
        html = self.client.get(reverse(name, args=args)).content.decode()
        found = re.findall(r'<p class="notice[^"]*" role="note">(.*?)</p>', html, re.S)
        return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", n)).strip() for n in found]

    def test_catalogue_counts(self):
        from factors.catalogue import PLACEHOLDER_SOURCE
        from factors.models import Factor

        Factor.objects.filter(number=1).update(source=PLACEHOLDER_SOURCE)
        for name, args in [
            ("public:home", ()),
            ("public:factor_list", ()),
            ("public:factor_detail", (2,)),
            ("public:jobcenter_detail", ("06438",)),
            ("public:matrix", ()),
        ]:
            with self.subTest(name):
                self.assertIn(
                    "Vorläufiger Katalog : 1 von 3 Faktoren noch ohne Wortlaut;"
                    " 1 von 3 mit dem Dokument abgeglichen."
                    " 1 von 3 ohne Wortlaut",
                    self.notices(name, *args),
                )
        Factor.objects.update(verified=False)
        self.assertIn("keiner mit dem Dokument abgeglichen.", self.notices("public:home")[0])
        Factor.objects.update(source="")
        self.assertEqual(
            self.notices("public:home")[0],
            "Vorläufiger Katalog : 3 von 3 Faktoren noch nicht mit dem Dokument abgeglichen.",
        )
        Factor.objects.update(verified=True)
        self.assertEqual(self.notices("public:home"), [])

    def test_demo_counts(self):
        from jobcenters.models import Implementation

        Implementation.objects.update(is_demo=True)
        Implementation.objects.filter(factor__number=3).update(is_demo=False)
        demo = [n for n in self.notices("public:home") if n.startswith("Demodaten")]
        self.assertEqual(
            demo,
            [
                "Demodaten : 6 von 9 Einträgen sind erfundene Beispiele, "
                "keine echten Meldungen der Jobcenter."
            ],
        )
        demo = [n for n in self.notices("public:matrix") if n.startswith("Demodaten")]
        self.assertTrue(demo[0].startswith("Demodaten : 6 von 9 Einträgen"))
        demo = [n for n in self.notices("public:factor_detail", 1) if n.startswith("Demodaten")]
        self.assertTrue(demo[0].startswith("Demodaten : 3 von 3 Einträgen"))
        self.assertEqual(
            [n for n in self.notices("public:factor_detail", 3) if n.startswith("Demo")], []
        )


class LayoutTests(PublicDataMixin, TestCase):
    """Issue 13 items 10, 11, 13 and 15: what the markup promises the stylesheet."""

    def test_matrix_is_compact_with_labels_on_demand(self):
        html = self.client.get(reverse("public:matrix")).content.decode()
        self.assertIn('<input type="checkbox" id="matrix-labels">', html)
        self.assertIn('<label for="matrix-labels">Statusnamen in den Zellen zeigen</label>', html)
        self.assertIn('<label for="id_theme">Faktoren zeigen aus</label>', html)
        self.assertIn('<p class="scroll-hint"', html)
        css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text()
        self.assertIn("#matrix-labels:checked) .matrix .st-label", css)

    def test_wide_tables_reflow_into_labelled_rows(self):
        for name, args in [
            ("public:factor_list", ()),
            ("public:factor_detail", (1,)),
            ("public:jobcenter_list", ()),
            ("public:jobcenter_detail", ("06438",)),
        ]:
            with self.subTest(name):
                html = self.client.get(reverse(name, args=args)).content.decode()
                self.assertRegex(html, r'<table class="[^"]*reflow')
                self.assertRegex(html, r'<td[^>]* data-label="(Status|Umgesetzt)')

    def test_print_profile_has_a_button_date_and_address(self):
        html = self.client.get(reverse("public:jobcenter_detail", args=["06438"])).content.decode()
        self.assertIn('class="button print-button" data-print hidden>Profil drucken</button>', html)
        self.assertRegex(
            html,
            r'<p class="print-only">Gedruckt am <span data-print-date>\d\d\.\d\d\.\d{4}</span>'
            r" von http://testserver/jobcenter/06438/</p>",
        )

    def test_one_button_style(self):
        html = self.client.get(reverse("public:factor_list")).content.decode()
        self.assertIn('<button type="submit" class="button">Filter anwenden</button>', html)
        css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text()
        self.assertEqual(css.count('.button, main button[type="submit"] {'), 1)
