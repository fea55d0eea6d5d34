"""A director signs in and reads the dashboard, at desktop and phone width, in both
languages; every view is checked with axe-core (WCAG 2.1 A/AA)."""

import pytest

from jobcenters import roles
from jobcenters.models import Implementation, Status
from tests.factories import make_catalogue, make_jobcenter, make_user
from tests.test_reports_history import give_history

from .test_review_browser import assert_clean, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("language", ["de", "en"])
def test_director_reads_the_dashboard(make_page, width, language):
    factors = make_catalogue(factors=4, themes=2)
    make_jobcenter(name="Jobcenter Nord")
    make_jobcenter(name="Jobcenter Süd")
    Implementation.objects.filter(factor=factors[0]).update(status=Status.DONE, progress=100)
    Implementation.objects.filter(factor=factors[1]).update(internal_note="Nur intern")
    # A title as long as the plan's longest: the trend's select lists it.
    factors[2].title = (
        "Integrationskurse des Bundes mit grundlegenden und weiterführenden Sprachkursen "
        "abstimmen und die Qualität der Sprachlernangebote weiterentwickeln"
    )
    factors[2].save()
    give_history(Implementation.objects.all())
    make_user("leitung", group=roles.DIRECTORS)
    page = make_page(width=width, language=language)
    login(page, "leitung")
    response = page.goto("/dashboard/")
    assert response.status == 200
    assert page.page.locator("svg.trend-chart rect").count() > 0
    # No sideways scrolling at 360 px (the wide tables scroll in their own region).
    assert page.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert_clean(page)
    page.page.screenshot(path=f"/tmp/reports/dashboard-{width}-{language}.png", full_page=True)

    # A trend for one theme: chosen in the select, the heading names it.
    page.page.select_option("#id_trend_of", "t" + str(factors[1].theme.number))
    page.page.click(".dashboard-form button[type=submit]")
    page.page.wait_for_load_state()
    assert str(factors[1].theme) in page.page.inner_text("#trend-heading")
    assert page.page.locator(".reports table").count() >= 3
    assert_clean(page)
