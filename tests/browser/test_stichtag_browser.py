"""A page as of a Stichtag in a real browser: axe-core finds nothing, the banner is
seen, and its link leads back to today's page."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from jobcenters.seeding import seed_demo_statuses, seed_reference_data
from tests.browser.test_public_browser import OFFENBACH, check_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded():
    seed_reference_data()
    seed_demo_statuses()


def as_of_path():
    path = reverse("public:jobcenter_detail", args=[OFFENBACH])
    return f"{path}?stichtag={timezone.localdate().isoformat()}"


def test_as_of_page_passes_axe_in_both_languages_and_widths(seeded, make_page):
    banners = []
    for page, language in check_pages(make_page, [as_of_path()]):
        banners.append((page, language))
    for page, language in banners:
        text = page.page.inner_text(".notice-stichtag")
        expected = "Stand zum Stichtag" if language == "de" else "Status as of"
        assert expected in text


def test_the_banner_leads_back_to_today(seeded, make_page):
    page = make_page()
    p = page.page
    page.goto(as_of_path())
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert p.locator(".notice-stichtag").inner_text().startswith(f"Stand zum Stichtag {today}")
    p.locator(".notice-stichtag a").click()
    detail = reverse("public:jobcenter_detail", args=[OFFENBACH])
    p.wait_for_url(re.compile(f"{detail}$"))
    assert p.locator(".notice-stichtag").count() == 0
    assert page.external_requests() == []
