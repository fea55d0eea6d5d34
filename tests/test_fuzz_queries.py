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
from urllib.parse import quote, quote_from_bytes

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
        @settings(
            max_examples=EXAMPLES_PER_PLAIN_PAGE,
            deadline=None,
            database=None,
            derandomize=os.environ.get("KJC_FUZZ_RANDOM") != "1",
        )
        @given(segment=segments)
        def check(segment):
            fuzzed = template.format(segment)
            response = self.client.get(fuzzed)
            self.assertLess(response.status_code, 500, f"{fuzzed} answered {response.status_code}")

        check()

    def fuzz(self, path, known_keys, known_values, budget):
        @settings(
            max_examples=budget,
            deadline=None,
            database=None,
            derandomize=os.environ.get("KJC_FUZZ_RANDOM") != "1",
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(query=query_strings(known_keys, known_values))
        def check(query):
            response = self.client.get(path, QUERY_STRING=query)
            self.assertLess(
                response.status_code, 500, f"{path}?{query} answered {response.status_code}"
            )

        check()
