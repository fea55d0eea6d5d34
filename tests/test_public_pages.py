"""The public pages: content against data made here, 405/404, language, query counts, 304."""

import datetime as dt
import re

from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from factors.models import Factor
from jobcenters import roles, services
from jobcenters.models import (
    District,
    Implementation,
    OperatingModel,
    Status,
)
from pagecache.models import DataVersion

from .factories import make_district, make_factor, make_jobcenter, make_theme, make_user

DATA_PAGES = [
    ("public:home", []),
    ("public:factor_list", []),
    ("public:factor_detail", [1]),
    ("public:jobcenter_list", []),
    ("public:jobcenter_detail", ["06438"]),
    ("public:matrix", []),
]
STATIC_PAGES = [
    ("public:method", []),
    ("public:imprint", []),
    ("public:privacy", []),
    ("public:accessibility", []),
    ("public:easy_language", []),
    ("public:contact", []),
]
ALL_PAGES = DATA_PAGES + STATIC_PAGES


def set_status(jobcenter, factor, status, **fields):
    progress = {Status.DONE: 100, Status.IN_PROGRESS: 50}.get(status, 0)
    fields.setdefault("progress", progress)
    if status == Status.NOT_APPLICABLE:
        fields.setdefault("not_applicable_reason", "Keine Zielgruppe vor Ort")
    Implementation.objects.filter(jobcenter=jobcenter, factor=factor).update(
        status=status, **fields
    )


class PublicDataMixin:
    """Two themes, three factors; Kreis Offenbach and Wiesbaden (KJC), Darmstadt (gE)."""

    @classmethod
    def setUpTestData(cls):
        cls.theme1 = make_theme(number=1, name="Sprache")
        cls.theme2 = make_theme(number=2, name="Jugend")
        cls.f1 = make_factor(theme=cls.theme1, number=1, title="Sprachkurse abstimmen")
        cls.f2 = make_factor(
            theme=cls.theme1, number=2, title="Kitaplätze", addressee=Factor.Addressee.LAND
        )
        cls.f3 = make_factor(theme=cls.theme2, number=3, title="Jugendberufshilfe", verified=True)
        cls.offenbach = make_jobcenter(
            district=make_district(
                ags="06438", name="Kreis Offenbach", regierungsbezirk="Darmstadt"
            ),
            name="Pro Arbeit – Kreis Offenbach",
        )
        cls.wiesbaden = make_jobcenter(
            district=make_district(
                ags="06414",
                name="Wiesbaden",
                kind=District.Kind.KREISFREIE_STADT,
                regierungsbezirk="Darmstadt",
            ),
            name="Kommunales Jobcenter Wiesbaden",
        )
        cls.fulda = make_jobcenter(
            district=make_district(ags="06631", name="Landkreis Fulda", regierungsbezirk="Kassel"),
            name="Kreisjobcenter Landkreis Fulda",
        )
        make_district(
            ags="06411",
            name="Darmstadt",
            kind=District.Kind.KREISFREIE_STADT,
            model=OperatingModel.JOINT,
        )
        cls.when = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
        Implementation.objects.update(updated_at=cls.when - dt.timedelta(days=30))
        set_status(
            cls.offenbach,
            cls.f1,
            Status.DONE,
            public_note="Gemeinsame Kursplanung mit dem BAMF",
            updated_at=cls.when,
        )
        set_status(cls.offenbach, cls.f2, Status.NOT_APPLICABLE)
        set_status(
            cls.wiesbaden,
            cls.f1,
            Status.IN_PROGRESS,
            progress=40,
            target_date=dt.date(2027, 3, 31),
        )
        set_status(cls.wiesbaden, cls.f3, Status.PLANNED)
        set_status(cls.fulda, cls.f3, Status.NOT_STARTED)


class PublicPageTests(PublicDataMixin, TestCase):
    def get(self, name, args=(), **params):
        response = self.client.get(reverse(name, args=args), params)
        self.assertEqual(response.status_code, 200, name)
        return response

    def test_every_page_works_for_anonymous_and_refuses_post(self):
        for name, args in ALL_PAGES:
            with self.subTest(name):
                response = self.get(name, args)
                self.assertContains(response, '<html lang="de">')
                self.assertContains(response, reverse("public:imprint"))
                self.assertContains(response, reverse("public:accessibility"))
                self.assertContains(response, reverse("public:easy_language"))
                self.assertContains(response, reverse("public:contact"))
                self.assertContains(response, reverse("public:privacy"))
                self.assertContains(response, 'action="/sprache/"')
                self.assertNotContains(response, "csrfmiddlewaretoken")
                self.assertEqual(self.client.post(reverse(name, args=args)).status_code, 405)

    def test_no_inline_script_style_or_third_party_url(self):
        for name, args in ALL_PAGES:
            with self.subTest(name):
                html = self.get(name, args).content.decode()
                self.assertNotIn("<script>", html)
                self.assertNotRegex(html, r"<script(?![^>]*\bsrc=)")
                self.assertNotIn("<style", html)
                self.assertNotRegex(html, r"\sstyle=")
                sources = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
                # Only plain outbound links, never loaded resources.
                self.assertFalse(re.findall(r'(?:src)="https?://', html))
                for url in sources:
                    self.assertNotIn(".css", url)

    def test_navigation_marks_this_page_and_follows_sign_in_and_language(self):
        # The navigation and footer are rendered once per variant and reused
        # (public/templatetags/site_tags.py): whatever was rendered before, each page
        # marks its own link, and signing in or switching the language changes them.
        pages = [("public:home", "/"), ("public:matrix", "/matrix/"), ("public:method", None)]
        pages += [("public:factor_detail", "/faktoren/"), ("public:home", "/")]
        for name, marked in pages:
            with self.subTest(name):
                args = [1] if name == "public:factor_detail" else []
                html = self.get(name, args).content.decode()
                marked = marked or reverse(name)
                self.assertIn(f'href="{marked}" aria-current="page">', html)
                self.assertEqual(html.count('aria-current="page"'), 1)
                self.assertIn(f'href="{reverse("accounts:login")}"', html)
                self.assertNotIn(f'href="{reverse("admin:index")}"', html)
                self.assertIn(">Überblick</a>", html)
                self.assertIn(">Impressum</a>", html)
        self.client.force_login(make_user())
        html = self.get("public:home").content.decode()
        self.assertIn(f'href="{reverse("admin:index")}"', html)
        self.assertNotIn(f'href="{reverse("accounts:login")}"', html)
        self.client.logout()
        self.client.post(reverse("public:set_language"), {"language": "en", "next": "/"})
        html = self.get("public:home").content.decode()
        self.assertIn(">Overview</a>", html)
        self.assertIn(">Imprint</a>", html)
        self.assertIn('href="/" aria-current="page">', html)

    def test_english_switches_html_lang(self):
        self.client.post(reverse("public:set_language"), {"language": "en", "next": "/"})
        for name, args in ALL_PAGES:
            with self.subTest(name):
                self.assertContains(self.get(name, args), '<html lang="en">')

    def test_language_switch_needs_no_token_and_stays_on_this_site(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(
            reverse("public:set_language"), {"language": "en", "next": "/faktoren/?q=x"}
        )
        self.assertRedirects(response, "/faktoren/?q=x", fetch_redirect_response=False)
        self.assertContains(client.get("/faktoren/"), '<html lang="en">')
        response = client.post(
            reverse("public:set_language"), {"language": "de", "next": "https://evil.example/"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(response.headers["Location"].startswith("https://evil"))
        self.assertContains(client.get("/faktoren/"), '<html lang="de">')
        self.assertEqual(client.get(reverse("public:set_language")).status_code, 405)

    def test_unknown_factor_and_jobcenter_are_404(self):
        self.assertEqual(self.client.get("/faktoren/35/").status_code, 404)
        self.assertEqual(self.client.get("/faktoren/0/").status_code, 404)
        self.assertEqual(self.client.get("/faktoren/99999999999999999999/").status_code, 404)
        self.assertEqual(self.client.get("/jobcenter/99999/").status_code, 404)
        self.assertEqual(self.client.get("/jobcenter/abc/").status_code, 404)
        # A gE district has no jobcenter page.
        self.assertEqual(self.client.get("/jobcenter/06411/").status_code, 404)

    def test_data_pages_show_the_date_of_the_latest_change(self):
        for name, args in DATA_PAGES:
            if name == "public:jobcenter_detail":
                continue  # shows the jobcenter's own last update instead
            with self.subTest(name):
                self.assertContains(self.get(name, args), "Stand: 24.11.2026")

    def test_home_figures_date_and_notices(self):
        response = self.get("public:home")
        html = response.content.decode()
        # 3 jobcenters × 3 factors = 9 entries; 1 done of 8 applicable = 12,5 %.
        self.assertIn("Von 9 Einträgen", html)
        self.assertIn("12,5\u00a0%", html)
        self.assertInHTML(
            '<span class="figure-count">4</span>', html, count=1
        )  # not reported: 9 − 5 set
        self.assertIn("Stand: 24.11.2026", html)
        self.assertIn("Vorläufiger Katalog", html)
        self.assertNotIn("Demodaten", html)

    def test_demo_notice_when_a_shown_row_is_demo(self):
        Implementation.objects.filter(jobcenter=self.wiesbaden, factor=self.f1).update(is_demo=True)
        for name, args in DATA_PAGES:
            if name == "public:jobcenter_detail":
                args = ["06414"]
            with self.subTest(name):
                self.assertContains(self.get(name, args), "Demodaten")
        # Kreis Offenbach's page shows no demo row.
        self.assertNotContains(self.get("public:jobcenter_detail", ["06438"]), "Demodaten")

    def test_provisional_notice_goes_when_all_factors_are_verified(self):
        Factor.objects.update(verified=True)
        for name, args in DATA_PAGES:
            with self.subTest(name):
                self.assertNotContains(self.get(name, args), "Vorläufiger Katalog")

    def test_home_map_links_districts_and_marks_joint_institutions(self):
        html = self.get("public:home").content.decode()
        self.assertIn('href="/jobcenter/06438/" aria-label="Kreis Offenbach: 50,0\u00a0%', html)
        self.assertIn("Darmstadt: gemeinsame Einrichtung (gE) – nicht Teil des Plans", html)
        self.assertNotIn('href="/jobcenter/06411/"', html)
        # Every one of the 26 districts is drawn; those without data are labelled so.
        self.assertEqual(html.count('<path class="map-region '), 26)
        self.assertIn("Kassel (Landkreis): keine Daten", html)
        self.assertIn("© GeoBasis-DE / BKG (2021) (Daten verändert)", html)
        self.assertIn('href="http://www.bkg.bund.de"', html)
        self.assertIn("Gebietsstand 2021", html)
        # The table beside the map holds the same number.
        self.assertRegex(html, r"Kreis Offenbach</a></th>\s*<td[^>]*>50,0\u00a0%</td>")

    def test_factor_list_rows_show_distribution_and_coverage(self):
        html = self.get("public:factor_list").content.decode()
        self.assertIn("Sprachkurse abstimmen", html)
        # Factor 1: done (Offenbach), in progress (Wiesbaden), not reported (Fulda).
        self.assertIn("2 von 3 haben gemeldet", html)
        self.assertIn("Angezeigte Faktoren: 3", html)

    def test_factor_list_filters(self):
        def titles(**params):
            html = self.get("public:factor_list", **params).content.decode()
            return [t for t in ["Sprachkurse", "Kitaplätze", "Jugendberufshilfe"] if t in html]

        self.assertEqual(titles(theme=self.theme2.pk), ["Jugendberufshilfe"])
        self.assertEqual(titles(addressee="land"), ["Kitaplätze"])
        self.assertEqual(titles(status="umgesetzt"), ["Sprachkurse"])
        self.assertEqual(titles(status="geplant"), ["Jugendberufshilfe"])
        self.assertEqual(titles(q="kita"), ["Kitaplätze"])
        self.assertEqual(titles(q="3"), ["Jugendberufshilfe"])

    def test_factor_list_bad_filter_values_get_a_message_not_a_500(self):
        response = self.get("public:factor_list", theme="abc", status="kaputt", q="x" * 500)
        self.assertContains(response, "Einige Filterwerte wurden nicht verstanden")
        # Invalid values are left out; the list stays complete.
        self.assertContains(response, "Angezeigte Faktoren: 3")
        response = self.get("public:factor_list", theme="abc", addressee="land")
        self.assertContains(response, "Einige Filterwerte wurden nicht verstanden")
        self.assertContains(response, "Angezeigte Faktoren: 1")

    def test_factor_detail_shows_jobcenters_notes_and_who_is_done(self):
        html = self.get("public:factor_detail", [1]).content.decode()
        self.assertIn("Sprachkurse abstimmen", html)
        self.assertIn("Wer hat es schon umgesetzt?", html)
        self.assertRegex(
            html, r"Pro Arbeit – Kreis Offenbach</a>: <span[^>]*>Gemeinsame Kursplanung"
        )
        self.assertIn("31.03.2027", html)  # Wiesbaden's target date
        self.assertIn("40\u00a0%", html)
        self.assertIn('aria-label="Wiesbaden: in Umsetzung"', html)
        self.assertIn("2 von 3 haben gemeldet.", html)
        self.assertIn("vorläufig, noch nicht mit dem offiziellen Dokument abgeglichen", html)
        html = self.get("public:factor_detail", [3]).content.decode()
        self.assertIn("mit dem offiziellen Dokument abgeglichen", html)
        self.assertIn("Noch kein Jobcenter hat diesen Faktor als umgesetzt gemeldet.", html)

    def test_jobcenter_list_and_filters(self):
        html = self.get("public:jobcenter_list").content.decode()
        for name in ["Kreis Offenbach", "Wiesbaden", "Landkreis Fulda"]:
            self.assertIn(name, html)
        self.assertIn("Kreise mit gemeinsamer Einrichtung (gE)", html)
        self.assertIn("24.11.2026", html)  # Offenbach's last update
        html = self.get("public:jobcenter_list", regierungsbezirk="Kassel").content.decode()
        self.assertIn("Landkreis Fulda", html)
        self.assertNotIn("Wiesbaden", html)
        html = self.get("public:jobcenter_list", kind="kreisfreie_stadt").content.decode()
        self.assertIn("Wiesbaden", html)
        self.assertNotIn("Landkreis Fulda", html)
        response = self.get("public:jobcenter_list", regierungsbezirk="Atlantis")
        self.assertContains(response, "Einige Filterwerte wurden nicht verstanden")

    def test_jobcenter_detail_groups_factors_by_theme(self):
        html = self.get("public:jobcenter_detail", ["06438"]).content.decode()
        self.assertIn("Pro Arbeit – Kreis Offenbach", html)
        self.assertLess(html.index("1. Sprache"), html.index("2. Jugend"))
        self.assertIn("Keine Zielgruppe vor Ort", html)  # the not-applicable reason
        # Theme 1: 1 done of 1 applicable (factor 2 not applicable) = 100 %.
        self.assertIn("1 von 1", html)
        self.assertIn("100,0\u00a0%", html)
        self.assertIn("24.11.2026", html)

    def test_matrix_has_headers_and_cells(self):
        html = self.get("public:matrix").content.decode()
        self.assertIn(
            '<caption id="matrix-caption">'
            "Status je Faktor und Jobcenter (3 Faktoren × 3 Jobcenter)",
            html,
        )
        self.assertIn(
            '<th scope="col" class="matrix-jc">'
            '<a href="/jobcenter/06438/">Kreis Offenbach</a></th>',
            html,
        )
        self.assertIn('<th scope="row"><a href="/faktoren/1/">', html)
        self.assertEqual(html.count('<td class="st '), 9)
        # Compact cells: the icon shown, the status as text (visible on demand) and tooltip.
        self.assertIn(
            '<td class="st st-umgesetzt" title="umgesetzt"><span aria-hidden="true">●</span>'
            '<span class="st-label"> umgesetzt</span></td>',
            html,
        )
        html = self.get(
            "public:matrix", theme=self.theme2.pk, regierungsbezirk="Kassel"
        ).content.decode()
        self.assertEqual(html.count('<td class="st '), 1)
        self.assertIn("st-nicht_begonnen", html)
        response = self.get("public:matrix", theme="999", regierungsbezirk="Atlantis")
        self.assertContains(response, "Einige Filterwerte wurden nicht verstanden")

    def test_german_formats(self):
        html = self.get("public:factor_detail", [1]).content.decode()
        self.assertIn("31.03.2027", html)
        self.client.post(reverse("public:set_language"), {"language": "en", "next": "/"})
        html = self.get("public:home").content.decode()
        self.assertIn("12.5\u00a0%", html)

    def test_method_page_explains_statuses_and_denominators(self):
        html = self.get("public:method").content.decode()
        for status in Status:
            self.assertIn(str(status.definition), html)
        self.assertIn("Selbstauskunft der Kommunalen Jobcenter", html)
        self.assertIn("nie als „nicht begonnen“ gezählt", html)
        with self.settings(KJC_STALE_MONTHS=9):
            self.assertContains(self.get("public:method"), "mehr als 9 Monaten")

    def test_operator_details_marked_until_set(self):
        for name in ["public:imprint", "public:contact", "public:accessibility"]:
            self.assertContains(self.get(name), "noch zu ergänzen")
        with override_settings(
            KJC_OPERATOR_NAME="Koordinierungsstelle KJC",
            KJC_OPERATOR_ADDRESS="Musterstraße 1",
            KJC_OPERATOR_EMAIL="kontakt@example.org",
            KJC_OPERATOR_PHONE="0611 000",
        ):
            response = self.get("public:imprint")
            self.assertContains(response, "Koordinierungsstelle KJC")
            self.assertContains(response, "mailto:kontakt@example.org")
            self.assertNotContains(response, "noch zu ergänzen")
        self.assertContains(self.get("public:accessibility"), "HessBGG")


class ConditionalGetTests(PublicDataMixin, TestCase):
    def test_every_page_answers_304_to_its_own_etag(self):
        for name, args in ALL_PAGES:
            with self.subTest(name):
                url = reverse(name, args=args)
                response = self.client.get(url)
                self.assertIn("ETag", response.headers)
                self.assertIn("no-cache", response.headers["Cache-Control"])
                again = self.client.get(url, headers={"if-none-match": response.headers["ETag"]})
                self.assertEqual(again.status_code, 304)

    def test_data_pages_send_last_modified_of_the_latest_write(self):
        written = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
        DataVersion.objects.update(changed_at=written)  # no trigger on the version itself
        response = self.client.get(reverse("public:home"))
        self.assertEqual(response.headers["Last-Modified"], "Tue, 24 Nov 2026 10:00:00 GMT")
        again = self.client.get(
            reverse("public:home"),
            headers={"if-modified-since": response.headers["Last-Modified"]},
        )
        self.assertEqual(again.status_code, 304)

    def test_no_last_modified_while_the_latest_write_is_in_the_current_second(self):
        # A second change within the same second would carry the same HTTP date.
        services.update_implementation(
            implementation=Implementation.objects.get(jobcenter=self.offenbach, factor=self.f1),
            values={"public_note": "gerade eben"},
            expected_version=1,
            user=make_user("schnell"),
        )
        response = self.client.get(reverse("public:home"))
        self.assertNotIn("Last-Modified", response.headers)
        self.assertIn("ETag", response.headers)

    def test_a_change_is_visible_on_the_next_request(self):
        url = reverse("public:factor_detail", args=[1])
        etag = self.client.get(url).headers["ETag"]
        Implementation.objects.filter(jobcenter=self.fulda, factor=self.f1).update(
            status=Status.DONE, progress=100, updated_at=timezone.now(), version=2
        )
        response = self.client.get(url, headers={"if-none-match": etag})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'aria-label="Landkreis Fulda: umgesetzt"')

    def test_a_save_through_the_service_is_visible_on_the_next_request(self):
        url = reverse("public:jobcenter_detail", args=["06631"])
        first = self.client.get(url)
        row = Implementation.objects.get(jobcenter=self.fulda, factor=self.f1)
        services.update_implementation(
            implementation=row,
            values={"status": Status.PLANNED, "public_note": "Neu geplant"},
            expected_version=row.version,
            user=make_user("editor", group=roles.JOBCENTER_STAFF, jobcenters=[self.fulda]),
        )
        response = self.client.get(url, headers={"if-none-match": first.headers["ETag"]})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Neu geplant")
        self.assertNotEqual(response.headers["ETag"], first.headers["ETag"])

    def test_catalogue_and_language_changes_change_the_etag(self):
        url = reverse("public:factor_list")
        etag = self.client.get(url).headers["ETag"]
        Factor.objects.filter(pk=self.f1.pk).update(title="Neuer Wortlaut")
        response = self.client.get(url, headers={"if-none-match": etag})
        self.assertContains(response, "Neuer Wortlaut")
        etag = response.headers["ETag"]
        self.client.post(reverse("public:set_language"), {"language": "en", "next": "/"})
        self.assertEqual(self.client.get(url, headers={"if-none-match": etag}).status_code, 200)


class EmptyDatabaseTests(TestCase):
    def test_pages_work_before_anything_is_seeded(self):
        for name, args in ALL_PAGES:
            with self.subTest(name):
                response = self.client.get(reverse(name, args=args))
                expected = 404 if args else 200
                self.assertEqual(response.status_code, expected)
        self.assertContains(self.client.get(reverse("public:home")), "Noch keine Meldungen.")
