"""The review step as people use it: staff submit in the editor, the coordination office
releases in the review queue. Each page is checked with axe-core (WCAG 2.1 A/AA)."""

import pytest
from django.test import override_settings

from jobcenters import roles
from jobcenters.models import Implementation, PendingChange, Status
from tests.browser.signin import sign_in
from tests.factories import make_catalogue, make_jobcenter, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARKER = "Kooperation mit der VHS (Entwurf 7d2)"


def login(page, username):
    sign_in(page, username)


def assert_clean(page):
    assert page.axe_violations() == []
    assert page.csp_violations() == []
    assert page.external_requests() == []


@override_settings(KJC_REVIEW_REQUIRED=True)
def test_submit_send_back_and_release(make_page):
    roles.ensure_groups()
    make_catalogue(factors=2)
    jobcenter = make_jobcenter(name="Jobcenter Testkreis")
    make_user("staff", group=roles.JOBCENTER_STAFF, jobcenters=[jobcenter])
    make_user("office", group=roles.COORDINATION)
    ags = jobcenter.district.ags

    staff = make_page(width=320)
    login(staff, "staff")
    staff.goto(f"/bearbeiten/{ags}/")
    staff.page.select_option("select[name$='-status'] >> nth=0", Status.DONE)
    # Notes and link sit behind the row's disclosure.
    staff.page.click("details.more >> nth=0 >> summary")
    staff.page.fill("textarea[name$='-public_note'] >> nth=0", MARKER)
    staff.page.click("form.editor button[type=submit] >> nth=0")
    staff.page.wait_for_load_state()
    assert staff.page.locator(".review-state-submitted").count() == 1
    assert_clean(staff)
    assert PendingChange.objects.get().public_note == MARKER

    office = make_page()
    login(office, "office")
    office.goto("/freigabe/")
    assert MARKER in office.page.locator("#review-form").inner_text()
    assert_clean(office)
    # Sending back without a comment: the error is named, nothing happens.
    office.page.check("input[name=selected] >> nth=0")
    office.page.click("button[value=return]")
    office.page.wait_for_load_state()
    assert office.page.locator(".error-summary").count() == 1
    assert_clean(office)
    office.page.fill("textarea[name=comment]", "Bitte Nachweis-Link ergänzen")
    office.page.click("button[value=return]")
    office.page.wait_for_load_state()

    staff.goto(f"/bearbeiten/{ags}/")
    assert (
        "Bitte Nachweis-Link ergänzen" in staff.page.locator(".review-state-returned").inner_text()
    )
    assert_clean(staff)
    staff.page.fill("input[name$='-evidence_url'] >> nth=0", "https://example.org/nachweis")
    staff.page.click("form.editor button[type=submit] >> nth=0")
    staff.page.wait_for_load_state()

    office.goto("/freigabe/")
    office.page.check("input[name=selected] >> nth=0")
    office.page.click("button[value=release]")
    office.page.wait_for_load_state()
    row = Implementation.objects.get(jobcenter=jobcenter, factor__number=1)
    assert (row.status, row.public_note) == (Status.DONE, MARKER)
    assert not PendingChange.objects.exists()

    public = make_page()
    public.goto(f"/jobcenter/{ags}/")
    assert MARKER in public.page.content()
