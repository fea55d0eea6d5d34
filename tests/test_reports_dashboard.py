"""The signed-in dashboard and its XLSX export, tested from outside with real logins."""

import html
import io
import re
from datetime import UTC, date, datetime
from unittest import mock

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jobcenters.models import Implementation, Status
from reports.models import DaySummary, Stichtag
from tests.base import PersonaTestCase

from .factories import make_jobcenter, make_user
from .test_reports_history import at, change, give_history

URL = reverse("reports:dashboard")
XLSX_URL = reverse("reports:dashboard_xlsx")
EN = {"accept-language": "en"}


class DashboardTestCase(PersonaTestCase):
    """Jobcenters A and B with history; A's factor 1 moved planned → implemented."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        give_history(Implementation.objects.all())
        cls.f1 = cls.factors[0]
        cls.a1 = Implementation.objects.get(jobcenter=cls.jobcenter_a, factor=cls.f1)
        cls.b1 = Implementation.objects.get(jobcenter=cls.jobcenter_b, factor=cls.f1)
        change(cls.a1, cls.staff_a, at(2026, 2, 15), status=Status.PLANNED)
        change(cls.a1, cls.staff_a, at(2026, 4, 10), status=Status.DONE)
        change(cls.b1, cls.staff_b, at(2026, 3, 5), status=Status.IN_PROGRESS, progress=30)
        # Internal notes written without a new date, so that staleness stays as set above.
        Implementation.objects.filter(pk=cls.a1.pk).update(internal_note="NOTE-OF-A")
        Implementation.objects.filter(pk=cls.b1.pk).update(internal_note="NOTE-OF-B")
        Stichtag.objects.create(date=date(2026, 3, 31), label="Q1")

    def get(self, user, url=URL, **params):
        self.login(user)
        return self.client.get(url, params, headers=EN)


class DashboardAccessTests(DashboardTestCase):
    def test_anonymous_is_sent_to_login(self):
        for url in (URL, XLSX_URL):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302)
            self.assertIn(reverse("accounts:login"), response["Location"])

    def test_wrong_method_is_405(self):
        self.login(self.director)
        for url in (URL, XLSX_URL):
            self.assertEqual(self.client.post(url).status_code, 405)

    def test_internal_pages_are_never_cached(self):
        for url in (URL, XLSX_URL):
            response = self.get(self.director, url)
            self.assertIn("no-store", response["Cache-Control"])
            self.assertIn("private", response["Cache-Control"])

    def test_user_without_role_or_jobcenter_is_403(self):
        nobody = make_user("nobody")
        self.assertEqual(self.get(nobody).status_code, 403)
        self.assertEqual(self.get(nobody, XLSX_URL).status_code, 403)

    def test_staff_sees_only_their_own_jobcenter(self):
        response = self.get(self.staff_a)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "NOTE-OF-A")
        self.assertNotContains(response, "NOTE-OF-B")
        self.assertNotContains(response, "Jobcenter B")
        self.assertEqual(response.context["dash"].jobcenters, [self.jobcenter_a])

    def test_outsider_does_not_see_a(self):
        response = self.get(self.staff_b)
        self.assertContains(response, "NOTE-OF-B")
        self.assertNotContains(response, "NOTE-OF-A")
        self.assertNotContains(response, "Jobcenter A")

    def test_director_and_coordinator_see_everything(self):
        for user in (self.director, self.coordinator):
            response = self.get(user)
            self.assertContains(response, "NOTE-OF-A")
            self.assertContains(response, "NOTE-OF-B")

    def test_xlsx_is_scoped_like_the_page(self):
        response = self.get(self.staff_a, XLSX_URL)
        self.assertEqual(response.status_code, 200)
        text = " ".join(
            str(cell.value)
            for sheet in load_workbook(io.BytesIO(response.content)).worksheets
            for row in sheet.iter_rows()
            for cell in row
        )
        self.assertIn("NOTE-OF-A", text)
        self.assertNotIn("NOTE-OF-B", text)
        self.assertNotIn("Jobcenter B", text)


class DashboardContentTests(DashboardTestCase):
    def test_headline_counts_today(self):
        dash = self.get(self.director).context["dash"]
        self.assertEqual(dash.headline.counts[Status.DONE], 1)
        self.assertEqual(dash.headline.counts[Status.IN_PROGRESS], 1)
        self.assertEqual(dash.headline.total, 6)

    def test_headline_as_of_a_date(self):
        response = self.get(self.director, as_of="2026-03-01")
        dash = response.context["dash"]
        self.assertEqual(dash.headline.counts[Status.PLANNED], 1)
        self.assertEqual(dash.headline.counts[Status.DONE], 0)
        self.assertContains(response, "Overview as of")

    def test_jobcenters_without_updates_follow_the_months_given(self):
        # Every row of B last changed in spring 2026; A's other rows today.
        Implementation.objects.filter(jobcenter=self.jobcenter_b).update(updated_at=at(2026, 3, 5))
        response = self.get(self.director, stale_months=6)
        dash = response.context["dash"]
        self.assertEqual(dash.stale_jobcenters, [self.jobcenter_b])
        self.assertContains(response, "Jobcenters without any update for 6 months or longer")
        self.assertContains(response, "1 of 2 jobcenters")
        months_since_spring = (timezone.localdate() - date(2026, 3, 5)).days // 31 + 2
        dash = self.get(self.director, stale_months=months_since_spring).context["dash"]
        self.assertEqual(dash.stale_jobcenters, [])

    def test_stale_default_comes_from_settings(self):
        with self.settings(KJC_STALE_MONTHS=7):
            dash = self.get(self.director).context["dash"]
        self.assertEqual(dash.params["stale_months"], 7)

    def test_what_changed_since_names_who_and_old_to_new(self):
        response = self.get(self.director, since="2026-04-01")
        dash = response.context["dash"]
        self.assertEqual(dash.changes_total, 1)
        [entry] = dash.changes
        self.assertEqual(entry.user_name, "staff-a")
        self.assertContains(response, "staff-a")
        self.assertContains(response, "planned → implemented")

    def test_what_changed_shows_times_and_dates_as_the_site_does(self):
        # 23:30 UTC on 30 April is 01:30 on 1 May in Berlin, the site's time zone.
        late = datetime(2026, 4, 30, 23, 30, tzinfo=UTC)
        change(self.b1, self.staff_b, late, target_date=date(2027, 9, 30))
        self.login(self.director)
        for language, when, target in [
            ("de", "01.05.2026 01:30", "30. September 2027"),
            ("en", "2026-05-01 01:30", "30 September 2027"),
        ]:
            with self.subTest(language=language):
                response = self.client.get(
                    URL, {"since": "2026-04-20"}, headers={"accept-language": language}
                )
                self.assertContains(response, f"<td>{when}</td>")
                self.assertContains(response, f"– → {target}</li>")

    def test_what_users_wrote_is_escaped_in_every_table(self):
        # The long tables are rendered by Jinja2 (kjc/jinja2.py), which must escape too.
        bold = "<b>bold</b>"
        self.jobcenter_b.name = f"Jobcenter {bold}"
        self.jobcenter_b.save()
        change(self.b1, self.staff_b, at(2026, 4, 20), internal_note=f"{bold}\nline two")
        response = self.get(self.director, since="2026-04-15")
        body = response.content.decode()
        self.assertNotIn(bold, body)
        self.assertIn("&lt;b&gt;bold&lt;/b&gt;<br>line two</td>", body)  # internal notes
        self.assertIn("<strong>internal note</strong>: – → &lt;b&gt;bold", body)
        self.assertIn('<th scope="row">Jobcenter &lt;b&gt;bold&lt;/b&gt;</th>', body)

    def test_what_changed_is_scoped(self):
        dash = self.get(self.staff_b, since="2026-01-01").context["dash"]
        self.assertEqual({c.jobcenter_id for c in dash.changes}, {self.jobcenter_b.pk})

    def test_since_defaults_to_the_last_stichtag(self):
        dash = self.get(self.director).context["dash"]
        self.assertEqual(dash.params["since"], date(2026, 3, 31))
        self.assertEqual(dash.params["a"], date(2026, 3, 31))

    def test_trend_has_chart_and_table(self):
        response = self.get(self.director, trend_months=3)
        dash = response.context["dash"]
        self.assertEqual(len(dash.trend), 3)
        self.assertEqual(dash.trend[-1].summary.total, 6)
        self.assertEqual(dash.trend[-1].summary.counts[Status.DONE], 1)
        self.assertContains(response, '<svg class="trend-chart"')
        self.assertContains(response, 'role="img"')
        self.assertContains(response, "seg-umgesetzt")

    def test_compare_two_dates_per_factor_and_jobcenter(self):
        response = self.get(self.director, a="2026-03-01", b="2026-05-01")
        dash = response.context["dash"]
        factor_row = dash.compare_factors[0]
        self.assertEqual(factor_row.a.done, 0)
        self.assertEqual(factor_row.b.done, 1)
        self.assertEqual(factor_row.a.counts[Status.PLANNED], 1)
        self.assertEqual(factor_row.b.counts[Status.IN_PROGRESS], 1)
        self.assertAlmostEqual(factor_row.delta_share, 50.0)
        rows = {r.label: r for r in dash.compare_jobcenters}
        self.assertAlmostEqual(rows["Jobcenter A"].delta_share, 100 / 3)
        self.assertEqual(rows["Jobcenter B"].delta_share, 0)

    def test_bad_values_get_a_message_and_defaults(self):
        for params in (
            {"stale_months": "abc"},
            {"stale_months": "0"},
            {"stale_months": "9" * 30},
            {"since": "2999-01-01"},
            {"a": "31.02.2026"},
            {"trend_months": "1000"},
            {"as_of": "\x00"},
        ):
            response = self.get(self.director, **params)
            self.assertEqual(response.status_code, 400, params)
            self.assertContains(response, 'role="alert"', status_code=400)
            self.assertEqual(response.context["dash"].params["trend_months"], 12)

    def test_long_lists_are_cut_and_say_so(self):
        with mock.patch("reports.dashboard.LIST_LIMIT", 1):
            response = self.get(self.director, since="2026-01-01")
        dash = response.context["dash"]
        self.assertEqual(len(dash.internal_notes), 1)
        self.assertEqual(len(dash.changes), 1)
        self.assertEqual(dash.changes_total, 9)  # 6 created + 3 changes
        self.assertContains(response, "The first 1 notes are listed.")

    def test_german_dates_are_accepted(self):
        dash = self.get(self.director, a="01.03.2026").context["dash"]
        self.assertEqual(dash.params["a"], date(2026, 3, 1))

    def test_bad_values_on_the_export_are_400(self):
        response = self.get(self.director, XLSX_URL, stale_months="x")
        self.assertEqual(response.status_code, 400)
        self.assertIn(b"stale_months", response.content)

    def test_xlsx_holds_every_section(self):
        response = self.get(self.director, XLSX_URL, since="2026-01-01", a="2026-03-01")
        self.assertEqual(
            response["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        self.assertIn(".xlsx", response["Content-Disposition"])
        book = load_workbook(io.BytesIO(response.content))
        self.assertEqual(len(book.worksheets), 7)
        overview, notes, _stale, changes, trend, by_factor, by_jobcenter = book.worksheets
        self.assertEqual(sum(row[1].value for row in overview.iter_rows(min_row=2)), 6)
        self.assertEqual(notes.max_row, 3)
        self.assertEqual(by_jobcenter.max_row, 3)
        self.assertEqual(trend.max_row, 13)
        self.assertEqual(by_factor["C2"].number_format, "0.0%")
        self.assertGreater(changes.max_row, 3)


class DashboardQueryCountTests(DashboardTestCase):
    extra_jobcenters = 0

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for _i in range(cls.extra_jobcenters):
            jobcenter = make_jobcenter()
            rows = list(jobcenter.implementations.all())
            give_history(rows)
            change(rows[0], cls.coordinator, at(2026, 5, 1), status=Status.PLANNED)
            Implementation.objects.filter(pk=rows[1].pk).update(internal_note="intern")

    # session, user, group names (the auth backend's demo-account check, reused for the
    # roles); factors with themes (compare rows, trend select); the data version; Stichtage,
    # jobcenters with their latest update, changes count, changes, their predecessors;
    # then the tables computed once per data version: headline, internal notes, trend,
    # compare A and B (one grouped statement each, per factor and per jobcenter at once);
    # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
    # the accounts 2FA gate asks user.is_verified() on signed-in pages).
    QUERIES = 16
    # The first request over every row also stores the past month ends and day A
    # (reports/summaries.py): 13 queries more, whatever the number of jobcenters, and
    # the rows' INSERTs (two, or more where the backend splits a bulk insert in batches:
    # SQLite at 999 parameters).
    FIRST_QUERIES = QUERIES + 13

    def get_stored(self, url, query=None):
        """The request once, so that its past days are stored; the computed tables are
        then forgotten, as after a change."""
        self.client.get(url, query)
        cache.clear()

    def test_first_dashboard_request_stores_the_days_in_bounded_queries(self):
        self.login(self.director)
        with CaptureQueriesContext(connection) as queries:
            self.client.get(URL, {"a": "2026-03-31"})
        inserts = [q for q in queries if q["sql"].startswith("INSERT")]
        locks = 2 if connection.vendor == "postgresql" else 0  # LOCK TABLE before each store
        self.assertEqual(len(queries) - len(inserts), self.FIRST_QUERIES + locks)
        self.assertGreaterEqual(len(inserts), 2)  # the month ends; day A per jobcenter
        self.assertTrue(DaySummary.objects.exists())

    def test_dashboard_query_count(self):
        self.login(self.director)
        self.get_stored(URL, {"since": "2026-01-01"})
        with self.assertNumQueries(self.QUERIES):
            response = self.client.get(URL, {"since": "2026-01-01"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["dash"].jobcenters), 2 + self.extra_jobcenters)

    def test_dashboard_as_of_query_count(self):
        self.login(self.staff_a)
        # as above, with the headline from the history instead of the rows; a jobcenter's
        # own dashboard reads its trend from the history: nothing is stored
        with self.assertNumQueries(self.QUERIES):
            self.client.get(URL, {"as_of": "2026-04-01"})
        self.assertFalse(DaySummary.objects.exists())

    def test_dashboard_without_changes_query_count(self):
        self.login(self.director)
        query = {"since": timezone.localdate().isoformat()}
        self.get_stored(URL, query)
        # as above: the predecessors are asked for even when no entry has one
        with self.assertNumQueries(self.QUERIES):
            response = self.client.get(URL, query)
        self.assertEqual(response.context["dash"].changes, [])

    def test_dashboard_of_one_factor_query_count(self):
        self.login(self.director)
        self.get_stored(URL, {"trend_of": "t1"})
        with self.assertNumQueries(self.QUERIES):
            self.client.get(URL, {"trend_of": "t1"})

    def test_xlsx_query_count(self):
        self.login(self.coordinator)
        self.get_stored(XLSX_URL)
        with self.assertNumQueries(self.QUERIES):  # the same queries as the page
            self.client.get(XLSX_URL)


class DashboardQueryCountAt100Tests(DashboardQueryCountTests):
    extra_jobcenters = 98


class DashboardTrendAndCompareTests(DashboardTestCase):
    def test_trend_of_one_factor_or_theme(self):
        response = self.get(self.director, trend_of=f"f{self.f1.number}", trend_months=3)
        self.assertEqual(response.status_code, 200)
        trend = response.context["dash"].trend
        self.assertEqual(trend[-1].summary.total, 2)  # factor 1 of A and B
        self.assertEqual(trend[-1].summary.done, 1)
        self.assertContains(response, f"Trend of {self.f1.number}. {self.f1.title}")
        self.assertContains(response, f'<option value="f{self.f1.number}" selected>')
        theme = self.f1.theme
        dash = self.get(self.director, trend_of=f"t{theme.number}").context["dash"]
        expected = Implementation.objects.filter(factor__theme=theme).count()
        self.assertEqual(dash.trend[-1].summary.total, expected)

    def test_unknown_trend_subject_is_a_message(self):
        response = self.get(self.director, trend_of="f999")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'role="alert"', status_code=400)
        self.assertEqual(response.context["dash"].trend[-1].summary.total, 6)

    def test_a_dash_in_the_comparison_is_explained(self):
        # Before any history existed there is nothing applicable to compare.
        response = self.get(self.director, a="2020-01-01")
        self.assertContains(response, 'aria-describedby="compare-dash-note"')
        self.assertContains(response, 'id="compare-dash-note"')
        self.assertIsNone(response.context["dash"].compare_factors[0].a.done_share)

    def test_the_page_and_the_xlsx_show_the_same_comparison(self):
        params = {"a": "2026-03-01", "b": "2026-05-01"}
        page = self.get(self.director, **params)
        book = load_workbook(io.BytesIO(self.get(self.director, XLSX_URL, **params).content))
        tables = re.findall(
            r"<table aria-describedby=\"compare-dash-note\">(.*?)</table>",
            page.content.decode(),
            re.S,
        )
        sheets = book.worksheets[-2:]
        self.assertEqual(len(tables), 2)
        for table, sheet in zip(tables, sheets, strict=True):
            headers = [html.unescape(h) for h in re.findall(r'<th scope="col">(.*?)</th>', table)]
            self.assertEqual(headers, [c.value for c in sheet[1]])
            self.assertIn("Change (percentage points)", headers)
            html_rows = [
                [
                    html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                    for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
                ]
                for row in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], re.S)
            ]
            xlsx_rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
            self.assertEqual(len(html_rows), len(xlsx_rows))
            for shown, stored in zip(html_rows, xlsx_rows, strict=True):
                label, done_a, share_a, done_b, share_b, delta = stored
                as_share = lambda v: "–" if v is None else f"{v * 100:.1f} %"  # noqa: E731
                self.assertEqual(
                    shown,
                    [
                        label,
                        str(done_a),
                        as_share(share_a),
                        str(done_b),
                        as_share(share_b),
                        "–" if delta is None else f"{delta:.1f}",
                    ],
                )
        self.assertTrue(any(row[5].value for row in sheets[0].iter_rows(min_row=2)))

    def test_the_tables_are_computed_once_per_data_version(self):
        self.login(self.director)
        self.client.get(URL, {"since": "2026-01-01"}, headers=EN)
        # session, user, group names, factors, data version, Stichtage, jobcenters, and
        # the names of the users in "what changed" (not part of the data version);
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware).
        with self.assertNumQueries(9):
            response = self.client.get(URL, headers=EN, query_params={"since": "2026-01-01"})
        self.assertEqual(response.context["dash"].headline.done, 1)
        self.staff_a.first_name, self.staff_a.last_name = "Anna", "Beispiel"
        self.staff_a.save()
        response = self.client.get(URL, headers=EN, query_params={"since": "2026-01-01"})
        self.assertContains(response, "Anna Beispiel")
        # A change is visible on the next request.
        Implementation.objects.filter(pk=self.b1.pk).update(status=Status.DONE, progress=100)
        response = self.client.get(URL, headers=EN)
        self.assertEqual(response.context["dash"].headline.done, 2)
        self.assertContains(response, "NOTE-OF-B")
