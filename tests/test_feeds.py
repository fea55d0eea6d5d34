"""Atom feeds of released status changes: all, per jobcenter, per factor."""

import xml.etree.ElementTree as ET
from datetime import timedelta

from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from jobcenters import roles, services
from jobcenters.models import Implementation, PendingChange, Status

from .factories import make_catalogue, make_district, make_jobcenter, make_user

ATOM = "{http://www.w3.org/2005/Atom}"


def change(implementation, user, when, **values):
    implementation.refresh_from_db()
    return services.update_implementation(
        implementation=implementation,
        values=values,
        expected_version=implementation.version,
        user=user,
        when=when,
    )


class FeedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_catalogue(factors=3, themes=2)
        cls.offenbach = make_jobcenter(district=make_district(ags="06438", name="Kreis Offenbach"))
        cls.wiesbaden = make_jobcenter(district=make_district(ags="06414", name="Wiesbaden"))
        cls.user = make_user(
            "feed-editor", group=roles.JOBCENTER_STAFF, jobcenters=[cls.offenbach, cls.wiesbaden]
        )
        # After the rows were created (their first history entries are dated now).
        start = timezone.now() + timedelta(seconds=1)
        row = Implementation.objects.get(jobcenter=cls.offenbach, factor__number=1)
        change(row, cls.user, start, status=Status.IN_PROGRESS, progress=40)
        change(row, cls.user, start + timedelta(hours=1), public_note="Nur eine Notiz")
        change(row, cls.user, start + timedelta(hours=2), status=Status.DONE, progress=100)
        other = Implementation.objects.get(jobcenter=cls.wiesbaden, factor__number=2)
        change(other, cls.user, start + timedelta(hours=3), status=Status.PLANNED, progress=10)
        Implementation.objects.filter(pk=other.pk).update(is_demo=True)
        change(other, cls.user, start + timedelta(hours=4), status=Status.IN_PROGRESS)

    def entries(self, url, status=200):
        response = self.client.get(url)
        self.assertEqual(response.status_code, status, url)
        self.assertTrue(response["Content-Type"].startswith("application/atom+xml"))
        feed = ET.fromstring(response.content)
        return [
            {
                "title": e.findtext(f"{ATOM}title"),
                "link": e.find(f"{ATOM}link").get("href"),
                "updated": e.findtext(f"{ATOM}updated"),
                "summary": e.findtext(f"{ATOM}summary") or "",
                "id": e.findtext(f"{ATOM}id"),
            }
            for e in feed.findall(f"{ATOM}entry")
        ]

    def test_all_changes_newest_first_status_changes_only(self):
        entries = self.entries(reverse("opendata:changes_feed"))
        titles = [e["title"] for e in entries]
        # The note-only change is not a status change; the rows' creation is not either.
        self.assertEqual(len(entries), 4)
        # Rows made in bulk have no first history entry: their first report shows "–".
        self.assertIn("– → geplant", titles[1])
        self.assertIn("Wiesbaden", titles[0])
        self.assertIn("geplant → in Umsetzung", titles[0])
        # The row was demo data, but a real person's edit makes it real (staff edits set
        # is_demo=False), so the entry for that change is not marked as demo data.
        self.assertNotIn("Demodaten", titles[0])
        self.assertIn("Kreis Offenbach", titles[2])
        self.assertIn("Faktor 1: in Umsetzung → umgesetzt", titles[2])
        self.assertNotIn("Demodaten", titles[2])
        self.assertTrue(entries[2]["link"].endswith("/jobcenter/06438/#faktor-1"))
        self.assertTrue(all(e["updated"] for e in entries))
        self.assertEqual(len({e["id"] for e in entries}), 4)

    def test_a_demo_accounts_change_stays_marked_as_demo_data(self):
        demo = make_user("feed-demo", group=roles.DEMO_ACCOUNTS, jobcenters=[self.offenbach])
        row = Implementation.objects.get(jobcenter=self.offenbach, factor__number=3)
        Implementation.objects.filter(pk=row.pk).update(is_demo=True)
        change(row, demo, timezone.now(), status=Status.PLANNED, progress=10)
        titles = [e["title"] for e in self.entries(reverse("opendata:factor_feed", args=[3]))]
        self.assertEqual(len(titles), 1)
        self.assertIn("(Demodaten)", titles[0])

    def test_per_jobcenter_and_per_factor(self):
        offenbach = self.entries(reverse("opendata:jobcenter_feed", args=["06438"]))
        self.assertEqual(len(offenbach), 2)
        self.assertTrue(all("Kreis Offenbach" in e["title"] for e in offenbach))
        factor = self.entries(reverse("opendata:factor_feed", args=[2]))
        self.assertEqual(len(factor), 2)
        self.assertTrue(all("Faktor 2" in e["title"] for e in factor))
        self.assertTrue(factor[0]["link"].endswith("/faktoren/2/"))
        self.assertEqual(self.entries(reverse("opendata:factor_feed", args=[3])), [])

    def test_unknown_jobcenter_or_factor_is_404(self):
        self.assertEqual(self.client.get("/jobcenter/99999/aenderungen.atom").status_code, 404)
        self.assertEqual(self.client.get("/faktoren/99/aenderungen.atom").status_code, 404)

    @override_settings(KJC_REVIEW_REQUIRED=True)
    def test_a_draft_waiting_for_release_is_not_in_the_feed(self):
        row = Implementation.objects.get(jobcenter=self.offenbach, factor__number=3)
        result = change(row, self.user, timezone.now(), status=Status.DONE, progress=100)
        self.assertIsInstance(result, PendingChange)
        titles = [e["title"] for e in self.entries(reverse("opendata:factor_feed", args=[3]))]
        self.assertEqual(titles, [])

    def test_pages_link_their_feed(self):
        pages = {
            reverse("public:home"): reverse("opendata:changes_feed"),
            reverse("public:jobcenter_detail", args=["06438"]): reverse(
                "opendata:jobcenter_feed", args=["06438"]
            ),
            reverse("public:factor_detail", args=[2]): reverse("opendata:factor_feed", args=[2]),
        }
        for page, feed in pages.items():
            with self.subTest(page):
                self.assertContains(
                    self.client.get(page),
                    f'<link rel="alternate" type="application/atom+xml" href="{feed}"',
                )
