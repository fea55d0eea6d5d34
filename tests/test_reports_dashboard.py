"""The signed-in dashboard and its XLSX export, tested from outside with real logins."""

import io
from datetime import date
from unittest import mock

from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from jobcenters.models import Implementation, Status
from reports.models import Stichtag
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

    def test_stale_entries_follow_the_months_given(self):
        # a1 and b1 were last changed in spring 2026; the other rows today.
        dash = self.get(self.director, stale_months=6).context["dash"]
        self.assertEqual({i.pk for i in dash.stale}, {self.a1.pk, self.b1.pk})
        self.assertEqual(dash.stale_total, 2)
        months_since_spring = (timezone.localdate() - date(2026, 3, 5)).days // 31 + 2
        dash = self.get(self.director, stale_months=months_since_spring).context["dash"]
        self.assertEqual(dash.stale, [])

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
        self.assertEqual(rows["Jobcenter A"].delta_done, 1)
        self.assertEqual(rows["Jobcenter B"].delta_done, 0)

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
        overview, notes, stale, changes, trend, by_factor, by_jobcenter = book.worksheets
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

    def test_dashboard_query_count(self):
        self.login(self.director)
        # session, user, group names (the auth backend's demo-account check, reused for
        # the roles); Stichtage, jobcenters, factors, headline, internal notes, stale
        # list, stale count, changes count, changes, their predecessors, trend, compare A
        # and B (one grouped query each, per factor and per jobcenter at once)
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(17):
            response = self.client.get(URL, {"since": "2026-01-01"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["dash"].jobcenters), 2 + self.extra_jobcenters)

    def test_dashboard_as_of_query_count(self):
        self.login(self.staff_a)
        # as above, with the headline from the history instead of the rows
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(17):
            self.client.get(URL, {"as_of": "2026-04-01"})

    def test_dashboard_without_changes_query_count(self):
        self.login(self.director)
        # as above: the predecessors are asked for even when no entry has one
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(17):
            response = self.client.get(URL, {"since": timezone.localdate().isoformat()})
        self.assertEqual(response.context["dash"].changes, [])

    def test_xlsx_query_count(self):
        self.login(self.coordinator)
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(17):  # the same queries as the page
            self.client.get(XLSX_URL)


class DashboardQueryCountAt100Tests(DashboardQueryCountTests):
    extra_jobcenters = 98


class DashboardRowFilterTests(DashboardTestCase):
    """The row filters (stale_rows, note_rows, change_rows) write what the template loops
    they replaced wrote, in German and English, with markup and line breaks in the data."""

    LOOPS = {
        "stale_rows": (
            "stale",
            "{% for i in rows %}\n"
            "      <tr><td>{{ i.jobcenter_name }}</td><td>{{ i.factor_number }}. "
            "{{ i.factor_title }}</td>\n"
            "      <td>{{ i.status|status }}</td>\n"
            '      <td>{{ i.updated_at|date:"SHORT_DATE_FORMAT" }}</td></tr>\n'
            "    {% endfor %}",
        ),
        "note_rows": (
            "internal_notes",
            "{% for i in rows %}\n"
            "      <tr><td>{{ i.jobcenter_name }}</td><td>{{ i.factor_number }}. "
            "{{ i.factor_title }}</td>\n"
            "      <td>{{ i.status|status }}</td>\n"
            "      <td>{{ i.internal_note|linebreaksbr }}</td></tr>\n"
            "    {% endfor %}",
        ),
        "trend_rows": (
            "trend_rows",
            "{% for at, counts, total in rows %}\n"
            '      <tr><th scope="row">{{ at|date:"SHORT_DATE_FORMAT" }}</th>{% for n in counts %}'
            '<td class="num">{{ n }}</td>{% endfor %}<td class="num">{{ total }}</td></tr>\n'
            "    {% endfor %}",
        ),
        "change_rows": (
            "changes",
            "{% for change in rows %}\n"
            "      <tr>\n"
            '        <td>{{ change.when|date:"SHORT_DATETIME_FORMAT" }}</td>\n'
            '        <td>{{ change.user_name|default:"–" }}</td>\n'
            "        <td>{{ change.jobcenter }}</td>\n"
            "        <td>{{ change.factor_number }}</td>\n"
            '        <td>{% if change.created %}{% translate "created" %}: {% endif %}\n'
            '          <ul class="diff">{% for label, old, new in change.fields %}<li><strong>'
            "{{ label }}</strong>: {{ old }} → {{ new }}</li>{% empty %}<li>"
            '{% translate "no visible change" %}</li>{% endfor %}</ul>\n'
            "        </td>\n"
            "      </tr>\n"
            "    {% endfor %}",
        ),
    }

    CHART_LOOP = (
        "{% for bar in chart.bars %}\n"
        "        <g>\n"
        "          {% for status, y, h, n in bar.segments %}"
        '<rect class="seg-{{ status }}" x="{{ bar.x|stringformat:\'s\' }}" '
        "y=\"{{ y|stringformat:'s' }}\" width=\"{{ chart.bar_width|stringformat:'s' }}\" "
        "height=\"{{ h|stringformat:'s' }}\"></rect>{% endfor %}\n"
        '          <text class="tick" x="{{ bar.x|stringformat:\'s\' }}" '
        'y="{{ chart.label_y }}">{{ bar.label }}</text>\n'
        "        </g>\n"
        "      {% endfor %}"
    )

    def test_trend_bars_write_what_the_loop_wrote(self):
        self.login(self.director)
        for language in ("de", "en"):
            response = self.client.get(
                URL, {"trend_months": 24}, headers={"accept-language": language}
            )
            chart = response.context["chart"]
            self.assertTrue(any(bar.segments for bar in chart["bars"]))
            with translation.override(language):
                expected = Template(self.CHART_LOOP).render(Context({"chart": chart}))
                ours = Template("{% load reports_tags %}{{ chart|trend_bars }}").render(
                    Context({"chart": chart})
                )
            self.assertEqual(ours, expected, language)

    def test_filters_write_what_the_loops_wrote(self):
        Implementation.objects.filter(pk=self.a1.pk).update(
            internal_note='Zeile 1\r\n<b>"Markup"</b> & mehr\nZeile 3'
        )
        change(self.b1, self.staff_b, at(2026, 5, 2), target_date=date(2026, 12, 1), progress=45)
        self.jobcenter_b.name = "Jobcenter <B> & Co"
        self.jobcenter_b.save()
        for language in ("de", "en"):
            self.login(self.director)
            response = self.client.get(
                URL,
                {"since": "2026-01-01", "stale_months": 1},
                headers={"accept-language": language},
            )
            dash = response.context["dash"]
            # A change without visible fields and one by nobody, as the history can hold.
            dash.changes[0].fields = []
            dash.changes[1].user_name = ""
            self.assertTrue(any(c.created for c in dash.changes))
            self.assertTrue(dash.stale and dash.internal_notes)
            with translation.override(language):
                for name, (attribute, loop) in self.LOOPS.items():
                    rows = getattr(dash, attribute)
                    expected = Template("{% load i18n reports_tags %}" + loop).render(
                        Context({"rows": rows})
                    )
                    ours = Template(f"{{% load reports_tags %}}{{{{ rows|{name} }}}}").render(
                        Context({"rows": rows})
                    )
                    self.assertEqual(ours, expected, (language, name))
                    self.assertIn("<tr>", ours)
