"""The one-screen editor as staff use it: sign in, open their own editor, change, save.
Each state is checked with axe-core (WCAG 2.1 A/AA) at 1280 and 360 px in both languages."""

import pytest

from jobcenters import roles
from jobcenters.models import Implementation, Status
from tests.browser.test_public_browser import log_in as sign_in
from tests.factories import make_catalogue, make_jobcenter, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_clean(page, where):
    assert page.axe_violations() == [], where
    assert page.csp_violations() == [], where
    assert page.external_requests() == [], where


@pytest.fixture
def staff_jobcenter():
    roles.ensure_groups()
    make_catalogue(factors=6, themes=2)
    jobcenter = make_jobcenter(name="Jobcenter Testkreis")
    make_user("staff", group=roles.JOBCENTER_STAFF, jobcenters=[jobcenter])
    return jobcenter


def row(jobcenter, number):
    return Implementation.objects.get(jobcenter=jobcenter, factor__number=number)


def test_staff_change_a_status_and_see_what_was_saved(staff_jobcenter, make_page):
    ags = staff_jobcenter.district.ags
    page = make_page()
    sign_in(page, "staff")
    page.goto(f"/bearbeiten/{ags}/")
    assert_clean(page, "editor")
    page.page.select_option("#factor-3 select[name$='-status']", Status.IN_PROGRESS)
    page.page.fill("#factor-3 input[name$='-progress']", "40")
    with page.page.expect_navigation():
        page.page.click("form.editor button[type=submit] >> nth=0")
    # Back at the saved row, with a message naming it.
    assert page.page.url.endswith(f"/bearbeiten/{ags}/#factor-3")
    message = page.page.locator(".messages").inner_text()
    assert "Gespeichert – 1 geänderter Eintrag: Faktor 3." in message
    assert (row(staff_jobcenter, 3).status, row(staff_jobcenter, 3).progress) == (
        Status.IN_PROGRESS,
        40,
    )
    assert_clean(page, "after saving")


def test_reason_appears_for_not_applicable_and_warnings_are_confirmed(staff_jobcenter, make_page):
    ags = staff_jobcenter.district.ags
    page = make_page(width=360)
    sign_in(page, "staff")
    page.goto(f"/bearbeiten/{ags}/")
    reason = page.page.locator("#factor-1 [data-reason]")
    assert not reason.is_visible()
    page.page.select_option("#factor-1 select[name$='-status']", Status.NOT_APPLICABLE)
    assert reason.is_visible()
    page.page.fill("#factor-1 textarea[name$='-not_applicable_reason']", "Kein Bedarf im Kreis")
    # "Planned" with progress: a warning to confirm, not an error.
    page.page.select_option("#factor-2 select[name$='-status']", Status.PLANNED)
    page.page.fill("#factor-2 input[name$='-progress']", "50")
    with page.page.expect_navigation():
        page.page.click("form.editor button[type=submit] >> nth=0")
    assert page.page.locator(".error-summary").count() == 1
    assert page.page.locator("#factor-2 .row-warnings").is_visible()
    assert row(staff_jobcenter, 1).status == Status.NOT_REPORTED  # all or nothing
    assert_clean(page, "with a warning")
    page.page.check("#factor-2 input[name$='-confirm']")
    with page.page.expect_navigation():
        page.page.click("form.editor button[type=submit] >> nth=0")
    assert "Faktoren 1, 2" in page.page.locator(".messages").inner_text()
    assert row(staff_jobcenter, 1).not_applicable_reason == "Kein Bedarf im Kreis"
    assert (row(staff_jobcenter, 2).status, row(staff_jobcenter, 2).progress) == (
        Status.PLANNED,
        50,
    )


def test_editor_passes_axe_at_both_widths_and_languages(staff_jobcenter, make_page):
    ags = staff_jobcenter.district.ags
    for language in ("de", "en"):
        for width in (1280, 360):
            page = make_page(width=width, language=language)
            sign_in(page, "staff")
            page.goto(f"/bearbeiten/{ags}/")
            assert page.page.evaluate("document.documentElement.lang") == language
            # No sideways scrolling at 360 px.
            assert page.page.evaluate(
                "document.documentElement.scrollWidth <= window.innerWidth + 1"
            ), (language, width)
            assert_clean(page, (language, width))
            page.page.click("details.more >> nth=0 >> summary")
            assert_clean(page, (language, width, "details open"))
