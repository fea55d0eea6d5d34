"""What never reaches the public: internal notes and who changed an entry."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from jobcenters import roles, services
from jobcenters.models import Implementation, Status

from .factories import PASSWORD, make_catalogue, make_district, make_jobcenter, make_user

MARKERS = {
    "internal_note": "LEAK-INTERNAL-NOTE-7f3a",
    "username": "leak-username-7f3a",
    "email": "leak-mail-7f3a@example.org",
    "first_name": "LeakFirst7f3a",
    "last_name": "LeakLast7f3a",
}


class LeakScanTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        factors = make_catalogue(factors=3, themes=2)
        jobcenter = make_jobcenter(district=make_district(ags="06438", name="Kreis Offenbach"))
        other = make_jobcenter(district=make_district(ags="06414", name="Wiesbaden"))
        author = make_user(
            MARKERS["username"],
            group=roles.JOBCENTER_STAFF,
            jobcenters=[jobcenter],
            email=MARKERS["email"],
            first_name=MARKERS["first_name"],
            last_name=MARKERS["last_name"],
        )
        statuses = [Status.DONE, Status.IN_PROGRESS, Status.NOT_APPLICABLE]
        for factor, status in zip(factors, statuses, strict=True):
            Implementation.objects.filter(factor=factor).update(
                status=status,
                progress=100 if status == Status.DONE else 30,
                not_applicable_reason="Grund" if status == Status.NOT_APPLICABLE else "",
                public_note="Öffentliche Notiz",
                internal_note=MARKERS["internal_note"],
                updated_by=author,
            )
        # A released change by the author, so the feeds have an entry to leak from.
        row = Implementation.objects.get(jobcenter=jobcenter, factor=factors[1])
        services.update_implementation(
            implementation=row,
            values={"status": Status.PLANNED, "internal_note": MARKERS["internal_note"] + "!"},
            expected_version=row.version,
            user=author,
        )
        cls.feeds = [
            reverse("opendata:changes_feed"),
            reverse("opendata:jobcenter_feed", args=["06438"]),
            reverse("opendata:factor_feed", args=[factors[1].number]),
        ]
        cls.urls = [
            reverse("public:home"),
            reverse("public:factor_list"),
            reverse("public:factor_list") + "?status=umgesetzt&q=Test",
            reverse("public:jobcenter_list"),
            reverse("public:matrix"),
            reverse("public:method"),
            reverse("public:imprint"),
            reverse("public:privacy"),
            reverse("public:accessibility"),
            reverse("public:easy_language"),
            reverse("public:contact"),
            *(reverse("public:factor_detail", args=[f.number]) for f in factors),
            *(
                reverse("public:jobcenter_detail", args=[jc.district.ags])
                for jc in [jobcenter, other]
            ),
            *cls.feeds,
            reverse("opendata:datapackage"),
            reverse("opendata:catalogue", args=["ttl"]),
            reverse("opendata:openapi"),
            reverse("opendata:sitemap"),
        ]

    def scan(self):
        for url in self.urls:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            body = response.content.decode().lower()
            for field, marker in MARKERS.items():
                self.assertNotIn(marker.lower(), body, f"{field} leaks on {url}")
        return len(self.urls)

    def test_no_internal_field_on_any_public_page(self):
        # The public note is shown, so the scan does look at rendered notes.
        self.assertContains(
            self.client.get(reverse("public:factor_detail", args=[1])), "Öffentliche Notiz"
        )
        self.assertEqual(self.scan(), len(self.urls))

    def test_the_feeds_scanned_hold_the_authors_change(self):
        for url in self.feeds:
            self.assertContains(self.client.get(url), "<entry>", count=1)

    def test_no_internal_field_in_english_either(self):
        self.client.post(reverse("public:set_language"), {"language": "en", "next": "/"})
        self.scan()

    def test_signed_in_author_does_not_see_internals_on_public_pages(self):
        # Even the author's own session does not turn public pages into internal ones,
        # apart from the header (no name is shown there either).
        self.assertTrue(self.client.login(username=MARKERS["username"], password=PASSWORD))
        for url in self.urls:
            body = self.client.get(url).content.decode()
            self.assertNotIn(MARKERS["internal_note"], body, url)
            self.assertNotIn(MARKERS["email"], body, url)


class AsOfLeakScanTests(LeakScanTests):
    """The same scans over the data pages as of a Stichtag: read from history rows that
    hold the internal note, the author as history user and as updated_by."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        author = get_user_model().objects.get(username=MARKERS["username"])
        yesterday = timezone.now() - timedelta(days=1)
        Implementation.history.bulk_history_create(
            list(Implementation.objects.all()), default_user=author, default_date=yesterday
        )
        days = [timezone.localdate(yesterday), timezone.localdate()]
        pages = [
            reverse("public:home"),
            reverse("public:factor_list"),
            reverse("public:factor_list") + "?status=umgesetzt&q=Test",
            reverse("public:jobcenter_list"),
            reverse("public:matrix"),
            *(reverse("public:factor_detail", args=[n]) for n in (1, 2, 3)),
            *(reverse("public:jobcenter_detail", args=[ags]) for ags in ("06438", "06414")),
        ]
        cls.urls = [
            f"{page}{'&' if '?' in page else '?'}stichtag={day.isoformat()}"
            for page in pages
            for day in days
        ]

    def test_the_feeds_scanned_hold_the_authors_change(self):
        """No feed here: the history rows scanned do hold the markers."""
        self.assertTrue(
            Implementation.history.filter(
                internal_note__startswith=MARKERS["internal_note"],
                history_user__username=MARKERS["username"],
            ).exists()
        )
        page = self.client.get(self.urls[0])
        self.assertContains(page, "Stand zum Stichtag")
