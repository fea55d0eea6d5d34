"""Any query string on any list, filter or export gives a page or a 400, never a 500.

The addresses are found in the URLconf at test time (every named route of the
public, reports and jobcenters apps that answers GET), and the query keys each page
knows are read from its own form fields, so new pages and filters are fuzzed
without touching this file. Hypothesis then sends random text and bytes
(percent-encoded and raw), huge numbers, SQL fragments, impossible dates, unknown
and repeated keys. Set KJC_FUZZ_RANDOM=1 for fresh random examples on each run;
by default the examples are derived deterministically so CI does not flake.
"""

import os
import re
from html import unescape
from urllib.parse import quote, quote_from_bytes

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobcenters import roles
from tests.base import PersonaTestCase
from tests.factories import make_user

NAMESPACES = {"public", "reports", "jobcenters"}
# Lists, filters and exports (a page with form fields, or a download/API answer) get
# the full budget; plain content pages, which read no parameters, a smaller one.
EXAMPLES_PER_URL = 30
EXAMPLES_PER_PLAIN_PAGE = 10
# The admin has many models times many addresses: fewer examples each.
ADMIN_EXAMPLES = 6

SQL_FRAGMENTS = [
    "' OR '1'='1",
    "1; DROP TABLE jobcenters_implementation; --",
    '" OR 1=1 --',
    "1 UNION SELECT username, password FROM auth_user",
    "%' AND 1=0 UNION SELECT NULL --",
    "') OR ('a'='a",
    "1)) OR sleep(5)#",
    "$where: '1 == 1'",
]
ODD_VALUES = [
    "",
    "0",
    "-1",
    "1e309",
    "NaN",
    "-inf",
    "9" * 400,
    "2026-02-30",
    "31.12.9999",
    "00.00.0000",
    "29.02.2025",
    "0001-01-01",
    "\x00",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "ä" * 300,
    "x" * 5000,
    "true",
    "null",
    "[]",
    "{}",
]
COMMON_KEYS = [
    "q",
    "page",
    "sort",
    "order",
    "format",
    "status",
    "theme",
    "factor",
    "jobcenter",
    "district",
    "addressee",
    "regierungsbezirk",
    "model",
    "stichtag",
    "as_of",
    "date",
    "a",
    "b",
    "lang",
]


def fuzz_settings(max_examples):
    """Hypothesis settings of every fuzz test here: no deadline (the machine is shared),
    no example database, derandomized unless KJC_FUZZ_RANDOM=1."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=os.environ.get("KJC_FUZZ_RANDOM") != "1",
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def sample_kwargs(jobcenter, factor):
    """Values for the URL parameters our routes use."""
    return {
        "ags": jobcenter.district.ags,
        "number": factor.number,
        "pk": jobcenter.pk,
        "dataset": "matrix",
        "variant": "excel",
        "fmt": "csv",
    }


def discover_urls(kwargs):
    """(name, path) of every named route in NAMESPACES that reverse() can build."""
    return sorted((name, path) for name, (path, _params) in discover_routes(kwargs).items())


def discover_routes(kwargs):
    """{name: (path, {parameter: value})} for the routes of discover_urls."""
    found = {}

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name and namespace in NAMESPACES:
                name = f"{namespace}:{entry.name}"
                if name in found:
                    continue
                params = set(entry.pattern.regex.groupindex)
                try:
                    used = {p: kwargs[p] for p in params}
                    found[name] = (reverse(name, kwargs=used), used)
                except (KeyError, NoReverseMatch):
                    continue

    walk(get_resolver().url_patterns, None)
    return found


FIELD_NAME = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"")


OPTION_VALUE = re.compile(r"<option\b[^>]*\bvalue=\"([^\"]*)\"")


def form_keys(html):
    return sorted({name for name in FIELD_NAME.findall(html) if name != "csrfmiddlewaretoken"})


def option_values(html):
    """Valid filter values, to mix valid filters with junk in the other keys."""
    return sorted(set(OPTION_VALUE.findall(html))) or [""]


def encode(text):
    return quote(text, safe="")


def query_strings(known_keys, known_values):
    keys = st.one_of(
        st.sampled_from(known_keys),
        st.text(max_size=12),
    )
    values = st.one_of(
        st.sampled_from(known_values).map(encode),
        st.text(max_size=40).map(encode),
        st.binary(max_size=24).map(lambda b: quote_from_bytes(b, safe="")),
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.sampled_from(SQL_FRAGMENTS).map(encode),
        st.sampled_from(ODD_VALUES).map(encode),
        # What a careless client sends: raw latin-1 and broken percent escapes.
        st.text(alphabet=st.characters(max_codepoint=255, exclude_characters="#"), max_size=20),
        st.sampled_from(["%", "%zz", "%e4", "%ff%fe", "%00", "%C3%28", "+", "&", "=="]),
    )
    pair = st.tuples(keys.map(encode), values).map(lambda kv: f"{kv[0]}={kv[1]}")
    bare = st.sampled_from(["&", "&&", "=", "==x", ";", "a", "%"])
    parts = st.lists(st.one_of(pair, pair, pair, bare), max_size=8)
    repeated = st.tuples(pair, st.integers(min_value=2, max_value=40)).map(
        lambda pr: [pr[0]] * pr[1]
    )
    return st.one_of(parts, repeated).map("&".join)


class QueryStringFuzzTests(PersonaTestCase):
    factor_count = 4

    def test_no_query_string_gives_a_server_error(self):
        urls = discover_urls(sample_kwargs(self.jobcenter_a, self.factors[0]))
        # The routes this file was written against; new ones join automatically.
        names = {name for name, _path in urls}
        for expected in ("public:factor_list", "public:matrix", "reports:open_data"):
            self.assertIn(expected, names)

        fuzzer = make_user("fuzz-coordinator", group=roles.COORDINATION)
        self.login(fuzzer)
        for name, path in urls:
            with self.subTest(name=name, path=path):
                first = self.client.get(path)
                self.assertLess(first.status_code, 500)
                html = first.content.decode(errors="replace")
                is_html = "html" in first.get("Content-Type", "")
                fields = form_keys(html) if is_html else []
                budget = EXAMPLES_PER_URL if fields or not is_html else EXAMPLES_PER_PLAIN_PAGE
                keys = sorted(set(fields) | set(COMMON_KEYS))
                self.fuzz(path, keys, option_values(html) if is_html else [""], budget)

    def test_no_path_parameter_gives_a_server_error(self):
        """Detail and export addresses with a junk jobcenter, factor, dataset or format."""
        routes = discover_routes(sample_kwargs(self.jobcenter_a, self.factors[0]))
        self.login(make_user("fuzz-coordinator", group=roles.COORDINATION))
        segments = st.one_of(
            st.text(min_size=1, max_size=30).map(encode),
            st.integers(min_value=-(10**40), max_value=10**40).map(str),
            st.sampled_from(SQL_FRAGMENTS + ODD_VALUES[1:]).map(encode),
        )
        for name, (path, params) in sorted(routes.items()):
            for param, value in params.items():
                if path.count(str(value)) != 1:
                    continue
                with self.subTest(name=name, parameter=param):
                    self.fuzz_path(path.replace(str(value), "{}"), segments)

    def fuzz_path(self, template, segments):
        @fuzz_settings(EXAMPLES_PER_PLAIN_PAGE)
        @given(segment=segments)
        def check(segment):
            fuzzed = template.format(segment)
            response = self.client.get(fuzzed)
            self.assertLess(response.status_code, 500, f"{fuzzed} answered {response.status_code}")

        check()

    def fuzz(self, path, known_keys, known_values, budget):
        @fuzz_settings(budget)
        @given(query=query_strings(known_keys, known_values))
        def check(query):
            response = self.client.get(path, QUERY_STRING=query)
            self.assertLess(
                response.status_code, 500, f"{path}?{query} answered {response.status_code}"
            )

        check()


# Path segments as a browser, a scanner or a typo would send them: no id at all, a quote,
# huge and negative numbers, escapes Django decodes before the view runs (NUL, UTF-8,
# broken UTF-8) and the admin's own quoting of odd characters in ids (_27 is ').
JUNK_SEGMENTS = st.one_of(
    st.text(min_size=1, max_size=20).map(encode),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        ["'", "%27", "abc", "1.5", "1e3", "0x1", "%00", "%C3%A4", "%ff", "_27", "_5F", "..", "-0"]
        + [encode(value) for value in SQL_FRAGMENTS]
    ),
)


def admin_routes(model_admin, existing_id):
    """Templates ({} = junk) of every address a ModelAdmin answers, around a real row."""
    opts = model_admin.model._meta
    base = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    routes = [
        f"{base}{{}}/",
        f"{base}{{}}/change/",
        f"{base}{{}}/history/",
        f"{base}{{}}/delete/",
        f"{base}{existing_id}/change/{{}}/",
        f"{base}{existing_id}/history/{{}}/",
        f"{base}{existing_id}/delete/{{}}/",
        f"{base}add/{{}}/",
    ]
    if opts.label_lower == "auth.user":
        routes.append(f"{base}{{}}/password/")
    return base, routes


class AdminFuzzTests(PersonaTestCase):
    """Every registered ModelAdmin's list, add, change, history and delete addresses with
    junk ids and junk query strings answer a page, a redirect, a 403 or a 404, never a 500,
    for the coordination office (sees everything) and for jobcenter staff (scoped)."""

    def personas(self):
        return [self.coordinator, self.staff_a]

    def test_admin_urls_with_junk_ids(self):
        registry = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
        self.assertIn("jobcenters.Implementation", [model._meta.label for model, _ in registry])
        for user in self.personas():
            self.login(user)
            for model, model_admin in registry:
                existing = model._default_manager.order_by("pk").first()
                existing_id = existing.pk if existing is not None else 1
                _base, routes = admin_routes(model_admin, existing_id)
                for template in routes:
                    with self.subTest(user=user.username, model=model._meta.label, url=template):
                        self.fuzz_admin_path(template)

    def test_admin_changelists_with_junk_query_strings(self):
        for user in self.personas():
            self.login(user)
            for model, model_admin in sorted(
                admin.site._registry.items(), key=lambda item: item[0]._meta.label
            ):
                base, _routes = admin_routes(model_admin, 1)
                first = self.client.get(base)
                self.assertLess(first.status_code, 500)
                html = first.content.decode(errors="replace")
                keys = sorted(set(form_keys(html)) | {"q", "o", "p", "e", "all", "_to_field"})
                keys += [f"{f.name}__exact" for f in model._meta.fields][:8]
                if hierarchy := model_admin.date_hierarchy:
                    keys += [f"{hierarchy}__{part}" for part in ("year", "month", "day")] * 3
                with self.subTest(user=user.username, model=model._meta.label):
                    self.fuzz_query(base, keys, option_values(html))

    def test_admin_history_with_junk_ids_is_not_found(self):
        """The addresses of issue 11 that answered 500."""
        row = self.jobcenter_a.implementations.first()
        self.login(self.coordinator)
        base = reverse("admin:jobcenters_implementation_changelist")
        for path in (
            f"{base}{row.pk}/history/'/",
            f"{base}abc/history/",
            f"{base}{row.pk}/history/x/",
            f"{base}%00/history/",
            f"{base}{row.pk}/history/{10**30}/",
        ):
            with self.subTest(path=path):
                self.assertEqual(self.client.get(path).status_code, 404)
        # The real history pages still work.
        self.assertEqual(self.client.get(f"{base}{row.pk}/history/").status_code, 200)

    def fuzz_admin_path(self, template):
        @fuzz_settings(ADMIN_EXAMPLES)
        @given(segment=JUNK_SEGMENTS)
        def check(segment):
            fuzzed = template.format(segment)
            response = self.client.get(fuzzed, follow=True)
            self.assertLess(response.status_code, 500, f"{fuzzed} answered {response.status_code}")

        check()

    def fuzz_query(self, path, known_keys, known_values):
        @fuzz_settings(ADMIN_EXAMPLES)
        @given(query=query_strings(known_keys, known_values))
        def check(query):
            response = self.client.get(path, QUERY_STRING=query, follow=True)
            self.assertLess(
                response.status_code, 500, f"{path}?{query} answered {response.status_code}"
            )

        check()


# Paths nobody linked to, under the site's prefixes.
PATH_PREFIXES = [
    "/",
    "/admin/",
    "/bearbeiten/",
    "/faktoren/",
    "/jobcenter/",
    "/daten/",
    "/dashboard/",
]


class JunkPathFuzzTests(PersonaTestCase):
    """Any path, signed in or not, is a page, a redirect or a 404, never a 500."""

    def check_paths(self):
        paths = st.tuples(
            st.sampled_from(PATH_PREFIXES),
            st.lists(JUNK_SEGMENTS, min_size=1, max_size=3).map("/".join),
            st.sampled_from(["", "/"]),
        ).map("".join)

        @fuzz_settings(40)
        @given(path=paths)
        def check(path):
            response = self.client.get(path, follow=True)
            self.assertLess(response.status_code, 500, f"{path} answered {response.status_code}")

        check()

    def test_junk_paths_anonymous(self):
        self.check_paths()

    def test_junk_paths_signed_in(self):
        for user in (self.coordinator, self.staff_a):
            self.login(user)
            with self.subTest(user=user.username):
                self.check_paths()


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
ATTRIBUTE = re.compile(r"\b(method|action|enctype)=\"([^\"]*)\"", re.I)
HIDDEN_VALUE = re.compile(r"<input\b[^>]*\bname=\"([^\"]+)\"[^>]*\bvalue=\"([^\"]*)\"")


def post_forms(html, page):
    """(action, {field: value as the page fills it}) of every POST form on a page."""
    forms = []
    for attributes, body in FORM.findall(html):
        attrs = {key.lower(): value for key, value in ATTRIBUTE.findall(attributes)}
        if attrs.get("method", "get").lower() != "post":
            continue
        action = unescape(attrs.get("action") or page)
        filled = dict.fromkeys(form_keys(body), "")
        filled.update((name, unescape(value)) for name, value in HIDDEN_VALUE.findall(body))
        filled.pop("csrfmiddlewaretoken", None)
        forms.append((action, filled))
    return forms


# What a form field receives from a careless or hostile client.
JUNK_FIELD_VALUES = st.one_of(
    st.sampled_from(ODD_VALUES + SQL_FRAGMENTS),
    st.sampled_from(["31.02.2026", "2026-13-01", "99.99.9999", "1" * 30, "-1" * 10, "1e400"]),
    st.sampled_from(["a\x00b", "\x00", "\U0001f600" * 50, "\u202e", "\r\n" * 20]),
    st.text(max_size=60),
)


class FormPostFuzzTests(PersonaTestCase):
    """Every POST form a signed-in user is shown (the editor, imports, the review queue,
    the admin's change forms) with junk in its fields: a page or a redirect, never a 500."""

    def form_pages(self):
        routes = discover_routes(sample_kwargs(self.jobcenter_a, self.factors[0]))
        pages = {path for path, _params in routes.values()}
        row = self.jobcenter_a.implementations.first()
        pages |= {
            reverse("admin:jobcenters_implementation_change", args=[row.pk]),
            reverse("admin:jobcenters_jobcenter_change", args=[self.jobcenter_a.pk]),
            reverse("admin:factors_factor_change", args=[self.factors[0].pk]),
            reverse("admin:reports_stichtag_add"),
            reverse("admin:auth_user_add"),
        }
        return sorted(pages)

    def test_junk_in_every_form_field(self):
        for user in (self.staff_a, self.coordinator):
            self.login(user)
            seen = set()
            for page in self.form_pages():
                response = self.client.get(page)
                if "html" not in response.get("Content-Type", ""):
                    continue
                for action, fields in post_forms(response.content.decode(), page):
                    if not fields or (action, tuple(fields)) in seen or "logout" in action:
                        continue
                    seen.add((action, tuple(fields)))
                    with self.subTest(user=user.username, action=action):
                        self.fuzz_form(action, fields)
                        self.login(user)
            # Forms the pages show only with data: the review queue's, the language switch.
            for action, fields in (
                (reverse("jobcenters:review_action"), {"action": "release", "selected": "1-1"}),
                (reverse("public:set_language"), {"language": "en", "next": "/"}),
            ):
                with self.subTest(user=user.username, action=action):
                    self.fuzz_form(action, {**fields, "comment": ""})
            self.assertGreater(len(seen), 3, seen)

    def fuzz_form(self, action, fields):
        names = sorted(fields)

        @fuzz_settings(ADMIN_EXAMPLES)
        @given(junk=st.dictionaries(st.sampled_from(names), JUNK_FIELD_VALUES, min_size=1))
        def check(junk):
            response = self.client.post(action, {**fields, **junk})
            self.assertLess(response.status_code, 500, f"POST {action} {junk!r}")

        check()
