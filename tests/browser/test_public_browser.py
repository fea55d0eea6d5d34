"""The paths a person takes through the public site, in a real browser.

Every public page and the dashboard are checked with axe-core (WCAG 2.1 A/AA) in
German and English at 1280 px and 360 px, and every request the pages make is
recorded to prove that none leaves 127.0.0.1.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from jobcenters import roles
from jobcenters.seeding import seed_demo_statuses, seed_demo_users, seed_reference_data
from tests.browser.signin import sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFENBACH = "06438"
WIDTHS = (1280, 360)
LANGUAGES = ("de", "en")
MAX_TABS = 250


def public_paths():
    return [
        reverse("public:home"),
        reverse("public:factor_list"),
        reverse("public:factor_detail", args=[1]),
        reverse("public:jobcenter_list"),
        reverse("public:jobcenter_detail", args=[OFFENBACH]),
        reverse("public:matrix"),
        reverse("public:method"),
        reverse("reports:open_data"),
        reverse("public:imprint"),
        reverse("public:privacy"),
        reverse("public:accessibility"),
        reverse("public:easy_language"),
        reverse("public:contact"),
    ]


@pytest.fixture
def seeded():
    seed_reference_data()
    seed_demo_users()
    seed_demo_statuses()


def check_pages(make_page, paths):
    """axe violations, external requests and wrong <html lang> over every variant."""
    problems = {}
    for language in LANGUAGES:
        for width in WIDTHS:
            page = make_page(width=width, language=language)
            yield page, language
            for path in paths:
                response = page.goto(path)
                key = f"{path} [{language}, {width}px]"
                if response.status != 200:
                    problems[key] = [f"HTTP {response.status}"]
                    continue
                found = page.axe_violations() + page.csp_violations()
                lang = page.page.get_attribute("html", "lang")
                if lang != language:
                    found.append(f'<html lang="{lang}">, expected "{language}"')
                if found:
                    problems[key] = found
            external = page.external_requests()
            if external:
                problems[f"external requests [{language}, {width}px]"] = external
    assert problems == {}


def test_every_public_page_passes_axe_in_both_languages_and_widths(seeded, make_page):
    for _page, _language in check_pages(make_page, public_paths()):
        pass


def test_dashboard_passes_axe_in_both_languages_and_widths(seeded, make_page):
    make_user("director-browser", group=roles.DIRECTORS)
    for page, _language in check_pages(make_page, [reverse("reports:dashboard")]):
        log_in(page, "director-browser")


def log_in(page, username):
    sign_in(page, username)


def test_start_factor_jobcenter_matrix_download_by_mouse(seeded, make_page):
    page = make_page()
    p = page.page
    page.goto(reverse("public:home"))
    p.locator(f"nav a[href='{reverse('public:factor_list')}']").first.click()
    p.wait_for_url(re.compile(r"/faktoren/$"))
    p.locator(f"a[href='{reverse('public:factor_detail', args=[1])}']").first.click()
    p.wait_for_url(re.compile(r"/faktoren/1/$"))
    detail = reverse("public:jobcenter_detail", args=[OFFENBACH])
    p.locator(f"main a[href='{detail}']").first.click()
    p.wait_for_url(re.compile(f"{detail}$"))
    assert "Kreis Offenbach" in p.inner_text("main")
    p.locator(f"nav a[href='{reverse('public:matrix')}']").first.click()
    p.wait_for_url(re.compile(r"/matrix/$"))
    assert p.locator("table th[scope=col]").count() >= 16
    p.locator(f"a[href='{reverse('reports:open_data')}']").first.click()
    p.wait_for_url(re.compile(r"/daten/$"))
    with p.expect_download() as download_info:
        p.locator("main a[href$='.csv'], main a[href*='format=csv']").first.click()
    download = download_info.value
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "06438" in content
    assert page.external_requests() == []


def tab_to(page, selector):
    """Press Tab until the focused element matches `selector`; then it has focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reachable by keyboard within {MAX_TABS} tabs")


def test_the_same_path_by_keyboard_alone(seeded, make_page):
    page = make_page()
    p = page.page
    page.goto(reverse("public:home"))
    steps = [
        (f"a[href='{reverse('public:factor_list')}']", r"/faktoren/$"),
        (f"main a[href='{reverse('public:factor_detail', args=[1])}']", r"/faktoren/1/$"),
        (f"main a[href='{reverse('public:jobcenter_detail', args=[OFFENBACH])}']", OFFENBACH),
        (f"a[href='{reverse('public:matrix')}']", r"/matrix/$"),
        (f"a[href='{reverse('reports:open_data')}']", r"/daten/$"),
    ]
    for selector, expected_url in steps:
        tab_to(p, selector)
        with p.expect_navigation():
            p.keyboard.press("Enter")
        assert re.search(expected_url, p.url), (selector, p.url)
    tab_to(p, "main a[href$='.csv'], main a[href*='format=csv']")
    with p.expect_download() as download_info:
        p.keyboard.press("Enter")
    assert download_info.value.suggested_filename.endswith(".csv")
    assert page.external_requests() == []


def test_map_districts_are_links_and_the_table_holds_the_same_numbers(seeded, make_page):
    page = make_page()
    page.goto(reverse("public:home"))
    links = page.page.eval_on_selector_all(
        "svg.map-svg a[href]",
        "els => els.map(a => [a.getAttribute('href'), a.getAttribute('aria-label')])",
    )
    assert len(links) == 16  # the 16 municipal jobcenters; gE districts are not links
    table = dict(
        page.page.eval_on_selector_all(
            "table.map-table tbody tr",
            "rows => rows.map(r => [r.querySelector('a').getAttribute('href'),"
            " r.querySelectorAll('td')[0].innerText.trim()])",
        )
    )
    for href, label in links:
        assert label, href
        assert href in table, href
        assert table[href] in label, (href, label, table[href])
    # Each district link is reachable by keyboard.
    tab_to(page.page, "svg.map-svg a[href]")
